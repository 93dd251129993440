"""Target failures (retried on the clock, then the dead-letter queue with AWS's
attributes), archives and replays, and the events other services send to EventBridge."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from events_helpers import bodies, deliveries, eventually, queue, receive


def _attributes(message: dict) -> dict:
    return {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}


def test_deleted_queue_goes_to_the_dlq_at_once_with_aws_attributes(aws_client):
    events = aws_client("events")
    gone_url, gone_arn = queue(aws_client, "gone")
    dlq_url, dlq_arn = queue(aws_client, "rule-dlq")
    rule_arn = events.put_rule(Name="r", EventPattern='{"source": ["s"]}')["RuleArn"]
    events.put_targets(Rule="r", Targets=[{"Id": "t", "Arn": gone_arn, "DeadLetterConfig": {"Arn": dlq_arn}}])
    aws_client("sqs").delete_queue(QueueUrl=gone_url)
    event_id = events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}])["Entries"][0]["EventId"]
    [message] = eventually(lambda: receive(aws_client, dlq_url))
    assert json.loads(message["Body"])["id"] == event_id
    attributes = _attributes(message)
    assert attributes["RULE_ARN"] == rule_arn
    assert attributes["TARGET_ARN"] == gone_arn
    assert attributes["ERROR_CODE"] == "RESOURCE_NOT_FOUND"
    assert attributes["ERROR_MESSAGE"]


def test_unavailable_target_is_retried_on_the_clock_then_dead_lettered(aws_client, cloudtwin_client, endpoint):
    """A target service that does not answer (no delivery to CodeBuild: NotImplemented, a
    server-side error) is retried with back-off until MaximumRetryAttempts."""
    events = aws_client("events")
    dlq_url, dlq_arn = queue(aws_client, "retry-dlq")
    cloudtwin_client.freeze()
    target = "arn:aws:codebuild:us-east-1:000000000000:project/nowhere"  # no delivery to CodeBuild: a server error
    events.put_rule(Name="r", EventPattern='{"source": ["s"]}')
    events.put_targets(Rule="r", Targets=[{
        "Id": "t", "Arn": target, "DeadLetterConfig": {"Arn": dlq_arn},
        "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600},
    }])
    events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": "{}"}])

    def attempts():
        return [a for d in deliveries(endpoint, rule="r") for a in d["attempts"] if a.get("attempt")]

    assert eventually(lambda: len(attempts()) == 1)
    assert receive(aws_client, dlq_url) == []
    cloudtwin_client.advance(1)
    assert eventually(lambda: len(attempts()) == 2)
    cloudtwin_client.advance(2)
    assert eventually(lambda: len(attempts()) == 3)
    [message] = eventually(lambda: receive(aws_client, dlq_url))
    assert _attributes(message)["TARGET_ARN"] == target
    assert {a["error_code"] for a in attempts()} == {"NotImplemented"}


def test_archive_then_replay(aws_client, cloudtwin_client):
    events = aws_client("events")
    url, arn = queue(aws_client, "replayed")
    cloudtwin_client.freeze()
    bus_arn = events.describe_event_bus()["Arn"]
    archive_arn = events.create_archive(ArchiveName="all", EventSourceArn=bus_arn,
                                        EventPattern='{"source": ["s"]}', RetentionDays=1)["ArchiveArn"]
    start = datetime.fromtimestamp(cloudtwin_client.now() - 1, timezone.utc)  # whole seconds on the wire
    events.put_events(Entries=[{"Source": "s", "DetailType": "d", "Detail": '{"n": 1}'},
                               {"Source": "other", "DetailType": "d", "Detail": '{"n": 2}'}])
    assert events.describe_archive(ArchiveName="all")["EventCount"] == 1
    rule_arn = events.put_rule(Name="late", EventPattern='{"source": ["s"]}')["RuleArn"]
    events.put_targets(Rule="late", Targets=[{"Id": "q", "Arn": arn}])
    cloudtwin_client.advance(60)
    end = datetime.fromtimestamp(cloudtwin_client.now(), timezone.utc)
    out = events.start_replay(ReplayName="again", EventSourceArn=archive_arn, EventStartTime=start,
                              EventEndTime=end, Destination={"Arn": bus_arn, "FilterArns": [rule_arn]})
    assert out["State"] == "STARTING"
    [event] = bodies(aws_client, url)
    assert event["detail"] == {"n": 1}
    assert event["replay-name"] == "again"
    assert events.describe_replay(ReplayName="again")["State"] == "COMPLETED"
    assert [r["ReplayName"] for r in events.list_replays()["Replays"]] == ["again"]
    cloudtwin_client.advance(86400)  # retention: one day
    assert events.describe_archive(ArchiveName="all")["EventCount"] == 0


def test_s3_object_created_reaches_sqs_through_eventbridge(aws_client):
    s3, events = aws_client("s3"), aws_client("events")
    url, arn = queue(aws_client, "uploads")
    s3.create_bucket(Bucket="eb-bucket")
    s3.put_bucket_notification_configuration(
        Bucket="eb-bucket", NotificationConfiguration={"EventBridgeConfiguration": {}})
    events.put_rule(Name="uploads", EventPattern=json.dumps({
        "source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {"bucket": {"name": ["eb-bucket"]}}}))
    events.put_targets(Rule="uploads", Targets=[{"Id": "q", "Arn": arn}])
    s3.put_object(Bucket="eb-bucket", Key="photos/cat.png", Body=b"meow")
    [event] = bodies(aws_client, url)
    assert event["source"] == "aws.s3"
    assert event["detail-type"] == "Object Created"
    assert event["resources"] == ["arn:aws:s3:::eb-bucket"]
    detail = event["detail"]
    assert detail["bucket"] == {"name": "eb-bucket"}
    assert detail["object"]["key"] == "photos/cat.png"
    assert detail["object"]["size"] == 4
    assert detail["reason"] == "PutObject"
    assert "version-id" not in detail["object"]  # an unversioned bucket's object has none


def test_s3_null_version_has_no_version_id_in_its_event(aws_client):
    s3, events = aws_client("s3"), aws_client("events")
    url, arn = queue(aws_client, "suspended")
    s3.create_bucket(Bucket="eb-suspended")
    s3.put_bucket_versioning(Bucket="eb-suspended", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_notification_configuration(
        Bucket="eb-suspended", NotificationConfiguration={"EventBridgeConfiguration": {}})
    events.put_rule(Name="suspended", EventPattern=json.dumps({"source": ["aws.s3"]}))
    events.put_targets(Rule="suspended", Targets=[{"Id": "q", "Arn": arn}])
    version = s3.put_object(Bucket="eb-suspended", Key="k", Body=b"v1")["VersionId"]
    [versioned] = bodies(aws_client, url)
    assert versioned["detail"]["object"]["version-id"] == version
    s3.put_bucket_versioning(Bucket="eb-suspended", VersioningConfiguration={"Status": "Suspended"})
    s3.put_object(Bucket="eb-suspended", Key="k", Body=b"null version")
    [null] = bodies(aws_client, url)
    assert "version-id" not in null["detail"]["object"]


def test_s3_events_reach_eventbridge_with_the_detail_of_their_type(aws_client):
    """Each S3 change has its EventBridge detail type and the fields AWS documents for it:
    an ACL update carries no reason, a deletion says which kind it was."""
    s3, events = aws_client("s3"), aws_client("events")
    url, arn = queue(aws_client, "s3-kinds")
    s3.create_bucket(Bucket="eb-kinds")
    s3.put_bucket_notification_configuration(
        Bucket="eb-kinds", NotificationConfiguration={"EventBridgeConfiguration": {}})
    events.put_rule(Name="s3-kinds", EventPattern=json.dumps({"source": ["aws.s3"]}))
    events.put_targets(Rule="s3-kinds", Targets=[{"Id": "q", "Arn": arn}])

    s3.put_object(Bucket="eb-kinds", Key="k", Body=b"data")
    s3.put_object_acl(Bucket="eb-kinds", Key="k", ACL="public-read")
    s3.put_object_tagging(Bucket="eb-kinds", Key="k", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    s3.delete_object_tagging(Bucket="eb-kinds", Key="k")
    s3.delete_object(Bucket="eb-kinds", Key="k")

    received = bodies(aws_client, url, 5)
    by_type = {e["detail-type"]: e["detail"] for e in received}
    assert sorted(by_type) == ["Object ACL Updated", "Object Created", "Object Deleted",
                               "Object Tags Added", "Object Tags Deleted"]
    acl = by_type["Object ACL Updated"]
    assert "reason" not in acl and "sequencer" not in acl["object"]
    assert acl["object"]["etag"] == by_type["Object Created"]["object"]["etag"]
    deleted = by_type["Object Deleted"]
    assert deleted["reason"] == "DeleteObject"
    assert deleted["deletion-type"] == "Permanently Deleted"


def test_state_machine_execution_is_named_after_the_event(aws_client):
    sfn, events = aws_client("stepfunctions"), aws_client("events")
    machine = sfn.create_state_machine(
        name="from-events", roleArn="arn:aws:iam::000000000000:role/r",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
    )["stateMachineArn"]
    events.put_rule(Name="to-sfn", EventPattern=json.dumps({"source": ["app"]}))
    events.put_targets(Rule="to-sfn", Targets=[{"Id": "m", "Arn": machine, "RoleArn": "arn:aws:iam::000000000000:role/r"}])
    event_id = events.put_events(Entries=[{"Source": "app", "DetailType": "d", "Detail": "{}"}])["Entries"][0]["EventId"]
    [execution] = eventually(lambda: sfn.list_executions(stateMachineArn=machine)["executions"])
    assert execution["name"].startswith(f"{event_id}_")
