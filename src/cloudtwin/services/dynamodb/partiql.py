"""PartiQL for DynamoDB: SELECT / INSERT / UPDATE / DELETE, one statement at a time,
in batches, or as a transaction.

Statements are parsed by a small recursive-descent parser into the same condition tree
the expression language uses, so WHERE clauses are evaluated by the same code as
FilterExpressions. A SELECT whose WHERE pins the partition key with ``=`` reads that one
partition; others scan.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.dynamodb.expressions import ast
from cloudtwin.services.dynamodb.expressions.evaluator import evaluate, project
from cloudtwin.services.dynamodb.expressions.updater import apply_update
from cloudtwin.services.dynamodb.items import check_item_keys, clean_key, item_from_params
from cloudtwin.services.dynamodb.models import TableRecord
from cloudtwin.services.dynamodb.stored import decode
from cloudtwin.services.dynamodb.values import check_item_size, clean_value, format_number, key_token, parse_number

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.dynamodb.provider import Provider

_PUNCT = ("<>", "<=", ">=", "!=", "<<", ">>", "=", "<", ">", "(", ")", "[", "]", "{", "}", ",", ".", ":", "*", "?", "+", "-")
_KEYWORDS = frozenset(
    "SELECT FROM WHERE INSERT INTO VALUE UPDATE SET REMOVE DELETE AND OR NOT BETWEEN IN IS MISSING NULL TRUE FALSE RETURNING".split()
)


def _malformed(detail: str) -> ServiceError:
    return ServiceError("ValidationException", f"Statement wasn't well formed, can't be processed: {detail}")


class _Tok:
    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str) -> None:
        self.kind, self.text = kind, text

    @property
    def upper(self) -> str:
        return self.text.upper()


def _lex(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    i, n = 0, len(source)
    while i < n:
        ch = source[i]
        if ch.isspace():
            i += 1
        elif ch == "'":
            j = i + 1
            buf = []
            while True:
                if j >= n:
                    raise _malformed("unterminated string literal")
                if source[j] == "'":
                    if j + 1 < n and source[j + 1] == "'":
                        buf.append("'")
                        j += 2
                        continue
                    break
                buf.append(source[j])
                j += 1
            tokens.append(_Tok("str", "".join(buf)))
            i = j + 1
        elif ch == '"':
            j = source.find('"', i + 1)
            if j < 0:
                raise _malformed("unterminated quoted identifier")
            tokens.append(_Tok("qid", source[i + 1 : j]))
            i = j + 1
        elif ch.isdigit() or (ch == "." and i + 1 < n and source[i + 1].isdigit()):
            j = i
            while j < n and (source[j].isdigit() or source[j] in ".eE" or (source[j] in "+-" and source[j - 1] in "eE")):
                j += 1
            tokens.append(_Tok("num", source[i:j]))
            i = j
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (source[j].isalnum() or source[j] == "_"):
                j += 1
            tokens.append(_Tok("id", source[i:j]))
            i = j
        else:
            for p in _PUNCT:
                if source.startswith(p, i):
                    tokens.append(_Tok("op", p))
                    i += len(p)
                    break
            else:
                raise _malformed(f"unexpected character {ch!r}")
    tokens.append(_Tok("eof", ""))
    return tokens


class Statement:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.table = ""
        self.index: str | None = None
        self.where: ast.Condition | None = None
        self.projection: list[ast.Path] | None = None
        self.item: dict[str, Any] | None = None
        self.update: ast.Update | None = None
        self.returning: str | None = None


class _Parser:
    def __init__(self, source: str, parameters: list[dict[str, Any]] | None) -> None:
        self.tokens = _lex(source)
        self.pos = 0
        self.parameters = parameters or []
        self.used = 0

    @property
    def tok(self) -> _Tok:
        return self.tokens[self.pos]

    def take(self) -> _Tok:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def keyword(self, word: str) -> bool:
        if self.tok.kind == "id" and self.tok.upper == word:
            self.pos += 1
            return True
        return False

    def need_keyword(self, word: str) -> None:
        if not self.keyword(word):
            raise _malformed(f"expected {word}, found {self.tok.text or 'end of statement'}")

    def op(self, text: str) -> bool:
        if self.tok.kind == "op" and self.tok.text == text:
            self.pos += 1
            return True
        return False

    def need_op(self, text: str) -> None:
        if not self.op(text):
            raise _malformed(f"expected {text}, found {self.tok.text or 'end of statement'}")

    # -- statements --------------------------------------------------------------------------

    def statement(self) -> Statement:
        if self.keyword("SELECT"):
            st = Statement("SELECT")
            if not self.op("*"):
                st.projection = [self.path()]
                while self.op(","):
                    st.projection.append(self.path())
            self.need_keyword("FROM")
            self.table_ref(st)
            if self.keyword("WHERE"):
                st.where = self.condition()
        elif self.keyword("INSERT"):
            st = Statement("INSERT")
            self.need_keyword("INTO")
            self.table_ref(st)
            self.need_keyword("VALUE")
            value = self.value()
            if "M" not in value:
                raise _malformed("INSERT VALUE must be a tuple")
            st.item = value["M"]
        elif self.keyword("UPDATE"):
            st = Statement("UPDATE")
            self.table_ref(st)
            actions: list[ast.Action] = []
            while True:
                if self.keyword("SET"):
                    path = self.path()
                    self.need_op("=")
                    actions.append(ast.Action("SET", path, self.set_value()))
                elif self.keyword("REMOVE"):
                    actions.append(ast.Action("REMOVE", self.path()))
                else:
                    break
                while self.op(","):
                    path = self.path()
                    if self.op("="):
                        actions.append(ast.Action("SET", path, self.set_value()))
                    else:
                        actions.append(ast.Action("REMOVE", path))
            if not actions:
                raise _malformed("UPDATE needs SET or REMOVE")
            st.update = ast.Update(tuple(actions))
            self.need_keyword("WHERE")
            st.where = self.condition()
            st.returning = self.returning()
        elif self.keyword("DELETE"):
            st = Statement("DELETE")
            self.need_keyword("FROM")
            self.table_ref(st)
            self.need_keyword("WHERE")
            st.where = self.condition()
            st.returning = self.returning()
        else:
            raise _malformed(f"unsupported statement starting with {self.tok.text or 'nothing'}")
        if self.tok.kind != "eof":
            raise _malformed(f"unexpected {self.tok.text}")
        if self.used != len(self.parameters):
            raise ServiceError(
                "ValidationException",
                "Number of parameters in request and statement don't match.",
            )
        return st

    def returning(self) -> str | None:
        if not self.keyword("RETURNING"):
            return None
        words = []
        while self.tok.kind == "id" or (self.tok.kind == "op" and self.tok.text == "*"):
            words.append(self.take().text.upper())
        text = " ".join(words)
        return {"ALL OLD *": "ALL_OLD", "ALL NEW *": "ALL_NEW", "MODIFIED OLD *": "UPDATED_OLD", "MODIFIED NEW *": "UPDATED_NEW"}.get(text, text)

    def table_ref(self, st: Statement) -> None:
        token = self.take()
        if token.kind not in ("qid", "id"):
            raise _malformed("expected a table name")
        st.table = token.text
        if self.op("."):
            index = self.take()
            if index.kind not in ("qid", "id"):
                raise _malformed("expected an index name")
            st.index = index.text

    # -- paths, values, conditions -----------------------------------------------------------

    def path(self) -> ast.Path:
        token = self.take()
        if token.kind not in ("id", "qid"):
            raise _malformed(f"expected an attribute name, found {token.text or 'end of statement'}")
        elements: list[str | int] = [token.text]
        while True:
            if self.op("."):
                nxt = self.take()
                if nxt.kind not in ("id", "qid"):
                    raise _malformed("expected an attribute name after .")
                elements.append(nxt.text)
            elif self.tok.kind == "op" and self.tok.text == "[":
                self.pos += 1
                idx = self.take()
                if idx.kind == "num":
                    elements.append(int(idx.text))
                elif idx.kind == "str":
                    elements.append(idx.text)
                else:
                    raise _malformed("expected an index")
                self.need_op("]")
            else:
                return ast.Path(tuple(elements))

    def value(self) -> dict[str, Any]:
        token = self.tok
        if token.kind == "str":
            self.pos += 1
            return {"S": token.text}
        if token.kind == "num" or (token.kind == "op" and token.text == "-" and self.tokens[self.pos + 1].kind == "num"):
            sign = "-" if self.op("-") else ""
            return {"N": format_number(parse_number(sign + self.take().text))}
        if token.kind == "op" and token.text == "?":
            self.pos += 1
            if self.used >= len(self.parameters):
                raise ServiceError("ValidationException", "Number of parameters in request and statement don't match.")
            value = clean_value(self.parameters[self.used])
            self.used += 1
            return value
        if token.kind == "id" and token.upper in ("TRUE", "FALSE"):
            self.pos += 1
            return {"BOOL": token.upper == "TRUE"}
        if token.kind == "id" and token.upper == "NULL":
            self.pos += 1
            return {"NULL": True}
        if self.op("{"):
            out: dict[str, Any] = {}
            if not self.op("}"):
                while True:
                    key = self.take()
                    if key.kind != "str":
                        raise _malformed("tuple keys must be string literals")
                    self.need_op(":")
                    out[key.text] = self.value()
                    if self.op("}"):
                        break
                    self.need_op(",")
            return {"M": out}
        if self.op("["):
            items: list[Any] = []
            if not self.op("]"):
                while True:
                    items.append(self.value())
                    if self.op("]"):
                        break
                    self.need_op(",")
            return {"L": items}
        if self.op("<<"):
            members: list[dict[str, Any]] = []
            while True:
                members.append(self.value())
                if self.op(">>"):
                    break
                self.need_op(",")
            tags = {next(iter(m)) for m in members}
            if tags == {"S"}:
                return clean_value({"SS": [m["S"] for m in members]})
            if tags == {"N"}:
                return clean_value({"NS": [m["N"] for m in members]})
            if tags == {"B"}:
                return clean_value({"BS": [m["B"] for m in members]})
            raise _malformed("set members must all be strings, numbers or binaries")
        raise _malformed(f"unexpected {token.text or 'end of statement'}")

    def operand(self) -> ast.Operand:
        token = self.tok
        if token.kind in ("id", "qid") and token.upper not in ("TRUE", "FALSE", "NULL"):
            if token.kind == "id" and self.tokens[self.pos + 1].kind == "op" and self.tokens[self.pos + 1].text == "(" and token.text.lower() == "size":
                self.pos += 2
                path = self.path()
                self.need_op(")")
                return ast.Size(path)
            return self.path()
        return ast.Value(self.value())

    def set_value(self) -> ast.SetValue:
        left: ast.SetValue
        token = self.tok
        if token.kind == "id" and self.tokens[self.pos + 1].kind == "op" and self.tokens[self.pos + 1].text == "(":
            name = token.text.lower()
            self.pos += 2
            if name == "list_append":
                a = self.set_value()
                self.need_op(",")
                b = self.set_value()
                self.need_op(")")
                left = ast.ListAppend(a, b)
            elif name == "if_not_exists":
                p = self.path()
                self.need_op(",")
                d = self.set_value()
                self.need_op(")")
                left = ast.IfNotExists(p, d)
            else:
                raise _malformed(f"unknown function {token.text}")
        else:
            operand = self.operand()
            if isinstance(operand, ast.Size):
                raise _malformed("size is not allowed in SET")
            left = operand
        if self.tok.kind == "op" and self.tok.text in ("+", "-"):
            op = self.take().text
            return ast.Arithmetic(op, left, self.set_value())
        return left

    def condition(self) -> ast.Condition:
        left = self.conjunct()
        while self.keyword("OR"):
            left = ast.Or(left, self.conjunct())
        return left

    def conjunct(self) -> ast.Condition:
        left = self.negation()
        while self.keyword("AND"):
            left = ast.And(left, self.negation())
        return left

    def negation(self) -> ast.Condition:
        if self.keyword("NOT"):
            return ast.Not(self.negation())
        if self.op("("):
            inner = self.condition()
            self.need_op(")")
            return inner
        token = self.tok
        nxt = self.tokens[self.pos + 1]
        if token.kind == "id" and nxt.kind == "op" and nxt.text == "(" and token.text.lower() != "size":
            name = token.text.lower()
            if name not in ("begins_with", "contains", "attribute_exists", "attribute_not_exists", "attribute_type"):
                raise _malformed(f"unknown function {token.text}")
            self.pos += 2
            args: list[ast.Operand] = [self.path()]
            while self.op(","):
                args.append(self.operand())
            self.need_op(")")
            return ast.Function(name, tuple(args))
        left = self.operand()
        if self.keyword("IS"):
            negate = self.keyword("NOT")
            if self.keyword("MISSING"):
                fn = ast.Function("attribute_exists" if negate else "attribute_not_exists", (left,))
                return fn
            self.need_keyword("NULL")
            test: ast.Condition = ast.Function("attribute_type", (left, ast.Value({"S": "NULL"})))
            return ast.Not(test) if negate else test
        if self.keyword("BETWEEN"):
            low = self.operand()
            self.need_keyword("AND")
            return ast.Between(left, low, self.operand())
        if self.keyword("IN"):
            closer = "]" if self.op("[") else (self.need_op("(") or ")")
            options = [self.operand()]
            while self.op(","):
                options.append(self.operand())
            self.need_op(closer)
            return ast.In(left, tuple(options))
        token = self.take()
        if token.kind != "op" or token.text not in ("=", "<>", "!=", "<", "<=", ">", ">="):
            raise _malformed(f"expected a comparison, found {token.text or 'end of statement'}")
        op = "<>" if token.text == "!=" else token.text
        return ast.Compare(op, left, self.operand())


def parse(statement: str, parameters: list[dict[str, Any]] | None) -> Statement:
    return _Parser(statement, parameters).statement()


# -- execution ---------------------------------------------------------------------------------


def _equalities(cond: ast.Condition | None) -> dict[str, dict[str, Any]]:
    """Top-level ``attr = value`` conjuncts of a WHERE clause."""
    found: dict[str, dict[str, Any]] = {}

    def walk(c: ast.Condition | None) -> None:
        if isinstance(c, ast.And):
            walk(c.left)
            walk(c.right)
        elif isinstance(c, ast.Compare) and c.op == "=":
            left, right = c.left, c.right
            if isinstance(right, ast.Path):
                left, right = right, left
            if isinstance(left, ast.Path) and isinstance(right, ast.Value) and len(left.elements) == 1:
                found[left.elements[0]] = right.value  # type: ignore[index]

    walk(cond)
    return found


def _record(provider: "Provider", ctx: RequestContext, st: Statement) -> TableRecord:
    record = ctx.store.tables.get(st.table)
    if record is None:
        raise ServiceError("ResourceNotFoundException", "Requested resource not found")
    if st.index is not None and record.index(st.index) is None:
        raise ServiceError("ValidationException", f"The table does not have the specified index: {st.index}")
    return record


def _key_from_where(record: TableRecord, st: Statement) -> dict[str, Any]:
    eq = _equalities(st.where)
    names = [e["AttributeName"] for e in record.key_schema]
    if any(n not in eq for n in names):
        raise ServiceError(
            "ValidationException", "Where clause does not contain a mandatory equality on all key attributes"
        )
    return clean_key(record, {n: eq[n] for n in names})


def _select(provider: "Provider", ctx: RequestContext, st: Statement, params: dict[str, Any]) -> dict[str, Any]:
    record = _record(provider, ctx, st)
    data = provider._data(ctx, record)
    keyed = data.primary if st.index is None else data.indexes[st.index]
    index = None if st.index is None else record.index(st.index)
    hash_names = (record.hash_name,) if index is None else index.hash_names
    eq = _equalities(st.where)
    if all(n in eq for n in hash_names):
        tokens = tuple(key_token(eq[n]) for n in hash_names)
        partition = keyed.partition(tokens[0] if len(tokens) == 1 else tokens)
        source = list(partition.items) if partition is not None else []
    else:
        source = list(keyed.scan())
    start = 0
    if params.get("NextToken"):
        try:
            start = int(read_json(base64.b64decode(params["NextToken"]))["offset"])
        except (ValueError, KeyError, TypeError):
            raise ServiceError("ValidationException", "Invalid NextToken") from None
    limit = params.get("Limit")
    out: list[dict[str, Any]] = []
    i = start
    while i < len(source):
        item = decode(source[i].raw)
        i += 1
        if st.where is None or evaluate(st.where, item):
            out.append(project(item, st.projection) if st.projection else item)
        if limit is not None and i - start >= limit:
            break
    result: dict[str, Any] = {"Items": out}
    if i < len(source):
        result["NextToken"] = base64.b64encode(json.dumps({"offset": i}).encode()).decode()
    return result


def _plan_write(provider: "Provider", ctx: RequestContext, st: Statement) -> tuple[TableRecord, Any, dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
    """(record, data, key, old, new) for a write statement, with its checks done."""
    record = _record(provider, ctx, st)
    data = provider._data(ctx, record)
    if st.kind == "INSERT":
        item = item_from_params(record, st.item or {})
        check_item_size(item)
        key = {n["AttributeName"]: item[n["AttributeName"]] for n in record.key_schema}
        old = data.get(key)
        if old is not None:
            raise ServiceError("DuplicateItemException", "Duplicate primary key exists in table")
        return record, data, key, None, item
    key = _key_from_where(record, st)
    old = data.get(key)
    if old is None or (st.where is not None and not evaluate(st.where, old)):
        if st.kind == "DELETE" and old is None:
            return record, data, key, None, None
        raise ServiceError("ConditionalCheckFailedException", "The conditional request failed")
    if st.kind == "DELETE":
        return record, data, key, old, None
    new = apply_update(old, st.update, tuple(key))  # type: ignore[arg-type]
    new.update(key)
    check_item_keys(record, new)
    check_item_size(new)
    return record, data, key, old, new


def _commit(provider: "Provider", ctx: RequestContext, plan: tuple) -> None:
    record, data, key, old, new = plan
    if new is not None:
        provider.changes.put(ctx.account_id, ctx.region, record, data, new)
    elif old is not None:
        provider.changes.delete(ctx.account_id, ctx.region, record, data, key)


def _returned(st: Statement, old: dict[str, Any] | None, new: dict[str, Any] | None) -> list[dict[str, Any]]:
    if st.returning == "ALL_OLD" and old:
        return [old]
    if st.returning == "ALL_NEW" and new:
        return [new]
    if st.returning in ("UPDATED_OLD", "UPDATED_NEW") and st.update is not None:
        source = old if st.returning == "UPDATED_OLD" else new
        return [project(source, [a.path for a in st.update.actions])] if source else []
    return []


def execute(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    st = parse(params["Statement"], params.get("Parameters"))
    if st.kind == "SELECT":
        return _select(provider, ctx, st, params)
    try:
        plan = _plan_write(provider, ctx, st)
    except ServiceError as error:
        if error.code == "ConditionalCheckFailedException" and params.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD":
            record = _record(provider, ctx, st)
            try:
                old = provider._data(ctx, record).get(_key_from_where(record, st))
            except ServiceError:
                old = None
            if old is not None:
                error.fields["Item"] = old
        raise
    _commit(provider, ctx, plan)
    return {"Items": _returned(st, plan[3], plan[4])}


def execute_batch(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    statements = params["Statements"]
    if len(statements) > 25:
        raise ServiceError("ValidationException", "Too many items requested for the BatchExecuteStatement call")
    parsed = [parse(s["Statement"], s.get("Parameters")) for s in statements]
    kinds = {st.kind == "SELECT" for st in parsed}
    if len(kinds) > 1:
        raise ServiceError("ValidationException", "Batch must contain only reads or only writes")
    responses = []
    for st, request in zip(parsed, statements):
        try:
            if st.kind == "SELECT":
                record = _record(provider, ctx, st)
                key = _key_from_where(record, st)
                item = provider._data(ctx, record).get(key)
                entry: dict[str, Any] = {"TableName": st.table}
                if item is not None:
                    entry["Item"] = project(item, st.projection) if st.projection else item
                responses.append(entry)
            else:
                plan = _plan_write(provider, ctx, st)
                _commit(provider, ctx, plan)
                responses.append({"TableName": st.table})
        except ServiceError as error:
            code = error.code.removesuffix("Exception") if error.code != "ValidationException" else "ValidationError"
            if error.code == "ConditionalCheckFailedException":
                code = "ConditionalCheckFailed"
            responses.append({"Error": {"Code": code, "Message": error.message}, "TableName": st.table})
    return {"Responses": responses}


def execute_transaction(provider: "Provider", ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    parsed = [parse(s["Statement"], s.get("Parameters")) for s in params["TransactStatements"]]
    kinds = {st.kind == "SELECT" for st in parsed}
    if len(kinds) > 1:
        raise ServiceError("ValidationException", "Transaction must contain either all reads or all writes")
    if kinds == {True}:
        out = []
        for st in parsed:
            record = _record(provider, ctx, st)
            item = provider._data(ctx, record).get(_key_from_where(record, st))
            out.append({"Item": project(item, st.projection) if st.projection and item else item} if item else {})
        return {"Responses": out}
    plans: list[tuple] = []
    reasons: list[dict[str, Any]] = []
    failed = False
    for st in parsed:
        try:
            plans.append(_plan_write(provider, ctx, st))
            reasons.append({"Code": "None"})
        except ServiceError as error:
            if error.code in ("ResourceNotFoundException",) or (error.code == "ValidationException" and "Where clause" in error.message):
                raise
            failed = True
            code = {"ConditionalCheckFailedException": "ConditionalCheckFailed", "DuplicateItemException": "DuplicateItem"}.get(error.code, "ValidationError")
            reasons.append({"Code": code, "Message": error.message})
    if failed:
        codes = ", ".join(r["Code"] for r in reasons)
        raise ServiceError(
            "TransactionCanceledException",
            f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
            fields={"CancellationReasons": reasons},
        )
    for plan in plans:
        _commit(provider, ctx, plan)
    return {}

