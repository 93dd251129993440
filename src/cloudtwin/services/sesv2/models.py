"""The SES v2 store: what only the v2 API has, the tags of identities, templates and
configuration sets (by ARN). The resources themselves live in SES (v1)'s store, reached
through its operations."""

from __future__ import annotations

from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table


class SesV2Store(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: Resource ARN -> ``[{"Key": ..., "Value": ...}]``.
        self.tags: Table[str, list[dict[str, str]]] = tables.table("tags")
