"""Strategy 4: property-based random inputs (hypothesis), with a fixed seed.

Inputs are drawn from a hypothesis strategy built from the input shape (enums sampled,
lengths and ranges within the model's bounds, patterns through ``from_regex`` where Python
can read them, mixed with free text so invalid values show up too). Each draw is sorted by
:func:`conforms` into a positive or negative variant. The draws are reproducible for a
seed; when one fails, :func:`shrink` asks hypothesis for the smallest input that still
fails, which is what the report shows.
"""

from __future__ import annotations

import string
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

from cloudtwin.conformance.generators.conformity import conforms
from cloudtwin.conformance.generators.context import OperationContext
from cloudtwin.conformance.values import reproducible_hypothesis
from cloudtwin.conformance.variant import Variant

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape
    from hypothesis.strategies import SearchStrategy

    from cloudtwin.conformance.values import ValueFactory

_SAFE_TEXT = string.ascii_letters + string.digits + "-_./:"
_FREE_TEXT = _SAFE_TEXT + " !@#$%^&*()+=,;'[]{}~\u00e9\u4e2d"
_MAX_DEPTH = 4


class StrategyBuilder:
    """Hypothesis strategies per shape, cached (one builder per run)."""

    def __init__(self, factory: "ValueFactory") -> None:
        self.factory = factory
        # (shape, strategy) by id(shape): the shape is kept so its id cannot be reused
        self._cache: dict[tuple[int, int, str | None], tuple["Shape", "SearchStrategy[Any]"]] = {}

    def for_shape(self, shape: "Shape", depth: int = 0, location: str | None = None) -> "SearchStrategy[Any]":
        key = (id(shape), depth, location)
        entry = self._cache.get(key)
        if entry is None or entry[0] is not shape:
            entry = (shape, self._build(shape, depth, location))
            self._cache[key] = entry
        return entry[1]

    def _build(self, shape: "Shape", depth: int, location: str | None) -> "SearchStrategy[Any]":
        from hypothesis import strategies as st

        kind = shape.type_name
        meta = shape.metadata
        factory = self.factory
        if kind == "structure":
            if depth >= _MAX_DEPTH:
                return st.just(factory.valid(shape) or {})
            required = set(shape.required_members)
            req: dict[str, Any] = {}
            opt: dict[str, Any] = {}
            for name, member in shape.members.items():
                if member.metadata.get("eventstream"):
                    continue
                loc = member.serialization.get("location") if depth == 0 else None
                target = req if name in required else opt
                target[name] = self.for_shape(member, depth + 1, loc)
            if meta.get("union"):
                choices = [st.fixed_dictionaries({n: s}) for n, s in {**req, **opt}.items()]
                return st.one_of(choices) if choices else st.just({})
            return st.fixed_dictionaries(req, optional=opt)
        if kind in ("list", "map"):
            lo, hi = factory.length_bounds(shape)
            top = min(hi if hi is not None else lo + 3, lo + 3)
            if kind == "list":
                return st.lists(self.for_shape(shape.member, depth + 1), min_size=lo, max_size=top)
            return st.dictionaries(self.for_shape(shape.key, depth + 1),
                                   self.for_shape(shape.value, depth + 1), min_size=lo, max_size=top)
        if kind == "string":
            enum = meta.get("enum")
            if enum:
                return st.sampled_from(list(enum))
            lo, hi = factory.length_bounds(shape)
            top = min(hi if hi is not None else lo + 24, lo + 24)
            alphabet = _SAFE_TEXT if location in ("header", "headers", "uri") else _FREE_TEXT
            text = st.text(alphabet=alphabet, min_size=lo, max_size=top)
            choices = [text]
            base = factory.valid_string(shape)
            if base is not None:
                choices.insert(0, st.just(base))
            regex = factory.pattern(shape)
            if regex is not None and location not in ("header", "headers", "uri"):
                try:
                    # cut to the model's bounds rather than filtered (filters starve);
                    # a cut that breaks the pattern just makes a negative variant
                    choices.append(st.from_regex(regex, fullmatch=True).map(lambda s, top=top: s[:top]))
                except Exception:
                    pass
            return st.one_of(choices)
        if kind in ("integer", "long"):
            bits = 31 if kind == "integer" else 63
            lo = int(meta.get("min", -(1 << bits)))
            hi = int(meta.get("max", (1 << bits) - 1))
            return st.integers(min_value=lo, max_value=hi)
        if kind in ("float", "double"):
            return st.floats(min_value=meta.get("min"), max_value=meta.get("max"),
                             allow_nan=False, allow_infinity=False)
        if kind == "boolean":
            return st.booleans()
        if kind == "timestamp":
            return st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),
                                timezones=st.just(timezone.utc)).map(lambda d: d.replace(microsecond=0))
        if kind == "blob":
            lo, hi = factory.length_bounds(shape)
            top = min(hi if hi is not None else lo + 32, lo + 32)
            return st.binary(min_size=lo, max_size=top)
        return st.just({"k": "v"})


def _settings(count: int) -> Any:
    """Explicit settings on hypothesis's *default* profile: the loaded profile (hypothesis
    loads a ``ci`` profile with ``derandomize=True`` when it sees CI, and pytest runs may load
    others) must not change the draws, or the baseline would not be reproducible."""
    from hypothesis import HealthCheck, Phase, settings

    return settings(settings.get_profile("default"), max_examples=count, database=None,
                    deadline=None, derandomize=False, phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck), print_blob=False)


def draw(strategy: "SearchStrategy[Any]", count: int, seed: int) -> list[Any]:
    """``count`` values from ``strategy``, the same ones for the same seed."""
    from hypothesis import given
    from hypothesis import seed as seeded

    found: list[Any] = []

    @_settings(count)
    @seeded(seed)
    @given(strategy)
    def collect(value: Any) -> None:
        found.append(value)

    with reproducible_hypothesis():
        collect()
    return found


def generate(ctx: OperationContext, builder: StrategyBuilder, count: int) -> list[Variant]:
    shape = ctx.input_shape
    if shape is None or count <= 0:
        return []
    try:
        values = draw(builder.for_shape(shape), count, ctx.seed)
    except Exception:  # an unsatisfiable strategy (a pattern hypothesis cannot fill)
        return []
    out: list[Variant] = []
    for index, params in enumerate(values):
        verdict = conforms(shape, params, ctx.factory)
        kind = "positive" if verdict else ("negative" if verdict is False else "either")
        out.append(Variant(ctx.name, "random", f"draw-{index}", params, kind,
                           violation=None if verdict is not False else "model"))
    return out


def shrink(ctx: OperationContext, builder: StrategyBuilder, fails: Callable[[dict[str, Any]], bool],
           *, budget: int = 60) -> dict[str, Any] | None:
    """The smallest input hypothesis finds for which ``fails`` holds (None if none within
    ``budget`` tries). ``fails`` sends the request and judges it."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis.errors import NoSuchExample

    shape = ctx.input_shape
    if shape is None:
        return None
    try:
        with reproducible_hypothesis():
            return find(builder.for_shape(shape), fails, settings=settings(
                max_examples=budget, database=None, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck)))
    except NoSuchExample:
        return None
    except Exception:
        return None
