"""AWS's service-linked roles: the role ``CreateServiceLinkedRole`` makes for a service principal.

The facts (role name, whether a ``CustomSuffix`` is taken, the AWS managed policies attached)
are AWS's documentation, typed by hand with the page each came from into
``service-linked-roles.json`` beside this module, loaded on first use.

A principal the file does not know keeps the old guess: ``AWSServiceRoleFor`` + its first
label capitalised, no policy attached, a suffix taken.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Mapping, NamedTuple

DATA_FILE = Path(__file__).with_name("service-linked-roles.json")


class LinkedService(NamedTuple):
    principal: str
    role_name: str
    custom_suffix: bool
    #: ``<path><name>`` of each AWS managed policy AWS attaches to the role.
    policies: tuple[str, ...]
    #: The AWS documentation page the facts come from (None for a guessed principal).
    documentation: str | None

    def name(self, suffix: str | None) -> str:
        """The role's name: ``_<suffix>`` appended when given."""
        return f"{self.role_name}_{suffix}" if suffix else self.role_name


@functools.cache
def linked_services() -> Mapping[str, LinkedService]:
    """Every documented service principal (case-sensitive, as AWS's principals are)."""
    data = json.loads(DATA_FILE.read_text())
    return {
        principal: LinkedService(
            principal,
            entry["roleName"],
            entry["customSuffix"],
            tuple(entry["policies"]),
            entry["documentation"],
        )
        for principal, entry in data["services"].items()
    }


def linked_service(principal: str) -> LinkedService:
    """The documented service, or the guess for a principal AWS's pages were not read for."""
    known = linked_services().get(principal)
    if known is not None:
        return known
    first = principal.split(".", 1)[0]
    return LinkedService(
        principal, f"AWSServiceRoleFor{first[:1].upper()}{first[1:]}", True, (), None
    )
