"""CloudWatch's CloudFormation resource handlers, checked through its API."""

from __future__ import annotations


def test_alarm_composite_alarm_and_dashboard(cfn, aws_client):
    cw = aws_client("cloudwatch")
    alarm = cfn.create("AWS::CloudWatch::Alarm", {
        "MetricName": "Duration", "Namespace": "App", "ExtendedStatistic": "p99",
        "Dimensions": [{"Name": "FunctionName", "Value": "f"}], "Period": "300", "EvaluationPeriods": 3,
        "Threshold": "10", "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }, logical_id="Alarm")
    name = alarm.physical_id
    got = cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert got["AlarmArn"] == alarm.attributes["Arn"] and got["Threshold"] == 10.0 and got["Period"] == 300
    alarm = cfn.update(alarm, {**alarm.properties, "Threshold": 20})
    assert cw.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["Threshold"] == 20.0

    composite = cfn.create("AWS::CloudWatch::CompositeAlarm", {"AlarmName": "both", "AlarmRule": f"ALARM({name})"})
    got = cw.describe_alarms(AlarmNames=["both"], AlarmTypes=["CompositeAlarm"])["CompositeAlarms"][0]
    assert got["AlarmArn"] == composite.attributes["Arn"]

    dashboard = cfn.create("AWS::CloudWatch::Dashboard", {"DashboardBody": {"widgets": []}})
    assert cw.get_dashboard(DashboardName=dashboard.physical_id)["DashboardBody"] == '{"widgets": []}'

    for resource in (dashboard, composite, alarm):
        cfn.delete(resource)
        cfn.delete(resource)
    assert cw.describe_alarms(AlarmTypes=["MetricAlarm", "CompositeAlarm"])["MetricAlarms"] == []
    assert cw.list_dashboards()["DashboardEntries"] == []
