"""IAM's store: one per account (IAM is global), one table per kind of entity.

Records are small slotted dataclasses; a user's inline policies and attachments live on
the user (they are few and always read together). Timestamps are epoch seconds on the
virtual clock; the provider renders them.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

from cloudtwin.state.records import record_types
from cloudtwin.state.store import Store, Tables
from cloudtwin.state.table import Table

_ID_ALPHABET = string.ascii_uppercase + string.digits


def new_id(prefix: str, length: int = 21) -> str:
    """AWS-style unique ids: ``AIDA`` users, ``AROA`` roles, ``AGPA`` groups, ``ANPA``
    policies, ``AIPA`` instance profiles, ``ASCA`` certificates, ``AKIA``/``ASIA`` keys (20)."""
    return prefix + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length - len(prefix)))


def new_secret() -> str:
    alphabet = string.ascii_letters + string.digits + "+/"
    return "".join(secrets.choice(alphabet) for _ in range(40))


@dataclass(slots=True)
class Principal:
    """What users, groups and roles share: identity, inline policies and attachments."""

    name: str
    id: str
    arn: str
    path: str
    created: float
    #: inline policy name -> document text
    inline: dict[str, str] = field(default_factory=dict)
    #: attached managed policy ARNs, in attach order
    attached: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    boundary: str | None = None


@dataclass(slots=True)
class User(Principal):
    groups: list[str] = field(default_factory=list)
    password_last_used: float | None = None


@dataclass(slots=True)
class Group(Principal):
    pass


@dataclass(slots=True)
class Role(Principal):
    trust_policy: str = ""
    description: str | None = None
    max_session: int = 3600
    last_used: float | None = None
    last_used_region: str | None = None
    service_linked: bool = False


@dataclass(slots=True)
class PolicyVersion:
    version_id: str
    document: str
    created: float


@dataclass(slots=True)
class ManagedPolicy:
    name: str
    id: str
    arn: str
    path: str
    created: float
    updated: float
    description: str | None = None
    default_version: str = "v1"
    versions: dict[str, PolicyVersion] = field(default_factory=dict)
    next_version: int = 2
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class AccessKey:
    key_id: str
    secret: str
    user_name: str
    status: str
    created: float
    last_used: float | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None


@dataclass(slots=True)
class InstanceProfile:
    name: str
    id: str
    arn: str
    path: str
    created: float
    roles: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class LoginProfile:
    user_name: str
    created: float
    password: str
    reset_required: bool = False


@dataclass(slots=True)
class MfaDevice:
    serial: str
    seed: bytes
    created: float
    user_name: str | None = None
    enabled: float | None = None
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class ServerCertificate:
    name: str
    id: str
    arn: str
    path: str
    body: str
    chain: str | None
    uploaded: float
    expiration: float | None
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class SamlProvider:
    arn: str
    metadata: str
    created: float
    valid_until: float
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class OidcProvider:
    arn: str
    url: str
    client_ids: list[str]
    thumbprints: list[str]
    created: float
    tags: list[dict[str, str]] = field(default_factory=list)


@dataclass(slots=True)
class SshKey:
    key_id: str
    user_name: str
    body: str
    fingerprint: str
    status: str
    uploaded: float


@dataclass(slots=True)
class SigningCertificate:
    cert_id: str
    user_name: str
    body: str
    status: str
    uploaded: float


@dataclass(slots=True)
class ServiceCredential:
    cred_id: str
    user_name: str
    service: str
    service_user: str
    password: str
    status: str
    created: float


@dataclass(slots=True)
class AccessReportJob:
    """A GenerateServiceLastAccessedDetails job (complete as soon as it is made)."""

    job_id: str
    arn: str
    granularity: str
    created: float
    services: list[str] = field(default_factory=list)


@dataclass(slots=True)
class AccountSettings:
    aliases: list[str] = field(default_factory=list)
    password_policy: dict[str, Any] | None = None
    credential_report: float | None = None
    sts_preference: str | None = None


class IamStore(Store):
    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.users: Table[str, User] = tables.table("users")
        self.groups: Table[str, Group] = tables.table("groups")
        self.roles: Table[str, Role] = tables.table("roles")
        #: keyed by policy ARN (customer managed only; AWS managed ones are data)
        self.policies: Table[str, ManagedPolicy] = tables.table("policies")
        self.access_keys: Table[str, AccessKey] = tables.table("access_keys")
        self.instance_profiles: Table[str, InstanceProfile] = tables.table("instance_profiles")
        self.login_profiles: Table[str, LoginProfile] = tables.table("login_profiles")
        self.mfa_devices: Table[str, MfaDevice] = tables.table("mfa_devices")
        self.server_certificates: Table[str, ServerCertificate] = tables.table("server_certs")
        self.saml_providers: Table[str, SamlProvider] = tables.table("saml_providers")
        self.oidc_providers: Table[str, OidcProvider] = tables.table("oidc_providers")
        self.ssh_keys: Table[str, SshKey] = tables.table("ssh_keys")
        self.signing_certificates: Table[str, SigningCertificate] = tables.table("signing_certs")
        self.service_credentials: Table[str, ServiceCredential] = tables.table("service_creds")
        self.settings: Table[str, AccountSettings] = tables.table("settings")
        self.access_jobs: Table[str, AccessReportJob] = tables.table("access_jobs")
        #: DeleteServiceLinkedRole task id -> failure reason ("" when it succeeded)
        self.deletion_tasks: Table[str, str] = tables.table("deletion_tasks")

    @property
    def account(self) -> AccountSettings:
        settings = self.settings.get("account")
        if settings is None:
            settings = self.settings["account"] = AccountSettings()
        return settings

    def save_account(self) -> None:
        self.settings.save("account")


# What the tables hold, by name (see cloudtwin.state.records).
record_types(Principal, User, Group, Role, PolicyVersion, ManagedPolicy, AccessKey, InstanceProfile, LoginProfile, MfaDevice, ServerCertificate, SamlProvider, OidcProvider, SshKey, SigningCertificate, ServiceCredential, AccessReportJob, AccountSettings)
