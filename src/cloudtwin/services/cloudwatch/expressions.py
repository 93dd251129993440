"""Metric math: parsing and evaluating the ``Expression`` of a metric data query.

    expression := or ; or := and ("OR"|"||" and)* ; and := cmp ("AND"|"&&" cmp)*
    cmp := sum (("<"|">"|"<="|">="|"=="|"!=") sum)? ; sum := product (("+"|"-") product)*
    product := power (("*"|"/") power)* ; power := unary ("^" unary)?
    unary := "-" unary | atom ; atom := number | string | id | NAME "(" args ")" | "(" expression ")"

Values are scalars (float), time series (:class:`Series`, timestamp -> value) or arrays of
series (``METRICS()``, ``SEARCH()``). Arithmetic between two series keeps the timestamps
both have; a scalar applies to every point; an array applies element-wise. The functions
are the documented ones a test is likely to use: SUM/AVG/MIN/MAX/STDDEV (a scalar over one
series, a series over an array), FILL, IF, METRICS, SEARCH, ABS, CEIL, FLOOR, LOG, LOG10,
SQRT, DIFF, RATE, PERIOD, RUNNING_SUM, FIRST, LAST, TIME_SERIES.
"""

from __future__ import annotations

import math
import re
import statistics
from dataclasses import dataclass, field
from typing import Any, Callable

from cloudtwin.protocol.errors import ServiceError


@dataclass(slots=True)
class Series:
    points: dict[float, float]
    label: str = ""
    period: int = 60
    id: str = ""


Value = float | Series | list[Series]

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<str>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")|(?P<op><=|>=|==|!=|&&|\|\||[-+*/^()<>,]))"
)


class ExpressionError(Exception):
    pass


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ExpressionError(f"Unexpected character at position {pos + 1}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1].upper() != value):
            raise ExpressionError(f"Expected {value or 'a value'}")
        self.pos += 1
        return token

    def at(self, *values: str) -> str | None:
        token = self.peek()
        if token is not None and token[0] in ("op", "name") and token[1].upper() in values:
            return token[1].upper()
        return None

    def parse(self) -> Any:
        node = self.binary(0)
        if self.peek() is not None:
            raise ExpressionError(f"Unexpected token {self.peek()[1]}")  # type: ignore[index]
        return node

    _LEVELS: tuple[tuple[str, ...], ...] = (
        ("OR", "||"), ("AND", "&&"), ("<", ">", "<=", ">=", "==", "!="), ("+", "-"), ("*", "/"), ("^",),
    )  # fmt: skip

    def binary(self, level: int) -> Any:
        if level == len(self._LEVELS):
            return self.unary()
        node = self.binary(level + 1)
        while (op := self.at(*self._LEVELS[level])) is not None:
            self.pos += 1
            node = ("op", {"||": "OR", "&&": "AND"}.get(op, op), node, self.binary(level + 1))
        return node

    def unary(self) -> Any:
        if self.at("-"):
            self.pos += 1
            return ("neg", self.unary())
        return self.atom()

    def atom(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return ("num", float(text))
        if kind == "str":
            return ("str", text[1:-1])
        if text == "(":
            node = self.binary(0)
            self.take(")")
            return node
        if kind == "name":
            if self.at("("):
                self.pos += 1
                args = []
                if not self.at(")"):
                    args.append(self.binary(0))
                    while self.at(","):
                        self.pos += 1
                        args.append(self.binary(0))
                self.take(")")
                return ("call", text.upper(), args)
            if text.upper() in ("REPEAT", "LINEAR"):
                return ("str", text.upper())
            return ("id", text)
        raise ExpressionError(f"Unexpected token {text}")


def parse(text: str) -> Any:
    return _Parser(text).parse()


def references(node: Any) -> set[str]:
    """The query ids an expression reads (``METRICS()`` reads them all: ``"*"``)."""
    if node[0] == "id":
        return {node[1]}
    if node[0] == "call":
        found = {"*"} if node[1] == "METRICS" else set()
        for arg in node[2]:
            found |= references(arg)
        return found
    if node[0] == "op":
        return references(node[2]) | references(node[3])
    if node[0] == "neg":
        return references(node[1])
    return set()


@dataclass(slots=True)
class Context:
    """What an expression can read: the results of the other queries, the period grid."""

    results: dict[str, Value]
    #: Ids of the MetricStat queries, in request order (METRICS()).
    metric_ids: list[str]
    grid: list[float]
    period: int
    search: Callable[[str, str, int], list[Series]] | None = None
    cache: dict[str, Any] = field(default_factory=dict)


def evaluate(node: Any, ctx: Context) -> Value:
    kind = node[0]
    if kind == "num":
        return node[1]
    if kind == "str":
        raise ExpressionError("A string is only valid as a function argument")
    if kind == "id":
        if node[1] not in ctx.results:
            raise ExpressionError(f"Unrecognized reference {node[1]}")
        return ctx.results[node[1]]
    if kind == "neg":
        return _apply(lambda a: -a, evaluate(node[1], ctx))
    if kind == "op":
        return _binary(node[1], evaluate(node[2], ctx), evaluate(node[3], ctx))
    return _call(node[1], node[2], ctx)


_OPS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b else math.nan,
    "^": lambda a, b: a**b,
    "<": lambda a, b: float(a < b),
    ">": lambda a, b: float(a > b),
    "<=": lambda a, b: float(a <= b),
    ">=": lambda a, b: float(a >= b),
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    "AND": lambda a, b: float(bool(a) and bool(b)),
    "OR": lambda a, b: float(bool(a) or bool(b)),
}


def _binary(op: str, left: Value, right: Value) -> Value:
    fn = _OPS[op]
    if isinstance(left, list):
        return [_binary(op, s, right) for s in left]  # type: ignore[misc]
    if isinstance(right, list):
        return [_binary(op, left, s) for s in right]  # type: ignore[misc]
    if isinstance(left, Series) and isinstance(right, Series):
        return Series({t: _safe(fn, v, right.points[t]) for t, v in left.points.items() if t in right.points}, period=left.period)
    if isinstance(left, Series):
        return Series({t: _safe(fn, v, right) for t, v in left.points.items()}, left.label, left.period)  # type: ignore[arg-type]
    if isinstance(right, Series):
        return Series({t: _safe(fn, left, v) for t, v in right.points.items()}, right.label, right.period)
    return _safe(fn, left, right)


def _safe(fn: Callable[[float, float], float], a: float, b: float) -> float:
    try:
        return fn(a, b)
    except (OverflowError, ZeroDivisionError, ValueError):
        return math.nan


def _apply(fn: Callable[[float], float], value: Value) -> Value:
    if isinstance(value, list):
        return [_apply(fn, s) for s in value]  # type: ignore[misc]
    if isinstance(value, Series):
        return Series({t: fn(v) for t, v in value.points.items()}, value.label, value.period, value.id)
    return fn(value)


_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "SUM": sum,
    "AVG": lambda xs: sum(xs) / len(xs),
    "MIN": min,
    "MAX": max,
    "STDDEV": lambda xs: statistics.pstdev(xs) if len(xs) > 1 else 0.0,
}
_UNARY: dict[str, Callable[[float], float]] = {
    "ABS": abs,
    "CEIL": lambda v: float(math.ceil(v)),
    "FLOOR": lambda v: float(math.floor(v)),
    "LOG": lambda v: math.log(v) if v > 0 else math.nan,
    "LOG10": lambda v: math.log10(v) if v > 0 else math.nan,
    "SQRT": lambda v: math.sqrt(v) if v >= 0 else math.nan,
}


def _call(name: str, args: list[Any], ctx: Context) -> Value:
    if name == "METRICS":
        prefix = args[0][1] if args and args[0][0] == "str" else ""
        return [_as_series(ctx.results[i], i) for i in ctx.metric_ids if i.startswith(prefix) and i in ctx.results]
    if name == "SEARCH":
        if ctx.search is None or len(args) < 2 or any(a[0] not in ("str", "num") for a in args[:3]):
            raise ExpressionError("SEARCH takes a search string, a statistic and a period")
        period = int(args[2][1]) if len(args) > 2 else ctx.period
        return ctx.search(args[0][1], args[1][1], period)
    if name == "FILL":
        if len(args) != 2:
            raise ExpressionError("FILL takes two arguments")
        how = args[1][1] if args[1][0] == "str" else evaluate(args[1], ctx)
        return _fill(evaluate(args[0], ctx), how, ctx.grid)
    if name == "IF":
        if len(args) not in (2, 3):
            raise ExpressionError("IF takes two or three arguments")
        cond, yes = evaluate(args[0], ctx), evaluate(args[1], ctx)
        no = evaluate(args[2], ctx) if len(args) == 3 else None
        return _if(cond, yes, no, ctx.grid)
    if name == "TIME_SERIES":
        value = evaluate(args[0], ctx)
        return Series({t: float(value) for t in ctx.grid}, period=ctx.period) if not isinstance(value, (Series, list)) else value
    values = [evaluate(a, ctx) for a in args]
    if name in _REDUCERS and len(values) == 1:
        return _reduce(_REDUCERS[name], values[0])
    if name in ("MAX", "MIN", "SUM", "AVG") and len(values) > 1:
        return _reduce(_REDUCERS[name], [_as_series(v, "") if not isinstance(v, float) else v for v in values])  # type: ignore[arg-type]
    if name in _UNARY and len(values) == 1:
        return _apply(_UNARY[name], values[0])
    if name in ("DIFF", "RATE", "RUNNING_SUM", "PERIOD", "FIRST", "LAST") and len(values) == 1:
        return _series_fn(name, values[0], ctx)
    raise ExpressionError(f"Unknown function {name}")


def _as_series(value: Value, ident: str) -> Series:
    if isinstance(value, Series):
        return value
    raise ExpressionError(f"{ident} is not a time series")


def _reduce(fn: Callable[[list[float]], float], value: Any) -> Value:
    if isinstance(value, Series):
        xs = [v for v in value.points.values() if not math.isnan(v)]
        return fn(xs) if xs else math.nan
    if isinstance(value, list):
        scalars = [v for v in value if isinstance(v, float)]
        series = [v for v in value if isinstance(v, Series)]
        stamps = sorted({t for s in series for t in s.points})
        out = {}
        for t in stamps:
            xs = [s.points[t] for s in series if t in s.points and not math.isnan(s.points[t])] + scalars
            if xs:
                out[t] = fn(xs)
        return Series(out, period=series[0].period if series else 60)
    return float(value)


def _fill(value: Value, how: Any, grid: list[float]) -> Value:
    if isinstance(value, list):
        return [_fill(s, how, grid) for s in value]  # type: ignore[misc]
    if not isinstance(value, Series):
        return value
    points = dict(value.points)
    known = sorted(points)
    for t in grid:
        if t in points:
            continue
        if how == "REPEAT":
            before = [k for k in known if k < t]
            if before:
                points[t] = value.points[before[-1]]
        elif how == "LINEAR":
            before = [k for k in known if k < t]
            after = [k for k in known if k > t]
            if before and after:
                a, b = before[-1], after[0]
                va, vb = value.points[a], value.points[b]
                points[t] = va + (vb - va) * (t - a) / (b - a)
        elif isinstance(how, float):
            points[t] = how
        else:
            raise ExpressionError("FILL takes a number, REPEAT or LINEAR")
    return Series(dict(sorted(points.items())), value.label, value.period, value.id)


def _if(cond: Value, yes: Value, no: Value | None, grid: list[float]) -> Value:
    def at(value: Value | None, t: float) -> float | None:
        if value is None:
            return None
        if isinstance(value, Series):
            return value.points.get(t)
        return float(value)  # type: ignore[arg-type]

    if isinstance(cond, list):
        return [_if(c, yes, no, grid) for c in cond]  # type: ignore[misc]
    if not isinstance(cond, Series):
        chosen = yes if cond else no
        return chosen if chosen is not None else math.nan
    out = {}
    for t, c in cond.points.items():
        picked = at(yes, t) if c else at(no, t)
        if picked is not None:
            out[t] = picked
    return Series(out, cond.label, cond.period)


def _series_fn(name: str, value: Value, ctx: Context) -> Value:
    if isinstance(value, list):
        return [_series_fn(name, s, ctx) for s in value]  # type: ignore[misc]
    if not isinstance(value, Series):
        raise ExpressionError(f"{name} takes a time series")
    items = sorted(value.points.items())
    if name == "PERIOD":
        return Series({t: float(value.period) for t, _ in items}, value.label, value.period)
    if name == "FIRST":
        return items[0][1] if items else math.nan
    if name == "LAST":
        return items[-1][1] if items else math.nan
    out: dict[float, float] = {}
    running = 0.0
    for i, (t, v) in enumerate(items):
        if name == "RUNNING_SUM":
            running += v
            out[t] = running
        elif i:
            prev_t, prev_v = items[i - 1]
            out[t] = v - prev_v if name == "DIFF" else (v - prev_v) / (t - prev_t)
    return Series(out, value.label, value.period)


def expression_error(query_id: str, detail: str) -> ServiceError:
    return ServiceError("ValidationException", f"Error in expression '{query_id}': {detail}")
