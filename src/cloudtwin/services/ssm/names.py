"""Parameter names as AWS validates them, selectors (``name:3``, ``name:label``), ARNs."""

from __future__ import annotations

import re

from cloudtwin.protocol.errors import ServiceError

_SEGMENT = re.compile(r"^[A-Za-z0-9_.\-]+$")
_MAX_DEPTH = 15

INVALID_NAME = (
    'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can '
    "consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, "
    "numbers and the following 3 symbols .-_"
)
INVALID_PATH = (
    'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin '
    'with a forward slash "/". It can\'t be prefixed with \\"aws\\" or \\"ssm\\" (case-insensitive). '
    "It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ "
    "(underscore). Special characters are not allowed. All sub-paths, if specified, must use the "
    'forward slash symbol "/". Valid example: /get/parameters2-/by1./path0_.'
)
HIERARCHY_LIMIT = (
    "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and "
    "constraints for parameter names in the AWS Systems Manager User Guide."
)


def check_name(name: str) -> None:
    """Refuse a name PutParameter would refuse, with AWS's error and text."""
    if "/" in name and not name.startswith("/"):
        raise ServiceError("ValidationException", "Parameter name must be a fully qualified name.")
    segments = name[1:].split("/") if name.startswith("/") else [name]
    if not all(_SEGMENT.match(s) for s in segments):
        raise ServiceError("ValidationException", INVALID_NAME)
    if segments[0].lower().startswith(("aws", "ssm")):
        raise ServiceError("ValidationException", INVALID_NAME)
    if len(segments) > _MAX_DEPTH:
        raise ServiceError("HierarchyLevelLimitExceededException", HIERARCHY_LIMIT)


def check_lookup(name: str) -> None:
    """A name given to GetParameter(s): a path needs its leading slash and no empty sub-path."""
    if name.startswith("arn:"):
        return
    if "//" in name or ("/" in name and not name.startswith("/")):
        raise ServiceError("ValidationException", INVALID_NAME)


def check_path(path: str) -> None:
    if path == "/":
        return
    if not path.startswith("/"):
        raise ServiceError("ValidationException", INVALID_PATH)
    segments = path.strip("/").split("/")
    if not all(_SEGMENT.match(s) for s in segments) or segments[0].lower().startswith(("aws", "ssm")):
        raise ServiceError("ValidationException", INVALID_PATH)
    if len(segments) > _MAX_DEPTH:
        raise ServiceError("HierarchyLevelLimitExceededException", HIERARCHY_LIMIT)


def parameter_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:ssm:{region}:{account}:parameter/{name.lstrip('/')}"


def split_selector(name: str) -> tuple[str, str | None]:
    """``/a/b:3`` -> (``/a/b``, ``3``); ``/a/b:prod`` -> (``/a/b``, ``prod``)."""
    if name.startswith("arn:"):
        head, _, rest = name.partition(":parameter/")
        if not rest:
            return name, None
        base, sep, selector = rest.partition(":")
        return head + ":parameter/" + base, (selector if sep else None)
    base, sep, selector = name.partition(":")
    return base, (selector if sep else None)


def names_for_arn(arn: str) -> list[str]:
    """Candidate parameter names an ARN may stand for (``parameter/x`` is ``x`` or ``/x``)."""
    rest = arn.partition(":parameter/")[2]
    if "/" in rest:
        return ["/" + rest]
    return [rest, "/" + rest]
