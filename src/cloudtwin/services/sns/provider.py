"""Amazon Simple Notification Service: topics, subscriptions, publishing.

Handlers here check their arguments and delegate: fan-out in ``delivery.py``, publishing
in ``publishing.py``, filter policies in ``filter_policy.py``, attributes in
``attributes.py``, signing in ``signing.py``; platform applications and SMS live in the
``platform.py`` / ``sms.py`` mixins. Resources are found from their ARN (account and
region come from it), so cross-account subscriptions and the unsigned Confirm/Unsubscribe
URLs work.
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from typing import Any

from cloudtwin.control.payload import ControlError
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpResponse
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.sns.attributes import (
    arn_elements,
    attributes_reason,
    check_subscription_attribute,
    check_topic_attribute,
    invalid,
    subscription_attributes,
    topic_attributes,
)
from cloudtwin.services.sns.delivery import Dispatcher
from cloudtwin.services.sns.filter_policy import compile_policy
from cloudtwin.services.sns.models import SnsStore, Subscription, Topic
from cloudtwin.services.sns.notification import Urls
from cloudtwin.services.sns.platform import PlatformHandlers
from cloudtwin.services.sns.publishing import Publisher
from cloudtwin.services.sns.signing import Signer
from cloudtwin.services.sns.sms import SmsHandlers

_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_FIFO_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,251}\.fifo$")
_ARN = re.compile(r"^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)(?::([0-9a-f-]{36}))?$")
_PHONE = re.compile(r"^\+[1-9]\d{4,14}$")
# Confirmation tokens are hexadecimal.
_TOKEN = re.compile(r"^[0-9a-f]+$")
# An SMS endpoint: ``+`` and digits, single separators (``-``, ``.``, ``/``, space) between them.
_SMS_ENDPOINT = re.compile(r"^\+\d+(?:[-./ ]\d+)*$")
PROTOCOLS = ("http", "https", "email", "email-json", "sms", "sqs", "application", "lambda", "firehose")
CONFIRMED_BY_ENDPOINT = frozenset({"http", "https", "email", "email-json"})
PAGE = 100
MAX_TAGS = 50


def _not_found(what: str = "Topic") -> ServiceError:
    return ServiceError("NotFoundException", f"{what} does not exist")


def _page(items: list[Any], token: str | None, size: int = PAGE) -> tuple[list[Any], str | None]:
    start = 0
    if token:
        try:
            start = int(token)
        except ValueError:
            raise invalid("NextToken") from None
        if start < 0 or start > len(items):
            raise invalid("NextToken")
    chunk = items[start : start + size]
    return chunk, (str(start + size) if start + size < len(items) else None)


#: How long (seconds) a new subscription takes to show in its topic's ``SubscriptionsPending``
#: / ``SubscriptionsConfirmed`` counts.
SUBSCRIPTION_COUNT_LAG = 60.0


class Provider(PlatformHandlers, SmsHandlers, ServiceProvider):
    service_name = "sns"
    store_class = SnsStore

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        # The key is made (in the background) once a topic gets a subscriber: SNS used
        # without one never loads the crypto library (~8 MiB).
        self.signer = Signer()
        self.dispatcher = Dispatcher(env, self.signer)
        self.publisher = Publisher(self.dispatcher)
        env.processors.register("sns-http-retries", self.dispatcher.due_retries, replace=True)

    # -- lookups ------------------------------------------------------------------------------

    def _store(self, account: str, region: str) -> SnsStore:
        return self.stores.get(account, region)  # type: ignore[union-attr]

    def _topic(self, ctx: RequestContext, arn: str | None, *, param: str = "TopicArn") -> tuple[SnsStore, Topic]:
        """The topic an ARN names. A topic is reached only in its own region: an ARN of
        another region is an invalid parameter, as in AWS."""
        arn_elements(arn or "", param)
        match = _ARN.match(arn or "")
        if match is None or match.group(4) or match.group(1) != ctx.region:
            raise invalid(param)
        store = self._store(match.group(2), match.group(1))
        topic = store.topics.get(arn)
        if topic is None:
            raise _not_found()
        return store, topic

    def _subscription_key(self, ctx: RequestContext, arn: str | None) -> tuple[str, str]:
        """(account, region) of a subscription ARN, checked as AWS does."""
        parts = arn_elements(arn or "", "SubscriptionArn")
        if len(parts) == 6:
            raise invalid("SubscriptionId")
        match = _ARN.match(arn or "")
        if match is None or not match.group(4) or match.group(1) != ctx.region:
            raise invalid("SubscriptionArn")
        return match.group(2), match.group(1)

    def _subscription(self, ctx: RequestContext, arn: str | None) -> tuple[SnsStore, Subscription]:
        store = self._store(*self._subscription_key(ctx, arn))
        sub = store.subscriptions.get(arn)  # type: ignore[arg-type]
        if sub is None:
            raise _not_found("Subscription")
        return store, sub

    def urls(self, ctx: RequestContext) -> Urls:
        host = ctx.request.headers.get("host") if ctx.request is not None else None
        if not host:
            config = self.env.config
            host = f"{'localhost' if config.host in ('0.0.0.0', '::') else config.host}:{config.port}"
        return Urls(f"http://{host}", f"/_cloudtwin/sns/{self.signer.cert_file}")

    # -- topics -------------------------------------------------------------------------------

    def create_topic(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Name"]
        attributes = dict(params.get("Attributes") or {})
        fifo = attributes.get("FifoTopic", "false").lower() == "true"
        if fifo and not name.endswith(".fifo"):
            raise invalid("Topic Name")
        if fifo and not _FIFO_TOPIC_NAME.match(name):
            raise invalid(
                "Fifo Topic names must end with .fifo and must be made up of only uppercase and "
                "lowercase ASCII letters, numbers, underscores, and hyphens, and must be between "
                "1 and 256 characters long."
            )
        if not fifo and not _TOPIC_NAME.match(name):
            raise invalid("Topic Name")
        attributes.pop("FifoTopic", None)
        checked = {
            key: check_topic_attribute(key, value, fifo, creating=True) for key, value in attributes.items()
        }
        tags = _tag_map(params.get("Tags") or [])
        if len(tags) > MAX_TAGS:
            raise ServiceError(
                "TagLimitExceededException", "Could not complete request: tag quota of per resource exceeded"
            )
        store: SnsStore = ctx.store
        arn = f"arn:{ctx.partition}:sns:{ctx.region}:{ctx.account_id}:{name}"
        existing = store.topics.get(arn)
        if existing is not None:
            if any(existing.attributes.get(k) != v for k, v in checked.items()):
                raise invalid("Attributes Reason: Topic already exists with different attributes")
            if tags and any(existing.tags.get(k) != v for k, v in tags.items()):
                raise invalid("Tags Reason: Topic already exists with different tags")
            return {"TopicArn": arn}
        policy = params.get("DataProtectionPolicy") or ""
        if policy:
            _check_data_protection(policy)
        store.topics[arn] = Topic(arn, name, fifo, checked, tags, policy)
        return {"TopicArn": arn}

    def delete_topic(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        try:
            store, topic = self._topic(ctx, params["TopicArn"])
        except ServiceError as error:
            if error.code == "NotFoundException":
                return None
            raise
        for arn in list(store.topic_subscriptions(topic.arn)):
            store.remove_subscription(arn)
            self.dispatcher.forget(arn)
        for key in [k for k in store.dedup if k[0] == topic.arn]:
            del store.dedup[key]
        del store.topics[topic.arn]
        return None

    def list_topics(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        arns = list(ctx.store.topics.keys())
        chunk, token = _page(arns, params.get("NextToken"))
        out: dict[str, Any] = {"Topics": [{"TopicArn": arn} for arn in chunk]}
        if token:
            out["NextToken"] = token
        return out

    def get_topic_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, topic = self._topic(ctx, params["TopicArn"])
        # AWS refreshes a topic's subscription counts periodically, not as subscriptions come
        # (its recorded answers count none of a fresh topic's subscriptions)
        counted = ctx.clock.now() - SUBSCRIPTION_COUNT_LAG
        subs = [
            sub for a in store.topic_subscriptions(topic.arn)
            if (sub := store.subscriptions.get(a)) is not None and sub.created_at <= counted
        ]  # fmt: skip
        pending = sum(1 for s in subs if s.pending)
        account = topic.arn.split(":")[4]
        return {"Attributes": topic_attributes(topic, account, len(subs) - pending, pending)}

    def set_topic_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, topic = self._topic(ctx, params["TopicArn"])
        name = params["AttributeName"]
        value = params.get("AttributeValue") or ""
        topic.attributes[name] = check_topic_attribute(name, value, topic.fifo)
        store.topics.save(topic.arn)
        return None

    def add_permission(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, topic = self._topic(ctx, params["TopicArn"])
        policy = json.loads(topic.attributes.get("Policy") or topic_attributes(topic, topic.arn.split(":")[4], 0, 0)["Policy"])
        statements = policy.setdefault("Statement", [])
        label = params["Label"]
        if any(s.get("Sid") == label for s in statements):
            raise invalid("Statement already exists")
        operations = self.env.catalog.service_model("sns").operation_names
        if any(action not in operations for action in params["ActionName"]):
            raise invalid("Policy statement action out of service scope!")
        principals = [f"arn:aws:iam::{a}:root" for a in params["AWSAccountId"]]
        actions = [f"SNS:{a}" for a in params["ActionName"]]
        statements.append(
            {
                "Sid": label,
                "Effect": "Allow",
                "Principal": {"AWS": principals[0] if len(principals) == 1 else principals},
                "Action": actions[0] if len(actions) == 1 else actions,
                "Resource": topic.arn,
            }
        )
        topic.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
        store.topics.save(topic.arn)
        return None

    def remove_permission(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, topic = self._topic(ctx, params["TopicArn"])
        if "Policy" not in topic.attributes:
            return None
        policy = json.loads(topic.attributes["Policy"])
        policy["Statement"] = [s for s in policy.get("Statement", []) if s.get("Sid") != params["Label"]]
        topic.attributes["Policy"] = json.dumps(policy, separators=(",", ":"))
        store.topics.save(topic.arn)
        return None

    def get_data_protection_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _, topic = self._topic(ctx, params["ResourceArn"], param="ResourceArn")
        return {"DataProtectionPolicy": topic.data_protection_policy} if topic.data_protection_policy else {}

    def put_data_protection_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, topic = self._topic(ctx, params["ResourceArn"], param="ResourceArn")
        _check_data_protection(params["DataProtectionPolicy"])
        topic.data_protection_policy = params["DataProtectionPolicy"]
        store.topics.save(topic.arn)
        return None

    # -- tags ---------------------------------------------------------------------------------

    def _tagged(self, ctx: RequestContext, arn: str) -> tuple[SnsStore, Topic]:
        try:
            return self._topic(ctx, arn, param="ResourceArn")
        except ServiceError as error:
            if error.code == "NotFoundException":
                raise ServiceError("ResourceNotFoundException", "Resource does not exist") from None
            raise

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, topic = self._tagged(ctx, params["ResourceArn"])
        tags = {**topic.tags, **_tag_map(params["Tags"])}
        if len(tags) > MAX_TAGS:
            raise ServiceError(
                "TagLimitExceededException", "Could not complete request: tag quota of per resource exceeded"
            )
        topic.tags = tags
        store.topics.save(topic.arn)
        return {}

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, topic = self._tagged(ctx, params["ResourceArn"])
        for key in params["TagKeys"]:
            topic.tags.pop(key, None)
        store.topics.save(topic.arn)
        return {}

    def list_tags_for_resource(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _, topic = self._tagged(ctx, params["ResourceArn"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in topic.tags.items()]}

    # -- subscriptions --------------------------------------------------------------------------

    async def subscribe(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, topic = self._topic(ctx, params["TopicArn"])
        protocol = params["Protocol"]
        if protocol not in PROTOCOLS:
            raise invalid(f"Amazon SNS does not support this protocol string: {protocol}")
        endpoint = params.get("Endpoint") or ""
        _check_endpoint(protocol, endpoint)
        self.signer.prepare()  # its deliveries will be signed
        if topic.fifo and protocol not in ("sqs", "firehose"):
            raise invalid(f"Invalid protocol type: {protocol}")
        if not topic.fifo and protocol == "sqs" and endpoint.endswith(".fifo"):
            # (AWS repeats the prefix in this one.) FIFO topics may feed standard queues.
            raise invalid(
                "Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be subscribed to standard SNS topics"
            )
        with attributes_reason():
            attributes = {
                key: check_subscription_attribute(key, value, protocol)
                for key, value in (params.get("Attributes") or {}).items()
            }
            _check_filter(attributes)
        if topic.fifo and protocol == "sqs" and endpoint.endswith(".fifo") and attributes.get("RedrivePolicy"):
            self._check_fifo_dlq(attributes["RedrivePolicy"])
        if attributes.get("FilterPolicy") == "":  # no policy: its scope is not kept either
            attributes.pop("FilterPolicy")
            attributes.pop("FilterPolicyScope", None)
        if protocol == "firehose" and not attributes.get("SubscriptionRoleArn"):
            raise invalid("Attributes Reason: SubscriptionRoleArn is required for the firehose protocol")
        for arn in store.topic_subscriptions(topic.arn):
            existing = store.subscriptions.get(arn)
            if existing is not None and existing.protocol == protocol and existing.endpoint == endpoint:
                if any(existing.attributes.get(k) != v for k, v in attributes.items()):
                    raise invalid("Attributes Reason: Subscription already exists with different attributes")
                return {"SubscriptionArn": self._shown_arn(existing, params)}
        pending = protocol in CONFIRMED_BY_ENDPOINT
        sub = Subscription(
            f"{topic.arn}:{uuid.uuid4()}", topic.arn, protocol, endpoint, ctx.account_id, attributes,
            pending=pending, token=secrets.token_hex(64) if pending else "", created_at=ctx.clock.now(),
            principal=ctx.caller_arn,
        )
        store.add_subscription(sub)
        if protocol in ("http", "https"):
            await self.dispatcher.send_confirmation(store, topic, sub, self.urls(ctx))
        elif protocol in ("email", "email-json"):
            self.dispatcher.record_email_confirmation(store, topic, sub, self.urls(ctx))
        return {"SubscriptionArn": self._shown_arn(sub, params)}

    @staticmethod
    def _check_fifo_dlq(policy: str) -> None:
        target = json.loads(policy).get("deadLetterTargetArn", "")
        if not target.endswith(".fifo"):
            raise invalid("RedrivePolicy: must use a FIFO queue as DLQ for a FIFO Subscription to a FIFO Topic.")

    @staticmethod
    def _shown_arn(sub: Subscription, params: dict[str, Any]) -> str:
        if sub.pending and not params.get("ReturnSubscriptionArn"):
            return "pending confirmation"
        return sub.arn

    def confirm_subscription(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        try:
            store, topic = self._topic(ctx, params["TopicArn"])
        except ServiceError as error:
            if error.code == "NotFoundException":  # no such topic: the token matches nothing
                raise invalid("Token") from None
            raise
        token = params["Token"]
        if not _TOKEN.match(token):  # not even shaped like a token SNS hands out
            raise ServiceError("InvalidParameterException", "Invalid token")
        for arn in store.topic_subscriptions(topic.arn):
            sub = store.subscriptions.get(arn)
            if sub is not None and sub.token and secrets.compare_digest(sub.token, token):
                if sub.pending:
                    sub.pending = False
                    sub.authenticated_unsubscribe = (params.get("AuthenticateOnUnsubscribe") or "").lower() == "true"
                    store.subscriptions.save(arn)
                return {"SubscriptionArn": sub.arn}
        raise invalid("Token")

    async def unsubscribe(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        arn = params["SubscriptionArn"]
        store = self._store(*self._subscription_key(ctx, arn))
        sub = store.remove_subscription(arn)
        self.dispatcher.forget(arn)
        if sub is None:
            return None
        topic = store.topics.get(sub.topic_arn)
        if topic is not None:
            topic.subscriptions_deleted += 1
            store.topics.save(topic.arn)
            if sub.protocol in ("http", "https") and not sub.pending:
                await self.dispatcher.send_confirmation(store, topic, sub, self.urls(ctx), "UnsubscribeConfirmation")
        return None

    def get_subscription_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, sub = self._subscription(ctx, params["SubscriptionArn"])
        return {"Attributes": subscription_attributes(sub, store.topics.get(sub.topic_arn))}

    def set_subscription_attributes(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, sub = self._subscription(ctx, params["SubscriptionArn"])
        name = params["AttributeName"]
        value = check_subscription_attribute(name, params.get("AttributeValue") or "", sub.protocol)
        candidate = {**sub.attributes, name: value}
        _check_filter(candidate)
        if name == "RedrivePolicy" and value and sub.topic_arn.endswith(".fifo") and sub.endpoint.endswith(".fifo"):
            self._check_fifo_dlq(value)
        if name == "FilterPolicy" and not value:
            candidate.pop("FilterPolicy", None)
            candidate.pop("FilterPolicyScope", None)
        sub.attributes = candidate
        store.subscriptions.save(sub.arn)
        return None

    def list_subscriptions(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        subs = list(ctx.store.subscriptions.values())
        chunk, token = _page(subs, params.get("NextToken"))
        out: dict[str, Any] = {"Subscriptions": [_listed(s) for s in chunk]}
        if token:
            out["NextToken"] = token
        return out

    def list_subscriptions_by_topic(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, topic = self._topic(ctx, params["TopicArn"])
        subs = [store.subscriptions[a] for a in store.topic_subscriptions(topic.arn) if a in store.subscriptions]
        chunk, token = _page(subs, params.get("NextToken"))
        out: dict[str, Any] = {"Subscriptions": [_listed(s) for s in chunk]}
        if token:
            out["NextToken"] = token
        return out

    # -- publishing ---------------------------------------------------------------------------

    async def publish(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        topic_arn, target_arn, phone = params.get("TopicArn"), params.get("TargetArn"), params.get("PhoneNumber")
        given = [v for v in (topic_arn, target_arn, phone) if v]
        if not given:
            raise invalid("TopicArn or TargetArn Reason: no value for required parameter")
        if len(given) > 1:
            raise invalid("TopicArn Reason: Only one of TopicArn, TargetArn or PhoneNumber may be specified")
        now = ctx.clock.now()
        if phone:
            return self.publish_sms(ctx, params, phone)
        arn = topic_arn or target_arn
        if target_arn and ":endpoint/" in target_arn:
            return self.publish_to_endpoint(ctx, params, target_arn)
        store, topic = self._topic(ctx, arn, param="TopicArn" if topic_arn else "TargetArn")
        result = await self.publisher.publish(store, topic, params, self.urls(ctx), now)
        self._published(topic, [params.get("Message") or ""], now)
        return result

    async def publish_batch(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, topic = self._topic(ctx, params["TopicArn"])
        entries = params.get("PublishBatchRequestEntries") or []
        result = await self.publisher.publish_batch(store, topic, entries, self.urls(ctx), ctx.clock.now())
        ok = {e.get("Id") for e in result.get("Successful") or []}
        self._published(topic, [e.get("Message") or "" for e in entries if e.get("Id") in ok], ctx.clock.now())
        return result

    def _published(self, topic: Any, messages: list[str], now: float) -> None:
        """The ``AWS/SNS`` metrics AWS publishes per topic."""
        _, _, _, region, account, _ = topic.arn.split(":", 5)
        for message in messages:
            dims = {"TopicName": topic.name}
            self.env.metrics.record(account, region, "AWS/SNS", "NumberOfMessagesPublished", dims, 1.0, "Count", now)
            self.env.metrics.record(account, region, "AWS/SNS", "PublishSize", dims, float(len(message.encode())), "Bytes", now)

    # -- control surface ------------------------------------------------------------------------

    def introspection(self) -> dict[tuple[str, str], Any]:
        return {
            ("GET", "deliveries"): self._deliveries,
            ("GET", "messages"): self._messages,
            ("POST", "opt-outs"): self._opt_out,
            ("GET", self.signer.cert_file): self._certificate,
        }

    def _deliveries(self, params: dict[str, Any]) -> Any:
        topic, subscription = params.get("topic"), params.get("subscription")
        out = []
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for delivery in store.deliveries.values():
                if topic and delivery.topic_arn != topic:
                    continue
                if subscription and delivery.subscription_arn != subscription:
                    continue
                out.append(delivery.to_dict())
        return {"deliveries": out}

    def _messages(self, params: dict[str, Any]) -> Any:
        protocol = params.get("protocol")
        if protocol and protocol not in ("email", "email-json", "sms", "application", "lambda", "firehose"):
            raise ControlError(400, f"unknown protocol {protocol!r}")
        out = []
        for _, store in self.stores.items():  # type: ignore[union-attr]
            for message in store.messages.values():
                if protocol and message.protocol != protocol:
                    continue
                out.append(message.to_dict())
        return {"messages": out}

    def _opt_out(self, params: dict[str, Any]) -> Any:
        phone = params.get("phoneNumber") or params.get("phone")
        account = params.get("account") or self.env.config.default_account
        region = params.get("region") or self.env.config.default_region
        if not isinstance(phone, str) or not phone:
            raise ControlError(400, "phoneNumber is required")
        self._store(account, region).opted_out[phone] = self.env.clock.now()
        return {"opted_out": phone}

    def _certificate(self, params: dict[str, Any]) -> Any:
        return HttpResponse(200, {"Content-Type": "application/x-pem-file"}, self.signer.certificate_pem())

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
        self.dispatcher.reset()


def _tag_map(tags: list[dict[str, str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in tags:
        if tag["Key"] in out:
            raise invalid("Duplicated keys are not allowed.")
        out[tag["Key"]] = tag["Value"]
    return out


def _listed(sub: Subscription) -> dict[str, str]:
    return {
        "SubscriptionArn": "PendingConfirmation" if sub.pending else sub.arn,
        "Owner": sub.owner,
        "Protocol": sub.protocol,
        "Endpoint": sub.endpoint,
        "TopicArn": sub.topic_arn,
    }


def _check_filter(attributes: dict[str, str]) -> None:
    policy = attributes.get("FilterPolicy")
    if policy:
        compile_policy(policy, attributes.get("FilterPolicyScope", "MessageAttributes"))


def _check_data_protection(policy: str) -> None:
    try:
        document = read_json(policy)
    except ValueError:
        raise invalid("DataProtectionPolicy Reason: Failed to parse data protection policy") from None
    if not isinstance(document, dict):
        raise invalid("DataProtectionPolicy Reason: Failed to parse data protection policy")


def _check_endpoint(protocol: str, endpoint: str) -> None:
    if protocol in ("http", "https"):
        if not endpoint.lower().startswith(protocol + "://"):
            raise invalid("Endpoint must match the specified protocol")
    elif protocol == "sqs":
        parts = endpoint.split(":")
        if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not parts[5]:
            raise invalid("SQS endpoint ARN")
    elif protocol == "lambda":
        parts = endpoint.split(":")
        if len(parts) < 7 or parts[0] != "arn" or parts[2] != "lambda":
            raise invalid("Lambda endpoint ARN")
    elif protocol == "firehose":
        if not endpoint.startswith("arn:") or ":firehose:" not in endpoint:
            raise invalid("Firehose endpoint ARN")
    elif protocol in ("email", "email-json"):
        if "@" not in endpoint or endpoint.startswith("@") or endpoint.endswith("@"):
            raise invalid("Email address")
    elif protocol == "sms":
        if not _SMS_ENDPOINT.match(endpoint) or not _PHONE.match("+" + re.sub(r"\D", "", endpoint)):
            raise ServiceError("InvalidParameterException", f"Invalid SMS endpoint: {endpoint}")
    elif protocol == "application":
        if not endpoint.startswith("arn:") or ":endpoint/" not in endpoint:
            raise invalid("Application endpoint arn")
