"""CloudFormation's published resource schemas, in the compact form cloudtwin ships
(``schemas.json.gz``, extracted from cfn-lint's copy by ``scripts/cfn_schemas.py``): per type its
primary identifier, create-only, read-only, write-only and required properties, its
property names and whether it is taggable."""

from __future__ import annotations

import functools
import gzip
import json
from pathlib import Path
from typing import Any

_DATA = Path(__file__).with_name("schemas.json.gz")


@functools.cache
def schemas() -> dict[str, dict[str, Any]]:
    return json.loads(gzip.decompress(_DATA.read_bytes()))


def schema(type_name: str) -> dict[str, Any] | None:
    return schemas().get(type_name)


def create_only(type_name: str) -> frozenset[str]:
    """Top-level properties whose change replaces the resource (``A.B`` pointers count for ``A``)."""
    found = schema(type_name) or {}
    return frozenset(name.split(".")[0] for name in found.get("createOnly", ()))


def attribute_names(type_name: str) -> list[str]:
    """The names ``Fn::GetAtt`` can read: the schema's read-only properties."""
    return list((schema(type_name) or {}).get("readOnly", ()))
