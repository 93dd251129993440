"""SSM Parameter Store through boto3: types, SecureString through KMS, versions and labels,
hierarchies, filters, history, tags, policies and name validation."""

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def ssm(aws_client):
    return aws_client("ssm")


def _error(excinfo):
    return excinfo.value.response["Error"]


def test_string_and_string_list(ssm):
    out = ssm.put_parameter(Name="/app/url", Value="https://example.com", Type="String", Description="d")
    assert out == {"Version": 1, "Tier": "Standard", "ResponseMetadata": out["ResponseMetadata"]}
    p = ssm.get_parameter(Name="/app/url")["Parameter"]
    assert p["Value"] == "https://example.com" and p["Type"] == "String" and p["Version"] == 1
    assert p["ARN"] == "arn:aws:ssm:us-east-1:000000000000:parameter/app/url"
    assert p["DataType"] == "text"
    ssm.put_parameter(Name="hosts", Value="a,b,c", Type="StringList")
    assert ssm.get_parameter(Name="hosts")["Parameter"]["Value"] == "a,b,c"
    assert ssm.get_parameter(Name="arn:aws:ssm:us-east-1:000000000000:parameter/hosts")["Parameter"]["Name"] == "hosts"
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="/app/url", Value="x", Type="String")
    assert _error(err) == {
        "Code": "ParameterAlreadyExists",
        "Message": "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
    }
    with pytest.raises(ClientError) as err:
        ssm.get_parameter(Name="/missing")
    assert _error(err)["Code"] == "ParameterNotFound"


def test_secure_string_decrypted_and_masked(aws_client, cloudtwin):
    ssm, kms = aws_client("ssm"), aws_client("kms")
    ssm.put_parameter(Name="/db/password", Value="hunter2", Type="SecureString")
    masked = ssm.get_parameter(Name="/db/password")["Parameter"]
    assert masked["Type"] == "SecureString" and masked["Value"] != "hunter2"
    assert base64.b64decode(masked["Value"])  # the ciphertext, base64
    plain = ssm.get_parameter(Name="/db/password", WithDecryption=True)["Parameter"]
    assert plain["Value"] == "hunter2"
    managed = kms.describe_key(KeyId="alias/aws/ssm")["KeyMetadata"]
    assert managed["KeyManager"] == "AWS"
    meta = ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Values": ["/db/password"]}])["Parameters"][0]
    assert meta["KeyId"] == "alias/aws/ssm"

    key = kms.create_key()["KeyMetadata"]
    ssm.put_parameter(Name="/db/custom", Value="s3cr3t", Type="SecureString", KeyId=key["KeyId"])
    got = ssm.get_parameters(Names=["/db/custom", "/db/password", "/nope"], WithDecryption=True)
    assert {p["Name"]: p["Value"] for p in got["Parameters"]} == {"/db/custom": "s3cr3t", "/db/password": "hunter2"}
    assert got["InvalidParameters"] == ["/nope"]

    calls = cloudtwin.control()._call("GET", "kms/calls", query={"internal": 1})["calls"]
    custom = [c for c in calls if c["key_id"] == key["KeyId"]]
    assert [c["operation"] for c in custom] == ["Encrypt", "Decrypt"]
    arn = "arn:aws:ssm:us-east-1:000000000000:parameter/db/custom"
    assert all(c["encryption_context"] == {"PARAMETER_ARN": arn} for c in custom)
    defaults = [c for c in calls if c["key_id"] == managed["KeyId"]]
    assert [c["operation"] for c in defaults] == ["Encrypt", "Decrypt", "Decrypt"]

    kms.disable_key(KeyId=key["KeyId"])
    with pytest.raises(ClientError) as err:
        ssm.get_parameter(Name="/db/custom", WithDecryption=True)
    assert _error(err)["Code"] == "InvalidKeyId"


def test_advanced_secure_string_uses_a_data_key(ssm, cloudtwin):
    big = "x" * 6000
    out = ssm.put_parameter(Name="/big", Value=big, Type="SecureString", Tier="Advanced")
    assert out["Tier"] == "Advanced"
    assert ssm.get_parameter(Name="/big", WithDecryption=True)["Parameter"]["Value"] == big
    ops = [c["operation"] for c in cloudtwin.control()._call("GET", "kms/calls", query={"internal": 1})["calls"]]
    assert ops == ["GenerateDataKey", "Decrypt"]
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="/big2", Value=big, Type="String")
    assert _error(err)["Code"] == "ValidationException"
    assert _error(err)["Message"].startswith("Standard tier parameters support a maximum parameter value of 4096 characters.")


def test_versions_labels_and_history(ssm):
    ssm.put_parameter(Name="/cfg/mode", Value="one", Type="String")
    ssm.put_parameter(Name="/cfg/mode", Value="two", Overwrite=True)
    out = ssm.put_parameter(Name="/cfg/mode", Value="three", Type="String", Overwrite=True)
    assert out["Version"] == 3
    assert ssm.get_parameter(Name="/cfg/mode:1")["Parameter"]["Value"] == "one"
    labelled = ssm.label_parameter_version(Name="/cfg/mode", ParameterVersion=2, Labels=["stable", "aws-bad", "9x"])
    assert labelled["ParameterVersion"] == 2 and sorted(labelled["InvalidLabels"]) == ["9x", "aws-bad"]
    p = ssm.get_parameter(Name="/cfg/mode:stable")["Parameter"]
    assert p["Value"] == "two" and p["Selector"] == ":stable" and p["Version"] == 2
    # Labelling another version moves the label.
    ssm.label_parameter_version(Name="/cfg/mode", Labels=["stable"])
    assert ssm.get_parameter(Name="/cfg/mode:stable")["Parameter"]["Version"] == 3
    history = ssm.get_parameter_history(Name="/cfg/mode")["Parameters"]
    assert [(h["Version"], h["Value"], h["Labels"]) for h in history] == [
        (1, "one", []), (2, "two", []), (3, "three", ["stable"])]
    assert history[0]["LastModifiedUser"] == "arn:aws:iam::000000000000:user/cloudtwin"
    removed = ssm.unlabel_parameter_version(Name="/cfg/mode", ParameterVersion=3, Labels=["stable", "nope"])
    assert removed["RemovedLabels"] == ["stable"] and removed["InvalidLabels"] == ["nope"]
    with pytest.raises(ClientError) as err:
        ssm.get_parameter(Name="/cfg/mode:9")
    assert _error(err) == {
        "Code": "ParameterVersionNotFound",
        "Message": "Systems Manager could not find version 9 of /cfg/mode. Verify the version and try again.",
    }


def test_get_parameters_by_path_recursion_filters_and_paging(ssm):
    for name, kind in [("/svc/a", "String"), ("/svc/b", "SecureString"), ("/svc/sub/c", "String"),
                       ("/svc/sub/deep/d", "StringList"), ("/other/x", "String")]:
        ssm.put_parameter(Name=name, Value="v", Type=kind)
    names = lambda **kw: sorted(p["Name"] for p in ssm.get_parameters_by_path(**kw)["Parameters"])  # noqa: E731
    assert names(Path="/svc") == ["/svc/a", "/svc/b"]
    assert names(Path="/svc/", Recursive=True) == ["/svc/a", "/svc/b", "/svc/sub/c", "/svc/sub/deep/d"]
    assert names(Path="/svc", Recursive=True,
                 ParameterFilters=[{"Key": "Type", "Option": "Equals", "Values": ["String"]}]) == ["/svc/a", "/svc/sub/c"]
    first = ssm.get_parameters_by_path(Path="/svc", Recursive=True, MaxResults=3)
    second = ssm.get_parameters_by_path(Path="/svc", Recursive=True, MaxResults=3, NextToken=first["NextToken"])
    assert len(first["Parameters"]) == 3 and len(second["Parameters"]) == 1 and "NextToken" not in second
    with pytest.raises(ClientError) as err:
        ssm.get_parameters_by_path(Path="/svc", ParameterFilters=[{"Key": "Name", "Values": ["x"]}])
    assert _error(err)["Code"] == "InvalidFilterKey"
    with pytest.raises(ClientError) as err:
        ssm.get_parameters_by_path(Path="svc")
    assert _error(err)["Code"] == "ValidationException"
    assert _error(err)["Message"].startswith("The parameter doesn't meet the parameter name requirements.")


def test_describe_parameters_filters(ssm):
    ssm.put_parameter(Name="/team/a/key", Value="1", Type="String", Tags=[{"Key": "owner", "Value": "a"}])
    ssm.put_parameter(Name="/team/b/key", Value="2", Type="SecureString")
    ssm.put_parameter(Name="plain", Value="3", Type="String", Tier="Advanced")
    names = lambda **kw: [p["Name"] for p in ssm.describe_parameters(**kw)["Parameters"]]  # noqa: E731
    assert names() == ["/team/a/key", "/team/b/key", "plain"]
    assert names(ParameterFilters=[{"Key": "Path", "Option": "Recursive", "Values": ["/team"]}]) == ["/team/a/key", "/team/b/key"]
    assert names(ParameterFilters=[{"Key": "Path", "Option": "OneLevel", "Values": ["/team"]}]) == []
    assert names(ParameterFilters=[{"Key": "Name", "Option": "Contains", "Values": ["b/k"]}]) == ["/team/b/key"]
    assert names(ParameterFilters=[{"Key": "Type", "Values": ["SecureString"]}]) == ["/team/b/key"]
    assert names(ParameterFilters=[{"Key": "tag:owner", "Values": ["a"]}]) == ["/team/a/key"]
    assert names(ParameterFilters=[{"Key": "Tier", "Values": ["Advanced"]}]) == ["plain"]
    assert names(Filters=[{"Key": "Name", "Values": ["/team/a"]}]) == ["/team/a/key"]
    with pytest.raises(ClientError) as err:
        ssm.describe_parameters(ParameterFilters=[{"Key": "Name", "Option": "Sideways", "Values": ["x"]}])
    assert _error(err)["Code"] == "InvalidFilterOption"
    page = ssm.describe_parameters(MaxResults=2)
    assert len(page["Parameters"]) == 2 and page["NextToken"]


def test_name_validation(ssm):
    cases = {
        "ssm-thing": "ValidationException",
        "/aws/thing": "ValidationException",
        "has space": "ValidationException",
        "a/b": "ValidationException",
        "/" + "/".join(f"l{i}" for i in range(16)): "HierarchyLevelLimitExceededException",
    }
    for name, code in cases.items():
        with pytest.raises(ClientError) as err:
            ssm.put_parameter(Name=name, Value="v", Type="String")
        assert _error(err)["Code"] == code, name
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="has space", Value="v", Type="String")
    assert _error(err)["Message"] == (
        'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can '
        "consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, "
        "numbers and the following 3 symbols .-_"
    )
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="a/b", Value="v", Type="String")
    assert _error(err)["Message"] == "Parameter name must be a fully qualified name."


def test_allowed_pattern_tags_and_delete(ssm):
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="/num", Value="abc", Type="String", AllowedPattern=r"^\d+$")
    assert _error(err) == {
        "Code": "ParameterPatternMismatchException",
        "Message": r"Parameter value, cannot be validated against allowedPattern: ^\d+$",
    }
    ssm.put_parameter(Name="/num", Value="42", Type="String", AllowedPattern=r"^\d+$")
    ssm.add_tags_to_resource(ResourceType="Parameter", ResourceId="/num", Tags=[{"Key": "k", "Value": "v"}])
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/num")["TagList"] == [{"Key": "k", "Value": "v"}]
    ssm.remove_tags_from_resource(ResourceType="Parameter", ResourceId="/num", TagKeys=["k"])
    assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/num")["TagList"] == []
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="/num", Value="7", Overwrite=True, Tags=[{"Key": "a", "Value": "b"}])
    assert _error(err)["Code"] == "ValidationException"
    out = ssm.delete_parameters(Names=["/num", "/ghost"])
    assert out["DeletedParameters"] == ["/num"] and out["InvalidParameters"] == ["/ghost"]
    with pytest.raises(ClientError) as err:
        ssm.delete_parameter(Name="/num")
    assert _error(err)["Code"] == "ParameterNotFound"


def test_expiration_policy_on_the_virtual_clock(ssm, cloudtwin):
    when = (datetime.now(timezone.utc) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    policy = json.dumps([{"Type": "Expiration", "Version": "1.0", "Attributes": {"Timestamp": when}}])
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="/temp", Value="v", Type="String", Policies=policy, Tier="Standard")
    assert _error(err)["Code"] == "ValidationException"
    out = ssm.put_parameter(Name="/temp", Value="v", Type="String", Policies=policy, Tier="Intelligent-Tiering")
    assert out["Tier"] == "Advanced"
    meta = ssm.describe_parameters()["Parameters"][0]
    assert meta["Policies"][0]["PolicyType"] == "Expiration" and meta["Policies"][0]["PolicyStatus"] == "Pending"
    report = cloudtwin.control().advance(2 * 86400)
    assert report["processed"]["ssm-parameter-policies"]["expired"] == 1
    with pytest.raises(ClientError) as err:
        ssm.get_parameter(Name="/temp")
    assert _error(err)["Code"] == "ParameterNotFound"
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name="/p2", Value="v", Type="String", Tier="Advanced", Policies='[{"Type": "Nope"}]')
    assert _error(err)["Code"] == "InvalidPolicyTypeException"


def test_other_ssm_operations_are_not_implemented(ssm):
    with pytest.raises(ClientError) as err:
        ssm.list_commands()
    assert _error(err)["Code"] == "NotImplemented"


def test_get_parameters_by_path_refuses_tag_filters(ssm):
    """AWS documents tag, DataType, Name, Path and Tier keys as not valid for
    GetParametersByPath (DescribeParameters takes them)."""
    ssm.put_parameter(Name="/svc/a", Value="1", Type="String", Tags=[{"Key": "owner", "Value": "a"}])
    for key in ("tag:owner", "DataType", "Tier"):
        with pytest.raises(ClientError) as err:
            ssm.get_parameters_by_path(Path="/svc", ParameterFilters=[{"Key": key, "Values": ["a"]}])
        assert _error(err) == {
            "Code": "InvalidFilterKey",
            "Message": f"The following filter key is not valid: {key}. Valid filter keys include: [Type, KeyId, Label].",
        }
    by_type = ssm.get_parameters_by_path(Path="/svc", ParameterFilters=[{"Key": "Type", "Values": ["String"]}])
    assert [p["Name"] for p in by_type["Parameters"]] == ["/svc/a"]
