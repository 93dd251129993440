"""AWS's own IAM data: every AWS managed policy.

AWS managed policies exist in every account at ``arn:<partition>:iam::aws:policy<path><name>``
with AWS's documents, versions and dates. They come from published data (see
``aws_data_build``), shipped gzipped beside this module and loaded on first use, so
start-up does not pay for them.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import json
from datetime import datetime
from pathlib import Path
from typing import Mapping, NamedTuple

DATA_FILE = Path(__file__).with_name("aws-iam-data.json.gz")
_POLICY_MARKER = ":iam::aws:policy/"


class AwsPolicy(NamedTuple):
    name: str
    path: str
    version: str
    created: float
    updated: float
    document: str

    @property
    def id(self) -> str:
        """A stable ``ANPA…`` id (AWS's ids are not in the published data)."""
        digest = base64.b32encode(hashlib.sha256(self.name.encode()).digest()).decode()
        return "ANPA" + digest[:17]

    def arn(self, partition: str) -> str:
        return f"arn:{partition}:iam::aws:policy{self.path}{self.name}"



@functools.cache
def _data() -> dict:
    return json.loads(gzip.decompress(DATA_FILE.read_bytes()))


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@functools.cache
def aws_policies() -> Mapping[str, AwsPolicy]:
    """Every AWS managed policy by name."""
    return {
        name: AwsPolicy(name, path, version, _epoch(created), _epoch(updated), document)
        for name, (path, version, created, updated, document) in _data()["policies"].items()
    }


def aws_policy_by_arn(arn: str) -> AwsPolicy | None:
    """The AWS managed policy an ``arn:…:iam::aws:policy/...`` ARN names, if it exists."""
    at = arn.find(_POLICY_MARKER)
    if at < 0:
        return None
    policy = aws_policies().get(arn.rsplit("/", 1)[-1])
    if policy is None or arn[at + len(_POLICY_MARKER) - 1 :] != policy.path + policy.name:
        return None
    return policy

