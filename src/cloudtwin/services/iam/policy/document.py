"""A policy document: parsed and checked once, then evaluated many times.

Three kinds share the grammar and differ in what they must and must not hold:

- ``identity``: attached to users, groups and roles; no ``Principal``, needs ``Resource``;
- ``trust``: a role's assume-role policy; needs ``Principal``, no ``Resource``;
- ``resource``: a resource's policy (S3 buckets, KMS keys...); needs ``Principal``.

Errors carry AWS's ``MalformedPolicyDocument`` texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from cloudtwin.protocol.documents import read_json
from cloudtwin.services.iam.policy import grammar
from cloudtwin.services.iam.policy.patterns import has_variables, wildcard_regex

PolicyKind = Literal["identity", "trust", "resource"]

VERSIONS = ("2012-10-17", "2008-10-17")
_STATEMENT_KEYS = frozenset(
    ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
     "NotResource", "Condition")
)  # fmt: skip
_TOP_KEYS = grammar.TOP_ELEMENTS


class PolicyError(ValueError):
    """A policy document AWS would refuse; ``str(error)`` is AWS's message."""


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement, with every list-or-string element normalised to a tuple."""

    sid: str | None
    effect: str  # "Allow" | "Deny"
    actions: tuple[str, ...] | None
    not_actions: tuple[str, ...] | None
    resources: tuple[str, ...] | None
    not_resources: tuple[str, ...] | None
    #: {"AWS": (...), "Service": (...), "Federated": (...), "CanonicalUser": (...)} or
    #: {"*": ("*",)} for ``"Principal": "*"``; None when absent.
    principals: dict[str, tuple[str, ...]] | None
    not_principals: dict[str, tuple[str, ...]] | None
    #: ((operator, key, values), ...) in document order.
    conditions: tuple[tuple[str, str, tuple[str, ...]], ...]
    #: Compiled once at parse time: the actions (or not-actions) as one case-insensitive
    #: pattern, and the resources (or not-resources) as one pattern when they hold no
    #: ``${variable}`` (else None: they are resolved per request).
    action_pattern: "re.Pattern[str] | None" = field(default=None, compare=False)
    resource_pattern: "re.Pattern[str] | None" = field(default=None, compare=False)


def _alternation(patterns: tuple[str, ...], *, ignore_case: bool) -> "re.Pattern[str]":
    parts = [wildcard_regex(p, ignore_case=ignore_case).pattern for p in patterns]
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return re.compile("|".join(f"(?:{p})" for p in parts), flags)


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    version: str
    statements: tuple[Statement, ...]
    text: str

    @property
    def variables_enabled(self) -> bool:
        return self.version == "2012-10-17"


def _strings(value: Any, *, allow_numbers: bool = False) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if allow_numbers and isinstance(value, (bool, int, float)):
        return (_scalar_text(value),)
    if isinstance(value, list) and value:
        out = []
        for item in value:
            if item is None:
                continue  # IAM skips nulls in lists
            if isinstance(item, str):
                out.append(item)
            elif allow_numbers and isinstance(item, (bool, int, float)):
                out.append(_scalar_text(item))
            else:
                raise PolicyError("Syntax errors in policy.")
        return tuple(out)
    raise PolicyError("Syntax errors in policy.")


def _scalar_text(value: bool | int | float) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _principals(value: Any) -> dict[str, tuple[str, ...]]:
    if value == "*":
        return {"*": ("*",)}
    if not isinstance(value, dict) or not value:
        raise PolicyError("Invalid principal in policy")
    out: dict[str, tuple[str, ...]] = {}
    for kind, ids in value.items():
        if kind not in ("AWS", "Service", "Federated", "CanonicalUser"):
            raise PolicyError("Invalid principal in policy")
        out[kind] = _strings(ids)
    return out


def _conditions(value: Any) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    from cloudtwin.services.iam.policy.conditions import is_known_operator

    if not isinstance(value, dict):
        raise PolicyError("Syntax errors in policy.")
    out = []
    for operator, block in value.items():
        if not isinstance(block, dict):
            raise PolicyError("Syntax errors in policy.")
        if not block:
            continue  # an empty block (of any operator) holds no condition
        if not is_known_operator(operator):
            raise PolicyError(f"Invalid Condition type : {operator}.")
        for key, values in block.items():
            out.append((operator, key, _strings(values, allow_numbers=True)))
    return tuple(out)


def _action_ok(action: str) -> bool:
    if action == "*":
        return True
    prefix, sep, name = action.partition(":")
    return bool(sep and prefix and name and " " not in action)


def _statement(raw: Any, kind: PolicyKind) -> Statement:
    if not isinstance(raw, dict):
        raise PolicyError("Syntax errors in policy.")
    for key in raw:
        if key not in _STATEMENT_KEYS:
            raise PolicyError("Syntax errors in policy.")
    effect = raw.get("Effect")
    if effect is None:
        raise PolicyError("Missing required field Effect")
    if kind == "trust" and isinstance(effect, str) and effect.lower() in ("allow", "deny"):
        effect = effect.capitalize()  # a trust policy's effect may be in any letter case
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"Invalid effect: {effect}")
    if "Action" in raw and "NotAction" in raw:
        raise PolicyError("Syntax errors in policy.")
    if "Action" not in raw and "NotAction" not in raw:
        raise PolicyError("Policy statement must contain actions.")
    actions = _strings(raw["Action"]) if "Action" in raw else None
    not_actions = _strings(raw["NotAction"]) if "NotAction" in raw else None
    for action in actions or not_actions or ():
        if not _action_ok(action):
            raise PolicyError(
                f"Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
            )
    if "Resource" in raw and "NotResource" in raw:
        raise PolicyError("Syntax errors in policy.")
    has_principal = "Principal" in raw or "NotPrincipal" in raw
    has_resource = "Resource" in raw or "NotResource" in raw
    if kind == "identity":
        if has_principal:
            raise PolicyError("Policy document should not specify a principal.")
        if not has_resource:
            raise PolicyError("Policy statement must contain resources.")
    elif kind == "trust":
        if has_resource:
            raise PolicyError("Has prohibited field Resource.")
        if not has_principal:
            raise PolicyError("Missing required field Principal")
    else:
        if not has_principal:
            raise PolicyError("Missing required field Principal")
    sid = raw.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise PolicyError("Syntax errors in policy.")
    resources = _strings(raw["Resource"]) if "Resource" in raw else None
    not_resources = _strings(raw["NotResource"]) if "NotResource" in raw else None
    listed = resources if resources is not None else not_resources
    return Statement(
        sid=sid,
        effect=effect,
        actions=actions,
        not_actions=not_actions,
        resources=resources,
        not_resources=not_resources,
        principals=_principals(raw["Principal"]) if "Principal" in raw else None,
        not_principals=_principals(raw["NotPrincipal"]) if "NotPrincipal" in raw else None,
        conditions=_conditions(raw["Condition"]) if "Condition" in raw else (),
        action_pattern=_alternation(actions or not_actions or (), ignore_case=True),
        resource_pattern=(
            _alternation(listed, ignore_case=False)
            if listed is not None and not any(has_variables(r) for r in listed)
            else None
        ),
    )


def parse_policy(
    text: str, kind: PolicyKind = "identity", *, written: bool = False, inline: bool = False
) -> PolicyDocument:
    """Parse and check a policy document; raises :class:`PolicyError` with AWS's text.

    ``written``: the document is being stored by IAM, which first runs its grammar passes
    (see :mod:`grammar`) and answers with their messages; ``inline``: an entity's inline
    policy (see :func:`grammar.check`)."""
    try:
        raw = read_json(text)
    except (ValueError, TypeError):
        raise PolicyError("This policy contains invalid Json") from None
    if not isinstance(raw, dict):
        raise PolicyError("This policy contains invalid Json")
    if written:
        try:
            grammar.check(raw, kind, inline=inline)
        except grammar.GrammarError as error:
            raise PolicyError(str(error)) from None
    for key in raw:
        if key not in _TOP_KEYS:
            raise PolicyError("Syntax errors in policy.")
    version = raw.get("Version", "2008-10-17")
    if version not in VERSIONS:
        raise PolicyError("The policy must contain a valid version string")
    statements = raw.get("Statement")
    if statements is None:
        raise PolicyError("Syntax errors in policy.")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        raise PolicyError("Syntax errors in policy.")
    parsed = tuple(_statement(s, kind) for s in statements)
    sids = [s.sid for s in parsed if s.sid]
    if len(sids) != len(set(sids)):
        raise PolicyError("Statement IDs (SID) in a single policy must be unique.")
    return PolicyDocument(version, parsed, text)
