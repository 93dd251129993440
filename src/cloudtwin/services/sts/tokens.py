"""Reading what identity providers hand to STS: OIDC JSON web tokens and SAML assertions.

cloudtwin does not check signatures (it holds no provider keys); it reads the claims AWS
reads — issuer, subject, audience, expiry — and answers malformed input as AWS does.
"""

from __future__ import annotations

import base64
import secrets
import string
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.xml_reader import XmlError, parse_xml

_KEY_ALPHABET = string.ascii_uppercase + string.digits
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"
ROLE_SESSION_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/RoleSessionName"
ROLE_ATTRIBUTE = "https://aws.amazon.com/SAML/Attributes/Role"
SAML_AUDIENCE = "https://signin.aws.amazon.com/saml"
_SAML_NS = {
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
}


def session_credentials() -> tuple[str, str, str]:
    """(``ASIA…`` access key id, secret access key, session token)."""
    key = "ASIA" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(16))
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))
    token = "FwoGZXIvYXdzE" + base64.b64encode(secrets.token_bytes(180)).decode()
    return key, secret, token


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def jwt_claims(token: str) -> dict[str, Any]:
    parts = token.split(".")
    if len(parts) != 3:
        raise ServiceError(
            "InvalidIdentityToken", "The ID Token provided is not a valid JWT. "
            "(You may see this error if you sent an Access Token)",
        )  # fmt: skip
    try:
        claims = read_json(_b64url(parts[1]))
    except (ValueError, UnicodeDecodeError):
        raise ServiceError("InvalidIdentityToken", "Couldn't parse the web identity token.") from None
    if not isinstance(claims, dict) or "iss" not in claims:
        raise ServiceError("InvalidIdentityToken", "Couldn't parse the web identity token.")
    return claims


@dataclass(slots=True)
class SamlAssertion:
    issuer: str = ""
    subject: str = ""
    subject_type: str = "transient"
    audience: str = SAML_AUDIENCE
    session_name: str | None = None
    roles: list[str] = field(default_factory=list)
    not_on_or_after: str | None = None


def _text(node: "Element | None") -> str:
    return (node.text or "").strip() if node is not None else ""


def saml_assertion(encoded: str) -> SamlAssertion:
    try:
        # No DTD, hence no entity expansion (see protocol.xml_reader): a DTD is as invalid
        # an assertion as one that does not parse.
        root = parse_xml(base64.b64decode(encoded, validate=False))
    except (ValueError, XmlError):
        raise ServiceError("InvalidIdentityToken", "Invalid SAML Assertion") from None
    out = SamlAssertion()
    out.issuer = _text(root.find(".//saml:Issuer", _SAML_NS))
    name_id = root.find(".//saml:Subject/saml:NameID", _SAML_NS)
    out.subject = _text(name_id)
    if name_id is not None and name_id.get("Format", "").endswith(":persistent"):
        out.subject_type = "persistent"
    audience = _text(root.find(".//saml:AudienceRestriction/saml:Audience", _SAML_NS))
    if audience:
        out.audience = audience
    conditions = root.find(".//saml:Conditions", _SAML_NS)
    if conditions is not None:
        out.not_on_or_after = conditions.get("NotOnOrAfter")
    for attribute in root.iter(f"{{{_SAML_NS['saml']}}}Attribute"):
        values = [_text(v) for v in attribute.findall("saml:AttributeValue", _SAML_NS)]
        if attribute.get("Name") == ROLE_SESSION_ATTRIBUTE and values:
            out.session_name = values[0]
        elif attribute.get("Name") == ROLE_ATTRIBUTE:
            out.roles.extend(values)
    if not out.subject:
        raise ServiceError("InvalidIdentityToken", "Invalid SAML Assertion")
    return out
