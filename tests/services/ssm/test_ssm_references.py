"""Names GetParameter refuses, AWS's public parameters, and Secrets Manager secrets read
through ``/aws/reference/secretsmanager/``."""

import json

import pytest
from botocore.exceptions import ClientError

INFRA = "/aws/service/global-infrastructure"


@pytest.fixture
def ssm(aws_client):
    return aws_client("ssm")


def _error(excinfo):
    return excinfo.value.response["Error"]


@pytest.mark.parametrize("name", ["/app//b//c", "app/b/c", "/app/b//c"])
def test_lookup_path_rules(ssm, name):
    ssm.put_parameter(Name="/app/b/c", Value="v", Type="String", Overwrite=True)
    with pytest.raises(ClientError) as err:
        ssm.get_parameter(Name=name)
    assert _error(err)["Code"] == "ValidationException"
    assert "sub-paths divided by slash symbol" in _error(err)["Message"]
    with pytest.raises(ClientError) as err:
        ssm.get_parameters(Names=[name])
    assert _error(err)["Code"] == "ValidationException"


def test_public_region_parameters(ssm):
    p = ssm.get_parameter(Name=f"{INFRA}/regions/eu-west-1/longName")["Parameter"]
    assert p["Value"] == "Europe (Ireland)" and p["Type"] == "String"
    assert p["ARN"] == f"arn:aws:ssm:us-east-1::parameter{INFRA}/regions/eu-west-1/longName"
    names = [p["Name"] for p in ssm.get_parameters_by_path(Path=f"{INFRA}/regions/eu-west-1")["Parameters"]]
    assert names == [f"{INFRA}/regions/eu-west-1/{leaf}" for leaf in ("domain", "longName", "partition")]
    services = ssm.get_paginator("get_parameters_by_path").paginate(
        Path=f"{INFRA}/regions/eu-west-1/services"
    ).build_full_result()["Parameters"]
    assert {"sqs", "s3", "kms"} <= {p["Value"] for p in services}
    found = ssm.get_parameters(Names=[f"{INFRA}/services/sqs", f"{INFRA}/services/no-such-service"])
    assert [p["Value"] for p in found["Parameters"]] == ["sqs"]
    assert found["InvalidParameters"] == [f"{INFRA}/services/no-such-service"]
    with pytest.raises(ClientError) as err:
        ssm.put_parameter(Name=f"{INFRA}/regions/mine", Value="x", Type="String")
    assert _error(err)["Code"] == "ValidationException"


def test_secrets_manager_reference(ssm, aws_client):
    sm = aws_client("secretsmanager")
    created = sm.create_secret(Name="ref/db", SecretString="hunter2")
    name = "/aws/reference/secretsmanager/ref/db"
    p = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]
    assert (p["Name"], p["Type"], p["Value"]) == (name, "SecureString", "hunter2")
    source = json.loads(p["SourceResult"])
    assert source["ARN"] == created["ARN"] and source["VersionStages"] == ["AWSCURRENT"]
    assert p["ARN"] == f"arn:aws:ssm:us-east-1:000000000000:parameter{name}"
    sm.put_secret_value(SecretId="ref/db", SecretString="changed")
    assert ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"] == "changed"
    previous = ssm.get_parameter(Name=name + ":AWSPREVIOUS", WithDecryption=True)["Parameter"]
    assert previous["Value"] == "hunter2" and previous["Selector"] == ":AWSPREVIOUS"
    with pytest.raises(ClientError) as err:
        ssm.get_parameter(Name=name)
    assert _error(err) == {
        "Code": "ValidationException",
        "Message": "WithDecryption flag must be True for retrieving a Secret Value from Secrets Manager",
    }
    missing = "/aws/reference/secretsmanager/ref/none"
    with pytest.raises(ClientError) as err:
        ssm.get_parameter(Name=missing, WithDecryption=True)
    assert _error(err)["Code"] == "ParameterNotFound"
    assert missing in _error(err)["Message"]
