"""Identity pools: identities for a user pool's signed-in users (and guests), and
credentials from cloudtwin's STS for the pool's roles, under the roles' trust policies."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

PASSWORD = "Passw0rd!"


def _trust(pool_id: str, amr: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}}}]})  # fmt: skip


@pytest.fixture
def setup(aws_client):
    idp, identity, iam = aws_client("cognito-idp"), aws_client("cognito-identity"), aws_client("iam")
    user_pool = idp.create_user_pool(PoolName="users")["UserPool"]["Id"]
    client_id = idp.create_user_pool_client(UserPoolId=user_pool, ClientName="app",
                                            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]  # fmt: skip
    idp.admin_create_user(UserPoolId=user_pool, Username="alice", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=user_pool, Username="alice", Password=PASSWORD, Permanent=True)
    provider = f"cognito-idp.us-east-1.amazonaws.com/{user_pool}"
    pool_id = identity.create_identity_pool(
        IdentityPoolName="app", AllowUnauthenticatedIdentities=True,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client_id}],
    )["IdentityPoolId"]  # fmt: skip
    authed = iam.create_role(RoleName="authed", AssumeRolePolicyDocument=_trust(pool_id, "authenticated"))["Role"]["Arn"]
    guest = iam.create_role(RoleName="guest", AssumeRolePolicyDocument=_trust(pool_id, "unauthenticated"))["Role"]["Arn"]
    identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": authed, "unauthenticated": guest})
    id_token = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]["IdToken"]  # fmt: skip
    return identity, pool_id, provider, id_token


def test_signed_in_user_gets_the_authenticated_role(setup, aws_client):
    identity, pool_id, provider, id_token = setup
    identity_id = identity.get_id(IdentityPoolId=pool_id, Logins={provider: id_token})["IdentityId"]
    assert identity_id.startswith("us-east-1:")
    assert identity.get_id(IdentityPoolId=pool_id, Logins={provider: id_token})["IdentityId"] == identity_id
    creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins={provider: id_token})["Credentials"]
    sts = aws_client("sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                     aws_session_token=creds["SessionToken"])  # fmt: skip
    arn = sts.get_caller_identity()["Arn"]
    assert arn.endswith(":assumed-role/authed/CognitoIdentityCredentials")
    described = identity.describe_identity(IdentityId=identity_id)
    assert described["Logins"] == [provider]


def test_guest_gets_the_unauthenticated_role(setup, aws_client):
    identity, pool_id, _, _ = setup
    identity_id = identity.get_id(IdentityPoolId=pool_id)["IdentityId"]
    token = identity.get_open_id_token(IdentityId=identity_id)["Token"]
    assert token.count(".") == 2
    creds = identity.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    sts = aws_client("sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                     aws_session_token=creds["SessionToken"])  # fmt: skip
    assert ":assumed-role/guest/" in sts.get_caller_identity()["Arn"]


def test_a_tampered_login_token_is_refused(setup):
    identity, pool_id, provider, id_token = setup
    header, body, signature = id_token.split(".")
    forged = f"{header}.{body}.{signature[:-4]}AAAA"
    with pytest.raises(ClientError) as err:
        identity.get_id(IdentityPoolId=pool_id, Logins={provider: forged})
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_unknown_pool_and_no_guests(aws_client):
    identity = aws_client("cognito-identity")
    with pytest.raises(ClientError) as err:
        identity.get_id(IdentityPoolId="us-east-1:00000000-0000-0000-0000-000000000000")
    assert err.value.response["Error"] == {"Code": "ResourceNotFoundException",
                                           "Message": "IdentityPool 'us-east-1:00000000-0000-0000-0000-000000000000' not found."}  # fmt: skip
    pool_id = identity.create_identity_pool(IdentityPoolName="closed", AllowUnauthenticatedIdentities=False)["IdentityPoolId"]
    with pytest.raises(ClientError) as err:
        identity.get_id(IdentityPoolId=pool_id)
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException",
                                           "Message": "Unauthenticated access is not supported for this identity pool."}  # fmt: skip


def test_role_mapping_by_token_and_rules(setup, aws_client):
    identity, pool_id, provider, id_token = setup
    iam, idp = aws_client("iam"), aws_client("cognito-idp")
    user_pool = provider.rsplit("/", 1)[1]
    admin = iam.create_role(RoleName="admin", AssumeRolePolicyDocument=_trust(pool_id, "authenticated"))["Role"]["Arn"]
    idp.create_group(UserPoolId=user_pool, GroupName="admins", RoleArn=admin, Precedence=1)
    idp.admin_add_user_to_group(UserPoolId=user_pool, Username="alice", GroupName="admins")
    client_id = identity.describe_identity_pool(IdentityPoolId=pool_id)["CognitoIdentityProviders"][0]["ClientId"]
    token = idp.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})["AuthenticationResult"]["IdToken"]  # fmt: skip
    roles = identity.get_identity_pool_roles(IdentityPoolId=pool_id)["Roles"]

    def arn_for(mapping: dict) -> str:
        identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles=roles, RoleMappings={provider: mapping})
        identity_id = identity.get_id(IdentityPoolId=pool_id, Logins={provider: token})["IdentityId"]
        creds = identity.get_credentials_for_identity(IdentityId=identity_id, Logins={provider: token})["Credentials"]
        sts = aws_client("sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                         aws_session_token=creds["SessionToken"])  # fmt: skip
        return sts.get_caller_identity()["Arn"]

    assert ":assumed-role/admin/" in arn_for({"Type": "Token", "AmbiguousRoleResolution": "AuthenticatedRole"})
    rules = {"Rules": [{"Claim": "cognito:username", "MatchType": "Equals", "Value": "bob", "RoleARN": admin}]}
    assert ":assumed-role/authed/" in arn_for({"Type": "Rules", "AmbiguousRoleResolution": "AuthenticatedRole",
                                               "RulesConfiguration": rules})  # fmt: skip
    rules["Rules"][0]["Value"] = "alice"
    assert ":assumed-role/admin/" in arn_for({"Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": rules})


def test_developer_authenticated_identities(aws_client):
    identity, iam = aws_client("cognito-identity"), aws_client("iam")
    pool_id = identity.create_identity_pool(IdentityPoolName="dev", AllowUnauthenticatedIdentities=False,
                                            DeveloperProviderName="login.example")["IdentityPoolId"]  # fmt: skip
    role = iam.create_role(RoleName="dev-authed", AssumeRolePolicyDocument=_trust(pool_id, "authenticated"))["Role"]["Arn"]
    identity.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={"authenticated": role})
    issued = identity.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.example": "user-42"})
    again = identity.get_open_id_token_for_developer_identity(IdentityPoolId=pool_id, Logins={"login.example": "user-42"})
    assert again["IdentityId"] == issued["IdentityId"]
    found = identity.lookup_developer_identity(IdentityPoolId=pool_id, DeveloperUserIdentifier="user-42")
    assert found == {"IdentityId": issued["IdentityId"], "DeveloperUserIdentifierList": ["user-42"],
                     "ResponseMetadata": found["ResponseMetadata"]}  # fmt: skip
    creds = identity.get_credentials_for_identity(IdentityId=issued["IdentityId"],
                                                  Logins={"cognito-identity.amazonaws.com": issued["Token"]})["Credentials"]  # fmt: skip
    sts = aws_client("sts", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretKey"],
                     aws_session_token=creds["SessionToken"])  # fmt: skip
    assert ":assumed-role/dev-authed/" in sts.get_caller_identity()["Arn"]
    with pytest.raises(ClientError) as err:
        identity.get_credentials_for_identity(IdentityId=issued["IdentityId"],
                                              Logins={"cognito-identity.amazonaws.com": issued["Token"][:-6] + "AAAAAA"})  # fmt: skip
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_a_login_from_another_issuer_is_refused_without_fetching_its_keys(setup):
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    identity, pool_id, provider, id_token = setup
    claims = jwt.decode(id_token, options={"verify_signature": False})
    claims["iss"] = "http://203.0.113.9/" + provider.rsplit("/", 1)[1]  # TEST-NET: never contacted
    forged = jwt.encode(claims, rsa.generate_private_key(public_exponent=65537, key_size=2048), algorithm="RS256")
    with pytest.raises(ClientError) as err:
        identity.get_id(IdentityPoolId=pool_id, Logins={provider: forged})
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException",
                                           "Message": "Invalid login token. Issuer doesn't match providerName"}  # fmt: skip
