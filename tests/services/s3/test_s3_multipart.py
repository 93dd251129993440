import base64
import hashlib
import os
import zlib

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError

MIB = 1024 * 1024


def _err(excinfo):
    return excinfo.value.response["Error"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_multipart_etag_and_composite_checksum(s3, bucket):
    parts_data = [b"a" * (5 * MIB), b"b" * (5 * MIB), b"tail"]
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32")
    assert upload["ChecksumType"] == "COMPOSITE"
    upload_id = upload["UploadId"]
    parts = []
    for number, data in enumerate(parts_data, 1):
        out = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=number, Body=data, ChecksumAlgorithm="CRC32")
        assert out["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
        parts.append({"PartNumber": number, "ETag": out["ETag"], "ChecksumCRC32": out["ChecksumCRC32"]})
    listed = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)
    assert [p["PartNumber"] for p in listed["Parts"]] == [1, 2, 3]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [upload_id]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": parts})
    md5s = b"".join(hashlib.md5(d).digest() for d in parts_data)
    assert done["ETag"] == f'"{hashlib.md5(md5s).hexdigest()}-3"'
    crcs = b"".join(zlib.crc32(d).to_bytes(4, "big") for d in parts_data)
    assert done["ChecksumCRC32"] == base64.b64encode(zlib.crc32(crcs).to_bytes(4, "big")).decode() + "-3"
    head = s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
    assert head["ContentLength"] == sum(map(len, parts_data))
    assert head["ChecksumType"] == "COMPOSITE"
    second = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)
    assert second["PartsCount"] == 3 and second["ContentLength"] == 5 * MIB
    assert second["Body"].read() == parts_data[1]
    attrs = s3.get_object_attributes(Bucket=bucket, Key="mp", ObjectAttributes=["ObjectParts"])
    assert attrs["ObjectParts"]["TotalPartsCount"] == 3
    assert "Uploads" not in s3.list_multipart_uploads(Bucket=bucket)


def test_full_object_crc32_checksum(s3, bucket):
    data = [os.urandom(5 * MIB), os.urandom(1000)]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="f", ChecksumAlgorithm="CRC32", ChecksumType="FULL_OBJECT")["UploadId"]
    parts = [
        {"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="f", UploadId=upload_id, PartNumber=n, Body=d, ChecksumAlgorithm="CRC32")["ETag"]}
        for n, d in enumerate(data, 1)
    ]
    done = s3.complete_multipart_upload(Bucket=bucket, Key="f", UploadId=upload_id, MultipartUpload={"Parts": parts})
    assert done["ChecksumCRC32"] == base64.b64encode(zlib.crc32(b"".join(data)).to_bytes(4, "big")).decode()
    assert done["ChecksumType"] == "FULL_OBJECT"


def test_part_rules(s3, bucket):
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="small")["UploadId"]
    e1 = s3.upload_part(Bucket=bucket, Key="small", UploadId=upload_id, PartNumber=1, Body=b"x")["ETag"]
    e2 = s3.upload_part(Bucket=bucket, Key="small", UploadId=upload_id, PartNumber=2, Body=b"y")["ETag"]
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="small", UploadId=upload_id, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("EntityTooSmall", 400)
    assert error["Message"] == "Your proposed upload is smaller than the minimum allowed size"
    assert error["PartNumber"] == "1" and error["ProposedSize"] == "1" and error["MinSizeAllowed"] == "5242880"
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="small", UploadId=upload_id, MultipartUpload={"Parts": [
            {"PartNumber": 2, "ETag": e2}, {"PartNumber": 1, "ETag": e1}]})
    assert _err(excinfo)[0]["Code"] == "InvalidPartOrder"
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="small", UploadId=upload_id, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]})
    assert _err(excinfo)[0]["Code"] == "InvalidPart"
    # a single small part is a valid upload
    done = s3.complete_multipart_upload(Bucket=bucket, Key="small", UploadId=upload_id, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": e1}]})
    assert done["ETag"].endswith('-1"')
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(Bucket=bucket, Key="small", UploadId=upload_id, PartNumber=3, Body=b"z")
    error, status = _err(excinfo)
    assert (error["Code"], status) == ("NoSuchUpload", 404)


def test_abort_and_upload_part_copy(s3, bucket):
    s3.put_object(Bucket=bucket, Key="source", Body=b"0123456789" * (6 * MIB // 10))
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="copy")["UploadId"]
    first = s3.upload_part_copy(Bucket=bucket, Key="copy", UploadId=upload_id, PartNumber=1,
                                CopySource={"Bucket": bucket, "Key": "source"}, CopySourceRange=f"bytes=0-{5 * MIB - 1}")
    second = s3.upload_part_copy(Bucket=bucket, Key="copy", UploadId=upload_id, PartNumber=2,
                                 CopySource={"Bucket": bucket, "Key": "source"}, CopySourceRange="bytes=0-9")
    s3.complete_multipart_upload(Bucket=bucket, Key="copy", UploadId=upload_id, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]}, {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]}]})
    body = s3.get_object(Bucket=bucket, Key="copy")["Body"].read()
    assert len(body) == 5 * MIB + 10 and body[-10:] == b"0123456789"
    other = s3.create_multipart_upload(Bucket=bucket, Key="gone")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="gone", UploadId=other)
    with pytest.raises(ClientError) as excinfo:
        s3.list_parts(Bucket=bucket, Key="gone", UploadId=other)
    error, _ = _err(excinfo)
    assert error["Code"] == "NoSuchUpload"
    assert error["Message"].startswith("The specified upload does not exist.")


def _write_file(path, size):
    block = hashlib.sha256(b"seed").digest() * (MIB // 32)
    digest = hashlib.sha256()
    with open(path, "wb") as out:
        written = 0
        n = 0
        while written < size:
            piece = (n.to_bytes(8, "big") + block)[: min(MIB, size - written)]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
            n += 1
    return digest.hexdigest()


def _sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as src:
        while piece := src.read(MIB):
            digest.update(piece)
    return digest.hexdigest()


def test_100_mib_multipart_upload_and_ranged_download(s3, bucket, tmp_path):
    """The big one: 100 MiB through s3transfer (multipart, CRC32 per part), from a file, and back
    in ranged GETs to a file; the bytes match and nothing needs the whole object in memory."""
    size = 100 * MIB
    source = tmp_path / "big.bin"
    expected = _write_file(source, size)
    config = TransferConfig(multipart_threshold=16 * MIB, multipart_chunksize=16 * MIB, max_concurrency=4)
    s3.upload_file(str(source), bucket, "big.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="big.bin", ChecksumMode="ENABLED")
    assert head["ContentLength"] == size
    assert head["ETag"].endswith('-7"')
    assert any(k.startswith("Checksum") and k != "ChecksumType" for k in head)
    target = tmp_path / "back.bin"
    s3.download_file(bucket, "big.bin", str(target), Config=config)
    assert _sha256_file(target) == expected
    tail = s3.get_object(Bucket=bucket, Key="big.bin", Range="bytes=-1000")
    assert tail["ContentLength"] == 1000
    with open(source, "rb") as src:
        src.seek(size - 1000)
        assert tail["Body"].read() == src.read()


def test_copy_of_a_multipart_object_is_a_single_part_object(s3, bucket):
    data = [b"p" * (5 * MIB), b"q"]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="SHA256")["UploadId"]
    parts = [
        {"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=n, Body=d, ChecksumAlgorithm="SHA256")["ETag"]}
        for n, d in enumerate(data, 1)
    ]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id, MultipartUpload={"Parts": parts})
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/mp")
    whole = b"".join(data)
    assert copied["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(whole).hexdigest()}"'
    head = s3.head_object(Bucket=bucket, Key="copy", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(whole).digest()).decode()
    assert head["ChecksumType"] == "FULL_OBJECT"
    assert "PartsCount" not in head


@pytest.mark.parametrize("checksum_type", ["COMPOSITE", "FULL_OBJECT"])
def test_part_checksum_of_another_algorithm_is_refused(s3, bucket, checksum_type):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k", ChecksumAlgorithm="CRC32C", ChecksumType=checksum_type)
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload["UploadId"], PartNumber=1, Body=b"x",
                       ChecksumAlgorithm="CRC32")
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidRequest"
    assert error["Message"] == "Checksum Type mismatch occurred, expected checksum Type: crc32c, actual checksum Type: crc32"
