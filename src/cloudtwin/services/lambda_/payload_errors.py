"""What Lambda's JSON reader (Jackson, reading the payload's bytes) says of a payload that
is not JSON, in its words: the problem, then where it is.

    Unrecognized token 'abc': was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')
    Unexpected character ((CTRL-CHAR, code 153)): expected a valid value (JSON String, ...)
    Invalid UTF-8 start byte 0x87

each followed by ``\\n at [Source: REDACTED (...); line: L, column: C]``. Jackson counts
columns in bytes; an unexpected character is placed on itself, the end of a bad token one
past the byte that ended it (which Jackson has read), a bad UTF-8 byte one past itself.
"""

from __future__ import annotations

import json

_VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')"
_SOURCE = "REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled)"
_WHITESPACE = b" \t\r\n"


class _BadUtf8(Exception):
    def __init__(self, message: str, end: int) -> None:
        super().__init__(message)
        self.message = message
        self.end = end


def describe(payload: bytes) -> str:
    """Jackson's message for ``payload``, which ``json.loads`` refused."""
    start = 0
    while start < len(payload) and payload[start] in _WHITESPACE:
        start += 1
    if start >= len(payload):
        return "No content to map due to end-of-input" + _where(payload, start)
    first = payload[start]
    if first in b'{["-0123456789':  # a value starts well and goes wrong later
        return _later(payload)
    if _identifier_start(first):
        try:
            token, end = _token(payload, start)
        except _BadUtf8 as error:
            return error.message + _where(payload, error.end)
        return f"Unrecognized token '{token}': was expecting {_VALUES}" + _where(payload, end)
    return f"Unexpected character ({_char(first)}): expected a valid value {_VALUES}" + _where(payload, start)


def _later(payload: bytes) -> str:
    """A value that starts as JSON: the reader's complaint where Python's reader stopped."""
    text = payload.decode("utf-8", "replace")
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        position = len(text[: error.pos].encode("utf-8", "replace"))
        if position >= len(payload):
            return "Unexpected end-of-input" + _where(payload, position)
        byte = payload[position]
        if error.msg.startswith("Expecting property name"):
            return (f"Unexpected character ({_char(byte)}): was expecting double-quote to start field name"
                    + _where(payload, position))  # fmt: skip
        if error.msg.startswith("Expecting value") and _identifier_start(byte):
            try:
                token, end = _token(payload, position)
            except _BadUtf8 as bad:
                return bad.message + _where(payload, bad.end)
            return f"Unrecognized token '{token}': was expecting {_VALUES}" + _where(payload, end)
        return f"Unexpected character ({_char(byte)}): expected a valid value {_VALUES}" + _where(payload, position)
    return f"Unexpected character ({_char(payload[0])})" + _where(payload, 0)


def _identifier_start(byte: int) -> bool:
    return chr(byte).isalpha() or byte in b"_$"


def _token(payload: bytes, start: int) -> tuple[str, int]:
    """The token Jackson quotes (characters of an identifier, UTF-8 decoded as it reads),
    and the offset where its location points (one past the byte that ended it)."""
    chars: list[str] = [chr(payload[start])]  # the first byte, as Jackson took it
    i = start + 1
    while i < len(payload) and len(chars) < 256:
        char, i = _decode(payload, i)
        if not (char.isalnum() or char in "_$"):
            return "".join(chars), i
        chars.append(char)
    return "".join(chars), i


def _decode(payload: bytes, i: int) -> tuple[str, int]:
    byte = payload[i]
    i += 1
    if byte < 0x80:
        return chr(byte), i
    if byte & 0xE0 == 0xC0:
        needed, value = 1, byte & 0x1F
    elif byte & 0xF0 == 0xE0:
        needed, value = 2, byte & 0x0F
    elif byte & 0xF8 == 0xF0:
        needed, value = 3, byte & 0x07
    else:
        raise _BadUtf8(f"Invalid UTF-8 start byte 0x{byte:02x}", i)
    for _ in range(needed):
        if i >= len(payload):
            raise _BadUtf8("Unexpected end-of-input in character escape sequence", i)
        nxt = payload[i]
        i += 1
        if nxt & 0xC0 != 0x80:
            raise _BadUtf8(f"Invalid UTF-8 middle byte 0x{nxt:02x}", i)
        value = (value << 6) | (nxt & 0x3F)
    return chr(value), i


def _char(byte: int) -> str:
    """Jackson's description of a character it did not expect."""
    char = chr(byte)
    if byte < 0x20 or 0x7F <= byte <= 0x9F:
        return f"(CTRL-CHAR, code {byte})"
    return f"'{char}' (code {byte})"


def _where(payload: bytes, offset: int) -> str:
    """``line`` and ``column`` (1-based, in bytes) of ``offset``."""
    line = payload.count(b"\n", 0, offset) + 1
    column = offset - (payload.rfind(b"\n", 0, offset) + 1) + 1
    return f"\n at [Source: {_SOURCE}; line: {line}, column: {column}]"
