"""Cognito's CloudFormation resources deployed by a real stack (user pool, client, group,
domain, identity pool and its roles), checked with boto3, and gone with the stack."""

from __future__ import annotations

import json

TEMPLATE = {
    "Resources": {
        "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {
            "UserPoolName": "stacked", "Policies": {"PasswordPolicy": {"MinimumLength": 10}}}},
        "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
            "UserPoolId": {"Ref": "Pool"}, "GenerateSecret": True}},
        "Admins": {"Type": "AWS::Cognito::UserPoolGroup", "Properties": {
            "UserPoolId": {"Ref": "Pool"}, "GroupName": "admins", "Precedence": 1}},
        "Domain": {"Type": "AWS::Cognito::UserPoolDomain", "Properties": {
            "UserPoolId": {"Ref": "Pool"}, "Domain": "stacked-auth"}},
        "Identities": {"Type": "AWS::Cognito::IdentityPool", "Properties": {
            "AllowUnauthenticatedIdentities": True,
            "CognitoIdentityProviders": [{"ProviderName": {"Fn::GetAtt": ["Pool", "ProviderName"]},
                                          "ClientId": {"Ref": "Client"}}]}},
        "Roles": {"Type": "AWS::Cognito::IdentityPoolRoleAttachment", "Properties": {
            "IdentityPoolId": {"Ref": "Identities"},
            "Roles": {"unauthenticated": "arn:aws:iam::000000000000:role/guest"}}},
    },
    "Outputs": {
        "PoolId": {"Value": {"Ref": "Pool"}},
        "Provider": {"Value": {"Fn::GetAtt": ["Pool", "ProviderName"]}},
        "IdentityPoolId": {"Value": {"Ref": "Identities"}},
    },
}


def test_a_stack_of_cognito_resources(aws_client):
    cfn, idp, identity = aws_client("cloudformation"), aws_client("cognito-idp"), aws_client("cognito-identity")
    cfn.create_stack(StackName="cognito-stack", TemplateBody=json.dumps(TEMPLATE))
    cfn.get_waiter("stack_create_complete").wait(StackName="cognito-stack", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    stack = cfn.describe_stacks(StackName="cognito-stack")["Stacks"][0]
    out = {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}
    pool_id = out["PoolId"]

    assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == "stacked"
    assert out["Provider"] == f"cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    [client] = idp.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"]
    assert idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client["ClientId"])["UserPoolClient"]["ClientSecret"]
    assert idp.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]["Precedence"] == 1
    assert idp.describe_user_pool_domain(Domain="stacked-auth")["DomainDescription"]["UserPoolId"] == pool_id
    assert identity.get_identity_pool_roles(IdentityPoolId=out["IdentityPoolId"])["Roles"] == {
        "unauthenticated": "arn:aws:iam::000000000000:role/guest"}

    cfn.delete_stack(StackName="cognito-stack")
    cfn.get_waiter("stack_delete_complete").wait(StackName="cognito-stack", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []
    assert identity.list_identity_pools(MaxResults=10)["IdentityPools"] == []
