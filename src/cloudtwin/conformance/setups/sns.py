"""What sns needs before its operations run.

A standard topic with an SQS subscription and a permission label, a GCM platform application
with one endpoint, and a sandbox phone number. Members AWS reads for meaning get realistic
values: E.164 phone numbers, attribute names AWS knows (``AttributeName`` is free text in the
model, but each Set*Attributes takes only its own names), a data protection policy, distinct
batch entry ids.
"""

from __future__ import annotations

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import ACCOUNT, DROP, REGION, RoundTrip, ServiceSetup, Step

QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:ct-queue"
PHONE = "+15555550100"
#: A data protection policy as AWS documents it: deny inbound e-mail addresses.
DATA_PROTECTION_POLICY = (
    '{"Name":"ct_policy","Description":"ct","Version":"2021-06-01","Statement":[{"Sid":"ct-deny",'
    '"DataDirection":"Inbound","Principal":["*"],'
    '"DataIdentifier":["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],'
    '"Operation":{"Deny":{}}}]}'
)

REDRIVE_POLICY = f'{{"deadLetterTargetArn":"arn:aws:sqs:{REGION}:{ACCOUNT}:ct-dlq"}}'

SETUP = ServiceSetup(
    steps=(
        Step("CreateTopic", {"Name": "ct-topic"}, {"topic_arn": "TopicArn"}),
        Step("Subscribe", {"TopicArn": "{topic_arn}", "Protocol": "sqs", "Endpoint": QUEUE_ARN,
                           "ReturnSubscriptionArn": True}, {"sub_arn": "SubscriptionArn"}),
        Step("AddPermission", {"TopicArn": "{topic_arn}", "Label": "ct-perm",
                               "AWSAccountId": ["111122223333"], "ActionName": ["Publish"]}),
        Step("CreatePlatformApplication", {"Name": "ct-app", "Platform": "GCM",
                                           "Attributes": {"PlatformCredential": "ct-fcm-server-key"}},
             {"app_arn": "PlatformApplicationArn"}),
        Step("CreatePlatformEndpoint", {"PlatformApplicationArn": "{app_arn}", "Token": "ct-device-token"},
             {"endpoint_arn": "EndpointArn"}),
        Step("CreateSMSSandboxPhoneNumber", {"PhoneNumber": PHONE}),
    ),
    members={
        "TopicArn": "{topic_arn}", "SubscriptionArn": "{sub_arn}", "ResourceArn": "{topic_arn}",
        "Protocol": "sqs", "Endpoint": QUEUE_ARN,
        "PlatformApplicationArn": "{app_arn}", "EndpointArn": "{endpoint_arn}", "TargetArn": "{endpoint_arn}",
        "PhoneNumber": PHONE, "phoneNumber": PHONE,
        "Label": "ct-perm", "AWSAccountId": ["111122223333"], "ActionName": ["Publish"],
        "DataProtectionPolicy": DATA_PROTECTION_POLICY,
        # a JSON message with a default entry: valid with and without MessageStructure=json
        "Message": '{"default":"ct message"}', "MessageStructure": "json", "Subject": "ct subject",
        "MessageAttributes": {"ct-attr": {"DataType": "String", "StringValue": "ct-value"}},
        # only FIFO topics take a deduplication id (the standard topic refuses it by design)
        "MessageDeduplicationId": DROP, "MessageGroupId": "ct-group",
        # batch entry ids: alphanumerics, hyphens and underscores, distinct within a batch
        "Id": "entry-{n}",
        "AuthenticateOnUnsubscribe": "true",
    },
    # A subscription needs its endpoint, a message a target (AWS refuses either without,
    # though the model makes them optional); a message goes to one target only.
    defaults={"Subscribe": {"Endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ct-queue-{{n}}"},
              "Publish": {"TopicArn": "{topic_arn}"}},
    exclusive=(("TopicArn", "TargetArn", "PhoneNumber"),),
    overrides={
        # one target per message: the variant's own focus is kept, its rivals dropped
        "Publish": {"TargetArn": DROP, "PhoneNumber": DROP},
        "CreateTopic": {"Name": "ct-new-{n}", "Attributes": {"DisplayName": "ct-display"}},
        # a new endpoint each time: the same endpoint with other attributes is refused
        "Subscribe": {"Endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ct-queue-{{n}}",
                      "Attributes": {"RawMessageDelivery": "true"}},
        "SetTopicAttributes": {"AttributeName": "DisplayName", "AttributeValue": "ct-display"},
        # a name whose value may also be left out (no AttributeValue clears the redrive policy)
        "SetSubscriptionAttributes": {"AttributeName": "RedrivePolicy", "AttributeValue": REDRIVE_POLICY},
        "AddPermission": {"Label": "ct-new-{n}"},
        "CreatePlatformApplication": {"Name": "ct-new-{n}", "Platform": "GCM",
                                      "Attributes": {"PlatformCredential": "ct-fcm-server-key"}},
        "SetPlatformApplicationAttributes": {"Attributes": {"SuccessFeedbackSampleRate": "100"}},
        "CreatePlatformEndpoint": {"Token": "ct-device-{n}", "Attributes": {"Enabled": "true"}},
        "SetEndpointAttributes": {"Attributes": {"Enabled": "true", "CustomUserData": "ct-user-data"}},
        "SetSMSAttributes": {"attributes": {"DefaultSMSType": "Transactional"}},
        # a batch of one message (AWS refuses an empty batch, EmptyBatchRequest); a variant
        # about the entries keeps its own
        "PublishBatch": {"PublishBatchRequestEntries": [{"Id": "entry-{n}", "Message": "ct message"}]},
    },
    roundtrips=(
        RoundTrip("topic-attributes",
                  Step("SetTopicAttributes", {"TopicArn": "{topic_arn}", "AttributeName": "DisplayName",
                                              "AttributeValue": "ct-display"}),
                  Step("GetTopicAttributes", {"TopicArn": "{topic_arn}"}),
                  {"Attributes.DisplayName": "ct-display"}),
    ),
)


#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = (
    Constraint("ConfirmSubscription", "Token is the short-lived token sent to the endpoint by Subscribe",
               "SNS API Reference, ConfirmSubscription Token (botocore model); the set-up cannot send "
               "one it did not receive, so any value sent is made up",
               lambda p: bool(p.get("Token"))),
)
