"""Every user pool trigger invoked with a real Lambda function: the event AWS documents
(recorded by the function in an SQS queue) and its answer honoured."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import jwt
import pytest
from botocore.exceptions import ClientError
from cognito_helpers import FLOWS, PASSWORD, codes, sign_in

sys.path.insert(0, str(Path(__file__).parents[1] / "lambda_"))
from lambda_helpers import seen, zipped  # noqa: E402

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})  # fmt: skip

TRIGGER = '''
import json, boto3
sqs = boto3.client("sqs")

def handler(event, context):
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="events")["QueueUrl"], MessageBody=json.dumps(event))
    source, request, response = event["triggerSource"], event["request"], event["response"]
    if source == "PreSignUp_SignUp":
        if request["userAttributes"].get("email", "").endswith("@blocked.test"):
            raise Exception("blocked domain")
        response["autoConfirmUser"] = True
        response["autoVerifyEmail"] = True
    elif source == "PreAuthentication_Authentication" and event["userName"] == "locked":
        raise Exception("account locked")
    elif source.startswith("TokenGeneration_"):
        if source == "TokenGeneration_ClientCredentials":
            response["claimsAndScopeOverrideDetails"] = {"accessTokenGeneration": {
                "claimsToAddOrOverride": {"tenant": "acme"}, "scopesToSuppress": ["orders/write"]}}
        elif event["version"] == "1":
            response["claimsOverrideDetails"] = {"claimsToAddOrOverride": {"tier": "gold"}, "claimsToSuppress": ["email"],
                                                 "groupOverrideDetails": {"groupsToOverride": ["vip"]}}
        else:
            response["claimsAndScopeOverrideDetails"] = {
                "idTokenGeneration": {"claimsToAddOrOverride": {"tier": "platinum"}},
                "accessTokenGeneration": {"claimsToAddOrOverride": {"plan": "pro"}, "scopesToAdd": ["orders/read"]}}
    elif source.startswith("CustomMessage_"):
        response["emailSubject"] = "Welcome"
        response["emailMessage"] = "Your code is " + request["codeParameter"]
    elif source == "DefineAuthChallenge_Authentication":
        session = request["session"]
        if session and session[-1]["challengeResult"]:
            response["issueTokens"], response["failAuthentication"] = True, False
        elif len(session) >= 2:
            response["issueTokens"], response["failAuthentication"] = False, True
        else:
            response["challengeName"] = "CUSTOM_CHALLENGE"
    elif source == "CreateAuthChallenge_Authentication":
        response["publicChallengeParameters"] = {"question": "2 + 2"}
        response["privateChallengeParameters"] = {"answer": "4"}
        response["challengeMetadata"] = "ARITHMETIC"
    elif source == "VerifyAuthChallengeResponse_Authentication":
        response["answerCorrect"] = request["challengeAnswer"] == request["privateChallengeParameters"]["answer"]
    elif source == "UserMigration_ForgotPassword":
        response["userAttributes"] = {"email": event["userName"] + "@legacy.test", "email_verified": "true"}
        response["messageAction"] = "SUPPRESS"
    elif source == "UserMigration_Authentication":
        if request["password"] != "Legacy-pass1":
            raise Exception("Bad password")
        response["userAttributes"] = {"email": event["userName"] + "@legacy.test", "email_verified": "true"}
        response["finalUserStatus"] = "CONFIRMED"
        response["messageAction"] = "SUPPRESS"
    return event
'''


@pytest.fixture
def trigger(aws_client) -> str:
    lam, iam, sqs = aws_client("lambda"), aws_client("iam"), aws_client("sqs")
    role = iam.create_role(RoleName="cognito-trigger", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    sqs.create_queue(QueueName="events")
    arn = lam.create_function(FunctionName="cognito-trigger", Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": zipped({"app.py": TRIGGER})})["FunctionArn"]  # fmt: skip
    lam.get_waiter("function_active_v2").wait(FunctionName="cognito-trigger", WaiterConfig={"Delay": 1})
    lam.add_permission(FunctionName="cognito-trigger", StatementId="cognito", Action="lambda:InvokeFunction",
                       Principal="cognito-idp.amazonaws.com")  # fmt: skip
    return arn


@pytest.fixture
def events(aws_client):
    sqs = aws_client("sqs")

    def read(count: int) -> list[dict]:
        return seen(sqs, sqs.get_queue_url(QueueName="events")["QueueUrl"], count)

    return read


def _pool(idp, config: dict) -> tuple[str, str]:
    pool_id = idp.create_user_pool(PoolName="triggered", LambdaConfig=config)["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=FLOWS)
    return pool_id, client["UserPoolClient"]["ClientId"]


def _confirmed(idp, pool_id: str, username: str = "alice") -> None:
    idp.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": f"{username}@example.com"}])  # fmt: skip
    idp.admin_set_user_password(UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True)


def test_pre_sign_up_post_confirmation_and_custom_message(idp, trigger, events, endpoint):
    pool_id, client_id = _pool(idp, {"PreSignUp": trigger, "PostConfirmation": trigger, "CustomMessage": trigger})
    out = idp.sign_up(ClientId=client_id, Username="carol", Password=PASSWORD,
                      UserAttributes=[{"Name": "email", "Value": "carol@example.com"}], ClientMetadata={"from": "test"})  # fmt: skip
    assert out["UserConfirmed"] is True
    pre, post = events(2)
    assert pre["triggerSource"] == "PreSignUp_SignUp" and pre["version"] == "1"
    assert pre["userPoolId"] == pool_id and pre["userName"] == "carol" and pre["region"] == "us-east-1"
    assert pre["callerContext"]["clientId"] == client_id
    assert pre["request"]["userAttributes"]["email"] == "carol@example.com"
    assert pre["request"]["clientMetadata"] == {"from": "test"}
    assert pre["response"] == {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}
    assert post["triggerSource"] == "PostConfirmation_ConfirmSignUp"
    assert post["request"]["userAttributes"]["email_verified"] == "true"
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=client_id, Username="eve", Password=PASSWORD,
                    UserAttributes=[{"Name": "email", "Value": "eve@blocked.test"}])  # fmt: skip
    assert err.value.response["Error"] == {"Code": "UserLambdaValidationException",
                                           "Message": "PreSignUp failed with error blocked domain."}  # fmt: skip
    events(1)
    idp.admin_create_user(UserPoolId=pool_id, Username="dan", UserAttributes=[{"Name": "email", "Value": "dan@example.com"}])
    admin_pre, message = events(2)
    assert admin_pre["triggerSource"] == "PreSignUp_AdminCreateUser"
    assert admin_pre["callerContext"]["clientId"] == "CLIENT_ID_NOT_APPLICABLE"
    assert message["triggerSource"] == "CustomMessage_AdminCreateUser"
    assert message["request"]["codeParameter"] == "{####}" and message["request"]["usernameParameter"] == "{username}"
    [sent] = codes(endpoint, username="dan")
    assert sent["message"] == f"Your code is {sent['code']}"


def test_pre_and_post_authentication(idp, trigger, events):
    pool_id, client_id = _pool(idp, {"PreAuthentication": trigger, "PostAuthentication": trigger})
    _confirmed(idp, pool_id)
    _confirmed(idp, pool_id, "locked")
    assert sign_in(idp, client_id)["AuthenticationResult"]
    pre, post = events(2)
    assert pre["triggerSource"] == "PreAuthentication_Authentication" and pre["request"]["userNotFound"] is False
    assert post["triggerSource"] == "PostAuthentication_Authentication" and post["request"]["newDeviceUsed"] is False
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "locked")
    assert err.value.response["Error"] == {"Code": "UserLambdaValidationException",
                                           "Message": "PreAuthentication failed with error account locked."}  # fmt: skip


def test_pre_token_generation_v1(idp, trigger, events, endpoint):
    pool_id, client_id = _pool(idp, {"PreTokenGeneration": trigger})
    _confirmed(idp, pool_id)
    tokens = sign_in(idp, client_id)["AuthenticationResult"]
    [event] = events(1)
    assert event["triggerSource"] == "TokenGeneration_Authentication"
    assert event["request"]["groupConfiguration"] == {"groupsToOverride": [], "iamRolesToOverride": [], "preferredRole": None}
    claims = jwt.decode(tokens["IdToken"], options={"verify_signature": False})
    assert claims["tier"] == "gold" and "email" not in claims and claims["cognito:groups"] == ["vip"]
    refreshed = idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                                  AuthParameters={"REFRESH_TOKEN": tokens["RefreshToken"]})  # fmt: skip
    assert jwt.decode(refreshed["AuthenticationResult"]["IdToken"], options={"verify_signature": False})["tier"] == "gold"
    assert events(1)[0]["triggerSource"] == "TokenGeneration_RefreshTokens"


def test_pre_token_generation_v2_claims_and_scopes(idp, trigger, events):
    pool_id, client_id = _pool(idp, {"PreTokenGenerationConfig": {"LambdaVersion": "V2_0", "LambdaArn": trigger}})
    _confirmed(idp, pool_id)
    tokens = sign_in(idp, client_id)["AuthenticationResult"]
    [event] = events(1)
    assert event["version"] == "2" and event["request"]["scopes"] == ["aws.cognito.signin.user.admin"]
    assert jwt.decode(tokens["IdToken"], options={"verify_signature": False})["tier"] == "platinum"
    access = jwt.decode(tokens["AccessToken"], options={"verify_signature": False})
    assert access["plan"] == "pro" and access["scope"] == "aws.cognito.signin.user.admin orders/read"


def test_custom_auth_challenge_rounds(idp, trigger, events):
    pool_id, client_id = _pool(idp, {"DefineAuthChallenge": trigger, "CreateAuthChallenge": trigger,
                                     "VerifyAuthChallengeResponse": trigger})  # fmt: skip
    _confirmed(idp, pool_id)
    first = idp.initiate_auth(ClientId=client_id, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "alice"})
    assert first["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert first["ChallengeParameters"] == {"question": "2 + 2", "USERNAME": "alice"}
    wrong = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="CUSTOM_CHALLENGE", Session=first["Session"],
                                          ChallengeResponses={"USERNAME": "alice", "ANSWER": "5"})  # fmt: skip
    assert wrong["ChallengeName"] == "CUSTOM_CHALLENGE"
    right = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="CUSTOM_CHALLENGE", Session=wrong["Session"],
                                          ChallengeResponses={"USERNAME": "alice", "ANSWER": "4"})  # fmt: skip
    assert right["AuthenticationResult"]["AccessToken"]
    seen_events = events(7)
    sources = [e["triggerSource"] for e in seen_events]
    assert sources == ["DefineAuthChallenge_Authentication", "CreateAuthChallenge_Authentication",
                       "VerifyAuthChallengeResponse_Authentication", "DefineAuthChallenge_Authentication",
                       "CreateAuthChallenge_Authentication", "VerifyAuthChallengeResponse_Authentication",
                       "DefineAuthChallenge_Authentication"]  # fmt: skip
    last_define = [e for e in seen_events if e["triggerSource"] == "DefineAuthChallenge_Authentication"][-1]
    assert last_define["request"]["session"] == [
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": False, "challengeMetadata": "ARITHMETIC"},
        {"challengeName": "CUSTOM_CHALLENGE", "challengeResult": True, "challengeMetadata": "ARITHMETIC"},
    ]
    verify = next(e for e in seen_events if e["triggerSource"] == "VerifyAuthChallengeResponse_Authentication")
    assert verify["request"]["privateChallengeParameters"] == {"answer": "4"} and verify["request"]["challengeAnswer"] == "5"


def test_user_migration(idp, trigger, events):
    pool_id, client_id = _pool(idp, {"UserMigration": trigger})
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "legacy", "Wrong-pass1")
    assert err.value.response["Error"] == {"Code": "UserLambdaValidationException",
                                           "Message": "UserMigration failed with error Bad password."}  # fmt: skip
    assert sign_in(idp, client_id, "legacy", "Legacy-pass1")["AuthenticationResult"]
    event = events(2)[-1]
    assert event["triggerSource"] == "UserMigration_Authentication" and event["request"]["password"] == "Legacy-pass1"
    user = idp.admin_get_user(UserPoolId=pool_id, Username="legacy")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email", "Value": "legacy@legacy.test"} in user["UserAttributes"]
    assert sign_in(idp, client_id, "legacy", "Legacy-pass1")["AuthenticationResult"]


def test_user_migration_on_forgotten_password(idp, trigger, events, endpoint):
    pool_id, client_id = _pool(idp, {"UserMigration": trigger})
    out = idp.forgot_password(ClientId=client_id, Username="old")
    assert out["CodeDeliveryDetails"]["Destination"] == "o***@l***"
    [event] = events(1)
    assert event["triggerSource"] == "UserMigration_ForgotPassword" and event["request"]["password"] is None
    [code] = codes(endpoint, username="old", kind="FORGOT_PASSWORD")
    idp.confirm_forgot_password(ClientId=client_id, Username="old", ConfirmationCode=code["code"], Password="Fresh-pass1")
    assert sign_in(idp, client_id, "old", "Fresh-pass1")["AuthenticationResult"]


def test_a_function_cognito_may_not_invoke_is_not_invoked(idp, trigger, aws_client):
    lam = aws_client("lambda")
    lam.remove_permission(FunctionName="cognito-trigger", StatementId="cognito")
    pool_id, client_id = _pool(idp, {"PreSignUp": trigger})
    lam.add_permission(FunctionName="cognito-trigger", StatementId="other-pool", Action="lambda:InvokeFunction",
                       Principal="cognito-idp.amazonaws.com",
                       SourceArn="arn:aws:cognito-idp:us-east-1:000000000000:userpool/us-east-1_Other0000")  # fmt: skip
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=client_id, Username="carol", Password=PASSWORD)
    assert err.value.response["Error"] == {"Code": "UnexpectedLambdaException",
                                           "Message": "PreSignUp invocation failed due to error AccessDeniedException."}  # fmt: skip
    gone_pool, gone_client = _pool(idp, {"PreSignUp": trigger.replace("cognito-trigger", "deleted-function")})
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=gone_client, Username="carol", Password=PASSWORD)
    assert err.value.response["Error"]["Message"] == "PreSignUp invocation failed due to error ResourceNotFoundException."


def test_pre_token_generation_v3_for_client_credentials(idp, trigger, events, endpoint):
    import base64
    import urllib.parse
    import urllib.request

    pool_id, _ = _pool(idp, {"PreTokenGenerationConfig": {"LambdaVersion": "V3_0", "LambdaArn": trigger}})
    idp.create_resource_server(UserPoolId=pool_id, Identifier="orders", Name="Orders",
                               Scopes=[{"ScopeName": "read", "ScopeDescription": "r"}, {"ScopeName": "write", "ScopeDescription": "w"}])  # fmt: skip
    client = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="m2m", GenerateSecret=True,
                                         AllowedOAuthFlows=["client_credentials"], AllowedOAuthFlowsUserPoolClient=True,
                                         AllowedOAuthScopes=["orders/read", "orders/write"])["UserPoolClient"]  # fmt: skip
    request = urllib.request.Request(
        f"{endpoint}/{pool_id}/oauth2/token", data=b"grant_type=client_credentials", method="POST",
        headers={"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic " + base64.b64encode(
            f"{client['ClientId']}:{client['ClientSecret']}".encode()).decode()},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as resp:
        token = json.loads(resp.read())["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["tenant"] == "acme" and claims["scope"] == "orders/read"
    [event] = events(1)
    assert event["triggerSource"] == "TokenGeneration_ClientCredentials" and event["version"] == "3"
    assert event["request"]["scopes"] == ["orders/read", "orders/write"]
