"""Valid values for model shapes, built from the model alone.

Every generation strategy starts from a *valid* input and changes one thing (a length at a
bound, one enum value, one optional member, one broken constraint), so the base value of each
shape must satisfy its ``min``/``max``/``pattern``/``enum`` constraints. This module builds
those values deterministically and caches them per shape on a :class:`ValueFactory`, so a
run never walks a shape twice.

Patterns in the models are Java regular expressions; :func:`compile_pattern` translates the
common Java-only classes (``\\p{Alnum}``...) and gives up (returns None) on what Python's
``re`` cannot read, in which case the pattern is treated as unknown, never guessed.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Iterator

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import Shape

#: Lengths past this are not generated (a 2 GiB string proves nothing a 300 KiB one doesn't).
MAX_GENERATED_LENGTH = 300_000
#: Collections past this size are not generated at their maximum.
MAX_GENERATED_ITEMS = 1_000

_JAVA_CLASSES = {
    "Alnum": "A-Za-z0-9",
    "Alpha": "A-Za-z",
    "IsAlphabetic": "A-Za-z",
    "Digit": "0-9",
    "Upper": "A-Z",
    "Lower": "a-z",
    "Punct": r"!-/:-@\[-`{-~",
    "XDigit": "0-9A-Fa-f",
    "Space": r" \t\n\x0b\f\r",
    "ASCII": r"\x00-\x7f",
    "Print": r"\x20-\x7e",
    "Graph": r"\x21-\x7e",
}
_JAVA_CLASS = re.compile(r"\\p\{(\w+)\}")
#: Unicode general categories (``\p{L}``, ``\p{Lu}``, ``\p{N}``...), read off ``unicodedata``.
_CATEGORY = re.compile(r"(?:Is)?([LMNPSZC][a-z]?)")


@functools.cache
def _category_class(prefix: str) -> str | None:
    """The character-class text of the Basic Multilingual Plane's code points whose general
    category starts with ``prefix``; None when there are none (not a category)."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x10000):
        if 0xD800 <= cp <= 0xDFFF or not unicodedata.category(chr(cp)).startswith(prefix):
            continue
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1] = (ranges[-1][0], cp)
        else:
            ranges.append((cp, cp))
    if not ranges:
        return None
    return "".join(f"\\u{lo:04x}" if lo == hi else f"\\u{lo:04x}-\\u{hi:04x}" for lo, hi in ranges)


def _translate(pattern: str) -> str | None:
    """Java-only syntax rewritten for Python's ``re``; None when a class is unknown."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            m = _JAVA_CLASS.match(pattern, i)
            if m:
                body = _JAVA_CLASSES.get(m.group(1))
                category = _CATEGORY.fullmatch(m.group(1))
                if body is None and category:
                    body = _category_class(category.group(1))
                if body is None:
                    return None
                out.append(body if in_class else f"[{body}]")
                i = m.end()
                continue
            if pattern[i + 1] in "PQEGZz":
                if pattern[i + 1] in "Zz":
                    out.append(r"\Z")
                    i += 2
                    continue
                return None
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class:
            in_class = False
        elif ch == "[" and in_class:
            out.append("\\[")  # Java nests classes; treat a nested '[' as a literal
            i += 1
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def compile_pattern(pattern: str | None) -> re.Pattern[str] | None:
    """The model's Java pattern as a Python regex, or None when Python cannot read it (the
    pattern is then unknown: neither generated against nor judged)."""
    if not pattern:
        return None
    text = _translate(pattern)
    if text is None:
        return None
    try:
        # Java's \w \d \s are US-ASCII unless a pattern asks for Unicode classes
        return re.compile(text, re.DOTALL | re.ASCII)
    except (re.error, OverflowError, RecursionError):
        return None


def matches(regex: re.Pattern[str] | None, value: str) -> bool:
    """Whether ``value`` satisfies the pattern. AWS's validators match the whole value
    (Java's ``matches``)."""
    return regex is None or regex.fullmatch(value) is not None


@contextmanager
def reproducible_hypothesis() -> Iterator[None]:
    """Hypothesis mixes literals of the *loaded local modules* into what it draws, so one
    seed drew differently under the CLI and under pytest (other modules loaded). The
    baseline needs draws that depend on the seed alone: that pool is emptied (and its cache
    cleared) while we draw. Hypothesis is pinned in constraints.txt; should this internal
    move, draws stay valid, only less reproducible across processes."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    constants = getattr(providers, "Constants", None)
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    if original is None or constants is None or cache is None:  # pragma: no cover
        yield
        return
    empty = constants()
    providers._get_local_constants = lambda: empty
    cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def _shortest_by_parse(regex: re.Pattern[str]) -> str | None:
    """A short string the regex accepts, read off its parse tree (first branch, minimum
    repeats, the first alphanumeric character of each class); None when unsure."""
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser as parser  # type: ignore[attr-defined]

        tree = parser.parse(regex.pattern, regex.flags)
    except Exception:
        return None

    def pick_in(items: list[tuple[Any, Any]]) -> str | None:
        negate = any(op is c.NEGATE for op, _ in items)
        allowed: list[str] = []
        for op, av in items:
            if op is c.LITERAL:
                allowed.append(chr(av))
            elif op is c.RANGE:
                lo, hi = av
                for probe in "a0A":
                    if lo <= ord(probe) <= hi:
                        allowed.append(probe)
                allowed.append(chr(lo))
            elif op is c.CATEGORY:
                allowed.append({c.CATEGORY_DIGIT: "0", c.CATEGORY_WORD: "a", c.CATEGORY_SPACE: " ",
                                c.CATEGORY_NOT_DIGIT: "a", c.CATEGORY_NOT_WORD: "-",
                                c.CATEGORY_NOT_SPACE: "a"}.get(av, "a"))
        if negate:
            for probe in "a0A-_":
                if probe not in allowed:
                    return probe
            return None
        preferred = [ch for ch in allowed if ch.isalnum()]
        return (preferred or allowed or [None])[0]

    def build(seq: Any) -> str | None:
        out = []
        for op, av in seq:
            if op is c.LITERAL:
                out.append(chr(av))
            elif op is c.NOT_LITERAL:
                out.append("a" if chr(av) != "a" else "b")
            elif op is c.ANY:
                out.append("a")
            elif op is c.IN:
                ch = pick_in(av)
                if ch is None:
                    return None
                out.append(ch)
            elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
                lo, _hi, sub = av
                part = build(sub)
                if part is None:
                    return None
                out.append(part * lo)
            elif op is c.SUBPATTERN:
                part = build(av[-1])
                if part is None:
                    return None
                out.append(part)
            elif op is c.BRANCH:
                part = build(av[1][0])
                if part is None:
                    return None
                out.append(part)
            elif op is c.AT or op in (c.ASSERT, c.ASSERT_NOT):
                continue
            else:
                return None
        return "".join(out)

    found = build(tree)
    if not found:
        return None
    return found


def _stretch(regex: re.Pattern[str], seed: str, length: int) -> str | None:
    """``seed`` (a match) grown or cut to ``length`` characters, if some simple way of doing
    so still matches: repeat its last, first or any character; keep a prefix or suffix."""
    if length <= 0:
        return "" if regex.fullmatch("") else None
    if len(seed) >= length:
        candidates = [seed[:length], seed[-length:]]
    else:
        pad = length - len(seed)
        candidates = [seed + seed[-1] * pad, seed[0] * pad + seed]
        candidates += [seed[:i] + seed[i] * pad + seed[i:] for i in range(len(seed))]
    for candidate in candidates:
        if regex.fullmatch(candidate):
            return candidate
    return None


_FILLERS = ("a", "A", "0", "1", "x", "-", "/", " ")


class ValueFactory:
    """Deterministic valid values per shape, cached on the factory (one per run).

    ``hints`` maps a member name to a value used instead of a generated one (resource
    identifiers from the set-up, well-formed ARNs); ``depth_limit`` stops recursive shapes.
    """

    def __init__(self, depth_limit: int = 6) -> None:
        self.depth_limit = depth_limit
        # keyed by content, not by object identity: shapes of a dropped model must not
        # answer for a new one that happens to reuse their id()
        self._patterns: dict[str, re.Pattern[str] | None] = {}
        self._strings: dict[tuple[str, int], str | None] = {}
        self._shortest: dict[str, str | None] = {}

    # ----------------------------------------------------------------- constraints

    def pattern(self, shape: Shape) -> re.Pattern[str] | None:
        text = shape.metadata.get("pattern")
        if not text:
            return None
        if text not in self._patterns:
            self._patterns[text] = compile_pattern(text)
        return self._patterns[text]

    def pattern_known(self, shape: Shape) -> bool:
        """True when the shape has no pattern or one Python can check."""
        return "pattern" not in shape.metadata or self.pattern(shape) is not None

    @staticmethod
    def length_bounds(shape: Shape) -> tuple[int, int | None]:
        meta = shape.metadata
        lo = int(meta.get("min", 0) or 0)
        hi = meta.get("max")
        return max(lo, 0), (int(hi) if hi is not None else None)

    # ----------------------------------------------------------------- values

    def string_of_length(self, shape: Shape, length: int) -> str | None:
        """A string of exactly ``length`` characters satisfying the shape's pattern, or None
        when none could be found (or the length is past :data:`MAX_GENERATED_LENGTH`)."""
        if length < 0 or length > MAX_GENERATED_LENGTH:
            return None
        key = (shape.metadata.get("pattern", ""), length)
        if key in self._strings:
            return self._strings[key]
        regex = self.pattern(shape)
        found: str | None = None
        for filler in _FILLERS:
            candidate = filler * length
            if matches(regex, candidate):
                found = candidate
                break
        if found is None and regex is not None:
            seed = self._shortest_match(shape)
            if seed is not None:
                found = _stretch(regex, seed, length)
        self._strings[key] = found
        return found

    def _shortest_match(self, shape: Shape) -> str | None:
        """The simplest string the pattern accepts (hypothesis ``find`` searches and shrinks,
        deterministically), cached per pattern text."""
        text = shape.metadata.get("pattern", "")
        if text in self._shortest:
            return self._shortest[text]
        regex = self.pattern(shape)
        assert regex is not None
        found = _shortest_by_parse(regex)
        if found is not None and regex.fullmatch(found):
            self._shortest[text] = found
            return found
        found = None
        try:
            from hypothesis import HealthCheck, Phase, find, settings
            from hypothesis import strategies as st

            with reproducible_hypothesis():
                found = find(
                    st.from_regex(regex, fullmatch=True),
                    lambda s: bool(s),
                    settings=settings(database=None, derandomize=True, max_examples=60,
                                      phases=[Phase.generate, Phase.shrink],
                                      suppress_health_check=list(HealthCheck)),
                )
        except Exception:  # no match found, or a pattern hypothesis cannot generate from
            found = None
        self._shortest[text] = found
        return found

    def valid_string(self, shape: Shape) -> str | None:
        enum = shape.metadata.get("enum")
        if enum:
            return enum[0]
        lo, hi = self.length_bounds(shape)
        preferred = max(lo, min(8, hi if hi is not None else 8))
        for length in (preferred, lo, hi if hi is not None else lo + 1):
            value = self.string_of_length(shape, length)
            if value is not None:
                return value
        return None

    @staticmethod
    def valid_number(shape: Shape) -> int | float:
        meta = shape.metadata
        lo, hi = meta.get("min"), meta.get("max")
        value: float = 1
        if lo is not None and value < lo:
            value = lo
        if hi is not None and value > hi:
            value = hi
        if shape.type_name in ("integer", "long"):
            return int(value)
        return float(value)

    def valid(self, shape: Shape, depth: int = 0, *, all_members: bool = False) -> Any:
        """A valid value of ``shape``: structures get their required members (all members
        with ``all_members``), collections ``min`` items (at least one when all members are
        wanted), scalars the simplest value meeting their constraints. None when no valid
        value can be built (an unreadable pattern with a minimum length...)."""
        kind = shape.type_name
        if kind == "structure":
            if depth > self.depth_limit:
                return None
            out: dict[str, Any] = {}
            members = shape.members
            names = list(members) if all_members else list(shape.required_members)
            if shape.metadata.get("union"):
                names = names[:1] or list(members)[:1]
            for name in names:
                member = members[name]
                if member.serialization.get("eventpayload") or member.type_name == "structure" and member.metadata.get("eventstream"):
                    continue
                value = self.valid(member, depth + 1, all_members=all_members and depth < 2)
                if value is None:
                    if name in shape.required_members:
                        return None
                    continue
                out[name] = value
            return out
        if kind == "list":
            lo, hi = self.length_bounds(shape)
            count = max(lo, 1 if all_members else 0)
            if hi is not None:
                count = min(count, hi)
            if count == 0:
                return []
            item = self.valid(shape.member, depth + 1, all_members=False)
            if item is None:
                return None
            return [item] * min(count, MAX_GENERATED_ITEMS) if count <= MAX_GENERATED_ITEMS else None
        if kind == "map":
            lo, hi = self.length_bounds(shape)
            count = max(lo, 1 if all_members else 0)
            if count == 0:
                return {}
            out = {}
            for i in range(count):
                key = self.key_value(shape.key, i)
                value = self.valid(shape.value, depth + 1)
                if key is None or value is None:
                    return None
                out[key] = value
            return out
        if kind == "string":
            return self.valid_string(shape)
        if kind in ("integer", "long", "float", "double"):
            return self.valid_number(shape)
        if kind == "boolean":
            return True
        if kind == "timestamp":
            return datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
        if kind == "blob":
            lo, hi = self.length_bounds(shape)
            size = max(lo, min(4, hi if hi is not None else 4))
            return b"x" * size
        if kind == "document":
            return {"k": "v"}
        return None

    def key_value(self, shape: Shape, index: int) -> str | None:
        """The ``index``-th distinct valid map key."""
        enum = shape.metadata.get("enum")
        if enum:
            return enum[index] if index < len(enum) else None
        base = self.valid_string(shape)
        if base is None:
            return None
        if index == 0:
            return base
        candidate = f"{base}{index}"
        lo, hi = self.length_bounds(shape)
        if hi is not None and len(candidate) > hi:
            candidate = candidate[-hi:]
        return candidate if matches(self.pattern(shape), candidate) and len(candidate) >= lo else None
