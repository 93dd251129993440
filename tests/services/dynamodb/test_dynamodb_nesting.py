"""Items nest at most 32 levels deep: an attribute's value is level 1, so a scalar inside 31
maps or lists is stored and one inside 32 is refused, by every operation that stores an item
(AWS: ValidationException "Nesting Levels have exceeded supported limits: ...")."""

import http.client
import json
from urllib.parse import urlparse

import pytest
from botocore.exceptions import ClientError

NESTING = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)
KEY = {"pk": {"S": "a"}}


def wrapped(levels: int, kind: str = "M") -> dict:
    """A number inside ``levels`` maps (or lists)."""
    value: dict = {"N": "1"}
    for _ in range(levels):
        value = {"M": {"k": value}} if kind == "M" else {"L": [value]}
    return value


@pytest.fixture
def ddb(aws_client):
    client = aws_client("dynamodb")
    client.create_table(
        TableName="docs", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    return client


def _refused(call) -> None:
    with pytest.raises(ClientError) as caught:
        call()
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert caught.value.response["Error"]["Message"] == NESTING


@pytest.mark.parametrize("kind", ["M", "L"])
def test_31_wrappers_are_stored_32_are_refused(ddb, kind):
    ddb.put_item(TableName="docs", Item={**KEY, "doc": wrapped(31, kind)})
    assert ddb.get_item(TableName="docs", Key=KEY)["Item"]["doc"] == wrapped(31, kind)
    _refused(lambda: ddb.put_item(TableName="docs", Item={**KEY, "doc": wrapped(32, kind)}))
    _refused(lambda: ddb.put_item(TableName="docs", Item={**KEY, "doc": wrapped(40, kind)}))
    assert ddb.get_item(TableName="docs", Key=KEY)["Item"]["doc"] == wrapped(31, kind)  # unchanged


@pytest.mark.parametrize("levels", [100, 1000])
def test_far_deeper_documents_are_refused_not_failed(ddb, endpoint, levels):
    # Sent by hand: botocore's own serializer recurses too deep for such documents.
    doc = '{"M":{"k":' * levels + '{"N":"1"}' + "}}" * levels
    body = '{"TableName":"docs","Item":{"pk":{"S":"a"},"doc":' + doc + "}}"
    url = urlparse(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    conn.request("POST", "/", body=body.encode(), headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.PutItem",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/dynamodb/aws4_request, "
                         "SignedHeaders=host, Signature=" + "0" * 64,
    })
    response = conn.getresponse()
    answer = json.loads(response.read())
    conn.close()
    assert response.status == 400
    assert answer["__type"].rsplit("#", 1)[-1] in ("ValidationException", "SerializationException")
    assert "recursion" not in json.dumps(answer)
    assert "Item" not in ddb.get_item(TableName="docs", Key=KEY)


def test_update_item_refuses_a_result_nested_too_deep(ddb):
    ddb.put_item(TableName="docs", Item={**KEY, "doc": wrapped(30)})
    _refused(lambda: ddb.update_item(
        TableName="docs", Key=KEY, UpdateExpression="SET extra = :v", ExpressionAttributeValues={":v": wrapped(32)},
    ))
    path = ".".join(["doc"] + ["k"] * 30)  # the number at the bottom of the stored document
    _refused(lambda: ddb.update_item(
        TableName="docs", Key=KEY, UpdateExpression=f"SET {path} = :v", ExpressionAttributeValues={":v": wrapped(2)},
    ))
    ddb.update_item(  # one wrapper more is still within the limit
        TableName="docs", Key=KEY, UpdateExpression=f"SET {path} = :v", ExpressionAttributeValues={":v": wrapped(1)},
    )
    assert ddb.get_item(TableName="docs", Key=KEY)["Item"]["doc"] == wrapped(31)


def test_batch_and_transaction_writes_refuse_it_too(ddb):
    _refused(lambda: ddb.batch_write_item(
        RequestItems={"docs": [{"PutRequest": {"Item": {**KEY, "doc": wrapped(32)}}}]}
    ))
    with pytest.raises(ClientError) as caught:
        ddb.transact_write_items(TransactItems=[{"Put": {"TableName": "docs", "Item": {**KEY, "doc": wrapped(32)}}}])
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert NESTING in caught.value.response["Error"]["Message"]
    assert "Item" not in ddb.get_item(TableName="docs", Key=KEY)
