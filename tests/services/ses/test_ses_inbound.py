"""Receiving mail through the active receipt rule set (``POST /_cloudtwin/ses/inbound``)."""

import base64
import io
import json
import time
import urllib.error
import urllib.request
import zipfile

import pytest
from ses_helpers import topic_to_queue

RAW = "From: Alice <alice@example.org>\r\nTo: support@example.com\r\nSubject: help\r\n\r\nplease\r\n"


def _post(endpoint, body):
    request = urllib.request.Request(f"{endpoint}/_cloudtwin/ses/inbound", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def _listed(endpoint):
    """The received mail, once the rule set has run over all of it (its actions run after the
    endpoint answers)."""
    deadline = time.monotonic() + 10
    while True:
        with urllib.request.urlopen(f"{endpoint}/_cloudtwin/ses/inbound") as response:
            received = json.loads(response.read())["received"]
        if all(r.get("done") or r["ruleSet"] is None for r in received) or time.monotonic() > deadline:
            return received
        time.sleep(0.02)


def _received(aws_client, queue):
    messages = aws_client("sqs").receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", [])
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]


def test_rule_set_actions_run_on_received_mail(aws_client, cloudtwin_endpoint):
    ses, s3 = aws_client("ses"), aws_client("s3")
    s3.create_bucket(Bucket="inbox")
    topic, queue = topic_to_queue(aws_client, "inbound")
    ses.create_receipt_rule_set(RuleSetName="in")
    ses.create_receipt_rule(RuleSetName="in", Rule={"Name": "other-domain", "Enabled": True, "Recipients": ["example.net"],
                                                    "Actions": [{"S3Action": {"BucketName": "inbox", "ObjectKeyPrefix": "net/"}}]})
    ses.create_receipt_rule(RuleSetName="in", After="other-domain", Rule={"Name": "support", "Enabled": True, "Recipients": ["example.com"], "Actions": [
        {"AddHeaderAction": {"HeaderName": "X-Routed", "HeaderValue": "support"}},
        {"S3Action": {"BucketName": "inbox", "ObjectKeyPrefix": "mail/", "TopicArn": topic}},
        {"SNSAction": {"TopicArn": topic, "Encoding": "Base64"}},
        {"StopAction": {"Scope": "RuleSet"}},
    ]})
    ses.create_receipt_rule(RuleSetName="in", After="support", Rule={"Name": "never", "Enabled": True,
                                                                      "Actions": [{"S3Action": {"BucketName": "inbox", "ObjectKeyPrefix": "never/"}}]})

    assert _post(cloudtwin_endpoint, {"raw": RAW})["ruleSet"] is None  # no active rule set: nothing runs
    ses.set_active_receipt_rule_set(RuleSetName="in")
    record = _post(cloudtwin_endpoint, {"raw_base64": base64.b64encode(RAW.encode()).decode()})
    message_id = record["messageId"]
    assert len(message_id) == 40 and record["ruleSet"] == "in" and record["recipients"] == ["support@example.com"]

    stored, notified = sorted(_received(aws_client, queue), key=lambda n: "content" in n)
    assert stored["notificationType"] == "Received" and stored["receipt"]["action"] == {
        "topicArn": topic, "type": "S3", "bucketName": "inbox", "objectKeyPrefix": "mail/", "objectKey": f"mail/{message_id}"}
    assert stored["mail"]["source"] == "alice@example.org" and stored["mail"]["commonHeaders"]["subject"] == "help"
    assert stored["receipt"]["recipients"] == ["support@example.com"] and stored["receipt"]["spamVerdict"] == {"status": "PASS"}
    content = base64.b64decode(notified["content"]).decode()
    assert content.startswith("X-Routed: support\r\n") and content.endswith(RAW)
    body = s3.get_object(Bucket="inbox", Key=f"mail/{message_id}")["Body"].read().decode()
    assert body == content
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="inbox")["Contents"]] == [f"mail/{message_id}"]

    listed = _listed(cloudtwin_endpoint)
    assert [(a["rule"], a["action"], a["outcome"]) for a in listed[-1]["actions"]] == [
        ("support", "AddHeader", "done"), ("support", "S3", "done"), ("support", "SNS", "done"), ("support", "Stop", "stop_rule_set")]


def test_inbound_needs_a_message_and_recipients(cloudtwin_endpoint):
    for body, message in (({}, "give the message as 'raw' (text) or 'raw_base64'"),
                          ({"raw": "Subject: x\r\n\r\nno recipients"}, "no recipients: give 'recipients' or a To header")):
        with pytest.raises(urllib.error.HTTPError) as exc:
            _post(cloudtwin_endpoint, body)
        assert exc.value.code == 400 and message in exc.value.read().decode()


HANDLER = '''
import json
def handler(event, context):
    record = event["Records"][0]
    print(json.dumps({"seen": record["ses"]["mail"]["commonHeaders"]["subject"], "source": record["eventSource"]}))
    return {"disposition": "STOP_RULE_SET"}
'''


def test_lambda_action_and_its_disposition(aws_client, cloudtwin_endpoint):
    ses, lam, s3 = aws_client("ses"), aws_client("lambda"), aws_client("s3")
    role = aws_client("iam").create_role(RoleName="ses-fn", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("app.py", HANDLER)
    arn = lam.create_function(FunctionName="on-mail", Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": archive.getvalue()})["FunctionArn"]
    lam.get_waiter("function_active_v2").wait(FunctionName="on-mail", WaiterConfig={"Delay": 1})
    s3.create_bucket(Bucket="after")
    topic, queue = topic_to_queue(aws_client, "lambda-action")
    ses.create_receipt_rule_set(RuleSetName="fn")
    ses.create_receipt_rule(RuleSetName="fn", Rule={"Name": "call", "Enabled": True, "Actions": [
        {"LambdaAction": {"FunctionArn": arn, "InvocationType": "RequestResponse", "TopicArn": topic}}]})
    ses.create_receipt_rule(RuleSetName="fn", After="call", Rule={"Name": "skipped", "Enabled": True, "Actions": [
        {"S3Action": {"BucketName": "after"}}]})
    ses.set_active_receipt_rule_set(RuleSetName="fn")
    _post(cloudtwin_endpoint, {"raw": RAW})
    [notification] = _received(aws_client, queue)
    assert notification["receipt"]["action"] == {"topicArn": topic, "type": "Lambda", "functionArn": arn, "invocationType": "RequestResponse"}
    [received] = _listed(cloudtwin_endpoint)
    assert [(a["action"], a["outcome"]) for a in received["actions"]] == [("Lambda", "stop_rule_set")]
    assert s3.list_objects_v2(Bucket="after").get("Contents", []) == []
