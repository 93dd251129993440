"""GET services: implemented services, loaded flag, implemented-operation counts."""

from __future__ import annotations

import pytest

from cloudtwin.testing.server import ServerThread


@pytest.fixture(scope="module")
def fresh():
    """A server nobody has sent an AWS request to yet."""
    with ServerThread() as srv:
        yield srv


def test_lists_every_implemented_service(fresh, control_at) -> None:
    status, out = control_at(fresh.endpoint)("GET", "services")
    assert status == 200
    names = [s["name"] for s in out["services"]]
    assert "sts" in names
    assert len(names) == len(fresh.app.services.implemented())
    sts = next(s for s in out["services"] if s["name"] == "sts")
    assert sts["loaded"] is False
    assert sts["operations"] == len(fresh.app.catalog.service_model("sts").operation_names)
    assert 1 <= sts["implemented_operations"] <= sts["operations"]
    assert "implemented" not in sts


def test_asking_does_not_load_the_service_but_using_it_does(fresh, control_at) -> None:
    call = control_at(fresh.endpoint)
    call("GET", "services")
    assert "sts" not in fresh.app.services.loaded()
    fresh.app.services.provider("sts")  # what the first STS request does
    _, out = call("GET", "services")
    assert next(s for s in out["services"] if s["name"] == "sts")["loaded"] is True


def test_one_service_names_its_implemented_operations(control) -> None:
    status, out = control("GET", "services?service=sts")
    assert status == 200
    [sts] = out["services"]
    assert "GetCallerIdentity" in sts["implemented"]
    assert sts["implemented_operations"] == len(sts["implemented"])


def test_an_unimplemented_service_is_a_json_404(control) -> None:
    status, out = control("GET", "services?service=sqs-nope")
    assert status == 404 and "sqs-nope" in out["error"]


def test_unknown_parameters_are_a_400(control) -> None:
    assert control("GET", "services?verbose=1")[0] == 400
