"""CloudFormation resource handlers of S3's types (``AWS::S3::Bucket``, ``AWS::S3::BucketPolicy``).

A bucket's template properties are shaped differently from the API's (``CorsConfiguration``
has ``CorsRules``/``MaxAge``, lifecycle rules have ``ExpirationInDays``...): each
configuration property has a converter to its ``PutBucket*`` call here, and the same
table drives an update (put what changed, delete what the template dropped).
"""

from __future__ import annotations

from typing import Any, Callable

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import gone_ok, json_text, shaped, tags, truthy

#: Regions whose website endpoints are ``s3-website-<region>`` (the others use a dot).
_DASHED_WEBSITE_REGIONS = frozenset({
    "us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2",
    "ap-northeast-1", "sa-east-1", "us-gov-west-1",
})

_CANNED_ACLS = {
    "Private": "private", "PublicRead": "public-read", "PublicReadWrite": "public-read-write",
    "AuthenticatedRead": "authenticated-read", "BucketOwnerRead": "bucket-owner-read",
    "BucketOwnerFullControl": "bucket-owner-full-control", "LogDeliveryWrite": "log-delivery-write",
    "AwsExecRead": "aws-exec-read",
}


def _filter(value: dict[str, Any] | None) -> dict[str, Any] | None:
    rules = ((value or {}).get("S3Key") or {}).get("Rules")
    return {"Key": {"FilterRules": rules}} if rules else None


def _notifications(value: dict[str, Any]) -> dict[str, Any]:
    config: dict[str, Any] = {}
    for prop, api, target_prop, target_api in (
        ("TopicConfigurations", "TopicConfigurations", "Topic", "TopicArn"),
        ("QueueConfigurations", "QueueConfigurations", "Queue", "QueueArn"),
        ("LambdaConfigurations", "LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
    ):
        entries = []
        for entry in value.get(prop) or []:
            out = {target_api: entry[target_prop], "Events": [entry["Event"]]}
            if entry.get("Filter") and (f := _filter(entry["Filter"])):
                out["Filter"] = f
            entries.append(out)
        if entries:
            config[api] = entries
    if truthy((value.get("EventBridgeConfiguration") or {}).get("EventBridgeEnabled", False)):
        config["EventBridgeConfiguration"] = {}
    return config


def _cors(value: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in value.get("CorsRules") or []:
        out = {
            "AllowedMethods": rule["AllowedMethods"],
            "AllowedOrigins": rule["AllowedOrigins"],
            "AllowedHeaders": rule.get("AllowedHeaders"),
            "ExposeHeaders": rule.get("ExposedHeaders"),
            "MaxAgeSeconds": rule.get("MaxAge"),
            "ID": rule.get("Id"),
        }
        rules.append({k: v for k, v in out.items() if v is not None})
    return {"CORSRules": rules}


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ID": rule.get("Id"), "Status": rule["Status"]}
    conditions: dict[str, Any] = {}
    if rule.get("Prefix") is not None:
        conditions["Prefix"] = rule["Prefix"]
    if rule.get("TagFilters"):
        conditions["Tags"] = rule["TagFilters"]
    for size in ("ObjectSizeGreaterThan", "ObjectSizeLessThan"):
        if rule.get(size) is not None:
            conditions[size] = rule[size]
    if len(conditions) > 1 or "Tags" in conditions and len(conditions["Tags"]) > 1:
        out["Filter"] = {"And": conditions}
    elif "Tags" in conditions:
        out["Filter"] = {"Tag": conditions["Tags"][0]}
    else:
        out["Filter"] = conditions or {"Prefix": ""}
    expiration = {
        "Days": rule.get("ExpirationInDays"),
        "Date": rule.get("ExpirationDate"),
        "ExpiredObjectDeleteMarker": rule.get("ExpiredObjectDeleteMarker"),
    }
    if expiration := {k: v for k, v in expiration.items() if v is not None}:
        out["Expiration"] = expiration
    transitions = list(rule.get("Transitions") or [])
    if rule.get("Transition"):
        transitions.append(rule["Transition"])
    if transitions:
        out["Transitions"] = [
            {k: v for k, v in {"Days": t.get("TransitionInDays"), "Date": t.get("TransitionDate"),
                               "StorageClass": t["StorageClass"]}.items() if v is not None}
            for t in transitions
        ]
    noncurrent = list(rule.get("NoncurrentVersionTransitions") or [])
    if rule.get("NoncurrentVersionTransition"):
        noncurrent.append(rule["NoncurrentVersionTransition"])
    if noncurrent:
        out["NoncurrentVersionTransitions"] = [
            {k: v for k, v in {"NoncurrentDays": t.get("TransitionInDays"), "StorageClass": t["StorageClass"],
                               "NewerNoncurrentVersions": t.get("NewerNoncurrentVersions")}.items() if v is not None}
            for t in noncurrent
        ]
    if rule.get("NoncurrentVersionExpiration"):
        out["NoncurrentVersionExpiration"] = rule["NoncurrentVersionExpiration"]
    elif rule.get("NoncurrentVersionExpirationInDays") is not None:
        out["NoncurrentVersionExpiration"] = {"NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]}
    if rule.get("AbortIncompleteMultipartUpload"):
        out["AbortIncompleteMultipartUpload"] = rule["AbortIncompleteMultipartUpload"]
    return {k: v for k, v in out.items() if v is not None}


def _website(value: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if value.get("IndexDocument"):
        out["IndexDocument"] = {"Suffix": value["IndexDocument"]}
    if value.get("ErrorDocument"):
        out["ErrorDocument"] = {"Key": value["ErrorDocument"]}
    if value.get("RedirectAllRequestsTo"):
        out["RedirectAllRequestsTo"] = value["RedirectAllRequestsTo"]
    if value.get("RoutingRules"):
        out["RoutingRules"] = [
            {k: v for k, v in {"Condition": r.get("RoutingRuleCondition"), "Redirect": r.get("RedirectRule")}.items() if v}
            for r in value["RoutingRules"]
        ]
    return out


#: Template property -> (operation that sets it, its parameters from the value, operation that removes it).
Converter = Callable[[Any], dict[str, Any]]
_CONFIGURATIONS: dict[str, tuple[str, Converter, str | None]] = {
    "VersioningConfiguration": ("PutBucketVersioning", lambda v: {"VersioningConfiguration": v}, None),
    "NotificationConfiguration": (
        "PutBucketNotificationConfiguration", lambda v: {"NotificationConfiguration": _notifications(v)}, None,
    ),
    "CorsConfiguration": ("PutBucketCors", lambda v: {"CORSConfiguration": _cors(v)}, "DeleteBucketCors"),
    "LifecycleConfiguration": (
        "PutBucketLifecycleConfiguration",
        lambda v: {"LifecycleConfiguration": {"Rules": [_lifecycle_rule(r) for r in v.get("Rules") or []]}},
        "DeleteBucketLifecycle",
    ),
    "BucketEncryption": (
        "PutBucketEncryption",
        lambda v: {"ServerSideEncryptionConfiguration": {"Rules": v["ServerSideEncryptionConfiguration"]}},
        "DeleteBucketEncryption",
    ),
    "WebsiteConfiguration": ("PutBucketWebsite", lambda v: {"WebsiteConfiguration": _website(v)}, "DeleteBucketWebsite"),
    "PublicAccessBlockConfiguration": (
        "PutPublicAccessBlock", lambda v: {"PublicAccessBlockConfiguration": v}, "DeletePublicAccessBlock",
    ),
    "OwnershipControls": ("PutBucketOwnershipControls", lambda v: {"OwnershipControls": v}, "DeleteBucketOwnershipControls"),
    "LoggingConfiguration": (
        "PutBucketLogging",
        lambda v: {"BucketLoggingStatus": {"LoggingEnabled": {
            "TargetBucket": v.get("DestinationBucketName"), "TargetPrefix": v.get("LogFilePrefix", ""),
        }}},
        None,
    ),
    "AccelerateConfiguration": (
        "PutBucketAccelerateConfiguration",
        lambda v: {"AccelerateConfiguration": {"Status": v["AccelerationStatus"]}},
        None,
    ),
    "ObjectLockConfiguration": ("PutObjectLockConfiguration", lambda v: {"ObjectLockConfiguration": v}, None),
    "ReplicationConfiguration": (
        "PutBucketReplication", lambda v: {"ReplicationConfiguration": v}, "DeleteBucketReplication",
    ),
}

#: What removing a property without a delete operation puts back.
_RESET: dict[str, dict[str, Any]] = {
    "NotificationConfiguration": {"NotificationConfiguration": {}},
    "LoggingConfiguration": {"BucketLoggingStatus": {}},
    "VersioningConfiguration": {"VersioningConfiguration": {"Status": "Suspended"}},
    "AccelerateConfiguration": {"AccelerateConfiguration": {"Status": "Suspended"}},
}


def bucket_attributes(name: str, region: str) -> dict[str, str]:
    website = "s3-website-" if region in _DASHED_WEBSITE_REGIONS else "s3-website."
    return {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.{region}.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.{region}.amazonaws.com",
        "WebsiteURL": f"http://{name}.{website}{region}.amazonaws.com",
    }


class BucketHandler(ResourceHandler):
    type_name = "AWS::S3::Bucket"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("BucketName") or request.physical_name(63, lower=True)
        params: dict[str, Any] = {"Bucket": name}
        if request.region != "us-east-1":
            params["CreateBucketConfiguration"] = {"LocationConstraint": request.region}
        if props.get("AccessControl"):
            params["ACL"] = _CANNED_ACLS.get(props["AccessControl"], props["AccessControl"])
        if truthy(props.get("ObjectLockEnabled", False)):
            params["ObjectLockEnabledForBucket"] = True
        await request.call_async("s3", "CreateBucket", params)
        try:
            for prop in _CONFIGURATIONS:
                if props.get(prop):
                    await self._put(request, name, prop)
            if tag_list := tags(request):
                await request.call_async("s3", "PutBucketTagging", {"Bucket": name, "Tagging": {"TagSet": tag_list}})
        except Exception:
            with gone_ok():
                await request.call_async("s3", "DeleteBucket", {"Bucket": name})
            raise
        return Outcome(name, bucket_attributes(name, request.region))

    async def update(self, request: ResourceRequest) -> Outcome:
        before = request.previous_properties or {}
        props = request.properties
        if before.get("BucketName") != props.get("BucketName") or truthy(
            before.get("ObjectLockEnabled", False)
        ) != truthy(props.get("ObjectLockEnabled", False)):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        for prop, (_, _, remove) in _CONFIGURATIONS.items():
            if before.get(prop) == props.get(prop):
                continue
            if props.get(prop):
                await self._put(request, name, prop)
            elif remove:
                with gone_ok():
                    await request.call_async("s3", remove, {"Bucket": name})
            elif prop in _RESET:
                operation = _CONFIGURATIONS[prop][0]
                await request.call_async("s3", operation, {"Bucket": name, **_RESET[prop]})
        if before.get("AccessControl") != props.get("AccessControl"):
            acl = _CANNED_ACLS.get(props.get("AccessControl") or "Private", "private")
            await request.call_async("s3", "PutBucketAcl", {"Bucket": name, "ACL": acl})
        if before.get("Tags") != props.get("Tags"):
            if tag_list := tags(request):
                await request.call_async("s3", "PutBucketTagging", {"Bucket": name, "Tagging": {"TagSet": tag_list}})
            else:
                await request.call_async("s3", "DeleteBucketTagging", {"Bucket": name})
        return Outcome(name, bucket_attributes(name, request.region))

    async def delete(self, request: ResourceRequest) -> None:
        # As in AWS, a bucket that still holds objects is not deleted (BucketNotEmpty).
        with gone_ok():
            await request.call_async("s3", "DeleteBucket", {"Bucket": request.physical_id})

    readable = True

    async def read(self, request: ResourceRequest) -> dict[str, Any]:
        name = request.physical_id
        await request.call_async("s3", "HeadBucket", {"Bucket": name})
        found: dict[str, Any] = {"BucketName": name}
        versioning = await request.call_async("s3", "GetBucketVersioning", {"Bucket": name})
        if versioning.get("Status"):
            found["VersioningConfiguration"] = {"Status": versioning["Status"]}
        return found

    @staticmethod
    async def _put(request: ResourceRequest, name: str, prop: str) -> None:
        operation, convert, _ = _CONFIGURATIONS[prop]
        params = shaped(request, "s3", operation, {"Bucket": name, **convert(request.properties[prop])})
        await request.call_async("s3", operation, params)


class BucketPolicyHandler(ResourceHandler):
    type_name = "AWS::S3::BucketPolicy"

    async def create(self, request: ResourceRequest) -> Outcome:
        bucket = request.properties["Bucket"]
        await request.call_async("s3", "PutBucketPolicy", {"Bucket": bucket, "Policy": json_text(request.properties["PolicyDocument"])})
        return Outcome(bucket, {})

    async def update(self, request: ResourceRequest) -> Outcome:
        if (request.previous_properties or {}).get("Bucket") != request.properties["Bucket"]:
            raise UpdateNeedsReplacement()
        return await self.create(request)

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("s3", "DeleteBucketPolicy", {"Bucket": request.physical_id})


HANDLERS = [BucketHandler, BucketPolicyHandler]
