"""EventBridge Scheduler on the virtual clock: one-time schedules in a time zone across a
daylight-saving change, cron in local time (the skipped hour is skipped), rate with start
and end dates, templated and universal targets, retries and the dead-letter queue,
ActionAfterCompletion DELETE, and AWS's answers to bad input."""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::000000000000:role/scheduler"
OFF = {"Mode": "OFF"}


def _eventually(check, timeout: float = 5.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.02)


def _queue(aws_client, name: str) -> tuple[str, str]:
    sqs = aws_client("sqs")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def _take(aws_client, url: str) -> list[dict]:
    sqs = aws_client("sqs")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def _runs(endpoint: str, schedule: str) -> list[dict]:
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/scheduler/runs?schedule={schedule}", timeout=5) as resp:
        return json.loads(resp.read())["runs"]


@pytest.fixture
def scheduler(aws_client, cloudtwin_client):
    cloudtwin_client.freeze()
    return aws_client("scheduler")


def test_one_time_schedule_in_a_time_zone_across_dst(scheduler, aws_client, cloudtwin_client):
    """New York springs forward at 02:00 on 8 March 2026: 03:30 that day is EDT (07:30 UTC),
    not EST (08:30 UTC)."""
    url, arn = _queue(aws_client, "once")
    cloudtwin_client.set_time("2026-03-07T12:00:00Z")
    scheduler.create_schedule(
        Name="once", ScheduleExpression="at(2026-03-08T03:30:00)", ScheduleExpressionTimezone="America/New_York",
        FlexibleTimeWindow=OFF, ActionAfterCompletion="DELETE",
        Target={"Arn": arn, "RoleArn": ROLE, "Input": '{"at": "<aws.scheduler.scheduled-time>"}'},
    )
    cloudtwin_client.set_time("2026-03-08T07:29:59Z")
    assert _take(aws_client, url) == []
    cloudtwin_client.set_time("2026-03-08T07:30:00Z")
    [message] = _eventually(lambda: _take(aws_client, url))
    assert json.loads(message["Body"]) == {"at": "2026-03-08T07:30:00Z"}
    with pytest.raises(ClientError) as error:  # ActionAfterCompletion DELETE
        scheduler.get_schedule(Name="once")
    assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_cron_in_local_time_skips_the_missing_hour(scheduler, aws_client, cloudtwin_client):
    url, arn = _queue(aws_client, "nightly")
    cloudtwin_client.set_time("2026-03-07T00:00:00Z")
    scheduler.create_schedule(
        Name="nightly", ScheduleExpression="cron(30 2 * * ? *)", ScheduleExpressionTimezone="America/New_York",
        FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
        Target={"Arn": arn, "RoleArn": ROLE, "Input": "<aws.scheduler.scheduled-time>"},
    )
    got: list[str] = []
    for day in ("2026-03-07T12:00:00Z", "2026-03-08T12:00:00Z", "2026-03-09T12:00:00Z"):
        cloudtwin_client.set_time(day)
        _eventually(lambda: got.extend(m["Body"] for m in _take(aws_client, url)) or len(got) >= 2, 1.0)
    # 02:30 EST on the 7th, none on the 8th (02:30 does not exist), 02:30 EDT on the 9th
    assert sorted(got) == ["2026-03-07T07:30:00Z", "2026-03-09T06:30:00Z"]


def test_rate_between_start_and_end_dates(scheduler, aws_client, cloudtwin_client):
    url, arn = _queue(aws_client, "rated")
    cloudtwin_client.set_time("2026-06-01T00:00:00Z")
    scheduler.create_schedule(
        Name="rated", ScheduleExpression="rate(10 minutes)", FlexibleTimeWindow=OFF,
        StartDate=datetime(2026, 6, 1, 1, 0, tzinfo=timezone.utc), EndDate=datetime(2026, 6, 1, 1, 25, tzinfo=timezone.utc),
        Target={"Arn": arn, "RoleArn": ROLE, "Input": "<aws.scheduler.scheduled-time>"},
    )
    cloudtwin_client.advance(3 * 3600)
    got: list[str] = []
    _eventually(lambda: got.extend(m["Body"] for m in _take(aws_client, url)) or len(got) >= 2)
    assert sorted(got) == ["2026-06-01T01:10:00Z", "2026-06-01T01:20:00Z"]


def test_universal_target_calls_any_operation(scheduler, aws_client, cloudtwin_client):
    url, _ = _queue(aws_client, "universal")
    scheduler.create_schedule(
        Name="u", ScheduleExpression="rate(1 minute)", FlexibleTimeWindow=OFF,
        Target={"Arn": "arn:aws:scheduler:::aws-sdk:sqs:sendMessage", "RoleArn": ROLE,
                "Input": json.dumps({"QueueUrl": url, "MessageBody": "from a universal target"})},
    )
    cloudtwin_client.advance(60)
    [message] = _eventually(lambda: _take(aws_client, url))
    assert message["Body"] == "from a universal target"


def test_failing_target_is_retried_then_dead_lettered(scheduler, aws_client, cloudtwin_client, endpoint):
    dlq_url, dlq_arn = _queue(aws_client, "schedule-dlq")
    target = "arn:aws:scheduler:::aws-sdk:codebuild:startBuild"  # no CodeBuild here: a server error
    arn = scheduler.create_schedule(
        Name="failing", ScheduleExpression="rate(1 hour)", FlexibleTimeWindow=OFF,
        Target={"Arn": target, "RoleArn": ROLE, "Input": '{"n": 1}',
                "RetryPolicy": {"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 600},
                "DeadLetterConfig": {"Arn": dlq_arn}},
    )["ScheduleArn"]
    cloudtwin_client.advance(3600)
    assert _eventually(lambda: len((_runs(endpoint, "failing") or [{}])[0].get("attempts", [])) == 1)
    assert _take(aws_client, dlq_url) == []
    cloudtwin_client.advance(1)
    [message] = _eventually(lambda: _take(aws_client, dlq_url))
    assert message["Body"] == '{"n": 1}'
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes["SCHEDULE_ARN"] == arn
    assert attributes["TARGET_ARN"] == target
    assert attributes["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts"
    assert attributes["RETRY_ATTEMPTS"] == "1"
    assert _runs(endpoint, "failing")[0]["outcome"] == "dead-lettered"


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "cron(0 10 * * * *)", "at(2026-13-01T00:00:00)", "sometimes"])
def test_invalid_expressions(scheduler, expression):
    with pytest.raises(ClientError) as error:
        scheduler.create_schedule(Name="bad", ScheduleExpression=expression, FlexibleTimeWindow=OFF,
                                  Target={"Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RoleArn": ROLE})
    assert error.value.response["Error"] == {"Code": "ValidationException",
                                             "Message": f"Invalid Schedule Expression {expression}."}


def test_groups_tags_and_conflicts(scheduler):
    arn = scheduler.create_schedule_group(Name="team", Tags=[{"Key": "k", "Value": "v"}])["ScheduleGroupArn"]
    assert scheduler.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "k", "Value": "v"}]
    with pytest.raises(ClientError) as error:
        scheduler.create_schedule_group(Name="team")
    assert error.value.response["Error"]["Code"] == "ConflictException"
    target = {"Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RoleArn": ROLE}
    scheduler.create_schedule(Name="s", GroupName="team", ScheduleExpression="rate(1 day)", FlexibleTimeWindow=OFF, Target=target)
    listed = scheduler.list_schedules(GroupName="team")["Schedules"]
    assert [(s["Name"], s["GroupName"], s["Target"]) for s in listed] == [("s", "team", {"Arn": target["Arn"]})]
    assert sorted(g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]) == ["default", "team"]
    with pytest.raises(ClientError) as error:
        scheduler.get_schedule(Name="s")  # the default group
    assert error.value.response["Error"]["Message"] == "Schedule s does not exist."
