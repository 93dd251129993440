"""What sqs needs before its operations run.

One standard queue (``ct-queue``) that every operation targets, with a message in flight
(its receipt handle) and one still visible (so no ReceiveMessage long-polls), a permission
label, and a dead-letter pair for the move tasks: ``ct-dlq`` (the dead-letter queue of
``ct-src``, with a running move task whose handle CancelMessageMoveTask gets) and
``ct-dlq2`` (of ``ct-src2``, free for StartMessageMoveTask: AWS allows one running task per
source queue). ``ct-fifo.fifo`` answers GetQueueAttributes, whose FIFO-only attribute names
a standard queue refuses.
"""

from __future__ import annotations

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import DROP, RoundTrip, ServiceSetup, Step

_POLICY = ('{"Version":"2012-10-17","Statement":[{"Sid":"ct-send","Effect":"Allow",'
           '"Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sqs:SendMessage",'
           '"Resource":"{queue_arn}"}]}')
_TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def _arn_of(url: str, arn: str) -> Step:
    return Step("GetQueueAttributes", {"QueueUrl": url, "AttributeNames": ["QueueArn"]},
                {arn: "Attributes.QueueArn"})


def _redriven(name: str, dlq_arn: str, url: str) -> Step:
    return Step("CreateQueue", {"QueueName": name, "Attributes": {
        "RedrivePolicy": '{"deadLetterTargetArn":"{%s}","maxReceiveCount":5}' % dlq_arn}},
        {url: "QueueUrl"})


#: Valid values for the settable attributes of a standard queue, by name (they replace the
#: values a variant drew for the same keys of ``Attributes``). The read-only names (``All``,
#: ``QueueArn``...) and the FIFO-only ones are refused by AWS on a standard queue: dropped.
_ATTRIBUTES = {
    "Policy": _POLICY,
    "VisibilityTimeout": "30",
    "MaximumMessageSize": "262144",
    "MessageRetentionPeriod": "86400",
    "DelaySeconds": "0",
    "ReceiveMessageWaitTimeSeconds": "0",
    "RedrivePolicy": '{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":5}',
    "RedriveAllowPolicy": '{"redrivePermission":"allowAll"}',
    "KmsMasterKeyId": "alias/aws/sqs",
    "KmsDataKeyReusePeriodSeconds": "300",
    "SqsManagedSseEnabled": "false",
    **{name: DROP for name in (
        "All", "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesDelayed", "CreatedTimestamp", "LastModifiedTimestamp",
        "QueueArn", "FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
        "FifoThroughputLimit")},
}

SETUP = ServiceSetup(
    steps=(
        # visibility 0: a received message stays receivable, so no ReceiveMessage long-polls
        Step("CreateQueue", {"QueueName": "{queue_name}", "Attributes": {"VisibilityTimeout": "0"}},
             {"queue_url": "QueueUrl"}),
        _arn_of("{queue_url}", "queue_arn"),
        Step("SendMessage", {"QueueUrl": "{queue_url}", "MessageBody": "in flight"}),
        Step("SendMessage", {"QueueUrl": "{queue_url}", "MessageBody": "visible"}),
        # the first message stays in flight: ChangeMessageVisibility needs one
        Step("ReceiveMessage", {"QueueUrl": "{queue_url}", "MaxNumberOfMessages": 1,
                                "VisibilityTimeout": 3600},
             {"receipt": "Messages.0.ReceiptHandle"}),
        Step("AddPermission", {"QueueUrl": "{queue_url}", "Label": "ct-perm",
                               "AWSAccountIds": ["111122223333"], "Actions": ["SendMessage"]}),
        Step("CreateQueue", {"QueueName": "ct-dlq"}, {"dlq_url": "QueueUrl"}),
        _arn_of("{dlq_url}", "dlq_arn"),
        Step("CreateQueue", {"QueueName": "ct-dlq2"}, {"dlq2_url": "QueueUrl"}),
        _arn_of("{dlq2_url}", "dlq2_arn"),
        _redriven("ct-src", "dlq_arn", "src_url"),
        _redriven("ct-src2", "dlq2_arn", "src2_url"),
        Step("StartMessageMoveTask", {"SourceArn": "{dlq_arn}"}, {"task_handle": "TaskHandle"}),
        Step("CreateQueue", {"QueueName": "ct-fifo.fifo", "Attributes": {
            "FifoQueue": "true", "ContentBasedDeduplication": "true"}}, {"fifo_url": "QueueUrl"}),
    ),
    members={
        "QueueUrl": "{queue_url}", "QueueName": "{queue_name}", "QueueNamePrefix": "ct",
        "QueueOwnerAWSAccountId": "000000000000",
        "ReceiptHandle": "{receipt}", "SourceArn": "{dlq_arn}", "DestinationArn": "{queue_arn}",
        "TaskHandle": "{task_handle}", "MaxResults": 10, "MaxNumberOfMessagesPerSecond": 50,
        "VisibilityTimeout": 30, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0, "DelaySeconds": 0,
        # batch entry ids: alphanumerics, hyphens and underscores, distinct within a batch
        "Id": "entry-{n}",
        "MessageAttributes": {"ct-attr": {"DataType": "String", "StringValue": "ct-value"}},
        "MessageSystemAttributes": {"AWSTraceHeader": {"DataType": "String", "StringValue": _TRACE_HEADER}},
        # only FIFO queues take a deduplication id (a standard queue refuses it by design)
        "MessageDeduplicationId": DROP, "MessageGroupId": "ct-group",
        "Label": "ct-perm", "AWSAccountIds": ["111122223333"], "Actions": ["SendMessage", "ReceiveMessage"],
        "Tags": {"team": "ct"}, "tags": {"team": "ct"}, "TagKeys": ["team"],
    },
    names={"QueueName": ("queue_name", "ct-queue")},
    overrides={
        "CreateQueue": {"QueueName": "ct-new-{n}", **_ATTRIBUTES},
        "SetQueueAttributes": _ATTRIBUTES,
        "GetQueueAttributes": {"QueueUrl": "{fifo_url}"},
        "AddPermission": {"Label": "ct-new-{n}"},
        "StartMessageMoveTask": {"SourceArn": "{dlq2_arn}"},
        "ListDeadLetterSourceQueues": {"QueueUrl": "{dlq_url}"},
    },
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

KNOWN_GAPS = {
    ("ReceiveMessage", "accepted-invalid", "enum"): (
        "ReceiveMessage's AttributeNames enum (QueueAttributeName) is wrong in the model: AWS takes "
        "message system attribute names outside it (SentTimestamp, SenderId...; aws/aws-sdk#56, "
        "aws/aws-sdk-java#2324), so cloudtwin checks no enum on SQS (protocol/validation.py) and "
        "returns the messages with the attributes it knows; a refusal would break legacy callers"),
}

#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = (
    Constraint("SendMessage", "MessageBody: the minimum size is one character",
               "SendMessage, MessageBody documentation (botocore model)",
               lambda p: p.get("MessageBody") == ""),
    Constraint("SendMessageBatch", "MessageBody: the minimum size is one character",
               "SendMessageBatchRequestEntry, MessageBody documentation (botocore model)",
               lambda p: any(e.get("MessageBody") == "" for e in p.get("Entries", []))),
)
