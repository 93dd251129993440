"""POST reset: everything, one service, one account; body or query; timing; errors."""

from __future__ import annotations

import pytest

from cloudtwin.gateway.identity import Identity
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.state.store import Store, Tables
from cloudtwin.testing.server import ServerThread

A1, A2 = "111111111111", "222222222222"


class Bag(Store):
    """A stand-in store: something that holds state per account and region."""

    def __init__(self, tables: Tables) -> None:
        super().__init__(tables)
        self.items: list[str] = []


class QueueDouble(ServiceProvider):
    service_name = "sqs"
    store_class = Bag


class TopicDouble(ServiceProvider):
    service_name = "sns"
    store_class = Bag


@pytest.fixture(scope="module")
def twin():
    """A server of our own: its services are test doubles, its state ours to inspect."""
    with ServerThread() as srv:
        env = srv.app.services.env
        srv.app.services.install("sqs", QueueDouble(env))
        srv.app.services.install("sns", TopicDouble(env))
        yield srv


@pytest.fixture
def call(twin, control_at):
    return control_at(twin.endpoint)


@pytest.fixture
def seeded(twin):
    """Put one item in sqs and sns, in two accounts and two regions each."""
    services = twin.app.services
    services.reset()
    for name in ("sqs", "sns"):
        stores = services.provider(name).stores
        for account in (A1, A2):
            for region in ("us-east-1", "eu-west-1"):
                stores.get(account, region).items.append(f"{name}:{account}:{region}")
    return twin


def items(twin, service: str) -> list[str]:
    stores = twin.app.services.provider(service).stores
    return sorted(item for _, store in stores.items() for item in store.items)


def test_reset_everything(call, seeded) -> None:
    app = seeded.app
    app.identities.register(
        Identity(A1, "arn:aws:iam::111111111111:user/u", "AIDA1", access_key_id="AKIAUSER")
    )
    app.request_log.record(
        request_id="r", service="sqs", operation="ListQueues", account_id=A1,
        region="us-east-1", status=200, error_code=None, duration_ms=1.0,
    )
    app.clock.freeze()
    app.clock.advance(3600)
    status, out = call("POST", "reset")
    assert status == 200
    assert out["scope"] == "all"
    assert set(out["services"]) >= {"sqs", "sns"}
    assert out["account"] is None
    assert out["identities"] is out["request_log"] is out["clock"] is True
    assert isinstance(out["duration_ms"], float) and 0 <= out["duration_ms"] < 1000
    assert items(seeded, "sqs") == [] and items(seeded, "sns") == []
    assert app.identities.resolve("AKIAUSER").account_id == "000000000000"
    assert len(app.request_log) == 0
    assert not app.clock.frozen and abs(app.clock.offset) < 1


def test_reset_one_service(call, seeded) -> None:
    status, out = call("POST", "reset", {"service": "sqs"})
    assert status == 200
    assert out["scope"] == "service" and out["services"] == ["sqs"]
    assert out["request_log"] is False and out["clock"] is False
    assert items(seeded, "sqs") == []
    assert len(items(seeded, "sns")) == 4


def test_reset_one_account(call, seeded) -> None:
    seeded.app.identities.register(
        Identity(A1, "arn:aws:iam::111111111111:user/u", "AIDA1", access_key_id="AKIAONE")
    )
    seeded.app.identities.register(
        Identity(A2, "arn:aws:iam::222222222222:user/u", "AIDA2", access_key_id="AKIATWO")
    )
    status, out = call("POST", "reset", {"account": A1})
    assert status == 200
    assert out["scope"] == "account" and out["account"] == A1 and out["identities"] is True
    assert all(A1 not in item for item in items(seeded, "sqs") + items(seeded, "sns"))
    assert len(items(seeded, "sqs")) == 2 and len(items(seeded, "sns")) == 2
    assert seeded.app.identities.resolve("AKIAONE").account_id == "000000000000"
    assert seeded.app.identities.resolve("AKIATWO").account_id == A2


def test_reset_one_service_in_one_account_via_query(call, seeded) -> None:
    status, out = call("POST", f"reset?service=sns&account={A2}")
    assert status == 200
    assert out["scope"] == "service+account"
    assert items(seeded, "sns") == [f"sns:{A1}:eu-west-1", f"sns:{A1}:us-east-1"]
    assert len(items(seeded, "sqs")) == 4


def test_a_known_but_unloaded_service_resets_nothing(call, seeded) -> None:
    status, out = call("POST", "reset", {"service": "dynamodb"})
    assert status == 200 and out["services"] == []
    assert len(items(seeded, "sqs")) == 4


@pytest.mark.parametrize(
    "body, raw",
    [
        ({"service": "no-such-service"}, None),
        ({"account": "12345"}, None),
        ({"account": "abcdefghijkl"}, None),
        ({"service": 5}, None),
        ({"servcie": "sqs"}, None),
        (None, b"not json"),
        (None, b'"sqs"'),
    ],
)
def test_bad_reset_requests_are_json_400s_and_reset_nothing(call, seeded, body, raw) -> None:
    status, out = call("POST", "reset", body, raw)
    assert status == 400 and out["error"]
    assert len(items(seeded, "sqs")) == 4


def test_reset_through_the_shared_server_also_works(control) -> None:
    status, out = control("POST", "reset")
    assert status == 200 and out["scope"] == "all"
