"""Metric alarms on the virtual clock (OK -> ALARM -> OK with an SNS topic subscribed by a
queue), missing-data treatment, metric-math alarms, composite alarms, SetAlarmState, the
history and the introspection endpoint."""

from __future__ import annotations

import json
import urllib.request
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError


def _topic_queue(aws_client):
    sns, sqs = aws_client("sns"), aws_client("sqs")
    topic = sns.create_topic(Name="alarms")["TopicArn"]
    url = sqs.create_queue(QueueName="alarm-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
    return topic, sqs, url


def _next_notification(sqs, url) -> dict:
    messages = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=messages[0]["ReceiptHandle"])
    envelope = json.loads(messages[0]["Body"])
    return {"Subject": envelope["Subject"], **json.loads(envelope["Message"])}


def _state(cw, name: str) -> dict:
    found = cw.describe_alarms(AlarmNames=[name], AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    return (found["MetricAlarms"] + found["CompositeAlarms"])[0]


def test_alarm_goes_ok_alarm_ok_and_notifies_sns(cw, aws_client, control, minute):
    topic, sqs, url = _topic_queue(aws_client)
    cw.put_metric_alarm(
        AlarmName="cpu-high", AlarmDescription="cpu above 10", Namespace="app", MetricName="cpu",
        Dimensions=[{"Name": "Host", "Value": "h1"}], Statistic="Maximum", Period=60, EvaluationPeriods=1,
        Threshold=10, ComparisonOperator="GreaterThanThreshold", AlarmActions=[topic], OKActions=[topic],
    )  # fmt: skip
    assert _state(cw, "cpu-high")["StateValue"] == "INSUFFICIENT_DATA"
    host = [{"Name": "Host", "Value": "h1"}]
    for offset, value, expected in ((10, 5.0, "OK"), (70, 20.0, "ALARM"), (130, 1.0, "OK")):
        cw.put_metric_data(Namespace="app", MetricData=[
            {"MetricName": "cpu", "Dimensions": host, "Value": value, "Timestamp": minute + timedelta(seconds=offset)}
        ])  # fmt: skip
        control.advance(60)
        alarm = _state(cw, "cpu-high")
        assert alarm["StateValue"] == expected
        note = _next_notification(sqs, url)
        assert note["NewStateValue"] == expected
    assert note["OldStateValue"] == "ALARM"
    # The ALARM notification, as AWS writes it:
    alarm = _state(cw, "cpu-high")
    history = cw.describe_alarm_history(AlarmName="cpu-high", HistoryItemType="StateUpdate")["AlarmHistoryItems"]
    assert [h["HistorySummary"] for h in history] == [
        "Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM", "Alarm updated from INSUFFICIENT_DATA to OK",
    ]
    raised = json.loads(history[1]["HistoryData"])["newState"]
    stamp = (minute + timedelta(seconds=60)).strftime("%d/%m/%y %H:%M:%S")
    assert raised["stateReason"] == (
        f"Threshold Crossed: 1 out of the last 1 datapoints [20.0 ({stamp})] was greater than the threshold (10.0) "
        "(minimum 1 datapoint for OK -> ALARM transition)."
    )
    assert raised["stateReasonData"]["recentDatapoints"] == [20.0]
    assert alarm["StateReason"].startswith("Threshold Crossed: 1 out of the last 1 datapoints [1.0")
    assert note["Subject"] == 'OK: "cpu-high" in US East (N. Virginia)'
    assert note["AlarmName"] == "cpu-high" and note["AlarmDescription"] == "cpu above 10"
    assert note["AlarmArn"] == alarm["AlarmArn"] and note["Region"] == "US East (N. Virginia)"
    assert note["Trigger"] == {
        "MetricName": "cpu", "Namespace": "app", "StatisticType": "Statistic", "Statistic": "MAXIMUM", "Unit": None,
        "Dimensions": [{"value": "h1", "name": "Host"}], "Period": 60, "EvaluationPeriods": 1,
        "ComparisonOperator": "GreaterThanThreshold", "Threshold": 10.0, "TreatMissingData": "missing",
        "EvaluateLowSampleCountPercentile": "",
    }  # fmt: skip


@pytest.mark.parametrize(
    "treat, state, reason",
    [
        ("breaching", "ALARM", "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching]."),
        ("notBreaching", "OK", "Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [NonBreaching]."),
        ("ignore", "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"),
        ("missing", "INSUFFICIENT_DATA", "Unchecked: Initial alarm creation"),
    ],
)  # fmt: skip
def test_missing_data_treatment(cw, control, minute, treat, state, reason):
    cw.put_metric_alarm(
        AlarmName="quiet", Namespace="app", MetricName="silence", Statistic="Sum", Period=60, EvaluationPeriods=2,
        Threshold=1, ComparisonOperator="GreaterThanOrEqualToThreshold", TreatMissingData=treat,
    )  # fmt: skip
    control.advance(120)
    alarm = _state(cw, "quiet")
    assert (alarm["StateValue"], alarm["StateReason"]) == (state, reason)


def test_m_out_of_n_datapoints(cw, control, minute):
    cw.put_metric_alarm(
        AlarmName="two-of-three", Namespace="app", MetricName="errors", Statistic="Sum", Period=60,
        EvaluationPeriods=3, DatapointsToAlarm=2, Threshold=5, ComparisonOperator="GreaterThanThreshold",
    )  # fmt: skip
    for i, value in enumerate((9.0, 1.0, 9.0)):
        cw.put_metric_data(Namespace="app", MetricData=[{"MetricName": "errors", "Value": value, "Timestamp": minute + timedelta(minutes=i)}])
    control.advance(180)
    alarm = _state(cw, "two-of-three")
    assert alarm["StateValue"] == "ALARM"
    assert alarm["StateReason"].startswith("Threshold Crossed: 2 out of the last 3 datapoints [")
    assert alarm["StateReason"].endswith("(minimum 2 datapoints for OK -> ALARM transition).")


def test_metric_math_alarm(cw, control, minute):
    def stat(qid, name):
        return {"Id": qid, "MetricStat": {"Metric": {"Namespace": "app", "MetricName": name}, "Period": 60, "Stat": "Sum"}, "ReturnData": False}

    cw.put_metric_alarm(
        AlarmName="error-rate", EvaluationPeriods=1, Threshold=0.5, ComparisonOperator="GreaterThanThreshold",
        Metrics=[stat("e", "errors"), stat("r", "requests"), {"Id": "rate", "Expression": "e / r", "ReturnData": True}],
    )  # fmt: skip
    cw.put_metric_data(Namespace="app", MetricData=[
        {"MetricName": "errors", "Value": 3.0, "Timestamp": minute}, {"MetricName": "requests", "Value": 4.0, "Timestamp": minute},
    ])  # fmt: skip
    control.advance(60)
    assert _state(cw, "error-rate")["StateValue"] == "ALARM"


def test_composite_alarm_follows_its_children(cw, control, minute):
    for name in ("a", "b"):
        cw.put_metric_alarm(AlarmName=name, Namespace="app", MetricName=name, Statistic="Sum", Period=60,
                            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")  # fmt: skip
    arn_a = _state(cw, "a")["AlarmArn"]
    cw.put_composite_alarm(AlarmName="either", AlarmRule=f'ALARM("{arn_a}") OR ALARM(b)')
    assert _state(cw, "either")["StateValue"] == "OK"
    cw.set_alarm_state(AlarmName="a", StateValue="ALARM", StateReason="testing")
    composite = _state(cw, "either")
    assert composite["StateValue"] == "ALARM"
    triggering = json.loads(composite["StateReasonData"])["triggeringAlarms"]
    assert [(t["arn"], t["state"]["value"]) for t in triggering] == [(arn_a, "ALARM")]
    cw.set_alarm_state(AlarmName="a", StateValue="OK", StateReason="testing")
    assert _state(cw, "either")["StateValue"] == "OK"
    # Without AlarmTypes, DescribeAlarms lists metric alarms only.
    assert cw.describe_alarms(AlarmNames=["either"])["CompositeAlarms"] == []


def test_bad_alarm_input(cw):
    with pytest.raises(ClientError) as excinfo:
        cw.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFound"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_alarm(AlarmName="x", Namespace="n", MetricName="m", Statistic="Sum", ExtendedStatistic="p99",
                            Period=60, EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")  # fmt: skip
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as excinfo:
        cw.put_composite_alarm(AlarmName="c", AlarmRule="ALARM(a) AND")
    assert excinfo.value.response["Error"]["Code"] == "ValidationError"


def test_introspection_lists_transitions(cw, endpoint, minute):
    cw.put_metric_alarm(AlarmName="seen", Namespace="n", MetricName="m", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")  # fmt: skip
    cw.set_alarm_state(AlarmName="seen", StateValue="ALARM", StateReason="by hand")
    with urllib.request.urlopen(endpoint + "/_cloudtwin/cloudwatch/alarms") as response:
        transitions = json.loads(response.read())["transitions"]
    assert [(t["alarmName"], t["from"], t["to"], t["reason"]) for t in transitions] == [("seen", "INSUFFICIENT_DATA", "ALARM", "by hand")]


def test_dashboards_and_tags(cw):
    with pytest.raises(ClientError) as excinfo:
        cw.put_dashboard(DashboardName="d", DashboardBody="{not json")
    error = excinfo.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("InvalidParameterInput", "The field DashboardBody must be a valid JSON object")
    body = json.dumps({"widgets": []})
    cw.put_dashboard(DashboardName="d", DashboardBody=body)
    assert cw.get_dashboard(DashboardName="d")["DashboardBody"] == body
    assert [d["Size"] for d in cw.list_dashboards()["DashboardEntries"]] == [len(body)]
    cw.put_metric_alarm(AlarmName="t", Namespace="n", MetricName="m", Statistic="Sum", Period=60, EvaluationPeriods=1,
                        Threshold=1, ComparisonOperator="GreaterThanThreshold", Tags=[{"Key": "team", "Value": "core"}])  # fmt: skip
    arn = _state(cw, "t")["AlarmArn"]
    cw.tag_resource(ResourceARN=arn, Tags=[{"Key": "env", "Value": "dev"}])
    cw.untag_resource(ResourceARN=arn, TagKeys=["team"])
    assert cw.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "env", "Value": "dev"}]


def test_composite_rule_names_existing_alarms_and_family_filters(cw):
    with pytest.raises(ClientError) as excinfo:
        cw.put_composite_alarm(AlarmName="c", AlarmRule='ALARM("ghost")')
    assert excinfo.value.response["Error"]["Message"] == (
        "Could not save the composite alarm as alarms [ghost] in the alarm rule do not exist"
    )
    cw.put_metric_alarm(AlarmName="child", Namespace="n", MetricName="m", Statistic="Sum", Period=60,
                        EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")  # fmt: skip
    cw.put_composite_alarm(AlarmName="parent", AlarmRule="NOT OK(child)")
    children = cw.describe_alarms(ChildrenOfAlarmName="parent")
    assert [a["AlarmName"] for a in children["MetricAlarms"]] == ["child"]
    parents = cw.describe_alarms(ParentsOfAlarmName="child")
    assert [a["AlarmName"] for a in parents["CompositeAlarms"]] == ["parent"]
    # NOT OK(child): the child is INSUFFICIENT_DATA, so the rule holds.
    assert parents["CompositeAlarms"][0]["StateValue"] == "ALARM"
