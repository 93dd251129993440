"""Payload checksums: known vectors, the botocore client as the other side, S3's errors."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import random

import pytest
from botocore import httpchecksum

from cloudtwin.protocol import checksums
from cloudtwin.protocol.checksums import (
    NO_CHECKSUMS,
    ChecksummedStream,
    ChecksumVerifier,
    checksum,
    decode_checksum,
    new_hasher,
    plan_checksums,
    verify_payload,
)
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.specs.catalog import ServiceCatalog

CHECK = b"123456789"
# The standard check values (CRC catalogue "check" = CRC of "123456789"), base64 big-endian.
VECTORS = {
    "crc32": "y/Q5Jg==",  # 0xCBF43926
    "crc32c": "4waSgw==",  # 0xE3069283
    "crc64nvme": "rosUhgp5mIg=",  # 0xAE8B14860A799888
    "sha1": "98O8HYCOBHMq32eZZczDTKeuNEE=",
    "sha256": "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
    "sha512": base64.b64encode(hashlib.sha512(CHECK).digest()).decode(),
    "md5": base64.b64encode(hashlib.md5(CHECK).digest()).decode(),
}


@pytest.fixture(scope="module")
def s3():
    return ServiceCatalog().service_model("s3")


def s3_error(fn, *args, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        fn(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize(("algorithm", "expected"), sorted(VECTORS.items()))
def test_known_vectors(algorithm, expected):
    assert checksum(algorithm, CHECK) == expected


@pytest.mark.parametrize("algorithm", checksums.ALGORITHMS)
def test_matches_botocore_client_and_is_incremental(algorithm):
    if not checksums.available(algorithm):
        pytest.skip(f"{algorithm} needs awscrt")
    client_cls = httpchecksum._CHECKSUM_CLS.get(algorithm)
    data = random.Random(algorithm).randbytes(100_003)
    ours = checksum(algorithm, data)
    if client_cls is not None:  # md5 has no flexible-checksum class in botocore
        assert ours == client_cls().handle(data)
    hasher = new_hasher(algorithm)
    for start in range(0, len(data), 4099):
        hasher.update(memoryview(data)[start : start + 4099])
    assert base64.b64encode(hasher.digest()).decode() == ours


@pytest.mark.parametrize("algorithm", ["crc32c", "crc64nvme"])
def test_pure_python_fallback_matches(algorithm):
    data = random.Random(5).randbytes(5000)
    fallback = new_hasher(algorithm, pure_python=True)
    fallback.update(data[:1234])
    fallback.update(data[1234:])
    assert base64.b64encode(fallback.digest()).decode() == checksum(algorithm, data)
    check = new_hasher(algorithm, pure_python=True)
    check.update(CHECK)
    assert base64.b64encode(check.digest()).decode() == VECTORS[algorithm]


def test_unknown_algorithm():
    with pytest.raises(ValueError):
        new_hasher("crc16")


@pytest.mark.parametrize("value", ["y/Q5Jh==", "short===", "shrt", "toolong=", "^^^^^^==", "y^/^Q5^J^g==", ""])
def test_strict_base64(value):
    assert decode_checksum(value, "crc32") is None


def test_decode_checksum_accepts_canonical():
    assert decode_checksum(" y/Q5Jg== ", "crc32") == bytes.fromhex("cbf43926")


# --------------------------------------------------------------------------- planning


def test_header_checksum_verified(s3):
    operation = s3.operation_model("PutObject")
    plan = plan_checksums(operation, {"x-amz-checksum-crc32": VECTORS["crc32"], "x-amz-sdk-checksum-algorithm": "CRC32"})
    assert (plan.algorithm, plan.trailer, plan.compute) == ("crc32", None, ("crc32",))
    assert verify_payload(plan, CHECK) == {"crc32": VECTORS["crc32"]}
    err = s3_error(verify_payload, plan, b"12345678")
    assert (err.code, err.status_code, err.message) == (
        "BadDigest",
        400,
        "The CRC32 you specified did not match the calculated checksum.",
    )


@pytest.mark.parametrize("algorithm", ["crc32c", "crc64nvme", "sha1", "sha256"])
def test_bad_digest_names_the_algorithm(s3, algorithm):
    bad = base64.b64encode(b"\x01" * len(base64.b64decode(VECTORS[algorithm]))).decode()
    plan = plan_checksums(s3.operation_model("PutObject"), {f"x-amz-checksum-{algorithm}": bad})
    err = s3_error(verify_payload, plan, CHECK)
    assert err.message == f"The {algorithm.upper()} you specified did not match the calculated checksum."


def test_invalid_header_value(s3):
    err = s3_error(plan_checksums, s3.operation_model("PutObject"), {"x-amz-checksum-crc32": "y/Q5Jh=="})
    assert (err.code, err.message) == ("InvalidRequest", "Value for x-amz-checksum-crc32 header is invalid.")


def test_multiple_checksums(s3):
    headers = {"x-amz-checksum-crc32": VECTORS["crc32"], "x-amz-checksum-sha1": VECTORS["sha1"]}
    err = s3_error(plan_checksums, s3.operation_model("PutObject"), headers)
    assert (err.code, err.message) == (
        "InvalidRequest",
        "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
    )
    headers = {"x-amz-checksum-crc32": VECTORS["crc32"], "x-amz-trailer": "x-amz-checksum-sha1"}
    err = s3_error(plan_checksums, s3.operation_model("PutObject"), headers)
    assert err.message == "Expecting a single x-amz-checksum- header"


def test_sdk_algorithm_must_match_a_checksum(s3):
    operation = s3.operation_model("PutObject")
    err = s3_error(plan_checksums, operation, {"x-amz-sdk-checksum-algorithm": "CRC32"})
    assert err.message == (
        "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or "
        "x-amz-trailer headers were found."
    )
    headers = {"x-amz-sdk-checksum-algorithm": "SHA1", "x-amz-checksum-crc32": VECTORS["crc32"]}
    err = s3_error(plan_checksums, operation, headers)
    assert (err.code, err.message) == ("InvalidRequest", "Value for x-amz-sdk-checksum-algorithm header is invalid.")


def test_content_md5(s3):
    operation = s3.operation_model("PutObject")
    md5 = VECTORS["md5"]
    plan = plan_checksums(operation, {"content-md5": md5})
    assert verify_payload(plan, CHECK) == {"content-md5": md5}
    err = s3_error(verify_payload, plan, b"other")
    assert (err.code, err.message) == ("BadDigest", "The Content-MD5 you specified did not match what we received.")
    err = s3_error(plan_checksums, operation, {"content-md5": "nope"})
    assert (err.code, err.message) == ("InvalidDigest", "The Content-MD5 you specified was invalid.")


def test_required_checksum_is_enforced_from_the_model(s3):
    delete = s3.operation_model("DeleteObjects")
    err = s3_error(plan_checksums, delete, {})
    assert (err.code, err.message) == ("InvalidRequest", "Missing required header for this request: Content-MD5")
    assert plan_checksums(delete, {"content-md5": VECTORS["md5"]}).md5 is not None
    assert plan_checksums(delete, {"x-amz-checksum-crc32": VECTORS["crc32"]}).algorithm == "crc32"


def test_nothing_to_verify_and_default_algorithm(s3):
    operation = s3.operation_model("PutObject")
    assert plan_checksums(operation, {"content-type": "text/plain"}) is NO_CHECKSUMS
    assert verify_payload(NO_CHECKSUMS, b"x") == {}
    plan = plan_checksums(operation, {}, default_algorithm="crc64nvme")
    assert plan.algorithm is None and plan.compute == ("crc64nvme",)
    assert verify_payload(plan, CHECK) == {"crc64nvme": VECTORS["crc64nvme"]}


def test_trailer_checksums(s3):
    operation = s3.operation_model("PutObject")
    plan = plan_checksums(operation, {"x-amz-trailer": "x-amz-checksum-crc32c", "x-amz-sdk-checksum-algorithm": "crc32c"})
    assert (plan.algorithm, plan.trailer, plan.expected) == ("crc32c", "x-amz-checksum-crc32c", None)
    assert verify_payload(plan, CHECK, {"x-amz-checksum-crc32c": VECTORS["crc32c"]}) == {"crc32c": VECTORS["crc32c"]}
    err = s3_error(verify_payload, plan, CHECK, {})
    assert err.code == "MalformedTrailerError"
    err = s3_error(verify_payload, plan, CHECK, {"x-amz-checksum-crc32c": "4waSgx=="})
    assert (err.code, err.message) == ("InvalidRequest", "Value for x-amz-checksum-crc32c trailing header is invalid.")
    err = s3_error(verify_payload, plan, b"x", {"x-amz-checksum-crc32c": VECTORS["crc32c"]})
    assert (err.code, err.message) == ("BadDigest", "The CRC32C you specified did not match the calculated checksum.")
    err = s3_error(plan_checksums, operation, {"x-amz-trailer": "x-amz-checksum-crc16"})
    assert err.code == "InvalidRequest"


def test_checksummed_stream_verifies_at_the_end(s3):
    data = random.Random(1).randbytes(50_000)
    good = checksum("sha256", data)

    async def source():
        for start in range(0, len(data), 777):
            yield data[start : start + 777]

    async def read_all(stream, size):
        out = bytearray()
        while chunk := await stream.read(size):
            out += chunk
        return bytes(out)

    plan = plan_checksums(s3.operation_model("UploadPart"), {"x-amz-checksum-sha256": good})
    stream = ChecksummedStream(source(), ChecksumVerifier(plan))
    assert asyncio.run(read_all(stream, 1000)) == data
    assert stream.checksums == {"sha256": good}

    async def iterate(stream):
        return b"".join([piece async for piece in stream])

    bad = plan_checksums(s3.operation_model("UploadPart"), {"x-amz-checksum-sha256": checksum("sha256", b"x")})
    with pytest.raises(ServiceError) as caught:
        asyncio.run(iterate(ChecksummedStream(source(), ChecksumVerifier(bad))))
    assert caught.value.code == "BadDigest"


def test_without_awscrt_crcs_fall_back_and_xxhash_goes_unverified(monkeypatch, s3):
    monkeypatch.setattr(checksums, "_crt", lambda: None)
    assert checksum("crc32c", CHECK) == VECTORS["crc32c"]
    assert checksum("crc64nvme", CHECK) == VECTORS["crc64nvme"]
    assert not checksums.available("xxhash64")
    plan = plan_checksums(s3.operation_model("PutObject"), {"x-amz-checksum-xxhash64": "jLhB20DmroM="})
    assert plan.algorithm == "xxhash64" and plan.compute == ()
    assert verify_payload(plan, b"anything") == {"xxhash64": "jLhB20DmroM="}


def test_object_checksum_headers_outside_payload_operations_are_not_verified(s3):
    complete = s3.operation_model("CompleteMultipartUpload")
    headers = {"x-amz-checksum-crc32": "AAAAAA==-3", "x-amz-checksum-type": "COMPOSITE"}
    assert plan_checksums(complete, headers) is NO_CHECKSUMS
    # Without a model, any checksum header is taken as the payload's.
    err = s3_error(plan_checksums, None, headers)
    assert err.message == "Value for x-amz-checksum-crc32 header is invalid."
