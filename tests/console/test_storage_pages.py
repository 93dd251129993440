"""S3 buckets and objects (versions, download, upload) and DynamoDB tables (scan, query,
put) in the console."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode


def test_bucket_page_lists_every_version_and_downloads_each(ui, aws_client) -> None:
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="assets")
    s3.put_bucket_versioning(Bucket="assets", VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket="assets", Key="dir/a b.txt", Body=b"first")["VersionId"]
    v2 = s3.put_object(Bucket="assets", Key="dir/a b.txt", Body=b"second")["VersionId"]
    assert "assets" in ui("/s3").visible()
    page = ui("/s3/bucket?name=assets")
    text = page.visible()
    assert v1 in text and v2 in text and "dir/a b.txt" in text
    latest = ui("/s3/download?" + urlencode({"bucket": "assets", "key": "dir/a b.txt"}))
    assert latest.status == 200 and latest.body == b"second"
    assert "attachment" in latest.headers["Content-Disposition"]
    older = ui("/s3/download?" + urlencode({"bucket": "assets", "key": "dir/a b.txt", "version": v1}))
    assert older.body == b"first"
    filtered = ui("/s3/bucket?name=assets&prefix=other/").visible()
    assert "No objects." in filtered


def test_upload_from_the_page(ui, aws_client) -> None:
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="uploads")
    data = bytes(range(256))
    answer = ui("/s3/upload", method="POST", body={
        "bucket": "uploads", "key": "", "file": {"name": "blob.bin", "type": "application/octet-stream", "data": base64.b64encode(data).decode()},
    })
    assert answer.status == 200, answer.text
    got = s3.get_object(Bucket="uploads", Key="blob.bin")
    assert got["Body"].read() == data and got["ContentType"] == "application/octet-stream"
    big = bytes(3 * 1024 * 1024)  # past the control surface's 1 MiB: console uploads may be larger
    answer = ui("/s3/upload", method="POST", body={"bucket": "uploads", "key": "big", "file": {"name": "big", "data": base64.b64encode(big).decode()}})
    assert answer.status == 200, answer.text
    assert s3.head_object(Bucket="uploads", Key="big")["ContentLength"] == len(big)
    bad = ui("/s3/upload", method="POST", body={"bucket": "uploads", "file": {"name": "x", "data": "%%%"}})
    assert bad.status == 400
    missing = ui("/s3/upload", method="POST", body={"bucket": "no-such-bucket", "file": {"name": "x", "data": ""}})
    assert missing.status == 404 and "NoSuchBucket" in missing.text


def test_table_page_scans_queries_and_puts(ui, aws_client) -> None:
    ddb = aws_client("dynamodb")
    ddb.create_table(
        TableName="users", BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "N"}],
    )
    for pk, sk, name in (("u1", 1, "Ada"), ("u1", 2, "Grace"), ("u2", 1, "<Linus>")):
        ddb.put_item(TableName="users", Item={"pk": {"S": pk}, "sk": {"N": str(sk)}, "name": {"S": name}})
    assert "users" in ui("/dynamodb").visible()
    scan = ui("/dynamodb/table?name=users")
    assert scan.status == 200
    assert all(n in scan.visible() for n in ("Ada", "Grace", "<Linus>")) and "<Linus>" not in scan.text
    query = ui("/dynamodb/table?" + urlencode({
        "name": "users", "mode": "query", "key": "pk = :pk AND sk > :s", "values": json.dumps({":pk": "u1", ":s": 1}),
    }))
    text = query.visible()
    assert "Grace" in text and "Ada" not in text and "1 item(s)" in text
    wrong = ui("/dynamodb/table?" + urlencode({"name": "users", "mode": "query", "key": "nope = :x"}))
    assert "ValidationException" in wrong.visible()
    put = ui("/dynamodb/put", method="POST", body={"name": "users", "item": json.dumps({"pk": "u3", "sk": 7, "tags": ["a"]})})
    assert put.status == 200, put.text
    item = ddb.get_item(TableName="users", Key={"pk": {"S": "u3"}, "sk": {"N": "7"}})["Item"]
    assert item["tags"] == {"L": [{"S": "a"}]}
