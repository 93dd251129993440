"""AWS's own IAM data (managed policies) and the answers AWS shapes around it: non-ARN
policy ARNs, CreateRole's MaxSessionDuration, simulation positions."""

import json
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


@pytest.fixture
def iam(aws_client):
    return aws_client("iam")


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as err:
        call(**kwargs)
    response = err.value.response
    return response["Error"]["Code"], response["Error"]["Message"], response[
        "ResponseMetadata"]["HTTPStatusCode"]


def test_aws_managed_policies_are_the_published_set(iam):
    policy = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AWSLambdaExecute")["Policy"]
    assert policy["PolicyName"] == "AWSLambdaExecute" and policy["Path"] == "/"
    assert policy["PolicyId"].startswith("ANPA") and policy["IsAttachable"]
    version = iam.get_policy_version(
        PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])["PolicyVersion"]
    actions = [a for st in version["Document"]["Statement"] for a in st["Action"]]
    assert "logs:*" in actions and "s3:GetObject" in actions
    listed = iam.list_policy_versions(PolicyArn=policy["Arn"])["Versions"]
    assert [v["VersionId"] for v in listed] == [policy["DefaultVersionId"]]
    # A service-role path: the ARN must carry it.
    firehose = iam.get_policy(PolicyArn="arn:aws:iam::aws:policy/AmazonKinesisFirehoseFullAccess")
    assert firehose["Policy"]["Arn"].endswith(":policy/AmazonKinesisFirehoseFullAccess")
    code, _, status = error_of(
        iam.get_policy, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaExecute")
    assert (code, status) == ("NoSuchEntity", 404)
    names = set()
    for page in iam.get_paginator("list_policies").paginate(Scope="AWS"):
        names.update(p["PolicyName"] for p in page["Policies"])
    assert len(names) > 1000 and "AmazonKinesisFirehoseFullAccess" in names


def test_attach_aws_managed_policy_and_boundary_type(iam):
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST)
    arn = "arn:aws:iam::aws:policy/AWSLambdaExecute"
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    iam.put_role_permissions_boundary(RoleName="worker", PermissionsBoundary=arn)
    boundary = iam.get_role(RoleName="worker")["Role"]["PermissionsBoundary"]
    assert boundary == {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


@pytest.mark.parametrize(
    "arn", ["a-policy-name-not-an-arn", "arn:aws:iam-without-parts", "arn:aws:iam::123456789012"]
)
def test_policy_arn_that_cannot_be_parsed(iam, arn):
    iam.create_user(UserName="u1")
    expected = ("ValidationError", "Invalid ARN:  Could not be parsed!", 400)
    assert error_of(iam.attach_user_policy, UserName="u1", PolicyArn=arn) == expected
    assert error_of(iam.get_policy, PolicyArn=arn) == expected
    assert error_of(iam.delete_policy, PolicyArn=arn) == expected


def test_create_role_shows_max_session_duration_only_when_given(iam):
    plain = iam.create_role(RoleName="plain", AssumeRolePolicyDocument=TRUST)["Role"]
    assert "MaxSessionDuration" not in plain
    assert iam.get_role(RoleName="plain")["Role"]["MaxSessionDuration"] == 3600
    long = iam.create_role(RoleName="long", AssumeRolePolicyDocument=TRUST,
                           MaxSessionDuration=7200)["Role"]
    assert long["MaxSessionDuration"] == 7200


def test_service_specific_credentials_unsupported_service_and_user_deletion(iam):
    iam.create_user(UserName="coder")
    assert error_of(iam.create_service_specific_credential, UserName="coder",
                    ServiceName="lambda.amazonaws.com") == (
        "NoSuchEntity",
        "No such service lambda.amazonaws.com is supported for Service Specific Credentials", 404,
    )
    assert error_of(iam.list_service_specific_credentials, UserName="coder",
                    ServiceName="nope.amazonaws.com")[0] == "NoSuchEntity"
    iam.create_service_specific_credential(UserName="coder", ServiceName="codecommit.amazonaws.com")
    assert error_of(iam.delete_user, UserName="coder") == (
        "DeleteConflict", "Cannot delete entity, must remove referenced objects first.", 409)


def test_simulation_reports_statement_positions_and_full_shape(iam):
    text = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"},
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}, indent=2)
    arn = iam.create_policy(PolicyName="put", PolicyDocument=text)["Policy"]["Arn"]
    iam.create_user(UserName="sim")
    iam.attach_user_policy(UserName="sim", PolicyArn=arn)
    results = iam.simulate_principal_policy(
        PolicySourceArn="arn:aws:iam::000000000000:user/sim",
        ActionNames=["s3:PutObject"], ResourceArns=["arn:aws:s3:::b"],
    )["EvaluationResults"]
    [result] = results
    assert result["EvalDecisionDetails"] == {}
    assert result["OrganizationsDecisionDetail"] == {"AllowedByOrganizations": True}
    [matched] = result["MatchedStatements"]
    assert matched["SourcePolicyType"] == "IAM Policy"
    lines = text.split("\n")
    start, end = matched["StartPosition"], matched["EndPosition"]
    # just after the second statement's "{" and just after its "}"
    assert lines[start["Line"] - 1][start["Column"] - 2] == "{"
    assert lines[end["Line"] - 1][end["Column"] - 2] == "}"
    assert "PutObject" in "\n".join(lines[start["Line"] - 1:end["Line"]])
    [specific] = result["ResourceSpecificResults"]
    assert specific["EvalResourceName"] == "arn:aws:s3:::b"
    assert specific["EvalResourceDecision"] == "allowed"
    assert specific["MatchedStatements"] == [matched]
    assert unquote(json.dumps(text))  # the document is round-tripped untouched


def test_authorization_details_list_attached_aws_managed_policies_with_documents(iam):
    iam.create_role(RoleName="worker", AssumeRolePolicyDocument=TRUST)
    arn = "arn:aws:iam::aws:policy/AWSLambdaExecute"
    iam.attach_role_policy(RoleName="worker", PolicyArn=arn)
    details = iam.get_account_authorization_details(Filter=["AWSManagedPolicy"])
    [policy] = details["Policies"]
    assert policy["Arn"] == arn and policy["AttachmentCount"] == 1
    [version] = policy["PolicyVersionList"]
    assert version["IsDefaultVersion"] and version["Document"]["Statement"]
