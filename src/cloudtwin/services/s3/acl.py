"""Access control lists as S3 reads them: canned ACLs, ``x-amz-grant-*`` headers and
``AccessControlPolicy`` documents, each validated the way S3 validates it before storing.

The canned ACL names are the model's ``ObjectCannedACL`` / ``BucketCannedACL`` enums; the
predefined groups are the three S3 documents (``AllUsers``, ``AuthenticatedUsers``,
``LogDelivery``). A canonical user id is 64 hex digits.
"""

from __future__ import annotations

import re
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.owners import owner

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"
AUTHENTICATED_USERS = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
LOG_DELIVERY = "http://acs.amazonaws.com/groups/s3/LogDelivery"
GROUPS = frozenset({ALL_USERS, AUTHENTICATED_USERS, LOG_DELIVERY})
#: The grant headers by request member, with their header names and permissions.
GRANT_HEADERS = {
    "GrantFullControl": ("x-amz-grant-full-control", "FULL_CONTROL"),
    "GrantRead": ("x-amz-grant-read", "READ"),
    "GrantReadACP": ("x-amz-grant-read-acp", "READ_ACP"),
    "GrantWrite": ("x-amz-grant-write", "WRITE"),
    "GrantWriteACP": ("x-amz-grant-write-acp", "WRITE_ACP"),
}
#: The permissions an ACL's grant may give (the schema's enumeration).
PERMISSIONS = frozenset({"FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP"})
CANNED_ACLS = frozenset({
    "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
    "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write",
})  # fmt: skip
GRANTEE_TYPES = frozenset({"CanonicalUser", "AmazonCustomerByEmail", "Group"})
_CANONICAL_ID = re.compile(r"[0-9a-f]{64}")
_GRANT_ITEM = re.compile(r'\s*(id|uri|emailAddress)\s*=\s*"?([^",]*)"?\s*$', re.IGNORECASE)


def malformed_acl() -> ServiceError:
    return ServiceError(
        "MalformedACLError",
        "The XML you provided was not well-formed or did not validate against our published schema",
        400,
    )


def check_canned(acl: str | None) -> None:
    """``x-amz-acl`` outside the canned ACLs: S3 names the argument and sends no message."""
    if acl is not None and acl not in CANNED_ACLS:
        raise ServiceError(
            "InvalidArgument", "", 400,
            details={"Message": "", "ArgumentName": "x-amz-acl", "ArgumentValue": acl},
        )


def _check_id(value: str, argument: str) -> None:
    if not _CANONICAL_ID.fullmatch(value or ""):
        raise errors.invalid_argument("Invalid id", argument, value)


def _check_uri(value: str, argument: str) -> None:
    if value not in GROUPS:
        raise errors.invalid_argument("Invalid group uri", argument, value)


def header_grants(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The grants of the ``x-amz-grant-*`` headers (``id="..."``, ``uri="..."``,
    ``emailAddress="..."``, comma-separated), checked."""
    grants = []
    for member, (header, permission) in GRANT_HEADERS.items():
        text = params.get(member)
        if text is None:
            continue
        for spec in text.split(","):
            if not spec.strip():
                continue
            match = _GRANT_ITEM.match(spec)
            if match is None:
                raise errors.invalid_argument("Argument format not recognized", header, text)
            kind, value = match.group(1).lower(), match.group(2)
            if kind == "uri":
                _check_uri(value, "uri")
                grantee = {"Type": "Group", "URI": value}
            elif kind == "emailaddress":
                grantee = {"Type": "AmazonCustomerByEmail", "EmailAddress": value}
            else:
                _check_id(value, "id")
                grantee = {"Type": "CanonicalUser", "ID": value}
            grants.append({"Grantee": grantee, "Permission": permission})
    return grants


def check_policy(policy: dict[str, Any]) -> dict[str, Any]:
    """An ``AccessControlPolicy`` document: an owner and well-formed grants."""
    owner_element = policy.get("Owner")
    if not owner_element:
        raise malformed_acl()
    grants = policy.get("Grants") or []
    for grant in grants:
        if grant.get("Permission") not in PERMISSIONS:
            raise malformed_acl()
    _check_id(owner_element.get("ID", ""), "CanonicalUser/ID")
    for grant in grants:
        grantee = grant.get("Grantee") or {}
        kind = grantee.get("Type")
        if kind not in GRANTEE_TYPES:
            raise malformed_acl()
        if kind == "Group":
            _check_uri(grantee.get("URI", ""), "Group/URI")
        elif kind == "CanonicalUser":
            _check_id(grantee.get("ID", ""), "CanonicalUser/ID")
    return {"Owner": {"ID": owner_element["ID"]}, "Grants": grants}


def canned_acl(account_id: str, acl: str) -> dict[str, Any]:
    me = {"Type": "CanonicalUser", **owner(account_id)}
    grants = [{"Grantee": me, "Permission": "FULL_CONTROL"}]
    if acl in ("public-read", "public-read-write"):
        grants.append({"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "READ"})
    if acl == "public-read-write":
        grants.append({"Grantee": {"Type": "Group", "URI": ALL_USERS}, "Permission": "WRITE"})
    if acl == "authenticated-read":
        grants.append({"Grantee": {"Type": "Group", "URI": AUTHENTICATED_USERS}, "Permission": "READ"})
    if acl == "log-delivery-write":
        grants.append({"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "WRITE"})
        grants.append({"Grantee": {"Type": "Group", "URI": LOG_DELIVERY}, "Permission": "READ_ACP"})
    return {"Owner": owner(account_id), "Grants": grants}


def acl_from_headers(account_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """The ACL a write's ``x-amz-acl`` / ``x-amz-grant-*`` headers ask for (None: private)."""
    check_canned(params.get("ACL"))
    grants = header_grants(params)
    if grants and params.get("ACL"):
        raise errors.invalid_request("Specifying both Canned ACLs and Header Grants is not allowed")
    if grants:
        return {"Owner": owner(account_id), "Grants": grants}
    acl = params.get("ACL")
    if acl and acl != "private":
        return canned_acl(account_id, acl)
    return None


def acl_to_store(account_id: str, params: dict[str, Any]) -> dict[str, Any] | None:
    """What PutBucketAcl / PutObjectAcl store: exactly one of a canned ACL, grant headers
    or a policy document."""
    policy = params.get("AccessControlPolicy")
    if policy is not None:
        if params.get("ACL") or any(params.get(member) for member in GRANT_HEADERS):
            raise ServiceError("UnexpectedContent", "This request does not support content", 400)
        return check_policy(policy)
    if not params.get("ACL") and not any(params.get(member) for member in GRANT_HEADERS):
        raise ServiceError(
            "MissingSecurityHeader", "Your request was missing a required header", 400,
            details={"MissingHeaderName": "x-amz-acl"},
        )
    return acl_from_headers(account_id, params)
