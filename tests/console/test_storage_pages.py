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


def test_delete_an_object_version_from_the_page(ui, aws_client) -> None:
    import html
    import re

    s3 = aws_client("s3")
    s3.create_bucket(Bucket="trash")
    s3.put_bucket_versioning(Bucket="trash", VersioningConfiguration={"Status": "Enabled"})
    old = s3.put_object(Bucket="trash", Key="k", Body=b"1")["VersionId"]
    s3.put_object(Bucket="trash", Key="k", Body=b"2")
    page = ui("/s3/bucket?name=trash").text
    forms = re.findall(r'action="/_cloudtwin/ui/s3/delete".*?</form>', page)
    targets = [dict(re.findall(r'name="([^"]+)" value="([^"]*)"', f)) for f in forms]
    assert {"bucket": "trash", "key": "k", "version": old} in [{k: html.unescape(v) for k, v in t.items()} for t in targets]
    assert ui("/s3/delete", method="POST", body={"bucket": "trash", "key": "k", "version": old}).status == 200
    versions = [v["VersionId"] for v in s3.list_object_versions(Bucket="trash")["Versions"]]
    assert old not in versions and len(versions) == 1
    marker = ui("/s3/delete", method="POST", body={"bucket": "trash", "key": "k"})
    assert "delete marker added" in marker.text
    assert "DeleteMarkers" in s3.list_object_versions(Bucket="trash")


def test_table_pages_through_items_and_deletes_one(ui, aws_client) -> None:
    import html
    import re

    ddb = aws_client("dynamodb")
    ddb.create_table(TableName="many", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "B"}])
    for i in range(5):
        ddb.put_item(TableName="many", Item={"id": {"B": bytes([i])}})
    first = ui("/dynamodb/table?name=many&limit=2")
    assert "2 item(s)" in first.visible()
    seen = 2
    next_link = re.search(r'<a href="([^"]+)" class="next">', first.text)
    while next_link:
        page = ui(html.unescape(next_link.group(1)).removeprefix("/_cloudtwin/ui"))
        assert page.status == 200, page.text
        seen += int(re.search(r"(\d+) item\(s\)", page.visible()).group(1))
        next_link = re.search(r'<a href="([^"]+)" class="next">', page.text)
    assert seen == 5
    key = html.unescape(re.search(r'name="key" value="([^"]+)"', first.text).group(1))
    assert ui("/dynamodb/delete", method="POST", body={"name": "many", "key": key}).status == 200
    assert ddb.scan(TableName="many")["Count"] == 4
    assert ui("/dynamodb/delete", method="POST", body={"name": "many", "key": "[1]"}).status == 400
