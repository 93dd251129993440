"""Bucket configuration: versioning, and the documents S3 stores and returns as given
(policy, CORS, lifecycle, encryption, ownership controls, public access block, website,
logging, request payment, accelerate).

Most configurations are a document put, got and deleted whole; :data:`DOCUMENTS` says, per
configuration, which request member carries it, how the answer wraps it, and what S3 answers
when there is none (an error, or a default). The handlers are made from that table.
Configurations with behaviour live beside this module: CORS preflights (``cors.py``),
lifecycle (``lifecycle.py``), notifications (``notifications.py``), object lock
(``objectlock.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.rest_serializer import STATUS_OVERRIDE
from cloudtwin.services.s3 import errors
from cloudtwin.services.s3.lifecycle import check_rules
from cloudtwin.services.s3.configurations import IdConfigurationHandlers, ReplicationHandlers
from cloudtwin.services.s3.notifications import NotificationHandlers
from cloudtwin.services.s3.objectlock import ObjectLockHandlers


@dataclass(frozen=True, slots=True)
class Document:
    """One stored configuration.

    ``member`` is the Put operation's member holding the document; ``wrap`` is the Get
    output member the document goes under (None: the document's members are the output's);
    ``missing`` is ``(code, message)`` when Get finds none, else ``default`` is returned.
    """

    put: str
    get: str
    delete: str | None
    member: str
    wrap: str | None
    missing: tuple[str, str] | None = None
    default: Any = None
    #: The status a successful Put answers (S3 answers some with 204 No Content).
    put_status: int = 200
    #: Request members kept beside the document, with their defaults: Get returns them
    #: with it and Put answers them (lifecycle's ``TransitionDefaultMinimumObjectSize``).
    companions: tuple[tuple[str, str], ...] = ()
    #: Members S3 fills in when a Put leaves them out.
    filled: tuple[tuple[str, Any], ...] = ()


DOCUMENTS: dict[str, Document] = {
    "Policy": Document(
        "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy", "Policy", "Policy",
        ("NoSuchBucketPolicy", "The bucket policy does not exist"), put_status=204,
    ),
    "Cors": Document(
        "PutBucketCors", "GetBucketCors", "DeleteBucketCors", "CORSConfiguration", None,
        ("NoSuchCORSConfiguration", "The CORS configuration does not exist"),
    ),
    "Lifecycle": Document(
        "PutBucketLifecycleConfiguration", "GetBucketLifecycleConfiguration", "DeleteBucketLifecycle",
        "LifecycleConfiguration", None,
        ("NoSuchLifecycleConfiguration", "The lifecycle configuration does not exist"),
        companions=(("TransitionDefaultMinimumObjectSize", "all_storage_classes_128K"),),
    ),
    "Encryption": Document(
        "PutBucketEncryption", "GetBucketEncryption", "DeleteBucketEncryption",
        "ServerSideEncryptionConfiguration", "ServerSideEncryptionConfiguration",
        default={"ServerSideEncryptionConfiguration": {"Rules": [{
            "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
            "BucketKeyEnabled": False,
        }]}},
    ),
    "OwnershipControls": Document(
        "PutBucketOwnershipControls", "GetBucketOwnershipControls", "DeleteBucketOwnershipControls",
        "OwnershipControls", "OwnershipControls",
        ("OwnershipControlsNotFoundError", "The bucket ownership controls were not found"),
    ),
    "PublicAccessBlock": Document(
        "PutPublicAccessBlock", "GetPublicAccessBlock", "DeletePublicAccessBlock",
        "PublicAccessBlockConfiguration", "PublicAccessBlockConfiguration",
        ("NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found"),
        filled=tuple((flag, False) for flag in (
            "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets",
        )),
    ),
    "Website": Document(
        "PutBucketWebsite", "GetBucketWebsite", "DeleteBucketWebsite", "WebsiteConfiguration", None,
        ("NoSuchWebsiteConfiguration", "The specified bucket does not have a website configuration"),
    ),
    "Logging": Document(
        "PutBucketLogging", "GetBucketLogging", None, "BucketLoggingStatus", None, default={},
    ),
    "RequestPayment": Document(
        "PutBucketRequestPayment", "GetBucketRequestPayment", None, "RequestPaymentConfiguration", None,
        default={"Payer": "BucketOwner"},
    ),
    "Accelerate": Document(
        "PutBucketAccelerateConfiguration", "GetBucketAccelerateConfiguration", None,
        "AccelerateConfiguration", None, default={},
    ),
}  # fmt: skip

_NOT_FOUND_STATUS = 404
OBJECT_OWNERSHIPS = ("BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced")


def _check(name: str, document: Any) -> None:
    """The semantic checks S3 makes on a document before storing it."""
    if name == "Policy":
        try:
            parsed = read_json(document)
        except (TypeError, ValueError):
            parsed = None
        if not isinstance(parsed, dict):
            raise ServiceError(
                "MalformedPolicy", "Policies must be valid JSON and the first byte must be '{'", 400
            )
        if not parsed.get("Statement"):
            raise ServiceError("MalformedPolicy", "Missing required field Statement", 400)
    elif name == "Cors":
        rules = (document or {}).get("CORSRules") or []
        if not rules or len(rules) > 100:
            raise errors.malformed_xml()
        for rule in rules:
            for method in rule.get("AllowedMethods") or []:
                if method not in ("GET", "PUT", "HEAD", "POST", "DELETE"):
                    raise errors.invalid_request(
                        f"Found unsupported HTTP method in CORS config. Unsupported method is {method}"
                    )
    elif name == "Lifecycle":
        rules = (document or {}).get("Rules") or []
        if not rules or len(rules) > 1000:
            raise errors.malformed_xml()
        ids = [rule.get("ID") for rule in rules if rule.get("ID")]
        if len(ids) != len(set(ids)):
            raise errors.invalid_argument("Rule ID must be unique. Found same ID for more than one rule")
        for rule in rules:
            if "Filter" in rule and "Prefix" in rule:
                raise errors.malformed_xml()
            errors.check_xml_enum(rule.get("Status"), ("Enabled", "Disabled"))
        check_rules(rules)
    elif name == "Accelerate":
        errors.check_xml_enum((document or {}).get("Status"), ("Enabled", "Suspended"))
    elif name == "OwnershipControls":
        rules = (document or {}).get("Rules") or []
        if len(rules) != 1:
            raise errors.malformed_xml()
        errors.check_xml_enum(rules[0].get("ObjectOwnership"), OBJECT_OWNERSHIPS)
    elif name == "Encryption":
        rules = (document or {}).get("Rules") or []
        if len(rules) != 1:
            raise errors.malformed_xml()
        default = rules[0].get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("KMSMasterKeyID") and default.get("SSEAlgorithm") not in ("aws:kms", "aws:kms:dsse"):
            raise errors.invalid_argument(
                "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse",
                "ApplyServerSideEncryptionByDefault",
            )
    elif name == "RequestPayment":
        errors.check_xml_enum((document or {}).get("Payer"), ("Requester", "BucketOwner"))
    elif name == "Website":
        check_website(document or {})


def check_website(document: dict[str, Any]) -> None:
    """A website configuration: a redirect of everything, or an index document (a file
    name, no slash) with optional error document and routing rules."""
    if document.get("RedirectAllRequestsTo") is not None:
        if any(document.get(k) is not None for k in ("IndexDocument", "ErrorDocument", "RoutingRules")):
            raise errors.invalid_argument(
                "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules.",
                "RedirectAllRequestsTo", "not null",
            )
        errors.check_xml_enum(document["RedirectAllRequestsTo"].get("Protocol"), ("http", "https"))
        return
    index = document.get("IndexDocument")
    if index is None:
        raise errors.invalid_argument(
            "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty",
            "IndexDocument", "null",
        )
    suffix = index.get("Suffix") or ""
    if not suffix or "/" in suffix:
        raise errors.invalid_argument("The IndexDocument Suffix is not well formed", "IndexDocument", suffix)
    rules = document.get("RoutingRules")
    if rules is not None and not rules:
        raise errors.malformed_xml()
    for rule in rules or []:
        if rule.get("Condition") is not None and not any(rule["Condition"].values()):
            raise errors.invalid_request(
                "Condition cannot be empty. To redirect all requests without a condition, the "
                "condition element shouldn't be present."
            )
        redirect = rule.get("Redirect") or {}
        if redirect.get("ReplaceKeyPrefixWith") is not None and redirect.get("ReplaceKeyWith") is not None:
            raise errors.invalid_request("You can only define ReplaceKeyPrefix or ReplaceKey but not both.")
        if redirect.get("Protocol") is not None and redirect["Protocol"] not in ("http", "https"):
            raise errors.invalid_request(
                "Invalid protocol, protocol can be http or https. If not defined the protocol "
                "will be selected automatically."
            )


def _make_handlers(name: str, doc: Document) -> dict[str, Callable[..., Any]]:
    from cloudtwin.services.provider import handler_name

    def put(self: Any, ctx: RequestContext, params: dict[str, Any]) -> Any:
        bucket = self.bucket(ctx, params["Bucket"])
        document = params.get(doc.member)
        if document is None and name != "Policy":  # a policy's own check names its absence
            raise errors.malformed_xml()
        if name == "Accelerate" and "." in bucket.name:
            raise errors.invalid_request(
                "S3 Transfer Acceleration is not supported for buckets with periods (.) in their names"
            )
        _check(name, document)
        if doc.filled:
            document = {**dict(doc.filled), **document}
        stored = {doc.wrap: document} if doc.wrap else dict(document)
        answer: dict[str, Any] = {}
        for member, default in doc.companions:
            stored[member] = answer[member] = params.get(member) or default
        bucket.config[name] = stored
        self.store.buckets.save((bucket.partition, bucket.name))
        if doc.put_status != 200:
            answer[STATUS_OVERRIDE] = doc.put_status
        return answer or None

    def get(self: Any, ctx: RequestContext, params: dict[str, Any]) -> Any:
        bucket = self.bucket(ctx, params["Bucket"])
        stored = bucket.config.get(name)
        if stored is None:
            if doc.missing is not None:
                raise errors.bucket_error(doc.missing[0], doc.missing[1], _NOT_FOUND_STATUS, bucket.name)
            return doc.default
        return stored

    def delete(self: Any, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        bucket.config.pop(name, None)
        self.store.buckets.save((bucket.partition, bucket.name))

    handlers = {handler_name(doc.put): put, handler_name(doc.get): get}
    if doc.delete:
        handlers[handler_name(doc.delete)] = delete
    return handlers


class VersioningHandlers:
    bucket: Any
    store: Any

    def put_bucket_versioning(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        bucket = self.bucket(ctx, params["Bucket"])
        status = (params.get("VersioningConfiguration") or {}).get("Status")
        if status is None:
            raise ServiceError(
                "IllegalVersioningConfigurationException", "The Versioning element must be specified", 400
            )
        if status not in ("Enabled", "Suspended"):
            raise errors.malformed_xml()
        if bucket.object_lock and status != "Enabled":
            raise ServiceError(
                "InvalidBucketState",
                "An Object Lock configuration is present on this bucket, so the versioning state "
                "cannot be changed.",
                409,
            )
        bucket.versioning = status
        mfa = (params.get("VersioningConfiguration") or {}).get("MFADelete")
        if mfa:
            bucket.config["MFADelete"] = mfa
        self.store.buckets.save((bucket.partition, bucket.name))

    def get_bucket_versioning(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        result: dict[str, Any] = {}
        if bucket.versioning:
            result["Status"] = bucket.versioning
            if bucket.config.get("MFADelete"):
                result["MFADelete"] = bucket.config["MFADelete"]
        return result

    def get_bucket_policy_status(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        bucket = self.bucket(ctx, params["Bucket"])
        policy = (bucket.config.get("Policy") or {}).get("Policy")
        if not policy:
            raise errors.bucket_error("NoSuchBucketPolicy", "The bucket policy does not exist", 404, bucket.name)
        public = False
        for statement in json.loads(policy).get("Statement") or []:
            principal = statement.get("Principal")
            if statement.get("Effect") == "Allow" and (
                principal == "*" or (isinstance(principal, dict) and principal.get("AWS") == "*")
            ) and not statement.get("Condition"):
                public = True
        return {"PolicyStatus": {"IsPublic": public}}


DocumentHandlers = type(
    "DocumentHandlers",
    (),
    {
        "__doc__": "Put/Get/Delete handlers of the stored documents in DOCUMENTS.",
        **{k: v for name, doc in DOCUMENTS.items() for k, v in _make_handlers(name, doc).items()},
    },
)


class ConfigurationHandlers(  # type: ignore[misc, valid-type]
    DocumentHandlers, VersioningHandlers, NotificationHandlers, ObjectLockHandlers,
    IdConfigurationHandlers, ReplicationHandlers,
):
    """Every bucket configuration handler."""
