"""The expression language: conditions, functions, precedence, projections, and AWS's errors."""

import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


@pytest.fixture
def ddb(aws_client):
    client = aws_client("dynamodb")
    client.create_table(
        TableName="exprs",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    client.put_item(TableName="exprs", Item={
        "pk": {"S": "k"}, "n": {"N": "5"}, "s": {"S": "hello"}, "b": {"B": b"\x01\x02"},
        "ss": {"SS": ["a", "b"]}, "l": {"L": [{"S": "x"}, {"M": {"y": {"N": "2"}}}]},
        "m": {"M": {"a": {"M": {"b": {"S": "deep"}}}, "c": {"N": "3"}}}, "t": {"BOOL": True}, "z": {"NULL": True},
    })
    return client


def matches(ddb, expression, names=None, values=None):
    kwargs = {"FilterExpression": expression}
    if names:
        kwargs["ExpressionAttributeNames"] = names
    if values:
        kwargs["ExpressionAttributeValues"] = values
    return ddb.scan(TableName="exprs", **kwargs)["Count"] == 1


N = lambda v: {"N": str(v)}  # noqa: E731
S = lambda v: {"S": v}  # noqa: E731


@pytest.mark.parametrize(
    "expression,values,expected",
    [
        ("n = :v", {":v": N(5)}, True),
        ("n <> :v", {":v": N(5)}, False),
        ("n < :v", {":v": N(6)}, True),
        ("n <= :v", {":v": N(5)}, True),
        ("n > :v", {":v": N(5)}, False),
        ("n >= :v", {":v": N(5.0)}, True),
        ("s > :v", {":v": S("hell")}, True),
        ("n = :v", {":v": S("5")}, False),
        ("n BETWEEN :a AND :b", {":a": N(1), ":b": N(5)}, True),
        ("n IN (:a, :b)", {":a": N(1), ":b": N(5)}, True),
        ("n IN (:a)", {":a": N(1)}, False),
        ("begins_with(s, :p)", {":p": S("he")}, True),
        ("begins_with(b, :p)", {":p": {"B": b"\x01"}}, True),
        ("contains(s, :p)", {":p": S("ell")}, True),
        ("contains(ss, :p)", {":p": S("b")}, True),
        ("contains(l, :p)", {":p": S("x")}, True),
        ("attribute_type(m, :t)", {":t": S("M")}, True),
        ("attribute_type(z, :t)", {":t": S("NULL")}, True),
        ("size(s) = :v", {":v": N(5)}, True),
        ("size(ss) = :v", {":v": N(2)}, True),
        ("size(b) = :v", {":v": N(2)}, True),
        ("m.a.b = :v", {":v": S("deep")}, True),
        ("l[1].y = :v", {":v": N(2)}, True),
        ("l[5] = :v", {":v": N(2)}, False),
        ("t = :v", {":v": {"BOOL": True}}, True),
        ("attribute_exists(m.c) AND NOT attribute_exists(nope)", None, True),
        ("n = :a OR n = :b AND n = :c", {":a": N(5), ":b": N(1), ":c": N(2)}, True),
        ("(n = :a OR n = :b) AND n = :c", {":a": N(5), ":b": N(1), ":c": N(2)}, False),
        ("NOT n = :a OR n = :a", {":a": N(5)}, True),
        ("nope <> :a", {":a": N(5)}, True),
        ("nope = :a", {":a": N(5)}, False),
        ("nope <> gone", None, True),
        ("nope = gone", None, False),
        ("nope < :a", {":a": N(5)}, False),
    ],
)
def test_condition_semantics(ddb, expression, values, expected):
    assert matches(ddb, expression, values=values) is expected


def test_names_placeholders(ddb):
    assert matches(ddb, "#s = :v AND #m.#a.#b = :d", names={"#s": "s", "#m": "m", "#a": "a", "#b": "b"},
                   values={":v": S("hello"), ":d": S("deep")})


def test_condition_expression_nested_map_and_keywords_case_insensitive(ddb):
    ddb.put_item(TableName="exprs", Item={"pk": {"S": "k2"}, "n": {"N": "1"}},
                 ConditionExpression="attribute_not_exists(pk) and not attribute_exists(n)")


@pytest.mark.parametrize(
    "expression,message",
    [
        ("SET a = ", '1 validation error detected: Invalid UpdateExpression: Syntax error; token: "<EOF>", near: "= "'),
        ("SET a == :v", '1 validation error detected: Invalid UpdateExpression: Syntax error; token: "=", near: "== :v"'),
        ("ADD hits : v", '1 validation error detected: Invalid UpdateExpression: Syntax error; token: ":", near: "hits : v"'),
        ("INVALID SYNTAX HERE", '1 validation error detected: Invalid UpdateExpression: Syntax error; token: "INVALID", near: "INVALID SYNTAX"'),
        ("SET a = :v, $b = :v", '1 validation error detected: Invalid UpdateExpression: Syntax error; token: "$", near: ", $b"'),
        ("SET status = :v", "1 validation error detected: Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status"),
        ("SET a = :v SET b = :v", '1 validation error detected: Invalid UpdateExpression: The "SET" section can only be used once in an update expression;'),
        ("SET a = #x", "1 validation error detected: Invalid UpdateExpression: An expression attribute name used in the document path is not defined; attribute name: #x"),
        ("SET a = :nope", "1 validation error detected: Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope"),
        ("SET a = foo(:v)", "1 validation error detected: Invalid UpdateExpression: Invalid function name; function: foo"),
    ],
)
def test_update_expression_errors(ddb, expression, message):
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName="exprs", Key={"pk": {"S": "k"}}, UpdateExpression=expression,
                        ExpressionAttributeValues={":v": N(1)})
    assert _err(e) == ("ValidationException", message)


def test_unused_placeholders(ddb):
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName="exprs", Key={"pk": {"S": "k"}}, UpdateExpression="SET a = :v",
                        ExpressionAttributeValues={":v": N(1), ":w": N(2)})
    assert _err(e)[1] == "1 validation error detected: Value provided in ExpressionAttributeValues unused in expressions: keys: {:w}"
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="exprs", Key={"pk": {"S": "k"}}, ProjectionExpression="n", ExpressionAttributeNames={"#a": "a"})
    assert _err(e)[1] == "1 validation error detected: Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}"
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="exprs", Key={"pk": {"S": "k"}}, ExpressionAttributeNames={"#a": "a"})
    assert _err(e)[1] == "1 validation error detected: ExpressionAttributeNames can only be specified when using expressions: ProjectionExpression is null"


def test_condition_errors(ddb):
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="exprs", FilterExpression="n BETWEEN :b AND :a", ExpressionAttributeValues={":a": N(1), ":b": N(5)})
    assert _err(e)[1] == (
        "1 validation error detected: Invalid FilterExpression: The BETWEEN operator requires upper bound to be greater than or equal to "
        "lower bound; lower operand: AttributeValue: {N:5}, upper operand: AttributeValue: {N:1}"
    )
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="exprs", FilterExpression="foo(n)")
    assert _err(e)[1] == "1 validation error detected: Invalid FilterExpression: Invalid function name; function: foo"
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="exprs", FilterExpression="attribute_type(n, :t)", ExpressionAttributeValues={":t": S("X")})
    assert _err(e)[1] == (
        "1 validation error detected: Invalid FilterExpression: Invalid attribute type name found; type: X, valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}"
    )
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="exprs", FilterExpression="n = :a AND", ExpressionAttributeValues={":a": N(1)})
    assert _err(e)[1] == '1 validation error detected: Invalid FilterExpression: Syntax error; token: "<EOF>", near: "AND"'
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="exprs", FilterExpression="", )
    assert _err(e)[0] == "ValidationException"


def test_projection_expression(ddb):
    item = ddb.get_item(TableName="exprs", Key={"pk": {"S": "k"}}, ProjectionExpression="s, m.a.b, l[1], #n",
                        ExpressionAttributeNames={"#n": "n"})["Item"]
    assert item == {
        "s": {"S": "hello"}, "n": {"N": "5"},
        "m": {"M": {"a": {"M": {"b": {"S": "deep"}}}}},
        "l": {"L": [{"M": {"y": {"N": "2"}}}]},
    }
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="exprs", Key={"pk": {"S": "k"}}, ProjectionExpression="name")
    assert _err(e)[1] == "1 validation error detected: Invalid ProjectionExpression: Attribute name is a reserved keyword; reserved keyword: name"


def test_projection_paths_may_not_overlap(ddb):
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="exprs", Key={"pk": {"S": "k"}}, ProjectionExpression="l, l[1]")
    assert _err(e) == (
        "ValidationException",
        "1 validation error detected: Invalid ProjectionExpression: Two document paths overlap with each other; must remove or rewrite "
        "one of these paths; path one: [l], path two: [l, [1]]",
    )


def test_placeholder_keys_and_values_are_checked(ddb):
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="exprs", FilterExpression="n = :v", ExpressionAttributeValues={":v": N(1), "v": N(2)})
    assert _err(e)[1] == '1 validation error detected: ExpressionAttributeValues contains invalid key: Syntax error; key: "v"'
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="exprs", FilterExpression="#n = :v", ExpressionAttributeNames={"#n": "n", "#a-b": "x"},
                 ExpressionAttributeValues={":v": N(1)})
    assert _err(e)[1] == '1 validation error detected: ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"'
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="exprs", FilterExpression="ss = :v", ExpressionAttributeValues={":v": {"SS": []}})
    assert _err(e)[1] == (
        "1 validation error detected: ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: "
        "An string set  may not be empty for key :v"
    )
