"""SSM documents (versions, default version, JSON/YAML), maintenance windows and patch
baselines: stored and answered."""

import json

import pytest
from botocore.exceptions import ClientError

COMMAND = {
    "schemaVersion": "2.2",
    "description": "Say hello",
    "parameters": {"who": {"type": "String", "default": "world", "description": "whom"}},
    "mainSteps": [{"action": "aws:runShellScript", "name": "hello", "inputs": {"runCommand": ["echo hi"]}}],
}


@pytest.fixture
def ssm(aws_client):
    return aws_client("ssm")


def _error(excinfo):
    return excinfo.value.response["Error"]


def test_document_versions(ssm):
    made = ssm.create_document(Name="hello-doc", Content=json.dumps(COMMAND), Tags=[{"Key": "t", "Value": "1"}])
    d = made["DocumentDescription"]
    assert (d["Name"], d["DocumentVersion"], d["LatestVersion"], d["DefaultVersion"]) == ("hello-doc", "1", "1", "1")
    assert d["Description"] == "Say hello" and d["SchemaVersion"] == "2.2" and d["DocumentType"] == "Command"
    assert d["Parameters"] == [{"Name": "who", "Type": "String", "Description": "whom", "DefaultValue": "world"}]
    assert d["Owner"] == "000000000000" and d["Status"] == "Active" and len(d["Hash"]) == 64
    with pytest.raises(ClientError) as err:
        ssm.create_document(Name="hello-doc", Content=json.dumps(COMMAND))
    assert _error(err)["Code"] == "DocumentAlreadyExists"
    with pytest.raises(ClientError) as err:
        ssm.update_document(Name="hello-doc", Content=json.dumps(COMMAND), DocumentVersion="$LATEST")
    assert _error(err)["Code"] == "DuplicateDocumentContent"
    changed = {**COMMAND, "description": "Say bye"}
    updated = ssm.update_document(Name="hello-doc", Content=json.dumps(changed), DocumentVersion="$LATEST")
    assert updated["DocumentDescription"]["DocumentVersion"] == "2"
    # The default stays on version 1 until it is moved.
    assert json.loads(ssm.get_document(Name="hello-doc")["Content"])["description"] == "Say hello"
    assert ssm.describe_document(Name="hello-doc", DocumentVersion="$LATEST")["Document"]["Description"] == "Say bye"
    ssm.update_document_default_version(Name="hello-doc", DocumentVersion="2")
    got = ssm.get_document(Name="hello-doc", DocumentFormat="YAML")
    assert got["DocumentVersion"] == "2" and got["DocumentFormat"] == "YAML" and "Say bye" in got["Content"]
    listed = ssm.list_documents(Filters=[{"Key": "Owner", "Values": ["Self"]}])["DocumentIdentifiers"]
    assert [(d["Name"], d["DocumentVersion"]) for d in listed] == [("hello-doc", "2")]
    with pytest.raises(ClientError) as err:
        ssm.delete_document(Name="hello-doc", DocumentVersion="2")
    assert _error(err)["Code"] == "InvalidDocumentOperation"
    ssm.delete_document(Name="hello-doc")
    with pytest.raises(ClientError) as err:
        ssm.get_document(Name="hello-doc")
    assert _error(err) == {"Code": "InvalidDocument", "Message": "The specified document does not exist."}


def test_document_content_is_checked(ssm):
    with pytest.raises(ClientError) as err:
        ssm.create_document(Name="bad-doc", Content="{not json")
    assert _error(err)["Code"] == "InvalidDocumentContent"
    yaml_doc = "schemaVersion: '2.2'\ndescription: from yaml\nmainSteps: []\n"
    made = ssm.create_document(Name="yaml-doc", Content=yaml_doc, DocumentFormat="YAML")["DocumentDescription"]
    assert made["Description"] == "from yaml" and made["DocumentFormat"] == "YAML"
    assert json.loads(ssm.get_document(Name="yaml-doc", DocumentFormat="JSON")["Content"])["description"] == "from yaml"


def test_maintenance_windows(ssm):
    with pytest.raises(ClientError) as err:
        ssm.get_maintenance_window(WindowId="mw-0123456789abcdef0")
    assert _error(err) == {
        "Code": "DoesNotExistException",
        "Message": "Maintenance window mw-0123456789abcdef0 does not exist",
    }
    window_id = ssm.create_maintenance_window(
        Name="nightly", Schedule="cron(0 2 ? * * *)", Duration=3, Cutoff=1, AllowUnassociatedTargets=False
    )["WindowId"]
    assert window_id.startswith("mw-") and len(window_id) == 20
    got = ssm.get_maintenance_window(WindowId=window_id)
    assert (got["Name"], got["Duration"], got["Cutoff"], got["Enabled"]) == ("nightly", 3, 1, True)
    ssm.update_maintenance_window(WindowId=window_id, Enabled=False, Description="off")
    listed = ssm.describe_maintenance_windows(Filters=[{"Key": "Enabled", "Values": ["false"]}])["WindowIdentities"]
    assert [(w["WindowId"], w["Description"]) for w in listed] == [(window_id, "off")]
    assert ssm.describe_maintenance_windows(Filters=[{"Key": "Name", "Values": ["other"]}])["WindowIdentities"] == []
    with pytest.raises(ClientError) as err:
        ssm.create_maintenance_window(Name="bad", Schedule="rate(1 day)", Duration=1, Cutoff=1, AllowUnassociatedTargets=True)
    assert _error(err)["Code"] == "ValidationException"
    assert ssm.delete_maintenance_window(WindowId=window_id)["WindowId"] == window_id
    assert ssm.describe_maintenance_windows()["WindowIdentities"] == []


def test_patch_baselines(ssm):
    baseline_id = ssm.create_patch_baseline(
        Name="linux-base", OperatingSystem="AMAZON_LINUX_2", ApprovedPatches=["kernel"], Description="d"
    )["BaselineId"]
    got = ssm.get_patch_baseline(BaselineId=baseline_id)
    assert (got["Name"], got["OperatingSystem"], got["ApprovedPatches"]) == ("linux-base", "AMAZON_LINUX_2", ["kernel"])
    assert got["RejectedPatchesAction"] == "ALLOW_AS_DEPENDENCY"
    ssm.update_patch_baseline(BaselineId=baseline_id, RejectedPatches=["telnet"])
    assert ssm.get_patch_baseline(BaselineId=baseline_id)["RejectedPatches"] == ["telnet"]
    ssm.register_default_patch_baseline(BaselineId=baseline_id)
    mine = ssm.describe_patch_baselines(Filters=[{"Key": "OWNER", "Values": ["Self"]}])["BaselineIdentities"]
    assert [(b["BaselineName"], b["DefaultBaseline"]) for b in mine] == [("linux-base", True)]
    with pytest.raises(ClientError) as err:
        ssm.delete_patch_baseline(BaselineId=baseline_id)
    assert _error(err)["Code"] == "ResourceInUseException"
    with pytest.raises(ClientError) as err:
        ssm.get_patch_baseline(BaselineId="pb-0123456789abcdef0")
    assert _error(err)["Code"] == "DoesNotExistException"


def test_list_documents_with_a_filter_without_a_key_is_not_a_500(aws_client):
    ssm = aws_client("ssm")
    assert "DocumentIdentifiers" in ssm.list_documents(Filters=[{"Values": ["x"]}])
