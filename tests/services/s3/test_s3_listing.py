import pytest
from botocore.exceptions import ClientError

KEYS = ["a.txt", "dir/one.txt", "dir/sub/two.txt", "dir/three.txt", "other/x", "space key+plus", "z"]


@pytest.fixture
def filled(s3, bucket):
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return bucket


def test_list_v2_all_sorted(s3, filled):
    out = s3.list_objects_v2(Bucket=filled)
    assert [o["Key"] for o in out["Contents"]] == sorted(KEYS)
    assert out["KeyCount"] == len(KEYS) and out["IsTruncated"] is False
    assert out["Contents"][0]["Size"] == len(b"a.txt")
    assert out["Contents"][0]["StorageClass"] == "STANDARD"


def test_prefix_and_delimiter(s3, filled):
    out = s3.list_objects_v2(Bucket=filled, Delimiter="/")
    assert [o["Key"] for o in out["Contents"]] == ["a.txt", "space key+plus", "z"]
    assert [p["Prefix"] for p in out["CommonPrefixes"]] == ["dir/", "other/"]
    sub = s3.list_objects_v2(Bucket=filled, Prefix="dir/", Delimiter="/")
    assert [o["Key"] for o in sub["Contents"]] == ["dir/one.txt", "dir/three.txt"]
    assert [p["Prefix"] for p in sub["CommonPrefixes"]] == ["dir/sub/"]


def test_pagination_with_continuation_tokens(s3, filled):
    seen, token = [], None
    pages = 0
    while True:
        kwargs = {"Bucket": filled, "MaxKeys": 2, "Delimiter": "/"}
        if token:
            kwargs["ContinuationToken"] = token
        out = s3.list_objects_v2(**kwargs)
        pages += 1
        seen += [o["Key"] for o in out.get("Contents", [])] + [p["Prefix"] for p in out.get("CommonPrefixes", [])]
        assert out["KeyCount"] <= 2
        if not out["IsTruncated"]:
            break
        token = out["NextContinuationToken"]
    assert sorted(seen) == ["a.txt", "dir/", "other/", "space key+plus", "z"]
    assert pages == 3


def test_paginator_and_start_after(s3, filled):
    paginator = s3.get_paginator("list_objects_v2")
    keys = [o["Key"] for page in paginator.paginate(Bucket=filled, PaginationConfig={"PageSize": 3}) for o in page["Contents"]]
    assert keys == sorted(KEYS)
    after = s3.list_objects_v2(Bucket=filled, StartAfter="dir/three.txt")
    assert [o["Key"] for o in after["Contents"]] == ["other/x", "space key+plus", "z"]


def test_max_keys_zero_and_invalid(s3, filled):
    out = s3.list_objects_v2(Bucket=filled, MaxKeys=0)
    assert "Contents" not in out


def test_encoding_type_url(s3, filled):
    # botocore asks for EncodingType=url itself and decodes; an explicit one it leaves raw
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=filled, Prefix="space")["Contents"]] == ["space key+plus"]
    raw = s3.list_objects_v2(Bucket=filled, Prefix="space", EncodingType="url")
    assert raw["EncodingType"] == "url"
    assert [o["Key"] for o in raw["Contents"]] == ["space+key%2Bplus"]


def test_list_objects_v1_markers(s3, filled):
    out = s3.list_objects(Bucket=filled, MaxKeys=3)
    assert [o["Key"] for o in out["Contents"]] == sorted(KEYS)[:3]
    assert out["IsTruncated"] is True
    rest = s3.list_objects(Bucket=filled, Marker=out["Contents"][-1]["Key"])
    assert [o["Key"] for o in rest["Contents"]] == sorted(KEYS)[3:]
    delimited = s3.list_objects(Bucket=filled, Delimiter="/", MaxKeys=2)
    assert delimited["NextMarker"] == "dir/"
    keys = [o["Key"] for page in s3.get_paginator("list_objects").paginate(Bucket=filled, PaginationConfig={"PageSize": 2}) for o in page["Contents"]]
    assert keys == sorted(KEYS)


def test_listing_missing_bucket(s3):
    with pytest.raises(ClientError) as excinfo:
        s3.list_objects_v2(Bucket="missing-bucket-x")
    assert excinfo.value.response["Error"]["Code"] == "NoSuchBucket"


def test_version_listing_goes_on_from_a_deleted_version_marker(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ids = [s3.put_object(Bucket=bucket, Key="k", Body=b"x")["VersionId"] for _ in range(5)]
    page = s3.list_object_versions(Bucket=bucket, MaxKeys=3)
    assert [v["VersionId"] for v in page["Versions"]] == ids[:1:-1]
    marker = page["NextVersionIdMarker"]
    s3.delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "k", "VersionId": v["VersionId"]} for v in page["Versions"]]})
    rest = s3.list_object_versions(Bucket=bucket, KeyMarker="k", VersionIdMarker=marker)
    assert [v["VersionId"] for v in rest["Versions"]] == [ids[1], ids[0]]
    assert rest["Versions"][0]["IsLatest"] is True
