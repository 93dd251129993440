"""``PartsCount`` is answered only when a part is asked for (``PartNumber``) of an object that
was uploaded in parts, as the model documents for HeadObject and GetObject."""

MIB = 1024 * 1024


def test_parts_count_only_for_a_part_number(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    parts = [
        {"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=n, Body=body)["ETag"]}
        for n, body in ((1, b"a" * 5 * MIB), (2, b"b"))
    ]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": parts})

    assert "PartsCount" not in s3.head_object(Bucket=bucket, Key="mp")
    whole = s3.get_object(Bucket=bucket, Key="mp")
    whole["Body"].close()
    assert "PartsCount" not in whole
    assert s3.head_object(Bucket=bucket, Key="mp", PartNumber=1)["PartsCount"] == 2
    second = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)
    assert (second["PartsCount"], second["Body"].read()) == (2, b"b")

    s3.put_object(Bucket=bucket, Key="single", Body=b"x")
    assert "PartsCount" not in s3.head_object(Bucket=bucket, Key="single", PartNumber=1)
