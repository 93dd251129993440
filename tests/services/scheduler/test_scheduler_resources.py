"""EventBridge Scheduler's CloudFormation resource handlers, checked through its API."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_schedule_group_and_schedule(handlers, aws_client):
    scheduler = aws_client("scheduler")
    group = handlers.create("AWS::Scheduler::ScheduleGroup", {"Name": "jobs", "Tags": [{"Key": "team", "Value": "a"}]})
    assert group.attributes["Arn"].endswith(":schedule-group/jobs") and group.attributes["State"] == "ACTIVE"
    target = {"Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RoleArn": "arn:aws:iam::000000000000:role/r"}
    schedule = handlers.create("AWS::Scheduler::Schedule", {
        "GroupName": "jobs", "ScheduleExpression": "rate(5 minutes)",
        "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target,
    }, logical_id="Job")
    got = scheduler.get_schedule(Name=schedule.physical_id, GroupName="jobs")
    assert got["Arn"] == schedule.attributes["Arn"] and got["ScheduleExpression"] == "rate(5 minutes)"
    schedule = handlers.update(schedule, {**schedule.properties, "ScheduleExpression": "rate(10 minutes)"})
    assert scheduler.get_schedule(Name=schedule.physical_id, GroupName="jobs")["ScheduleExpression"] == "rate(10 minutes)"
    handlers.delete(schedule)
    handlers.delete(schedule)
    with pytest.raises(ClientError):
        scheduler.get_schedule(Name=schedule.physical_id, GroupName="jobs")
    handlers.delete(group)
    assert [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]] == ["default"]


def test_stack_schedule(stack, aws_client):
    _, out = stack({
        "Resources": {"Schedule": {"Type": "AWS::Scheduler::Schedule", "Properties": {
            "ScheduleExpression": "rate(1 day)", "FlexibleTimeWindow": {"Mode": "OFF"},
            "Target": {"Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RoleArn": "arn:aws:iam::000000000000:role/r"}}}},
        "Outputs": {"Name": {"Value": {"Ref": "Schedule"}}, "Arn": {"Value": {"Fn::GetAtt": ["Schedule", "Arn"]}}},
    })
    assert aws_client("scheduler").get_schedule(Name=out["Name"])["Arn"] == out["Arn"]
