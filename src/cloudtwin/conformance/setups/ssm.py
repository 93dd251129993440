"""What ssm needs before its operations run."""

from __future__ import annotations

from cloudtwin.conformance.resources import RoundTrip, ServiceSetup, Step

SETUP = ServiceSetup(
    steps=(
        Step("PutParameter", {"Name": "{param}", "Value": "v1", "Type": "String"}),
    ),
    names={"Name": ("param", "/ct/param")},
    members={"Name": "{param}", "Names": ["{param}"], "Path": "/ct", "ResourceType": "Parameter",
             "ResourceId": "{param}"},
    overrides={"PutParameter": {"Name": "/ct/new-{n}"}, "CreateDocument": {"Name": "ct-doc-{n}"}},
    roundtrips=(
        RoundTrip("parameter",
                  Step("PutParameter", {"Name": "/ct/rt", "Value": "round-trip", "Type": "String",
                                        "Overwrite": True}),
                  Step("GetParameter", {"Name": "/ct/rt"}), {"Parameter.Value": "round-trip"}),
    ),
)
