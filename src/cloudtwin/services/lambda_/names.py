"""``FunctionName`` in every form AWS accepts: a name, ``name:qualifier``, a full ARN
(``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]``) or a partial ARN
(``<account>:function:<name>[:<qualifier>]``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.errors import lambda_error

_ARN = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):"
    r"(?P<account>\d{12}):function:(?P<name>[a-zA-Z0-9-_]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?"
)
_PARTIAL = re.compile(
    r"(?P<account>\d{12}):function:(?P<name>[a-zA-Z0-9-_]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?"
)
#: ``arn:aws:lambda:<region>:<account>:<name>``: AWS reads the last part as the name.
_BARE_ARN = re.compile(
    r"arn:(?P<partition>aws[a-zA-Z-]*):lambda:(?P<region>[a-z]{2}(?:-[a-z]+)+-\d):"
    r"(?P<account>\d{12}):(?P<name>[a-zA-Z0-9-_]+)(?P<qualifier>)"
)
_NAME = re.compile(r"(?P<name>[a-zA-Z0-9-_]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9-_]+))?")


MAX_NAME = 64


@dataclass(frozen=True, slots=True)
class FunctionRef:
    name: str
    account_id: str
    region: str
    qualifier: str | None


def invalid(message: str) -> ServiceError:
    return lambda_error("InvalidParameterValueException", message)


def parse(value: str, account_id: str, region: str, qualifier: str | None = None, creating: bool = False) -> FunctionRef:
    """Where a FunctionName points; ``qualifier`` is the request's ``Qualifier`` member.
    Only a function being created has its name's length checked (a lookup of a longer name
    finds nothing)."""
    match = _ARN.fullmatch(value) or _BARE_ARN.fullmatch(value)
    if match is not None:
        if match["region"] != region:
            raise lambda_error(
                "ResourceNotFoundException",
                f"Functions from '{match['region']}' are not reachable in this region ('{region}')",
                404,
            )
        account_id = match["account"]
    else:
        match = _PARTIAL.fullmatch(value) or _NAME.fullmatch(value)
        if match is None:
            raise lambda_error(
                "ValidationException",
                f"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy "
                "constraint: Member must satisfy regular expression pattern: "
                "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?"
                "(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
            )
        if "account" in match.groupdict():
            account_id = match["account"]
    if creating and len(match["name"]) > MAX_NAME:
        raise lambda_error(
            "InvalidParameterValueException",
            f"1 validation error detected: Value '{value}' at 'functionName' failed to satisfy "
            f"constraint: Member must have length less than or equal to {MAX_NAME}",
        )
    derived = match["qualifier"] or None
    if derived and qualifier and derived != qualifier:
        raise invalid("The derived qualifier from the function name does not match the specified qualifier.")
    return FunctionRef(match["name"], account_id, region, derived or qualifier)
