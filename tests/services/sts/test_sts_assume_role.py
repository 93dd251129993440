"""STS sessions: AssumeRole (across accounts), web identity, SAML, session and federation
tokens; credentials that act as their principal and expire on the virtual clock."""

import base64
import json

import boto3
import pytest
from botocore.exceptions import ClientError

OTHER = "111111111111"
HOME = "000000000000"


def trust(principal: dict, action: str = "sts:AssumeRole", condition: dict | None = None) -> str:
    statement = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def session_client(endpoint, service, credentials, region="us-east-1"):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials.get("SessionToken"),
    )


@pytest.fixture
def other_iam(aws_client):
    return aws_client("iam", aws_access_key_id=OTHER, aws_secret_access_key="test")


def test_assume_role_across_accounts_acts_in_the_role_account(aws_client, other_iam, endpoint):
    role = other_iam.create_role(
        RoleName="deployer", AssumeRolePolicyDocument=trust({"AWS": f"arn:aws:iam::{HOME}:root"})
    )["Role"]
    assumed = aws_client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="ci-run")
    user = assumed["AssumedRoleUser"]
    assert user["Arn"] == f"arn:aws:sts::{OTHER}:assumed-role/deployer/ci-run"
    assert user["AssumedRoleId"] == f"{role['RoleId']}:ci-run"
    creds = assumed["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert len(creds["SecretAccessKey"]) == 40 and creds["SessionToken"]

    me = session_client(endpoint, "sts", creds).get_caller_identity()
    assert me["Account"] == OTHER
    assert me["Arn"] == f"arn:aws:sts::{OTHER}:assumed-role/deployer/ci-run"
    assert me["UserId"] == f"{role['RoleId']}:ci-run"

    # Resources created with the session's credentials live in the role's account.
    created = session_client(endpoint, "iam", creds).create_user(UserName="made-by-role")["User"]
    assert created["Arn"] == f"arn:aws:iam::{OTHER}:user/made-by-role"
    assert other_iam.get_user(UserName="made-by-role")["User"]["UserId"] == created["UserId"]
    with pytest.raises(ClientError) as err:
        aws_client("iam").get_user(UserName="made-by-role")
    assert err.value.response["Error"]["Code"] == "NoSuchEntity"


def test_assume_role_refused_when_trust_policy_does_not_admit_the_caller(aws_client, other_iam):
    role = other_iam.create_role(
        RoleName="locked", AssumeRolePolicyDocument=trust({"AWS": "arn:aws:iam::222222222222:root"})
    )["Role"]
    with pytest.raises(ClientError) as err:
        aws_client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    error = err.value.response["Error"]
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == (
        f"User: arn:aws:iam::{HOME}:user/cloudtwin is not authorized to perform: sts:AssumeRole "
        f"on resource: {role['Arn']}"
    )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_assume_role_of_missing_role_is_access_denied(aws_client):
    arn = f"arn:aws:iam::{OTHER}:role/nope"
    with pytest.raises(ClientError) as err:
        aws_client("sts").assume_role(RoleArn=arn, RoleSessionName="s1")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert arn in err.value.response["Error"]["Message"]


def test_external_id_condition(aws_client, other_iam):
    role = other_iam.create_role(
        RoleName="vendor",
        AssumeRolePolicyDocument=trust(
            {"AWS": HOME}, condition={"StringEquals": {"sts:ExternalId": "s3cret"}}
        ),
    )["Role"]
    sts = aws_client("sts")
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")
    with pytest.raises(ClientError):
        sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", ExternalId="wrong")
    ok = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1", ExternalId="s3cret")
    assert ok["AssumedRoleUser"]["Arn"].endswith(":assumed-role/vendor/s1")


def test_session_credentials_expire_on_the_virtual_clock(aws_client, other_iam, endpoint, cloudtwin):
    role = other_iam.create_role(
        RoleName="short", AssumeRolePolicyDocument=trust({"AWS": HOME})
    )["Role"]
    creds = aws_client("sts").assume_role(
        RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=900
    )["Credentials"]
    sts = session_client(endpoint, "sts", creds)
    assert sts.get_caller_identity()["Account"] == OTHER
    cloudtwin.client.advance(899)
    assert sts.get_caller_identity()["Account"] == OTHER
    cloudtwin.client.advance(1)
    with pytest.raises(ClientError) as err:
        sts.get_caller_identity()
    assert err.value.response["Error"]["Code"] == "ExpiredToken"
    assert err.value.response["Error"]["Message"] == (
        "The security token included in the request is expired"
    )
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_duration_above_the_role_maximum_is_refused(aws_client, other_iam):
    role = other_iam.create_role(
        RoleName="capped", AssumeRolePolicyDocument=trust({"AWS": HOME})
    )["Role"]
    with pytest.raises(ClientError) as err:
        aws_client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s1", DurationSeconds=7200)
    assert err.value.response["Error"]["Code"] == "ValidationError"
    assert err.value.response["Error"]["Message"] == (
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    )


def test_session_policy_must_be_valid(aws_client, other_iam):
    role = other_iam.create_role(
        RoleName="sp", AssumeRolePolicyDocument=trust({"AWS": HOME})
    )["Role"]
    with pytest.raises(ClientError) as err:
        aws_client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="s1", Policy="{nope")
    assert err.value.response["Error"]["Code"] == "MalformedPolicyDocument"
    ok = aws_client("sts").assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="s1",
        Policy=json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
    )
    assert 0 < ok["PackedPolicySize"] <= 100


def _jwt(claims: dict) -> str:
    def part(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


def test_assume_role_with_web_identity(aws_client, endpoint, cloudtwin):
    iam = aws_client("iam")
    provider = iam.create_open_id_connect_provider(
        Url="https://token.example.com", ClientIDList=["my-app"], ThumbprintList=["a" * 40]
    )["OpenIDConnectProviderArn"]
    assert provider == f"arn:aws:iam::{HOME}:oidc-provider/token.example.com"
    role = iam.create_role(
        RoleName="web",
        AssumeRolePolicyDocument=trust(
            {"Federated": provider},
            "sts:AssumeRoleWithWebIdentity",
            {"StringEquals": {"token.example.com:aud": "my-app"}},
        ),
    )["Role"]
    now = int(cloudtwin.client.now())
    claims = {"iss": "https://token.example.com", "sub": "user-42", "aud": "my-app", "exp": now + 600}
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1")
    out = sts.assume_role_with_web_identity(
        RoleArn=role["Arn"], RoleSessionName="web-s", WebIdentityToken=_jwt(claims)
    )
    assert out["SubjectFromWebIdentityToken"] == "user-42"
    assert out["Provider"] == "token.example.com"
    assert out["Audience"] == "my-app"
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{HOME}:assumed-role/web/web-s"
    me = session_client(endpoint, "sts", out["Credentials"]).get_caller_identity()
    assert me["Arn"] == out["AssumedRoleUser"]["Arn"]

    wrong = dict(claims, aud="other-app")
    with pytest.raises(ClientError) as err:
        sts.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="x1", WebIdentityToken=_jwt(wrong)
        )
    assert err.value.response["Error"]["Code"] == "InvalidIdentityToken"
    with pytest.raises(ClientError) as err:
        sts.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="x1", WebIdentityToken="not-a-jwt"
        )
    assert err.value.response["Error"]["Code"] == "InvalidIdentityToken"


def test_web_identity_without_provider_is_refused(aws_client, endpoint):
    role = aws_client("iam").create_role(
        RoleName="web2",
        AssumeRolePolicyDocument=trust(
            {"Federated": f"arn:aws:iam::{HOME}:oidc-provider/unknown.example.com"},
            "sts:AssumeRoleWithWebIdentity",
        ),
    )["Role"]
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1")
    token = _jwt({"iss": "https://unknown.example.com", "sub": "u", "aud": "a"})
    with pytest.raises(ClientError) as err:
        sts.assume_role_with_web_identity(
            RoleArn=role["Arn"], RoleSessionName="x1", WebIdentityToken=token
        )
    assert err.value.response["Error"] == {
        "Type": "Sender",
        "Code": "InvalidIdentityToken",
        "Message": "No OpenIDConnect provider found in your account for https://unknown.example.com",
    }


SAML_METADATA = (
    '<?xml version="1.0"?><EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="https://idp.example.com/"><IDPSSODescriptor '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
    + "<!-- " + "padding " * 120 + "-->"
    + "</IDPSSODescriptor></EntityDescriptor>"
)


def _assertion(role_arn: str, provider_arn: str) -> str:
    xml = f"""<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">
 <saml:Issuer>https://idp.example.com/</saml:Issuer>
 <saml:Assertion><saml:Issuer>https://idp.example.com/</saml:Issuer>
  <saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">alice</saml:NameID></saml:Subject>
  <saml:Conditions><saml:AudienceRestriction><saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience></saml:AudienceRestriction></saml:Conditions>
  <saml:AttributeStatement>
   <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{role_arn},{provider_arn}</saml:AttributeValue></saml:Attribute>
   <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>alice@example.com</saml:AttributeValue></saml:Attribute>
  </saml:AttributeStatement>
 </saml:Assertion></samlp:Response>"""
    return base64.b64encode(xml.encode()).decode()


def test_assume_role_with_saml(aws_client, endpoint):
    iam = aws_client("iam")
    provider = iam.create_saml_provider(SAMLMetadataDocument=SAML_METADATA, Name="corp-idp")[
        "SAMLProviderArn"
    ]
    assert provider == f"arn:aws:iam::{HOME}:saml-provider/corp-idp"
    role = iam.create_role(
        RoleName="saml-role",
        AssumeRolePolicyDocument=trust(
            {"Federated": provider},
            "sts:AssumeRoleWithSAML",
            {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}},
        ),
    )["Role"]
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1")
    out = sts.assume_role_with_saml(
        RoleArn=role["Arn"], PrincipalArn=provider, SAMLAssertion=_assertion(role["Arn"], provider)
    )
    assert out["Subject"] == "alice"
    assert out["SubjectType"] == "persistent"
    assert out["Issuer"] == "https://idp.example.com/"
    assert out["Audience"] == "https://signin.aws.amazon.com/saml"
    assert out["NameQualifier"]
    assert out["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{HOME}:assumed-role/saml-role/alice@example.com"
    )
    me = session_client(endpoint, "sts", out["Credentials"]).get_caller_identity()
    assert me["Arn"] == out["AssumedRoleUser"]["Arn"]


def test_get_session_token_for_a_user(aws_client, endpoint, cloudtwin):
    iam = aws_client("iam")
    user = iam.create_user(UserName="dev")["User"]
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    sts_user = session_client(endpoint, "sts", key)
    token = sts_user.get_session_token(DurationSeconds=900)["Credentials"]
    assert token["AccessKeyId"].startswith("ASIA")
    session = session_client(endpoint, "sts", token)
    me = session.get_caller_identity()
    assert me["Arn"] == user["Arn"] and me["UserId"] == user["UserId"]
    with pytest.raises(ClientError) as err:
        session.get_session_token()
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    cloudtwin.client.advance(901)
    with pytest.raises(ClientError) as err:
        session.get_caller_identity()
    assert err.value.response["Error"]["Code"] == "ExpiredToken"


def test_get_federation_token(aws_client, endpoint):
    out = aws_client("sts").get_federation_token(
        Name="partner",
        Policy=json.dumps({"Version": "2012-10-17",
                           "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}),
    )
    assert out["FederatedUser"] == {
        "FederatedUserId": f"{HOME}:partner",
        "Arn": f"arn:aws:sts::{HOME}:federated-user/partner",
    }
    assert "PackedPolicySize" in out
    me = session_client(endpoint, "sts", out["Credentials"]).get_caller_identity()
    assert me["Arn"] == f"arn:aws:sts::{HOME}:federated-user/partner"
    assert me["UserId"] == f"{HOME}:partner"


def test_get_access_key_info(aws_client, other_iam):
    other_iam.create_user(UserName="k")
    key = other_iam.create_access_key(UserName="k")["AccessKey"]["AccessKeyId"]
    sts = aws_client("sts")
    assert sts.get_access_key_info(AccessKeyId=key)["Account"] == OTHER
    assert sts.get_access_key_info(AccessKeyId="AKIAIOSFODNN7EXAMPLE")["Account"] == HOME


def test_decode_authorization_message(aws_client):
    sts = aws_client("sts")
    message = json.dumps({"allowed": False, "explicitDeny": False})
    encoded = base64.b64encode(message.encode()).decode()
    assert sts.decode_authorization_message(EncodedMessage=encoded)["DecodedMessage"] == message
    with pytest.raises(ClientError) as err:
        sts.decode_authorization_message(EncodedMessage="!!not-base64!!")
    assert err.value.response["Error"]["Code"] == "InvalidAuthorizationMessageException"


def test_role_chaining(aws_client, other_iam, endpoint):
    first = other_iam.create_role(
        RoleName="first", AssumeRolePolicyDocument=trust({"AWS": HOME})
    )["Role"]
    second = other_iam.create_role(
        RoleName="second", AssumeRolePolicyDocument=trust({"AWS": first["Arn"]})
    )["Role"]
    creds = aws_client("sts").assume_role(RoleArn=first["Arn"], RoleSessionName="a1")["Credentials"]
    chained = session_client(endpoint, "sts", creds).assume_role(
        RoleArn=second["Arn"], RoleSessionName="b1"
    )
    assert chained["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{OTHER}:assumed-role/second/b1"
    with pytest.raises(ClientError) as err:
        aws_client("sts").assume_role(RoleArn=second["Arn"], RoleSessionName="c1")
    assert err.value.response["Error"]["Code"] == "AccessDenied"


def test_queue_created_with_assumed_credentials_lives_in_the_role_account(
    aws_client, other_iam, endpoint, server
):
    if server.app.services.provider("sqs") is None:
        pytest.skip("SQS is not implemented in this build")
    role = other_iam.create_role(
        RoleName="queue-maker", AssumeRolePolicyDocument=trust({"AWS": HOME})
    )["Role"]
    creds = aws_client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="q1")["Credentials"]
    sqs = session_client(endpoint, "sqs", creds)
    url = sqs.create_queue(QueueName="cross-account-queue")["QueueUrl"]
    assert f"/{OTHER}/cross-account-queue" in url
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert arn == f"arn:aws:sqs:us-east-1:{OTHER}:cross-account-queue"


def test_oversized_session_policy_is_refused(aws_client, other_iam):
    role = other_iam.create_role(
        RoleName="big", AssumeRolePolicyDocument=trust({"AWS": HOME})
    )["Role"]
    statements = [{"Effect": "Allow", "Action": f"s3:GetObject", "Resource": f"arn:aws:s3:::bucket-{i:04d}/*"}
                  for i in range(40)]
    with pytest.raises(ClientError) as err:
        aws_client("sts").assume_role(
            RoleArn=role["Arn"], RoleSessionName="s1",
            Policy=json.dumps({"Version": "2012-10-17", "Statement": statements}),
        )
    assert err.value.response["Error"]["Code"] == "PackedPolicyTooLarge"


def test_sessions_and_keys_are_listed_on_the_control_surface(aws_client, other_iam, endpoint):
    import urllib.request

    role = other_iam.create_role(
        RoleName="listed", AssumeRolePolicyDocument=trust({"AWS": HOME})
    )["Role"]
    creds = aws_client("sts").assume_role(RoleArn=role["Arn"], RoleSessionName="seen")["Credentials"]
    other_iam.create_user(UserName="keyed")
    key = other_iam.create_access_key(UserName="keyed")["AccessKey"]["AccessKeyId"]
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/sts/sessions") as response:
        sessions = json.load(response)["sessions"]
    [mine] = [s for s in sessions if s["access_key_id"] == creds["AccessKeyId"]]
    assert mine["account"] == OTHER and mine["expired"] is False
    assert mine["arn"] == f"arn:aws:sts::{OTHER}:assumed-role/listed/seen"
    with urllib.request.urlopen(f"{endpoint}/_cloudtwin/iam/access-keys") as response:
        keys = json.load(response)["access_keys"]
    assert {"account": OTHER, "access_key_id": key, "user_name": "keyed", "status": "Active",
            "arn": f"arn:aws:iam::{OTHER}:user/keyed"} in keys


def test_assuming_a_role_sets_its_last_used(aws_client, other_iam, cloudtwin):
    role = other_iam.create_role(
        RoleName="used", AssumeRolePolicyDocument=trust({"AWS": HOME})
    )["Role"]
    assert other_iam.get_role(RoleName="used")["Role"]["RoleLastUsed"] == {}
    aws_client("sts", region="eu-west-1").assume_role(RoleArn=role["Arn"], RoleSessionName="u1")
    # IAM reports a use hours later, as AWS does
    assert other_iam.get_role(RoleName="used")["Role"]["RoleLastUsed"] == {}
    cloudtwin.client.advance(4 * 3600)
    last = other_iam.get_role(RoleName="used")["Role"]["RoleLastUsed"]
    assert last["Region"] == "eu-west-1" and last["LastUsedDate"]
