"""Input validation against the operation's model, worded the way AWS words it.

Parsers produce typed values; this module checks what the model constrains on top of types:
``required`` members, ``min``/``max`` length (strings, blobs, lists, maps), ``min``/``max``
value (numbers), ``pattern`` (Java regexes, see :mod:`.patterns`) and ``enum``. The classic
AWS (Coral) wording, shared by the JSON, REST-JSON, CBOR and query families::

    1 validation error detected: Value null at 'queueName' failed to satisfy constraint:
    Member must not be null

    2 validation errors detected: Value '' at 'tableName' failed to satisfy constraint: Member
    must have length greater than or equal to 3; Value '' at 'tableName' failed to satisfy
    constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+

Paths use member names with the first letter lower-cased (``SAMLOptions`` -> ``sAMLOptions``),
1-based list indexes with ``.member`` (``keySchema.1.member.attributeName``) and map keys
(``requestItems.tbl.member.keys``). Constraints on list elements and map keys/values are reported
once, on the collection, listing the element's constraints: ``Member must satisfy constraint:
[...]``, ``Map value must satisfy constraint: [...]``, ``Map keys must satisfy constraint: [...]``.
Values print as Java prints them (``java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]`` for a blob);
members marked ``sensitive`` print no value (``Value at 'password'``). Where AWS's order is a
hash order (errors, enum values), the model's order is used.

Each :class:`Validator` compiles a check plan per input shape once (see :mod:`.constraints`),
caches it, and runs its cheap ``check`` first; paths and messages are only built for invalid
input. A service words its own errors with a :class:`Validator` subclass, constructor
arguments (``code``, ``checks``) or :class:`Rule` s, registered on :class:`Validators`.

Entry points (documented signatures):

- ``Validators().validate(params: dict, operation: OperationModel, protocol: str | None = None)
  -> None`` raises :class:`ServiceError`; picks the service's registered validator or the
  protocol family's default.
- ``Validator.validate(params: dict, operation: OperationModel) -> None``, for one wording.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .constraints import CHECKS, ROOT, Plan, PlanCompiler, Violation, format_number, java_hash_table_order
from .errors import ServiceError
from .patterns import JavaPatterns

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel

__all__ = [
    "CHECKS",
    "DeclaredCodeValidator",
    "Ec2Validator",
    "EcrValidator",
    "MissingParameterValidator",
    "Rule",
    "S3Validator",
    "Validator",
    "Validators",
    "Violation",
    "render_value",
]


@dataclass(frozen=True, slots=True)
class Rule:
    """A service's own word on some violations.

    ``skip`` drops them. Otherwise the first violation a rule with ``code`` or ``message``
    matches is raised alone, as ``ServiceError(code or the validator's code, message,
    status_code or the validator's)``. ``message`` is a ``str.format`` template with ``{path}``,
    ``{value}``, ``{constraint}``, ``{member}`` (model member path), ``{name}`` (wire path);
    without one the classic single-error sentence is used. ``when`` limits the rule to
    violations whose constraint text contains it (e.g. ``"less than"`` for maximum lengths).
    """

    skip: bool = False
    when: str | None = None
    code: str | None = None
    message: str | None = None
    status_code: int | None = None


def render_value(value: Any) -> str:
    """A value as Java's ``toString`` shows it in AWS's messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return format_number(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        n = len(value)
        return f"java.nio.HeapByteBuffer[pos=0 lim={n} cap={n}]"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{render_value(k)}={render_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(render_value(v) for v in value) + "]"
    return str(value)


# --------------------------------------------------------------------------- validators


class Validator:
    """Validates input against the model with one wording (code, status, message form).

    ``checks`` picks the kinds to run (a subset of :data:`CHECKS`). ``rules`` maps keys to
    :class:`Rule` s, most specific first: ``"Op.Member.Path:kind"``, ``"Op.Member.Path"``,
    ``"*.Member.Path:kind"``, ``"*.Member.Path"``, ``"Op:kind"``, ``"Op"`` (member paths are
    model member names without indexes; ``"Op": Rule(skip=True)`` turns an operation off).
    Subclass and override :meth:`error` / :meth:`describe` for another message form.
    ``list_nulls_always``: list element and map value reports always end with "Member must
    not be null" (Lambda's wording), not only when an element is null. ``hash_set_enums``:
    the order enum value sets are listed in. By default that of AWS's Java hash table of them
    (``java_hash_table_order``): AWS's services list a set in it, not in the model's order —
    every set recorded from AWS (Lambda, Logs, EventBridge, KMS, CloudWatch, Step Functions,
    API Gateway) reads so. ``True``: a ``HashSet``'s order (KMS's key specs); ``False``: the
    model's.

    Plans are compiled per operation on first use and cached on the validator (one validator
    serves any number of services). Not a per-request object: share it.
    """

    code = "ValidationException"
    status_code = 400

    def __init__(
        self,
        *,
        code: str | None = None,
        status_code: int | None = None,
        checks: Iterable[str] = CHECKS,
        rules: Mapping[str, Rule] | None = None,
        patterns: JavaPatterns | None = None,
        list_nulls_always: bool = False,
        hash_set_enums: bool | Callable[[list[str]], list[str]] = java_hash_table_order,
    ) -> None:
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        self.checks = frozenset(checks)
        unknown = self.checks - CHECKS
        if unknown:
            raise ValueError(f"unknown checks: {sorted(unknown)}")
        self.rules: dict[str, Rule] = dict(rules or {})
        self.patterns = patterns or JavaPatterns()
        self._compiler = PlanCompiler(self.checks, self.patterns, list_nulls_always, hash_set_enums)
        self._operations: dict[int, tuple[OperationModel, Plan | None]] = {}

    # -- the hot path

    def validate(self, params: Mapping[str, Any], operation: OperationModel) -> None:
        """Raise :class:`ServiceError` if ``params`` break the operation's input constraints."""
        entry = self._operations.get(id(operation))
        if entry is not None and entry[0] is operation:
            plan = entry[1]
        else:
            plan = self._compile_operation(operation)
        if plan is None or plan.check(params):
            return
        self.report(params, operation, plan)

    def report(self, params: Mapping[str, Any], operation: OperationModel, plan: Plan) -> None:
        """The slow path, for input the plan rejected: collect, apply rules, raise."""
        violations: list[Violation] = []
        plan.collect(params, ROOT, violations)
        if self.rules:
            violations = self._apply_rules(operation, violations)
        if violations:
            error = self.error(operation, violations)
            if error is not None:
                raise error

    def violations(self, params: Mapping[str, Any], operation: OperationModel) -> list[Violation]:
        """Every violation, before rules (for tests and for services that want to look)."""
        plan = self.plan(operation)
        out: list[Violation] = []
        if plan is not None and not plan.check(params):
            plan.collect(params, ROOT, out)
        return out

    # -- wording (override points)

    def describe(self, violation: Violation) -> str:
        """One error in the classic form."""
        if violation.sensitive:
            value = "Value"
        elif violation.value is None:
            value = "Value null"
        else:
            value = f"Value '{render_value(violation.value)}'"
        return f"{value} at '{violation.path}' failed to satisfy constraint: {violation.constraint}"

    def error(self, operation: OperationModel, violations: list[Violation]) -> ServiceError:
        """The error for all remaining violations: ``N validation error(s) detected: ...``."""
        return ServiceError(self.code, self.message(violations), self.status_code, sender_fault=True)

    def message(self, violations: list[Violation]) -> str:
        n = len(violations)
        head = "1 validation error detected: " if n == 1 else f"{n} validation errors detected: "
        return head + "; ".join(self.describe(v) for v in violations)

    # -- rules

    def _rule_for(self, operation: str, v: Violation) -> Rule | None:
        rules = self.rules
        for key in (
            f"{operation}.{v.member_path}:{v.kind}",
            f"{operation}.{v.member_path}",
            f"*.{v.member_path}:{v.kind}",
            f"*.{v.member_path}",
            f"{operation}:{v.kind}",
            operation,
        ):
            rule = rules.get(key)
            if rule is not None and (rule.when is None or rule.when in v.constraint):
                return rule
        return None

    def _apply_rules(self, operation: OperationModel, violations: list[Violation]) -> list[Violation]:
        kept = []
        for v in violations:
            rule = self._rule_for(operation.name, v)
            if rule is None:
                kept.append(v)
                continue
            if rule.skip:
                continue
            if rule.code is None and rule.message is None:
                kept.append(v)
                continue
            if rule.message is not None:
                message = rule.message.format(
                    path=v.path,
                    value="" if v.sensitive else render_value(v.value),
                    constraint=v.constraint,
                    member=v.member_path,
                    name=v.wire_path,
                )
            else:
                message = self.message([v])
            raise ServiceError(
                rule.code or self.code, message, rule.status_code or self.status_code, sender_fault=True
            )
        return kept

    # -- compilation

    def plan(self, operation: OperationModel) -> Plan | None:
        """The compiled plan of an operation (``None``: nothing to check)."""
        entry = self._operations.get(id(operation))
        if entry is not None and entry[0] is operation:
            return entry[1]
        return self._compile_operation(operation)

    def _compile_operation(self, operation: OperationModel) -> Plan | None:
        rule = self.rules.get(operation.name)
        plan = None if rule is not None and rule.skip else self._compiler.compile_operation(operation)
        # Keyed by id, holding the operation so the id cannot be reused while cached.
        self._operations[id(operation)] = (operation, plan)
        return plan


class InputPrefixValidator(Validator):
    """API Gateway's wording: a body member's path starts with the operation's input name
    (``createRestApiInput.endpointConfiguration.types``); members in the URI, query string
    or headers keep their bare name (``responseType``)."""

    def error(self, operation: OperationModel, violations: list[Violation]) -> ServiceError:
        prefix = operation.name[:1].lower() + operation.name[1:] + "Input."
        described = [
            v if v.location is not None else _with_path(v, prefix + v.path) for v in violations
        ]
        return ServiceError(self.code, self.message(described), self.status_code, sender_fault=True)


def _with_path(violation: Violation, path: str) -> Violation:
    from dataclasses import replace

    return replace(violation, path=path)


class DeclaredCodeValidator(Validator):
    """A service whose older operations answer constraint violations with its own code
    (``code``) and whose newer ones with ``ValidationException``: each operation gets the one
    its model declares (``code`` when declared or when neither is)."""

    def error(self, operation: OperationModel, violations: list[Violation]) -> ServiceError:
        declared = {shape.name for shape in operation.error_shapes}
        code = "ValidationException" if self.code not in declared and "ValidationException" in declared else self.code
        return ServiceError(code, self.message(violations), self.status_code, sender_fault=True)


class MissingParameterValidator(Validator):
    """The older query wording (SQS over query): ``MissingParameter`` "The request must
    contain the parameter QueueName." for the first missing required member, by wire name;
    only presence is checked unless ``checks`` says otherwise."""

    code = "MissingParameter"
    missing = "The request must contain the parameter {name}."

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("checks", {"required"})
        super().__init__(**kwargs)

    def error(self, operation: OperationModel, violations: list[Violation]) -> ServiceError:
        v = violations[0]
        if v.kind == "required":
            message = self.missing.format(name=v.wire_path)
            return ServiceError(self.code, message, self.status_code, sender_fault=True)
        return ServiceError("InvalidParameterValue", self.message([v]), self.status_code, sender_fault=True)


class InvalidParameterValidator(Validator):
    """SNS's wording: a missing top-level ARN parameter (the ones SNS parses itself) is
    ``InvalidParameter`` "Invalid parameter: SubscriptionArn Reason: no value for required
    parameter" (by wire name); anything else (``Name``, a map, a nested member) keeps the
    query family's ``ValidationError`` sentences."""

    missing_code = "InvalidParameterException"
    missing = "Invalid parameter: {name} Reason: no value for required parameter"
    malformed = "Invalid parameter: {name} Reason: An ARN must have at least 6 elements, not {count}"

    def report(self, params: Mapping[str, Any], operation: OperationModel, plan: Plan) -> None:
        # SNS reads its ARN parameters before it checks the rest of the request: a malformed
        # one is the answer even when another member is missing or invalid.
        members = operation.input_shape.members if operation.input_shape is not None else {}
        for name, member in members.items():
            value = params.get(name)
            if name.endswith("Arn") and isinstance(value, str) and value.count(":") < 5:
                message = self.malformed.format(name=member.serialization.get("name", name), count=value.count(":") + 1)
                raise ServiceError(self.missing_code, message, self.status_code, sender_fault=True)
        super().report(params, operation, plan)

    def error(self, operation: OperationModel, violations: list[Violation]) -> ServiceError:
        members = operation.input_shape.members if operation.input_shape is not None else {}
        for v in violations:
            member = members.get(v.member_path)
            if v.kind == "required" and v.depth == 1 and member is not None and member.name.lower().endswith("arn"):
                message = self.missing.format(name=v.wire_path)
                return ServiceError(self.missing_code, message, self.status_code, sender_fault=True)
        return super().error(operation, violations)


class EcrValidator(Validator):
    """ECR's wording: the first violation alone, as ``InvalidParameterException`` "Invalid
    parameter at 'repositoryName' failed to satisfy constraint: 'must have length greater than
    or equal to 2'" (a pattern: "'must satisfy regular expression '<pattern>''")."""

    code = "InvalidParameterException"
    _pattern = "must satisfy regular expression pattern: "

    def error(self, operation: OperationModel, violations: list[Violation]) -> ServiceError:
        v = violations[0]
        constraint = v.constraint.removeprefix("Member ")
        if constraint.startswith(self._pattern):
            constraint = f"must satisfy regular expression '{constraint[len(self._pattern):]}'"
        message = f"Invalid parameter at '{v.path}' failed to satisfy constraint: '{constraint}'"
        return ServiceError(self.code, message, self.status_code, sender_fault=True)


class Ec2Validator(MissingParameterValidator):
    """EC2's wording: the same sentence without a final period."""

    missing = "The request must contain the parameter {name}"


def _absent_list(operation: OperationModel, violation: Violation) -> bool:
    """A required list member missing inside the request document."""
    if violation.kind != "required" or violation.location is not None or violation.depth < 2:
        return False
    shape = operation.input_shape
    for name in violation.member_path.split("."):
        while shape is not None and shape.type_name == "list":
            shape = shape.member
        members = getattr(shape, "members", None) or {}
        shape = members.get(name)
        if shape is None:
            return False
    return shape.type_name == "list"


class S3Validator(Validator):
    """S3 barely validates by model: only required members, each with S3's own error.

    A missing payload (``PutBucketTagging`` without a body) is ``MissingRequestBodyError``; a
    missing element inside the XML is ``MalformedXML``; a missing header or query parameter
    is ``InvalidRequest``. Only the first is reported, as S3 does.
    """

    code = "InvalidRequest"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("checks", {"required"})
        super().__init__(**kwargs)

    def error(self, operation: OperationModel, violations: list[Violation]) -> ServiceError | None:
        # A list element left out of a document reads as an empty list (the wire cannot
        # always tell them apart): whether an empty list will do is the service's call.
        violations = [v for v in violations if not _absent_list(operation, v)]
        if not violations:
            return None
        v = violations[0]
        if v.kind != "required":
            return ServiceError(self.code, self.message([v]), self.status_code, sender_fault=True)
        if v.location == "header" and v.depth == 1:
            return ServiceError(
                "InvalidRequest", f"Missing required header for this request: {v.wire_path}", 400, sender_fault=True
            )
        if v.location in ("querystring", "uri") and v.depth == 1:
            return ServiceError(
                "InvalidRequest", f"Missing required parameter for this request: {v.wire_path}", 400, sender_fault=True
            )
        shape = operation.input_shape
        payload = shape.serialization.get("payload") if shape is not None else None
        if v.depth == 1 and v.member_path == payload:
            if shape.members[payload].type_name in ("string", "blob"):
                # A raw document (a bucket policy): its absence is the service's to judge.
                return None
            return ServiceError("MissingRequestBodyError", "Request body is empty.", 400, sender_fault=True)
        return ServiceError(
            "MalformedXML",
            "The XML you provided was not well-formed or did not validate against our published schema",
            400,
            sender_fault=True,
        )


# --------------------------------------------------------------------------- registry


def _protocol_defaults(patterns: JavaPatterns) -> dict[str, Validator]:
    json_family = Validator(patterns=patterns)
    return {
        "json": json_family,
        "rest-json": json_family,
        "smithy-rpc-v2-cbor": json_family,
        "json-cbor": json_family,
        "query": Validator(code="ValidationError", patterns=patterns),
        "ec2": Ec2Validator(patterns=patterns),
        # Outside S3 (registered below), rest-xml services (Route 53, CloudFront) answer
        # InvalidInput-style errors; only required members are checked by default.
        "rest-xml": Validator(code="InvalidInput", checks={"required"}, patterns=patterns),
    }


def _service_defaults(patterns: JavaPatterns) -> dict[tuple[str, str | None], Validator]:
    return {
        ("s3", None): S3Validator(patterns=patterns),
        ("route53", None): Validator(code="InvalidInput", patterns=patterns),
        ("apigateway", None): InputPrefixValidator(patterns=patterns),
        ("cognito-idp", None): Validator(code="InvalidParameterException", patterns=patterns),
        # Lambda checks runtimes itself (the runtimes it supports today, not the model's
        # enum: services/lambda_/runtimes.py).
        ("lambda", None): Validator(patterns=patterns, list_nulls_always=True, rules={
            f"{op}.Runtime:enum": Rule(skip=True) for op in ("CreateFunction", "UpdateFunctionConfiguration")
        }),
        # CloudWatch Logs answers constraint violations with InvalidParameterException (its
        # newer operations, e.g. deliveries, with ValidationException). Metric namespaces may
        # hold ':' although the model's pattern excludes it: AWS does not apply that pattern.
        ("logs", None): DeclaredCodeValidator(code="InvalidParameterException", patterns=patterns, rules={
            "PutMetricFilter.metricTransformations.metricNamespace:pattern": Rule(skip=True),
            "DescribeMetricFilters.metricNamespace:pattern": Rule(skip=True),
            **{f"*.{member}:length": Rule(
                when="less than",
                message="Invalid LogGroup or LogStream, both must have length less than or equal to 512.",
            ) for member in ("logGroupName", "logStreamName")},
        }),
        # EventBridge takes a connection's OAuth HTTP method in any case ("put").
        ("events", None): Validator(patterns=patterns, rules={
            "*.AuthParameters.OAuthParameters.HttpMethod:enum": Rule(skip=True),
        }),
        # ECR names the regular expression it checks repository names with, not the model's.
        ("ecr", None): EcrValidator(patterns=patterns, rules={"*.repositoryName:pattern": Rule(message=(
            "Invalid parameter at '{path}' failed to satisfy constraint: 'must satisfy regular expression "
            "'(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''"
        ))}),
        # KMS lists an enum's values in the order of a Java HashSet of them.
        ("kms", None): Validator(patterns=patterns, hash_set_enums=True),
        # SES checks a notification type itself ("Invalid notification type: ...",
        # InvalidParameterValue), not as the model's enum.
        ("ses", None): Validator(code="ValidationError", patterns=patterns, rules={
            "*.NotificationType:enum": Rule(skip=True),
        }),
        ("sqs", "query"): MissingParameterValidator(patterns=patterns),
        ("sns", None): InvalidParameterValidator(code="ValidationError", patterns=patterns),
        # SQS checks names itself (``Unknown Attribute X.``) and still takes the legacy
        # ``AttributeNames=["SentTimestamp"]`` on ReceiveMessage: no enum checks.
        ("sqs", None): Validator(patterns=patterns, checks=CHECKS - {"enum"}),
    }


class Validators:
    """Which :class:`Validator` answers a request: the service's own, else its protocol's.

    A service registers its wording with :meth:`register` (optionally for one protocol, e.g.
    SQS reached over query). Known defaults are registered at construction: JSON / REST-JSON /
    CBOR ``ValidationException``; query ``ValidationError``; EC2 ``MissingParameter``; S3
    required-only with S3's codes; Route 53 ``InvalidInput``; Cognito
    ``InvalidParameterException``; SQS over query ``MissingParameter``, over JSON without
    enum checks.
    """

    def __init__(self, *, defaults: bool = True) -> None:
        self.patterns = JavaPatterns()
        self._protocols: dict[str, Validator] = _protocol_defaults(self.patterns)
        self._services: dict[tuple[str, str | None], Validator] = (
            _service_defaults(self.patterns) if defaults else {}
        )
        # (id(operation), protocol) -> (operation, validator, plan): one lookup per request.
        # Keyed by the OperationModel itself (hashed by identity, and kept alive by the key).
        self._resolved: dict[tuple[OperationModel, str | None], tuple[Validator, Plan | None]] = {}

    def register(self, service: str, validator: Validator, *, protocol: str | None = None) -> None:
        """Use ``validator`` for ``service`` (for requests in ``protocol`` only, if given)."""
        self._services[(service, protocol)] = validator
        self._resolved.clear()

    def set_protocol_default(self, protocol: str, validator: Validator) -> None:
        self._protocols[protocol] = validator
        self._resolved.clear()

    def for_operation(self, operation: OperationModel, protocol: str | None = None) -> Validator:
        service = operation.service_model
        protocol = protocol or service.protocol
        name = service.service_name
        services = self._services
        if services:
            found = services.get((name, protocol)) or services.get((name, None))
            if found is not None:
                return found
        return self._protocols.get(protocol) or self._protocols["json"]

    def validate(
        self, params: Mapping[str, Any], operation: OperationModel, protocol: str | None = None
    ) -> None:
        """Validate ``params`` for ``operation`` as received over ``protocol`` (default: the
        model's protocol); raises :class:`ServiceError` with the right family's wording."""
        entry = self._resolved.get((operation, protocol))
        if entry is None:
            validator = self.for_operation(operation, protocol)
            entry = (validator, validator.plan(operation))
            self._resolved[(operation, protocol)] = entry
        plan = entry[1]
        if plan is None or plan.check(params):
            return
        entry[0].report(params, operation, plan)
