"""What AWS answers that the models do not declare: reviewed by hand, each with its source.

Two tables:

- :data:`UNDECLARED` — errors a *positive* (model-valid) request may get although the
  operation does not declare them: the common errors every action of a service returns, and
  S3's documented error codes (S3's model declares almost none).
- :data:`REJECTION_CODES` — the codes a *negative* request (one broken model constraint)
  must be rejected with, per protocol and per service. On top of these, an error the
  operation declares whose name says it is about invalid input (``Invalid*``,
  ``*Validation*``, ``Malformed*``) also counts (:func:`rejection_codes`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel


@dataclass(frozen=True)
class Allowed:
    codes: frozenset[str]
    source: str


_COMMON_QUERY = Allowed(
    frozenset({"InvalidParameterCombination", "InvalidParameterValue", "InvalidQueryParameter",
               "MissingParameter", "ValidationError", "MalformedQueryString", "InvalidAction",
               "AccessDenied", "AccessDeniedException", "ThrottlingException", "Throttling"}),
    "AWS Common Errors (e.g. https://docs.aws.amazon.com/cloudsearch/latest/developerguide/CommonErrors.html):"
    " errors all actions return",
)
_COMMON_JSON = Allowed(
    frozenset({"ValidationException", "ValidationError", "AccessDeniedException",
               "ThrottlingException", "InvalidParameterCombination", "InvalidParameterValue",
               "MissingParameter"}),
    "AWS Common Errors pages of the JSON services (KMS, SSM, Secrets Manager, DynamoDB API"
    " references: CommonErrors.html): ValidationError/ValidationException for input that fails"
    " a service-side check",
)
_S3 = Allowed(
    frozenset({
        "AccessDenied", "BadDigest", "BucketAlreadyExists", "BucketAlreadyOwnedByYou",
        "BucketNotEmpty", "EntityTooLarge", "EntityTooSmall", "IllegalLocationConstraintException",
        "IllegalVersioningConfigurationException", "IncompleteBody", "InvalidArgument",
        "InvalidBucketName", "InvalidBucketState", "InvalidDigest", "InvalidLocationConstraint",
        "InvalidObjectState", "InvalidPart", "InvalidPartOrder", "InvalidRange", "InvalidRequest",
        "InvalidStorageClass", "InvalidTag", "InvalidTargetBucketForLogging", "KeyTooLongError",
        "MalformedACLError", "MalformedPolicy", "MalformedXML", "MetadataTooLarge",
        "MethodNotAllowed", "MissingContentLength", "MissingRequestBodyError",
        "MissingSecurityHeader", "NoSuchBucket", "NoSuchBucketPolicy", "NoSuchCORSConfiguration",
        "NoSuchKey", "NoSuchLifecycleConfiguration", "NoSuchTagSet", "NoSuchUpload",
        "NoSuchVersion", "NoSuchWebsiteConfiguration", "NotImplemented_", "PreconditionFailed",
        "NotModified", "OwnershipControlsNotFoundError", "ReplicationConfigurationNotFoundError",
        "ServerSideEncryptionConfigurationNotFoundError", "NoSuchPublicAccessBlockConfiguration",
        "ObjectLockConfigurationNotFoundError", "NoSuchObjectLockConfiguration",
        "InvalidEncryptionAlgorithmError", "TooManyBuckets", "XAmzContentSHA256Mismatch",
        "NoSuchAccessPoint", "UnresolvableGrantByEmailAddress", "InvalidURI", "BadRequest",
        "NoSuchBucketMetadataConfiguration", "InvalidObjectName", "InvalidToken",
        "IntelligentTieringConfigurationNotFound", "NoSuchConfiguration",
    }),
    "Amazon S3 API Reference, Error responses, List of error codes"
    " (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList)",
)
_SQS = Allowed(
    frozenset({"InvalidAddress", "InvalidSecurity", "QueueDoesNotExist",
               "AWS.SimpleQueueService.NonExistentQueue", "InvalidAttributeName",
               "InvalidAttributeValue", "RequestThrottled", "UnsupportedOperation"}),
    "Amazon SQS API Reference, Common Errors and per-action errors"
    " (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/CommonErrors.html)",
)

UNDECLARED: dict[str, tuple[Allowed, ...]] = {
    "json": (_COMMON_JSON,),
    "rest-json": (_COMMON_JSON,),
    "smithy-rpc-v2-cbor": (_COMMON_JSON,),
    "query": (_COMMON_QUERY,),
    "ec2": (_COMMON_QUERY,),
    "rest-xml": (),
    "s3": (_S3,),
    "sqs": (_SQS,),
}

_JSON_REJECT = frozenset({"ValidationException"})
REJECTION_CODES: dict[str, frozenset[str]] = {
    "json": _JSON_REJECT,
    "rest-json": _JSON_REJECT,
    "smithy-rpc-v2-cbor": _JSON_REJECT,
    "query": frozenset({"ValidationError", "MissingParameter", "InvalidParameterValue"}),
    "ec2": frozenset({"MissingParameter", "InvalidParameterValue"}),
    "rest-xml": frozenset({"InvalidInput"}),
    # S3 checks required members and some values with its own codes.
    "s3": frozenset({"InvalidRequest", "InvalidArgument", "MalformedXML", "MissingRequestBodyError",
                     "InvalidBucketName", "InvalidStorageClass", "KeyTooLongError",
                     "MalformedACLError", "InvalidDigest", "InvalidTag", "InvalidPart",
                     "MalformedPolicy", "InvalidRange", "BadRequest"}),
    # SQS over JSON keeps its query codes (awsQueryCompatible).
    "sqs": frozenset({"MissingParameter", "InvalidParameterValue", "ValidationException",
                      "InvalidAttributeName", "InvalidAttributeValue", "InvalidAddress",
                      "InvalidBatchEntryId", "InvalidMessageContents", "ReceiptHandleIsInvalid",
                      "InvalidIdFormat"}),
    "sns": frozenset({"InvalidParameter", "InvalidParameterValue", "ValidationError"}),
    "iam": frozenset({"ValidationError", "InvalidInput", "MalformedPolicyDocument"}),
}
#: A value of the wrong JSON type is refused by the JSON deserializer before validation.
TYPE_REJECTION_JSON = frozenset({"SerializationException"})
_INPUT_WORDS = ("Invalid", "Validation", "Malformed")


def error_codes(shape) -> set[str]:  # noqa: ANN001 - a botocore error Shape
    codes = {shape.name}
    meta = shape.metadata.get("error") or {}
    if meta.get("code"):
        codes.add(meta["code"])
    return codes


def declared_codes(operation: "OperationModel") -> set[str]:
    out: set[str] = set()
    for shape in operation.error_shapes:
        out |= error_codes(shape)
    return out


_HEAD = Allowed(
    frozenset({"304", "400", "403", "404", "412"}),
    "a HEAD answer has no body (RFC 9110, 9.3.2), so the SDK's error code is the status;"
    " S3 API Reference, HeadObject/HeadBucket: errors come back as 400/403/404/412 without a body",
)


_DRY_RUN = Allowed(
    frozenset({"DryRunOperation"}),
    "Amazon EC2 API Reference, every action's DryRun parameter: \"If you have the required"
    " permissions, the error response is DryRunOperation\"",
)


def undeclared_allowed(operation: "OperationModel", params: dict | None = None) -> dict[str, str]:
    """code -> source, for the errors a positive variant may get without a declaration
    (``params``: the variant's input, where the answer depends on it: EC2's ``DryRun``)."""
    service = operation.service_model
    out: dict[str, str] = {}
    if params and params.get("DryRun") is True and service.protocol == "ec2":
        out.update(dict.fromkeys(_DRY_RUN.codes, _DRY_RUN.source))
    if operation.http.get("method") == "HEAD":
        out.update(dict.fromkeys(_HEAD.codes, _HEAD.source))
    for key in (service.protocol, service.service_name):
        for allowed in UNDECLARED.get(key, ()):
            for code in allowed.codes:
                out.setdefault(code, allowed.source)
    return out


def rejection_codes(operation: "OperationModel", violation: str | None) -> set[str]:
    """The codes AWS rejects one broken constraint of this operation with."""
    service = operation.service_model
    codes = set(REJECTION_CODES.get(service.service_name)
                or REJECTION_CODES.get(service.protocol, _JSON_REJECT))
    if violation == "type" and service.protocol in ("json", "rest-json", "smithy-rpc-v2-cbor"):
        codes |= TYPE_REJECTION_JSON
    for shape in operation.error_shapes:
        if any(word in shape.name for word in _INPUT_WORDS):
            codes |= error_codes(shape)
    return codes


#: Codes that refuse the *input* whatever the state (a valid request must never get them),
#: on top of each protocol's and service's :data:`REJECTION_CODES`.
_INPUT_ERRORS = frozenset({
    "ValidationException", "ValidationError", "InvalidParameterValue", "InvalidParameterCombination",
    "MissingParameter", "InvalidParameter", "InvalidInput", "InvalidArgument", "MalformedXML",
    "MalformedQueryString", "InvalidQueryParameter", "SerializationException",
    "InvalidParameterException", "InvalidParameterValueException", "MissingRequiredParameterException",
})
#: Codes of the rejection sets that depend on what exists, not on the input alone (a part
#: never uploaded, a range past the object's end, a receipt handle that expired).
_STATEFUL_REJECTIONS = frozenset({"InvalidPart", "InvalidRange", "ReceiptHandleIsInvalid"})
#: Declared errors that refuse input by their name.
_INPUT_ERROR_WORDS = ("Validation", "Malformed", "InvalidParameter", "InvalidInput", "InvalidArgument")
#: "It does not exist": a valid request about something the set-up should have made.
_MISSING_WORDS = ("NotFound", "NoSuch", "DoesNotExist", "NonExistent", "NotExist")


def input_error_codes(operation: "OperationModel") -> set[str]:
    """The codes that say "your input is invalid" for this operation."""
    service = operation.service_model
    codes = set(REJECTION_CODES.get(service.service_name)
                or REJECTION_CODES.get(service.protocol, _JSON_REJECT)) | _INPUT_ERRORS
    for shape in operation.error_shapes:
        if any(word in shape.name for word in _INPUT_ERROR_WORDS):
            codes |= error_codes(shape)
    return codes - _STATEFUL_REJECTIONS


def state_dependent(operation: "OperationModel", code: str) -> bool:
    """Whether ``code`` says the request named something that does not exist."""
    if operation.http.get("method") == "HEAD" and code == "404":
        return True
    return any(word in code for word in _MISSING_WORDS)
