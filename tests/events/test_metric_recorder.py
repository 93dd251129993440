"""The recorder of the metrics cloudtwin's services publish (``cloudtwin.events.metrics``):
observations are kept as recorded and folded into per-minute aggregates on drain or past
``FOLD_AT``; what a drain returns is the same whichever way they were folded."""

from __future__ import annotations

from cloudtwin.events import metrics
from cloudtwin.events.metrics import FOLD_AT, MetricRecorder

DIMS = (("QueueName", "q"),)


def _aggregates(recorder: MetricRecorder) -> dict:
    return {key: (e[0], e[1], e[2], e[3], dict(e[4])) for key, e in recorder.drain()}


def test_aggregates_per_metric_and_minute_across_folds():
    recorder = MetricRecorder()
    count = FOLD_AT * 2 + 10  # folds on the way, and the rest on drain
    for i in range(count):
        recorder.record_each(
            "111111111111", "us-east-1", "AWS/SQS", DIMS,
            (("NumberOfMessagesSent", 1.0, "Count"), ("SentMessageSize", float(i % 3), "Bytes")),
            120.0 + (i % 2) * 60,  # two minutes, alternately
        )  # fmt: skip
    got = _aggregates(recorder)
    per_minute = count // 2
    sent = ("111111111111", "us-east-1", "AWS/SQS", "NumberOfMessagesSent", DIMS, "Count", 120)
    assert got[sent] == (per_minute, per_minute, 1.0, 1.0, {1.0: per_minute})
    size = ("111111111111", "us-east-1", "AWS/SQS", "SentMessageSize", DIMS, "Bytes", 180)
    values = [float(i % 3) for i in range(count) if i % 2]
    assert got[size] == (len(values), sum(values), 0.0, 2.0, {v: values.count(v) for v in (0.0, 1.0, 2.0)})
    assert len(got) == 4
    assert recorder.recorded == count * 2
    assert recorder.drain() == []


def test_oldest_aggregates_dropped_past_the_bound(monkeypatch):
    monkeypatch.setattr(metrics, "MAX_PENDING", 3)
    recorder = MetricRecorder()
    for minute in range(5):
        recorder.record("111111111111", "us-east-1", "AWS/SNS", "PublishSize", {"TopicName": "t"}, 1.0, "Bytes", minute * 60.0)
    kept = sorted(key[-1] for key, _ in recorder.drain())
    assert kept == [120, 180, 240]


def test_reset_forgets_what_was_not_folded():
    recorder = MetricRecorder()
    recorder.record("111111111111", "us-east-1", "AWS/SNS", "PublishSize", {"TopicName": "t"}, 1.0, "Bytes", 0.0)
    recorder.reset()
    assert recorder.drain() == []
