"""The Lambda control plane: functions, code digests, versions, aliases, permissions, tags,
concurrency and account settings, with AWS's errors."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from botocore.exceptions import ClientError

from lambda_helpers import zipped

SOURCE = {"app.py": "def handler(event, context):\n    return event\n"}


def test_create_reports_aws_digest_and_size_then_becomes_active(lam, role):
    code = zipped(SOURCE)
    created = lam.create_function(
        FunctionName="digest", Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": code}
    )
    assert created["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()
    assert created["CodeSize"] == len(code)
    assert created["State"] == "Pending" and created["StateReasonCode"] == "Creating"
    assert created["FunctionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:digest"
    assert created["Version"] == "$LATEST" and created["Timeout"] == 3 and created["MemorySize"] == 128
    assert created["LoggingConfig"] == {"LogFormat": "Text", "LogGroup": "/aws/lambda/digest"}
    lam.get_waiter("function_active_v2").wait(FunctionName="digest", WaiterConfig={"Delay": 1})
    got = lam.get_function(FunctionName="digest")
    assert got["Configuration"]["State"] == "Active"
    assert got["Configuration"]["LastUpdateStatus"] == "Successful"
    assert got["Code"]["RepositoryType"] == "S3"
    import urllib.request

    with urllib.request.urlopen(got["Code"]["Location"], timeout=10) as resp:
        assert resp.read() == code


def test_create_from_an_s3_object(lam, role, aws_client):
    s3 = aws_client("s3")
    s3.create_bucket(Bucket="code-bucket")
    code = zipped(SOURCE)
    s3.put_object(Bucket="code-bucket", Key="fn.zip", Body=code)
    created = lam.create_function(
        FunctionName="from-s3", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"S3Bucket": "code-bucket", "S3Key": "fn.zip"},
    )  # fmt: skip
    assert created["CodeSize"] == len(code)
    with pytest.raises(ClientError) as err:
        lam.create_function(
            FunctionName="from-s3-missing", Runtime="python3.12", Role=role, Handler="app.handler",
            Code={"S3Bucket": "code-bucket", "S3Key": "nope.zip"},
        )  # fmt: skip
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert "S3 Error Code: NoSuchKey" in err.value.response["Error"]["Message"]


def test_create_refuses_what_aws_refuses(lam, role, aws_client):
    with pytest.raises(ClientError) as err:
        lam.create_function(
            FunctionName="badzip", Runtime="python3.12", Role=role, Handler="app.handler",
            Code={"ZipFile": b"not a zip"},
        )  # fmt: skip
    assert err.value.response["Error"] == {
        "Code": "InvalidParameterValueException",
        "Message": "Could not unzip uploaded file. Please check your file, then try to upload again.",
    } or err.value.response["Error"]["Message"].startswith("Could not unzip uploaded file")
    with pytest.raises(ClientError) as err:
        lam.create_function(
            FunctionName="norole", Runtime="python3.12", Handler="app.handler",
            Role="arn:aws:iam::000000000000:role/does-not-exist", Code={"ZipFile": zipped(SOURCE)},
        )  # fmt: skip
    assert err.value.response["Error"]["Message"] == "The role defined for the function cannot be assumed by Lambda."
    untrusting = aws_client("iam").create_role(
        RoleName="not-for-lambda",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]  # fmt: skip
    with pytest.raises(ClientError) as err:
        lam.create_function(
            FunctionName="ec2role", Runtime="python3.12", Handler="app.handler", Role=untrusting,
            Code={"ZipFile": zipped(SOURCE)},
        )  # fmt: skip
    assert err.value.response["Error"]["Code"] == "InvalidParameterValueException"
    lam.create_function(FunctionName="twice", Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": zipped(SOURCE)})
    with pytest.raises(ClientError) as err:
        lam.create_function(FunctionName="twice", Runtime="python3.12", Role=role, Handler="app.handler", Code={"ZipFile": zipped(SOURCE)})
    assert err.value.response["Error"] == {"Code": "ResourceConflictException", "Message": "Function already exist: twice"}
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(ClientError) as err:
        lam.get_function(FunctionName="nope")
    assert err.value.response["Error"]["Message"] == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as err:  # an unqualified invocation names $LATEST
        lam.invoke(FunctionName="nope")
    assert err.value.response["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:us-east-1:000000000000:function:nope:$LATEST")


def test_names_arns_and_partial_arns_address_the_same_function(lam, deploy):
    deploy("named", SOURCE)
    for ref in ("named", "arn:aws:lambda:us-east-1:000000000000:function:named", "000000000000:function:named"):
        assert lam.get_function_configuration(FunctionName=ref)["FunctionName"] == "named"
    with pytest.raises(ClientError) as err:
        lam.get_function(FunctionName="arn:aws:lambda:eu-west-1:000000000000:function:named")
    assert err.value.response["Error"]["Message"] == "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"


def test_versions_and_aliases(lam, deploy):
    deploy("versioned", SOURCE)
    v1 = lam.publish_version(FunctionName="versioned", Description="first")
    assert v1["Version"] == "1" and v1["FunctionArn"].endswith(":versioned:1")
    assert lam.publish_version(FunctionName="versioned")["Version"] == "1"  # nothing changed
    lam.update_function_configuration(FunctionName="versioned", Timeout=10)
    lam.get_waiter("function_updated_v2").wait(FunctionName="versioned", WaiterConfig={"Delay": 1})
    v2 = lam.publish_version(FunctionName="versioned")
    assert v2["Version"] == "2" and v2["Timeout"] == 10
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName="versioned")["Versions"]]
    assert versions == ["$LATEST", "1", "2"]
    alias = lam.create_alias(FunctionName="versioned", Name="live", FunctionVersion="1")
    assert alias["AliasArn"].endswith(":versioned:live")
    with pytest.raises(ClientError) as err:
        lam.create_alias(FunctionName="versioned", Name="live", FunctionVersion="1")
    assert err.value.response["Error"]["Code"] == "ResourceConflictException"
    assert lam.get_function_configuration(FunctionName="versioned", Qualifier="live")["Version"] == "1"
    lam.update_alias(FunctionName="versioned", Name="live", FunctionVersion="2")
    assert lam.get_function_configuration(FunctionName="versioned:live")["Version"] == "2"
    with pytest.raises(ClientError) as err:
        lam.delete_function(FunctionName="versioned", Qualifier="2")
    assert err.value.response["Error"]["Code"] == "ResourceConflictException"
    with pytest.raises(ClientError) as err:
        lam.get_alias(FunctionName="versioned", Name="nope")
    assert err.value.response["Error"]["Message"] == (
        "Cannot find alias arn: arn:aws:lambda:us-east-1:000000000000:function:versioned:nope"
    )
    lam.delete_function(FunctionName="versioned", Qualifier="1")
    assert [v["Version"] for v in lam.list_versions_by_function(FunctionName="versioned")["Versions"]] == ["$LATEST", "2"]


def test_permissions_make_a_resource_policy(lam, deploy):
    deploy("guarded", SOURCE)
    added = lam.add_permission(
        FunctionName="guarded", StatementId="s3", Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bucket", SourceAccount="000000000000",
    )  # fmt: skip
    statement = json.loads(added["Statement"])
    assert statement == {
        "Sid": "s3", "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
        "Action": "lambda:InvokeFunction",
        "Resource": "arn:aws:lambda:us-east-1:000000000000:function:guarded",
        "Condition": {"StringEquals": {"AWS:SourceAccount": "000000000000"},
                      "ArnLike": {"AWS:SourceArn": "arn:aws:s3:::bucket"}},
    }  # fmt: skip
    with pytest.raises(ClientError) as err:
        lam.add_permission(FunctionName="guarded", StatementId="s3", Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
    assert err.value.response["Error"]["Code"] == "ResourceConflictException"
    document = json.loads(lam.get_policy(FunctionName="guarded")["Policy"])
    assert document["Version"] == "2012-10-17" and [s["Sid"] for s in document["Statement"]] == ["s3"]
    lam.remove_permission(FunctionName="guarded", StatementId="s3")
    with pytest.raises(ClientError) as err:
        lam.get_policy(FunctionName="guarded")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_tags_concurrency_and_account_settings(lam, deploy):
    arn = deploy("tagged", SOURCE, Tags={"team": "a"})["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"env": "test"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "a", "env": "test"}
    lam.untag_resource(Resource=arn, TagKeys=["team"])
    assert lam.get_function(FunctionName="tagged")["Tags"] == {"env": "test"}
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName="tagged")
    lam.put_function_concurrency(FunctionName="tagged", ReservedConcurrentExecutions=5)
    assert lam.get_function_concurrency(FunctionName="tagged")["ReservedConcurrentExecutions"] == 5
    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["UnreservedConcurrentExecutions"] == 995
    assert settings["AccountUsage"]["FunctionCount"] == 1
    with pytest.raises(ClientError) as err:
        lam.put_function_concurrency(FunctionName="tagged", ReservedConcurrentExecutions=950)
    assert "below its minimum value of [100]" in err.value.response["Error"]["Message"]


def test_list_functions_pages(lam, deploy):
    for index in range(3):
        deploy(f"page-{index}", SOURCE)
    first = lam.list_functions(MaxItems=2)
    assert [f["FunctionName"] for f in first["Functions"]] == ["page-0", "page-1"]
    rest = lam.list_functions(Marker=first["NextMarker"])
    assert [f["FunctionName"] for f in rest["Functions"]] == ["page-2"] and "NextMarker" not in rest


def test_runtimes_lambda_accepts_today(lam, role):
    def refusal(runtime: str, create: bool = True) -> dict:
        with pytest.raises(ClientError) as err:
            if create:
                lam.create_function(FunctionName="rt", Runtime=runtime, Role=role, Handler="app.handler",
                                    Code={"ZipFile": zipped(SOURCE)})  # fmt: skip
            else:
                lam.update_function_configuration(FunctionName="rt-ok", Runtime=runtime)
        return err.value.response

    # outside the model's enum, and in it but not (yet) offered: the enum sentence, listing
    # the runtimes accepted today in the order AWS prints them (a Java hash set's)
    for runtime in ("PYTHON3.12", "nodejs26.x"):
        response = refusal(runtime)
        assert response["Error"]["Code"] == "InvalidParameterValueException" and response["Type"] == "User"
        message = response["Error"]["Message"]
        assert message.startswith(
            f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "
            "[nodejs20.x, python3.14, provided.al2023, python3.12, python3.13, nodejs24.x, "
        )
        assert message.endswith(", provided.al2, java8.al2] or be a valid ARN")
        assert "python3.7" not in message and "go1.x" not in message
    # retired runtimes: refused in their own words, on create and update
    retired = "The runtime parameter of python3.7 is no longer supported for creating or updating AWS Lambda functions."
    assert refusal("python3.7")["Error"]["Message"].startswith(retired)
    lam.create_function(FunctionName="rt-ok", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zipped(SOURCE)})  # fmt: skip
    assert refusal("python3.7", create=False)["Error"]["Message"].startswith(retired)


def test_function_name_checks_as_aws_makes_them(lam, role):
    with pytest.raises(ClientError) as err:
        lam.create_function(FunctionName="a" * 65, Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": zipped(SOURCE)})  # fmt: skip
    assert err.value.response["Error"] == {
        "Code": "InvalidParameterValueException",
        "Message": f"1 validation error detected: Value '{'a' * 65}' at 'functionName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64",
    }
    # a lookup of a longer name simply finds nothing
    with pytest.raises(ClientError) as err:
        lam.get_function(FunctionName="a" * 65)
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"
    # deleting: aliases cannot be, and a missing function is named without its qualifier
    with pytest.raises(ClientError) as err:
        lam.delete_function(FunctionName="ghost", Qualifier="live")
    assert err.value.response["Error"]["Message"] == "Deletion of aliases is not currently supported."
    with pytest.raises(ClientError) as err:
        lam.delete_function(FunctionName="ghost", Qualifier="3")
    assert err.value.response["Error"]["Message"] == "Function not found: arn:aws:lambda:us-east-1:000000000000:function:ghost"
    # another account's ARN
    with pytest.raises(ClientError) as err:
        lam.create_function(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:theirs", Runtime="python3.12",
                            Role=role, Handler="app.handler", Code={"ZipFile": zipped(SOURCE)})  # fmt: skip
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # list members: Lambda's element report always ends with "Member must not be null"
    with pytest.raises(ClientError) as err:
        lam.create_function(FunctionName="arch", Runtime="python3.12", Role=role, Handler="app.handler",
                            Architectures=["X86_64"], Code={"ZipFile": zipped(SOURCE)})  # fmt: skip
    assert err.value.response["Error"]["Message"].endswith(
        "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]"
    )
