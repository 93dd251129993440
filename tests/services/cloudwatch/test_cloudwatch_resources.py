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
