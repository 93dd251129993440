"""CloudWatch Logs' CloudFormation resource handlers, checked through the Logs API."""

from __future__ import annotations


def test_log_group_stream_and_filters(handlers, aws_client):
    logs = aws_client("logs")
    group = handlers.create("AWS::Logs::LogGroup", {"RetentionInDays": "7", "Tags": [{"Key": "team", "Value": "a"}]},
                       logical_id="Group")
    name = group.physical_id
    assert name.startswith("test-stack-Group-")
    described = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]
    assert described["retentionInDays"] == 7
    assert group.attributes["Arn"] == described["arn"]
    assert logs.list_tags_log_group(logGroupName=name)["tags"]["team"] == "a"
    group = handlers.update(group, {"Tags": [{"Key": "team", "Value": "b"}]})
    described = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"][0]
    assert "retentionInDays" not in described
    assert logs.list_tags_log_group(logGroupName=name)["tags"]["team"] == "b"

    stream = handlers.create("AWS::Logs::LogStream", {"LogGroupName": name, "LogStreamName": "s1"})
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=name)["logStreams"]] == ["s1"]
    metric = handlers.create("AWS::Logs::MetricFilter", {
        "LogGroupName": name, "FilterPattern": "ERROR",
        "MetricTransformations": [{"MetricName": "Errors", "MetricNamespace": "App", "MetricValue": "1"}],
    })
    got = logs.describe_metric_filters(logGroupName=name)["metricFilters"][0]
    assert got["filterName"] == metric.physical_id
    assert got["metricTransformations"][0]["metricName"] == "Errors"

    target = logs.create_log_group(logGroupName="target") and None
    kinesis = aws_client("kinesis")
    kinesis.create_stream(StreamName="sink", ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName="sink")["StreamDescriptionSummary"]["StreamARN"]
    subscription = handlers.create("AWS::Logs::SubscriptionFilter", {
        "LogGroupName": name, "FilterPattern": "", "DestinationArn": arn,
        "RoleArn": "arn:aws:iam::000000000000:role/logs",
    })
    got = logs.describe_subscription_filters(logGroupName=name)["subscriptionFilters"]
    assert [f["filterName"] for f in got] == [subscription.physical_id]
    assert target is None

    for resource in (subscription, metric, stream):
        handlers.delete(resource)
        handlers.delete(resource)
    assert logs.describe_metric_filters(logGroupName=name)["metricFilters"] == []
    assert logs.describe_log_streams(logGroupName=name)["logStreams"] == []
    handlers.delete(group)
    handlers.delete(group)
    assert logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"] == []


def test_stack_log_group_and_stream(stack, aws_client):
    _, out = stack({
        "Resources": {
            "Group": {"Type": "AWS::Logs::LogGroup", "Properties": {"RetentionInDays": 14}},
            "Stream": {"Type": "AWS::Logs::LogStream", "Properties": {"LogGroupName": {"Ref": "Group"}}},
        },
        "Outputs": {"Group": {"Value": {"Ref": "Group"}}, "Arn": {"Value": {"Fn::GetAtt": ["Group", "Arn"]}},
                    "Stream": {"Value": {"Ref": "Stream"}}},
    }, name="logs")
    logs = aws_client("logs")
    group = logs.describe_log_groups(logGroupNamePrefix=out["Group"])["logGroups"][0]
    assert group["arn"] == out["Arn"] and group["retentionInDays"] == 14
    assert [s["logStreamName"] for s in logs.describe_log_streams(logGroupName=out["Group"])["logStreams"]] == [out["Stream"]]
