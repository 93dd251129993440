"""What s3 needs before its operations run.

The main bucket (``{bucket}``) is versioned and holds the object ``{key}`` (its version id
and ETag captured, so ``VersionId`` / ``IfMatch`` name what exists), a copy source, an open
multipart upload with one part, and a stored document of each configuration the Get*
operations read. Beside it, buckets for what the main one cannot be at the same time:
object-lock buckets (one whose ``{key}`` is under a legal hold, one whose ``{key}`` is under
a retention that later variants could not shorten), one holding ``{key}`` archived in
GLACIER for RestoreObject, and an empty one for DeleteBucket. No S3 member has a length
bound on ``Bucket``, so overriding it per operation costs no variant its focus; each extra
bucket holds ``{key}`` too, so a variant about ``Key`` still finds it.
"""

from __future__ import annotations

from datetime import datetime, timezone

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import ACCOUNT, DROP, RoundTrip, ServiceSetup, Step

DROPS = {name: DROP for name in (
    # digests of a body or an SSE-C key: a made-up value is refused by design (BadDigest,
    # InvalidRequest "Value for x-amz-checksum-... header is invalid")
    "ContentMD5", "ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA1",
    "ChecksumSHA256", "ChecksumSHA512", "ChecksumMD5", "ChecksumXXHASH64", "ChecksumXXHASH3",
    "ChecksumXXHASH128", "SSECustomerKeyMD5", "CopySourceSSECustomerKeyMD5",
    # an MFA device's serial and current code
    "MFA",
    # botocore sends the body's real length; a made-up one leaves the server waiting
    "ContentLength")}

#: Far enough ahead for any run of this suite, and behind for the "since" conditions.
FUTURE = datetime(2099, 1, 1, tzinfo=timezone.utc)
PAST = datetime(2000, 1, 1, tzinfo=timezone.utc)
#: An ETag no object of the set-up has (the MD5 of nothing the set-up writes).
PART = b"part one"
OTHER_ETAG = '"00000000000000000000000000000000"'

POLICY = (
    '{"Version": "2012-10-17", "Statement": [{"Sid": "OwnerReads", "Effect": "Allow",'
    f' "Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:root"}}, "Action": "s3:GetObject",'
    ' "Resource": "arn:aws:s3:::{bucket}/*"}]}'
)
CORS = {"CORSRules": [{"AllowedMethods": ["GET", "PUT"], "AllowedOrigins": ["https://example.com"],
                       "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}]}
LIFECYCLE = {"Rules": [{"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
                        "Expiration": {"Days": 30}}]}
WEBSITE = {"IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}}
ENCRYPTION = {"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}
OWNERSHIP = {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
TAGS = {"TagSet": [{"Key": "team", "Value": "ct"}]}

#: Object Lock operations: the bucket whose ``{key}`` is under a legal hold.
LOCKED = {"Bucket": "ct-locked", "VersionId": "{locked_version}"}

SETUP = ServiceSetup(
    steps=(
        Step("CreateBucket", {"Bucket": "{bucket}"}),
        Step("PutBucketVersioning", {"Bucket": "{bucket}",
                                     "VersioningConfiguration": {"Status": "Enabled"}}),
        Step("PutObject", {"Bucket": "{bucket}", "Key": "{key}", "Body": b"hello"},
             {"version_id": "VersionId", "etag": "ETag"}),
        Step("PutObject", {"Bucket": "{bucket}", "Key": "ct-source", "Body": b"copy me"},
             {"source_etag": "ETag"}),
        Step("CreateMultipartUpload", {"Bucket": "{bucket}", "Key": "{key}"}, {"upload_id": "UploadId"}),
        Step("UploadPart", {"Bucket": "{bucket}", "Key": "{key}", "UploadId": "{upload_id}",
                            "PartNumber": 1, "Body": PART}, {"part_etag": "ETag"}),
        # the stored documents, for the operations that read or delete them
        Step("PutBucketCors", {"Bucket": "{bucket}", "CORSConfiguration": CORS},
             operations=("GetBucketCors", "DeleteBucketCors")),
        Step("PutBucketLifecycleConfiguration", {"Bucket": "{bucket}", "LifecycleConfiguration": LIFECYCLE},
             operations=("GetBucketLifecycleConfiguration", "DeleteBucketLifecycle")),
        Step("PutBucketPolicy", {"Bucket": "{bucket}", "Policy": POLICY},
             operations=("GetBucketPolicy", "GetBucketPolicyStatus", "DeleteBucketPolicy")),
        Step("PutBucketTagging", {"Bucket": "{bucket}", "Tagging": TAGS},
             operations=("GetBucketTagging", "DeleteBucketTagging")),
        Step("PutBucketWebsite", {"Bucket": "{bucket}", "WebsiteConfiguration": WEBSITE},
             operations=("GetBucketWebsite", "DeleteBucketWebsite")),
        # Object Lock: a legal hold on one bucket's {key}, a retention on the other's.
        Step("CreateBucket", {"Bucket": "ct-locked", "ObjectLockEnabledForBucket": True}),
        Step("PutObject", {"Bucket": "ct-locked", "Key": "{key}", "Body": b"hello",
                           "ObjectLockLegalHoldStatus": "ON"}, {"locked_version": "VersionId"}),
        Step("CreateBucket", {"Bucket": "ct-retained", "ObjectLockEnabledForBucket": True}),
        Step("PutObject", {"Bucket": "ct-retained", "Key": "{key}", "Body": b"retained",
                           "ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": FUTURE},
             {"retained_version": "VersionId"}),
        # Archived: RestoreObject's object (unversioned bucket: its version id is "null").
        Step("CreateBucket", {"Bucket": "ct-cold"}, operations=("RestoreObject",)),
        Step("PutObject", {"Bucket": "ct-cold", "Key": "{key}", "Body": b"cold", "StorageClass": "GLACIER"},
             operations=("RestoreObject",)),
        Step("CreateBucket", {"Bucket": "ct-empty"}, operations=("DeleteBucket",)),
        # a destination for event notifications
        Step("CreateTopic", {"Name": "ct-s3-events"}, {"topic_arn": "TopicArn"}, service="sns"),
    ),
    members={"Bucket": "{bucket}", "Key": "{key}", "UploadId": "{upload_id}",
             "VersionId": "{version_id}",
             "ExpectedBucketOwner": ACCOUNT, "ExpectedSourceBucketOwner": ACCOUNT,
             "CopySource": "{bucket}/ct-source", "IfNoneMatch": "*",
             # conditions that hold for the objects the set-up wrote
             "IfMatch": "{etag}", "IfModifiedSince": PAST, "IfUnmodifiedSince": FUTURE,
             "CopySourceIfMatch": "{source_etag}", "CopySourceIfNoneMatch": OTHER_ETAG,
             "CopySourceIfModifiedSince": PAST, "CopySourceIfUnmodifiedSince": FUTURE,
             "CopySourceRange": "bytes=0-3", **DROPS},
    names={"Bucket": ("bucket", "ct-bucket"), "Key": ("key", "ct-key")},
    # documents AWS needs although the model leaves them optional (no body: MalformedXML)
    defaults={
        "CompleteMultipartUpload": {"MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": "{part_etag}"}]}},
        "PutBucketLifecycleConfiguration": {"LifecycleConfiguration": LIFECYCLE},
    },
    overrides={
        "CreateBucket": {"Bucket": "ct-new-{n}"},
        "DeleteBucket": {"Bucket": "ct-empty"},
        # a read's If-None-Match names an ETag the object does not have (a stale copy's)
        "GetObject": {"IfNoneMatch": OTHER_ETAG},
        "HeadObject": {"IfNoneMatch": OTHER_ETAG},
        "RestoreObject": {"Bucket": "ct-cold", "VersionId": "null"},
        # writes that may carry Object Lock headers go to a bucket that has Object Lock (its
        # {key} has the main one's body, so the ETag conditions hold there too)
        "PutObject": {"Bucket": "ct-locked"},
        "CopyObject": {"Bucket": "ct-locked"},
        "CreateMultipartUpload": {"Bucket": "ct-locked"},
        # a part copied from the object being rewritten (how a large object is copied onto
        # itself); CopyObject must name another object, a copy onto itself changing nothing
        # is refused
        "UploadPartCopy": {"CopySource": "{bucket}/{key}", "CopySourceIfMatch": "{etag}"},
        "GetObjectLegalHold": LOCKED,
        "PutObjectLegalHold": LOCKED,
        "PutObjectRetention": LOCKED,
        "GetObjectLockConfiguration": LOCKED,
        "PutObjectLockConfiguration": LOCKED,
        "GetObjectRetention": {"Bucket": "ct-retained", "VersionId": "{retained_version}"},
        # Put* with realistic documents (the generated ones are empty lists and made-up ARNs)
        "PutBucketVersioning": {"VersioningConfiguration": {"Status": "Enabled"}},
        "PutBucketCors": {"CORSConfiguration": CORS},
        "PutBucketLifecycleConfiguration": {"LifecycleConfiguration": LIFECYCLE},
        "PutBucketPolicy": {"Policy": POLICY},
        "PutBucketEncryption": {"ServerSideEncryptionConfiguration": ENCRYPTION},
        "PutBucketOwnershipControls": {"OwnershipControls": OWNERSHIP},
        "PutBucketWebsite": {"WebsiteConfiguration": WEBSITE},
        # tag keys are not object keys: keep the generated ones (None = no substitution)
        "PutBucketTagging": {"Key": None},
        "PutObjectTagging": {"Tagging": TAGS},
        "PutBucketNotificationConfiguration": {"NotificationConfiguration": {"TopicConfigurations": [
            {"TopicArn": "{topic_arn}", "Events": ["s3:ObjectCreated:*"]}]}},
        "DeleteObjects": {"Objects": [{"Key": "{key}"}]},
        "GetObjectAttributes": {"ObjectAttributes": ["ETag", "ObjectSize", "StorageClass"]},
        # the one part the set-up uploaded, and its real size (a made-up size is refused)
        "CompleteMultipartUpload": {"MultipartUpload": {"Parts": [{"PartNumber": 1, "ETag": "{part_etag}"}]},
                                    "MpuObjectSize": len(PART)},
    },
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

#: Reasons shared by several operations' gaps (each gap names its operation: no wildcard).
_ANOTHER_OPERATION = (
        "S3 tells these operations apart by a query parameter or header: without uploadId / "
        "partNumber / x-amz-copy-source the request *is* another operation (AbortMultipartUpload "
        "-> DeleteObject, UploadPart -> PutObject, UploadPartCopy -> CopyObject, CopyObject -> "
        "PutObject), which AWS answers 2xx exactly as cloudtwin does. Not a cloudtwin gap: "
        "proposed as an allow-list entry.")
_STRING_DIGITS = (
        "Documentation examples give integer members as strings (\"MaxKeys\": \"2\", "
        "\"PartNumber\": \"1\"); botocore puts the same digits on the wire, so the request is "
        "valid and AWS answers 200 as cloudtwin does.")
_REQUEST_PAYER = (
    "x-amz-request-payer: S3 acts only on the value 'requester' (Requester Pays buckets, S3 User "
    "Guide); what AWS answers to another value is not documented, so cloudtwin ignores it as it "
    "ignores the header on a bucket that is not Requester Pays")

KNOWN_GAPS = {
    **{(op, "accepted-invalid", "required"): _ANOTHER_OPERATION
       for op in ("AbortMultipartUpload", "CopyObject", "UploadPart", "UploadPartCopy")},
    **{(op, "accepted-invalid", "model"): _STRING_DIGITS
       for op in ("ListObjects", "ListObjectsV2", "UploadPart", "UploadPartCopy")},
    **{(op, "accepted-invalid", "enum"): _REQUEST_PAYER
       for op in ("AbortMultipartUpload", "CompleteMultipartUpload", "DeleteObject", "DeleteObjects",
                  "GetObjectAcl", "GetObjectAttributes", "GetObjectLegalHold", "GetObjectRetention",
                  "GetObjectTagging", "ListMultipartUploads", "ListObjectVersions", "ListObjects",
                  "ListObjectsV2", "ListParts", "PutObjectLegalHold",
                  "PutObjectTagging", "UploadPart", "UploadPartCopy")},
    ("RestoreObject", "accepted-invalid", "enum"): (
        "RestoreRequest's SELECT parameters (a restore type AWS retired): cloudtwin does not run "
        "them, and what AWS answers to an unknown value inside them is not documented"),
    ("PutBucketLifecycleConfiguration", "accepted-invalid", "enum"): (
        "x-amz-transition-default-minimum-object-size: what AWS answers to an unknown value is not "
        "documented"),
    ("DeleteObjects", "accepted-invalid", "length"): (
        "an empty key in Delete.Objects: what AWS answers is not documented"),
    ("ListParts", "server-error", "required"): (
        "Without uploadId, GET /bucket/key is GetObject on AWS as on cloudtwin: the answer is "
        "the object's body (200), which botocore, expecting ListParts XML, reports as an error "
        "with code '500'. Not a server error."),
    ("HeadObject", "wrong-code", "type"): (
        "A HEAD answer has no body, so botocore's error code is the status ('400'): cloudtwin "
        "refuses the value with a 400 as AWS does; the judge cannot see the code."),
}


#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = tuple(
    Constraint(op, "PartNumber is a positive integer between 1 and 10,000",
               f"S3 API Reference, {op} PartNumber (botocore model)",
               lambda p: "PartNumber" in p and not 1 <= int(p["PartNumber"]) <= 10000)
    for op in ("UploadPart", "UploadPartCopy")
)
