"""ParameterFilters and the legacy Filters of DescribeParameters / GetParametersByPath, and
the NextToken of parameter lists."""

from __future__ import annotations

import base64
from typing import Any, Callable, Sequence

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ssm.models import Parameter, ParameterVersion

#: Options each filter key accepts, per operation (AWS's sets).
_DESCRIBE_OPTIONS = {
    "Name": ("Equals", "BeginsWith", "Contains"),
    "Path": ("OneLevel", "Recursive"),
    "Type": ("Equals", "BeginsWith"),
    "KeyId": ("Equals", "BeginsWith"),
    "Tier": ("Equals",),
    "DataType": ("Equals",),
    "Label": ("Equals",),
}
_BY_PATH_KEYS = ("Type", "KeyId", "Label")

Check = Callable[[Parameter, ParameterVersion], bool]


def _options_for(key: str, by_path: bool) -> tuple[str, ...]:
    # GetParametersByPath takes Type, KeyId and Label only: AWS documents tag, DataType,
    # Name, Path and Tier keys as not valid there.
    if by_path and key not in _BY_PATH_KEYS:
        raise ServiceError(
            "InvalidFilterKey",
            f"The following filter key is not valid: {key}. Valid filter keys include: [Type, KeyId, Label].",
        )
    if key.startswith("tag:"):
        return ("Equals",)
    options = _DESCRIBE_OPTIONS.get(key)
    if options is None:
        raise ServiceError("InvalidFilterKey", f"The following filter key is not valid: {key}.")
    return options


def _text_match(option: str, actual: str | None, values: list[str]) -> bool:
    if actual is None:
        return False
    if option == "Equals":
        return actual in values
    if option == "BeginsWith":
        return any(actual.startswith(v) for v in values)
    if option == "Contains":
        return any(v in actual for v in values)
    return False


def _path_match(option: str, name: str, values: list[str]) -> bool:
    for value in values:
        prefix = value if value.endswith("/") else value + "/"
        if value == "/":
            prefix = "/"
        if not name.startswith(prefix):
            continue
        rest = name[len(prefix):]
        if option == "Recursive" or "/" not in rest:
            return True
    return False


def string_filters(filters: list[dict[str, Any]] | None, *, by_path: bool = False) -> Check:
    """One check for ParameterFilters (all must hold)."""
    checks: list[Check] = []
    for f in filters or ():
        key = f["Key"]
        options = _options_for(key, by_path)
        option = f.get("Option") or options[0]
        if option not in options:
            raise ServiceError(
                "InvalidFilterOption",
                f"The following filter option is not valid: {option}. Valid options include: [{', '.join(options)}].",
            )
        values = list(f.get("Values") or [])
        if not values and not key.startswith("tag:"):
            raise ServiceError("InvalidFilterValue", f"The following filter values are missing : null for filter key {key}.")
        checks.append(_one(key, option, values))
    return lambda p, v: all(check(p, v) for check in checks)


def _one(key: str, option: str, values: list[str]) -> Check:
    if key.startswith("tag:"):
        tag = key[4:]
        return lambda p, v: tag in p.tags and (not values or p.tags[tag] in values)
    if key == "Name":
        norm = [x if x.startswith("/") or option == "Contains" else x for x in values]
        return lambda p, v: _text_match(option, p.name, norm) or _text_match(
            option, p.name.lstrip("/"), [x.lstrip("/") for x in norm]
        )
    if key == "Path":
        return lambda p, v: _path_match(option, p.name, values)
    if key == "Type":
        return lambda p, v: _text_match(option, v.type, values)
    if key == "KeyId":
        return lambda p, v: _text_match(option, v.key_id, values)
    if key == "Tier":
        return lambda p, v: v.tier in values
    if key == "DataType":
        return lambda p, v: v.data_type in values
    if key == "Label":
        return lambda p, v: any(label in values for label in v.labels)
    raise ServiceError("InvalidFilterKey", f"The following filter key is not valid: {key}.")  # pragma: no cover


def legacy_filters(filters: list[dict[str, Any]] | None) -> Check:
    """The deprecated ``Filters`` of DescribeParameters: Name (prefix), Type, KeyId."""
    checks: list[Check] = []
    for f in filters or ():
        key, values = f["Key"], list(f.get("Values") or [])
        if key == "Name":
            checks.append(lambda p, v, vals=values: any(p.name.startswith(x) for x in vals))
        elif key == "Type":
            checks.append(lambda p, v, vals=values: v.type in vals)
        elif key == "KeyId":
            checks.append(lambda p, v, vals=values: v.key_id in vals)
    return lambda p, v: all(check(p, v) for check in checks)


def paginate(items: Sequence[Any], params: dict[str, Any], default: int) -> tuple[list[Any], str | None]:
    start = 0
    token = params.get("NextToken")
    if token is not None:
        try:
            text = base64.urlsafe_b64decode(token.encode()).decode()
            if not text.startswith("p:"):
                raise ValueError(text)
            start = int(text[2:])
        except (ValueError, UnicodeDecodeError):
            raise ServiceError("InvalidNextToken", "The specified token isn't valid.") from None
    size = params.get("MaxResults") or default
    chunk = list(items[start : start + size])
    following = None
    if start + size < len(items):
        following = base64.urlsafe_b64encode(f"p:{start + size}".encode()).decode()
    return chunk, following
