"""What s3 needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import ACCOUNT, DROP, RoundTrip, ServiceSetup, Step

DROPS = {name: DROP for name in (
    "ContentMD5", "ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA1",
    "ChecksumSHA256", "SSECustomerKeyMD5", "CopySourceSSECustomerKeyMD5", "MFA",
    # botocore sends the body's real length; a made-up one leaves the server waiting
    "ContentLength")}

SETUP = ServiceSetup(
    steps=(
        Step("CreateBucket", {"Bucket": "{bucket}"}),
        Step("PutObject", {"Bucket": "{bucket}", "Key": "{key}", "Body": b"hello"}),
        Step("CreateMultipartUpload", {"Bucket": "{bucket}", "Key": "{key}"}, {"upload_id": "UploadId"}),
    ),
    members={"Bucket": "{bucket}", "Key": "{key}", "UploadId": "{upload_id}",
             "ExpectedBucketOwner": ACCOUNT, "ExpectedSourceBucketOwner": ACCOUNT,
             "CopySource": "{bucket}/{key}", "IfNoneMatch": "*", **DROPS},
    names={"Bucket": ("bucket", "ct-bucket"), "Key": ("key", "ct-key")},
    overrides={"CreateBucket": {"Bucket": "ct-new-{n}"}},
    roundtrips=(
        RoundTrip("object-body",
                  Step("PutObject", {"Bucket": "ct-bucket", "Key": "rt", "Body": b"round-trip"}),
                  Step("GetObject", {"Bucket": "ct-bucket", "Key": "rt"}), {"Body": b"round-trip"}),
        RoundTrip("bucket-tagging",
                  Step("PutBucketTagging", {"Bucket": "ct-bucket",
                                            "Tagging": {"TagSet": [{"Key": "team", "Value": "ct"}]}}),
                  Step("GetBucketTagging", {"Bucket": "ct-bucket"}),
                  {"TagSet.0.Key": "team", "TagSet.0.Value": "ct"}),
    ),
)
