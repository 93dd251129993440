"""The virtual clock through the control client; every test starts with a fresh clock."""

import pytest


@pytest.mark.parametrize("attempt", range(4))
def test_every_test_starts_with_a_running_real_time_clock(cloudtwin_client, attempt):
    clock = cloudtwin_client.clock()
    assert clock["frozen"] is False and abs(clock["offset"]) < 5
    cloudtwin_client.freeze()
    cloudtwin_client.set_time("2030-01-01T00:00:00Z")


def test_advance_an_hour(cloudtwin_client):
    start = cloudtwin_client.freeze()["now"]
    assert cloudtwin_client.advance(3600)["now"] == start + 3600
