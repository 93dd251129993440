"""Who owns a bucket or object, as S3 names it: the account's canonical user id."""

from __future__ import annotations

import base64
import hashlib


def canonical_id(account_id: str) -> str:
    """An account's S3 canonical user id: 64 hex digits, stable per account."""
    return hashlib.sha256(f"cloudtwin-s3:{account_id}".encode()).hexdigest()


def owner(account_id: str) -> dict[str, str]:
    """An ``Owner`` element: AWS no longer sends the display name (the model's
    ``DisplayName`` is documented empty since its retirement)."""
    return {"ID": canonical_id(account_id)}


def initiator(account_id: str) -> dict[str, str]:
    """A multipart upload's ``Initiator``: the principal's id and name (still sent)."""
    return {"ID": canonical_id(account_id), "DisplayName": "webfile"}


def customer_id(account_id: str) -> str:
    """The account's Amazon customer id as S3 events name it (``A3NL1KOZZKEXAMPLE``-like:
    ``A`` and 13 upper-case letters and digits), stable per account."""
    digest = hashlib.sha256(f"cloudtwin-s3-customer:{account_id}".encode()).digest()
    return "A" + base64.b32encode(digest).decode("ascii")[:13]
