import pytest
from botocore.exceptions import ClientError


def _err(excinfo):
    return excinfo.value.response["Error"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_versions_and_delete_markers(s3, bucket):
    assert "Status" not in s3.get_bucket_versioning(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
    assert v1 != v2
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=v1)["Body"].read() == b"one"
    assert s3.head_object(Bucket=bucket, Key="k", VersionId=v1)["VersionId"] == v1
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k")
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("NoSuchKey", 404)
    assert excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k", VersionId=marker)
    assert _err(excinfo)[0]["Code"] == "MethodNotAllowed" and _err(excinfo)[1] == 405
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)
    versions = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in versions["Versions"]] == [v2, v1]
    assert [m["VersionId"] for m in versions["DeleteMarkers"]] == [marker]
    assert versions["DeleteMarkers"][0]["IsLatest"] is True
    assert all(not v["IsLatest"] for v in versions["Versions"])
    # removing the delete marker brings the object back
    removed = s3.delete_object(Bucket=bucket, Key="k", VersionId=marker)
    assert removed["DeleteMarker"] is True and removed["VersionId"] == marker
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"two"
    s3.delete_object(Bucket=bucket, Key="k", VersionId=v2)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"one"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="k", VersionId=v2)
    assert _err(excinfo)[0]["Code"] == "NoSuchVersion"


def test_suspended_versioning_uses_null(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=b"pre")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"v1")["VersionId"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"s1")
    s3.put_object(Bucket=bucket, Key="k", Body=b"s2")
    ids = [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]]
    assert ids == ["null", v1]
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"s2"


def test_version_pagination(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for key in ("a", "b"):
        for n in range(3):
            s3.put_object(Bucket=bucket, Key=key, Body=str(n).encode())
    paginator = s3.get_paginator("list_object_versions")
    seen = [(v["Key"], v["VersionId"]) for page in paginator.paginate(Bucket=bucket, PaginationConfig={"PageSize": 2}) for v in page.get("Versions", [])]
    assert len(seen) == 6 and len(set(seen)) == 6
    assert [k for k, _ in seen] == ["a", "a", "a", "b", "b", "b"]


def test_delete_objects_with_versions(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="x", Body=b"1")["VersionId"]
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "x"}, {"Key": "x", "VersionId": v1}]})
    by_version = {d.get("VersionId"): d for d in out["Deleted"]}
    assert by_version[None]["DeleteMarker"] is True and by_version[None]["DeleteMarkerVersionId"]
    assert v1 in by_version


def test_delete_objects_naming_a_delete_marker(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    v1 = s3.put_object(Bucket=bucket, Key="m", Body=b"1")["VersionId"]
    marker = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "m"}]})["Deleted"][0]
    assert marker["DeleteMarker"] is True and "VersionId" not in marker
    marker_id = marker["DeleteMarkerVersionId"]
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "m", "VersionId": marker_id}]})
    # Removing the marker by its own version: reported as a marker, under both ids.
    assert out["Deleted"] == [
        {"Key": "m", "VersionId": marker_id, "DeleteMarker": True, "DeleteMarkerVersionId": marker_id}
    ]
    # Removing a plain version: no marker fields.
    out = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "m", "VersionId": v1}]})
    assert out["Deleted"] == [{"Key": "m", "VersionId": v1}]
