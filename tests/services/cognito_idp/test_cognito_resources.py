"""The CloudFormation handlers of Cognito's resources, driven as the engine drives them
(the deployment seam), checked with boto3."""

from __future__ import annotations

from cloudtwin.deployment.discovery import handlers
from cloudtwin.deployment.handler import ResourceRequest


def _request(server, type_name: str, properties: dict, physical_id: str | None = None) -> ResourceRequest:
    env = server.app.services.env
    return ResourceRequest(logical_id="Res", resource_type=type_name, properties=properties, stack_name="stack",
                           stack_id="arn:aws:cloudformation:us-east-1:000000000000:stack/stack/1", account_id="000000000000",
                           region="us-east-1", internal=env.internal, clock=env.clock, physical_id=physical_id)  # fmt: skip


def test_user_pool_client_group_domain_and_identity_pool(server, aws_client):
    found = handlers()
    idp, identity = aws_client("cognito-idp"), aws_client("cognito-identity")
    pool = found["AWS::Cognito::UserPool"]().create(_request(server, "AWS::Cognito::UserPool", {
        "UserPoolName": "stacked", "Policies": {"PasswordPolicy": {"MinimumLength": 10}}}))  # fmt: skip
    assert idp.describe_user_pool(UserPoolId=pool.physical_id)["UserPool"]["Name"] == "stacked"
    assert pool.attributes["ProviderName"] == f"cognito-idp.us-east-1.amazonaws.com/{pool.physical_id}"
    client = found["AWS::Cognito::UserPoolClient"]().create(_request(server, "AWS::Cognito::UserPoolClient", {
        "UserPoolId": pool.physical_id, "GenerateSecret": True}))  # fmt: skip
    assert client.attributes["ClientSecret"] and client.attributes["Name"].startswith("stack-Res-")
    found["AWS::Cognito::UserPoolGroup"]().create(_request(server, "AWS::Cognito::UserPoolGroup", {
        "UserPoolId": pool.physical_id, "GroupName": "admins", "Precedence": 1}))  # fmt: skip
    assert idp.get_group(UserPoolId=pool.physical_id, GroupName="admins")["Group"]["Precedence"] == 1
    found["AWS::Cognito::UserPoolDomain"]().create(_request(server, "AWS::Cognito::UserPoolDomain", {
        "UserPoolId": pool.physical_id, "Domain": "stacked-auth"}))  # fmt: skip
    assert idp.describe_user_pool_domain(Domain="stacked-auth")["DomainDescription"]["UserPoolId"] == pool.physical_id
    ipool = found["AWS::Cognito::IdentityPool"]().create(_request(server, "AWS::Cognito::IdentityPool", {
        "AllowUnauthenticatedIdentities": True,
        "CognitoIdentityProviders": [{"ProviderName": pool.attributes["ProviderName"], "ClientId": client.physical_id}]}))  # fmt: skip
    found["AWS::Cognito::IdentityPoolRoleAttachment"]().create(_request(server, "AWS::Cognito::IdentityPoolRoleAttachment", {
        "IdentityPoolId": ipool.physical_id, "Roles": {"unauthenticated": "arn:aws:iam::000000000000:role/guest"}}))  # fmt: skip
    assert identity.get_identity_pool_roles(IdentityPoolId=ipool.physical_id)["Roles"] == {
        "unauthenticated": "arn:aws:iam::000000000000:role/guest"}
    found["AWS::Cognito::IdentityPool"]().delete(_request(server, "AWS::Cognito::IdentityPool", {}, ipool.physical_id))
    found["AWS::Cognito::UserPoolDomain"]().delete(_request(server, "AWS::Cognito::UserPoolDomain",
                                                            {"UserPoolId": pool.physical_id}, "stacked-auth"))  # fmt: skip
    found["AWS::Cognito::UserPool"]().delete(_request(server, "AWS::Cognito::UserPool", {}, pool.physical_id))
    assert idp.list_user_pools(MaxResults=10)["UserPools"] == []
    assert identity.list_identity_pools(MaxResults=10)["IdentityPools"] == []
