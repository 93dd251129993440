"""What sns needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import ACCOUNT, REGION, RoundTrip, ServiceSetup, Step

SETUP = ServiceSetup(
    steps=(
        Step("CreateTopic", {"Name": "ct-topic"}, {"topic_arn": "TopicArn"}),
        Step("Subscribe", {"TopicArn": "{topic_arn}", "Protocol": "sqs",
                           "Endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ct-queue",
                           "ReturnSubscriptionArn": True}, {"sub_arn": "SubscriptionArn"}),
    ),
    members={"TopicArn": "{topic_arn}", "SubscriptionArn": "{sub_arn}", "ResourceArn": "{topic_arn}",
             "Protocol": "sqs", "Endpoint": f"arn:aws:sqs:{REGION}:{ACCOUNT}:ct-queue"},
    overrides={"CreateTopic": {"Name": "ct-new-{n}"}},
    roundtrips=(
        RoundTrip("topic-attributes",
                  Step("SetTopicAttributes", {"TopicArn": "{topic_arn}", "AttributeName": "DisplayName",
                                              "AttributeValue": "ct-display"}),
                  Step("GetTopicAttributes", {"TopicArn": "{topic_arn}"}),
                  {"Attributes.DisplayName": "ct-display"}),
    ),
)
