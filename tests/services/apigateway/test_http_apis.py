"""HTTP APIs (API Gateway v2) over plain HTTP: quick create to a Lambda function (payload
2.0), routes with path variables and ``$default``, payload 1.0, an HTTP proxy, CORS, a JWT
authorizer verifying RS256 tokens against a loopback issuer's JWKS (a tampered or expired
token is refused), and a Lambda REQUEST authorizer with simple responses."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ECHO = """
import json
def handler(event, context):
    if event.get("rawPath", "").endswith("/plain"):
        return {"plain": True}
    return {"statusCode": 200, "headers": {"x-version": event.get("version", "1.0")}, "cookies": ["c=1"],
            "body": json.dumps({"routeKey": event.get("routeKey") or event["requestContext"].get("routeKey"),
                                "path": event.get("rawPath") or event.get("path"),
                                "params": event.get("pathParameters"), "query": event.get("queryStringParameters"),
                                "body": event.get("body"), "stage": event["requestContext"]["stage"],
                                "authorizer": event["requestContext"].get("authorizer")})}
"""


@pytest.fixture
def v2(aws_client):
    return aws_client("apigatewayv2")


def test_quick_create_serves_a_lambda_function_with_payload_2_0(v2, call, function):
    arn = function("http-echo", ECHO)
    api = v2.create_api(Name="quick", ProtocolType="HTTP", Target=arn)
    assert api["ApiEndpoint"].startswith(f"http://{api['ApiId']}.execute-api.")
    assert api["RouteSelectionExpression"] == "$request.method $request.path"
    assert [r["RouteKey"] for r in v2.get_routes(ApiId=api["ApiId"])["Items"]] == ["$default"]
    assert v2.get_stages(ApiId=api["ApiId"])["Items"][0]["AutoDeploy"] is True
    response = call(api["ApiId"], "/any/path?a=1&a=2", "POST", content=b"hello")
    assert response.status_code == 200, response.text
    assert response.headers["x-version"] == "2.0" and response.headers["set-cookie"] == "c=1"
    assert response.json() == {"routeKey": "$default", "path": "/any/path", "params": None,
                               "query": {"a": "1,2"}, "body": "hello", "stage": "$default", "authorizer": None}
    plain = call(api["ApiId"], "/plain")
    assert plain.status_code == 200 and plain.json() == {"plain": True}  # a non-proxy-shaped answer is the body


def test_routes_stages_and_payload_1_0(v2, call, function):
    arn = function("http-echo-1", ECHO)
    api = v2.create_api(Name="routes", ProtocolType="HTTP")
    v1 = v2.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=arn,
                               PayloadFormatVersion="1.0")  # fmt: skip
    v2.create_route(ApiId=api["ApiId"], RouteKey="GET /pets/{id}", Target=f"integrations/{v1['IntegrationId']}")
    with pytest.raises(ClientError) as excinfo:
        v2.create_route(ApiId=api["ApiId"], RouteKey="GET /pets/{id}")
    assert excinfo.value.response["Error"]["Code"] == "ConflictException"
    v2.create_stage(ApiId=api["ApiId"], StageName="dev", AutoDeploy=True)
    response = call(api["ApiId"], "/dev/pets/7")
    assert response.status_code == 200 and response.headers["x-version"] == "1.0"
    assert response.json()["params"] == {"id": "7"} and response.json()["stage"] == "dev"
    missing = call(api["ApiId"], "/dev/cats")
    assert missing.status_code == 404 and missing.json() == {"message": "Not Found"}
    # a stage without auto-deploy serves its deployment: nothing until one is made
    v2.create_stage(ApiId=api["ApiId"], StageName="prod")
    assert call(api["ApiId"], "/prod/pets/1").status_code == 404
    v2.create_deployment(ApiId=api["ApiId"], StageName="prod")
    assert call(api["ApiId"], "/prod/pets/1").status_code == 200
    with pytest.raises(ClientError) as excinfo:
        v2.get_api(ApiId="nope")
    assert excinfo.value.response["Error"]["Code"] == "NotFoundException"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Issuer:
    """A loopback OpenID issuer: an RSA key pair, its JWKS served over HTTP, tokens signed RS256."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        jwks = {"keys": [{"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig",
                          "n": _b64(numbers.n.to_bytes(256, "big")), "e": _b64(numbers.e.to_bytes(3, "big"))}]}
        body = json.dumps(jwks).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200 if self.path.endswith("/.well-known/jwks.json") else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pool"

    def token(self, **claims) -> str:
        header = _b64(json.dumps({"alg": "RS256", "kid": "k1", "typ": "JWT"}).encode())
        payload = _b64(json.dumps({"iss": self.url, "aud": "client-1", "exp": int(time.time()) + 3600,
                                   "sub": "user-1", **claims}).encode())  # fmt: skip
        signature = self.key.sign(f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{header}.{payload}.{_b64(signature)}"


@pytest.fixture
def issuer():
    issuer = Issuer()
    yield issuer
    issuer.server.shutdown()


def test_a_jwt_authorizer_accepts_a_signed_token_and_refuses_a_tampered_one(v2, call, function, issuer, cloudtwin_client):
    arn = function("http-echo-jwt", ECHO)
    api = v2.create_api(Name="jwt", ProtocolType="HTTP", Target=arn)
    authorizer = v2.create_authorizer(ApiId=api["ApiId"], Name="jwt", AuthorizerType="JWT",
                                      IdentitySource=["$request.header.Authorization"],
                                      JwtConfiguration={"Issuer": issuer.url, "Audience": ["client-1"]})
    route = v2.get_routes(ApiId=api["ApiId"])["Items"][0]
    v2.update_route(ApiId=api["ApiId"], RouteId=route["RouteId"], AuthorizationType="JWT",
                    AuthorizerId=authorizer["AuthorizerId"])
    assert call(api["ApiId"], "/x").status_code == 401
    good = issuer.token(scope="read")
    response = call(api["ApiId"], "/x", headers={"Authorization": f"Bearer {good}"})
    assert response.status_code == 200, response.text
    assert response.json()["authorizer"]["jwt"]["claims"]["sub"] == "user-1"
    header, payload, signature = good.split(".")
    forged = _b64(json.dumps({"iss": issuer.url, "aud": "client-1", "exp": int(time.time()) + 3600,
                              "sub": "admin"}).encode())  # fmt: skip
    tampered = call(api["ApiId"], "/x", headers={"Authorization": f"Bearer {header}.{forged}.{signature}"})
    assert tampered.status_code == 401 and tampered.json() == {"message": "Unauthorized"}
    wrong_audience = issuer.token(aud="someone-else")
    assert call(api["ApiId"], "/x", headers={"Authorization": wrong_audience}).status_code == 401
    cloudtwin_client.advance(7200)  # the token's exp passes on the virtual clock
    assert call(api["ApiId"], "/x", headers={"Authorization": good}).status_code == 401


AUTHZ = """
def handler(event, context):
    return {"isAuthorized": event["identitySource"] == ["let-me-in"], "context": {"who": "tester"}}
"""


def test_a_lambda_authorizer_with_simple_responses(v2, call, function):
    echo = function("http-echo-lam", ECHO)
    authz = function("http-authz", AUTHZ)
    api = v2.create_api(Name="lam-auth", ProtocolType="HTTP", Target=echo)
    authorizer = v2.create_authorizer(
        ApiId=api["ApiId"], Name="simple", AuthorizerType="REQUEST", IdentitySource=["$request.header.x-token"],
        AuthorizerUri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{authz}/invocations",
        AuthorizerPayloadFormatVersion="2.0", EnableSimpleResponses=True,
    )  # fmt: skip
    route = v2.get_routes(ApiId=api["ApiId"])["Items"][0]
    v2.update_route(ApiId=api["ApiId"], RouteId=route["RouteId"], AuthorizationType="CUSTOM",
                    AuthorizerId=authorizer["AuthorizerId"])
    assert call(api["ApiId"], "/y").status_code == 401
    assert call(api["ApiId"], "/y", headers={"x-token": "nope"}).status_code == 403
    allowed = call(api["ApiId"], "/y", headers={"x-token": "let-me-in"})
    assert allowed.status_code == 200 and allowed.json()["authorizer"] == {"lambda": {"who": "tester"}}


def test_cors_preflight_and_headers(v2, call, function):
    arn = function("http-echo-cors", ECHO)
    api = v2.create_api(Name="cors", ProtocolType="HTTP", Target=arn, CorsConfiguration={
        "AllowOrigins": ["http://app.example"], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["x-token"],
        "MaxAge": 60})  # fmt: skip
    preflight = call(api["ApiId"], "/z", "OPTIONS", headers={"Origin": "http://app.example",
                                                              "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "http://app.example"
    assert preflight.headers["access-control-allow-methods"] == "GET,POST"
    assert preflight.headers["access-control-max-age"] == "60"
    response = call(api["ApiId"], "/z", headers={"Origin": "http://app.example"})
    assert response.headers["access-control-allow-origin"] == "http://app.example"
    assert "access-control-allow-origin" not in call(api["ApiId"], "/z", headers={"Origin": "http://evil"}).headers


def test_a_max_results_that_is_not_a_number_is_refused(aws_client):
    """apigatewayv2's MaxResults is a string in the model: a non-number is a 400, not a crash."""
    import pytest
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as error:
        aws_client("apigatewayv2").get_apis(MaxResults="many")
    assert error.value.response["Error"]["Code"] == "BadRequestException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
