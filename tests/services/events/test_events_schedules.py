"""Scheduled rules fire on the virtual clock: when it passes the due time, never before,
once per period passed, in AWS's scheduled-event shape; bad expressions are refused."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError
from events_helpers import bodies, queue, receive


def test_cron_rule_fires_when_the_clock_passes_its_time_and_not_before(aws_client, cloudtwin_client):
    events = aws_client("events")
    url, arn = queue(aws_client, "nightly")
    cloudtwin_client.freeze()
    cloudtwin_client.set_time("2026-06-01T01:00:00Z")
    rule_arn = events.put_rule(Name="nightly", ScheduleExpression="cron(30 2 * * ? *)")["RuleArn"]
    events.put_targets(Rule="nightly", Targets=[{"Id": "q", "Arn": arn}])
    cloudtwin_client.advance(89 * 60)  # 02:29
    assert receive(aws_client, url) == []
    cloudtwin_client.advance(60)  # 02:30
    [event] = bodies(aws_client, url)
    assert event["source"] == "aws.events"
    assert event["detail-type"] == "Scheduled Event"
    assert event["time"] == "2026-06-01T02:30:00Z"
    assert event["resources"] == [rule_arn]
    assert event["detail"] == {}
    cloudtwin_client.advance(3 * 86400)  # three more nights pass: one event each
    assert sorted(e["time"] for e in bodies(aws_client, url, 3)) == [
        "2026-06-02T02:30:00Z", "2026-06-03T02:30:00Z", "2026-06-04T02:30:00Z"]


def test_rate_rule_and_disabled_rule(aws_client, cloudtwin_client):
    events = aws_client("events")
    url, arn = queue(aws_client, "every-five")
    cloudtwin_client.freeze()
    events.put_rule(Name="five", ScheduleExpression="rate(5 minutes)")
    events.put_targets(Rule="five", Targets=[{"Id": "q", "Arn": arn, "Input": '{"tick": true}'}])
    cloudtwin_client.advance(299)
    assert receive(aws_client, url) == []
    cloudtwin_client.advance(1)
    assert bodies(aws_client, url) == [{"tick": True}]
    events.disable_rule(Name="five")
    cloudtwin_client.advance(900)
    assert receive(aws_client, url) == []


@pytest.mark.parametrize("expression", [
    "rate(1 minutes)", "rate(5 minute)", "rate(0 hours)", "cron(0 10 * * * *)", "cron(0 10 * *)",
    "cron(60 10 ? * MON *)", "cron(0 0 ? * 1#9 *)", "cron(0 0 40W * ? *)", "every 5 minutes",
])
def test_invalid_schedule_expressions(aws_client, expression):
    with pytest.raises(ClientError) as error:
        aws_client("events").put_rule(Name="bad", ScheduleExpression=expression)
    assert error.value.response["Error"] == {"Code": "ValidationException",
                                             "Message": "Parameter ScheduleExpression is not valid."}


def test_schedule_only_on_the_default_bus(aws_client):
    events = aws_client("events")
    events.create_event_bus(Name="custom")
    with pytest.raises(ClientError) as error:
        events.put_rule(Name="s", ScheduleExpression="rate(1 hour)", EventBusName="custom")
    assert error.value.response["Error"]["Message"] == "ScheduleExpression is supported only on the default event bus."


def test_cron_expression_forms():
    from cloudtwin.events.schedule import parse_schedule

    def next_of(expression: str, after: str) -> str:
        start = datetime.fromisoformat(after).replace(tzinfo=timezone.utc).timestamp()
        due = parse_schedule(expression).next_after(start)
        return datetime.fromtimestamp(due, timezone.utc).strftime("%Y-%m-%dT%H:%M")

    assert next_of("cron(0 10 ? * MON-FRI *)", "2026-06-06T00:00") == "2026-06-08T10:00"  # Saturday -> Monday
    assert next_of("cron(15 12 L * ? *)", "2026-02-01T00:00") == "2026-02-28T12:15"
    assert next_of("cron(0 9 ? * 6#3 *)", "2026-06-01T00:00") == "2026-06-19T09:00"  # third Friday
    assert next_of("cron(0 8 15W * ? *)", "2026-08-01T00:00") == "2026-08-14T08:00"  # the 15th is a Saturday
    assert next_of("cron(0/15 * * * ? *)", "2026-06-01T00:07") == "2026-06-01T00:15"
    assert next_of("cron(0 0 1 JAN ? 2030)", "2026-06-01T00:00") == "2030-01-01T00:00"
    assert json.dumps(parse_schedule("cron(0 0 1 JAN ? 2020)").next_after(1.9e9)) == "null"
