"""IAM's checks of a policy document, in the order IAM makes them, with its messages.

IAM reads a document in passes and reports the first pass that fails:

1. syntax: the JSON's shape (top-level and statement elements, types) → ``Syntax errors in
   policy.``;
2. version (managed policies): ``Policy document must be version 2012-10-17 or greater.``;
3. legacy parsing: case-exact effects, date condition values, ARN-like resources →
   ``The policy failed legacy parsing``;
4. unique statement ids, then actions present, then the first malformed resource (remembered
   during pass 3), then the actions' vendor prefixes.

What is left (principals, resources present, trust policy actions) is checked by the kind
of document afterwards. The statements themselves are compiled by ``document``.
"""

from __future__ import annotations

import re
from typing import Any

from cloudtwin.services.iam.policy.conditions import is_known_operator, split_operator

TOP_ELEMENTS = frozenset(("Version", "Id", "Statement", "Conditions"))
STATEMENT_ELEMENTS = frozenset(
    ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
     "NotResource", "Condition")
)  # fmt: skip
VERSIONS = ("2008-10-17", "2012-10-17")
PARTITIONS = frozenset(
    ("aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc")
)
IAM_RESOURCE_PATHS = (
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
    "server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/",
    "report/", "access-report/",
)  # fmt: skip
#: Also accepted, though AWS's message does not list them (AWS's own managed policies use them).
_IAM_RESOURCE_PATHS_UNLISTED = ("root", "role-template/", "*")
#: S3 resources that may name a region.
_S3_REGIONAL = ("accesspoint/", "access-grants/")
TRUST_ACTIONS = frozenset(
    ("sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity",
     "sts:DecodeAuthorizationMessage", "sts:GetAccessKeyInfo", "sts:GetCallerIdentity",
     "sts:GetFederationToken", "sts:GetServiceBearerToken", "sts:GetSessionToken",
     "sts:SetSourceIdentity", "sts:TagSession")
)  # fmt: skip

SYNTAX = "Syntax errors in policy."
LEGACY = "The policy failed legacy parsing"
_VENDOR = re.compile(r"[^a-zA-Z0-9\-.]")


class GrammarError(ValueError):
    """AWS's MalformedPolicyDocument message."""


def _listed(value: Any) -> list[str]:
    """A string-or-list element's strings (IAM skips nulls inside lists)."""
    if isinstance(value, str):
        return [value]
    return [v for v in value if v is not None]


# -- pass 1: syntax -------------------------------------------------------------------------


def _syntax_ok(raw: Any) -> bool:
    if not isinstance(raw, dict) or any(k not in TOP_ELEMENTS for k in raw):
        return False
    if "Version" in raw and raw["Version"] not in VERSIONS:
        return False
    if "Id" in raw and not isinstance(raw["Id"], str):
        return False
    statements = raw.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return False
    return all(_statement_syntax_ok(s) for s in statements)


def _statement_syntax_ok(st: Any) -> bool:
    if not isinstance(st, dict) or any(k not in STATEMENT_ELEMENTS for k in st):
        return False
    if ("Resource" in st and "NotResource" in st) or ("Action" in st and "NotAction" in st):
        return False
    effect = st.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        return False
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in st:
            value = st[key]
            if not isinstance(value, (str, list)):
                return False
            if isinstance(value, list) and any(v is not None and not isinstance(v, str) for v in value):
                return False
    if "Sid" in st and not isinstance(st["Sid"], str):
        return False
    if "Condition" in st:
        if not isinstance(st["Condition"], dict):
            return False
        for operator, block in st["Condition"].items():
            if not isinstance(block, dict):
                return False
            if any(not isinstance(v, (bool, list, str)) for v in block.values()):
                return False
            if block and not is_known_operator(operator):
                return False
    return True


# -- pass 3: legacy parsing -----------------------------------------------------------------


def _date_ok(value: str) -> bool:
    text = value.lower()
    if "t" not in text and "-" not in text:
        return text.isdigit() and int(text) <= 9223372036854775807
    date, _, clock = text.partition("t")
    negative = date.startswith("-")
    parts = (date[1:] if negative else date).split("-")
    try:
        if not -292275054 <= int(parts[0]) <= 292278993 or len(parts) > 3:
            return False
        if len(parts) > 1 and not 1 <= int(parts[1]) <= 12:
            return False
        if len(parts) > 2 and not 1 <= int(parts[2]) <= 31:
            return False
        if clock:
            pieces = clock.split(":", 2)
            if pieces[0] and not 0 <= int(pieces[0]) <= 23:
                return False
            if len(pieces) > 1 and not 0 <= int(pieces[1]) <= 59:
                return False
            if len(pieces) > 2:
                seconds = re.split(r"[z+]", pieces[2], maxsplit=1)[0]
                whole, _, fraction = seconds.partition(".")
                if not 0 <= int(whole) <= 59 or (fraction and not fraction.isdigit()):
                    return False
    except ValueError:
        return False
    return True


def _legacy_ok(st: dict[str, Any], kind: str) -> bool:
    # A trust policy's effect may be in any letter case (AWS takes "ALLOW" there, as the
    # templates CloudFormation deploys show); elsewhere it must be exact.
    effect = st["Effect"].capitalize() if kind == "trust" else st["Effect"]
    if effect not in ("Allow", "Deny"):
        return False
    for operator, block in (st.get("Condition") or {}).items():
        base = split_operator(operator)[1]
        if base.startswith("Date"):
            for values in block.values():
                if isinstance(values, bool):
                    return False
                for value in [values] if isinstance(values, str) else values:
                    if not isinstance(value, str) or not _date_ok(value):
                        return False
    return True


def _resource_error(resource: str) -> str | None:
    """AWS's complaint about one Resource/NotResource entry, if any."""
    if resource == "*":
        return None
    _, colon, rest = resource.partition(":")
    if not colon:
        return f'Resource {resource} must be in ARN format or "*".'
    partition, colon, rest = rest.partition(":")
    if partition != "*" and partition not in PARTITIONS:
        parts = rest.split(":")
        first = parts[0] if parts[0] != "" or len(parts) > 1 else "*"
        second = parts[1] if len(parts) > 1 else "*"
        third = parts[2] if len(parts) > 2 else "*"
        tail = ":".join(parts[3:]) if len(parts) > 3 else "*"
        return (f'Partition "{partition}" is not valid for resource '
                f'"arn:{partition}:{first}:{second}:{third}:{tail}".')  # fmt: skip
    if not colon:
        return "Resource vendor must be fully qualified and cannot contain regexes."
    service, _, after_service = rest.partition(":")
    _region_and_more = after_service
    region_rest = after_service.partition(":")
    account_rest = region_rest[2].partition(":")
    resource_id = account_rest[2]
    if service == "iam" and not _region_and_more.startswith(":"):
        return f"IAM resource {resource} cannot contain region information."
    if service == "s3" and not _region_and_more.startswith(":") and not resource_id.startswith(_S3_REGIONAL):
        return f"Resource {resource} can not contain region information."
    if service == "iam" and not resource_id.startswith(IAM_RESOURCE_PATHS + _IAM_RESOURCE_PATHS_UNLISTED):
        return ('IAM resource path must either be "*" or start with '
                + ", ".join(IAM_RESOURCE_PATHS) + ".")  # fmt: skip
    return None


def _resource_legacy_ok(resource: str) -> bool:
    if resource == "*":
        return True
    if resource.count(":") < 5 and "::" in resource:
        return False
    parts = resource.split(":")
    return len(parts) > 2 and parts[2] != ""


def _trust_action(action: str) -> bool:
    """An action a trust policy may name: an STS action roles answer to (a wildcard must
    cover one of them)."""
    if "*" in action or "?" in action:
        pattern = re.compile(re.escape(action).replace(r"\*", ".*").replace(r"\?", "."), re.I)
        return any(pattern.fullmatch(a) for a in TRUST_ACTIONS)
    return action in TRUST_ACTIONS


# -- the passes together --------------------------------------------------------------------


def check(raw: Any, kind: str, *, inline: bool = False) -> None:
    """Raise :class:`GrammarError` with AWS's message for the first pass ``raw`` fails.
    ``inline``: an entity's inline policy (PutRolePolicy...)."""
    if not _syntax_ok(raw):
        raise GrammarError(SYNTAX)
    # Managed policies must say 2012-10-17; a trust policy or an inline policy without a
    # Version (2008-10-17) is accepted, as AWS accepts it (roles made from older templates
    # and docs; SAM's policy templates expand to inline policies without one).
    if kind == "identity" and not inline and raw.get("Version") != "2012-10-17":
        raise GrammarError("Policy document must be version 2012-10-17 or greater.")
    statements = raw["Statement"] if isinstance(raw["Statement"], list) else [raw["Statement"]]
    if not all(_legacy_ok(st, kind) for st in statements):
        raise GrammarError(LEGACY)
    first_resource_error: str | None = None
    for st in statements:
        for key in ("Resource", "NotResource"):
            if key not in st:
                continue
            for resource in sorted(_listed(st[key]), reverse=True):
                first_resource_error = first_resource_error or _resource_error(resource)
                if first_resource_error:
                    break
            if first_resource_error is None and not all(
                _resource_legacy_ok(r) for r in _listed(st[key])
            ):
                raise GrammarError(LEGACY)
    sids = [st["Sid"] for st in statements if st.get("Sid")]
    if len(sids) != len(set(sids)):
        raise GrammarError("Statement IDs (SID) in a single policy must be unique.")
    for st in statements:
        actions = st.get("Action", st.get("NotAction"))
        if actions is None or actions == []:
            raise GrammarError("Policy statement must contain actions.")
    if first_resource_error:
        raise GrammarError(first_resource_error)
    for st in statements:
        for action in _listed(st.get("Action", st.get("NotAction"))):
            parts = action.split(":")
            if len(parts) == 1 and parts[0] != "*":
                raise GrammarError(
                    "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
                )
            if len(parts) > 2:
                raise GrammarError("Actions/Condition can contain only one colon.")
            if parts[0] != "*" and _VENDOR.search(parts[0]):
                raise GrammarError(f"Vendor {parts[0]} is not valid")
    if kind == "identity":
        for st in statements:
            resources = st.get("Resource", st.get("NotResource"))
            if resources is None or resources == []:
                raise GrammarError("Policy statement must contain resources.")
    elif kind == "trust":
        for st in statements:
            if "Action" not in st or not all(_trust_action(a) for a in _listed(st["Action"])):
                raise GrammarError(
                    "Trust Policy statement actions can only be sts:AssumeRole, "
                    "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity"
                )
        if any("Resource" in st or "NotResource" in st for st in statements):
            raise GrammarError("Has prohibited field Resource.")
