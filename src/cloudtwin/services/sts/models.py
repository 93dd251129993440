"""STS's store: the temporary credentials it issued, per account of the session.

Sessions are kept (and re-registered with the gateway after a restart) until a week after
they expire, so a request signed with expired credentials gets ``ExpiredToken`` rather than
being read as some other caller.
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudtwin.gateway.identity import Identity
from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table


@dataclass(slots=True)
class Session:
    access_key_id: str
    secret: str
    token: str
    account_id: str
    arn: str
    user_id: str
    created: float
    expires_at: float
    session_policy: str | None = None
    source_arn: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    #: Keys (lower case) of the tags that pass on to sessions this one assumes (role chaining).
    transitive: tuple[str, ...] = ()

    def identity(self) -> Identity:
        return Identity(
            account_id=self.account_id,
            arn=self.arn,
            user_id=self.user_id,
            access_key_id=self.access_key_id,
            is_root=False,
            expires_at=self.expires_at,
            session_policy=self.session_policy,
            source_arn=self.source_arn,
            session_tags=self.tags,
            secret=self.secret,
            session_token=self.token,
        )


class StsStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.sessions: Table[str, Session] = tables.table("sessions")


# What the tables hold, by name (see cloudtwin.state.records).
record_types(Session)
