"""WebSocket APIs: connections held open by the ASGI server (``websocket`` scopes), the
``$connect`` / ``$disconnect`` / ``$default`` and custom routes picked by the API's route
selection expression, and the ``@connections`` management API (``PostToConnection``,
``GetConnection``, ``DeleteConnection``) at ``<api endpoint>/<stage>/@connections/<id>``.

The live connections belong to the provider that owns this object (nothing is kept at
module level); they are not persisted — a restart closes every socket, as on AWS a
deployment of new infrastructure would.
"""

from __future__ import annotations

import asyncio
import json
import secrets
from datetime import datetime, timezone
from typing import Any

from cloudtwin.execute_api import integrations
from cloudtwin.execute_api.integrations import IntegrationError
from cloudtwin.protocol.http import HttpRequest, HttpResponse


def _json(status: int, body: Any, error_type: str | None = None) -> HttpResponse:
    headers = {"Content-Type": "application/json"}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return HttpResponse(status, headers, json.dumps(body).encode() if body is not None else b"")


class Connection:
    def __init__(self, connection_id: str, api_id: str, stage: str, connected_at: float, headers: dict) -> None:
        self.id = connection_id
        self.api_id = api_id
        self.stage = stage
        self.connected_at = connected_at
        self.last_active = connected_at
        self.headers = headers
        self.outbox: asyncio.Queue = asyncio.Queue()


class Connections:
    def __init__(self, env: Any) -> None:
        self.env = env
        self.live: dict[str, Connection] = {}

    # -- a connection's life ----------------------------------------------------------------------

    async def run(self, provider: Any, store: Any, record: dict, scope: dict, receive: Any, send: Any, path: str) -> None:
        api = record["api"]
        stage_name = path.strip("/").split("/", 1)[0]
        stage = record["stages"].get(stage_name)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers") or []}
        message = await receive()  # websocket.connect
        if stage is None or message.get("type") != "websocket.connect":
            await send({"type": "websocket.close", "code": 1008})
            return
        config = record
        if not stage.get("AutoDeploy") and stage.get("DeploymentId"):
            config = (record["deployments"].get(stage["DeploymentId"]) or {}).get("_snapshot") or record
        connection = Connection(secrets.token_urlsafe(10) + "=", api["ApiId"], stage_name,
                                self.env.clock.now(), headers)  # fmt: skip
        query = scope.get("query_string", b"").decode("latin-1")
        context = dict(provider=provider, store=store, api=api, config=config, stage=stage, query=query)
        connect = self._route(config, "$connect")
        if connect is not None:
            status, _ = await self._invoke(connection, connect, "CONNECT", None, context)
            if status >= 400:
                await send({"type": "websocket.close", "code": 1008})
                return
        await send({"type": "websocket.accept"})
        self.live[connection.id] = connection
        sender = asyncio.create_task(self._pump(connection, send))
        try:
            while True:
                message = await receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message["type"] != "websocket.receive":
                    continue
                connection.last_active = self.env.clock.now()
                text = message.get("text")
                if text is None:
                    text = (message.get("bytes") or b"").decode("utf-8", "replace")
                await self._message(connection, text, context)
        finally:
            self.live.pop(connection.id, None)
            sender.cancel()
            disconnect = self._route(config, "$disconnect")
            if disconnect is not None:
                try:
                    await self._invoke(connection, disconnect, "DISCONNECT", None, context)
                except Exception:  # noqa: BLE001 - the client is gone; nobody to tell
                    pass

    async def _pump(self, connection: Connection, send: Any) -> None:
        while True:
            item = await connection.outbox.get()
            if item is None:
                await send({"type": "websocket.close", "code": 1000})
                return
            await send({"type": "websocket.send", "text": item})

    async def _message(self, connection: Connection, text: str, context: dict) -> None:
        api, config = context["api"], context["config"]
        key = self._select(api.get("RouteSelectionExpression") or "", text)
        route = self._route(config, key) if key is not None else None
        if route is None:
            route = self._route(config, "$default")
        if route is None:
            connection.outbox.put_nowait(json.dumps({
                "message": "Forbidden", "connectionId": connection.id, "requestId": secrets.token_hex(8),
            }))  # fmt: skip
            return
        status, body = await self._invoke(connection, route, "MESSAGE", text, context)
        if route.get("RouteResponseSelectionExpression") and body is not None:
            connection.outbox.put_nowait(body)

    @staticmethod
    def _select(expression: str, text: str) -> str | None:
        """Evaluate a route selection expression (``$request.body.action``) on a message."""
        if not expression.startswith("$request.body"):
            return expression or None
        from cloudtwin.execute_api.vtl import json_path

        try:
            document = json.loads(text)
        except ValueError:
            return None
        value = json_path(document, "$" + expression[len("$request.body"):])
        return value if isinstance(value, str) else None

    @staticmethod
    def _route(config: dict, key: str) -> dict | None:
        return next((r for r in config["routes"].values() if r.get("RouteKey") == key), None)

    async def _invoke(self, connection: Connection, route: dict, event_type: str, body: str | None,
                      context: dict) -> tuple[int, str | None]:
        config, api, store = context["config"], context["api"], context["store"]
        target = route.get("Target") or ""
        integration = config["integrations"].get(target.split("/", 1)[1]) if target.startswith("integrations/") else None
        if integration is None or integration.get("IntegrationType") == "MOCK":
            return 200, None
        now = self.env.clock.now()
        host = connection.headers.get("host", "").split(":")[0]
        event: dict[str, Any] = {
            "requestContext": {
                "routeKey": route["RouteKey"], "eventType": event_type, "extendedRequestId": secrets.token_hex(8),
                "requestTime": datetime.fromtimestamp(now, timezone.utc).strftime("%d/%b/%Y:%H:%M:%S +0000"),
                "messageDirection": "IN", "stage": connection.stage, "connectedAt": int(connection.connected_at * 1000),
                "requestTimeEpoch": int(now * 1000), "identity": {"sourceIp": "127.0.0.1"},
                "requestId": secrets.token_hex(8), "domainName": host, "connectionId": connection.id,
                "apiId": api["ApiId"],
            },
            "isBase64Encoded": False,
        }  # fmt: skip
        if event_type == "MESSAGE":
            event["requestContext"]["messageId"] = secrets.token_hex(8)
            event["body"] = body
        if event_type == "CONNECT":
            event["headers"] = connection.headers
            event["multiValueHeaders"] = {k: [v] for k, v in connection.headers.items()}
            if context["query"]:
                from urllib.parse import parse_qsl

                event["queryStringParameters"] = dict(parse_qsl(context["query"]))
        try:
            outcome = await integrations.call_lambda(self.env.internal, integration.get("IntegrationUri") or "",
                                                     json.dumps(event).encode(), account_id=store.account_id,
                                                     region=store.region)  # fmt: skip
        except IntegrationError:
            return 500, None
        if outcome.function_error:
            return 500, None
        try:
            result = json.loads(outcome.body or b"null")
        except ValueError:
            return 200, outcome.body.decode("utf-8", "replace")
        if isinstance(result, dict) and "statusCode" in result:
            answer = result.get("body")
            return int(result.get("statusCode") or 200), answer if answer is None or isinstance(answer, str) else json.dumps(answer)
        return 200, None if result is None else (result if isinstance(result, str) else json.dumps(result))

    # -- the @connections API ---------------------------------------------------------------------

    async def management(self, request: HttpRequest, record: dict, path: str) -> HttpResponse:
        """The ``@connections`` API (botocore's ``apigatewaymanagementapi``), answered in its
        own wire protocol by the model-driven serializer."""
        from urllib.parse import unquote

        from cloudtwin.protocol.errors import ServiceError
        from cloudtwin.protocol.serializers import get_serializer

        model = self.env.catalog.service_model("apigatewaymanagementapi")
        serializer = get_serializer(model.protocol)
        request_id = secrets.token_hex(16)
        parts = [unquote(p) for p in path.strip("/").split("/")]
        operation = {"POST": "PostToConnection", "GET": "GetConnection", "DELETE": "DeleteConnection"}.get(request.method)
        if len(parts) != 3 or parts[1] != "@connections" or operation is None:
            return _json(403, {"message": "Forbidden"}, "ForbiddenException")
        op_model = model.operation_model(operation)
        connection = self.live.get(parts[2])
        if connection is None or connection.api_id != record["api"]["ApiId"]:
            return serializer.serialize_error(ServiceError("GoneException", "", 410), model, op_model, request_id)
        if operation == "PostToConnection":
            data = request.body or b""
            if len(data) > 128 * 1024:
                error = ServiceError("PayloadTooLargeException", "Message too long", 413)
                return serializer.serialize_error(error, model, op_model, request_id)
            connection.outbox.put_nowait(data.decode("utf-8", "replace"))
            result: dict[str, Any] = {}
        elif operation == "GetConnection":
            result = {
                "ConnectedAt": connection.connected_at, "LastActiveAt": connection.last_active,
                "Identity": {"SourceIp": "127.0.0.1", "UserAgent": connection.headers.get("user-agent", "")},
            }  # fmt: skip
        else:
            self.live.pop(connection.id, None)
            connection.outbox.put_nowait(None)
            result = {}
        return serializer.serialize_result(result, op_model, request_id)
