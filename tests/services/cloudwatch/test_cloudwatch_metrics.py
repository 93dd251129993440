"""PutMetricData, GetMetricStatistics, GetMetricData (metric stats and math) and
ListMetrics, over the wire with a real client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from botocore.exceptions import ClientError


def _error(excinfo) -> tuple[str, str]:
    error = excinfo.value.response["Error"]
    return error["Code"], error["Message"]


def test_statistics_of_values_counts_and_statistic_sets(cw, minute):
    cw.put_metric_data(Namespace="app", MetricData=[
        {"MetricName": "latency", "Timestamp": minute, "Value": 5, "Unit": "Milliseconds"},
        {"MetricName": "latency", "Timestamp": minute + timedelta(seconds=10), "Values": [1, 10], "Counts": [2, 4], "Unit": "Milliseconds"},
        {"MetricName": "latency", "Timestamp": minute + timedelta(seconds=70),
         "StatisticValues": {"SampleCount": 4, "Sum": 20, "Minimum": 2, "Maximum": 8}, "Unit": "Milliseconds"},
    ])  # fmt: skip
    stats = cw.get_metric_statistics(
        Namespace="app", MetricName="latency", StartTime=minute, EndTime=minute + timedelta(minutes=5),
        Period=60, Statistics=["SampleCount", "Sum", "Minimum", "Maximum", "Average"],
    )["Datapoints"]  # fmt: skip
    by_time = {d["Timestamp"].timestamp(): d for d in stats}
    first, second = by_time[minute.timestamp()], by_time[minute.timestamp() + 60]
    assert (first["SampleCount"], first["Sum"], first["Minimum"], first["Maximum"]) == (7.0, 47.0, 1.0, 10.0)
    assert first["Unit"] == "Milliseconds"
    assert second["Average"] == 5.0
    percentiles = cw.get_metric_statistics(
        Namespace="app", MetricName="latency", StartTime=minute, EndTime=minute + timedelta(minutes=1),
        Period=60, ExtendedStatistics=["p50", "p10"],
    )["Datapoints"][0]["ExtendedStatistics"]  # fmt: skip
    # 1, 1, 5, 10, 10, 10, 10
    assert percentiles == {"p50": 10.0, "p10": 1.0}


def test_unit_filter_and_period_grouping(cw, minute):
    cw.put_metric_data(Namespace="app", MetricData=[
        {"MetricName": "m", "Timestamp": minute + timedelta(minutes=i), "Value": float(i), "Unit": "Count"} for i in range(10)
    ] + [{"MetricName": "m", "Timestamp": minute, "Value": 100.0, "Unit": "Seconds"}])  # fmt: skip
    stats = cw.get_metric_statistics(
        Namespace="app", MetricName="m", StartTime=minute, EndTime=minute + timedelta(minutes=10),
        Period=300, Statistics=["Sum"], Unit="Count",
    )["Datapoints"]  # fmt: skip
    assert sorted(d["Sum"] for d in stats) == [10.0, 35.0]


def test_get_metric_data_with_math(cw, minute):
    for name, values in (("a", [1, 2, 3]), ("b", [10, 20, 30])):
        cw.put_metric_data(Namespace="app", MetricData=[
            {"MetricName": name, "Timestamp": minute + timedelta(minutes=i), "Value": float(v)} for i, v in enumerate(values)
        ])  # fmt: skip
    cw.put_metric_data(Namespace="app", MetricData=[{"MetricName": "a", "Timestamp": minute + timedelta(minutes=4), "Value": 7.0}])

    def stat(qid, name, **extra):
        return {"Id": qid, "MetricStat": {"Metric": {"Namespace": "app", "MetricName": name}, "Period": 60, "Stat": "Sum"}, **extra}

    result = cw.get_metric_data(
        MetricDataQueries=[
            stat("a", "a"), stat("b", "b", ReturnData=False),
            {"Id": "ratio", "Expression": "b / a", "Label": "b per a"},
            {"Id": "total", "Expression": "SUM(METRICS())"},
            {"Id": "avg", "Expression": "AVG(a)"},
            {"Id": "filled", "Expression": "FILL(a, 0)"},
            {"Id": "big", "Expression": "IF(a > 2, a, 0)"},
        ],
        StartTime=minute, EndTime=minute + timedelta(minutes=5), ScanBy="TimestampAscending",
    )["MetricDataResults"]  # fmt: skip
    out = {r["Id"]: r for r in result}
    assert "b" not in out
    assert out["a"]["Values"] == [1.0, 2.0, 3.0, 7.0] and out["a"]["Label"] == "a"
    assert out["ratio"]["Values"] == [10.0, 10.0, 10.0] and out["ratio"]["Label"] == "b per a"
    assert out["total"]["Values"] == [11.0, 22.0, 33.0, 7.0]
    assert out["avg"]["Values"] == [3.25] * 5
    assert out["filled"]["Values"] == [1.0, 2.0, 3.0, 0.0, 7.0]
    assert out["big"]["Values"] == [0.0, 0.0, 3.0, 7.0]
    assert all(r["StatusCode"] == "Complete" for r in result)


def test_get_metric_data_pages_and_orders(cw, minute):
    cw.put_metric_data(Namespace="app", MetricData=[
        {"MetricName": "n", "Timestamp": minute + timedelta(minutes=i), "Value": float(i)} for i in range(5)
    ])  # fmt: skip
    query = [{"Id": "n", "MetricStat": {"Metric": {"Namespace": "app", "MetricName": "n"}, "Period": 60, "Stat": "Maximum"}}]
    args = {"MetricDataQueries": query, "StartTime": minute, "EndTime": minute + timedelta(minutes=5), "MaxDatapoints": 3}
    first = cw.get_metric_data(**args)
    assert first["MetricDataResults"][0]["Values"] == [4.0, 3.0, 2.0]
    second = cw.get_metric_data(**args, NextToken=first["NextToken"])
    assert second["MetricDataResults"][0]["Values"] == [1.0, 0.0]
    assert "NextToken" not in second


def test_search_expression(cw, minute):
    cw.put_metric_data(Namespace="shop", MetricData=[
        {"MetricName": "Orders", "Dimensions": [{"Name": "Store", "Value": s}], "Timestamp": minute, "Value": v}
        for s, v in (("north", 3.0), ("south", 4.0))
    ])  # fmt: skip
    result = cw.get_metric_data(
        MetricDataQueries=[{"Id": "s", "Expression": "SEARCH('{shop,Store} MetricName=\"Orders\"', 'Sum', 60)"}],
        StartTime=minute, EndTime=minute + timedelta(minutes=1),
    )["MetricDataResults"]  # fmt: skip
    assert sorted((r["Label"], r["Values"][0]) for r in result) == [("Orders north", 3.0), ("Orders south", 4.0)]


def test_list_metrics_filters(cw, minute, control):
    cw.put_metric_data(Namespace="app", MetricData=[
        {"MetricName": "x", "Dimensions": [{"Name": "Host", "Value": "h1"}, {"Name": "Az", "Value": "a"}], "Timestamp": minute, "Value": 1.0},
        {"MetricName": "x", "Dimensions": [{"Name": "Host", "Value": "h2"}], "Timestamp": minute, "Value": 1.0},
        {"MetricName": "y", "Timestamp": minute, "Value": 1.0},
    ])  # fmt: skip
    assert len(cw.list_metrics(Namespace="app")["Metrics"]) == 3
    assert len(cw.list_metrics(Namespace="app", MetricName="x")["Metrics"]) == 2
    hosts = cw.list_metrics(Namespace="app", Dimensions=[{"Name": "Host", "Value": "h1"}])["Metrics"]
    assert [m["MetricName"] for m in hosts] == ["x"] and len(hosts[0]["Dimensions"]) == 2
    assert len(cw.list_metrics(RecentlyActive="PT3H")["Metrics"]) == 3
    control.advance(4 * 3600)
    assert cw.list_metrics(RecentlyActive="PT3H")["Metrics"] == []


@pytest.mark.parametrize(
    "datum, code, message",
    [
        ({"Value": 1.0, "Values": [1.0]}, "InvalidParameterCombination",
         "The parameters MetricData.member.1.Value and MetricData.member.1.Values are mutually exclusive and you have specified both."),
        ({"Values": [1.0, 2.0], "Counts": [1.0]}, "InvalidParameterValue",
         "The parameters MetricData.member.1.Values and MetricData.member.1.Counts must be of the same size."),
        ({"Value": 1.0, "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1, "Maximum": 1}}, "InvalidParameterCombination",
         "The parameters MetricData.member.1.Value and MetricData.member.1.StatisticValues are mutually exclusive and you have specified both."),
        ({"Value": 2.0**400}, "InvalidParameterValue", None),
    ],
)  # fmt: skip
def test_put_metric_data_rejects_bad_input(cw, minute, datum, code, message):
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_data(Namespace="app", MetricData=[{"MetricName": "m", "Timestamp": minute, **datum}])
    got_code, got_message = _error(excinfo)
    assert got_code == code
    if message:
        assert got_message == message
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_aws_namespaces_and_old_timestamps_are_refused(cw, minute):
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_data(Namespace="AWS/EC2", MetricData=[{"MetricName": "m", "Value": 1.0}])
    assert _error(excinfo)[0] == "InvalidParameterValue"
    with pytest.raises(ClientError) as excinfo:
        cw.put_metric_data(Namespace="app", MetricData=[{"MetricName": "m", "Value": 1.0, "Timestamp": minute - timedelta(days=15)}])
    assert "two weeks" in _error(excinfo)[1]


def test_bad_expression_is_a_validation_error(cw, minute):
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_data(
            MetricDataQueries=[{"Id": "e", "Expression": "nope * 2"}], StartTime=minute, EndTime=minute + timedelta(minutes=1)
        )  # fmt: skip
    code, message = _error(excinfo)
    assert code == "ValidationError" and message.startswith("Error in expression 'e'")


def test_statistics_datapoint_limit(cw, minute):
    with pytest.raises(ClientError) as excinfo:
        cw.get_metric_statistics(Namespace="app", MetricName="m", StartTime=minute - timedelta(days=2), EndTime=minute,
                                 Period=60, Statistics=["Sum"])  # fmt: skip
    assert _error(excinfo) == (
        "InvalidParameterCombination",
        "You have requested up to 2,880 datapoints, which exceeds the limit of 1,440. "
        "You may reduce the datapoints requested by increasing Period, or decreasing the time range.",
    )


def test_query_errors_have_no_detail_element(endpoint):
    """CloudWatch still speaks query natively: its query errors end without SQS's <Detail/>."""
    import urllib3

    body = "Action=SetAlarmState&Version=2010-08-01&AlarmName=nope&StateValue=OK&StateReason=x"
    response = urllib3.PoolManager().request("POST", endpoint, body=body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/monitoring/aws4_request, "
                         "SignedHeaders=host, Signature=00",
    })
    text = response.data.decode()
    assert response.status == 404 and "<Code>ResourceNotFound</Code>" in text
    assert "<Detail" not in text
