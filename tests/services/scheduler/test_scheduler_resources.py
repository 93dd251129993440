"""EventBridge Scheduler's CloudFormation resource handlers, checked through its API."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_schedule_group_and_schedule(cfn, aws_client):
    scheduler = aws_client("scheduler")
    group = cfn.create("AWS::Scheduler::ScheduleGroup", {"Name": "jobs", "Tags": [{"Key": "team", "Value": "a"}]})
    assert group.attributes["Arn"].endswith(":schedule-group/jobs") and group.attributes["State"] == "ACTIVE"
    target = {"Arn": "arn:aws:sqs:us-east-1:000000000000:q", "RoleArn": "arn:aws:iam::000000000000:role/r"}
    schedule = cfn.create("AWS::Scheduler::Schedule", {
        "GroupName": "jobs", "ScheduleExpression": "rate(5 minutes)",
        "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target,
    }, logical_id="Job")
    got = scheduler.get_schedule(Name=schedule.physical_id, GroupName="jobs")
    assert got["Arn"] == schedule.attributes["Arn"] and got["ScheduleExpression"] == "rate(5 minutes)"
    schedule = cfn.update(schedule, {**schedule.properties, "ScheduleExpression": "rate(10 minutes)"})
    assert scheduler.get_schedule(Name=schedule.physical_id, GroupName="jobs")["ScheduleExpression"] == "rate(10 minutes)"
    cfn.delete(schedule)
    cfn.delete(schedule)
    with pytest.raises(ClientError):
        scheduler.get_schedule(Name=schedule.physical_id, GroupName="jobs")
    cfn.delete(group)
    assert [g["Name"] for g in scheduler.list_schedule_groups()["ScheduleGroups"]] == ["default"]
