"""Resource set-up, as data: what each service needs to exist before its operations run,
and which input members name it.

Before an operation's variants run, the service's state is reset and its ``steps`` are
sent in order; values captured from their answers (``capture``: name -> dotted path into
the parsed response) fill the ``members`` templates, which replace the same-named members of
the variants' inputs (at any depth, never at the variant's focus). ``fresh`` gives the
creating operations new names instead, so ``CreateQueue`` makes a queue rather than tripping
over the existing one. ``DROP`` removes a member (a random ``ContentMD5`` only proves the
digest check works).

A template is a string with ``{name}`` fields, or exactly ``"{name}"`` for the captured value
itself (bytes, lists); ``{n}`` in ``fresh`` is a per-request counter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

DROP = object()
_FIELD = re.compile(r"\{(\w+)\}")
ACCOUNT = "000000000000"
REGION = "us-east-1"

_TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
          '{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}')
_POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'


@dataclass(frozen=True)
class Step:
    """One set-up request (to ``service`` when it is another service than the one run)."""

    operation: str
    params: Mapping[str, Any] = field(default_factory=dict)
    capture: Mapping[str, str] = field(default_factory=dict)
    service: str | None = None


@dataclass(frozen=True)
class RoundTrip:
    """What ``write`` sets, ``read`` returns: ``expect`` maps dotted paths of the read's
    answer to values (templates allowed)."""

    name: str
    write: Step
    read: Step
    expect: Mapping[str, Any]


@dataclass(frozen=True)
class ServiceSetup:
    steps: tuple[Step, ...] = ()
    members: Mapping[str, Any] = field(default_factory=dict)
    fresh: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: member -> (binding, default): names the set-up gives its resources. A positive
    #: variant about such a member (a name at a length bound...) gets a set-up that creates
    #: the resource under the variant's own value, so it can reach the success path.
    names: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    roundtrips: tuple[RoundTrip, ...] = ()


_S3_DROPS = {name: DROP for name in (
    "ContentMD5", "ChecksumCRC32", "ChecksumCRC32C", "ChecksumCRC64NVME", "ChecksumSHA1",
    "ChecksumSHA256", "SSECustomerKeyMD5", "CopySourceSSECustomerKeyMD5", "MFA",
    # botocore sends the body's real length; a made-up one leaves the server waiting
    "ContentLength")}

SETUPS: dict[str, ServiceSetup] = {
    "sqs": ServiceSetup(
        steps=(
            # visibility 0: the message stays receivable, so no ReceiveMessage long-polls
            Step("CreateQueue", {"QueueName": "{queue_name}", "Attributes": {"VisibilityTimeout": "0"}},
                 {"queue_url": "QueueUrl"}),
            Step("GetQueueAttributes", {"QueueUrl": "{queue_url}", "AttributeNames": ["QueueArn"]},
                 {"queue_arn": "Attributes.QueueArn"}),
            Step("SendMessage", {"QueueUrl": "{queue_url}", "MessageBody": "hello"}),
            Step("ReceiveMessage", {"QueueUrl": "{queue_url}"}, {"receipt": "Messages.0.ReceiptHandle"}),
        ),
        members={"QueueUrl": "{queue_url}", "QueueName": "{queue_name}", "QueueNamePrefix": "ct",
                 "ReceiptHandle": "{receipt}", "SourceArn": "{queue_arn}",
                 "DestinationArn": "{queue_arn}", "TaskHandle": DROP},
        names={"QueueName": ("queue_name", "ct-queue")},
        fresh={"CreateQueue": {"QueueName": "ct-new-{n}"}},
        roundtrips=(
            RoundTrip("attributes",
                      Step("SetQueueAttributes", {"QueueUrl": "{queue_url}", "Attributes": {"VisibilityTimeout": "45"}}),
                      Step("GetQueueAttributes", {"QueueUrl": "{queue_url}", "AttributeNames": ["VisibilityTimeout"]}),
                      {"Attributes.VisibilityTimeout": "45"}),
            RoundTrip("tags",
                      Step("TagQueue", {"QueueUrl": "{queue_url}", "Tags": {"team": "ct"}}),
                      Step("ListQueueTags", {"QueueUrl": "{queue_url}"}), {"Tags.team": "ct"}),
        ),
    ),
    "sns": ServiceSetup(
        steps=(
            Step("CreateTopic", {"Name": "ct-topic"}, {"topic_arn": "TopicArn"}),
            Step("Subscribe", {"TopicArn": "{topic_arn}", "Protocol": "sqs",
                               "Endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ct-queue",
                               "ReturnSubscriptionArn": True}, {"sub_arn": "SubscriptionArn"}),
        ),
        members={"TopicArn": "{topic_arn}", "SubscriptionArn": "{sub_arn}", "ResourceArn": "{topic_arn}",
                 "Protocol": "sqs", "Endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ct-queue"},
        fresh={"CreateTopic": {"Name": "ct-new-{n}"}},
        roundtrips=(
            RoundTrip("topic-attributes",
                      Step("SetTopicAttributes", {"TopicArn": "{topic_arn}", "AttributeName": "DisplayName",
                                                  "AttributeValue": "ct-display"}),
                      Step("GetTopicAttributes", {"TopicArn": "{topic_arn}"}),
                      {"Attributes.DisplayName": "ct-display"}),
        ),
    ),
    "s3": ServiceSetup(
        steps=(
            Step("CreateBucket", {"Bucket": "{bucket}"}),
            Step("PutObject", {"Bucket": "{bucket}", "Key": "{key}", "Body": b"hello"}),
            Step("CreateMultipartUpload", {"Bucket": "{bucket}", "Key": "{key}"}, {"upload_id": "UploadId"}),
        ),
        members={"Bucket": "{bucket}", "Key": "{key}", "UploadId": "{upload_id}",
                 "ExpectedBucketOwner": ACCOUNT, "ExpectedSourceBucketOwner": ACCOUNT,
                 "CopySource": "{bucket}/{key}", "IfNoneMatch": "*", **_S3_DROPS},
        names={"Bucket": ("bucket", "ct-bucket"), "Key": ("key", "ct-key")},
        fresh={"CreateBucket": {"Bucket": "ct-new-{n}"}},
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
    ),
    "dynamodb": ServiceSetup(
        steps=(
            Step("CreateTable", {
                "TableName": "{table}", "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            }, {"table_arn": "TableDescription.TableArn", "stream_arn": "TableDescription.LatestStreamArn"}),
            Step("PutItem", {"TableName": "{table}", "Item": {"pk": {"S": "k1"}}}),
        ),
        names={"TableName": ("table", "ct-table")},
        members={"TableName": "{table}", "TableArn": "{table_arn}", "ResourceArn": "{table_arn}",
                 "StreamArn": "{stream_arn}", "Key": {"pk": {"S": "k1"}}, "Item": {"pk": {"S": "k1"}}},
        fresh={"CreateTable": {"TableName": "ct-new-{n}"}},
        roundtrips=(
            RoundTrip("item",
                      Step("PutItem", {"TableName": "ct-table", "Item": {"pk": {"S": "rt"}, "v": {"N": "5"}}}),
                      Step("GetItem", {"TableName": "ct-table", "Key": {"pk": {"S": "rt"}}}),
                      {"Item.v.N": "5"}),
        ),
    ),
    "dynamodbstreams": ServiceSetup(
        steps=(
            Step("CreateTable", {
                "TableName": "ct-table", "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
                "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
            }, {"stream_arn": "TableDescription.LatestStreamArn"}, service="dynamodb"),
            Step("DescribeStream", {"StreamArn": "{stream_arn}"},
                 {"shard_id": "StreamDescription.Shards.0.ShardId"}),
            Step("GetShardIterator", {"StreamArn": "{stream_arn}", "ShardId": "{shard_id}",
                                      "ShardIteratorType": "TRIM_HORIZON"}, {"iterator": "ShardIterator"}),
        ),
        members={"StreamArn": "{stream_arn}", "ShardId": "{shard_id}", "ShardIterator": "{iterator}",
                 "TableName": "ct-table"},
    ),
    "kms": ServiceSetup(
        steps=(
            Step("CreateKey", {}, {"key_id": "KeyMetadata.KeyId", "key_arn": "KeyMetadata.Arn"}),
            Step("CreateAlias", {"AliasName": "{alias}", "TargetKeyId": "{key_id}"}),
            Step("Encrypt", {"KeyId": "{key_id}", "Plaintext": b"hello"}, {"blob": "CiphertextBlob"}),
            Step("CreateGrant", {"KeyId": "{key_id}", "GranteePrincipal": f"arn:aws:iam::{ACCOUNT}:root",
                                 "Operations": ["Encrypt"]}, {"grant_id": "GrantId"}),
        ),
        members={"KeyId": "{key_id}", "TargetKeyId": "{key_id}", "DestinationKeyId": "{key_id}",
                 "SourceKeyId": "{key_id}", "AliasName": "{alias}", "CiphertextBlob": "{blob}",
                 "SourceCiphertextBlob": "{blob}", "GrantId": "{grant_id}",
                 "GranteePrincipal": f"arn:aws:iam::{ACCOUNT}:root",
                 "RetiringPrincipal": f"arn:aws:iam::{ACCOUNT}:root", "PolicyName": "default",
                 "Policy": _POLICY, "GrantTokens": DROP},
        names={"AliasName": ("alias", "alias/ct-key")},
        fresh={"CreateAlias": {"AliasName": "alias/ct-new-{n}"}},
        roundtrips=(
            RoundTrip("encrypt-decrypt",
                      Step("Encrypt", {"KeyId": "{key_id}", "Plaintext": b"round-trip"}, {"rt_blob": "CiphertextBlob"}),
                      Step("Decrypt", {"CiphertextBlob": "{rt_blob}"}), {"Plaintext": b"round-trip"}),
        ),
    ),
    "secretsmanager": ServiceSetup(
        steps=(
            Step("CreateSecret", {"Name": "{secret}", "SecretString": "s3cr3t"},
                 {"secret_arn": "ARN", "version_id": "VersionId"}),
        ),
        names={"SecretId": ("secret", "ct-secret")},
        members={"SecretId": "{secret}", "VersionId": "{version_id}", "ResourcePolicy": _POLICY,
                 "MoveToVersionId": "{version_id}", "RemoveFromVersionId": "{version_id}"},
        fresh={"CreateSecret": {"Name": "ct-new-{n}"}},
        roundtrips=(
            RoundTrip("secret-value",
                      Step("PutSecretValue", {"SecretId": "ct-secret", "SecretString": "round-trip"}),
                      Step("GetSecretValue", {"SecretId": "ct-secret"}), {"SecretString": "round-trip"}),
        ),
    ),
    "ssm": ServiceSetup(
        steps=(
            Step("PutParameter", {"Name": "{param}", "Value": "v1", "Type": "String"}),
        ),
        names={"Name": ("param", "/ct/param")},
        members={"Name": "{param}", "Names": ["{param}"], "Path": "/ct", "ResourceType": "Parameter",
                 "ResourceId": "{param}"},
        fresh={"PutParameter": {"Name": "/ct/new-{n}"}, "CreateDocument": {"Name": "ct-doc-{n}"}},
        roundtrips=(
            RoundTrip("parameter",
                      Step("PutParameter", {"Name": "/ct/rt", "Value": "round-trip", "Type": "String",
                                            "Overwrite": True}),
                      Step("GetParameter", {"Name": "/ct/rt"}), {"Parameter.Value": "round-trip"}),
        ),
    ),
    "sts": ServiceSetup(
        members={"RoleArn": f"arn:aws:iam::{ACCOUNT}:role/ct-role", "RoleSessionName": "ct-session",
                 "PrincipalArn": f"arn:aws:iam::{ACCOUNT}:saml-provider/ct", "Policy": _POLICY,
                 "SerialNumber": DROP, "TokenCode": DROP},
        roundtrips=(),
    ),
    "iam": ServiceSetup(
        steps=(
            Step("CreateUser", {"UserName": "{user}"}),
            Step("CreateRole", {"RoleName": "{role}", "AssumeRolePolicyDocument": _TRUST}),
            Step("CreateGroup", {"GroupName": "{group}"}),
            Step("CreatePolicy", {"PolicyName": "ct-policy", "PolicyDocument": _POLICY}, {"policy_arn": "Policy.Arn"}),
            Step("CreateAccessKey", {"UserName": "{user}"}, {"access_key": "AccessKey.AccessKeyId"}),
            Step("CreateInstanceProfile", {"InstanceProfileName": "{profile}"}),
            Step("CreateOpenIDConnectProvider", {"Url": "https://oidc.ct.example", "ClientIDList": ["ct"],
                                                 "ThumbprintList": ["a" * 40]},
                 {"oidc_arn": "OpenIDConnectProviderArn"}),
            Step("CreateVirtualMFADevice", {"VirtualMFADeviceName": "ct-mfa"},
                 {"serial": "VirtualMFADevice.SerialNumber"}),
            Step("CreateLoginProfile", {"UserName": "{user}", "Password": "Ct-Passw0rd!"}),
        ),
        names={"UserName": ("user", "ct-user"), "RoleName": ("role", "ct-role"),
               "GroupName": ("group", "ct-group"), "InstanceProfileName": ("profile", "ct-profile")},
        members={"UserName": "{user}", "RoleName": "{role}", "GroupName": "{group}",
                 "PolicyArn": "{policy_arn}", "PolicyName": "ct-policy", "PolicyDocument": _POLICY,
                 "AssumeRolePolicyDocument": _TRUST, "AccessKeyId": "{access_key}",
                 "InstanceProfileName": "{profile}", "OpenIDConnectProviderArn": "{oidc_arn}",
                 "SerialNumber": "{serial}", "VersionId": "v1", "DefaultVersionId": "v1"},
        fresh={"CreateUser": {"UserName": "ct-new-{n}"}, "CreateRole": {"RoleName": "ct-new-{n}"},
               "CreateGroup": {"GroupName": "ct-new-{n}"}, "CreatePolicy": {"PolicyName": "ct-new-{n}"},
               "CreateInstanceProfile": {"InstanceProfileName": "ct-new-{n}"}},
        roundtrips=(
            RoundTrip("user-path",
                      Step("CreateUser", {"UserName": "ct-rt", "Path": "/rt/"}),
                      Step("GetUser", {"UserName": "ct-rt"}), {"User.Path": "/rt/"}),
        ),
    ),
}

#: Operations that destroy what the set-up made: the set-up is sent again before each variant.
DESTRUCTIVE_PREFIXES = ("Delete", "Remove", "Purge", "Abort", "Cancel", "Disable", "Schedule",
                        "Deregister", "Detach", "Untag", "Revoke", "Retire", "Complete", "Restore")


def setup_for(service: str) -> ServiceSetup:
    return SETUPS.get(service, ServiceSetup())


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (``Messages.0.ReceiptHandle``), or None."""
    node = data
    for step in path.split("."):
        if isinstance(node, list):
            try:
                node = node[int(step)]
            except (ValueError, IndexError):
                return None
        elif isinstance(node, dict):
            node = node.get(step)
        else:
            return None
        if node is None:
            return None
    return node


class Bindings:
    """Captured identifiers and resource names, and templates filled with them."""

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.counter = 0

    def fill(self, template: Any) -> Any:
        if isinstance(template, str):
            if template.startswith("{") and template.endswith("}") and template[1:-1] in self.values:
                return self.values[template[1:-1]]
            if "{" in template:  # only known fields: JSON policies are full of braces
                if "{n}" in template:
                    self.counter += 1
                return _FIELD.sub(self._field, template)
            return template
        if isinstance(template, dict):
            return {k: self.fill(v) for k, v in template.items()}
        if isinstance(template, list):
            return [self.fill(v) for v in template]
        return template

    def _field(self, match: "re.Match[str]") -> str:
        name = match.group(1)
        if name == "n":
            return str(self.counter)
        value = self.values.get(name)
        return value if isinstance(value, str) else match.group(0)

    def substitute(self, params: Any, members: Mapping[str, Any], focus: tuple[Any, ...],
                   path: tuple[Any, ...] = ()) -> Any:
        """``params`` with the named members replaced, except on and under ``focus``."""
        if isinstance(params, dict):
            out = {}
            for key, value in params.items():
                here = path + (key,)
                on_focus = bool(focus) and focus[: len(here)] == here
                if not on_focus and key in members and isinstance(key, str):
                    filled = members[key] if members[key] is DROP else self.fill(members[key])
                    if filled is DROP:
                        continue
                    if filled is not None:
                        out[key] = filled
                        continue
                out[key] = self.substitute(value, members, focus, here)
            return out
        if isinstance(params, list):
            return [self.substitute(v, members, focus, path + (i,)) for i, v in enumerate(params)]
        return params
