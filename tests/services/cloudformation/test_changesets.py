"""Change sets: the ``aws cloudformation deploy`` flow (a CREATE change set on a new stack in
REVIEW_IN_PROGRESS, then UPDATE change sets), Changes with replacement information from the
resource schemas, the empty change set, and execution."""

from __future__ import annotations

import itertools
import json

import pytest
from botocore.exceptions import ClientError

TEMPLATE = {
    "Parameters": {"Name": {"Type": "String", "Default": "cs-a"}, "Delay": {"Type": "Number", "Default": 0}},
    "Resources": {
        "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": {"Ref": "Name"}, "DelaySeconds": {"Ref": "Delay"}}},
        "Topic": {"Type": "AWS::SNS::Topic"},
    },
}  # fmt: skip
WAIT = {"Delay": 1, "MaxAttempts": 5}


_NAMES = itertools.count()


def _change_set(cfn, kind: str, template: dict, **kwargs) -> dict:
    name = f"change-{next(_NAMES)}"
    cfn.create_change_set(StackName="cs", ChangeSetName=name, ChangeSetType=kind, TemplateBody=json.dumps(template), **kwargs)
    return cfn.describe_change_set(StackName="cs", ChangeSetName=name)


def test_create_then_update_through_change_sets(cfn, aws_client):
    created = _change_set(cfn, "CREATE", TEMPLATE)
    assert created["Status"] == "CREATE_COMPLETE" and created["ExecutionStatus"] == "AVAILABLE"
    assert sorted((c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"]) for c in created["Changes"]) == [
        ("Add", "Queue"), ("Add", "Topic"),
    ]
    review = cfn.describe_stacks(StackName="cs")["Stacks"][0]
    assert review["StackStatus"] == "REVIEW_IN_PROGRESS"
    cfn.get_waiter("change_set_create_complete").wait(StackName="cs", ChangeSetName=created["ChangeSetId"], WaiterConfig=WAIT)
    cfn.execute_change_set(ChangeSetName=created["ChangeSetId"])
    cfn.get_waiter("stack_create_complete").wait(StackName="cs", WaiterConfig=WAIT)
    assert cfn.describe_stacks(StackName="cs")["Stacks"][0]["ChangeSetId"] == created["ChangeSetId"]
    assert cfn.describe_change_set(ChangeSetName=created["ChangeSetId"])["ExecutionStatus"] == "EXECUTE_COMPLETE"

    # a changed create-only property (QueueName) replaces; DelaySeconds does not
    renamed = _change_set(cfn, "UPDATE", TEMPLATE, Parameters=[{"ParameterKey": "Name", "ParameterValue": "cs-b"}])
    change = renamed["Changes"][0]["ResourceChange"]
    assert (change["Action"], change["LogicalResourceId"], change["Replacement"]) == ("Modify", "Queue", "True")
    assert change["Details"][0]["Target"] == {"Attribute": "Properties", "Name": "QueueName", "RequiresRecreation": "Always"}
    delayed = _change_set(cfn, "UPDATE", TEMPLATE, Parameters=[{"ParameterKey": "Delay", "ParameterValue": "3"}, {"ParameterKey": "Name", "UsePreviousValue": True}])  # fmt: skip
    assert delayed["Changes"][0]["ResourceChange"]["Replacement"] == "False"
    names = [s["ChangeSetName"] for s in cfn.list_change_sets(StackName="cs")["Summaries"]]
    assert len(names) == 3
    cfn.execute_change_set(StackName="cs", ChangeSetName=renamed["ChangeSetName"])
    cfn.get_waiter("stack_update_complete").wait(StackName="cs", WaiterConfig=WAIT)
    assert aws_client("sqs").get_queue_url(QueueName="cs-b")
    assert aws_client("sqs").list_queues(QueueNamePrefix="cs-a").get("QueueUrls", []) == []
    with pytest.raises(ClientError) as error:  # executing made the other one obsolete
        cfn.execute_change_set(StackName="cs", ChangeSetName=delayed["ChangeSetName"])
    assert error.value.response["Error"]["Code"] == "InvalidChangeSetStatus"

    removed = dict(TEMPLATE, Resources={"Queue": TEMPLATE["Resources"]["Queue"]})
    gone = _change_set(cfn, "UPDATE", removed, Parameters=[{"ParameterKey": "Name", "UsePreviousValue": True}])
    assert [(c["ResourceChange"]["Action"], c["ResourceChange"]["LogicalResourceId"]) for c in gone["Changes"]] == [("Remove", "Topic")]


def test_empty_change_set_fails_with_aws_reason(cfn):
    created = _change_set(cfn, "CREATE", TEMPLATE)
    cfn.execute_change_set(StackName="cs", ChangeSetName=created["ChangeSetName"])
    cfn.get_waiter("stack_create_complete").wait(StackName="cs", WaiterConfig=WAIT)
    same = _change_set(cfn, "UPDATE", TEMPLATE)
    assert same["Status"] == "FAILED" and same["ExecutionStatus"] == "UNAVAILABLE"
    assert same["StatusReason"] == (
        "The submitted information didn't contain changes. Submit different information to create a change set."
    )


def test_change_set_errors(cfn):
    with pytest.raises(ClientError) as error:
        cfn.create_change_set(StackName="missing", ChangeSetName="c", TemplateBody=json.dumps(TEMPLATE))
    assert error.value.response["Error"]["Message"] == "Stack [missing] does not exist"
    with pytest.raises(ClientError) as error:
        cfn.describe_change_set(StackName="missing", ChangeSetName="c")
    assert error.value.response["Error"]["Code"] == "ChangeSetNotFound"


def test_aws_cli_deploy_command(cloudtwin, tmp_path):
    """``aws cloudformation deploy`` (the CLI's change set flow) against cloudtwin."""
    import os
    import subprocess
    import sys

    template = tmp_path / "template.json"
    template.write_text(json.dumps(TEMPLATE))
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1")
    command = [sys.executable, "-m", "awscli", "--endpoint-url", cloudtwin.endpoint, "cloudformation", "deploy",
               "--stack-name", "cli", "--template-file", str(template), "--parameter-overrides", "Name=cli-q"]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Successfully created/updated stack - cli" in done.stdout
    again = subprocess.run([*command, "--no-fail-on-empty-changeset"], env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "No changes to deploy" in again.stdout
