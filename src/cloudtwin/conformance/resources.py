"""Resource set-up, as data: what each service needs to exist before its operations run,
and which input members name it. The data itself is one module per service under
:mod:`cloudtwin.conformance.setups` (``SETUP``); this module holds its vocabulary.

Before an operation's variants run, the service's state is reset and its ``steps`` are
sent in order; values captured from their answers (``capture``: name -> dotted path into
the parsed response) fill the ``members`` templates, which replace the same-named members of
the variants' inputs (at any depth, never at the variant's focus). ``overrides`` replace
them for one operation: a ``CreateQueue`` gets a new name each time (``ct-new-{n}``) instead
of tripping over the existing queue, a ``Sign`` gets the signing key instead of the
encryption key. ``DROP`` removes a member (a random ``ContentMD5`` only proves the digest
check works; a made-up pagination token only proves it is refused — :data:`COMMON_MEMBERS`).

A template is a string with ``{name}`` fields, or exactly ``"{name}"`` for the captured value
itself (bytes, lists); ``{n}`` is a per-request counter.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

DROP = object()


@dataclass(frozen=True)
class Choose:
    """A template picked by the value of a sibling member of the same variant: the key for
    its ``SigningAlgorithm``, the ``SequenceNumber`` only for ``AT_SEQUENCE_NUMBER``
    iterators. ``otherwise`` may be :data:`DROP` (leave the member out / do not add it)."""

    by: str
    cases: Mapping[Any, Any]
    otherwise: Any = DROP

    def pick(self, siblings: Mapping[str, Any]) -> Any:
        value = siblings.get(self.by)
        try:
            return self.cases.get(value, self.otherwise)
        except TypeError:  # an unhashable sibling (a list drawn at random)
            return self.otherwise


@dataclass(frozen=True)
class MapKeys:
    """A member that is a map keyed by a resource's name (DynamoDB's ``RequestItems``, keyed
    by table name): its first key becomes ``template`` filled, the values are kept (and
    substituted inside as anywhere else)."""

    template: str
_FIELD = re.compile(r"\{(\w+)\}")
ACCOUNT = "000000000000"
REGION = "us-east-1"



@dataclass(frozen=True)
class Step:
    """One set-up request (to ``service`` when it is another service than the one run)."""

    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    capture: Mapping[str, str] = field(default_factory=dict)
    service: str | None = None
    #: Sent only before these operations' variants (an RSA key costs a fifth of a second:
    #: only ``Sign``/``Verify`` need it); empty: before every operation's.
    operations: tuple[str, ...] = ()
    #: Sent as another account (its 12-digit id is the access key) or from another region:
    #: the cross-account and cross-region halves of a resource.
    account: str | None = None
    region: str | None = None

    def wanted_by(self, operation: str | None) -> bool:
        return not self.operations or operation in self.operations


@dataclass(frozen=True)
class RoundTrip:
    """What ``write`` sets, ``read`` returns: ``expect`` maps dotted paths of the read's
    answer to values (templates allowed)."""

    name: str
    write: Step
    read: Step
    expect: Mapping[str, Any]


@dataclass(frozen=True)
class ServiceSetup:
    steps: tuple[Step, ...] = ()
    members: Mapping[str, Any] = field(default_factory=dict)
    #: operation -> member templates that replace ``members`` for that operation alone.
    overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: member -> (binding, default): names the set-up gives its resources. A positive
    #: variant about such a member (a name at a length bound...) gets a set-up that creates
    #: the resource under the variant's own value, so it can reach the success path.
    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    #: operation -> members AWS needs although the model marks them optional (PutParameter's
    #: ``Type`` for a new name, Subscribe's ``Endpoint``): added, top level, to a variant that
    #: lacks them — never at its focus, never a member the model requires (a variant missing
    #: one is about its absence).
    defaults: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: Groups of members AWS takes at most one of (``SecretString``/``SecretBinary``): a
    #: default is not added when another member of its group is present.
    exclusive: tuple[tuple[str, ...], ...] = ()
    roundtrips: tuple[RoundTrip, ...] = ()

    def members_for(self, operation: str) -> dict[str, Any]:
        """The member templates of one operation: common, the service's, its overrides."""
        out = dict(COMMON_MEMBERS)
        out.update(self.members)
        out.update(self.overrides.get(operation, {}))
        return out

    def complete(self, operation: str, params: dict[str, Any], focus: tuple[Any, ...],
                 required: frozenset[str] | set[str], bindings: "Bindings") -> dict[str, Any]:
        """``params`` with the operation's :attr:`defaults` added where they are missing."""
        defaults = self.defaults.get(operation)
        if not defaults:
            return params
        out = dict(params)
        for name, template in defaults.items():
            if name in out or name in required or focus[:1] == (name,):
                continue
            rivals = {m for group in self.exclusive if name in group for m in group} - {name}
            if rivals & out.keys():
                continue
            if isinstance(template, Choose):
                template = template.pick(out)
            if template is not DROP:
                out[name] = bindings.fill(template)
        return out


#: Members replaced in every service: a made-up pagination token is refused by design
#: (``InvalidNextToken``), so it is only sent where a variant is about it.
COMMON_MEMBERS: Mapping[str, Any] = {name: DROP for name in (
    "NextToken", "Marker", "ContinuationToken", "StartingToken", "ExclusiveStartKey")}


#: Operations that only read: every other one may change what the set-up made (delete it,
#: rename it, give it what a ``Create`` would then find existing), so after a 2xx from one
#: of them the set-up is sent again before the next variant.
READ_ONLY_PREFIXES = ("Get", "List", "Describe", "Head", "Query", "Scan", "Lookup", "Check",
                      "Validate", "Simulate", "Decode", "Verify", "Encrypt", "Decrypt", "Sign",
                      "GenerateRandom", "GenerateMac", "GenerateDataKey", "BatchGet", "TransactGet",
                      "Select", "Search", "Test")


def setup_for(service: str) -> ServiceSetup:
    """The set-up of a service (an empty one when it has none)."""
    from cloudtwin.services.registry import module_name

    try:
        module = importlib.import_module(f"cloudtwin.conformance.setups.{module_name(service)}")
    except ModuleNotFoundError:
        return ServiceSetup()
    return module.SETUP


def known_gaps_for(service: str) -> Mapping[tuple[str, ...], str]:
    """The reviewed reasons of a service's known conformance gaps (``KNOWN_GAPS`` beside its
    ``SETUP``): ``(operation, outcome[, violation])`` -> why cloudtwin answers so, with
    ``"*"`` for any operation."""
    from cloudtwin.services.registry import module_name

    try:
        module = importlib.import_module(f"cloudtwin.conformance.setups.{module_name(service)}")
    except ModuleNotFoundError:
        return {}
    return getattr(module, "KNOWN_GAPS", {})


def all_setups() -> dict[str, ServiceSetup]:
    """Every service's set-up, by botocore name (for checks over all of them)."""
    from cloudtwin.conformance.target import implemented_services

    return {service: setup_for(service) for service in implemented_services()}


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (``Messages.0.ReceiptHandle``), or None."""
    node = data
    for step in path.split("."):
        if isinstance(node, list):
            try:
                node = node[int(step)]
            except (ValueError, IndexError):
                return None
        elif isinstance(node, dict):
            node = node.get(step)
        else:
            return None
        if node is None:
            return None
    return node


class Bindings:
    """Captured identifiers and resource names, and templates filled with them."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.counter = 0
        #: Steps of the default set-up that failed ("Operation: code"): the variants after
        #: them miss what they should have made.
        self.incomplete: list[str] = []

    def fill(self, template: Any) -> Any:
        if isinstance(template, str):
            if template.startswith("{") and template.endswith("}") and template[1:-1] in self.values:
                return self.values[template[1:-1]]
            if "{" in template:  # only known fields: JSON policies are full of braces
                if "{n}" in template:
                    self.counter += 1
                return _FIELD.sub(self._field, template)
            return template
        if isinstance(template, dict):
            return {k: self.fill(v) for k, v in template.items()}
        if isinstance(template, list):
            return [self.fill(v) for v in template]
        return template

    def _field(self, match: "re.Match[str]") -> str:
        name = match.group(1)
        if name == "n":
            return str(self.counter)
        value = self.values.get(name)
        return value if isinstance(value, str) else match.group(0)

    def substitute(self, params: Any, members: Mapping[str, Any], focus: tuple[Any, ...],
                   path: tuple[Any, ...] = ()) -> Any:
        """``params`` with the named members replaced, except on and under ``focus``."""
        if isinstance(params, dict):
            out = {}
            for key, value in params.items():
                here = path + (key,)
                on_focus = bool(focus) and focus[: len(here)] == here
                spec = members.get(key) if isinstance(key, str) else None
                if isinstance(spec, MapKeys) and isinstance(value, dict):
                    out[key] = self._rename_keys(value, spec, members, focus, here)
                    continue
                if not on_focus and key in members and isinstance(key, str):
                    template = spec.pick(params) if isinstance(spec, Choose) else spec
                    filled = template if template is DROP else self.fill(template)
                    if filled is DROP:
                        continue
                    if filled is not None:
                        out[key] = filled
                        continue
                out[key] = self.substitute(value, members, focus, here)
            return out
        if isinstance(params, list):
            return [self.substitute(v, members, focus, path + (i,)) for i, v in enumerate(params)]
        return params

    def _rename_keys(self, value: dict[str, Any], spec: MapKeys, members: Mapping[str, Any],
                     focus: tuple[Any, ...], path: tuple[Any, ...]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for index, (key, item) in enumerate(value.items()):
            inner = self.substitute(item, members, focus, path + (key,))  # focus paths use the old key
            name = self.fill(spec.template) if index == 0 else key
            out.setdefault(name, inner)
        return out
