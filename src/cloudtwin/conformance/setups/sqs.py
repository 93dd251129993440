"""What sqs needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import DROP, RoundTrip, ServiceSetup, Step

SETUP = ServiceSetup(
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
    overrides={"CreateQueue": {"QueueName": "ct-new-{n}"}},
    roundtrips=(
        RoundTrip("attributes",
                  Step("SetQueueAttributes", {"QueueUrl": "{queue_url}", "Attributes": {"VisibilityTimeout": "45"}}),
                  Step("GetQueueAttributes", {"QueueUrl": "{queue_url}", "AttributeNames": ["VisibilityTimeout"]}),
                  {"Attributes.VisibilityTimeout": "45"}),
        RoundTrip("tags",
                  Step("TagQueue", {"QueueUrl": "{queue_url}", "Tags": {"team": "ct"}}),
                  Step("ListQueueTags", {"QueueUrl": "{queue_url}"}), {"Tags.team": "ct"}),
    ),
)
