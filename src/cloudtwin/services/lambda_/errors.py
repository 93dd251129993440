"""Lambda's errors: every modeled Lambda error carries ``"Type": "User"`` beside its
message, as AWS sends it (the protocol layer writes only the members the shape has)."""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError


def lambda_error(code: str, message: str = "", status_code: int | None = None, *,
          fields: dict[str, Any] | None = None) -> ServiceError:  # fmt: skip
    return ServiceError(code, message, status_code, fields={"Type": "User", **(fields or {})})


def precondition_failed() -> ServiceError:
    return lambda_error(
        "PreconditionFailedException",
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id",
        412,
    )
