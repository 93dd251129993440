"""The execution role: Lambda assumes it (through STS, as the service principal
``lambda.amazonaws.com``) to check it at create time and to give each environment the
role's credentials, so that IAM enforcement applies to what the function does."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.identity import Identity
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.errors import lambda_error

SERVICE_PRINCIPAL = "lambda.amazonaws.com"
#: Credentials are taken again this long before they expire.
_MARGIN = 300.0


def cannot_assume() -> ServiceError:
    return lambda_error(
        "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda."
    )


class ExecutionRoles:
    def __init__(self, env: Any) -> None:
        self.env = env
        #: (role ARN, function name) -> (access key, secret, token, expires at)
        self._cache: dict[tuple[str, str], tuple[str, str, str, float]] = {}

    def _assume(self, role_arn: str, session: str, region: str) -> dict[str, Any]:
        account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else ""
        service = Identity(account_id=account, arn=SERVICE_PRINCIPAL, user_id=SERVICE_PRINCIPAL, is_root=False)
        return self.env.internal.call(
            "sts", "AssumeRole", {"RoleArn": role_arn, "RoleSessionName": _session_name(session)},
            account_id=account, region=region, caller=service,
        )["Credentials"]

    def check(self, role_arn: str, function_name: str, region: str) -> None:
        """CreateFunction / UpdateFunctionConfiguration: the role must exist and trust Lambda."""
        try:
            self._assume(role_arn, function_name, region)
        except ServiceError:
            raise cannot_assume() from None

    def credentials(self, role_arn: str, function_name: str, region: str) -> tuple[str, str, str] | None:
        """The role's credentials for a new environment (None when the role is gone)."""
        now = self.env.clock.now()
        cached = self._cache.get((role_arn, function_name))
        if cached is not None and cached[3] - _MARGIN > now:
            return cached[:3]
        try:
            creds = self._assume(role_arn, function_name, region)
        except ServiceError:
            return None
        expires = creds["Expiration"]
        expires_at = expires.timestamp() if hasattr(expires, "timestamp") else float(expires)
        entry = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], expires_at)
        self._cache[(role_arn, function_name)] = entry
        return entry[:3]

    def reset(self) -> None:
        self._cache.clear()


def _session_name(function_name: str) -> str:
    """The role session Lambda opens for a function: its name (a session name has at least
    two characters, so a one-letter name becomes ``<name>@lambda_function``, as on AWS)."""
    return function_name[:64] if len(function_name) >= 2 else f"{function_name}@lambda_function"
