"""CloudWatch's CloudFormation resource handlers, checked through its API."""

from __future__ import annotations


def test_alarm_composite_alarm_and_dashboard(handlers, aws_client):
    cw = aws_client("cloudwatch")
    alarm = handlers.create("AWS::CloudWatch::Alarm", {
        "MetricName": "Duration", "Namespace": "App", "ExtendedStatistic": "p99",
        "Dimensions": [{"Name": "FunctionName", "Value": "f"}], "Period": "300", "EvaluationPeriods": 3,
        "Threshold": "10", "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }, logical_id="Alarm")
    name = alarm.physical_id
    got = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert got["AlarmArn"] == alarm.attributes["Arn"] and got["Threshold"] == 10.0 and got["Period"] == 300
    alarm = handlers.update(alarm, {**alarm.properties, "Threshold": 20})
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["Threshold"] == 20.0

    composite = handlers.create("AWS::CloudWatch::CompositeAlarm", {"AlarmName": "both", "AlarmRule": f"ALARM({name})"})
    got = cw.describe_alarms(AlarmNames=["both"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]
    assert got["AlarmArn"] == composite.attributes["Arn"]

    dashboard = handlers.create("AWS::CloudWatch::Dashboard", {"DashboardBody": {"widgets": []}})
    assert cw.get_dashboard(DashboardName=dashboard.physical_id)["DashboardBody"] == '{"widgets": []}'

    for resource in (dashboard, composite, alarm):
        handlers.delete(resource)
        handlers.delete(resource)
    assert cw.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])["MetricAlarms"] == []
    assert cw.list_dashboards()["DashboardEntries"] == []


def test_stack_alarm(stack, aws_client):
    _, out = stack({
        "Resources": {"Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "MetricName": "Errors", "Namespace": "App", "Statistic": "Sum", "Period": 60, "EvaluationPeriods": 1,
            "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold"}}},
        "Outputs": {"Name": {"Value": {"Ref": "Alarm"}}, "Arn": {"Value": {"Fn::GetAtt": ["Alarm", "Arn"]}}},
    })
    assert aws_client("cloudwatch").describe_alarms(AlarmNames=[out["Name"]])["MetricAlarms"][0]["AlarmArn"] == out["Arn"]


def test_anomaly_detector_insight_rule_and_metric_stream(handlers, aws_client):
    cw = aws_client("cloudwatch")
    detector = handlers.create("AWS::CloudWatch::AnomalyDetector", {
        "Namespace": "App", "MetricName": "Latency", "Stat": "Average",
        "Dimensions": [{"Name": "Service", "Value": "api"}],
    })
    assert [d["MetricName"] for d in cw.describe_anomaly_detectors()["AnomalyDetectors"]] == ["Latency"]
    rule = handlers.create("AWS::CloudWatch::InsightRule", {
        "RuleName": "top-talkers", "RuleState": "ENABLED",
        "RuleBody": {"Schema": {"Name": "CloudWatchLogRule", "Version": 1}, "LogGroupNames": ["g"],
                     "LogFormat": "JSON", "Contribution": {"Keys": ["$.ip"], "Filters": []}, "AggregateOn": "Count"},
    })
    assert rule.attributes["Arn"].endswith(":insight-rule/top-talkers")
    assert [r["Name"] for r in cw.describe_insight_rules()["InsightRules"]] == ["top-talkers"]
    stream = handlers.create("AWS::CloudWatch::MetricStream", {
        "FirehoseArn": "arn:aws:firehose:us-east-1:000000000000:deliverystream/s",
        "RoleArn": "arn:aws:iam::000000000000:role/r", "OutputFormat": "json",
    })
    assert cw.get_metric_stream(Name=stream.physical_id)["Arn"] == stream.attributes["Arn"]
    for resource in (stream, rule, detector):
        handlers.delete(resource)
        handlers.delete(resource)
    assert cw.describe_anomaly_detectors()["AnomalyDetectors"] == []
    assert cw.list_metric_streams()["Entries"] == []
