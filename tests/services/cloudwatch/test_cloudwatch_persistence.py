"""With --data-dir, metrics, alarms (with their state and history) and dashboards survive a
restart."""

from datetime import datetime, timedelta, timezone

import boto3

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port


def _client(endpoint):
    return boto3.client("cloudwatch", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip


def test_metrics_alarms_and_dashboards_survive_a_restart(tmp_path):
    data_dir = str(tmp_path / "state")
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0) - timedelta(minutes=5)
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as server:
        cw = _client(server.endpoint)
        cw.put_metric_data(Namespace="app", MetricData=[{"MetricName": "m", "Value": 4.0, "Timestamp": now}])
        cw.put_metric_alarm(AlarmName="a", Namespace="app", MetricName="m", Statistic="Sum", Period=60,
                            EvaluationPeriods=1, Threshold=1, ComparisonOperator="GreaterThanThreshold")  # fmt: skip
        cw.set_alarm_state(AlarmName="a", StateValue="ALARM", StateReason="by hand")
        cw.put_dashboard(DashboardName="d", DashboardBody='{"widgets": []}')
        cw.close()
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=data_dir)) as server:
        cw = _client(server.endpoint)
        points = cw.get_metric_statistics(Namespace="app", MetricName="m", StartTime=now, EndTime=now + timedelta(minutes=1),
                                          Period=60, Statistics=["Sum"])["Datapoints"]  # fmt: skip
        assert [p["Sum"] for p in points] == [4.0]
        alarm = cw.describe_alarms(AlarmNames=["a"])["MetricAlarms"][0]
        assert (alarm["StateValue"], alarm["StateReason"]) == ("ALARM", "by hand")
        assert len(cw.describe_alarm_history(AlarmName="a")["AlarmHistoryItems"]) == 2
        assert cw.get_dashboard(DashboardName="d")["DashboardBody"] == '{"widgets": []}'
        cw.close()
