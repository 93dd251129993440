"""Runs the generated variants of each implemented service against an endpoint.

Per service: the claimed operations (provider handlers) in name order; per operation: reset
all state, send the service's set-up, then every variant (the set-up again after a
destructive operation succeeded), each judged on its own; then the round trips. Only claimed
operations run: an unclaimed one answers ``NotImplemented`` by design.

A positive variant that reaches the success path is then read back when the model pairs
its operation with a read (:mod:`.readback`): a mismatch fails it. A positive variant sent
after a set-up that did not complete, or with a set-up value left unfilled, is a
``setup-failure`` whatever the answer. Every variant is recorded under its stable key
(:meth:`Variant.stable_key`), which the baseline compares.

``sample`` keeps the variants with the smallest key digests per operation (the default
test tier: a subset of the full run's keys); ``shard`` caps them with a fixed-seed sample
(and draws fewer random ones); without either the whole generated suite runs.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from cloudtwin.conformance.generators import Generator, random_inputs
from cloudtwin.conformance.generators.conformity import conforms
from cloudtwin.conformance.judge import Judge, Verdict
from cloudtwin.conformance.readback import ReadBack, compare, empty, find, pairing, read_params
from cloudtwin.conformance.resources import READ_ONLY_PREFIXES, Bindings, RoundTrip, Step, lookup, setup_for
from cloudtwin.conformance.target import UNANSWERED_LIMIT, Target, claimed_operations, dumps
from cloudtwin.conformance.values import ValueFactory
from cloudtwin.conformance.variant import Variant

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel

#: The variants a service should reach (random draws top the deterministic ones up to it).
TARGET_PER_SERVICE = 1100
RANDOM_PER_OPERATION_MIN = 10
#: Failures kept per operation with their request and response (the rest are counted).
KEPT_FAILURES = 5


@dataclass
class Failure:
    variant: str
    kind: str
    strategy: str
    violation: str | None
    outcome: str
    reason: str
    request: str
    params: str
    response: str
    shrunk: str | None = None


@dataclass
class OperationResult:
    name: str
    claimed: bool = True
    passed: int = 0
    total: int = 0
    positives: int = 0
    success: int = 0
    unsendable: int = 0
    #: Keys of the variants botocore would not serialize (not counted in ``total``).
    unsendable_keys: list[str] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    strategies: Counter = field(default_factory=Counter)
    #: (outcome, strategy, violation) -> count, for every failure.
    gaps: Counter = field(default_factory=Counter)
    #: What kept positive variants off the success path: error code (or outcome) -> count.
    off_path: Counter = field(default_factory=Counter)
    #: A few of them per code: (variant key, parameters sent).
    off_path_samples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    #: Stable keys (:meth:`Variant.stable_key`) of the variants that failed: what the
    #: baseline records and the guard compares.
    failing: list[str] = field(default_factory=list)
    #: Read-backs of what a 2xx write set: matched, and not matched.
    round_trips_verified: int = 0
    round_trips_failed: int = 0
    #: Positive variants refused because a documented constraint says they are invalid.
    reclassified: int = 0

    def record(self, variant: Variant, verdict: Verdict, code: str | None = None, key: str | None = None) -> None:
        self.total += 1
        self.strategies[variant.strategy] += 1
        self.outcomes[verdict.outcome] += 1
        if verdict.passed:
            self.passed += 1
        else:
            self.gaps[(verdict.outcome, variant.strategy, variant.violation or "")] += 1
            if key is not None:
                self.failing.append(key)
        if verdict.outcome == "reclassified":
            self.reclassified += 1
        elif variant.kind == "positive":
            self.positives += 1
            if verdict.success_path:
                self.success += 1
            else:
                self.off_path[code or verdict.outcome] += 1


@dataclass
class ServiceResult:
    name: str
    operations: dict[str, OperationResult] = field(default_factory=dict)
    model_operations: int = 0
    error: str | None = None
    seconds: float = 0.0
    #: "Operation: code" -> count: steps of the default set-up that failed.
    setup_failures: dict[str, int] = field(default_factory=dict)

    @property
    def passed(self) -> int:
        return sum(o.passed for o in self.operations.values())

    @property
    def total(self) -> int:
        return sum(o.total for o in self.operations.values())

    @property
    def positives(self) -> int:
        return sum(o.positives for o in self.operations.values())

    @property
    def success(self) -> int:
        return sum(o.success for o in self.operations.values())

    @property
    def round_trips(self) -> dict[str, int]:
        return {"verified": sum(o.round_trips_verified for o in self.operations.values()),
                "failed": sum(o.round_trips_failed for o in self.operations.values())}

    @property
    def success_path_share(self) -> float:
        """Of the variants valid by the model, the share answered 2xx with a valid body (and,
        for a write, read back as written)."""
        return round(self.success / self.positives, 4) if self.positives else 0.0

    @property
    def setup_failed(self) -> int:
        """Positive variants answered "does not exist": failures of the set-up."""
        return sum(o.outcomes.get("setup-failure", 0) for o in self.operations.values())


@dataclass
class RunOptions:
    services: list[str] | None = None
    operations: list[str] | None = None
    seed: int = 0
    #: At most this many variants per operation (a fixed-seed sample); None = all.
    shard: int | None = None
    #: At most this many variants per operation, chosen by their stable keys from the whole
    #: generated suite (the default test tier): the keys are those of the full run, so the
    #: failures of a sample compare with the baseline's.
    sample: int | None = None
    shrink: bool = True
    target_per_service: int = TARGET_PER_SERVICE


Progress = Callable[[str, str, int, int], None]


class Runner:
    """Generates, sends and judges; one per run (its caches live here)."""

    def __init__(self, target: Target, options: RunOptions, progress: Progress | None = None) -> None:
        from cloudtwin.specs.catalog import ServiceCatalog

        self.target = target
        self.options = options
        self.catalog = ServiceCatalog()
        self.generator = Generator(ValueFactory(), options.seed)
        self.judge = Judge()
        self.progress = progress
        #: service -> "Operation: code" -> how often a step of its default set-up failed.
        self.setup_failures: dict[str, Counter] = {}
        #: (service, write) -> the read the model pairs it with (None: none).
        self._pairs: dict[tuple[str, str], ReadBack | None] = {}

    # ------------------------------------------------------------------ planning

    def plan(self, service: str) -> tuple[dict[str, list[Variant]], int, str | None]:
        """The variants of each claimed operation, how many operations the model has, and
        the provider's import error if any."""
        model = self.catalog.service_model(service)
        names = list(model.operation_names)
        claimed, error = claimed_operations(service, names)
        wanted = set(self.options.operations or names)
        ops = sorted(op for op in claimed if op in wanted)
        variants = {op: self.generator.deterministic(model.operation_model(op)) for op in ops}
        missing = self.options.target_per_service - sum(len(v) for v in variants.values())
        per_op = max(RANDOM_PER_OPERATION_MIN, -(-missing // len(ops))) if ops else 0
        if self.options.shard is not None:  # a shard samples; drawing more would only cost time
            per_op = max(2, self.options.shard // 3)
        setup = setup_for(service)
        for op in ops:
            variants[op] += self.generator.random(model.operation_model(op), per_op)
            variants[op] += [_roundtrip_variant(rt) for rt in setup.roundtrips if rt.read.operation == op]
            if self.options.shard is not None and len(variants[op]) > self.options.shard:
                sample = random.Random(f"{self.options.seed}:{service}:{op}").sample(
                    range(len(variants[op])), self.options.shard)
                variants[op] = [variants[op][i] for i in sorted(sample)]
            if self.options.sample is not None and len(variants[op]) > self.options.sample:
                ranked = sorted(range(len(variants[op])),  # by the digest: a sample across strategies
                                key=lambda i: variants[op][i].stable_key(service).rsplit("/", 1)[-1])
                kept = set(ranked[: self.options.sample])
                variants[op] = [v for i, v in enumerate(variants[op]) if i in kept]
        return variants, len(names), error

    # ------------------------------------------------------------------ running

    def run(self, services: list[str]) -> list[ServiceResult]:
        return [self.run_service(s) for s in services]

    def run_service(self, service: str) -> ServiceResult:
        started = time.monotonic()
        variants, model_ops, error = self.plan(service)
        result = ServiceResult(service, model_operations=model_ops, error=error)
        model = self.catalog.service_model(service)
        total = len(variants)
        for index, (op, op_variants) in enumerate(variants.items()):
            if self.progress:
                self.progress(service, op, index, total)
            result.operations[op] = self.run_operation(service, model.operation_model(op), op_variants)
        if self.progress:
            self.progress(service, "", total, total)
        result.seconds = time.monotonic() - started
        result.setup_failures = dict(self.setup_failures.get(service, {}))
        return result

    def _setup(self, service: str, names: tuple[tuple[str, str], ...] = (),
               operation: str | None = None, verify: bool = False) -> Bindings:
        """Reset, then create the service's resources (under ``names`` where given) — the
        steps every operation needs and those ``operation``'s variants need.

        A step of the default set-up that fails is remembered (:attr:`setup_failures`): the
        variants after it would miss what it should have made. Under a variant's own names
        (a bucket named at a length bound...) a step may fail by design. With ``verify``
        (the first set-up of each operation), a step the model pairs with a read is read
        back: a set-up that an endpoint only pretends to make is incomplete too."""
        self.target.reset()
        setup = setup_for(service)
        bindings = Bindings({binding: default for binding, default in setup.names.values()})
        bindings.values.update(names)
        for step in setup.steps:
            if not step.wanted_by(operation):
                continue
            if self.target.unanswered >= UNANSWERED_LIMIT:  # the endpoint stopped answering
                self.setup_failures.setdefault(service, Counter())[f"{step.operation}: no answer"] += 1
                continue
            response, parsed, sent = self._send_step(step, service, bindings)
            if parsed is None and not names:
                why = response.error_code or response.transport_error if response else "not sendable"
                self.setup_failures.setdefault(service, Counter())[f"{step.operation}: {why}"] += 1
                bindings.incomplete.append(f"{step.operation}: {why}")
            elif verify and not names and not (step.service or step.account or step.region):
                problem = self._verify_step(service, step.operation, sent, parsed)
                if problem:
                    bindings.incomplete.append(f"{step.operation}: {problem}")
        return bindings

    def _verify_step(self, service: str, write: str, sent: dict[str, Any], answer: Any) -> str | None:
        """Why the read the model pairs with a set-up step does not show what it made."""
        pair = self._readback(self.catalog.service_model(service).operation_model(write))
        if pair is None:
            return None
        params = read_params(pair, sent, answer)
        if params is None:
            return f"the answer lacks what addresses {pair.read}"
        response, parsed, _ = self.target.call(service, pair.read, params)
        if response is None:
            return None
        if parsed is None:
            read_op = self.catalog.service_model(service).operation_model(pair.read)
            if all(empty(find(sent, name)) for name in pair.compared) or self.judge.positive(read_op, response).passed:
                return None  # nothing written to read, or an answer AWS gives such a read (an archived object)
            return f"{pair.read} answered HTTP {response.status} {response.error_code or ''}".strip()
        outcome = compare(pair, sent, parsed)
        return f"{pair.read}: {outcome.reason}" if outcome.verified is False else None

    def _send_step(self, step: Step, service: str, bindings: Bindings) -> tuple[Any, Any, dict[str, Any]]:
        params = bindings.fill(dict(step.params))
        response, parsed, _ = self.target.call(step.service or service, step.operation, params,
                                               account=step.account, region=step.region,
                                               timeout=self.target.timeout_for(service, params))
        if parsed is not None:
            for name, path in step.capture.items():
                value = lookup(parsed, path)
                if value is not None:
                    bindings.values[name] = value
        return response, parsed, params

    def run_operation(self, service: str, operation: "OperationModel", variants: list[Variant]) -> OperationResult:
        result = OperationResult(operation.name)
        keys = _stable_keys(service, variants)
        readback = self._readback(operation)
        setup = setup_for(service)
        members = setup.members_for(operation.name)
        mutating = not operation.name.startswith(READ_ONLY_PREFIXES)
        names: tuple[tuple[str, str], ...] = ()
        bindings = self._setup(service, operation=operation.name, verify=True)
        #: What the first set-up's read-backs found missing: it holds for every variant.
        unverified = list(bindings.incomplete)
        required = set(operation.input_shape.required_members) if operation.input_shape else set()
        shrunk_once = False
        for variant, key in zip(variants, keys):
            if variant.strategy == "roundtrip":
                self._roundtrip(service, operation, variant, result, key)
                bindings = self._setup(service, operation=operation.name)
                names = ()
                continue
            wanted = _named_resource(variant, setup, operation.name)
            if wanted != names:
                names = wanted
                bindings = self._setup(service, names, operation.name)
            params = bindings.substitute(variant.params, members, variant.focus)
            params = _model_conforming(operation, variant.params, params, self.generator.factory)
            params = setup.complete(operation.name, params, variant.focus, required, bindings)
            if variant.strategy in _SORTED_BY_CONFORMITY and operation.input_shape is not None:
                variant = _resorted(variant, conforms(operation.input_shape, params, self.generator.factory))
            response, parsed, request = self.target.call(service, operation.name, params,
                                                         timeout=self.target.timeout_for(service, params))
            if response is None:
                result.unsendable += 1
                result.unsendable_keys.append(variant.key)
                continue
            verdict = self.judge.judge(operation, variant, response, params)
            if verdict.success_path and variant.kind == "positive" and readback is not None:
                verdict = self._read_back(service, readback, params, parsed, verdict, result)
            incomplete = bindings.incomplete or unverified
            if variant.kind == "positive" and verdict.outcome != "setup-failure" and incomplete:
                verdict = Verdict(False, "setup-failure", "the set-up did not complete, so the variant cannot "
                                                          f"reach the success path ({incomplete[0]})")
            elif variant.kind == "positive" and verdict.outcome != "setup-failure" and _unbound(params):
                verdict = Verdict(False, "setup-failure", "the set-up did not make what the variant names "
                                                          f"(unfilled: {', '.join(sorted(_unbound(params)))})")
            result.record(variant, verdict, response.error_code, key)
            if variant.kind == "positive" and not verdict.success_path and verdict.outcome != "reclassified":
                samples = result.off_path_samples.setdefault(response.error_code or verdict.outcome, [])
                if len(samples) < KEPT_FAILURES:
                    samples.append((variant.key, dumps(params)))
            if not verdict.passed:
                shrunk = None
                if variant.strategy == "random" and self.options.shrink and not shrunk_once:
                    shrunk_once = True
                    shrunk = self._shrink(service, operation, members, bindings)
                self._keep(result, variant, verdict, request, params, response, shrunk)
            if response.transport_error or (mutating and 200 <= response.status < 300):
                bindings = self._setup(service, names, operation.name)
        return result

    def _keep(self, result: OperationResult, variant: Variant, verdict: Verdict, request: str,
              params: Any, response: Any, shrunk: Any = None) -> None:
        if len(result.failures) >= KEPT_FAILURES:
            return
        body = response.body[:500].decode("utf-8", "replace") if response.body else ""
        result.failures.append(Failure(
            variant=variant.key, kind=variant.kind, strategy=variant.strategy,
            violation=variant.violation, outcome=verdict.outcome, reason=verdict.reason,
            request=request[:700], params=dumps(params),
            response=f"HTTP {response.status} {response.error_code or ''}\n{body}".strip(),
            shrunk=dumps(shrunk) if shrunk is not None else None,
        ))

    def _shrink(self, service: str, operation: "OperationModel", members: dict[str, Any],
                bindings: Bindings) -> Any:
        ctx = self.generator.context(operation)

        def fails(params: dict[str, Any]) -> bool:
            verdict_kind = conforms(operation.input_shape, params, ctx.factory) if operation.input_shape else True
            kind = "positive" if verdict_kind else ("negative" if verdict_kind is False else "either")
            probe = Variant(operation.name, "random", "shrink", params, kind)
            sent = bindings.substitute(params, members, ())
            required = set(operation.input_shape.required_members) if operation.input_shape else set()
            sent = setup_for(service).complete(operation.name, sent, (), required, bindings)
            response, _, _ = self.target.call(service, operation.name, sent)
            return response is not None and not self.judge.judge(operation, probe, response, sent).passed

        return random_inputs.shrink(ctx, self.generator.strategies, fails)

    def _readback(self, operation: "OperationModel") -> ReadBack | None:
        """The model's pairing of a write with the read that shows what it set, if the
        provider claims that read."""
        key = (operation.service_model.service_name, operation.name)
        if key not in self._pairs:
            pair = pairing(operation.service_model, operation)
            if pair is not None:
                claimed, _ = claimed_operations(key[0], [pair.read])
                pair = pair if pair.read in claimed else None
            self._pairs[key] = pair
        return self._pairs[key]

    def _read_back(self, service: str, pair: ReadBack, sent: dict[str, Any], answer: Any, verdict: Verdict,
                   result: OperationResult) -> Verdict:
        """Read what a 2xx write set: a mismatch, or a read that fails, fails the variant."""
        params = read_params(pair, sent, answer)
        if params is None:
            result.round_trips_failed += 1
            return Verdict(False, "roundtrip", f"the answer lacks what addresses the read ({pair.read})")
        response, parsed, _ = self.target.call(service, pair.read, params)
        if response is None:
            return verdict
        if parsed is None:
            if all(empty(find(sent, name)) for name in pair.compared):  # wrote nothing: nothing to read
                return verdict
            read_op = self.catalog.service_model(service).operation_model(pair.read)
            if self.judge.positive(read_op, response).passed:
                # an error AWS answers such a read with (an archived object: InvalidObjectState)
                return verdict
            result.round_trips_failed += 1
            return Verdict(False, "roundtrip", f"the read ({pair.read}) answered HTTP {response.status} "
                                               f"{response.error_code or response.transport_error or ''}".strip())
        outcome = compare(pair, sent, parsed)
        if outcome.verified is None:
            return verdict
        if outcome.verified:
            result.round_trips_verified += 1
            return verdict
        result.round_trips_failed += 1
        return Verdict(False, "roundtrip", f"{pair.read}: {outcome.reason}")

    def _roundtrip(self, service: str, operation: "OperationModel", variant: Variant, result: OperationResult,
                   key: str | None = None) -> None:
        rt: RoundTrip = variant.extra["roundtrip"]
        bindings = self._setup(service, operation=operation.name)
        write = rt.write
        written, parsed_write, _ = self._send_step(write, service, bindings)
        params = bindings.fill(dict(rt.read.params))
        response, parsed, request = self.target.call(service, rt.read.operation, params)
        if response is None:
            result.unsendable += 1
            return
        verdict = self.judge.judge(operation, variant, response)
        if verdict.passed and not verdict.success_path:
            verdict = Verdict(False, "roundtrip", f"the read answered {response.error_code}")
        elif verdict.passed:
            if parsed_write is None:
                verdict = Verdict(False, "roundtrip", f"the write ({write.operation}) failed: {written.error_code if written else '?'}")
            else:
                for path, expected in rt.expect.items():
                    got = lookup(parsed, path)
                    if hasattr(got, "read"):
                        got = got.read()
                    expected = bindings.fill(expected)
                    if got != expected:
                        verdict = Verdict(False, "roundtrip", f"{path}: wrote {expected!r}, read {got!r}")
                        break
        if verdict.success_path:
            result.round_trips_verified += 1
        else:
            result.round_trips_failed += 1
        result.record(variant, verdict, response.error_code, key)
        if not verdict.passed:
            self._keep(result, variant, verdict, request, params, response)


#: Strategies whose variants are sorted positive/negative by the model (not built to be
#: one or the other): sorted again after the set-up filled identifiers in, which may have
#: replaced the very value that broke a constraint.
_SORTED_BY_CONFORMITY = ("random", "example")


def _model_conforming(operation: Any, generated: dict[str, Any], substituted: dict[str, Any],
                      factory: ValueFactory) -> dict[str, Any]:
    """The substituted parameters, except that a set-up value breaking its member's own model
    constraints (a parameter name under an operation whose ``Name`` is a window name) gives
    way to the generated value: the set-up names resources, it must not make a valid
    variant invalid."""
    shape = operation.input_shape
    if shape is None:
        return substituted
    out = dict(substituted)
    for name, value in substituted.items():
        member = shape.members.get(name)
        if member is None or name not in generated or generated[name] == value:
            continue
        if conforms(member, value, factory) is False and conforms(member, generated[name], factory) is not False:
            out[name] = generated[name]
    return out


def _resorted(variant: Variant, verdict: bool | None) -> Variant:
    kind = "positive" if verdict else ("negative" if verdict is False else "either")
    if kind == variant.kind:
        return variant
    return Variant(variant.operation, variant.strategy, variant.name, variant.params, kind,
                   variant.focus, None if kind != "negative" else "model", variant.extra)


def _named_resource(variant: Variant, setup: Any, operation: str) -> tuple[tuple[str, str], ...]:
    """The resource name a positive variant about a named member needs the set-up to use."""
    if variant.kind != "positive" or len(variant.focus) != 1:
        return ()
    member = variant.focus[0]
    if member not in setup.names or member in setup.overrides.get(operation, {}):
        return ()
    value = variant.params.get(member)
    if not isinstance(value, str) or not value:
        return ()
    return ((setup.names[member][0], value),)


#: A set-up template whose value was never captured (the step that makes it failed).
_UNFILLED = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def _unbound(params: Any, depth: int = 0) -> set[str]:
    """The set-up bindings left unfilled in the parameters sent."""
    if depth > 8:
        return set()
    if isinstance(params, str):
        return set(_UNFILLED.findall(params))
    if isinstance(params, dict):
        return set().union(*(_unbound(v, depth + 1) for v in params.values())) if params else set()
    if isinstance(params, list):
        return set().union(*(_unbound(v, depth + 1) for v in params)) if params else set()
    return set()


def _stable_keys(service: str, variants: list[Variant]) -> list[str]:
    """Each variant's stable key; a repeat within the operation (two strategies drawing the
    same parameters) gets ``#2``, ``#3`` in generation order."""
    seen: Counter = Counter()
    out = []
    for variant in variants:
        key = variant.stable_key(service) if variant.strategy != "roundtrip" else \
            f"{service}/{variant.operation}/roundtrip/{variant.name}"
        seen[key] += 1
        out.append(key if seen[key] == 1 else f"{key}#{seen[key]}")
    return out


def _roundtrip_variant(rt: RoundTrip) -> Variant:
    return Variant(rt.read.operation, "roundtrip", rt.name, dict(rt.read.params), "positive",
                   extra={"roundtrip": rt})
