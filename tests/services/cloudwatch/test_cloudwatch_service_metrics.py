"""The metrics cloudtwin's services publish where AWS does (AWS/Lambda, AWS/SQS, AWS/SNS)
and embedded-metric-format log lines, read back through CloudWatch."""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "lambda_"))
from lambda_helpers import zipped  # noqa: E402

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})  # fmt: skip


def _sum(cw, minute, namespace, name, dims):
    points = cw.get_metric_statistics(
        Namespace=namespace, MetricName=name, Dimensions=dims, StartTime=minute - timedelta(minutes=1),
        EndTime=minute + timedelta(minutes=10), Period=600, Statistics=["Sum", "SampleCount"],
    )["Datapoints"]  # fmt: skip
    return sum(p["Sum"] for p in points)


def test_lambda_error_raises_the_errors_metric(aws_client, cw, minute):
    lam = aws_client("lambda")
    role = aws_client("iam").create_role(RoleName="cw-metrics", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    source = "def handler(event, context):\n    if event.get('fail'):\n        raise ValueError('boom')\n    return 1\n"
    lam.create_function(FunctionName="flaky", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zipped({"app.py": source})})  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName="flaky", WaiterConfig={"Delay": 1})
    cw.put_metric_alarm(
        AlarmName="flaky-errors", Namespace="AWS/Lambda", MetricName="Errors", Statistic="Sum", Period=60,
        EvaluationPeriods=1, Threshold=0, ComparisonOperator="GreaterThanThreshold", TreatMissingData="notBreaching",
        Dimensions=[{"Name": "FunctionName", "Value": "flaky"}],
    )  # fmt: skip
    lam.invoke(FunctionName="flaky", Payload=b"{}")
    assert lam.invoke(FunctionName="flaky", Payload=b'{"fail": true}')["FunctionError"] == "Unhandled"
    fn = [{"Name": "FunctionName", "Value": "flaky"}]
    assert _sum(cw, minute, "AWS/Lambda", "Invocations", fn) == 2.0
    assert _sum(cw, minute, "AWS/Lambda", "Errors", fn) == 1.0
    duration = cw.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Duration", Dimensions=fn, StartTime=minute,
        EndTime=minute + timedelta(minutes=1), Period=60, Statistics=["SampleCount"],
    )["Datapoints"]  # fmt: skip
    assert duration[0]["SampleCount"] == 2.0 and duration[0]["Unit"] == "Milliseconds"
    names = {m["MetricName"] for m in cw.list_metrics(Namespace="AWS/Lambda", Dimensions=fn)["Metrics"]}
    assert {"Invocations", "Errors", "Duration"} <= names


def test_lambda_errors_alarm(aws_client, cw, control, minute):
    test_lambda_error_raises_the_errors_metric(aws_client, cw, minute)
    control.advance(60)
    alarm = cw.describe_alarms(AlarmNames=["flaky-errors"])["MetricAlarms"][0]
    assert alarm["StateValue"] == "ALARM"


def test_sqs_and_sns_metrics(aws_client, cw, control, minute):
    sqs, sns = aws_client("sqs"), aws_client("sns")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    queue = [{"Name": "QueueName", "Value": "orders"}]
    assert _sum(cw, minute, "AWS/SQS", "NumberOfMessagesSent", queue) == 3.0
    assert _sum(cw, minute, "AWS/SQS", "NumberOfMessagesReceived", queue) == 1.0
    assert _sum(cw, minute, "AWS/SQS", "NumberOfMessagesDeleted", queue) == 1.0
    control.advance(60)
    visible = cw.get_metric_statistics(
        Namespace="AWS/SQS", MetricName="ApproximateNumberOfMessagesVisible", Dimensions=queue,
        StartTime=minute, EndTime=minute + timedelta(minutes=5), Period=60, Statistics=["Maximum"],
    )["Datapoints"]  # fmt: skip
    assert [p["Maximum"] for p in visible] == [2.0]
    topic = sns.create_topic(Name="news")["TopicArn"]
    sns.publish(TopicArn=topic, Message="hello")
    assert _sum(cw, minute, "AWS/SNS", "NumberOfMessagesPublished", [{"Name": "TopicName", "Value": "news"}]) == 1.0


def test_embedded_metric_format_lines_become_metrics(aws_client, cw, minute):
    logs = aws_client("logs")
    logs.create_log_group(logGroupName="app")
    logs.create_log_stream(logGroupName="app", logStreamName="s")
    stamp = int(minute.timestamp() * 1000) + 5000
    line = {
        "_aws": {"Timestamp": stamp, "CloudWatchMetrics": [
            {"Namespace": "shop", "Dimensions": [["Service"], []], "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}]}]},
        "Service": "checkout", "Latency": [10, 30],
    }  # fmt: skip
    logs.put_log_events(logGroupName="app", logStreamName="s", logEvents=[
        {"timestamp": stamp, "message": json.dumps(line)}, {"timestamp": stamp, "message": "plain text"}])  # fmt: skip
    assert _sum(cw, minute, "shop", "Latency", [{"Name": "Service", "Value": "checkout"}]) == 40.0
    assert _sum(cw, minute, "shop", "Latency", []) == 40.0
    assert len(cw.list_metrics(Namespace="shop")["Metrics"]) == 2


def test_dynamodb_consumed_capacity(aws_client, cw, minute):
    ddb = aws_client("dynamodb")
    ddb.create_table(TableName="orders", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")  # fmt: skip
    ddb.put_item(TableName="orders", Item={"k": {"S": "a"}, "v": {"S": "x" * 1500}})
    ddb.get_item(TableName="orders", Key={"k": {"S": "a"}}, ConsistentRead=True)
    table = [{"Name": "TableName", "Value": "orders"}]
    assert _sum(cw, minute, "AWS/DynamoDB", "ConsumedWriteCapacityUnits", table) == 2.0
    assert _sum(cw, minute, "AWS/DynamoDB", "ConsumedReadCapacityUnits", table) == 1.0


def test_alarm_invokes_lambda_with_the_alarm_event(aws_client, cw, minute):
    from lambda_helpers import eventually

    lam, logs = aws_client("lambda"), aws_client("logs")
    role = aws_client("iam").create_role(RoleName="cw-action", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    source = "import json\ndef handler(event, context):\n    print('EVENT ' + json.dumps(event))\n"
    fn = lam.create_function(FunctionName="on-alarm", Runtime="python3.12", Role=role, Handler="app.handler",
                             Code={"ZipFile": zipped({"app.py": source})})["FunctionArn"]  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName="on-alarm", WaiterConfig={"Delay": 1})
    cw.put_metric_alarm(AlarmName="paging", AlarmDescription="wake up", Namespace="app", MetricName="m",
                        Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=1,
                        ComparisonOperator="GreaterThanThreshold", AlarmActions=[fn])  # fmt: skip
    alarm_arn = cw.describe_alarms(AlarmNames=["paging"])["MetricAlarms"][0]["AlarmArn"]
    lam.add_permission(FunctionName="on-alarm", StatementId="alarms", Action="lambda:InvokeFunction",
                       Principal="lambda.alarms.cloudwatch.amazonaws.com", SourceArn=alarm_arn)  # fmt: skip
    cw.set_alarm_state(AlarmName="paging", StateValue="ALARM", StateReason="testing")

    def logged():
        try:
            events = logs.filter_log_events(logGroupName="/aws/lambda/on-alarm", filterPattern="EVENT")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        return events and json.loads(events[0]["message"].split("EVENT ", 1)[1])

    event = eventually(logged)
    assert event["source"] == "aws.cloudwatch" and event["alarmArn"] == alarm_arn
    data = event["alarmData"]
    assert data["alarmName"] == "paging"
    assert (data["state"]["value"], data["state"]["reason"]) == ("ALARM", "testing")
    assert (data["previousState"]["value"], data["previousState"]["reason"]) == ("INSUFFICIENT_DATA", "Unchecked: Initial alarm creation")
    assert data["configuration"]["description"] == "wake up"
    metric = data["configuration"]["metrics"][0]
    assert metric["metricStat"] == {"metric": {"namespace": "app", "name": "m", "dimensions": {}}, "period": 60, "stat": "Average"}
    assert metric["returnData"] is True
