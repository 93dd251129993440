"""Documented constraints the models do not state, as data the judge can name.

A variant the model calls valid that the service refuses with a validation error is a
failure — unless a constraint documented by AWS (in the model's own ``documentation``
text or the API reference) says the value is not valid after all. Then the variant was
not valid: the judge reclassifies it as negative and names the constraint (its ``name``
and ``source`` go into the verdict), so no refusal passes without a stated reason.

Each service lists its constraints as ``CONSTRAINTS`` beside its ``SETUP``
(:mod:`cloudtwin.conformance.setups`); a constraint holds for one operation (or ``"*"``)
and tests the parameters actually sent.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Mapping


@dataclass(frozen=True)
class Constraint:
    #: The operation it constrains, or ``"*"`` for every operation of the service.
    operation: str
    #: What it says, e.g. ``"MessageGroupId is required for FIFO queues"``.
    name: str
    #: Where AWS documents it (the model's documentation of a member, an API reference page).
    source: str
    #: True when the parameters sent break it.
    broken_by: Callable[[Mapping[str, Any]], bool]

    def applies(self, operation: str, params: Mapping[str, Any]) -> bool:
        if self.operation not in ("*", operation):
            return False
        try:
            return bool(self.broken_by(params))
        except (KeyError, TypeError, ValueError, AttributeError):
            return False


_ARN = re.compile(r"arn:[^:]+:[^:]*:[^:]*:[^:]*:.+", re.DOTALL)


def members(params: Any, depth: int = 0) -> Iterator[tuple[str, Any]]:
    """Every (member name, value) of the parameters, at any depth."""
    if depth > 6:
        return
    if isinstance(params, Mapping):
        for name, value in params.items():
            if isinstance(name, str):
                yield name, value
            yield from members(value, depth + 1)
    elif isinstance(params, list):
        for item in params:
            yield from members(item, depth + 1)


def _not_an_arn(params: Mapping[str, Any]) -> bool:
    return any((name.endswith(("Arn", "ARN")) or name == "arn") and isinstance(value, str)
               and not _ARN.fullmatch(value) for name, value in members(params))


#: Members that carry a policy document (IAM, KMS, Secrets Manager, STS session policies).
_POLICY_MEMBERS = ("Policy", "ResourcePolicy", "PolicyDocument", "AssumeRolePolicyDocument")
_POLICY_LISTS = ("PolicyInputList", "PermissionsBoundaryPolicyInputList", "ResourcePolicyInputList")


def _not_a_policy_document(params: Mapping[str, Any]) -> bool:
    for name, value in params.items():
        for document in (value if isinstance(value, list) else [value]):
            if name in _POLICY_MEMBERS + _POLICY_LISTS and isinstance(document, str):
                try:
                    if not isinstance(json.loads(document), dict):
                        return True
                except ValueError:
                    return True
    return False


def _made_up_token(params: Mapping[str, Any]) -> bool:
    # the set-up drops these members (resources.COMMON_MEMBERS): one that is sent is made up
    return any(params.get(name) not in (None, "") for name in ("Marker", "NextToken", "ContinuationToken",
                                                               "StartingToken"))


def _repeated_tag_key(params: Mapping[str, Any]) -> bool:
    for name, value in members(params):
        if name in ("Tags", "TagSet") and isinstance(value, list):
            keys = [t.get("Key", t.get("TagKey")) for t in value if isinstance(t, Mapping)]
            keys = [k for k in keys if k is not None]
            if len(keys) != len(set(keys)):
                return True
    return False


#: Constraints of every service.
COMMON = (
    Constraint("*", "a pagination token (Marker/NextToken) is the value a previous answer returned",
               "the members' documentation in every model: 'Set it to the value of the Marker/NextToken "
               "element in the response that you received to indicate where the next call should start'",
               _made_up_token),
    Constraint("*", "tag keys are unique per resource",
               "Tagging AWS Resources, Tag naming limits and requirements: 'Each resource can have only one "
               "tag with a given key' (https://docs.aws.amazon.com/tag-editor/latest/userguide/tagging.html)",
               _repeated_tag_key),
    Constraint("*", "a member named …Arn takes an ARN: arn:partition:service:region:account-id:resource",
               "IAM User Guide, Amazon Resource Names (ARNs): ARN format "
               "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html)", _not_an_arn),
    Constraint("*", "a policy document is a JSON object (Version, Statement...)",
               "IAM User Guide, IAM JSON policy reference / grammar "
               "(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html)",
               _not_a_policy_document),
)


def constraints_for(service: str) -> tuple[Constraint, ...]:
    """The documented constraints of a service (``CONSTRAINTS`` beside its set-up), and
    :data:`COMMON`."""
    from cloudtwin.services.registry import module_name

    try:
        module = importlib.import_module(f"cloudtwin.conformance.setups.{module_name(service)}")
    except ModuleNotFoundError:
        return COMMON
    return tuple(getattr(module, "CONSTRAINTS", ())) + COMMON


def broken(service: str, operation: str, params: Mapping[str, Any] | None) -> Constraint | None:
    """The first documented constraint of ``service`` that ``params`` break, if any."""
    if params is None:
        return None
    for constraint in constraints_for(service):
        if constraint.applies(operation, params):
            return constraint
    return None


def unions_for(service: str) -> Mapping[str, str]:
    """Structures a service documents as holding exactly one member although its model does
    not mark them ``union`` (``UNIONS`` beside its set-up): shape name -> source."""
    from cloudtwin.services.registry import module_name

    try:
        module = importlib.import_module(f"cloudtwin.conformance.setups.{module_name(service)}")
    except ModuleNotFoundError:
        return {}
    return getattr(module, "UNIONS", {})


def union_violation(shape: Any, params: Any, unions: Mapping[str, str] | None = None, path: str = "",
                    depth: int = 0) -> str | None:
    """Where the parameters set a union to other than exactly one member: a structure the
    model marks ``union`` (Smithy IDL 2.0, union shapes), or one its service documents so
    (``unions``: DynamoDB's ``AttributeValue`` — ``{}`` breaks no ``min`` nor ``required``)."""
    if shape is None or depth > 8 or params is None:
        return None
    unions = unions if unions is not None else unions_for(getattr(shape, "_service_name", "") or "")
    kind = shape.type_name
    if kind == "structure" and isinstance(params, Mapping):
        source = ("the model's union trait (Smithy IDL 2.0, union shapes)" if shape.metadata.get("union")
                  else unions.get(shape.name))
        if source and len([v for v in params.values() if v is not None]) != 1:
            return f"{path or shape.name}: {shape.name} holds exactly one member ({source})"
        for name, value in params.items():
            member = shape.members.get(name) if isinstance(name, str) else None
            found = (union_violation(member, value, unions, f"{path}.{name}" if path else name, depth + 1)
                     if member else None)
            if found:
                return found
    elif kind == "list" and isinstance(params, list):
        for i, item in enumerate(params):
            found = union_violation(shape.member, item, unions, f"{path}.{i}", depth + 1)
            if found:
                return found
    elif kind == "map" and isinstance(params, Mapping):
        for key, item in params.items():
            found = union_violation(shape.value, item, unions, f"{path}.{key}", depth + 1)
            if found:
                return found
    return None
