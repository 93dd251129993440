"""TOTP software-token MFA (RFC 6238 codes computed by the test on the virtual clock), and
the OAuth2 endpoints: client credentials with resource-server scopes, the authorization
code grant with PKCE, on the path form and on the domain host form."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
import urllib.request

import jwt
import pytest
from botocore.exceptions import ClientError
from cognito_helpers import sign_in
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP


def _code(secret: str, now: float) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return TOTP(key, 6, SHA1(), 30, enforce_key_length=False).generate(int(now)).decode()


def test_software_token_mfa(idp, pool, client_id, user, cloudtwin_client):
    idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration="OPTIONAL",
                                 SoftwareTokenMfaConfiguration={"Enabled": True})  # fmt: skip
    access = sign_in(idp, client_id)["AuthenticationResult"]["AccessToken"]
    secret = idp.associate_software_token(AccessToken=access)["SecretCode"]
    with pytest.raises(ClientError) as err:
        idp.verify_software_token(AccessToken=access, UserCode="000000" if _code(secret, cloudtwin_client.now()) != "000000" else "111111")
    assert err.value.response["Error"] == {"Code": "EnableSoftwareTokenMFAException", "Message": "Code mismatch"}
    assert idp.verify_software_token(AccessToken=access, UserCode=_code(secret, cloudtwin_client.now()))["Status"] == "SUCCESS"
    idp.set_user_mfa_preference(AccessToken=access, SoftwareTokenMfaSettings={"Enabled": True, "PreferredMfa": True})
    got = idp.admin_get_user(UserPoolId=pool["Id"], Username="alice")
    assert got["UserMFASettingList"] == ["SOFTWARE_TOKEN_MFA"] and got["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
    challenge = sign_in(idp, client_id)
    assert challenge["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    cloudtwin_client.advance(3600)  # the code is the one of the virtual clock's time step
    with pytest.raises(ClientError) as err:
        idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
                                      ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": _code(secret, cloudtwin_client.now() - 3600)})  # fmt: skip
    assert err.value.response["Error"]["Code"] in ("CodeMismatchException", "NotAuthorizedException")
    challenge = sign_in(idp, client_id)
    done = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="SOFTWARE_TOKEN_MFA", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "alice", "SOFTWARE_TOKEN_MFA_CODE": _code(secret, cloudtwin_client.now())})  # fmt: skip
    assert done["AuthenticationResult"]["AccessToken"]


def test_mfa_setup_during_sign_in_when_mfa_is_required(idp, pool, client_id, user, cloudtwin_client):
    idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration="ON", SoftwareTokenMfaConfiguration={"Enabled": True})
    setup = sign_in(idp, client_id)
    assert setup["ChallengeName"] == "MFA_SETUP"
    associated = idp.associate_software_token(Session=setup["Session"])
    verified = idp.verify_software_token(Session=associated["Session"], UserCode=_code(associated["SecretCode"], cloudtwin_client.now()))
    assert verified["Status"] == "SUCCESS"
    done = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="MFA_SETUP", Session=verified["Session"],
                                         ChallengeResponses={"USERNAME": "alice"})  # fmt: skip
    assert done["AuthenticationResult"]["AccessToken"]
    assert sign_in(idp, client_id)["ChallengeName"] == "SOFTWARE_TOKEN_MFA"


def test_sms_and_email_codes_as_second_factor(idp, pool, client_id, user, endpoint):
    from cognito_helpers import codes

    idp.set_user_pool_mfa_config(
        UserPoolId=pool["Id"], MfaConfiguration="OPTIONAL",
        SmsMfaConfiguration={"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::000000000000:role/sms"}},
        EmailMfaConfiguration={"Message": "Your code is {####}", "Subject": "Code"},
    )  # fmt: skip
    idp.admin_update_user_attributes(UserPoolId=pool["Id"], Username="alice",
                                     UserAttributes=[{"Name": "phone_number", "Value": "+15555550123"}])  # fmt: skip
    idp.admin_set_user_mfa_preference(UserPoolId=pool["Id"], Username="alice",
                                      SMSMfaSettings={"Enabled": True, "PreferredMfa": True})  # fmt: skip
    challenge = sign_in(idp, client_id)
    assert challenge["ChallengeName"] == "SMS_MFA"
    assert challenge["ChallengeParameters"] == {"CODE_DELIVERY_DELIVERY_MEDIUM": "SMS", "CODE_DELIVERY_DESTINATION": "+*******0123"}
    [sent] = codes(endpoint, username="alice", kind="SMS_MFA")
    assert sent["destination"] == "+15555550123"
    with pytest.raises(ClientError) as err:
        idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="SMS_MFA", Session=challenge["Session"],
                                      ChallengeResponses={"USERNAME": "alice", "SMS_MFA_CODE": "x"})  # fmt: skip
    assert err.value.response["Error"] == {"Code": "CodeMismatchException", "Message": "Invalid code received for user"}
    done = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="SMS_MFA", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "alice", "SMS_MFA_CODE": sent["code"]})  # fmt: skip
    assert done["AuthenticationResult"]["AccessToken"]
    idp.admin_set_user_mfa_preference(UserPoolId=pool["Id"], Username="alice", SMSMfaSettings={"Enabled": True, "PreferredMfa": False},
                                      EmailMfaSettings={"Enabled": True})  # fmt: skip
    got = idp.admin_get_user(UserPoolId=pool["Id"], Username="alice")
    assert got["UserMFASettingList"] == ["SMS_MFA", "EMAIL_OTP"] and "PreferredMfaSetting" not in got
    select = sign_in(idp, client_id)
    assert select["ChallengeName"] == "SELECT_MFA_TYPE"
    assert json.loads(select["ChallengeParameters"]["MFAS_CAN_CHOOSE"]) == ["SMS_MFA", "EMAIL_OTP"]
    email = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="SELECT_MFA_TYPE", Session=select["Session"],
                                          ChallengeResponses={"USERNAME": "alice", "ANSWER": "EMAIL_OTP"})  # fmt: skip
    assert email["ChallengeName"] == "EMAIL_OTP"
    sent = codes(endpoint, username="alice", kind="EMAIL_OTP")[-1]
    done = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="EMAIL_OTP", Session=email["Session"],
                                         ChallengeResponses={"USERNAME": "alice", "EMAIL_OTP_CODE": sent["code"]})  # fmt: skip
    assert done["AuthenticationResult"]["IdToken"]


def _post(url: str, form: dict, auth: tuple[str, str] | None = None, host: str | None = None) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    if auth:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode())
    if host:
        request.add_header("Host", host)
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            body = resp.read()
            return resp.status, json.loads(body) if body else None
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_client_credentials_with_resource_server_scopes(idp, pool, endpoint):
    idp.create_resource_server(UserPoolId=pool["Id"], Identifier="orders", Name="Orders",
                               Scopes=[{"ScopeName": "read", "ScopeDescription": "read orders"}])  # fmt: skip
    idp.create_user_pool_domain(UserPoolId=pool["Id"], Domain="shop-auth")
    created = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="machine", GenerateSecret=True,
                                          AllowedOAuthFlows=["client_credentials"], AllowedOAuthScopes=["orders/read"],
                                          AllowedOAuthFlowsUserPoolClient=True)["UserPoolClient"]  # fmt: skip
    cid, secret = created["ClientId"], created["ClientSecret"]
    url = f"{endpoint}/{pool['Id']}/oauth2/token"
    status, body = _post(url, {"grant_type": "client_credentials", "scope": "orders/read"}, (cid, secret))
    assert status == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 3600
    issuer = f"{endpoint}/{pool['Id']}"
    jwks = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json")
    claims = jwt.decode(body["access_token"], jwks.get_signing_key_from_jwt(body["access_token"]).key,
                        algorithms=["RS256"], issuer=issuer)  # fmt: skip
    assert claims["scope"] == "orders/read" and claims["client_id"] == cid and claims["token_use"] == "access"
    assert _post(url, {"grant_type": "client_credentials", "scope": "orders/write"}, (cid, secret)) == (400, {"error": "invalid_scope"})
    assert _post(url, {"grant_type": "client_credentials"}, (cid, "wrong")) == (400, {"error": "invalid_client"})
    port = endpoint.rsplit(":", 1)[1]
    status, body = _post(f"{endpoint}/oauth2/token", {"grant_type": "client_credentials"}, (cid, secret),
                         host=f"shop-auth.auth.us-east-1.localhost:{port}")  # fmt: skip
    assert status == 200 and jwt.decode(body["access_token"], options={"verify_signature": False})["scope"] == "orders/read"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_authorization_code_with_pkce(idp, pool, user, endpoint):
    cid = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="spa", AllowedOAuthFlows=["code"],
                                      AllowedOAuthScopes=["openid", "email"], AllowedOAuthFlowsUserPoolClient=True,
                                      CallbackURLs=["http://localhost:3000/cb"])["UserPoolClient"]["ClientId"]  # fmt: skip
    verifier = "a" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"response_type": "code", "client_id": cid, "redirect_uri": "http://localhost:3000/cb", "scope": "openid email",
              "state": "xyz", "code_challenge": challenge, "code_challenge_method": "S256"}  # fmt: skip
    base = f"{endpoint}/{pool['Id']}/oauth2"
    with urllib.request.urlopen(f"{base}/authorize?{urllib.parse.urlencode(params)}", timeout=5) as resp:
        assert b"<form" in resp.read()
    form = urllib.parse.urlencode({**params, "username": "alice", "password": "Passw0rd!"}).encode()
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as redirect:
        opener.open(urllib.request.Request(f"{base}/authorize", data=form, method="POST"), timeout=5)
    assert redirect.value.code == 302
    location = urllib.parse.urlparse(redirect.value.headers["Location"])
    query = dict(urllib.parse.parse_qsl(location.query))
    assert location.path == "/cb" and query["state"] == "xyz"
    token_form = {"grant_type": "authorization_code", "client_id": cid, "code": query["code"],
                  "redirect_uri": "http://localhost:3000/cb"}  # fmt: skip
    assert _post(f"{base}/token", {**token_form, "code_verifier": "b" * 50})[0] == 400
    with pytest.raises(urllib.error.HTTPError):
        opener.open(urllib.request.Request(f"{base}/authorize", data=form, method="POST"), timeout=5)
    code = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(
        _redirect_location(opener, f"{base}/authorize", form)).query))["code"]  # fmt: skip
    status, body = _post(f"{base}/token", {**token_form, "code": code, "code_verifier": verifier})
    assert status == 200 and {"id_token", "access_token", "refresh_token"} <= set(body)
    access = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert access["scope"] == "openid email"
    request = urllib.request.Request(f"{base}/userInfo", headers={"Authorization": f"Bearer {body['access_token']}"})
    with urllib.request.urlopen(request, timeout=5) as resp:
        info = json.loads(resp.read())
    assert info["email"] == "alice@example.com" and info["username"] == "alice"
    assert _post(f"{base}/revoke", {"token": body["refresh_token"], "client_id": cid}) == (200, None)
    assert _post(f"{base}/token", {"grant_type": "refresh_token", "client_id": cid,
                                   "refresh_token": body["refresh_token"]}) == (400, {"error": "invalid_grant"})  # fmt: skip


def _redirect_location(opener, url: str, form: bytes) -> str:
    try:
        opener.open(urllib.request.Request(url, data=form, method="POST"), timeout=5)
    except urllib.error.HTTPError as redirect:
        return redirect.headers["Location"]
    raise AssertionError("no redirect")
