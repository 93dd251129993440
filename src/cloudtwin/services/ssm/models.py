"""SSM Parameter Store state: parameters and their versions, one store per account/region.

Each version is a row of its own ((name, version) -> ParameterVersion) so a parameter's
history costs one write per change; the parameter row holds what applies to the whole
parameter (tags) and which version is latest. Path queries use a sorted name index kept on
the store object (rebuilt from the table on first use, kept in step on every write).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table


@dataclass(slots=True)
class ParameterVersion:
    version: int
    type: str
    #: Plain text for String/StringList; for SecureString the KMS ciphertext blob (or, for
    #: the advanced tier, a sealed value with its KMS-encrypted data key).
    value: str | bytes
    modified: float
    user: str
    tier: str = "Standard"
    data_type: str = "text"
    description: str | None = None
    allowed_pattern: str | None = None
    key_id: str | None = None
    policies: list[dict[str, Any]] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    envelope: tuple[bytes, bytes] | None = None  # (data key blob, nonce) for advanced SecureStrings


@dataclass(slots=True)
class Parameter:
    name: str
    arn: str
    latest: int
    tags: dict[str, str] = field(default_factory=dict)
    #: Version numbers still kept, oldest first (at most 100).
    versions: list[int] = field(default_factory=list)
    expires: float | None = None  # from an Expiration policy on the latest version


class ParameterStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.parameters: Table[str, Parameter] = tables.table("parameters")
        self.versions: Table[tuple[str, int], ParameterVersion] = tables.table("versions")
        #: Maintenance windows, patch baselines and documents: AWS's answers as plain records.
        self.windows: Table[str, dict[str, Any]] = tables.table("windows")
        self.baselines: Table[str, dict[str, Any]] = tables.table("baselines")
        self.documents: Table[str, dict[str, Any]] = tables.table("documents")
        self._names: list[str] | None = None
        self._expiring: set[str] | None = None

    @property
    def expiring(self) -> set[str]:
        """Names of parameters with an Expiration policy: the processor looks only at these."""
        if self._expiring is None:
            self._expiring = {n for n, p in self.parameters.items() if p.expires is not None}
        return self._expiring

    @property
    def sorted_names(self) -> list[str]:
        if self._names is None:
            self._names = sorted(self.parameters)
        return self._names

    def add_name(self, name: str) -> None:
        names = self.sorted_names
        i = bisect.bisect_left(names, name)
        if i == len(names) or names[i] != name:
            names.insert(i, name)

    def remove_name(self, name: str) -> None:
        names = self.sorted_names
        i = bisect.bisect_left(names, name)
        if i < len(names) and names[i] == name:
            del names[i]

    def names_under(self, prefix: str) -> list[str]:
        """Names that start with ``prefix``, in order."""
        names = self.sorted_names
        i = bisect.bisect_left(names, prefix)
        out = []
        while i < len(names) and names[i].startswith(prefix):
            out.append(names[i])
            i += 1
        return out


# What the tables hold, by name (see cloudtwin.state.records).
record_types(ParameterVersion, Parameter)
