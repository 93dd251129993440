"""Every handler the services own names a type CloudFormation publishes a schema for, and
answers each of the schema's read-only attributes that its tests create (see the services'
``test_*_resources.py``, whose ``handlers`` fixture checks them on every create)."""

from __future__ import annotations

from cloudtwin.deployment import discovery, schemas


def test_every_handler_names_a_published_type():
    found = discovery.handlers()
    assert len(found) > 100
    unknown = sorted(name for name in found if schemas.schema(name) is None and not name.startswith("Custom::"))
    assert unknown == []


def test_handlers_live_with_their_service():
    for name, handler in discovery.handlers().items():
        # services/<svc>/resources.py, or a <topic>_resources.py beside it for a service with many types
        module = handler.__module__
        assert module.startswith("cloudtwin.services.") and module.rsplit(".", 1)[-1].endswith("resources"), name
