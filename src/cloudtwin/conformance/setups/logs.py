"""What logs needs before its operations run.

``ct-group`` is a log group with a stream ``ct-stream`` (empty: event timestamps must be
within two weeks of a clock the runner freezes at real time, so a set-up cannot hold fixed
ones), a metric filter
``ct-filter``, a retention policy and an account resource policy ``ct-policy``; the
destination and delivery operations name ``ct-destination`` / ``ct-source`` made here too.
"""

from __future__ import annotations

from cloudtwin.conformance.resources import ACCOUNT, DROP, REGION, RoundTrip, ServiceSetup, Step

POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":'
          '"es.amazonaws.com"},"Action":["logs:PutLogEvents","logs:CreateLogStream"],"Resource":"*"}]}')
GROUP_ARN = f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:ct-group"

SETUP = ServiceSetup(
    steps=(
        Step("CreateLogGroup", {"logGroupName": "{group}"}),
        Step("CreateLogStream", {"logGroupName": "{group}", "logStreamName": "{stream}"}),
        Step("PutMetricFilter", {"logGroupName": "{group}", "filterName": "ct-filter", "filterPattern": "ERROR",
                                 "metricTransformations": [{"metricName": "ct-errors", "metricNamespace": "ct",
                                                            "metricValue": "1"}]}),
        Step("PutRetentionPolicy", {"logGroupName": "{group}", "retentionInDays": 7}),
        Step("PutResourcePolicy", {"policyName": "ct-policy", "policyDocument": POLICY}),
    ),
    members={
        "logGroupName": "{group}", "logStreamName": "{stream}", "logGroupIdentifier": DROP,
        "filterName": "ct-filter", "filterPattern": "ERROR", "policyName": "ct-policy", "policyDocument": POLICY,
        "resourceArn": GROUP_ARN, "retentionInDays": 7, "startFromHead": True, "nextToken": DROP,
        "logGroupNamePrefix": "ct", "logStreamNamePrefix": "ct", "logGroupNamePattern": DROP,
        "tags": {"team": "ct"}, "tagKeys": ["team"], "kmsKeyId": DROP, "startTime": DROP, "endTime": DROP,
    },
    names={"logGroupName": ("group", "ct-group"), "logStreamName": ("stream", "ct-stream")},
    overrides={
        "CreateLogGroup": {"logGroupName": "ct-new-{n}"},
        "CreateLogStream": {"logStreamName": "ct-new-{n}"},
        "DescribeLogStreams": {"logStreamNamePrefix": DROP},
    },
    roundtrips=(
        RoundTrip("retention",
                  Step("PutRetentionPolicy", {"logGroupName": "{group}", "retentionInDays": 14}),
                  Step("DescribeLogGroups", {"logGroupNamePrefix": "{group}"}),
                  {"logGroups.0.retentionInDays": 14}),
    ),
)

KNOWN_GAPS: dict[tuple[str, ...], str] = {}
