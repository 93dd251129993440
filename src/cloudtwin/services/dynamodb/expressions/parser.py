"""A recursive-descent parser for DynamoDB's expression language.

Grammar (keywords and function names are case-insensitive)::

    condition  := disjunct (OR disjunct)*
    disjunct   := conjunct (AND conjunct)*
    conjunct   := NOT conjunct | '(' condition ')' | function | comparison
    comparison := operand ( comparator operand
                          | BETWEEN operand AND operand
                          | IN '(' operand (',' operand)* ')' )
    function   := name '(' operand (',' operand)* ')'
    operand    := path | :value | size '(' path ')'
    path       := (name | #name) ('.' (name | #name) | '[' digits ']')*

    update     := section+
    section    := SET set (',' set)* | REMOVE path (',' path)*
                | ADD path :value (',' ...)* | DELETE path :value (',' ...)*
    set        := path '=' setvalue
    setvalue   := term (('+' | '-') term)?
    term       := path | :value | if_not_exists '(' path ',' setvalue ')'
                | list_append '(' setvalue ',' setvalue ')'

    projection := path (',' path)*

Placeholders are replaced while parsing and recorded in ``used_names``/``used_values`` so
the caller can report unused ones, as AWS does, once all of a request's expressions are
parsed.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.expressions import ast
from cloudtwin.services.dynamodb.expressions.reserved import RESERVED_WORDS
from cloudtwin.services.dynamodb.expressions.tokens import (
    COLON,
    EOF,
    HASH,
    INDEX,
    NAME,
    OP,
    Token,
    syntax_error,
    tokenize,
)
from cloudtwin.services.dynamodb.values import ENVELOPE, clean_value, request_invalid

COMPARATORS = frozenset(("=", "<>", "<", "<=", ">", ">="))
CONDITION_FUNCTIONS = frozenset(
    ("attribute_exists", "attribute_not_exists", "attribute_type", "begins_with", "contains")
)
FUNCTION_ARITY = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
    "size": 1,
    "if_not_exists": 2,
    "list_append": 2,
}
_SECTIONS = ("SET", "REMOVE", "ADD", "DELETE")
MAX_DEPTH = 32


class Placeholders:
    """The request's ExpressionAttributeNames/Values and which of them were used."""

    __slots__ = ("names", "values", "used_names", "used_values", "_clean")

    def __init__(self, names: dict[str, str] | None, values: dict[str, Any] | None) -> None:
        self.names = names or {}
        self.values = values or {}
        for kind, keys, mark in (("Names", self.names, "#"), ("Values", self.values, ":")):
            for key in keys:
                if len(key) < 2 or key[0] != mark or not all(c.isalnum() or c == "_" for c in key[1:]):
                    raise request_invalid(
                        f'ExpressionAttribute{kind} contains invalid key: Syntax error; key: "{key}"'
                    )
        self.used_names: set[str] = set()
        self.used_values: set[str] = set()
        self._clean: dict[str, dict[str, Any]] = {}

    def name(self, token: str, label: str) -> str:
        try:
            real = self.names[token]
        except KeyError:
            raise request_invalid(
                f"Invalid {label}: An expression attribute name used in the document path is "
                f"not defined; attribute name: {token}",
            ) from None
        self.used_names.add(token)
        return real

    def value(self, token: str, label: str) -> dict[str, Any]:
        cached = self._clean.get(token)
        if cached is not None:
            self.used_values.add(token)
            return cached
        try:
            raw = self.values[token]
        except KeyError:
            raise request_invalid(
                f"Invalid {label}: An expression attribute value used in expression is not "
                f"defined; attribute value: {token}",
            ) from None
        self.used_values.add(token)
        try:
            cleaned = clean_value(raw)
        except ServiceError as error:
            inner = error.message.removeprefix(ENVELOPE)
            raise request_invalid(
                f"ExpressionAttributeValues contains invalid value: {inner} for key {token}"
            ) from None
        self._clean[token] = cleaned
        return cleaned

    def check_unused(self) -> None:
        """AWS refuses names or values an expression never used."""
        unused = [k for k in self.names if k not in self.used_names]
        if unused:
            raise request_invalid(
                "Value provided in ExpressionAttributeNames unused in expressions: keys: {"
                + ", ".join(unused)
                + "}",
            )
        unused = [k for k in self.values if k not in self.used_values]
        if unused:
            raise request_invalid(
                "Value provided in ExpressionAttributeValues unused in expressions: keys: {"
                + ", ".join(unused)
                + "}",
            )


class Parser:
    def __init__(self, source: str, label: str, placeholders: Placeholders) -> None:
        self.source = source
        self.label = label
        self.ph = placeholders
        if not source.strip():
            raise request_invalid(f"Invalid {label}: The expression can not be empty;")
        self.tokens = tokenize(source, label)
        self.pos = 0
        self.depth = 0

    # -- token helpers ---------------------------------------------------------------------

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != EOF:
            self.pos += 1
        return token

    def error(self, token: Token | None = None) -> ServiceError:
        token = token or self.tok
        index = self.tokens.index(token) if token in self.tokens else self.pos
        after = self.tokens[index + 1] if index + 1 < len(self.tokens) else None
        return syntax_error(self.label, self.source, self.tokens, token, after)

    def expect(self, text: str) -> Token:
        if self.tok.text != text or self.tok.kind != OP:
            raise self.error()
        return self.advance()

    def is_keyword(self, word: str) -> bool:
        return self.tok.kind == NAME and self.tok.upper == word

    def at_end(self) -> None:
        if self.tok.kind != EOF:
            raise self.error()

    def semantic(self, message: str) -> ServiceError:
        return request_invalid(f"Invalid {self.label}: {message}")

    # -- paths and operands ----------------------------------------------------------------

    def path(self) -> ast.Path:
        elements: list[str | int] = [self.path_name()]
        while True:
            if self.tok.kind == OP and self.tok.text == ".":
                self.advance()
                elements.append(self.path_name())
            elif self.tok.kind == OP and self.tok.text == "[":
                self.advance()
                if self.tok.kind != INDEX:
                    raise self.error()
                elements.append(int(self.advance().text))
                self.expect("]")
            else:
                break
        if len(elements) > MAX_DEPTH:
            raise self.semantic(
                f"The document path has too many nesting levels; nesting levels: {len(elements)}"
            )
        return ast.Path(tuple(elements))

    def path_name(self) -> str:
        token = self.tok
        if token.kind == HASH:
            self.advance()
            return self.ph.name(token.text, self.label)
        if token.kind == NAME and not token.text[0].isdigit():
            if token.upper in RESERVED_WORDS:
                raise self.semantic(
                    f"Attribute name is a reserved keyword; reserved keyword: {token.text}"
                )
            self.advance()
            return token.text
        raise self.error()

    def operand(self) -> ast.Operand:
        token = self.tok
        if token.kind == COLON:
            self.advance()
            return ast.Value(self.ph.value(token.text, self.label))
        if token.kind == NAME and self._next_is("("):
            name = token.text
            if name != "size":
                if name in FUNCTION_ARITY:
                    raise self.semantic(
                        f"The function is not allowed to be used this way in an expression; function: {name}"
                    )
                raise self.semantic(f"Invalid function name; function: {name}")
            self.advance()
            self.expect("(")
            inner = self.path_argument(name)
            self.expect(")")
            return ast.Size(inner)
        return self.path()

    def path_argument(self, function: str) -> ast.Path:
        if self.tok.kind == COLON:
            raise self.semantic(
                f"Operator or function requires a document path; operator or function: {function}"
            )
        return self.path()

    def _next_is(self, text: str) -> bool:
        nxt = self.tokens[self.pos + 1]
        return nxt.kind == OP and nxt.text == text

    # -- conditions ------------------------------------------------------------------------

    def condition(self) -> ast.Condition:
        self.depth += 1
        if self.depth > 100:
            raise self.semantic("The expression has too many nesting levels")
        left = self.disjunct()
        while self.is_keyword("OR"):
            self.advance()
            left = ast.Or(left, self.disjunct())
        self.depth -= 1
        return left

    def disjunct(self) -> ast.Condition:
        left = self.conjunct()
        while self.is_keyword("AND"):
            self.advance()
            left = ast.And(left, self.conjunct())
        return left

    def conjunct(self) -> ast.Condition:
        token = self.tok
        if self.is_keyword("NOT"):
            self.advance()
            return ast.Not(self.conjunct())
        if token.kind == OP and token.text == "(":
            self.advance()
            inner = self.condition()
            self.expect(")")
            return inner
        if token.kind == NAME and self._next_is("(") and token.text in CONDITION_FUNCTIONS:
            return self.function()
        if token.kind == NAME and self._next_is("(") and token.text not in FUNCTION_ARITY:
            raise self.semantic(f"Invalid function name; function: {token.text}")
        return self.comparison()

    def function(self) -> ast.Function:
        name = self.advance().text
        self.expect("(")
        args: list[ast.Operand] = [self.path_argument(name)]
        while self.tok.kind == OP and self.tok.text == ",":
            self.advance()
            args.append(self.operand())
        self.expect(")")
        if len(args) != FUNCTION_ARITY[name]:
            raise self.semantic(
                f"Incorrect number of operands for operator or function; operator or function: {name}, number of operands: {len(args)}"
            )
        if name == "attribute_type":
            type_arg = args[1]
            valid = "{B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
            if not isinstance(type_arg, ast.Value) or "S" not in type_arg.value:
                raise self.semantic(
                    "Incorrect operand type for operator or function; operator or function: attribute_type, operand type: "
                    + (next(iter(type_arg.value)) if isinstance(type_arg, ast.Value) else "PATH")
                )
            if type_arg.value["S"] not in ("S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"):
                raise self.semantic(
                    f"Invalid attribute type name found; type: {type_arg.value['S']}, valid types: {valid}"
                )
        if name == "begins_with":
            for arg in args:
                if isinstance(arg, ast.Value) and next(iter(arg.value)) not in ("S", "B"):
                    raise self.semantic(
                        f"Incorrect operand type for operator or function; operator or function: begins_with, operand type: {next(iter(arg.value))}"
                    )
        return ast.Function(name, tuple(args))

    def comparison(self) -> ast.Condition:
        left = self.operand()
        token = self.tok
        if token.kind == OP and token.text in COMPARATORS:
            self.advance()
            return ast.Compare(token.text, left, self.operand())
        if self.is_keyword("BETWEEN"):
            self.advance()
            low = self.operand()
            if not self.is_keyword("AND"):
                raise self.error()
            self.advance()
            high = self.operand()
            self._check_bounds(low, high)
            return ast.Between(left, low, high)
        if self.is_keyword("IN"):
            self.advance()
            self.expect("(")
            options = [self.operand()]
            while self.tok.kind == OP and self.tok.text == ",":
                self.advance()
                options.append(self.operand())
            self.expect(")")
            if len(options) > 100:
                raise self.semantic(
                    f"The IN operator is provided with too many operands; number of operands: {len(options)}"
                )
            return ast.In(left, tuple(options))
        raise self.error()

    def _check_bounds(self, low: ast.Operand, high: ast.Operand) -> None:
        if isinstance(low, ast.Value) and isinstance(high, ast.Value):
            from cloudtwin.services.dynamodb.expressions.evaluator import compare_values

            order = compare_values(low.value, high.value)
            if order is not None and order > 0:
                raise self.semantic(
                    "The BETWEEN operator requires upper bound to be greater than or equal to "
                    f"lower bound; lower operand: AttributeValue: {show(low.value)}, "
                    f"upper operand: AttributeValue: {show(high.value)}"
                )

    # -- updates ---------------------------------------------------------------------------

    def update(self) -> ast.Update:
        actions: list[ast.Action] = []
        seen: set[str] = set()
        while self.tok.kind != EOF:
            if self.tok.kind != NAME or self.tok.upper not in _SECTIONS:
                raise self.error()
            section = self.advance().upper
            if section in seen:
                raise self.semantic(
                    f'The "{section}" section can only be used once in an update expression;'
                )
            seen.add(section)
            while True:
                actions.append(self.action(section))
                if self.tok.kind == OP and self.tok.text == ",":
                    self.advance()
                    continue
                break
        if not actions:
            raise self.error()
        _check_overlaps(actions, self)
        return ast.Update(tuple(actions))

    def action(self, section: str) -> ast.Action:
        path = self.path()
        if section == "SET":
            self.expect("=")
            return ast.Action("SET", path, self.set_value())
        if section == "REMOVE":
            return ast.Action("REMOVE", path)
        token = self.tok
        if token.kind != COLON:
            raise self.error()
        value = self.operand()
        return ast.Action(section, path, value)  # type: ignore[arg-type]

    def set_value(self) -> ast.SetValue:
        left = self.term()
        if self.tok.kind == OP and self.tok.text in "+-":
            op = self.advance().text
            return ast.Arithmetic(op, left, self.term())
        return left

    def term(self) -> ast.SetValue:
        token = self.tok
        if token.kind == COLON:
            self.advance()
            return ast.Value(self.ph.value(token.text, self.label))
        if token.kind == NAME and self._next_is("("):
            name = token.text
            if name == "if_not_exists":
                self.advance()
                self.expect("(")
                path = self.path_argument(name)
                self.expect(",")
                default = self.set_value()
                self.expect(")")
                return ast.IfNotExists(path, default)
            if name == "list_append":
                self.advance()
                self.expect("(")
                first = self.set_value()
                self.expect(",")
                second = self.set_value()
                self.expect(")")
                for operand in (first, second):
                    if isinstance(operand, ast.Value) and "L" not in operand.value:
                        raise self.semantic(
                            "Incorrect operand type for operator or function; operator or "
                            f"function: list_append, operand type: {next(iter(operand.value))}"
                        )
                return ast.ListAppend(first, second)
            if name in FUNCTION_ARITY:
                raise self.semantic(
                    f"The function is not allowed in an update expression; function: {name}"
                )
            raise self.semantic(f"Invalid function name; function: {name}")
        return self.path()

    # -- projections -----------------------------------------------------------------------

    def projection(self) -> list[ast.Path]:
        paths = [self.path()]
        while self.tok.kind == OP and self.tok.text == ",":
            self.advance()
            paths.append(self.path())
        self.at_end()
        _check_overlaps([ast.Action("PROJECT", p) for p in paths], self)
        return paths


def show(value: dict[str, Any]) -> str:
    (tag, inner), = value.items()
    return "{" + f"{tag}:{inner}" + "}"


def _check_overlaps(actions: list[ast.Action], parser: Parser) -> None:
    paths = [a.path for a in actions]
    for i, one in enumerate(paths):
        for two in paths[i + 1 :]:
            shorter = min(len(one.elements), len(two.elements))
            if one.elements[:shorter] == two.elements[:shorter]:
                raise parser.semantic(
                    "Two document paths overlap with each other; must remove or rewrite one of "
                    f"these paths; path one: {one.show()}, path two: {two.show()}"
                )


# -- entry points ---------------------------------------------------------------------------


def parse_condition(source: str, label: str, ph: Placeholders) -> ast.Condition:
    parser = Parser(source, label, ph)
    result = parser.condition()
    parser.at_end()
    return result


def parse_update(source: str, ph: Placeholders) -> ast.Update:
    return Parser(source, "UpdateExpression", ph).update()


def parse_projection(source: str, ph: Placeholders) -> list[ast.Path]:
    return Parser(source, "ProjectionExpression", ph).projection()
