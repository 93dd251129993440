"""What ssm needs before its operations run.

``/ct/param`` has two versions (the first labelled ``ct-label``) and a tag ``ct-tag``, so
version numbers, labels and tag keys the variants name exist; a customer managed KMS key
stands behind ``KeyId`` (a SecureString's key). ``Policies`` is a real parameter policy (an
expiration far ahead), under the Intelligent-Tiering tier that lets a parameter carry one.
"""

from __future__ import annotations

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import DROP, RoundTrip, ServiceSetup, Step

#: A parameter policy as AWS documents it: expire the parameter in 2100.
PARAMETER_POLICIES = ('[{"Type":"Expiration","Version":"1.0","Attributes":'
                      '{"Timestamp":"2100-01-01T00:00:00.000Z"}}]')

SETUP = ServiceSetup(
    steps=(
        Step("CreateKey", {"Description": "ct parameters"}, {"key_id": "KeyMetadata.KeyId"}, service="kms"),
        Step("PutParameter", {"Name": "{param}", "Value": "v1", "Type": "String",
                              "Tags": [{"Key": "ct-tag", "Value": "v"}]}),
        Step("PutParameter", {"Name": "{param}", "Value": "v2", "Overwrite": True}),
        Step("LabelParameterVersion", {"Name": "{param}", "ParameterVersion": 1, "Labels": ["ct-label"]}),
    ),
    names={"Name": ("param", "/ct/param")},
    # A new parameter needs a type (AWS refuses one without, though the model makes it optional).
    defaults={"PutParameter": {"Type": "String"}},
    members={"Name": "{param}", "Names": ["{param}"], "Path": "/ct", "ResourceType": "Parameter",
             "ResourceId": "{param}", "ParameterVersion": 1, "Labels": ["ct-label"],
             "TagKeys": ["ct-tag"], "KeyId": "{key_id}", "Policies": PARAMETER_POLICIES,
             "Tier": "Intelligent-Tiering", "DataType": "text",
             # a pattern every value matches: a random one only proves the value check works
             "AllowedPattern": ".*"},
    # GetParametersByPath filters on Type, KeyId and Label only (AWS refuses tag: keys there).
    # DescribeParameters takes Filters or ParameterFilters, never both (AWS's
    # ValidationException): the variant's focus is kept, its rival dropped.
    overrides={"PutParameter": {"Name": "/ct/new-{n}"},
               "DescribeParameters": {"Filters": DROP}, "CreateDocument": {"Name": "ct-doc-{n}"},
               "GetParametersByPath": {"ParameterFilters": [{"Key": "Type", "Option": "Equals",
                                                             "Values": ["String"]}]}},
    roundtrips=(
        RoundTrip("parameter",
                  Step("PutParameter", {"Name": "/ct/rt", "Value": "round-trip", "Type": "String",
                                        "Overwrite": True}),
                  Step("GetParameter", {"Name": "/ct/rt"}), {"Parameter.Value": "round-trip"}),
    ),
)

KNOWN_GAPS: dict = {}


#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = (
    Constraint("GetParametersByPath", "Path: hierarchies start with a forward slash (/)",
               "SSM API Reference, GetParametersByPath Path (botocore model)",
               lambda p: isinstance(p.get("Path"), str) and not p["Path"].startswith("/")),
    Constraint("PutParameter", "KeyId: a custom KMS key goes with the SecureString data type",
               "SSM API Reference, PutParameter KeyId (botocore model)",
               lambda p: "KeyId" in p and p.get("Type") not in (None, "SecureString")),
    Constraint("PutParameter", "Policies: parameter policies are available for advanced parameters only",
               "SSM API Reference, PutParameter Tier; Systems Manager User Guide, Assigning parameter policies",
               lambda p: "Policies" in p and p.get("Tier", "Standard") == "Standard"),
    Constraint("CreateMaintenanceWindow", "Cutoff: the hours before the window's end must be fewer than its Duration",
               "Systems Manager User Guide, Create a maintenance window (Duration, Stop initiating tasks)",
               lambda p: isinstance(p.get("Cutoff"), int) and isinstance(p.get("Duration"), int)
               and p["Cutoff"] >= p["Duration"]),
)
