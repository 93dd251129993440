"""Who is calling: the account and principal behind an access key id.

AWS knows every access key; cloudtwin accepts any. A key that IAM or STS issued maps to
its user or role session (they register it here); a 12-digit key id is read as an account
id, so tests can pick accounts just by choosing keys; anything else acts in the default account.

Any other key acts as the account's *default principal*: the IAM user ``cloudtwin``
(``arn:aws:iam::<account>:user/cloudtwin``), as AWS developers call AWS as IAM users, not as
the root. ``CLOUDTWIN_DEFAULT_IDENTITY`` names another user (a user ARN, whose account becomes
the default one) or ``root`` (the account's root). The default principal is the emulator's
administrator: it is allowed everything, even with IAM enforcement on.
"""

from __future__ import annotations

import base64
import hashlib
import re
import threading
from dataclasses import dataclass, field

_USER_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):user/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$")
_ROOT_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):root$")

#: The name of the IAM user the default credentials act as, unless configured otherwise.
DEFAULT_USER = "cloudtwin"


def parse_user_arn(arn: str) -> tuple[str, str, str]:
    """(account, path, user name) of an IAM user ARN; ValueError for anything else."""
    match = _USER_ARN.match(arn)
    if match is None:
        raise ValueError(
            f"CLOUDTWIN_DEFAULT_IDENTITY must be an IAM user ARN or root, not {arn!r}"
        )
    account, path, name = match.groups()
    return account, "/" + path, name


def parse_default_identity(value: str) -> tuple[str | None, tuple[str, str] | None]:
    """What ``CLOUDTWIN_DEFAULT_IDENTITY`` names: (its account, if it names one; the user's
    (path, name), or None for the account's root). ValueError for anything else."""
    if value.strip().lower() == "root":
        return None, None
    root = _ROOT_ARN.match(value)
    if root is not None:
        return root.group(1), None
    account, path, name = parse_user_arn(value)
    return account, (path, name)


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
    #: True for the account's root and the default principal: always allowed.
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

    @property
    def is_account_root(self) -> bool:
        """The account's root itself (or a session of it), not the default IAM user."""
        return self.arn.endswith(":root")


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
        #: What the default credentials act as (``CLOUDTWIN_DEFAULT_IDENTITY``): a user ARN,
        #: ``root``, or None for the user :data:`DEFAULT_USER`.
        self.default_identity = default_identity
        #: (path, name) of the IAM user every account's default credentials act as; None:
        #: they act as the account's root.
        self.default_user: tuple[str, str] | None = (
            parse_default_identity(default_identity)[1] if default_identity else ("/", DEFAULT_USER)
        )
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
                identity = self.default_principal(access_key_id, access_key_id)
            else:
                identity = self.default_principal(self.default_account, access_key_id)
            if len(self._roots) >= 4096:
                self._roots.clear()
            self._roots[access_key_id] = identity
        return identity

    def default_principal(self, account_id: str, access_key_id: str | None = None) -> Identity:
        """What unregistered credentials act as in an account: the default user, or the root."""
        if self.default_user is None:
            return self.root(account_id, access_key_id)
        path, name = self.default_user
        return self.user(f"arn:aws:iam::{account_id}:user{path}{name}", access_key_id)

    def default_arn(self, account_id: str) -> str:
        """The default principal's ARN in an account (``{partition}`` left to fill)."""
        if self.default_user is None:
            return f"arn:{{partition}}:iam::{account_id}:root"
        path, name = self.default_user
        return f"arn:{{partition}}:iam::{account_id}:user{path}{name}"

    def is_administrator(self, arn: str, account_id: str) -> bool:
        """Whether a principal acts with the full powers of its account: the root or the
        default principal (also through a GetSessionToken session of either)."""
        if arn.endswith(":root"):
            return True
        plain = re.sub(r"^arn:[^:]+:", "arn:aws:", arn.replace("{partition}", "aws"))
        return plain == self.default_arn(account_id).replace("{partition}", "aws")

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
