"""Java-style ``pattern`` constraints from botocore models, compiled for Python's ``re``.

AWS validates ``pattern`` traits with Java's ``java.util.regex``; botocore ships them verbatim.
About one in thirteen does not compile under Python's ``re`` as written: Unicode properties
(``\\p{L}``, ``\\P{C}``, POSIX ``\\p{Print}``), UTF-16 surrogate pairs written as two ``\\u``
escapes, ``\\z``, ``\\x{...}``, ``\\h``/``\\v`` classes, a ``-`` right after a class escape
inside ``[...]`` (a literal in Java, an error in Python). :class:`JavaPatterns` rewrites those
constructs into their Python equivalents and compiles the result once per pattern. Whatever it
cannot express faithfully (class intersections ``&&``, nested classes, mid-pattern global
flags, Unicode scripts and blocks...) is cached as ``None``: the caller skips that check rather
than guess, and nothing here ever raises.

Unicode general categories are expanded to explicit code point ranges from ``unicodedata``,
computed once per :class:`JavaPatterns` on the first pattern that needs them (~0.2 s).
"""

from __future__ import annotations

import re
import unicodedata
import warnings

__all__ = ["JavaPatterns"]

_MAX_CP = 0x10FFFF

# Java's POSIX character classes are US-ASCII unless UNICODE_CHARACTER_CLASS is set.
_POSIX: dict[str, tuple[tuple[int, int], ...]] = {
    "Lower": ((0x61, 0x7A),),
    "Upper": ((0x41, 0x5A),),
    "ASCII": ((0x00, 0x7F),),
    "Alpha": ((0x41, 0x5A), (0x61, 0x7A)),
    "Digit": ((0x30, 0x39),),
    "Alnum": ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)),
    "Punct": ((0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)),
    "Graph": ((0x21, 0x7E),),
    "Print": ((0x20, 0x7E),),
    "Blank": ((0x09, 0x09), (0x20, 0x20)),
    "Cntrl": ((0x00, 0x1F), (0x7F, 0x7F)),
    "XDigit": ((0x30, 0x39), (0x41, 0x46), (0x61, 0x66)),
    "Space": ((0x09, 0x0D), (0x20, 0x20)),
    "all": ((0x00, _MAX_CP),),
}
_WHITE_SPACE = (
    (0x09, 0x0D), (0x20, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
    (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
)  # fmt: skip
_HORIZONTAL_SPACE = (
    (0x09, 0x09), (0x20, 0x20), (0xA0, 0xA0), (0x1680, 0x1680), (0x180E, 0x180E),
    (0x2000, 0x200A), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
)  # fmt: skip
_VERTICAL_SPACE = ((0x0A, 0x0D), (0x85, 0x85), (0x2028, 0x2029))
# java.lang.Character.isXxx properties, as unions of general categories.
_JAVA_IS = {
    "Letter": ("L",),
    "Digit": ("Nd",),
    "Uppercase": ("Lu",),
    "Lowercase": ("Ll",),
    "Punctuation": ("P",),
    "Control": ("Cc",),
    # Unicode "Alphabetic" is letters, letter numbers and some marks: a superset errs on the
    # side of accepting, which is the safe side for an emulator.
    "Alphabetic": ("L", "Nl", "M"),
}
_GROUPS = {
    "L": ("Lu", "Ll", "Lt", "Lm", "Lo"),
    "M": ("Mn", "Mc", "Me"),
    "N": ("Nd", "Nl", "No"),
    "P": ("Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po"),
    "S": ("Sm", "Sc", "Sk", "So"),
    "Z": ("Zs", "Zl", "Zp"),
    "C": ("Cc", "Cf", "Cs", "Co", "Cn"),
    "LC": ("Lu", "Ll", "Lt"),
}
_SIMPLE_ESCAPES = frozenset("wWdDsSbBAtnrfa")
_UNSUPPORTED_ESCAPES = frozenset("GXcNHV")
_INLINE_FLAGS = frozenset("imsx-")


def _text(ranges: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> str:
    """Character-class body for code point ranges (always ``\\U`` escapes, so always safe)."""
    parts = []
    for lo, hi in ranges:
        parts.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
    return "".join(parts)


def _merge(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            if hi > merged[-1][1]:
                merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _complement(ranges: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    out = []
    nxt = 0
    for lo, hi in ranges:
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = hi + 1
    if nxt <= _MAX_CP:
        out.append((nxt, _MAX_CP))
    return tuple(out)


def _escape_literal(text: str) -> str:
    return "".join(f"\\U{ord(ch):08x}" for ch in text)


class JavaPatterns:
    """Compiles model patterns (Java syntax) to Python regexes; each pattern once.

    ``compile`` returns the compiled regex, or ``None`` for a pattern that cannot be expressed
    in Python (the caller then skips the check). Match with ``fullmatch``: AWS's validators
    match the whole value, as Java's ``String.matches`` does.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, re.Pattern[str] | None] = {}
        self._categories: dict[str, tuple[tuple[int, int], ...]] | None = None

    def compile(self, pattern: str) -> re.Pattern[str] | None:
        try:
            return self._compiled[pattern]
        except KeyError:
            pass
        compiled: re.Pattern[str] | None = None
        try:
            translated = self.translate(pattern)
            if translated is not None:
                with warnings.catch_warnings():
                    # Python warns about '[[', '--', '&&'... that Java reads literally.
                    warnings.simplefilter("ignore")
                    # Java's \w \d \s \b and (?i) are US-ASCII unless the pattern asks
                    # for Unicode classes; Python's are Unicode unless told otherwise.
                    compiled = re.compile(translated, re.ASCII)
        except (re.error, ValueError, IndexError, OverflowError, RecursionError):
            compiled = None
        self._compiled[pattern] = compiled
        return compiled

    def translate(self, src: str) -> str | None:
        """The Python spelling of a Java pattern, or ``None`` if it has no faithful one."""
        out: list[str] = []
        i, n = 0, len(src)
        in_class = False
        class_start = False  # just after '[' or '[^': a ']' here is a literal
        after_class_escape = False  # a '-' right after \w, \p{..}... is literal in Java
        while i < n:
            c = src[i]
            if c == "\\":
                if i + 1 >= n:
                    return None
                d = src[i + 1]
                text, i, is_class = self._escape(src, i, d, in_class)
                if text is None:
                    return None
                out.append(text)
                after_class_escape = in_class and is_class
                class_start = False
                continue
            if in_class:
                if c == "[" or (c == "&" and src.startswith("&&", i)):
                    return None  # Java union / intersection of classes
                if c == "]" and not class_start:
                    in_class = False
                    out.append("]")
                elif c == "-" and after_class_escape:
                    out.append("\\-")
                elif c in "&~|":
                    out.append("\\" + c)
                else:
                    out.append(c)
                class_start = False
                after_class_escape = False
                i += 1
                continue
            if c == "[":
                in_class = True
                class_start = True
                after_class_escape = False
                out.append("[")
                i += 1
                if i < n and src[i] == "^":
                    out.append("^")
                    i += 1
                continue
            if c == "(" and src.startswith("(?", i):
                group = self._group_opening(src, i, at_start=src[:i] in ("", "^"))
                if group is None:
                    return None
                text, i = group
                if text.endswith(")"):
                    out.insert(0, text)  # a global flag group: Python wants it first
                else:
                    out.append(text)
                continue
            out.append(c)
            i += 1
        if in_class:
            return None
        return "".join(out)

    def _group_opening(self, src: str, i: int, *, at_start: bool) -> tuple[str, int] | None:
        rest = src[i + 2 : i + 3]
        if rest == "<" and src[i + 3 : i + 4] not in ("=", "!"):
            return "(?P<", i + 3  # named group
        if rest and rest in "=!:>":
            return src[i : i + 3], i + 3
        if rest == "<":
            return src[i : i + 4], i + 4  # lookbehind
        # Inline flags: (?i) or (?i:...). Python only allows the bare form at the start.
        j = i + 2
        while j < len(src) and src[j] in _INLINE_FLAGS:
            j += 1
        if j >= len(src) or j == i + 2:
            return None
        if src[j] == ":":
            return src[i : j + 1], j + 1
        if src[j] == ")" and at_start and "-" not in src[i:j]:
            return src[i : j + 1], j + 1
        return None

    def _escape(self, src: str, i: int, d: str, in_class: bool) -> tuple[str | None, int, bool]:
        """Translate the escape at ``src[i]``; returns (text, next index, is a class escape)."""
        if d in "pP":
            name, nxt = self._property_name(src, i + 2)
            ranges = self._property(name) if name is not None else None
            if ranges is None:
                return None, nxt, True
            if in_class:
                if d == "P":
                    ranges = _complement(ranges)
                return _text(ranges), nxt, True
            return ("[^" if d == "P" else "[") + _text(ranges) + "]", nxt, True
        if d == "Q":
            end = src.find("\\E", i + 2)
            literal = src[i + 2 : end] if end >= 0 else src[i + 2 :]
            return _escape_literal(literal), (end + 2 if end >= 0 else len(src)), False
        if d == "u":
            return self._unicode_escape(src, i)
        if d == "x":
            if src[i + 2 : i + 3] == "{":
                end = src.find("}", i + 3)
                if end < 0:
                    return None, i + 2, False
                cp = int(src[i + 3 : end], 16)
                return f"\\U{cp:08x}", end + 1, False
            hexdigits = src[i + 2 : i + 4]
            if len(hexdigits) != 2:
                return None, i + 2, False
            return f"\\x{int(hexdigits, 16):02x}", i + 4, False
        if d in "hv":
            ranges = _HORIZONTAL_SPACE if d == "h" else _VERTICAL_SPACE
            return (_text(ranges) if in_class else "[" + _text(ranges) + "]"), i + 2, True
        if d == "z":
            return (None if in_class else "\\Z"), i + 2, False
        if d == "Z":
            return (None if in_class else "(?=\\n?\\Z)"), i + 2, False
        if d == "R":
            text = "(?:\\r\\n|[\\n\\x0b\\x0c\\r\\x85\\u2028\\u2029])"
            return (None if in_class else text), i + 2, False
        if d == "e":
            return "\\x1b", i + 2, False
        if d == "0":
            j = i + 2
            while j < len(src) and j < i + 5 and src[j] in "01234567":
                j += 1
            if j == i + 2:
                return None, j, False
            return f"\\U{int(src[i + 2 : j], 8):08x}", j, False
        if d == "k":
            end = src.find(">", i + 3)
            if src[i + 2 : i + 3] != "<" or end < 0:
                return None, i + 2, False
            return f"(?P={src[i + 3 : end]})", end + 1, False
        if d in _SIMPLE_ESCAPES:
            return "\\" + d, i + 2, d in "wWdDsS"
        if d.isdigit():
            return "\\" + d, i + 2, False
        if d in _UNSUPPORTED_ESCAPES or d.isalpha():
            return None, i + 2, False
        return "\\" + d, i + 2, False  # escaped punctuation: literal in both dialects

    @staticmethod
    def _unicode_escape(src: str, i: int) -> tuple[str | None, int, bool]:
        hexdigits = src[i + 2 : i + 6]
        if len(hexdigits) != 4:
            return None, i + 2, False
        try:
            cp = int(hexdigits, 16)
        except ValueError:
            return None, i + 2, False
        nxt = i + 6
        # Java reads \uD83D\uDE00 as one supplementary code point (a UTF-16 pair).
        if 0xD800 <= cp <= 0xDBFF and src[nxt : nxt + 2] == "\\u":
            try:
                low = int(src[nxt + 2 : nxt + 6], 16)
            except ValueError:
                low = -1
            if 0xDC00 <= low <= 0xDFFF:
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00)
                nxt += 6
        return f"\\U{cp:08x}", nxt, False

    @staticmethod
    def _property_name(src: str, j: int) -> tuple[str | None, int]:
        if src[j : j + 1] == "{":
            end = src.find("}", j + 1)
            if end < 0:
                return None, len(src)
            return src[j + 1 : end], end + 1
        if j < len(src):
            return src[j], j + 1
        return None, j

    def _property(self, name: str) -> tuple[tuple[int, int], ...] | None:
        if name in _POSIX:
            return _POSIX[name]
        for prefix in ("general_category=", "gc=", "Is"):
            if name.startswith(prefix) and len(name) > len(prefix):
                stripped = name[len(prefix) :]
                if prefix == "Is":
                    if stripped in ("Whitespace", "White_Space"):
                        return _WHITE_SPACE
                    if stripped in _JAVA_IS:
                        return self._categories_union(_JAVA_IS[stripped])
                name = stripped
                break
        if name in _GROUPS or (len(name) == 2 and name[0] in _GROUPS):
            return self._categories_union((name,))
        return None

    def _categories_union(self, names: tuple[str, ...]) -> tuple[tuple[int, int], ...] | None:
        table = self._category_table()
        ranges: list[tuple[int, int]] = []
        for name in names:
            for cat in _GROUPS.get(name, (name,)):
                if cat not in table:
                    return None
                ranges.extend(table[cat])
        return _merge(ranges)

    def _category_table(self) -> dict[str, tuple[tuple[int, int], ...]]:
        if self._categories is None:
            category = unicodedata.category
            table: dict[str, list[tuple[int, int]]] = {}
            prev, start = category("\x00"), 0
            for cp in range(1, _MAX_CP + 1):
                cat = category(chr(cp))
                if cat != prev:
                    table.setdefault(prev, []).append((start, cp - 1))
                    prev, start = cat, cp
            table.setdefault(prev, []).append((start, _MAX_CP))
            self._categories = {cat: tuple(ranges) for cat, ranges in table.items()}
        return self._categories
