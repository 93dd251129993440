"""ListSecrets filters (AWS's prefix matching, negation with ``!``, the ``all`` word
search) and the opaque NextToken of Secrets Manager lists."""

from __future__ import annotations

import base64
import re
from typing import Any, Callable, Sequence

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.secretsmanager.models import Secret

_WORDS = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def _words(text: str) -> list[str]:
    """AWS splits on case changes, letter/number changes and punctuation."""
    return [w.lower() for w in _WORDS.findall(text)]


def _attribute_values(secret: Secret, key: str) -> list[tuple[str, bool]]:
    """(value, case_sensitive) pairs a filter key looks at."""
    if key == "name":
        return [(secret.name, True)]
    if key == "description":
        return [(secret.description or "", False)]
    if key == "tag-key":
        return [(t["Key"], True) for t in secret.tags]
    if key == "tag-value":
        return [(t["Value"], True) for t in secret.tags]
    if key == "primary-region":
        return [(secret.arn.split(":")[3], True)] if secret.replicas else []
    if key == "owning-service":
        return [(secret.owning_service, True)] if secret.owning_service else []
    return []


def _word_prefixes(value: str, texts: list[str]) -> bool:
    """Every word of ``value`` starts some word of ``texts`` (not case-sensitive)."""
    wanted = _words(value)
    haystack = [word for text in texts for word in _words(text)]
    return bool(wanted) and all(any(word.startswith(w) for word in haystack) for w in wanted)


def _matches(secret: Secret, key: str, value: str) -> bool:
    if key == "description":
        # Documented as a prefix match; AWS matches each word of the value as the prefix
        # of a word of the description ("a secret" finds "an secret", not "asecret").
        return _word_prefixes(value, [secret.description or ""])
    if key == "all":
        texts = [
            text
            for attribute in ("name", "description", "tag-key", "tag-value")
            for text, _ in _attribute_values(secret, attribute)
        ]
        return _word_prefixes(value, texts)
    for text, case_sensitive in _attribute_values(secret, key):
        if case_sensitive and text.startswith(value):
            return True
        if not case_sensitive and text.lower().startswith(value.lower()):
            return True
    return False


def matcher(filters: list[dict[str, Any]] | None) -> Callable[[Secret], bool]:
    """Filters are ANDed; the values of one filter are ORed; ``!value`` negates."""
    if not filters:
        return lambda secret: True
    for f in filters:
        if not f.get("Key"):
            raise ServiceError("InvalidParameterException", "Invalid filter key")
        if not f.get("Values"):
            raise ServiceError("InvalidParameterException", f"Invalid filter values for key: {f['Key']}")

    def check(secret: Secret) -> bool:
        for f in filters:
            key = f.get("Key")
            values = f.get("Values") or []
            positive = [v for v in values if not v.startswith("!")]
            negative = [v[1:] for v in values if v.startswith("!")]
            if positive and not any(_matches(secret, key, v) for v in positive):
                return False
            if any(_matches(secret, key, v) for v in negative):
                return False
        return True

    return check


def encode_token(position: int) -> str:
    return base64.urlsafe_b64encode(f"ct:{position}".encode()).decode()


def decode_token(token: str | None) -> int:
    if token is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(token.encode()).decode()
        if text.startswith("ct:"):
            return int(text[3:])
    except (ValueError, UnicodeDecodeError):
        pass
    raise ServiceError("InvalidNextTokenException", "The NextToken value is invalid.")


def paginate(items: Sequence[Any], params: dict[str, Any], default: int = 100) -> tuple[list[Any], str | None]:
    start = decode_token(params.get("NextToken"))
    size = params.get("MaxResults") or default
    chunk = list(items[start : start + size])
    token = encode_token(start + size) if start + size < len(items) else None
    return chunk, token
