"""Fixtures of the SQS tests: clients in both wire protocols, and the control client."""

from __future__ import annotations

import botocore.session
import pytest
from botocore.config import Config


@pytest.fixture
def sqs(aws_client):
    return aws_client("sqs")


@pytest.fixture
def control(cloudtwin):
    return cloudtwin.control()


@pytest.fixture(scope="session")
def sqs_query(cloudtwin):
    """A botocore SQS client whose model is switched to the ``query`` protocol (what the
    AWS CLI v1 and older SDKs speak), against the test server."""
    session = botocore.session.get_session()
    session.set_credentials("test", "test")
    model = session.get_component("data_loader").load_service_model("sqs", "service-2")
    model["metadata"]["protocol"] = "query"
    model["metadata"]["protocols"] = ["query"]
    _restore_query_era_names(model)
    return session.create_client(
        "sqs",
        region_name="us-east-1",
        endpoint_url=cloudtwin.endpoint,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )



# How the 2012-11-05 query-era SQS model named its flattened lists and maps (the names old
# SDKs put on the wire and read back), which the JSON-era model no longer carries:
# (structure, member) -> element name; map entry names per map shape.
_FLATTENED = {
    ("ChangeMessageVisibilityBatchRequest", "Entries"): "ChangeMessageVisibilityBatchRequestEntry",
    ("DeleteMessageBatchRequest", "Entries"): "DeleteMessageBatchRequestEntry",
    ("SendMessageBatchRequest", "Entries"): "SendMessageBatchRequestEntry",
    ("ChangeMessageVisibilityBatchResult", "Successful"): "ChangeMessageVisibilityBatchResultEntry",
    ("ChangeMessageVisibilityBatchResult", "Failed"): "BatchResultErrorEntry",
    ("DeleteMessageBatchResult", "Successful"): "DeleteMessageBatchResultEntry",
    ("DeleteMessageBatchResult", "Failed"): "BatchResultErrorEntry",
    ("SendMessageBatchResult", "Successful"): "SendMessageBatchResultEntry",
    ("SendMessageBatchResult", "Failed"): "BatchResultErrorEntry",
    ("CreateQueueRequest", "Attributes"): "Attribute",
    ("CreateQueueRequest", "tags"): "Tag",
    ("SetQueueAttributesRequest", "Attributes"): "Attribute",
    ("GetQueueAttributesRequest", "AttributeNames"): "AttributeName",
    ("GetQueueAttributesResult", "Attributes"): "Attribute",
    ("ReceiveMessageRequest", "AttributeNames"): "AttributeName",
    ("ReceiveMessageRequest", "MessageSystemAttributeNames"): "AttributeName",
    ("ReceiveMessageRequest", "MessageAttributeNames"): "MessageAttributeName",
    ("ReceiveMessageResult", "Messages"): "Message",
    ("Message", "Attributes"): "Attribute",
    ("Message", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SendMessageBatchRequestEntry", "MessageAttributes"): "MessageAttribute",
    ("SendMessageBatchRequestEntry", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("MessageAttributeValue", "StringListValues"): "StringListValue",
    ("MessageAttributeValue", "BinaryListValues"): "BinaryListValue",
    ("ListQueuesResult", "QueueUrls"): "QueueUrl",
    ("ListDeadLetterSourceQueuesResult", "queueUrls"): "QueueUrl",
    ("ListQueueTagsResult", "Tags"): "Tag",
    ("TagQueueRequest", "Tags"): "Tag",
    ("UntagQueueRequest", "TagKeys"): "TagKey",
    ("AddPermissionRequest", "AWSAccountIds"): "AWSAccountId",
    ("AddPermissionRequest", "Actions"): "ActionName",
    ("ListMessageMoveTasksResult", "Results"): "ListMessageMoveTasksResultEntry",
}
_ENTRY_NAMES = {
    "QueueAttributeMap": ("Name", "Value"),
    "MessageBodyAttributeMap": ("Name", "Value"),
    "MessageBodySystemAttributeMap": ("Name", "Value"),
    "MessageSystemAttributeMap": ("Name", "Value"),
    "TagMap": ("Key", "Value"),
}


def _restore_query_era_names(model: dict) -> None:
    shapes = model["shapes"]
    for operation in model["operations"].values():
        output = operation.get("output")
        if output is not None:
            output["resultWrapper"] = f"{operation['name']}Result"
    for (structure, member), element in _FLATTENED.items():
        ref = shapes[structure]["members"][member]
        target = shapes[ref["shape"]]
        copy_name = f"{ref['shape']}__{structure}_{member}"
        shapes[copy_name] = dict(target, flattened=True)
        if target["type"] == "list":
            shapes[copy_name]["member"] = dict(target["member"], locationName=element)
        else:
            key_name, value_name = _ENTRY_NAMES[ref["shape"]]
            shapes[copy_name]["key"] = dict(target["key"], locationName=key_name)
            shapes[copy_name]["value"] = dict(target["value"], locationName=value_name)
        ref["shape"] = copy_name
        ref["locationName"] = element
