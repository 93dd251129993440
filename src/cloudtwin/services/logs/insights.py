"""A Logs Insights subset: ``fields``, ``filter``, ``stats ... by``, ``sort``, ``limit``,
``parse`` with a glob, over ``@timestamp``, ``@message``, ``@logStream``, ``@log`` and the
fields of JSON messages.

    fields @timestamp, @message | filter @message like /ERROR/ | sort @timestamp desc | limit 20
    stats count(*) as n by level | sort n desc
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable


class QueryError(ValueError):
    pass


@dataclass
class Query:
    fields: list[str] = field(default_factory=list)
    filters: list[Callable[[dict], bool]] = field(default_factory=list)
    stats: list[tuple[str, str, str]] | None = None  # (function, argument, alias)
    by: list[str] = field(default_factory=list)
    sort: tuple[str, bool] | None = None  # (field, descending)
    limit: int | None = None
    parses: list[tuple[str, re.Pattern, list[str]]] = field(default_factory=list)


def _split_commands(text: str) -> list[str]:
    parts, depth, current, quote = [], 0, "", None
    for char in text:
        if quote:
            current += char
            if char == quote:
                quote = None
            continue
        if char in "\"'/" and (char != "/" or current.rstrip().endswith(("like", "=~"))):
            quote = char
        if char == "|" and depth == 0:
            parts.append(current.strip())
            current = ""
            continue
        depth += char == "("
        depth -= char == ")"
        current += char
    parts.append(current.strip())
    return [p for p in parts if p]


_COMPARE = re.compile(
    r"(?P<field>[@\w.]+)\s*(?P<op>like|not like|=~|!=|=|<=|>=|<|>|in)\s*(?P<value>/(?:[^/\\]|\\.)*/|\"[^\"]*\"|'[^']*'|\[[^\]]*\]|-?[\d.]+)",
    re.IGNORECASE,
)


def _literal(value: str) -> Any:
    if value[:1] in "\"'":
        return value[1:-1]
    if value.startswith("["):
        return [_literal(v.strip()) for v in value[1:-1].split(",") if v.strip()]
    return float(value)


def _condition(text: str) -> Callable[[dict], bool]:
    ors = re.split(r"\s+or\s+", text, flags=re.IGNORECASE)
    if len(ors) > 1:
        parts = [_condition(p) for p in ors]
        return lambda row: any(p(row) for p in parts)
    ands = re.split(r"\s+and\s+", text, flags=re.IGNORECASE)
    if len(ands) > 1:
        parts = [_condition(p) for p in ands]
        return lambda row: all(p(row) for p in parts)
    text = text.strip()
    negate = text.lower().startswith("not ")
    if negate:
        inner = _condition(text[4:])
        return lambda row: not inner(row)
    match = _COMPARE.fullmatch(text)
    if match is None:
        raise QueryError(f"unexpected symbol found {text.split()[0] if text.split() else text} at line 1")
    name, op, raw = match["field"], match["op"].lower(), match["value"]
    if raw.startswith("/"):
        regex = re.compile(raw[1:-1])
        if op in ("like", "=~"):
            return lambda row: regex.search(str(row.get(name, ""))) is not None
        if op == "not like":
            return lambda row: regex.search(str(row.get(name, ""))) is None
        raise QueryError("a regular expression needs like or =~")
    value = _literal(raw)
    if op == "like":
        return lambda row: str(value) in str(row.get(name, ""))
    if op == "not like":
        return lambda row: str(value) not in str(row.get(name, ""))
    if op == "in":
        return lambda row: row.get(name) in value

    def compare(row: dict) -> bool:
        actual = row.get(name)
        if actual is None:
            return False
        if isinstance(value, float):
            try:
                actual = float(actual)
            except (TypeError, ValueError):
                return False
        return {"=": actual == value, "!=": actual != value, "<": actual < value,
                "<=": actual <= value, ">": actual > value, ">=": actual >= value}[op]  # fmt: skip

    return compare


def parse(text: str) -> Query:
    query = Query()
    for command in _split_commands(text):
        word, _, rest = command.partition(" ")
        word = word.lower()
        rest = rest.strip()
        if word in ("fields", "display"):
            query.fields += [f.strip() for f in rest.split(",") if f.strip()]
        elif word == "filter":
            query.filters.append(_condition(rest))
        elif word == "stats":
            split = re.search(r"\s+by\s+", rest, re.IGNORECASE)
            body, by = (rest[: split.start()], rest[split.end() :]) if split else (rest, "")
            stats = []
            for part in re.split(r",(?![^(]*\))", body):
                match = re.fullmatch(r"\s*(\w+)\(([^)]*)\)(?:\s+as\s+(\w+))?\s*", part, re.IGNORECASE)
                if match is None:
                    raise QueryError(f"unexpected symbol found {part.strip()} at line 1")
                fn, arg, alias = match[1].lower(), match[2].strip(), match[3]
                if fn not in ("count", "sum", "avg", "min", "max", "count_distinct"):
                    raise QueryError(f"unknown function {fn}")
                stats.append((fn, arg, alias or f"{match[1]}({match[2]})"))
            query.stats = stats
            query.by = [b.strip() for b in by.split(",") if b.strip()] if by else []
        elif word == "sort":
            parts = rest.split()
            if not parts:
                raise QueryError("sort needs a field")
            query.sort = (parts[0], len(parts) > 1 and parts[1].lower() == "desc")
        elif word == "limit":
            if not rest.isdigit():
                raise QueryError("limit needs a number")
            query.limit = int(rest)
        elif word == "parse":
            match = re.fullmatch(r"([@\w.]+)\s+(\"[^\"]*\"|'[^']*')\s+as\s+(.+)", rest)
            if match is None:
                raise QueryError("unexpected symbol found in parse at line 1")
            glob = match[2][1:-1]
            names = [n.strip() for n in match[3].split(",")]
            source = "".join("(.*?)" if c == "*" else re.escape(c) for c in glob)
            if source.endswith("(.*?)"):  # a trailing * takes the rest
                source = source[: -len("(.*?)")] + "(.*)"
            regex = re.compile(source)
            query.parses.append((match[1], regex, names))
        else:
            raise QueryError(f"unexpected symbol found {word} at line 1")
    return query


def _rows(store: Any, groups: list[str], start_ms: int, end_ms: int):
    for group in groups:
        for stream in store.group_streams(group):
            for ts, _, message, ingested in store.stream_events(group, stream):
                if start_ms <= ts <= end_ms:
                    row: dict[str, Any] = {
                        "@timestamp": ts, "@message": message, "@logStream": stream,
                        "@log": f"{store.account_id}:{group}", "@ingestionTime": ingested,
                    }  # fmt: skip
                    if message.lstrip().startswith("{"):
                        try:
                            _flatten(json.loads(message), "", row)
                        except ValueError:
                            pass
                    yield row


def _flatten(value: Any, prefix: str, out: dict) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}{key}.", out)
    elif prefix:
        out[prefix[:-1]] = value


def _show(value: Any, name: str) -> str:
    if name in ("@timestamp", "@ingestionTime") and isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(value / 1000, timezone.utc)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value)


def run(query: Query, store: Any, groups: list[str], start_ms: int, end_ms: int, limit: int | None):
    """``(results in GetQueryResults' shape, records scanned)``."""
    scanned = 0
    rows = []
    for row in _rows(store, groups, start_ms, end_ms):
        scanned += 1
        for source, regex, names in query.parses:
            match = regex.search(str(row.get(source, "")))
            if match:
                row.update(zip(names, match.groups()))
        if all(f(row) for f in query.filters):
            rows.append(row)
    if query.stats is not None:
        buckets: dict[tuple, list[dict]] = {}
        for row in rows:
            buckets.setdefault(tuple(row.get(b) for b in query.by), []).append(row)
        out_rows = []
        for key, members in buckets.items():
            result = dict(zip(query.by, key))
            for fn, arg, alias in query.stats:
                values = [m.get(arg) for m in members if arg not in ("", "*") and m.get(arg) is not None]
                numbers = [float(v) for v in values if _is_number(v)]
                if fn == "count":
                    result[alias] = len(members) if arg in ("", "*") else len(values)
                elif fn == "count_distinct":
                    result[alias] = len({json.dumps(v) for v in values})
                elif numbers:
                    result[alias] = {"sum": sum(numbers), "avg": sum(numbers) / len(numbers),
                                     "min": min(numbers), "max": max(numbers)}[fn]  # fmt: skip
            out_rows.append(result)
        rows = out_rows
        names = query.by + [alias for _, _, alias in query.stats]
    else:
        names = query.fields or ["@timestamp", "@message"]
    if query.sort is not None:
        key, descending = query.sort
        rows.sort(key=lambda r: (r.get(key) is None, r.get(key) if not isinstance(r.get(key), str) else r.get(key)), reverse=descending)
    elif query.stats is None:
        rows.sort(key=lambda r: r["@timestamp"], reverse=True)
    cap = query.limit or limit or 1000
    rows = rows[:cap]
    results = []
    for row in rows:
        cells = [{"field": n, "value": _show(row[n], n)} for n in names if n in row]
        if query.stats is None and "@ptr" not in names:
            cells.append({"field": "@ptr", "value": f"{row['@logStream']}/{row['@timestamp']}"})
        results.append(cells)
    return results, scanned


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return not isinstance(value, bool)
