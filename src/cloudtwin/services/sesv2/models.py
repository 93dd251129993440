"""The SES v2 store: what only the v2 API has — the tags of identities, templates and
configuration sets (by ARN), an identity's default configuration set, the suppression list,
contact lists and contacts. The resources
themselves live in SES (v1)'s store, reached through its operations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext


class SesV2Store(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        #: Resource ARN -> ``[{"Key": ..., "Value": ...}]``.
        self.tags: Table[str, list[dict[str, str]]] = tables.table("tags")
        #: Identity -> the configuration set its sends use when they name none.
        self.identity_sets: Table[str, str] = tables.table("identity-configuration-sets")
        #: ``<tenant>/<address>`` (no tenant: the account's list) -> the suppressed destination.
        self.suppressed: Table[str, dict] = tables.table("suppressed-destinations")
        #: Contact list name -> the list (its topics, description, times).
        self.contact_lists: Table[str, dict] = tables.table("contact-lists")
        #: ``<list>/<lower-cased address>`` -> the contact.
        self.contacts: Table[str, dict] = tables.table("contacts")
        #: Identity -> the DKIM key length asked for its next key (``NextSigningKeyLength``).
        self.signing_key_lengths: Table[str, str] = tables.table("dkim-signing-key-lengths")
        #: Account-wide settings: ``suppressed-reasons``.
        self.account: Table[str, list] = tables.table("account")

    def add_tags(self, arn: str, tags: list[dict[str, str]] | None) -> None:
        if tags:
            merged = {t["Key"]: t for t in self.tags.get(arn, [])} | {t["Key"]: t for t in tags}
            self.tags[arn] = list(merged.values())

    def tags_of(self, arn: str) -> list[dict[str, str]]:
        return list(self.tags.get(arn, []))


def resource_arn(ctx: "RequestContext", kind: str, name: str) -> str:
    """``arn:aws:ses:<region>:<account>:<kind>/<name>`` (identity, template, configuration-set)."""
    return f"arn:{ctx.partition}:ses:{ctx.region}:{ctx.account_id}:{kind}/{name}"
