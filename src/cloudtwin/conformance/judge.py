"""The verdict on one response: pass or fail, and why.

- positive variant: a 2xx whose body validates against the output shape
  (:class:`~cloudtwin.conformance.output_check.OutputChecker`), or an error the operation
  declares, or one on the reviewed allow-list (:mod:`.allowlist`) — but never a refusal of
  the input (a validation/parameter error: ``refused-valid``), unless a documented
  constraint the model does not state says the value is invalid (:mod:`.constraints`): then
  the variant is reclassified as negative, the constraint named (``reclassified``); and
  never a "does not exist" answer (``…NotFound``, ``NoSuch…``): the request is valid, the
  set-up did not make what it names (``setup-failure``, a failure of its own kind);
- negative variant: only a 4xx with the code AWS rejects that violation with;
- either: passes as a positive or as a negative;
- always failing: a 5xx, ``NotImplemented`` for a claimed operation, a hang or dropped
  connection (the runner reports those as ``transport``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cloudtwin.conformance.allowlist import (
    declared_codes,
    input_error_codes,
    rejection_codes,
    state_dependent,
    undeclared_allowed,
)
from cloudtwin.conformance.constraints import broken, union_violation, unions_for
from cloudtwin.conformance.output_check import OutputChecker

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel

    from cloudtwin.conformance.variant import Variant


@dataclass(frozen=True, slots=True)
class Response:
    """What came back: status, headers, raw body, and the error code botocore read."""

    status: int
    headers: dict[str, str]
    body: bytes
    error_code: str | None = None
    #: The error's shape name when the body names it apart from the code (JSON ``__type``;
    #: query-compatible services such as SQS send their query code in a header).
    error_type: str | None = None
    #: Set when no HTTP response arrived (timeout, dropped connection).
    transport_error: str | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    #: ``success`` (2xx, valid body), ``declared-error``, ``allowed-error``, ``rejected``
    #: (negative, right code), ``reclassified`` (positive by the model, invalid by a named
    #: documented constraint, rejected with the right code) — or a failure: ``bad-output``,
    #: ``server-error``, ``not-implemented``, ``transport``, ``wrong-code``,
    #: ``accepted-invalid``, ``undeclared-error``, ``refused-valid``, ``setup-failure``,
    #: ``roundtrip`` (the read does not return what the write set).
    outcome: str
    reason: str = ""

    @property
    def success_path(self) -> bool:
        return self.outcome == "success"


class Judge:
    """Judges responses; compiled lookups are cached per operation."""

    def __init__(self) -> None:
        self._declared: dict[int, tuple["OperationModel", set[str], dict[str, str]]] = {}

    def _codes(self, operation: "OperationModel") -> tuple[set[str], dict[str, str]]:
        entry = self._declared.get(id(operation))
        if entry is None or entry[0] is not operation:
            entry = (operation, declared_codes(operation), undeclared_allowed(operation))
            self._declared[id(operation)] = entry
        return entry[1], entry[2]

    def judge(self, operation: "OperationModel", variant: "Variant", response: Response,
              params: dict | None = None) -> Verdict:
        """``params``: what was sent (after the set-up filled identifiers in), read by the
        documented constraints; without it no positive variant can be reclassified."""
        fatal = self._fatal(response)
        if fatal is not None:
            return fatal
        if variant.kind == "positive":
            return self.positive(operation, response, params)
        if variant.kind == "negative":
            return self.negative(operation, variant.violation, response)
        as_positive = self.positive(operation, response, params)
        if as_positive.passed:
            return as_positive
        as_negative = self.negative(operation, None, response)
        return as_negative if as_negative.passed else as_positive

    @staticmethod
    def _fatal(response: Response) -> Verdict | None:
        if response.transport_error is not None:
            return Verdict(False, "transport", response.transport_error)
        if response.status >= 500:
            if response.error_code == "NotImplemented" or response.status == 501:
                return Verdict(False, "not-implemented", "the service claims this operation but answered NotImplemented")
            return Verdict(False, "server-error", f"HTTP {response.status} {response.error_code or ''}".strip())
        return None

    def positive(self, operation: "OperationModel", response: Response, params: dict | None = None) -> Verdict:
        if 200 <= response.status < 300:
            problems = OutputChecker().check(operation, response.status, response.headers, response.body)
            if problems:
                return Verdict(False, "bad-output", "; ".join(problems[:5]))
            return Verdict(True, "success")
        declared, allowed = self._codes(operation)
        code = response.error_code or ""
        names = {code, response.error_type or ""} - {""}
        if any(state_dependent(operation, name) for name in names):
            return Verdict(False, "setup-failure",
                           f"HTTP {response.status} {code}: a valid request about something the set-up "
                           f"should have made; it was not there")
        if names & input_error_codes(operation):
            service = operation.service_model.service_name
            constraint = broken(service, operation.name, params)
            named = (f"{constraint.name} ({constraint.source})" if constraint is not None
                     else union_violation(operation.input_shape, params, unions_for(service)))
            if named is not None:
                if names & rejection_codes(operation, None):
                    return Verdict(True, "reclassified", f"invalid by a documented constraint: {named}; "
                                                         f"rejected with {code}")
                return Verdict(False, "wrong-code", f"invalid by a documented constraint: {named}; "
                               f"HTTP {response.status} {code} is not a code AWS rejects it with")
            return Verdict(False, "refused-valid",
                           f"HTTP {response.status} {code}: a request valid by the model was refused, and no "
                           f"documented constraint names what is wrong with it")
        if code in declared or (response.error_type or "") in declared:
            return Verdict(True, "declared-error", code)
        if code in allowed:
            return Verdict(True, "allowed-error", f"{code} ({allowed[code]})")
        if params and params.get("DryRun") is True:  # EC2's answer to a dry run
            by_input = undeclared_allowed(operation, params)
            if code in by_input:
                return Verdict(True, "allowed-error", f"{code} ({by_input[code]})")
        if 300 <= response.status < 400 and code in ("NotModified", "304"):
            return Verdict(True, "allowed-error", code)
        return Verdict(False, "undeclared-error",
                       f"HTTP {response.status} {code or '(no code)'}: neither declared by the operation nor allow-listed")

    def negative(self, operation: "OperationModel", violation: str | None, response: Response) -> Verdict:
        if 200 <= response.status < 300:
            return Verdict(False, "accepted-invalid",
                           f"a request breaking a model constraint ({violation or 'model'}) got HTTP {response.status}")
        codes = rejection_codes(operation, violation)
        code = response.error_code or ""
        if 400 <= response.status < 500 and (code in codes or (response.error_type or "") in codes):
            return Verdict(True, "rejected", code)
        return Verdict(False, "wrong-code",
                       f"HTTP {response.status} {code or '(no code)'}; expected one of {sorted(codes)}")
