"""Who is calling: the account and principal behind an access key id.

AWS knows every access key; cloudtwin accepts any. A key that IAM or STS issued maps to
its user or role session (they register it here); a 12-digit key id is read as an account
id, so tests can pick accounts just by choosing keys; anything else acts as the root of the
default account, or as the IAM user ``CLOUDTWIN_DEFAULT_IDENTITY`` names.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from dataclasses import dataclass, field

_USER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):user/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$")


def parse_user_arn(arn: str) -> tuple[str, str, str]:
    """(account, path, user name) of an IAM user ARN; ValueError for anything else."""
    match = _USER_ARN.match(arn)
    if match is None:
        raise ValueError(f"CLOUDTWIN_DEFAULT_IDENTITY must be an IAM user ARN, not {arn!r}")
    account, path, name = match.groups()
    return account, "/" + path, name


def partition_for_region(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-iso-"):
        return "aws-iso"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    if region.startswith("eu-isoe-"):
        return "aws-iso-e"
    if region.startswith("us-isof-"):
        return "aws-iso-f"
    return "aws"


@dataclass(frozen=True, slots=True)
class Identity:
    """The principal a request acts as.

    ``arn`` may use ``{partition}`` as a placeholder: the same root principal is
    ``arn:aws:iam::…:root`` in us-east-1 and ``arn:aws-cn:iam::…:root`` in cn-north-1.
    """

    account_id: str
    arn: str
    user_id: str
    access_key_id: str | None = None
    #: True for the account's root (and the default credentials): always allowed.
    is_root: bool = True
    #: When temporary (STS) credentials stop working, in virtual-clock epoch seconds.
    expires_at: float | None = None
    #: The session policy passed to AssumeRole / GetFederationToken (JSON text), if any:
    #: it limits what the session may do.
    session_policy: str | None = None
    #: The long-term principal a session was made from (a federated user's IAM user).
    source_arn: str | None = None
    #: An access key that exists but is inactive: requests signed with it are refused.
    disabled: bool = False
    #: Session tags ((key, value), ...) passed to AssumeRole / GetFederationToken: they
    #: are the session's ``aws:PrincipalTag`` values.
    session_tags: tuple[tuple[str, str], ...] = ()
    #: The key's secret and (STS) session token, for ``CLOUDTWIN_VERIFY_SIGNATURES=1``
    #: (gateway.verification); never shown.
    secret: str | None = field(default=None, repr=False)
    session_token: str | None = field(default=None, repr=False)

    def arn_in(self, region: str) -> str:
        return self.arn.replace("{partition}", partition_for_region(region))


def check_credentials(identity: Identity, now: float, protocol: str) -> None:
    """Refuse a request signed with an inactive key or expired session credentials, as AWS
    does (only called for identities with an expiry or disabled, so the default path costs
    nothing)."""
    from cloudtwin.protocol.errors import ServiceError

    json_style = protocol not in ("query", "ec2", "rest-xml")
    if identity.disabled:
        code = "UnrecognizedClientException" if json_style else "InvalidClientTokenId"
        raise ServiceError(
            code,
            "The security token included in the request is invalid.",
            403 if not json_style else 400,
            sender_fault=True,
        )
    if identity.expires_at is not None and now >= identity.expires_at:
        code = "ExpiredTokenException" if json_style else "ExpiredToken"
        raise ServiceError(
            code,
            "The security token included in the request is expired",
            403 if not json_style else 400,
            sender_fault=True,
        )


class IdentityRegistry:
    """Maps access key ids to identities. STS and IAM register the keys they issue."""

    def __init__(self, default_account: str, default_identity: str | None = None) -> None:
        self.default_account = default_account
        #: The user ARN the default credentials act as (None: the default account's root).
        self.default_identity = default_identity
        self._keys: dict[str, Identity] = {}
        self._roots: dict[str | None, Identity] = {}
        self._lock = threading.Lock()

    def register(self, identity: Identity) -> None:
        if not identity.access_key_id:
            raise ValueError("an identity registered by key needs an access key id")
        with self._lock:
            self._keys[identity.access_key_id] = identity

    def forget(self, access_key_id: str) -> None:
        with self._lock:
            self._keys.pop(access_key_id, None)

    def resolve(self, access_key_id: str | None) -> Identity:
        if access_key_id:
            identity = self._keys.get(access_key_id)
            if identity is not None:
                return identity
        # Unregistered keys act as an account's root: the same immutable value every time.
        identity = self._roots.get(access_key_id)
        if identity is None:
            if access_key_id and len(access_key_id) == 12 and access_key_id.isdigit():
                identity = self.root(access_key_id, access_key_id)
            elif self.default_identity:
                identity = self.user(self.default_identity, access_key_id)
            else:
                identity = self.root(self.default_account, access_key_id)
            if len(self._roots) >= 4096:
                self._roots.clear()
            self._roots[access_key_id] = identity
        return identity

    @staticmethod
    def root(account_id: str, access_key_id: str | None = None) -> Identity:
        return Identity(
            account_id=account_id,
            arn=f"arn:{{partition}}:iam::{account_id}:root",
            user_id=account_id,
            access_key_id=access_key_id,
        )

    @staticmethod
    def user(arn: str, access_key_id: str | None = None) -> Identity:
        """The IAM user an ARN names, acting with the default credentials: answered as that
        user (a stable ``AIDA…`` id), allowed everything as the default credentials are."""
        account, path, name = parse_user_arn(arn)
        digest = base64.b32encode(hashlib.sha256(arn.encode()).digest()).decode()
        return Identity(
            account_id=account,
            arn=f"arn:{{partition}}:iam::{account}:user{path}{name}",
            user_id="AIDA" + digest[:17],
            access_key_id=access_key_id,
        )

    def reset(self) -> None:
        with self._lock:
            self._keys.clear()

    def forget_account(self, account_id: str) -> int:
        """Forget every key issued in one account (a per-account reset); returns how many."""
        with self._lock:
            keys = [k for k, ident in self._keys.items() if ident.account_id == account_id]
            for key in keys:
                del self._keys[key]
        return len(keys)
