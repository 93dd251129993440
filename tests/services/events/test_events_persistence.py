"""With --data-dir, event buses, rules with their targets, archives, connections, API
destinations, schedule groups and schedules survive a restart."""

import boto3

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port


def _client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip


def test_eventbridge_and_scheduler_state_survives_a_restart(tmp_path):
    data_dir = str(tmp_path / "state")
    queue_arn = "arn:aws:sqs:us-east-1:000000000000:q"
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as server:
        events, scheduler = _client("events", server.endpoint), _client("scheduler", server.endpoint)
        bus = events.create_event_bus(Name="orders")["EventBusArn"]
        events.put_rule(Name="big", EventBusName="orders", EventPattern='{"detail": {"total": [{"numeric": [">", 100]}]}}')
        events.put_targets(Rule="big", EventBusName="orders", Targets=[{"Id": "q", "Arn": queue_arn}])
        events.create_archive(ArchiveName="all-orders", EventSourceArn=bus, RetentionDays=3)
        connection = events.create_connection(Name="c", AuthorizationType="API_KEY",
                                              AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
        events.create_api_destination(Name="d", ConnectionArn=connection["ConnectionArn"], HttpMethod="POST",
                                      InvocationEndpoint="http://127.0.0.1:9/hook")
        scheduler.create_schedule_group(Name="nightly")
        scheduler.create_schedule(Name="report", GroupName="nightly", ScheduleExpression="cron(0 2 * * ? *)",
                                  ScheduleExpressionTimezone="Europe/Paris", FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": queue_arn, "RoleArn": "arn:aws:iam::000000000000:role/r", "Input": "{}"})
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as server:
        events, scheduler = _client("events", server.endpoint), _client("scheduler", server.endpoint)
        assert events.describe_event_bus(Name="orders")["Arn"] == bus
        rule = events.describe_rule(Name="big", EventBusName="orders")
        assert "numeric" in rule["EventPattern"]
        assert [t["Arn"] for t in events.list_targets_by_rule(Rule="big", EventBusName="orders")["Targets"]] == [queue_arn]
        assert events.describe_archive(ArchiveName="all-orders")["RetentionDays"] == 3
        assert events.describe_api_destination(Name="d")["InvocationEndpoint"] == "http://127.0.0.1:9/hook"
        schedule = scheduler.get_schedule(Name="report", GroupName="nightly")
        assert (schedule["ScheduleExpression"], schedule["ScheduleExpressionTimezone"]) == ("cron(0 2 * * ? *)", "Europe/Paris")
