"""Topic and subscription attributes: which exist, their checks, and what Get* returns.

SNS keeps user-set attributes as strings and adds computed ones on read (``Owner``,
``SubscriptionsConfirmed``, ``EffectiveDeliveryPolicy`` ...). Checks raise
``InvalidParameter`` with AWS's ``Invalid parameter: ...`` wording.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterator

from cloudtwin.protocol import jackson
from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sns.models import Subscription, Topic

_FEEDBACK = [
    f"{proto}{kind}"
    for proto in ("Application", "HTTP", "Firehose", "Lambda", "SQS")
    for kind in ("SuccessFeedbackRoleArn", "SuccessFeedbackSampleRate", "FailureFeedbackRoleArn")
]
TOPIC_ATTRIBUTES = frozenset(
    {
        "DeliveryPolicy",
        "DisplayName",
        "Policy",
        "TracingConfig",
        "KmsMasterKeyId",
        "SignatureVersion",
        "ContentBasedDeduplication",
        "FifoTopic",
        "ArchivePolicy",
        "FifoThroughputScope",
        *_FEEDBACK,
    }
)
SUBSCRIPTION_ATTRIBUTES = frozenset(
    {
        "DeliveryPolicy",
        "FilterPolicy",
        "FilterPolicyScope",
        "RawMessageDelivery",
        "RedrivePolicy",
        "SubscriptionRoleArn",
        "ReplayPolicy",
    }
)
RAW_PROTOCOLS = frozenset({"sqs", "http", "https", "firehose"})

DEFAULT_HTTP_POLICY: dict[str, Any] = {
    "minDelayTarget": 20,
    "maxDelayTarget": 20,
    "numRetries": 3,
    "numMaxDelayRetries": 0,
    "numNoDelayRetries": 0,
    "numMinDelayRetries": 0,
    "backoffFunction": "linear",
}


_PREFIX = "Invalid parameter: "
_ATTRIBUTES_PREFIX = _PREFIX + "Attributes Reason: "


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", f"{_PREFIX}{message}")


def arn_elements(value: str, param: str) -> list[str]:
    """The colon-separated elements of an ARN parameter; AWS's answer when there are too few."""
    parts = value.split(":")
    if len(parts) < 6:
        raise invalid(f"{param} Reason: An ARN must have at least 6 elements, not {len(parts)}")
    return parts


@contextmanager
def attributes_reason() -> Iterator[None]:
    """Attribute checks made inside a Create/Subscribe call: AWS words their errors
    ``Invalid parameter: Attributes Reason: <the Set*Attributes text>``."""
    try:
        yield
    except ServiceError as error:
        message = error.message
        if error.code != "InvalidParameterException" or message.startswith(_ATTRIBUTES_PREFIX):
            raise
        raise ServiceError(error.code, _ATTRIBUTES_PREFIX + message.removeprefix(_PREFIX)) from None


def default_policy(topic_arn: str, account_id: str) -> str:
    return json.dumps(
        {
            "Version": "2008-10-17",
            "Id": "__default_policy_ID",
            "Statement": [
                {
                    "Sid": "__default_statement_ID",
                    "Effect": "Allow",
                    "Principal": {"AWS": "*"},
                    "Action": [
                        "SNS:GetTopicAttributes",
                        "SNS:SetTopicAttributes",
                        "SNS:AddPermission",
                        "SNS:RemovePermission",
                        "SNS:DeleteTopic",
                        "SNS:Subscribe",
                        "SNS:ListSubscriptionsByTopic",
                        "SNS:Publish",
                    ],
                    "Resource": topic_arn,
                    "Condition": {"StringEquals": {"AWS:SourceOwner": account_id}},
                }
            ],
        },
        separators=(",", ":"),
    )


def _json_object(name: str, value: str) -> dict[str, Any]:
    try:
        document = read_json(value)
    except ValueError:
        detail = jackson.reason(value) if isinstance(value, str) else None
        raise invalid(f"{name}: failed to parse JSON." + (f" {detail}" if detail else "")) from None
    if not isinstance(document, dict):
        raise invalid(f"{name}: must be a JSON object.")
    return document


def _boolean(name: str, value: str) -> str:
    if value.lower() not in ("true", "false"):
        raise invalid(f"{name}: Invalid value [{value}]. Must be true or false.")
    return value.lower()


def check_topic_attribute(name: str, value: str, fifo: bool, creating: bool = False) -> str:
    """The value to store for a topic attribute, or InvalidParameter."""
    if name not in TOPIC_ATTRIBUTES or (name == "FifoTopic" and not creating):
        raise invalid("AttributeName")
    if name == "SignatureVersion" and value not in ("1", "2"):
        raise invalid("SignatureVersion")
    if name == "TracingConfig" and value not in ("PassThrough", "Active"):
        raise invalid("TracingConfig")
    if name == "Policy":
        _json_object("Policy", value)
    if name == "DeliveryPolicy" and value:
        check_delivery_policy(value)
    if name == "ContentBasedDeduplication":
        value = _boolean(name, value)
        if not fifo and value == "true":
            raise invalid(
                "ContentBasedDeduplication Reason: Content based deduplication can only be "
                "set for FIFO topics"
            )
    if name == "FifoThroughputScope":
        if not fifo:
            raise invalid("FifoThroughputScope Reason: Can only be set for FIFO topics")
        if value not in ("Topic", "MessageGroup"):
            raise invalid(f"FifoThroughputScope Reason: Invalid value [{value}]")
    if name == "ArchivePolicy" and not fifo:
        raise invalid("ArchivePolicy Reason: Message archiving is only supported for FIFO topics")
    return value


def check_delivery_policy(value: str) -> dict[str, Any]:
    document = _json_object("DeliveryPolicy", value)
    for section in document.values():
        if not isinstance(section, dict):
            raise invalid("DeliveryPolicy: must be a JSON object of JSON objects.")
    return document


def topic_attributes(topic: Topic, account_id: str, confirmed: int, pending: int) -> dict[str, str]:
    attrs = {
        "Policy": default_policy(topic.arn, account_id),
        "Owner": account_id,
        "SubscriptionsPending": str(pending),
        "TopicArn": topic.arn,
        "EffectiveDeliveryPolicy": json.dumps(
            {
                "http": {
                    "defaultHealthyRetryPolicy": DEFAULT_HTTP_POLICY,
                    "disableSubscriptionOverrides": False,
                    "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"},
                }
            },
            separators=(",", ":"),
        ),
        "SubscriptionsConfirmed": str(confirmed),
        "DisplayName": "",
        "SubscriptionsDeleted": str(topic.subscriptions_deleted),
    }
    if topic.fifo:
        attrs["FifoTopic"] = "true"
        attrs["ContentBasedDeduplication"] = "false"
        # FifoThroughputScope is shown once set (AWS's recorded answers have no default)
    attrs.update(topic.attributes)
    if topic.attributes.get("DeliveryPolicy"):
        attrs["EffectiveDeliveryPolicy"] = topic.attributes["DeliveryPolicy"]
    return attrs


def check_subscription_attribute(name: str, value: str, protocol: str) -> str:
    """The value to store for a subscription attribute, or InvalidParameter.

    FilterPolicy is checked by the caller (it compiles it).
    """
    if name not in SUBSCRIPTION_ATTRIBUTES:
        raise invalid("AttributeName")
    if name == "RawMessageDelivery":
        value = _boolean(name, value)
        if protocol not in RAW_PROTOCOLS:
            raise invalid(
                f"Attributes Reason: Delivery protocol [{protocol}] does not support raw message delivery."
            )
    elif name == "FilterPolicyScope":
        if value not in ("MessageAttributes", "MessageBody"):
            raise invalid(
                f"FilterPolicyScope: Invalid value [{value}]. Please use either MessageBody or MessageAttributes"
            )
    elif name == "RedrivePolicy" and value:
        document = _json_object("RedrivePolicy", value)
        target = document.get("deadLetterTargetArn")
        if not isinstance(target, str) or not target.startswith("arn:") or target.split(":")[2:3] != ["sqs"]:
            raise invalid("RedrivePolicy: deadLetterTargetArn is an invalid arn")
    elif name == "DeliveryPolicy" and value:
        if protocol not in ("http", "https"):
            raise invalid(f"DeliveryPolicy: Delivery policy is not supported for protocol {protocol}")
        check_delivery_policy(value)
    elif name == "SubscriptionRoleArn" and protocol != "firehose":
        raise invalid("Attributes Reason: SubscriptionRoleArn is only valid for the firehose protocol")
    return value


def subscription_attributes(sub: Subscription, topic: Topic | None) -> dict[str, str]:
    attrs = {
        "Owner": sub.owner,
        "RawMessageDelivery": "false",
        "TopicArn": sub.topic_arn,
        "Endpoint": sub.endpoint,
        "Protocol": sub.protocol,
        "PendingConfirmation": "true" if sub.pending else "false",
        "ConfirmationWasAuthenticated": "true" if sub.authenticated_unsubscribe or not sub.pending else "false",
        "SubscriptionArn": sub.arn,
        "SubscriptionPrincipal": sub.principal or f"arn:aws:iam::{sub.owner}:root",
    }
    if sub.protocol in ("http", "https"):
        policy = sub.attributes.get("DeliveryPolicy") or (topic and topic.attributes.get("DeliveryPolicy"))
        attrs["EffectiveDeliveryPolicy"] = policy or json.dumps(
            {"healthyRetryPolicy": DEFAULT_HTTP_POLICY}, separators=(",", ":")
        )
    attrs.update(sub.attributes)
    if sub.attributes.get("FilterPolicy") and "FilterPolicyScope" not in sub.attributes:
        attrs["FilterPolicyScope"] = "MessageAttributes"
    return attrs


def _policy_section(sub: Subscription, topic: Topic | None, own: str, default: str) -> dict[str, Any] | None:
    """A section of the effective delivery policy: the subscription's ``own`` section, else
    the topic's ``http.<default>`` section."""
    for source, key in (
        (sub.attributes.get("DeliveryPolicy"), own),
        (topic.attributes.get("DeliveryPolicy") if topic else None, default),
    ):
        if not source:
            continue
        try:
            document = read_json(source)
        except ValueError:
            continue
        section = document.get(key) if key == own else (document.get("http") or {}).get(key)
        if isinstance(section, dict):
            return section
    return None


def http_retry_policy(sub: Subscription, topic: Topic | None) -> dict[str, Any]:
    """The retry policy of an HTTP subscription: its own, else the topic's, else AWS's default."""
    policy = _policy_section(sub, topic, "healthyRetryPolicy", "defaultHealthyRetryPolicy")
    return {**DEFAULT_HTTP_POLICY, **policy} if policy else dict(DEFAULT_HTTP_POLICY)


def http_content_type(sub: Subscription, topic: Topic | None) -> str:
    """The Content-Type of HTTP deliveries (``requestPolicy.headerContentType``)."""
    policy = _policy_section(sub, topic, "requestPolicy", "defaultRequestPolicy") or {}
    value = policy.get("headerContentType")
    return value if isinstance(value, str) and value else "text/plain; charset=UTF-8"


def retry_delays(policy: dict[str, Any]) -> list[float]:
    """The delays before each retry, per AWS's four phases (immediate, minimum, backoff, maximum)."""
    total = int(policy.get("numRetries", 3))
    no_delay = int(policy.get("numNoDelayRetries", 0))
    min_retries = int(policy.get("numMinDelayRetries", 0))
    max_retries = int(policy.get("numMaxDelayRetries", 0))
    low = float(policy.get("minDelayTarget", 20))
    high = float(policy.get("maxDelayTarget", 20))
    backoff = max(0, total - no_delay - min_retries - max_retries)
    delays = [0.0] * no_delay + [low] * min_retries
    function = policy.get("backoffFunction", "linear")
    for i in range(backoff):
        fraction = (i + 1) / backoff
        if function == "exponential":
            delay = low * ((high / low) ** fraction) if low > 0 else high * fraction
        elif function == "geometric":
            delay = low + (high - low) * fraction**2
        elif function == "arithmetic":
            delay = low + (high - low) * fraction * (fraction + 1) / 2
        else:
            delay = low + (high - low) * fraction
        delays.append(delay)
    delays += [high] * max_retries
    return delays[:total]
