import json

import pytest
from botocore.exceptions import ClientError


def _receive(sqs, url, count):
    messages = []
    for _ in range(10):
        out = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages += out.get("Messages", [])
        if len(messages) >= count:
            break
    return [json.loads(m["Body"]) for m in messages]


def test_notifications_arrive_in_sqs(s3, bucket, aws_client):
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="s3-events")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [{
        "Id": "images", "QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "img/"}, {"Name": "suffix", "Value": ".png"}]}},
    }]})
    test_event = _receive(sqs, url, 1)
    assert test_event[0]["Event"] == "s3:TestEvent" and test_event[0]["Bucket"] == bucket
    assert test_event[0]["Service"] == "Amazon S3"
    for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    config = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert config["QueueConfigurations"][0]["Id"] == "images"

    s3.put_object(Bucket=bucket, Key="img/a b.png", Body=b"png!")
    s3.put_object(Bucket=bucket, Key="img/skip.jpg", Body=b"jpg")
    s3.put_object(Bucket=bucket, Key="doc/c.png", Body=b"other")
    s3.delete_object(Bucket=bucket, Key="img/a b.png")
    records = [r for body in _receive(sqs, url, 2) for r in body["Records"]]
    assert [r["eventName"] for r in records] == ["ObjectCreated:Put", "ObjectRemoved:Delete"]
    created = records[0]
    assert created["eventSource"] == "aws:s3" and created["eventVersion"] == "2.1"
    assert created["awsRegion"] == "us-east-1"
    assert created["s3"]["bucket"]["name"] == bucket
    assert created["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert created["s3"]["configurationId"] == "images"
    assert created["s3"]["object"]["key"] == "img/a+b.png"
    assert created["s3"]["object"]["size"] == 4
    assert created["s3"]["object"]["eTag"]
    assert created["eventTime"].endswith("Z")
    # The default credentials act as an IAM user: named by its unique id; the bucket's
    # owner by the account's customer id.
    user_id = aws_client("sts").get_caller_identity()["UserId"]
    assert created["userIdentity"] == {"principalId": f"AWS:{user_id}"}
    assert not created["s3"]["bucket"]["ownerIdentity"]["principalId"].startswith("AWS:")


def test_unreachable_destination_refused(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [{
            "QueueArn": "arn:aws:sqs:us-east-1:000000000000:missing-queue", "Events": ["s3:ObjectCreated:*"]}]})
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidArgument"
    assert error["Message"] == "Unable to validate the following destination configurations"


def test_notifications_through_sns(s3, bucket, aws_client):
    sqs, sns = aws_client("sqs"), aws_client("sns")
    url = sqs.create_queue(QueueName="via-sns")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="s3-topic")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"TopicConfigurations": [{
        "TopicArn": topic, "Events": ["s3:ObjectRemoved:*"]}]})
    s3.put_object(Bucket=bucket, Key="gone", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="gone")
    bodies = _receive(sqs, url, 2)
    events = [b.get("Event") or b["Records"][0]["eventName"] for b in bodies]
    assert events == ["s3:TestEvent", "ObjectRemoved:Delete"]


def test_eventbridge_configuration_is_stored_and_writes_still_work(s3, bucket):
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
    assert "EventBridgeConfiguration" in s3.get_bucket_notification_configuration(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"x"


def test_a_traced_request_passes_its_trace_header_to_the_queue(s3, bucket, aws_client):
    """A request carrying X-Amzn-Trace-Id sends its notification with the AWSTraceHeader
    system attribute, as X-Ray-traced requests do on AWS."""
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName="s3-traced")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [{
        "QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    sqs.purge_queue(QueueUrl=url)  # the s3:TestEvent
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"

    def add_trace(request, **kwargs):
        request.headers["X-Amzn-Trace-Id"] = trace

    s3.meta.events.register("before-send.s3.PutObject", add_trace)
    try:
        s3.put_object(Bucket=bucket, Key="traced", Body=b"x")
    finally:
        s3.meta.events.unregister("before-send.s3.PutObject", add_trace)
    # notifications are delivered after the request: long-poll for it
    [message] = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["AWSTraceHeader"],
                                    WaitTimeSeconds=5)["Messages"]
    assert message["Attributes"]["AWSTraceHeader"] == trace


def test_function_destination_validation_and_skipping_it(s3, bucket):
    arn = "arn:aws:lambda:us-east-1:000000000000:function:no-such-function"
    config = {"LambdaFunctionConfigurations": [{"Id": "f", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config)
    error = excinfo.value.response["Error"]
    assert error["Message"] == "Unable to validate the following destination configurations"
    assert error["ArgumentName1"] == f"{arn}, null"
    assert error["ArgumentValue1"] == f"Not authorized to invoke function [{arn}]"
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=config,
                                             SkipDestinationValidation=True)
    stored = s3.get_bucket_notification_configuration(Bucket=bucket)["LambdaFunctionConfigurations"]
    assert stored[0]["LambdaFunctionArn"] == arn
    bad = {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "not-an-arn", "Events": ["s3:ObjectCreated:*"]}]}
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=bad,
                                                 SkipDestinationValidation=True)
    assert excinfo.value.response["Error"]["Message"] == "The ARN could not be parsed"
