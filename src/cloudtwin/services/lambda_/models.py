"""Lambda's store: one record per function (its ``$LATEST`` configuration, published
versions, aliases, resource policy, tags and concurrency), as plain data.

Function configurations are kept in the shape of the model's ``FunctionConfiguration``
(the output members by name), so reading one back is a copy, not a translation.
"""

from __future__ import annotations

import uuid

from typing import Any

from cloudtwin.state.store import Store, Tables

LATEST = "$LATEST"


def function_arn(partition: str, region: str, account_id: str, name: str, qualifier: str | None = None) -> str:
    arn = f"arn:{partition}:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


class LambdaStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: function name -> {"latest": config, "versions": {n: config}, "aliases": {name: alias},
        #:   "policy": [statement], "tags": {}, "concurrency": int | None, "next_version": int,
        #:   "code": {version: {"sha": hex, "size": n, "key": code key}}}
        self.functions: Any = tables.table("functions")
        #: event source mapping UUID -> its configuration (as the API shows it) and
        #: ``_checkpoints`` (shard id -> last sequence number delivered)
        self.mappings: Any = tables.table("mappings")
        #: layer name -> {"versions": {"1": {...}}, "next": 2}
        self.layers: Any = tables.table("layers")
        #: code signing config ARN -> its configuration
        self.signing: Any = tables.table("signing")

    def save(self, name: str) -> None:
        self.functions.save(name)


def new_revision_id() -> str:
    """A new ``RevisionId`` (functions, aliases, policies change it on every write)."""
    return str(uuid.uuid4())
