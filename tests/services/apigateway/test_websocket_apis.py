"""WebSocket APIs with a real WebSocket client (the ``websockets`` package): ``$connect``
deciding who may connect, custom routes picked by ``$request.body.action``, ``$default``,
a two-way route answering on the socket, ``$disconnect`` — and the ``@connections`` API
(``PostToConnection``, ``GetConnection``, ``DeleteConnection``) through boto3."""

from __future__ import annotations

import asyncio
import json

import pytest
from botocore.exceptions import ClientError
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

HANDLER = """
import json
def handler(event, context):
    ctx = event["requestContext"]
    if ctx["eventType"] == "CONNECT":
        allowed = (event.get("queryStringParameters") or {}).get("token") == "ok"
        return {"statusCode": 200 if allowed else 403}
    if ctx["eventType"] == "DISCONNECT":
        return {"statusCode": 200}
    body = json.loads(event["body"])
    return {"statusCode": 200, "body": json.dumps({"route": ctx["routeKey"], "got": body,
                                                    "connectionId": ctx["connectionId"]})}
"""


@pytest.fixture
def websocket_api(aws_client, function):
    v2 = aws_client("apigatewayv2")
    arn = function("ws-handler", HANDLER)
    api = v2.create_api(Name="chat", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action")
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    integration = v2.create_integration(ApiId=api["ApiId"], IntegrationType="AWS_PROXY", IntegrationUri=uri)
    target = f"integrations/{integration['IntegrationId']}"
    for key in ("$connect", "$disconnect", "$default"):
        v2.create_route(ApiId=api["ApiId"], RouteKey=key, Target=target)
    v2.create_route(ApiId=api["ApiId"], RouteKey="echo", Target=target, RouteResponseSelectionExpression="$default")
    v2.create_stage(ApiId=api["ApiId"], StageName="live", AutoDeploy=True)
    return api


def test_a_websocket_client_exchanges_messages(websocket_api, aws_client, endpoint):
    api_id = websocket_api["ApiId"]
    assert websocket_api["ApiEndpoint"].startswith("ws://")
    base = endpoint.replace("http://", "ws://")
    host = f"{api_id}.execute-api.localhost"
    management = aws_client("apigatewaymanagementapi", endpoint_url=f"{endpoint}/_aws/execute-api/{api_id}/live")

    async def scenario() -> None:
        with pytest.raises(InvalidStatus):  # $connect answered 403: the handshake is refused
            async with connect(f"{base}/live?token=bad", additional_headers={"Host": host}):
                pass
        async with connect(f"{base}/live?token=ok", additional_headers={"Host": host}) as ws:
            await ws.send(json.dumps({"action": "echo", "text": "hi"}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert answer["route"] == "echo" and answer["got"] == {"action": "echo", "text": "hi"}
            connection_id = answer["connectionId"]
            # the $default route has no route response: nothing comes back on the socket
            await ws.send("not json")
            info = await asyncio.to_thread(management.get_connection, ConnectionId=connection_id)
            assert info["Identity"]["SourceIp"] == "127.0.0.1"
            await asyncio.to_thread(management.post_to_connection, ConnectionId=connection_id, Data=b"pushed")
            assert await asyncio.wait_for(ws.recv(), 10) == "pushed"
            await asyncio.to_thread(management.delete_connection, ConnectionId=connection_id)
            await asyncio.wait_for(ws.wait_closed(), 10)
        with pytest.raises(ClientError) as excinfo:
            await asyncio.to_thread(management.post_to_connection, ConnectionId=connection_id, Data=b"late")
        assert excinfo.value.response["Error"]["Code"] == "GoneException"
        assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 410

    asyncio.run(scenario())
