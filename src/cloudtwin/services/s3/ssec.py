"""Server-side encryption with customer-provided keys (SSE-C), checked as S3 checks it.

S3 never stores the key: it keeps the key's MD5 and asks every later read (and every part
of a multipart upload) for the same key. cloudtwin does not encrypt the bytes at rest; it
keeps the same bookkeeping and answers every request with S3's errors.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.s3 import errors

_HEADER = "x-amz-server-side-encryption"
KEY_BYTES = 32  # AES256


def _invalid_algorithm(algorithm: str) -> ServiceError:
    return ServiceError(
        "InvalidEncryptionAlgorithmError",
        "The Encryption request you specified is not valid. Supported value: AES256.", 400,
        details={"ArgumentName": _HEADER, "ArgumentValue": algorithm},
    )


def wrong_key() -> ServiceError:
    return errors.access_denied(
        "Requests specifying Server Side Encryption with Customer provided keys must provide the correct secret key."
    )


def _customer_key(params: dict[str, Any], prefix: str, *, write: bool) -> dict[str, str] | None:
    """The checked ``<prefix>SSECustomer*`` parameters as stored (algorithm and key MD5)."""
    algorithm = params.get(f"{prefix}SSECustomerAlgorithm")
    key = params.get(f"{prefix}SSECustomerKey")
    md5 = params.get(f"{prefix}SSECustomerKeyMD5")
    if algorithm is None and key is None:
        return None
    if algorithm != "AES256":
        raise _invalid_algorithm(algorithm or "")
    try:
        raw = base64.b64decode(key or "", validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if write and len(raw) != KEY_BYTES:
        raise errors.invalid_argument("The secret key was invalid for the specified algorithm.", _HEADER)
    if md5 is None:
        if write:
            raise errors.invalid_argument("The secret key was invalid for the specified algorithm.", _HEADER)
        raise wrong_key()
    if base64.b64encode(hashlib.md5(raw, usedforsecurity=False).digest()).decode("ascii") != md5:
        raise errors.invalid_argument(
            "The calculated MD5 hash of the key did not match the hash that was provided.", _HEADER
        )
    if not write and len(raw) != KEY_BYTES:
        raise wrong_key()
    return {"SSECustomerAlgorithm": algorithm, "SSECustomerKeyMD5": md5}


def sse_c_for_write(params: dict[str, Any]) -> dict[str, str] | None:
    """The SSE-C a write asks for (None: none); refused alongside another encryption."""
    found = _customer_key(params, "", write=True)
    if found is not None and params.get("ServerSideEncryption"):
        raise errors.invalid_argument(
            "Server Side Encryption with Customer provided key is incompatible with the encryption method specified",
            _HEADER, params["ServerSideEncryption"],
        )
    return found


def check_read_key(stored: dict[str, Any], params: dict[str, Any], prefix: str = "") -> None:
    """A read of a version stored under ``stored`` (its ``sse``) must bring the same key;
    ``prefix`` is ``CopySource`` for the source of a copy."""
    given = _customer_key(params, prefix, write=False)
    if "SSECustomerKeyMD5" not in stored:
        return
    if given is None:
        raise errors.invalid_request(
            "The object was stored using a form of Server Side Encryption. The correct "
            "parameters must be provided to retrieve the object."
        )
    if given["SSECustomerKeyMD5"] != stored["SSECustomerKeyMD5"]:
        raise wrong_key()


def check_part_key(stored: dict[str, Any], params: dict[str, Any]) -> None:
    """A part of an upload brings the encryption its upload began with, or none if none."""
    given = _customer_key(params, "", write=True) if params.get("SSECustomerAlgorithm") or params.get("SSECustomerKey") else None
    if ("SSECustomerKeyMD5" in stored) != (given is not None):
        raise errors.invalid_request(
            "The multipart upload initiate requested encryption. Subsequent part requests must "
            "include the appropriate encryption parameters."
        )
    if given is not None and given["SSECustomerKeyMD5"] != stored["SSECustomerKeyMD5"]:
        raise errors.invalid_request("The provided encryption parameters did not match the ones used originally.")
