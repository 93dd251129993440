"""Server settings, from command-line flags and ``CLOUDTWIN_*`` environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4566
DEFAULT_ACCOUNT = "000000000000"
DEFAULT_REGION = "us-east-1"


def _env_list(name: str) -> tuple[str, ...]:
    raw = os.environ.get(name, "")
    return tuple(part.strip().lower() for part in raw.split(",") if part.strip())


@dataclass(slots=True)
class Config:
    """Everything the server needs to know at start-up. Immutable once the server runs."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    log_level: str = "info"
    #: Extra host names the server answers to, besides localhost, *.localhost,
    #: localhost.localstack.cloud and 127.0.0.1 (e.g. "aws.internal" for "sqs.aws.internal").
    hostnames: tuple[str, ...] = ()
    #: Origins allowed by CORS for browser clients besides loopback ones (http(s)://
    #: localhost, *.localhost, 127.0.0.0/8, [::1], any port); "*" allows any, without
    #: credentials.
    cors_origins: tuple[str, ...] = ()
    default_account: str = DEFAULT_ACCOUNT
    default_region: str = DEFAULT_REGION
    #: Largest request header section accepted, in bytes (AWS refuses larger ones).
    max_header_bytes: int = 64 * 1024
    #: Keep all state here and restore it on the next start (None: in memory only).
    data_dir: str | None = None
    #: Without a data dir, still encode every record written as persistence would (and
    #: fail the write if it cannot be): in-process test servers turn it on.
    check_records: bool = False
    #: Allow or deny calls signed with IAM-issued credentials by their policies
    #: (``CLOUDTWIN_ENFORCE_IAM=1``); root and default credentials are always allowed.
    enforce_iam: bool = False
    #: What the default credentials act as (``CLOUDTWIN_DEFAULT_IDENTITY``): an IAM user
    #: ARN (GetCallerIdentity answers it, and its account becomes the default account), or
    #: ``root`` / a root ARN for the account's root. None: the IAM user ``cloudtwin`` of
    #: the default account (see gateway.identity).
    default_identity: str | None = None
    #: Seconds a client may pause while sending a request body before the request is
    #: answered with S3's ``RequestTimeout`` and the connection closed.
    body_idle_timeout: float = 20.0
    #: Verify SigV4 (and S3's SigV2) header signatures against the secrets cloudtwin
    #: knows (``CLOUDTWIN_VERIFY_SIGNATURES=1``); see gateway.verification.
    verify_signatures: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    def url_domain(self) -> str:
        """The domain under which generated data-plane URLs live (function URLs, API
        endpoints): the first ``--hostname`` given, else ``localhost.localstack.cloud``,
        whose subdomains resolve to 127.0.0.1 wherever public DNS answers (``*.localhost``
        does not resolve for Python's or Node's resolver); the server answers both."""
        return self.hostnames[0] if self.hostnames else "localhost.localstack.cloud"

    def issuer_base(self) -> str:
        """The base URL of what this server publishes under its own address (Cognito
        issuers and their JWKS): the bound host, or 127.0.0.1 when bound to every address."""
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::", "") else self.host
        return f"http://{host}:{self.port}"

    @classmethod
    def from_env(cls, **overrides: object) -> "Config":
        """Settings from the environment; explicit (non-None) overrides win."""
        values: dict[str, object] = {}
        if "CLOUDTWIN_HOST" in os.environ:
            values["host"] = os.environ["CLOUDTWIN_HOST"]
        if "CLOUDTWIN_PORT" in os.environ:
            values["port"] = int(os.environ["CLOUDTWIN_PORT"])
        if "CLOUDTWIN_LOG_LEVEL" in os.environ:
            values["log_level"] = os.environ["CLOUDTWIN_LOG_LEVEL"].lower()
        if os.environ.get("CLOUDTWIN_HOSTNAME"):
            values["hostnames"] = _env_list("CLOUDTWIN_HOSTNAME")
        if os.environ.get("CLOUDTWIN_CORS_ORIGINS"):
            values["cors_origins"] = _env_list("CLOUDTWIN_CORS_ORIGINS")
        if os.environ.get("CLOUDTWIN_DATA_DIR"):
            values["data_dir"] = os.environ["CLOUDTWIN_DATA_DIR"]
        if os.environ.get("CLOUDTWIN_DEFAULT_REGION"):
            values["default_region"] = os.environ["CLOUDTWIN_DEFAULT_REGION"]
        if os.environ.get("CLOUDTWIN_ENFORCE_IAM", "").lower() in ("1", "true", "yes", "on"):
            values["enforce_iam"] = True
        if os.environ.get("CLOUDTWIN_DEFAULT_IDENTITY"):
            values["default_identity"] = os.environ["CLOUDTWIN_DEFAULT_IDENTITY"]
        if os.environ.get("CLOUDTWIN_VERIFY_SIGNATURES", "").lower() in ("1", "true", "yes", "on"):
            values["verify_signatures"] = True
        values.update({k: v for k, v in overrides.items() if v is not None})
        if values.get("default_identity"):
            from cloudtwin.gateway.identity import parse_default_identity

            account = parse_default_identity(str(values["default_identity"]))[0]
            if account:
                values["default_account"] = account
        return cls(**values)  # type: ignore[arg-type]
