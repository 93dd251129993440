"""SSM's CloudFormation resource handlers, checked through SSM's API."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from cloudtwin.deployment.handler import UpdateNeedsReplacement
from cloudtwin.protocol.errors import ServiceError


def test_parameter_named_as_cloudformation_names_it(handlers, aws_client):
    ssm = aws_client("ssm")
    parameter = handlers.create("AWS::SSM::Parameter", {"Type": "String", "Value": "abc123", "Tags": {"team": "a"}},
                           logical_id="MyResource")
    assert re.fullmatch(r"CFN-MyResource-[A-Za-z0-9]{12}", parameter.physical_id)
    assert parameter.attributes["Type"] == "String" and parameter.attributes["Value"] == "abc123"
    got = ssm.get_parameter(Name=parameter.physical_id)["Parameter"]
    assert got["Value"] == "abc123" and got["ARN"] == parameter.attributes["Arn"]
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=parameter.physical_id)["TagList"]
    assert {"Key": "team", "Value": "a"} in tags

    updated = handlers.update(parameter, {"Type": "String", "Value": "new", "Description": "d"})
    assert updated.physical_id == parameter.physical_id and updated.attributes["Value"] == "new"
    got = ssm.get_parameter(Name=parameter.physical_id)["Parameter"]
    assert got["Value"] == "new" and got["Version"] == 2
    tags = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId=parameter.physical_id)["TagList"]
    assert "team" not in {t["Key"] for t in tags}
    with pytest.raises(UpdateNeedsReplacement):
        handlers.update(updated, {**updated.properties, "Name": "/renamed"})

    handlers.delete(updated)
    with pytest.raises(ClientError) as err:
        ssm.get_parameter(Name=parameter.physical_id)
    assert err.value.response["Error"]["Code"] == "ParameterNotFound"
    handlers.delete(updated)


def test_document_maintenance_window_and_patch_baseline(handlers, aws_client):
    ssm = aws_client("ssm")
    document = handlers.create("AWS::SSM::Document", {
        "DocumentType": "Command",
        "Content": {"schemaVersion": "2.2", "description": "d", "mainSteps": [{
            "action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": ["echo hi"]},
        }]},
    })
    assert ssm.describe_document(Name=document.physical_id)["Document"]["DocumentType"] == "Command"
    window = handlers.create("AWS::SSM::MaintenanceWindow", {
        "Name": "patch-window", "AllowUnassociatedTargets": False, "Cutoff": 0, "Duration": "1",
        "Schedule": "cron(0 0 0 ? * * *)",
    })
    assert window.physical_id.startswith("mw-")
    assert ssm.get_maintenance_window(WindowId=window.physical_id)["Name"] == "patch-window"
    window = handlers.update(window, {**window.properties, "Duration": 2})
    assert ssm.get_maintenance_window(WindowId=window.physical_id)["Duration"] == 2
    baseline = handlers.create("AWS::SSM::PatchBaseline", {"Name": "aml", "OperatingSystem": "AMAZON_LINUX"})
    assert ssm.get_patch_baseline(BaselineId=baseline.physical_id)["Name"] == "aml"
    for resource in (baseline, window, document):
        handlers.delete(resource)
        handlers.delete(resource)
    assert ssm.describe_maintenance_windows()["WindowIdentities"] == []


def test_window_target_task_and_patch_groups(handlers, aws_client):
    ssm = aws_client("ssm")
    window = handlers.create("AWS::SSM::MaintenanceWindow", {
        "Name": "window", "AllowUnassociatedTargets": False, "Cutoff": 0, "Duration": 1, "Schedule": "cron(0 0 0 ? * * *)",
    })
    target = handlers.create("AWS::SSM::MaintenanceWindowTarget", {
        "WindowId": window.physical_id, "ResourceType": "INSTANCE", "Name": "target",
        "Targets": [{"Key": "tag:Name", "Values": ["patch-server"]}],
    })
    task = handlers.create("AWS::SSM::MaintenanceWindowTask", {
        "WindowId": window.physical_id, "Name": "patching", "Priority": 1, "MaxErrors": "1", "MaxConcurrency": "1",
        "TaskArn": "AWS-RunPatchBaseline", "TaskType": "RUN_COMMAND",
        "Targets": [{"Key": "WindowTargetIds", "Values": [target.physical_id]}],
        "TaskInvocationParameters": {"MaintenanceWindowRunCommandParameters": {"Parameters": {"Operation": ["Install"]}}},
        "LoggingInfo": {"S3Bucket": "logs", "Region": "us-east-1"},
    })
    targets = ssm.describe_maintenance_window_targets(WindowId=window.physical_id)["Targets"]
    assert [t["WindowTargetId"] for t in targets] == [target.physical_id]
    got = ssm.get_maintenance_window_task(WindowId=window.physical_id, WindowTaskId=task.physical_id)
    assert got["TaskType"] == "RUN_COMMAND" and got["LoggingInfo"] == {"S3BucketName": "logs", "S3Region": "us-east-1"}
    tasks = ssm.describe_maintenance_window_tasks(WindowId=window.physical_id)["Tasks"]
    assert [(t["WindowTaskId"], t["Type"]) for t in tasks] == [(task.physical_id, "RUN_COMMAND")]

    baseline = handlers.create("AWS::SSM::PatchBaseline", {"Name": "aml", "OperatingSystem": "AMAZON_LINUX",
                                                      "PatchGroups": ["patch-group"]})
    assert ssm.get_patch_baseline(BaselineId=baseline.physical_id)["PatchGroups"] == ["patch-group"]
    other = {"Name": "aml-2", "OperatingSystem": "AMAZON_LINUX", "PatchGroups": ["patch-group"]}
    with pytest.raises(ServiceError) as err:  # one baseline per patch group and operating system
        handlers.create("AWS::SSM::PatchBaseline", other)
    assert err.value.code == "AlreadyExistsException"

    for resource in (task, target):
        handlers.delete(resource)
        handlers.delete(resource)
    assert ssm.describe_maintenance_window_tasks(WindowId=window.physical_id)["Tasks"] == []
    assert ssm.describe_maintenance_window_targets(WindowId=window.physical_id)["Targets"] == []


def test_stack_parameter_ref_and_getatt(stack, aws_client):
    _, out = stack({
        "Resources": {"Param": {"Type": "AWS::SSM::Parameter", "Properties": {"Type": "String", "Value": "abc123"}}},
        "Outputs": {"Ref": {"Value": {"Ref": "Param"}}, "Value": {"Value": {"Fn::GetAtt": ["Param", "Value"]}},
                    "Type": {"Value": {"Fn::GetAtt": ["Param", "Type"]}}},
    })
    assert re.fullmatch(r"CFN-Param-[A-Za-z0-9]{12}", out["Ref"])
    assert (out["Value"], out["Type"]) == ("abc123", "String")
    assert aws_client("ssm").get_parameter(Name=out["Ref"])["Parameter"]["Value"] == "abc123"
