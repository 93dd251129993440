"""CloudWatch Logs: groups, streams, events with AWS's ordering and batch rules, reads in
both directions, filter patterns, retention on the virtual clock, Insights queries."""

from __future__ import annotations

import time

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def logs(aws_client):
    return aws_client("logs")


def _now_ms() -> int:
    return int(time.time() * 1000)


def test_groups_and_streams_with_aws_errors(logs):
    logs.create_log_group(logGroupName="/app/one", tags={"team": "a"})
    with pytest.raises(ClientError) as err:
        logs.create_log_group(logGroupName="/app/one")
    assert err.value.response["Error"] == {"Code": "ResourceAlreadyExistsException", "Message": "The specified log group already exists"}
    logs.create_log_group(logGroupName="/app/two")
    groups = logs.describe_log_groups(logGroupNamePrefix="/app/")["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/app/one", "/app/two"]
    assert groups[0]["arn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/app/one:*"
    assert groups[0]["logGroupArn"] == "arn:aws:logs:us-east-1:000000000000:log-group:/app/one"
    assert "retentionInDays" not in groups[0]
    assert logs.list_tags_log_group(logGroupName="/app/one")["tags"] == {"team": "a"}
    logs.create_log_stream(logGroupName="/app/one", logStreamName="s1")
    with pytest.raises(ClientError) as err:
        logs.create_log_stream(logGroupName="/app/one", logStreamName="s1")
    assert err.value.response["Error"]["Message"] == "The specified log stream already exists"
    with pytest.raises(ClientError) as err:
        logs.create_log_stream(logGroupName="/nope", logStreamName="s1")
    assert err.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": "The specified log group does not exist."}
    with pytest.raises(ClientError) as err:
        logs.put_retention_policy(logGroupName="/app/one", retentionInDays=2)
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    logs.delete_log_group(logGroupName="/app/two")
    assert [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]] == ["/app/one"]


def test_put_and_get_events_in_order_with_tokens(logs):
    logs.create_log_group(logGroupName="g")
    logs.create_log_stream(logGroupName="g", logStreamName="s")
    now = _now_ms()
    events = [{"timestamp": now + i, "message": f"line {i}"} for i in range(5)]
    out = logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=events)
    assert "rejectedLogEventsInfo" not in out
    with pytest.raises(ClientError) as err:
        logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=list(reversed(events)))
    assert err.value.response["Error"]["Message"] == "Log events in a single PutLogEvents request must be in chronological order."
    rejected = logs.put_log_events(
        logGroupName="g", logStreamName="s",
        logEvents=[{"timestamp": now - 15 * 86400_000, "message": "old"},
                   {"timestamp": now - 15 * 86400_000 + 1, "message": "old too"}],
    )["rejectedLogEventsInfo"]  # fmt: skip
    assert rejected == {"tooOldLogEventEndIndex": 1}
    rejected = logs.put_log_events(
        logGroupName="g", logStreamName="s", logEvents=[{"timestamp": now + 3 * 3600_000, "message": "future"}]
    )["rejectedLogEventsInfo"]
    assert rejected == {"tooNewLogEventStartIndex": 0}
    with pytest.raises(ClientError) as err:
        logs.put_log_events(logGroupName="g", logStreamName="s", logEvents=[
            {"timestamp": now - 2 * 86400_000, "message": "a"}, {"timestamp": now, "message": "b"}])
    assert "cannot span more than 24 hours" in err.value.response["Error"]["Message"]
    head = logs.get_log_events(logGroupName="g", logStreamName="s", startFromHead=True, limit=2)
    assert [e["message"] for e in head["events"]] == ["line 0", "line 1"]
    more = logs.get_log_events(logGroupName="g", logStreamName="s", nextToken=head["nextForwardToken"], limit=2)
    assert [e["message"] for e in more["events"]] == ["line 2", "line 3"]
    tail = logs.get_log_events(logGroupName="g", logStreamName="s", limit=2)
    assert [e["message"] for e in tail["events"]] == ["line 3", "line 4"]
    streams = logs.describe_log_streams(logGroupName="g")["logStreams"]
    assert streams[0]["firstEventTimestamp"] == now and streams[0]["lastEventTimestamp"] == now + 4


def test_filter_patterns(logs):
    logs.create_log_group(logGroupName="f")
    for stream in ("a", "b"):
        logs.create_log_stream(logGroupName="f", logStreamName=stream)
    now = _now_ms()
    logs.put_log_events(logGroupName="f", logStreamName="a", logEvents=[
        {"timestamp": now, "message": "ERROR disk full"},
        {"timestamp": now + 1, "message": '{"level": "error", "ms": 250}'},
    ])  # fmt: skip
    logs.put_log_events(logGroupName="f", logStreamName="b", logEvents=[
        {"timestamp": now, "message": "WARN retrying"},
        {"timestamp": now + 2, "message": "127.0.0.1 - bob [x] 404 512"},
    ])  # fmt: skip

    def found(pattern, **kw):
        return [e["message"] for e in logs.filter_log_events(logGroupName="f", filterPattern=pattern, **kw)["events"]]

    assert found("ERROR") == ["ERROR disk full"]
    assert found("?ERROR ?WARN") == ["ERROR disk full", "WARN retrying"]
    assert found('{ $.level = "error" && $.ms > 100 }') == ['{"level": "error", "ms": 250}']
    assert found("[ip, dash, user, time, status = 404, bytes]") == ["127.0.0.1 - bob [x] 404 512"]
    assert found("", logStreamNames=["b"]) == ["WARN retrying", "127.0.0.1 - bob [x] 404 512"]
    with pytest.raises(ClientError) as err:
        logs.filter_log_events(logGroupName="f", filterPattern="{ $.level = ")
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"


def test_retention_expires_events_on_the_virtual_clock(logs, cloudtwin_client):
    logs.create_log_group(logGroupName="r")
    logs.create_log_stream(logGroupName="r", logStreamName="s")
    logs.put_log_events(logGroupName="r", logStreamName="s", logEvents=[{"timestamp": _now_ms(), "message": "kept a day"}])
    logs.put_retention_policy(logGroupName="r", retentionInDays=1)
    assert logs.describe_log_groups()["logGroups"][0]["retentionInDays"] == 1
    cloudtwin_client.advance(3600)
    assert len(logs.get_log_events(logGroupName="r", logStreamName="s")["events"]) == 1
    cloudtwin_client.advance(86400)
    assert logs.get_log_events(logGroupName="r", logStreamName="s")["events"] == []


def test_insights_fields_filter_stats(logs):
    logs.create_log_group(logGroupName="q")
    logs.create_log_stream(logGroupName="q", logStreamName="s")
    now = _now_ms()
    logs.put_log_events(logGroupName="q", logStreamName="s", logEvents=[
        {"timestamp": now + i, "message": f'{{"level": "{lvl}", "n": {i}}}'}
        for i, lvl in enumerate(["info", "error", "error", "info", "error"])
    ])  # fmt: skip
    start, end = now // 1000 - 60, now // 1000 + 60
    qid = logs.start_query(logGroupName="q", startTime=start, endTime=end,
                           queryString="stats count(*) as n by level | sort n desc")["queryId"]  # fmt: skip
    result = logs.get_query_results(queryId=qid)
    assert result["status"] == "Complete"
    assert result["results"][0] == [{"field": "level", "value": "error"}, {"field": "n", "value": "3"}]
    qid = logs.start_query(logGroupName="q", startTime=start, endTime=end,
                           queryString="fields @message | filter level = 'info' | limit 1")["queryId"]  # fmt: skip
    rows = logs.get_query_results(queryId=qid)["results"]
    assert len(rows) == 1 and rows[0][0]["value"] == '{"level": "info", "n": 3}'
    with pytest.raises(ClientError) as err:
        logs.start_query(logGroupName="q", startTime=start, endTime=end, queryString="bogus thing")
    assert err.value.response["Error"]["Code"] == "MalformedQueryException"


def test_what_aws_logs_tail_follow_asks(logs):
    """``aws logs tail --follow`` (AWS CLI v2) polls FilterLogEvents from a start time,
    interleaved, following nextToken, and asks again from the newest timestamp it saw."""
    logs.create_log_group(logGroupName="/aws/lambda/tailed")
    logs.create_log_stream(logGroupName="/aws/lambda/tailed", logStreamName="2026/01/01/[$LATEST]abc")
    now = _now_ms()
    logs.put_log_events(logGroupName="/aws/lambda/tailed", logStreamName="2026/01/01/[$LATEST]abc",
                        logEvents=[{"timestamp": now - 1000 + i, "message": f"old {i}"} for i in range(3)])  # fmt: skip

    def poll(start):
        seen, token = [], None
        while True:
            kwargs = {"logGroupName": "/aws/lambda/tailed", "startTime": start, "interleaved": True}
            if token:
                kwargs["nextToken"] = token
            page = logs.filter_log_events(**kwargs)
            seen += page["events"]
            token = page.get("nextToken")
            if not token:
                return seen

    first = poll(now - 600_000)
    assert [e["message"] for e in first] == ["old 0", "old 1", "old 2"]
    logs.put_log_events(logGroupName="/aws/lambda/tailed", logStreamName="2026/01/01/[$LATEST]abc",
                        logEvents=[{"timestamp": now + 5, "message": "new"}])  # fmt: skip
    later = poll(first[-1]["timestamp"] + 1)
    assert [e["message"] for e in later] == ["new"]
    assert later[0]["logStreamName"] == "2026/01/01/[$LATEST]abc" and later[0]["eventId"]


def test_delivery_destinations_sources_and_deliveries(logs):
    bucket = "arn:aws:s3:::logs-bucket"
    put = logs.put_delivery_destination(
        name="dest", outputFormat="json", deliveryDestinationConfiguration={"destinationResourceArn": bucket}
    )["deliveryDestination"]
    assert put == {
        "name": "dest",
        "arn": "arn:aws:logs:us-east-1:000000000000:delivery-destination:dest",
        "deliveryDestinationType": "S3",
        "outputFormat": "json",
        "deliveryDestinationConfiguration": {"destinationResourceArn": bucket},
    }
    logs.put_delivery_destination(
        name="again", deliveryDestinationConfiguration={"destinationResourceArn": "arn:aws:logs:us-east-1:000000000000:log-group:g"}
    )
    listed = logs.describe_delivery_destinations()["deliveryDestinations"]
    assert [(d["name"], d["deliveryDestinationType"]) for d in listed] == [("dest", "S3"), ("again", "CWL")]
    with pytest.raises(ClientError) as err:
        logs.put_delivery_destination(name="bad", outputFormat="xml", deliveryDestinationConfiguration={"destinationResourceArn": bucket})
    assert err.value.response["Error"]["Code"] == "ValidationException"
    assert "at 'outputFormat' failed to satisfy constraint: Member must satisfy enum value set" in err.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as err:
        logs.get_delivery_destination(name="missing")
    assert err.value.response["Error"] == {
        "Code": "ResourceNotFoundException", "Message": "Requested Delivery Destination does not exist in this account."
    }

    assert logs.get_delivery_destination_policy(deliveryDestinationName="dest")["policy"] == {}
    doc = '{"Version": "2012-10-17", "Statement": []}'
    out = logs.put_delivery_destination_policy(deliveryDestinationName="dest", deliveryDestinationPolicy=doc)
    assert out["policy"] == {"deliveryDestinationPolicy": doc}
    assert logs.get_delivery_destination_policy(deliveryDestinationName="dest")["policy"] == {"deliveryDestinationPolicy": doc}
    logs.delete_delivery_destination_policy(deliveryDestinationName="dest")
    assert logs.get_delivery_destination_policy(deliveryDestinationName="dest")["policy"] == {}

    with pytest.raises(ClientError) as err:
        logs.put_delivery_source(name="src", resourceArn="arn:aws:s3:::some-bucket", logType="ACCESS_LOGS")
    assert err.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": "Cannot access provided service."}
    distribution = "arn:aws:cloudfront::000000000000:distribution/E1ABCDEF"
    source = logs.put_delivery_source(name="src", resourceArn=distribution, logType="ACCESS_LOGS")["deliverySource"]
    assert source["service"] == "cloudfront" and source["resourceArns"] == [distribution]

    delivery = logs.create_delivery(
        deliverySourceName="src", deliveryDestinationArn=put["arn"], recordFields=["date"],
        s3DeliveryConfiguration={"suffixPath": "AWSLogs/", "enableHiveCompatiblePath": True},
    )["delivery"]
    assert delivery["arn"].endswith(f":delivery:{delivery['id']}") and delivery["deliveryDestinationType"] == "S3"
    assert logs.get_delivery(id=delivery["id"])["delivery"] == delivery
    assert [d["id"] for d in logs.describe_deliveries()["deliveries"]] == [delivery["id"]]
    with pytest.raises(ClientError) as err:
        logs.delete_delivery_destination(name="dest")
    assert err.value.response["Error"]["Code"] == "ConflictException"
    logs.delete_delivery(id=delivery["id"])
    logs.delete_delivery_source(name="src")
    logs.delete_delivery_destination(name="dest")
    with pytest.raises(ClientError) as err:
        logs.get_delivery_source(name="src")
    assert err.value.response["Error"]["Message"] == "Requested Delivery Source does not exist in this account.."


def test_metric_filters_listed_by_name_and_namespaces_may_hold_colons(logs):
    for group, name in (("g-b", "f-0"), ("g-a", "f-1")):
        logs.create_log_group(logGroupName=group)
        logs.put_metric_filter(
            logGroupName=group, filterName=name, filterPattern="ERROR",
            metricTransformations=[{"metricNamespace": "App/1:x", "metricName": "m", "metricValue": "1"}],
        )
    found = logs.describe_metric_filters(filterNamePrefix="f-", metricNamespace="App/1:x")["metricFilters"]
    assert [f["filterName"] for f in found] == ["f-0", "f-1"]


def test_resource_policies_described_in_aws_form(logs):
    document = '{"Statement":[{"Effect":"Allow","Principal":{"Service":["route53.amazonaws.com"]},"Action":"logs:*","Resource":"*"}]}'
    put = logs.put_resource_policy(policyName="p", policyDocument=document)
    assert put["resourcePolicy"]["policyDocument"] == document
    import json

    described = json.loads(logs.describe_resource_policies()["resourcePolicies"][0]["policyDocument"])
    assert described["Version"] == "2008-10-17"
    assert described["Statement"][0]["Principal"] == {"Service": "route53.amazonaws.com"}
    with pytest.raises(ClientError) as err:
        logs.delete_resource_policy(policyName="nope")
    assert err.value.response["Error"]["Message"] == "Policy with name [nope] does not exist."


def test_log_group_name_too_long_and_pattern_search(logs):
    with pytest.raises(ClientError) as err:
        logs.create_log_group(logGroupName="x" * 513)
    assert err.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "Invalid LogGroup or LogStream, both must have length less than or equal to 512.",
    }
    logs.create_log_group(logGroupName="svc-abc-1")
    plain = logs.describe_log_groups(logGroupNamePrefix="svc-")["logGroups"][0]
    assert plain["storedBytes"] == 0 and plain["deletionProtectionEnabled"] is False
    found = logs.describe_log_groups(logGroupNamePattern="abc")
    assert [g["logGroupName"] for g in found["logGroups"]] == ["svc-abc-1"]
    assert "storedBytes" not in found["logGroups"][0]
    rest = logs.describe_log_groups(logGroupNamePattern="abc", nextToken=found["nextToken"])
    assert rest["logGroups"] == [] and "nextToken" not in rest


def test_describe_queries_shows_the_expanded_query(logs):
    logs.create_log_group(logGroupName="q")
    logs.start_query(logGroupName="q", startTime=100, endTime=200, queryString="fields @message")
    query = logs.describe_queries(logGroupName="q", status="Complete")["queries"][0]
    assert query["queryString"] == 'SOURCE "q" START=100000 END=200999 | fields @message'
    assert query["queryLanguage"] == "CWLI"
