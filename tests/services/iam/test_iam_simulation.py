"""SimulatePrincipalPolicy / SimulateCustomPolicy and the context-key listings."""

import json

import pytest
from botocore.exceptions import ClientError


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def iam(aws_client):
    return aws_client("iam")


def test_simulate_principal_policy_combines_user_and_group_policies(iam):
    iam.create_user(UserName="sim")
    iam.create_group(GroupName="readers")
    iam.add_user_to_group(GroupName="readers", UserName="sim")
    iam.put_group_policy(GroupName="readers", PolicyName="read", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}))
    iam.attach_user_policy(UserName="sim", PolicyArn="arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    iam.put_user_policy(UserName="sim", PolicyName="no-delete", PolicyDocument=doc(
        {"Effect": "Deny", "Action": "sqs:DeleteQueue", "Resource": "*"}))
    results = iam.simulate_principal_policy(
        PolicySourceArn="arn:aws:iam::000000000000:user/sim",
        ActionNames=["s3:GetObject", "sqs:SendMessage", "sqs:DeleteQueue", "dynamodb:GetItem"],
    )["EvaluationResults"]
    decisions = {r["EvalActionName"]: r["EvalDecision"] for r in results}
    assert decisions == {
        "s3:GetObject": "allowed",
        "sqs:SendMessage": "allowed",
        "sqs:DeleteQueue": "explicitDeny",
        "dynamodb:GetItem": "implicitDeny",
    }
    by_action = {r["EvalActionName"]: r for r in results}
    matched = by_action["s3:GetObject"]["MatchedStatements"]
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in matched] == [("read", "IAM Policy")]
    assert by_action["sqs:SendMessage"]["MatchedStatements"][0]["SourcePolicyType"] == "IAM Policy"
    assert by_action["sqs:DeleteQueue"]["MatchedStatements"][0]["SourcePolicyId"] == "no-delete"


def test_simulate_custom_policy_with_context_and_resources(iam):
    policy = doc({
        "Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*",
        "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    })
    allowed = iam.simulate_custom_policy(
        PolicyInputList=[policy], ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::data/file"],
        ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.1.1"],
                         "ContextKeyType": "ip"}],
    )["EvaluationResults"][0]
    assert allowed["EvalDecision"] == "allowed"
    assert allowed["EvalResourceName"] == "arn:aws:s3:::data/file"
    [matched] = allowed["MatchedStatements"]
    assert (matched["SourcePolicyId"], matched["SourcePolicyType"]) == ("PolicyInputList.1", "IAM Policy")
    # the statement's place in the document: just after its braces, counted from 1
    assert matched["StartPosition"]["Line"] == 1 and matched["EndPosition"]["Line"] == 1
    missing = iam.simulate_custom_policy(
        PolicyInputList=[policy], ActionNames=["s3:GetObject"], ResourceArns=["arn:aws:s3:::data/f"]
    )["EvaluationResults"][0]
    assert missing["EvalDecision"] == "implicitDeny"
    assert missing["MissingContextValues"] == ["aws:SourceIp"]
    several = iam.simulate_custom_policy(
        PolicyInputList=[policy], ActionNames=["s3:GetObject"],
        ResourceArns=["arn:aws:s3:::data/f", "arn:aws:s3:::other/f"],
        ContextEntries=[{"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.1.1"],
                         "ContextKeyType": "ip"}],
    )["EvaluationResults"][0]
    assert [r["EvalResourceDecision"] for r in several["ResourceSpecificResults"]] == [
        "allowed", "implicitDeny"
    ]
    assert several["EvalDecision"] == "implicitDeny"


def test_simulate_with_permissions_boundary(iam):
    result = iam.simulate_custom_policy(
        PolicyInputList=[doc({"Effect": "Allow", "Action": "*", "Resource": "*"})],
        PermissionsBoundaryPolicyInputList=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
        ActionNames=["s3:PutObject", "iam:CreateUser"],
    )["EvaluationResults"]
    assert [r["EvalDecision"] for r in result] == ["allowed", "implicitDeny"]


def test_simulation_pagination_and_errors(iam):
    actions = [f"s3:Action{i}" for i in range(5)]
    first = iam.simulate_custom_policy(
        PolicyInputList=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
        ActionNames=actions, MaxItems=2,
    )
    assert first["IsTruncated"] is True and len(first["EvaluationResults"]) == 2
    pages = iam.get_paginator("simulate_custom_policy").paginate(
        PolicyInputList=[doc({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})],
        ActionNames=actions, PaginationConfig={"PageSize": 2},
    )
    assert [r["EvalActionName"] for p in pages for r in p["EvaluationResults"]] == actions
    with pytest.raises(ClientError) as err:
        iam.simulate_principal_policy(
            PolicySourceArn="arn:aws:iam::000000000000:user/ghost", ActionNames=["s3:GetObject"]
        )
    assert err.value.response["Error"]["Message"] == "The user with name ghost cannot be found."
    with pytest.raises(ClientError) as err:
        iam.simulate_custom_policy(PolicyInputList=["{bad"], ActionNames=["s3:GetObject"])
    assert err.value.response["Error"]["Code"] == "MalformedPolicyDocument"


def test_context_keys(iam):
    policy = doc({
        "Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/${aws:username}/*",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "us-east-1"},
                      "Bool": {"aws:SecureTransport": "true"}},
    })
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[policy])["ContextKeyNames"]
    assert sorted(keys) == ["aws:RequestedRegion", "aws:SecureTransport", "aws:username"]
    iam.create_role(RoleName="ctx", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    iam.put_role_policy(RoleName="ctx", PolicyName="p", PolicyDocument=policy)
    keys = iam.get_context_keys_for_principal_policy(
        PolicySourceArn="arn:aws:iam::000000000000:role/ctx")["ContextKeyNames"]
    assert "aws:SecureTransport" in keys


def test_access_advisor(iam):
    iam.create_role(RoleName="adv", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    iam.put_role_policy(RoleName="adv", PolicyName="queues", PolicyDocument=doc(
        {"Effect": "Allow", "Action": ["sqs:SendMessage", "sns:Publish"], "Resource": "*"}))
    iam.attach_role_policy(RoleName="adv", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
    arn = "arn:aws:iam::000000000000:role/adv"
    job = iam.generate_service_last_accessed_details(Arn=arn)["JobId"]
    details = iam.get_service_last_accessed_details(JobId=job)
    assert details["JobStatus"] == "COMPLETED"
    assert [s["ServiceNamespace"] for s in details["ServicesLastAccessed"]] == [
        "s3", "s3-object-lambda", "sns", "sqs"
    ]
    granting = iam.list_policies_granting_service_access(Arn=arn, ServiceNamespaces=["sqs", "s3", "ec2"])
    by_ns = {g["ServiceNamespace"]: g["Policies"] for g in granting["PoliciesGrantingServiceAccess"]}
    assert by_ns["sqs"] == [{"PolicyName": "queues", "PolicyType": "INLINE", "EntityType": "ROLE",
                             "EntityName": "adv"}]
    assert [p["PolicyName"] for p in by_ns["s3"]] == ["AmazonS3ReadOnlyAccess"]
    assert by_ns["ec2"] == []
    with pytest.raises(ClientError) as err:
        iam.get_service_last_accessed_details(JobId="00000000-0000-0000-0000-000000000000")
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"
