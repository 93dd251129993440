"""The lexer of DynamoDB expressions: text -> tokens with their positions.

Positions are kept so that a syntax error can quote the offending token and the text
around it, the way AWS does (``Syntax error; token: "=", near: "a = = :v"``).
"""

from __future__ import annotations

from dataclasses import dataclass

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.values import request_invalid

NAME = "name"  # a bare attribute name or a keyword / function name
HASH = "hash"  # #placeholder
COLON = "colon"  # :placeholder
INDEX = "index"  # the digits inside [ ]
OP = "op"  # punctuation and comparators
EOF = "eof"

_TWO_CHAR = ("<=", ">=", "<>")
_ONE_CHAR = "()[],.=<>+-"


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    start: int
    end: int

    @property
    def upper(self) -> str:
        return self.text.upper()


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def tokenize(source: str, label: str) -> list[Token]:
    """Split ``source``; ``label`` names the expression in errors (``UpdateExpression``)."""
    tokens: list[Token] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch in " \t\r\n":
            i += 1
            continue
        start = i
        if ch in "#:":
            i += 1
            while i < n and _is_word(source[i]):
                i += 1
            if i == start + 1:  # a lone # or : is a token the parser will refuse in context
                tokens.append(Token(OP, ch, start, i))
                continue
            tokens.append(Token(HASH if ch == "#" else COLON, source[start:i], start, i))
        elif ch.isdigit():
            while i < n and source[i].isdigit():
                i += 1
            kind = INDEX if tokens and tokens[-1].text == "[" else NAME
            tokens.append(Token(kind, source[start:i], start, i))
        elif _is_word(ch):
            while i < n and _is_word(source[i]):
                i += 1
            tokens.append(Token(NAME, source[start:i], start, i))
        elif source.startswith(_TWO_CHAR, i) and source[i : i + 2] in _TWO_CHAR:
            tokens.append(Token(OP, source[i : i + 2], start, i + 2))
            i += 2
        elif ch in _ONE_CHAR:
            tokens.append(Token(OP, ch, start, i + 1))
            i += 1
        else:  # an unknown character: the parser reports it with its neighbours
            tokens.append(Token(OP, ch, start, i + 1))
            i += 1
    tokens.append(Token(EOF, "<EOF>", n, n))
    return tokens


def syntax_error(label: str, source: str, tokens: list[Token], bad: Token, after: Token | None = None) -> ServiceError:
    """AWS's text: the bad token, and the source from the token before it to the one after."""
    before = None
    for token in tokens:
        if token.end <= bad.start and token.kind != EOF:
            before = token
    start = before.start if before is not None else bad.start
    end = bad.end
    if after is not None and after.kind != EOF:
        end = after.end
    near = source[start:end]
    return request_invalid(f'Invalid {label}: Syntax error; token: "{bad.text}", near: "{near}"')
