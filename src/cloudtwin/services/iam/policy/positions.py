"""Where each statement of a policy document sits in its text (SimulatePolicy's positions).

AWS reports a matched statement by the line and column just after its opening ``{``
(``StartPosition``) and just after its closing ``}`` (``EndPosition``), lines and columns
counted from 1.
"""

from __future__ import annotations

Position = tuple[int, int]


def _skip_string(text: str, i: int) -> int:
    """The index just after the string starting at ``text[i] == '"'``."""
    i += 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == '"':
            return i + 1
        i += 1
    return i


def _close(text: str, i: int) -> int:
    """The index of the bracket closing the one at ``i``."""
    depth = 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i = _skip_string(text, i)
            continue
        if c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return i


def _skip_blank(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _statement_value(text: str) -> int | None:
    """The index where the top-level ``Statement`` member's value starts."""
    i = _skip_blank(text, 0)
    if i >= len(text) or text[i] != "{":
        return None
    i += 1
    while i < len(text):
        i = _skip_blank(text, i)
        if i >= len(text) or text[i] != '"':
            return None
        end = _skip_string(text, i)
        key = text[i + 1 : end - 1]
        i = _skip_blank(text, end)
        if i >= len(text) or text[i] != ":":
            return None
        i = _skip_blank(text, i + 1)
        if key == "Statement":
            return i
        if i < len(text) and text[i] in "{[":
            i = _close(text, i) + 1
        elif i < len(text) and text[i] == '"':
            i = _skip_string(text, i)
        else:
            while i < len(text) and text[i] not in ",}":
                i += 1
        i = _skip_blank(text, i)
        if i >= len(text) or text[i] != ",":
            return None
        i += 1
    return None


def statement_spans(text: str) -> list[tuple[Position, Position]]:
    """``(start, end)`` of each statement, in document order ([] if the text is not an
    object with a ``Statement``)."""
    at = _statement_value(text)
    if at is None or at >= len(text):
        return []
    starts: list[int] = []
    if text[at] == "{":
        starts.append(at)
    elif text[at] == "[":
        i, stop = at + 1, _close(text, at)
        while i < stop:
            c = text[i]
            if c == "{":
                starts.append(i)
                i = _close(text, i) + 1
            elif c == '"':
                i = _skip_string(text, i)
            else:
                i += 1
    return [(_position(text, s + 1), _position(text, _close(text, s) + 1)) for s in starts]


def _position(text: str, index: int) -> Position:
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column
