"""EC2's resource ids: a prefix and 17 hex digits (``vpc-0a1b2c3d4e5f60718``)."""

from __future__ import annotations

import os


def new_id(prefix: str) -> str:
    return f"{prefix}-{os.urandom(9).hex()[:17]}"


def looks_like(prefix: str, value: str) -> bool:
    """Whether ``value`` has the form of an id of ``prefix`` (8 or 17 hex digits)."""
    head, _, tail = value.partition("-")
    return head == prefix and len(tail) in (8, 17) and all(c in "0123456789abcdef" for c in tail)
