"""A small hand-made botocore model for the conformance unit tests (one JSON operation and
one query operation), so they do not depend on how AWS's models change."""

from __future__ import annotations

from botocore.model import ServiceModel


def _model(protocol: str) -> ServiceModel:
    return ServiceModel({
        "metadata": {"protocol": protocol, "apiVersion": "2020-01-01", "serviceId": "Toy",
                     "endpointPrefix": "toy", "signatureVersion": "v4", "targetPrefix": "Toy",
                     "jsonVersion": "1.0", "xmlNamespace": "https://toy/"},
        "operations": {
            "PutThing": {
                "name": "PutThing", "http": {"method": "POST", "requestUri": "/"},
                "input": {"shape": "PutThingRequest"},
                "output": {"shape": "PutThingResult", **({"resultWrapper": "PutThingResult"} if protocol == "query" else {})},
                "errors": [{"shape": "ThingNotFound"}, {"shape": "InvalidThingException"}],
            },
        },
        "shapes": {
            "PutThingRequest": {"type": "structure", "required": ["Name", "Size"], "members": {
                "Name": {"shape": "Name"}, "Size": {"shape": "Size"}, "Color": {"shape": "Color"},
                "Tags": {"shape": "Tags"}, "Enabled": {"shape": "Flag"}}},
            "PutThingResult": {"type": "structure", "required": ["Id"], "members": {
                "Id": {"shape": "Name"}, "Color": {"shape": "Color"}, "Count": {"shape": "Size"},
                "Labels": {"shape": "Labels"}}},
            "Name": {"type": "string", "min": 3, "max": 10, "pattern": "[a-z0-9-]+"},
            "Size": {"type": "integer", "min": 1, "max": 100},
            "Color": {"type": "string", "enum": ["RED", "GREEN", "BLUE"]},
            "Tags": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Name"}, "max": 2},
            "Labels": {"type": "list", "member": {"shape": "Name"}},
            "Flag": {"type": "boolean"},
            "ThingNotFound": {"type": "structure", "members": {}, "exception": True},
            "InvalidThingException": {"type": "structure", "members": {}, "exception": True},
        },
    }, service_name="toy")


def json_operation():
    return _model("json").operation_model("PutThing")


def query_operation():
    return _model("query").operation_model("PutThing")
