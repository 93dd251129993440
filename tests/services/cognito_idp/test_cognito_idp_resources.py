"""Cognito user pools' CloudFormation resource handlers, checked through the API."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError


def test_pool_client_domain_group_user_and_resource_server(handlers, aws_client):
    idp = aws_client("cognito-idp")
    pool = handlers.create("AWS::Cognito::UserPool", {
        "UserPoolName": "users", "AutoVerifiedAttributes": ["email"], "UsernameAttributes": ["email"],
        "Policies": {"PasswordPolicy": {"MinimumLength": "8"}}, "UserPoolTags": {"team": "a"},
    }, logical_id="Pool")
    pool_id = pool.physical_id
    described = idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["Name"] == "users" and described["Arn"] == pool.attributes["Arn"]
    assert described["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert pool.attributes["ProviderURL"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool_id}"
    assert described["UserPoolTags"]["team"] == "a"

    client = handlers.create("AWS::Cognito::UserPoolClient", {
        "UserPoolId": pool_id, "GenerateSecret": True, "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    }, logical_id="Client")
    got = idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client.physical_id)["UserPoolClient"]
    assert got["ClientSecret"] == client.attributes["ClientSecret"] and got["ClientName"] == "Client"
    handlers.update(client, {**client.properties, "ClientName": "web"})
    assert idp.describe_user_pool_client(UserPoolId=pool_id, ClientId=client.physical_id)["UserPoolClient"]["ClientName"] == "web"

    domain = handlers.create("AWS::Cognito::UserPoolDomain", {"UserPoolId": pool_id, "Domain": "my-app-auth"})
    assert idp.describe_user_pool_domain(Domain="my-app-auth")["DomainDescription"]["UserPoolId"] == pool_id
    group = handlers.create("AWS::Cognito::UserPoolGroup", {"UserPoolId": pool_id, "GroupName": "admins", "Precedence": "1"})
    user = handlers.create("AWS::Cognito::UserPoolUser", {
        "UserPoolId": pool_id, "Username": "a@example.com", "MessageAction": "SUPPRESS",
    })
    attachment = handlers.create("AWS::Cognito::UserPoolUserToGroupAttachment", {
        "UserPoolId": pool_id, "Username": user.physical_id, "GroupName": "admins",
    })
    groups = idp.admin_list_groups_for_user(UserPoolId=pool_id, Username=user.physical_id)["Groups"]
    assert [g["GroupName"] for g in groups] == ["admins"] and groups[0]["Precedence"] == 1
    server = handlers.create("AWS::Cognito::UserPoolResourceServer", {
        "UserPoolId": pool_id, "Identifier": "api", "Name": "API",
        "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}],
    })
    assert idp.describe_resource_server(UserPoolId=pool_id, Identifier="api")["ResourceServer"]["Name"] == "API"

    for resource in (server, attachment, user, group, domain, client):
        handlers.delete(resource)
        handlers.delete(resource)
    assert idp.list_user_pool_clients(UserPoolId=pool_id)["UserPoolClients"] == []
    handlers.delete(pool)
    handlers.delete(pool)
    with pytest.raises(ClientError):
        idp.describe_user_pool(UserPoolId=pool_id)


def test_stack_pool_and_client_outputs(stack, aws_client):
    _, out = stack({
        "Resources": {
            "Pool": {"Type": "AWS::Cognito::UserPool", "Properties": {"UserPoolName": "app-users"}},
            "Client": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "Pool"}}},
        },
        "Outputs": {"PoolId": {"Value": {"Ref": "Pool"}}, "PoolArn": {"Value": {"Fn::GetAtt": ["Pool", "Arn"]}},
                    "Provider": {"Value": {"Fn::GetAtt": ["Pool", "ProviderName"]}},
                    "ClientId": {"Value": {"Ref": "Client"}}},
    })
    idp = aws_client("cognito-idp")
    assert idp.describe_user_pool(UserPoolId=out["PoolId"])["UserPool"]["Arn"] == out["PoolArn"]
    assert out["Provider"] == f"cognito-idp.us-east-1.amazonaws.com/{out['PoolId']}"
    assert idp.describe_user_pool_client(UserPoolId=out["PoolId"], ClientId=out["ClientId"])["UserPoolClient"]
