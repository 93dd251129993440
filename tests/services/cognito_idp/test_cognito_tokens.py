"""Signing in with a password, and the tokens: RS256 JWTs that a standard JWT library
verifies against the pool's JWKS URL, with AWS's claims; a tampered token refused."""

from __future__ import annotations

import base64
import json
import urllib.request

import jwt
import pytest
from botocore.exceptions import ClientError
from cognito_helpers import PASSWORD, sign_in


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_tokens_verify_against_the_pool_jwks_url(idp, pool, client_id, user, endpoint):
    idp.create_group(UserPoolId=pool["Id"], GroupName="admins", Precedence=1)
    idp.admin_add_user_to_group(UserPoolId=pool["Id"], Username=user, GroupName="admins")
    result = sign_in(idp, client_id)["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600 and result["RefreshToken"]
    issuer = f"{endpoint}/{pool['Id']}"
    jwks = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json")
    id_token = result["IdToken"]
    claims = jwt.decode(id_token, jwks.get_signing_key_from_jwt(id_token).key, algorithms=["RS256"],
                        audience=client_id, issuer=issuer)  # fmt: skip
    assert claims["token_use"] == "id" and claims["cognito:username"] == "alice"
    assert claims["email"] == "alice@example.com" and claims["email_verified"] is True
    assert claims["cognito:groups"] == ["admins"]
    for name in ("sub", "origin_jti", "event_id", "auth_time", "exp", "iat", "jti"):
        assert name in claims
    access = result["AccessToken"]
    aclaims = jwt.decode(access, jwks.get_signing_key_from_jwt(access).key, algorithms=["RS256"], issuer=issuer)
    assert aclaims["token_use"] == "access" and aclaims["client_id"] == client_id
    assert aclaims["scope"] == "aws.cognito.signin.user.admin" and aclaims["username"] == "alice"
    assert aclaims["origin_jti"] == claims["origin_jti"] and aclaims["sub"] == claims["sub"]
    assert "aud" not in aclaims and aclaims["exp"] - aclaims["iat"] == 3600


def test_a_tampered_token_is_refused(idp, pool, client_id, user, endpoint):
    access = sign_in(idp, client_id)["AuthenticationResult"]["AccessToken"]
    header, body, signature = access.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["username"] = "mallory"
    forged = ".".join([header, base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode(), signature])
    jwks = jwt.PyJWKClient(f"{endpoint}/{pool['Id']}/.well-known/jwks.json")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, jwks.get_signing_key_from_jwt(forged).key, algorithms=["RS256"])
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=forged)
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Invalid Access Token"}


def test_openid_configuration_names_the_issuer_and_jwks(pool, endpoint):
    status, doc = _get(f"{endpoint}/{pool['Id']}/.well-known/openid-configuration")
    assert status == 200
    assert doc["issuer"] == f"{endpoint}/{pool['Id']}"
    assert doc["jwks_uri"] == f"{endpoint}/{pool['Id']}/.well-known/jwks.json"
    status, doc = _get(f"{endpoint}/us-east-1_NoSuchPool/.well-known/jwks.json")
    assert status == 404 and doc == {"message": "User pool us-east-1_NoSuchPool does not exist."}


def test_get_user_and_wrong_passwords(idp, pool, client_id, user):
    access = sign_in(idp, client_id)["AuthenticationResult"]["AccessToken"]
    got = idp.get_user(AccessToken=access)
    assert got["Username"] == "alice"
    assert {"Name": "email", "Value": "alice@example.com"} in got["UserAttributes"]
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, password="Wrong0ne!")
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Incorrect username or password."}
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, username="nobody")
    assert err.value.response["Error"] == {"Code": "UserNotFoundException", "Message": "User does not exist."}


def test_admin_auth_and_flows_not_enabled(idp, pool, user):
    only_srp = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="srp",
                                           ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])  # fmt: skip
    cid = only_srp["UserPoolClient"]["ClientId"]
    with pytest.raises(ClientError) as err:
        sign_in(idp, cid)
    assert err.value.response["Error"] == {"Code": "InvalidParameterException",
                                           "Message": "USER_PASSWORD_AUTH flow not enabled for this client"}  # fmt: skip
    admin = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="admin",
                                        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]  # fmt: skip
    out = idp.admin_initiate_auth(UserPoolId=pool["Id"], ClientId=admin, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                  AuthParameters={"USERNAME": "ALICE", "PASSWORD": PASSWORD})  # fmt: skip
    assert out["AuthenticationResult"]["AccessToken"]


def test_secret_hash_is_checked(idp, pool, user):
    import hashlib
    import hmac

    created = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="server", GenerateSecret=True,
                                          ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]  # fmt: skip
    cid, secret = created["ClientId"], created["ClientSecret"]
    with pytest.raises(ClientError) as err:
        sign_in(idp, cid)
    assert err.value.response["Error"]["Message"] == f"Client {cid} is configured with secret but SECRET_HASH was not received"
    good = base64.b64encode(hmac.new(secret.encode(), f"alice{cid}".encode(), hashlib.sha256).digest()).decode()
    for value, ok in (("bm9wZQ==", False), (good, True)):
        params = {"USERNAME": "alice", "PASSWORD": PASSWORD, "SECRET_HASH": value}
        if ok:
            assert idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)["AuthenticationResult"]
        else:
            with pytest.raises(ClientError) as err:
                idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters=params)
            assert err.value.response["Error"]["Message"] == f"Unable to verify secret hash for client {cid}"


def test_access_token_expires_on_the_virtual_clock(idp, pool, client_id, user, cloudtwin_client):
    access = sign_in(idp, client_id)["AuthenticationResult"]["AccessToken"]
    cloudtwin_client.advance(3601)
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=access)
    assert err.value.response["Error"]["Message"] == "Access Token has expired"


def test_pool_paths_leave_s3_alone(idp, pool, aws_client, endpoint):
    """A pool id has an underscore, so no bucket is named like one; on a virtual-host bucket
    the same path is an object key, and S3 answers it."""
    import http.client

    s3 = aws_client("s3")
    s3.create_bucket(Bucket="keys")
    key = f"{pool['Id']}/.well-known/jwks.json"
    s3.put_object(Bucket="keys", Key=key, Body=b"an object")
    host, port = endpoint.split("//", 1)[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request("GET", f"/{key}", headers={"Host": f"keys.s3.localhost:{port}"})
    response = conn.getresponse()
    assert (response.status, response.read()) == (200, b"an object")
    conn.request("GET", f"/{pool['Id']}/no-such-endpoint")
    response = conn.getresponse()
    assert response.status == 404 and json.loads(response.read()) == {"message": "Not Found"}
    conn.close()
    assert s3.get_object(Bucket="keys", Key=key)["Body"].read() == b"an object"
