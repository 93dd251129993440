"""Message signatures as SNS makes them, with a certificate cloudtwin serves itself.

SNS signs every HTTP(S) and SQS-envelope message so receivers can check it came from SNS:
it builds a canonical string of selected fields (``name\\nvalue\\n`` pairs in a fixed
order), signs it with RSA (PKCS#1 v1.5) over SHA1 (``SignatureVersion`` 1) or SHA256
(``SignatureVersion`` 2), and names the certificate to check with in ``SigningCertURL``.
Here the key pair and a self-signed certificate are made once per server (lazily: key
generation costs tens of milliseconds) and served at
``/_cloudtwin/sns/SimpleNotificationService-<id>.pem``, so a client's check passes.
"""

from __future__ import annotations

import base64
import datetime
import threading
import uuid
from typing import Any, Mapping

#: The fields signed, in order, per message type. Optional fields are skipped when absent.
NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")


def canonical_string(message: Mapping[str, Any]) -> str:
    """The string SNS signs for a message (a dict of the envelope's fields)."""
    fields = NOTIFICATION_FIELDS if message.get("Type") == "Notification" else CONFIRMATION_FIELDS
    parts = []
    for name in fields:
        value = message.get(name)
        if value is None:
            continue
        parts.append(f"{name}\n{value}\n")
    return "".join(parts)


class Signer:
    """The server's SNS signing key and certificate."""

    def __init__(self) -> None:
        self.cert_id = uuid.uuid4().hex
        self._key: Any = None
        self._pem: bytes | None = None
        self._making = threading.Lock()
        self._prepared = False
        #: (version, canonical string, signature) of the last message signed: every
        #: subscriber of one publish gets the same signed fields, so a fan-out signs once
        self._last: tuple[str, str, str] = ("", "", "")

    def prepare(self) -> None:
        """Start making the key and certificate on a worker thread (OpenSSL releases the GIL
        while it generates), so the first message to sign does not hold up the event loop.
        Once: later calls do nothing."""
        if self._prepared or self._key is not None:
            return
        self._prepared = True
        threading.Thread(target=self._ensure, name="sns-signing-key", daemon=True).start()

    @property
    def cert_file(self) -> str:
        return f"SimpleNotificationService-{self.cert_id}.pem"

    def certificate_pem(self) -> bytes:
        self._ensure()
        assert self._pem is not None
        return self._pem

    def sign(self, message: Mapping[str, Any], version: str = "1") -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        text = canonical_string(message)
        last = self._last
        if last[0] == version and last[1] == text:
            return last[2]
        self._ensure()
        digest = hashes.SHA256() if version == "2" else hashes.SHA1()
        signature = base64.b64encode(self._key.sign(text.encode(), padding.PKCS1v15(), digest)).decode()
        self._last = (version, text, signature)
        return signature

    def _ensure(self) -> None:
        if self._key is not None:
            return
        with self._making:
            if self._key is None:
                self._make()

    def _make(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        self._pem = cert.public_bytes(serialization.Encoding.PEM)
        self._key = key
