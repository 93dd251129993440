"""The contract proxy between two real cloudtwin servers that disagree on purpose
(see conftest.py for the planted differences), through the Python API."""

from __future__ import annotations

import json
import urllib.request

import pytest

from cloudtwin.contract import ContractProxy
from planted_sts import call_each_operation, planted_server, sts_client

REPORT_FIELDS = {
    "started_at", "duration_sec", "total_requests", "matched", "mismatched",
    "compatibility_pct", "by_service", "mismatches",
}
MISMATCH_FIELDS = {"service", "action", "reference_status", "target_status", "diffs", "severity"}
EXPECTED_SEVERITIES = {
    "DecodeAuthorizationMessage": "data",
    "GetAccessKeyInfo": "schema",
    "GetFederationToken": "status",
    "GetSessionToken": "error",
}


def severities(report: dict) -> dict[str, str]:
    return {m["action"]: m["severity"] for m in report["mismatches"]}


def test_each_planted_difference_gets_its_severity(reference_server, target_server) -> None:
    with ContractProxy(target_server.endpoint, reference_server.endpoint) as proxy:
        call_each_operation(proxy.endpoint)
    report = proxy.report()
    assert set(report) == REPORT_FIELDS
    assert report["total_requests"] == 5 and report["matched"] == 1 and report["mismatched"] == 4
    assert report["compatibility_pct"] == 20.0
    assert report["by_service"] == {"sts": {"total": 5, "matched": 1, "pct": 20.0}}
    assert severities(report) == EXPECTED_SEVERITIES
    assert all(set(m) == MISMATCH_FIELDS for m in report["mismatches"])
    by_action = {m["action"]: m for m in report["mismatches"]}
    assert by_action["DecodeAuthorizationMessage"]["diffs"] == [{
        "path": "$.DecodedMessage", "kind": "changed", "severity": "data",
        "reference": "reference", "target": "target",
    }]
    assert by_action["GetAccessKeyInfo"]["diffs"][0]["kind"] == "missing"
    assert (by_action["GetFederationToken"]["reference_status"], by_action["GetFederationToken"]["target_status"]) == (400, 403)
    assert by_action["GetSessionToken"]["target_status"] == 403
    assert "DecodeAuthorizationMessage" in proxy.summary()


def test_ignored_keys_do_not_count_at_any_depth(reference_server, target_server) -> None:
    with ContractProxy(target_server.endpoint, reference_server.endpoint,
                       ignore_paths=["DecodedMessage", "Account"]) as proxy:
        sts = sts_client(proxy.endpoint)
        sts.decode_authorization_message(EncodedMessage="x")
        sts.get_access_key_info(AccessKeyId="AKIAEXAMPLEEXAMPLE12")
    assert proxy.report()["matched"] == 2


@pytest.mark.parametrize("serve", ["reference", "target"])
def test_the_client_gets_the_served_side(reference_server, target_server, serve) -> None:
    with ContractProxy(target_server.endpoint, reference_server.endpoint, serve=serve) as proxy:
        answer = sts_client(proxy.endpoint).decode_authorization_message(EncodedMessage="x")
    assert answer["DecodedMessage"] == serve


def test_an_unreachable_target_is_an_error_and_the_reference_still_answers(reference_server) -> None:
    from cloudtwin.testing.server import free_port

    nowhere = f"http://127.0.0.1:{free_port()}"
    with ContractProxy(nowhere, reference_server.endpoint, serve="target") as proxy:
        identity = sts_client(proxy.endpoint).get_caller_identity()
    assert identity["UserId"] == "AIDAEXAMPLE"  # the served side failed: the other answered
    (mismatch,) = proxy.report()["mismatches"]
    assert mismatch["severity"] == "error" and mismatch["target_status"] is None
    assert "ConnectionRefusedError" in mismatch["diffs"][0]["target"]


def test_control_requests_go_to_the_target_only(reference_server, target_server) -> None:
    with ContractProxy(target_server.endpoint, reference_server.endpoint) as proxy:
        with urllib.request.urlopen(f"{proxy.endpoint}/_cloudtwin/health", timeout=10) as response:
            health = json.loads(response.read())
    assert health["status"] == "running"
    assert proxy.report()["total_requests"] == 0


def test_the_same_error_on_both_sides_is_a_match(reference_server, target_server) -> None:
    with ContractProxy(target_server.endpoint, reference_server.endpoint) as proxy:
        request = urllib.request.Request(f"{proxy.endpoint}/no/such/thing", method="GET")
        try:
            urllib.request.urlopen(request, timeout=10)
        except urllib.error.HTTPError as error:
            assert error.code >= 400
    report = proxy.report()
    assert report["total_requests"] == 1 and report["matched"] == 1, report


def test_record_then_replay_with_the_reference_stopped(tmp_path, target_server) -> None:
    reference = planted_server("reference")
    try:
        with ContractProxy(target_server.endpoint, reference.endpoint, record=tmp_path / "rec") as proxy:
            call_each_operation(proxy.endpoint)
        recorded = proxy.report()
    finally:
        reference.stop()
    assert len(list((tmp_path / "rec").glob("*.json"))) == 5
    with ContractProxy(target_server.endpoint, replay=tmp_path / "rec") as replay:
        call_each_operation(replay.endpoint)
        # the client gets the target's own answers when replaying
        assert sts_client(replay.endpoint).decode_authorization_message(EncodedMessage="x")["DecodedMessage"] == "target"
    replayed = replay.report()
    # the same findings offline; the sixth call has no recorded answer: an error
    assert replayed["total_requests"] == 6 and replayed["matched"] == 1
    assert replayed["mismatches"][:4] == recorded["mismatches"]
    extra = replayed["mismatches"][4]
    assert (extra["action"], extra["severity"], extra["reference_status"]) == (
        "DecodeAuthorizationMessage", "error", None
    )


def test_a_proxy_needs_a_reference_or_a_recording() -> None:
    with pytest.raises(ValueError):
        ContractProxy("http://127.0.0.1:1")
    with pytest.raises(FileNotFoundError):
        ContractProxy("http://127.0.0.1:1", replay="/nonexistent/recording")


def test_a_real_service_between_two_plain_servers_matches(tmp_path) -> None:
    """SQS (when it exists) through the proxy: queue URLs are built from the proxy's Host on
    both sides, so they compare equal; generated ids differ unless ignored."""
    pytest.importorskip("cloudtwin.services.sqs.provider")
    import boto3

    from cloudtwin.testing.server import ServerThread

    with ServerThread() as reference, ServerThread() as target:
        with ContractProxy(target.endpoint, reference.endpoint,
                           ignore_paths=["MessageId", "RequestId"]) as proxy:
            sqs = boto3.client("sqs", endpoint_url=proxy.endpoint, aws_access_key_id="test",
                               aws_secret_access_key="test", region_name="us-east-1")
            url = sqs.create_queue(QueueName="contract-q")["QueueUrl"]
            assert url.startswith(proxy.endpoint + "/")  # built from the proxy's Host on both sides
            sqs.get_queue_url(QueueName="contract-q")
            sqs.send_message(QueueUrl=url, MessageBody="hi")
    report = proxy.report()
    assert report["total_requests"] == 3
    assert report["mismatches"] == [] and report["compatibility_pct"] == 100.0
