"""EC2's resource ids: a prefix and 17 hex digits (``vpc-0a1b2c3d4e5f60718``)."""

from __future__ import annotations

import os


def new_id(prefix: str) -> str:
    return f"{prefix}-{os.urandom(9).hex()[:17]}"

