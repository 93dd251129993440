"""What ses needs before its operations run.

A verified domain identity (``example.com``) and email address (``ct@example.com``) with an
identity policy ``ct-policy``; a configuration set ``ct-config`` with a CloudWatch event
destination ``ct-dest`` (and tracking options, for the operations that change or delete
them); an email template ``ct-template`` and a custom verification email template
``ct-cvt``; a receipt rule set ``ct-rules`` holding the rules ``ct-rule`` and ``ct-rule2``.
Messages go from ``ct@example.com`` to addresses of ``example.com``.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Mapping

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import DROP, ServiceSetup, Step

SENDER = "ct@example.com"
POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
          '"arn:aws:iam::000000000000:root"},"Action":"ses:SendEmail","Resource":"*"}]}')
DATA = '{"name":"ct"}'
TO = {"ToAddresses": ["to@example.com"]}
RAW = b"From: ct@example.com\r\nTo: to@example.com\r\nSubject: ct\r\n\r\nHello\r\n"
_CUSTOM_TEMPLATE_OPS = ("GetCustomVerificationEmailTemplate", "UpdateCustomVerificationEmailTemplate",
                        "DeleteCustomVerificationEmailTemplate", "SendCustomVerificationEmail")

SETUP = ServiceSetup(
    steps=(
        Step("VerifyDomainIdentity", {"Domain": "{identity}"}),
        Step("VerifyEmailIdentity", {"EmailAddress": SENDER}),
        Step("CreateTopic", {"Name": "ct-ses-feedback"}, {"topic_arn": "TopicArn"}, service="sns"),
        *(Step("SetIdentityNotificationTopic", {"Identity": "{identity}", "NotificationType": kind,
                                                "SnsTopic": "{topic_arn}"},
               operations=("SetIdentityFeedbackForwardingEnabled",)) for kind in ("Bounce", "Complaint")),
        Step("PutIdentityPolicy", {"Identity": "{identity}", "PolicyName": "ct-policy", "Policy": POLICY}),
        Step("CreateConfigurationSet", {"ConfigurationSet": {"Name": "ct-config"}}),
        Step("CreateConfigurationSetEventDestination", {"ConfigurationSetName": "ct-config", "EventDestination": {
            "Name": "ct-dest", "Enabled": True, "MatchingEventTypes": ["send"],
            "CloudWatchDestination": {"DimensionConfigurations": [{
                "DimensionName": "ct", "DimensionValueSource": "messageTag", "DefaultDimensionValue": "ct"}]}}}),
        Step("CreateConfigurationSetTrackingOptions", {"ConfigurationSetName": "ct-config",
                                                       "TrackingOptions": {"CustomRedirectDomain": "example.com"}},
             operations=("UpdateConfigurationSetTrackingOptions", "DeleteConfigurationSetTrackingOptions")),
        Step("CreateTemplate", {"Template": {"TemplateName": "ct-template", "SubjectPart": "Hi {{name}}",
                                             "TextPart": "Hello {{name}}"}}),
        Step("CreateCustomVerificationEmailTemplate", {
            "TemplateName": "ct-cvt", "FromEmailAddress": SENDER, "TemplateSubject": "Verify",
            "TemplateContent": "<p>Verify</p>", "SuccessRedirectionURL": "https://example.com/ok",
            "FailureRedirectionURL": "https://example.com/no"}),
        Step("CreateReceiptRuleSet", {"RuleSetName": "ct-rules"}),
        Step("CreateReceiptRule", {"RuleSetName": "ct-rules", "Rule": {"Name": "ct-rule", "Enabled": True}}),
        Step("CreateReceiptRule", {"RuleSetName": "ct-rules", "After": "ct-rule",
                                   "Rule": {"Name": "ct-rule2", "Enabled": True}}),
    ),
    members={
        "Identity": "{identity}", "Identities": ["{identity}"], "PolicyName": "ct-policy",
        "PolicyNames": ["ct-policy"], "Policy": POLICY,
        "ConfigurationSetName": "ct-config", "EventDestinationName": "ct-dest",
        "Source": SENDER, "ReturnPath": SENDER, "ReplyToAddresses": [SENDER], "FromEmailAddress": SENDER,
        "ToAddresses": ["to@example.com"], "CcAddresses": ["cc@example.com"], "BccAddresses": ["bcc@example.com"],
        # an empty structure goes as nothing on the query protocol: these are never sent empty
        "Destination": TO, "Body": {"Text": {"Data": "Hello"}}, "TrackingOptions": {"CustomRedirectDomain": "example.com"},
        "RawMessage": {"Data": RAW}, "Cidr": "10.0.0.0/24", "SnsTopic": "{topic_arn}", "MailFromDomain": "mail.{identity}", "SourceArn": DROP, "FromArn": DROP, "ReturnPathArn": DROP, "TemplateArn": DROP,
        "TemplateName": "ct-template", "TemplateData": DATA, "DefaultTemplateData": DATA,
        "ReplacementTemplateData": DATA,
        "RuleSetName": "ct-rules", "OriginalRuleSetName": "ct-rules", "RuleName": "ct-rule",
        "RuleNames": ["ct-rule2", "ct-rule"], "After": "ct-rule",
    },
    names={"Identity": ("identity", "example.com")},
    overrides={
        "CreateConfigurationSet": {"Name": "ct-new-{n}"},
        "CreateConfigurationSetEventDestination": {"Name": "ct-new-{n}"},
        "UpdateConfigurationSetEventDestination": {"Name": "ct-dest"},
        "CreateTemplate": {"TemplateName": "ct-new-{n}"},
        "CreateCustomVerificationEmailTemplate": {"TemplateName": "ct-new-{n}"},
        **{op: {"TemplateName": "ct-cvt", "EmailAddress": SENDER} for op in _CUSTOM_TEMPLATE_OPS},
        "SendTemplatedEmail": {"Template": "ct-template"},
        "SendBulkTemplatedEmail": {"Template": "ct-template", "Destinations": [{"Destination": TO}]},
        "SendRawEmail": {"Destinations": ["to@example.com"]},
        "UpdateReceiptRule": {"Name": "ct-rule"},
        "CreateReceiptRuleSet": {"RuleSetName": "ct-new-{n}"},
        "CloneReceiptRuleSet": {"RuleSetName": "ct-new-{n}"},
        "CreateReceiptRule": {"Name": "ct-new-{n}"},
        "CreateReceiptFilter": {"Name": "ct-new-{n}"},
        "SetReceiptRulePosition": {"RuleName": "ct-rule2"},
        "SetActiveReceiptRuleSet": {"RuleSetName": "ct-rules"},
    },
)

KNOWN_GAPS = {
    ("GetIdentityMailFromDomainAttributes", "bad-output"): (
        "the model marks MailFromDomain and MailFromDomainStatus required, but AWS answers an identity "
        "without a custom MAIL FROM domain with BehaviorOnMXFailure alone"),
    ("GetIdentityNotificationAttributes", "bad-output"): (
        "the model marks BounceTopic, ComplaintTopic and DeliveryTopic required, but AWS leaves out the "
        "topics an identity has none set for"),
}


def _not_a_subdomain(params: Mapping[str, Any]) -> bool:
    domain, identity = params.get("MailFromDomain"), params.get("Identity")
    if not isinstance(domain, str) or not isinstance(identity, str):
        return False
    return not domain.endswith("." + identity.split("@")[-1])


_TAG_TEXT = re.compile(r"[A-Za-z0-9_-]{1,256}")
_MAILBOX = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_FILTER_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9_-]{0,62}[A-Za-z0-9])?")


def _bad_message_tag(params: Mapping[str, Any]) -> bool:
    tags = [*(params.get("Tags") or ()), *(params.get("DefaultTags") or ()),
            *(t for d in params.get("Destinations") or () if isinstance(d, Mapping)
              for t in d.get("ReplacementTags") or ())]
    return any(isinstance(tag, Mapping) and not all(isinstance(tag.get(k), str) and _TAG_TEXT.fullmatch(tag[k])
                                                     for k in ("Name", "Value"))
               for tag in tags)


def _bad_filter(params: Mapping[str, Any]) -> bool:
    found = params.get("Filter")
    if not isinstance(found, Mapping):
        return False
    name, cidr = found.get("Name"), (found.get("IpFilter") or {}).get("Cidr")
    if isinstance(name, str) and not _FILTER_NAME.fullmatch(name):
        return True
    try:
        ipaddress.ip_network(cidr, strict=False)
    except (TypeError, ValueError):
        return isinstance(cidr, str)
    return False


_MESSAGE_TAG = ("MessageTag, Name and Value documentation (botocore model): 'Contain only ASCII letters (a-z, "
                "A-Z), numbers (0-9), underscores (_), or dashes (-). Contain 256 characters or fewer'")

#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = (
    *(Constraint(op, "a message tag's name and value are 1-256 ASCII letters, digits, '_' or '-'", _MESSAGE_TAG,
                 _bad_message_tag)
      for op in ("SendEmail", "SendRawEmail", "SendTemplatedEmail", "SendBulkTemplatedEmail")),
    *(Constraint(op, "EmailAddress is an email address (local-part@domain)",
                 f"{op}, EmailAddress documentation (botocore model): 'The email address to be verified'; "
                 "RFC 5321, 4.1.2 (Mailbox = Local-part \"@\" domain)",
                 lambda p: isinstance(p.get("EmailAddress"), str) and not _MAILBOX.fullmatch(p["EmailAddress"]))
      for op in ("VerifyEmailIdentity", "VerifyEmailAddress")),
    Constraint("CreateReceiptFilter", "a filter's name is letters, digits, '_' or '-' (starting and ending with "
               "a letter or digit, at most 64) and its Cidr an IP address or CIDR range",
               "ReceiptFilter, Name documentation, and ReceiptIpFilter, Cidr documentation (botocore model)",
               _bad_filter),
    Constraint("SetIdentityMailFromDomain", "MailFromDomain is a subdomain of the verified identity",
               "SetIdentityMailFromDomain, MailFromDomain documentation (botocore model): 'The MAIL FROM domain "
               "must 1) be a subdomain of the verified identity'", _not_a_subdomain),
)
