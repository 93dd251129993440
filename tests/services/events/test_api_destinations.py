"""API destination targets: EventBridge calls the endpoint (a loopback server here) with
the connection's authorization — API key, basic, or an OAuth client-credentials token."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from events_helpers import eventually


@pytest.fixture
def receiver():
    calls: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            calls.append({"path": self.path, "headers": dict(self.headers), "body": body})
            if self.path.startswith("/token"):
                payload = json.dumps({"access_token": "tok-1", "expires_in": 3600}).encode()
            else:
                payload = b"{}"
            self.send_response(500 if self.path.startswith("/fail") else 200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", calls
    server.shutdown()


def _destination(events, base: str, auth_type: str, auth: dict, path: str = "/hook/*") -> str:
    connection = events.create_connection(Name=f"c-{auth_type.lower()}", AuthorizationType=auth_type,
                                          AuthParameters=auth)["ConnectionArn"]
    return events.create_api_destination(Name=f"d-{auth_type.lower()}", ConnectionArn=connection,
                                         InvocationEndpoint=base + path, HttpMethod="POST")["ApiDestinationArn"]


def _route(events, arn: str, **target) -> None:
    events.put_rule(Name="to-http", EventPattern='{"source": ["app"]}')
    events.put_targets(Rule="to-http", Targets=[{"Id": "h", "Arn": arn, "RoleArn": "arn:aws:iam::000000000000:role/r",
                                                 "InputPath": "$.detail", **target}])
    events.put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": '{"n": 1}'}])


def test_api_key_connection_sends_its_header(aws_client, receiver):
    base, calls = receiver
    events = aws_client("events")
    arn = _destination(events, base, "API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "x-key", "ApiKeyValue": "s3cr3t"}})
    _route(events, arn, HttpParameters={"PathParameterValues": ["orders"], "HeaderParameters": {"x-extra": "1"}})
    [call] = eventually(lambda: calls)
    assert call["path"] == "/hook/orders"
    assert call["headers"]["x-key"] == "s3cr3t"
    assert call["headers"]["x-extra"] == "1"
    assert json.loads(call["body"]) == {"n": 1}


def test_basic_connection(aws_client, receiver):
    base, calls = receiver
    events = aws_client("events")
    arn = _destination(events, base, "BASIC", {"BasicAuthParameters": {"Username": "u", "Password": "p"}})
    _route(events, arn, HttpParameters={"PathParameterValues": ["x"]})
    [call] = eventually(lambda: calls)
    assert call["headers"]["Authorization"] == "Basic dTpw"


def test_oauth_client_credentials_fetches_a_token_first(aws_client, receiver):
    base, calls = receiver
    events = aws_client("events")
    auth = {"OAuthParameters": {
        "AuthorizationEndpoint": base + "/token", "HttpMethod": "POST",
        "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
        "OAuthHttpParameters": {"BodyParameters": [{"Key": "grant_type", "Value": "client_credentials"}]},
    }}
    connection = events.create_connection(Name="c-oauth", AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
                                          AuthParameters=auth)
    assert connection["ConnectionState"] == "AUTHORIZING"
    assert eventually(lambda: events.describe_connection(Name="c-oauth")["ConnectionState"] == "AUTHORIZED")
    destination = events.create_api_destination(Name="d-oauth", ConnectionArn=connection["ConnectionArn"],
                                                InvocationEndpoint=base + "/hook", HttpMethod="POST")
    assert destination["ApiDestinationState"] == "ACTIVE"
    _route(events, destination["ApiDestinationArn"])
    assert eventually(lambda: len(calls) == 2)
    token_call, call = calls
    assert token_call["path"] == "/token"
    assert token_call["headers"]["Authorization"] == "Basic aWQ6c2VjcmV0"
    assert token_call["body"] == "grant_type=client_credentials"
    assert call["headers"]["Authorization"] == "Bearer tok-1"


def test_failing_endpoint_is_retried_then_dead_lettered(aws_client, receiver, cloudtwin_client):
    from events_helpers import queue, receive

    base, calls = receiver
    events = aws_client("events")
    dlq_url, dlq_arn = queue(aws_client, "http-dlq")
    cloudtwin_client.freeze()
    arn = _destination(events, base, "API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}},
                       path="/fail")
    _route(events, arn, RetryPolicy={"MaximumRetryAttempts": 1, "MaximumEventAgeInSeconds": 60},
           DeadLetterConfig={"Arn": dlq_arn})
    assert eventually(lambda: len(calls) == 1)
    cloudtwin_client.advance(1)
    assert eventually(lambda: len(calls) == 2)
    [message] = eventually(lambda: receive(aws_client, dlq_url))
    assert message["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "INTERNAL_ERROR"


def test_invocation_rate_limit_holds_calls_to_the_next_second(aws_client, receiver, cloudtwin_client, endpoint):
    from events_helpers import deliveries

    base, calls = receiver
    events = aws_client("events")
    cloudtwin_client.freeze()
    connection = events.create_connection(Name="c-rate", AuthorizationType="API_KEY",
                                          AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
    arn = events.create_api_destination(Name="d-rate", ConnectionArn=connection["ConnectionArn"], HttpMethod="POST",
                                        InvocationEndpoint=base + "/hook", InvocationRateLimitPerSecond=1)["ApiDestinationArn"]
    events.put_rule(Name="to-http", EventPattern='{"source": ["app"]}')
    events.put_targets(Rule="to-http", Targets=[{"Id": "h", "Arn": arn, "RoleArn": "arn:aws:iam::000000000000:role/r"}])
    events.put_events(Entries=[{"Source": "app", "DetailType": "t", "Detail": '{"n": %d}' % n} for n in (1, 2)])
    def throttled():
        return [a for d in deliveries(endpoint, rule="to-http") for a in d["attempts"] if a.get("error_code") == "Throttling"]

    assert eventually(lambda: len(calls) == 1 and len(throttled()) == 1)  # the second waits: one call per second
    assert len(calls) == 1
    cloudtwin_client.advance(1)
    assert eventually(lambda: len(calls) == 2)


def test_oauth_method_in_any_case_and_the_connection_secret(aws_client, receiver):
    base, calls = receiver
    events = aws_client("events")
    auth = {"OAuthParameters": {
        "AuthorizationEndpoint": base + "/token", "HttpMethod": "post",
        "ClientParameters": {"ClientID": "id", "ClientSecret": "secret"},
    }}
    events.create_connection(Name="c-lower", AuthorizationType="OAUTH_CLIENT_CREDENTIALS", AuthParameters=auth)
    assert eventually(lambda: events.describe_connection(Name="c-lower")["ConnectionState"] == "AUTHORIZED")
    assert calls[0]["path"] == "/token"
    # the connection keeps its credentials in a Secrets Manager secret of its own
    secret_arn = events.describe_connection(Name="c-lower")["SecretArn"]
    secret = json.loads(aws_client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"])
    assert secret["client_id"] == "id" and secret["http_method"] == "post"
