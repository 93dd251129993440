"""Connections (the authorization an API destination sends: API key, basic, OAuth client
credentials) and API destinations, stored and answered as AWS does. Secrets (key values,
passwords, client secrets) are kept but never shown by Describe, as in AWS."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.events.http_targets import is_loopback

Params = dict[str, Any]
log = logging.getLogger("cloudtwin.events")

#: members holding secrets, left out of DescribeConnection's AuthParameters
_SECRET_MEMBERS = {"ApiKeyValue", "Password", "ClientSecret"}


def _public(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _public(v) for k, v in value.items() if k not in _SECRET_MEMBERS}
    if isinstance(value, list):
        return [_public(v) for v in value]
    return value


def _http_parameters(value: Any) -> Any:
    """Invocation HTTP parameters marked secret show without their values."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if isinstance(item, list):
                out[key] = [
                    {k: v for k, v in p.items() if not (k == "Value" and p.get("IsValueSecret"))} for p in item
                ]
            else:
                out[key] = item
        return out
    return value


def _secret_document(authorization: str, auth: Params) -> str:
    """What AWS keeps in the connection's Secrets Manager secret."""
    if authorization == "BASIC":
        basic = auth.get("BasicAuthParameters") or {}
        doc = {"username": basic.get("Username"), "password": basic.get("Password")}
    elif authorization == "API_KEY":
        key = auth.get("ApiKeyAuthParameters") or {}
        doc = {"api_key_name": key.get("ApiKeyName"), "api_key_value": key.get("ApiKeyValue")}
    else:
        oauth = auth.get("OAuthParameters") or {}
        client = oauth.get("ClientParameters") or {}
        doc = {"client_id": client.get("ClientID"), "client_secret": client.get("ClientSecret"),
               "authorization_endpoint": oauth.get("AuthorizationEndpoint"), "http_method": oauth.get("HttpMethod")}
    if "InvocationHttpParameters" in auth:
        doc["invocation_http_parameters"] = _snake(auth["InvocationHttpParameters"])
    return json.dumps(doc)


def _snake(value: Any) -> Any:
    """``HeaderParameters`` -> ``header_parameters``, all the way down (the secret's casing)."""
    if isinstance(value, dict):
        return {re.sub(r"(?<!^)(?=[A-Z])", "_", k).lower(): _snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_snake(v) for v in value]
    return value


class ConnectionsMixin:
    def _write_secret(self, ctx: RequestContext, connection: Params) -> None:
        """Create or update the connection's secret in Secrets Manager (when cloudtwin has it)."""
        document = _secret_document(connection["AuthorizationType"], connection.get("AuthParameters") or {})
        internal = self.env.internal
        try:
            if connection.get("SecretArn"):
                internal.call("secretsmanager", "PutSecretValue",
                              {"SecretId": connection["SecretArn"], "SecretString": document},
                              account_id=ctx.account_id, region=ctx.region)
            else:
                name = f"events!connection/{connection['Name']}/{uuid.uuid4()}"
                out = internal.call("secretsmanager", "CreateSecret", {"Name": name, "SecretString": document},
                                    account_id=ctx.account_id, region=ctx.region)
                connection["SecretArn"] = out["ARN"]
        except ServiceError as error:
            log.warning("connection secret for %s not written: %s %s", connection["Name"], error.code, error.message)
            connection.setdefault(
                "SecretArn",
                f"arn:{ctx.partition}:secretsmanager:{ctx.region}:{ctx.account_id}:secret:"
                f"events!connection/{connection['Name']}/{uuid.uuid4()}-{secrets.token_hex(3)}",
            )


    # -- connections ------------------------------------------------------------------------------

    def _connection(self, store: Any, name: str) -> Params:
        connection = store.connections.get(name)
        if connection is None:
            raise ServiceError("ResourceNotFoundException",
                               f"Failed to describe the connection(s). Connection '{name}' does not exist.")
        return connection

    def _authorize_soon(self, store: Any, connection: Params) -> None:
        """An OAuth connection is AUTHORIZING until EventBridge has fetched a token: from a
        loopback authorization endpoint cloudtwin does so right after the request (AUTHORIZED,
        or DEAUTHORIZED when the endpoint refuses); other endpoints are never called."""
        if connection["ConnectionState"] != "AUTHORIZING":
            return
        endpoint = ((connection.get("AuthParameters") or {}).get("OAuthParameters") or {}).get("AuthorizationEndpoint", "")
        if not is_loopback(endpoint):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        async def authorize() -> None:
            name = connection["Name"]
            try:
                await self.dispatcher.http.token(connection)
                state, reason = "AUTHORIZED", None
            except ServiceError as error:
                state, reason = "DEAUTHORIZED", error.message
            current = store.connections.get(name)
            if current is None or current["ConnectionArn"] != connection["ConnectionArn"]:
                return
            current["ConnectionState"] = state
            current["LastAuthorizedTime"] = self.env.clock.now()
            if reason:
                current["StateReason"] = reason
            store.connections[name] = current
            for key, destination in list(store.destinations.items()):
                if destination["ConnectionArn"] == current["ConnectionArn"]:
                    destination["ApiDestinationState"] = "ACTIVE" if state == "AUTHORIZED" else "INACTIVE"
                    store.destinations[key] = destination

        loop.create_task(authorize())

    def _connection_state(self, authorization: str) -> str:
        return "AUTHORIZING" if authorization == "OAUTH_CLIENT_CREDENTIALS" else "AUTHORIZED"

    def create_connection(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params["Name"]
        if name in store.connections:
            raise ServiceError("ResourceAlreadyExistsException", f"Connection {name} already exists.")
        now = self.env.clock.now()
        ident = str(uuid.uuid4())
        connection = {
            "Name": name, "ConnectionArn": self._arn(ctx, f"connection/{name}/{ident}"),
            "AuthorizationType": params["AuthorizationType"], "AuthParameters": params.get("AuthParameters") or {},
            "ConnectionState": self._connection_state(params["AuthorizationType"]),
            "CreationTime": now, "LastModifiedTime": now, "LastAuthorizedTime": now,
        }  # fmt: skip
        for key in ("Description", "InvocationConnectivityParameters", "KmsKeyIdentifier"):
            if params.get(key):
                connection[key] = params[key]
        self._write_secret(ctx, connection)
        store.connections[name] = connection
        self._authorize_soon(store, connection)
        return {k: connection[k] for k in ("ConnectionArn", "ConnectionState", "CreationTime", "LastModifiedTime")}

    def describe_connection(self, ctx: RequestContext, params: Params) -> Params:
        connection = self._connection(self._store(ctx), params["Name"])
        out = {k: v for k, v in connection.items() if k != "AuthParameters"}
        auth = _public(connection.get("AuthParameters") or {})
        if "InvocationHttpParameters" in auth:
            auth["InvocationHttpParameters"] = _http_parameters(auth["InvocationHttpParameters"])
        out["AuthParameters"] = auth
        return out

    def update_connection(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        connection = self._connection(store, params["Name"])
        now = self.env.clock.now()
        if params.get("AuthorizationType"):
            connection["AuthorizationType"] = params["AuthorizationType"]
            connection["ConnectionState"] = self._connection_state(params["AuthorizationType"])
        if params.get("AuthParameters"):
            merged = dict(connection.get("AuthParameters") or {})
            for key, value in params["AuthParameters"].items():
                merged[key] = {**(merged.get(key) or {}), **value} if isinstance(value, dict) else value
            connection["AuthParameters"] = merged
        for key in ("Description", "InvocationConnectivityParameters", "KmsKeyIdentifier"):
            if key in params:
                connection[key] = params[key]
        connection["LastModifiedTime"] = now
        connection["LastAuthorizedTime"] = now
        self._write_secret(ctx, connection)
        store.connections[connection["Name"]] = connection
        self._authorize_soon(store, connection)
        return {k: connection[k] for k in ("ConnectionArn", "ConnectionState", "CreationTime", "LastModifiedTime",
                                           "LastAuthorizedTime")}

    def delete_connection(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        connection = self._connection(store, params["Name"])
        del store.connections[connection["Name"]]
        try:
            self.env.internal.call("secretsmanager", "DeleteSecret",
                                   {"SecretId": connection["SecretArn"], "ForceDeleteWithoutRecovery": True},
                                   account_id=ctx.account_id, region=ctx.region)
        except ServiceError:
            pass
        out = {k: connection[k] for k in ("ConnectionArn", "CreationTime", "LastModifiedTime", "LastAuthorizedTime")}
        out["ConnectionState"] = "DELETING"
        return out

    def deauthorize_connection(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        connection = self._connection(store, params["Name"])
        connection["ConnectionState"] = "DEAUTHORIZED"
        connection["LastModifiedTime"] = self.env.clock.now()
        store.connections[connection["Name"]] = connection
        out = {k: connection[k] for k in ("ConnectionArn", "CreationTime", "LastModifiedTime", "LastAuthorizedTime")}
        out["ConnectionState"] = "DEAUTHORIZING"
        return out

    def list_connections(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        items = [
            c for _, c in sorted(store.connections.items())
            if c["Name"].startswith(params.get("NamePrefix") or "")
            and (not params.get("ConnectionState") or c["ConnectionState"] == params["ConnectionState"])
        ]  # fmt: skip
        page, extra = self._page(items, params)
        keys = ("ConnectionArn", "Name", "ConnectionState", "StateReason", "AuthorizationType", "CreationTime",
                "LastModifiedTime", "LastAuthorizedTime")
        return {"Connections": [{k: c[k] for k in keys if k in c} for c in page], **extra}

    # -- API destinations -------------------------------------------------------------------------

    def _destination(self, store: Any, name: str) -> Params:
        destination = store.destinations.get(name)
        if destination is None:
            raise ServiceError("ResourceNotFoundException",
                               f"Failed to describe the api-destination(s). An api-destination '{name}' does not exist.")
        return destination

    def _destination_state(self, store: Any, connection_arn: str) -> str:
        name = connection_arn.split(":connection/", 1)[-1].split("/", 1)[0]
        connection = store.connections.get(name)
        return "ACTIVE" if connection and connection["ConnectionState"] == "AUTHORIZED" else "INACTIVE"

    def create_api_destination(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        name = params["Name"]
        if name in store.destinations:
            raise ServiceError("ResourceAlreadyExistsException", f"An api-destination '{name}' already exists.")
        now = self.env.clock.now()
        destination = {
            "Name": name, "ApiDestinationArn": self._arn(ctx, f"api-destination/{name}/{uuid.uuid4()}"),
            "ConnectionArn": params["ConnectionArn"], "InvocationEndpoint": params["InvocationEndpoint"],
            "HttpMethod": params["HttpMethod"],
            "InvocationRateLimitPerSecond": params.get("InvocationRateLimitPerSecond") or 300,
            "ApiDestinationState": self._destination_state(store, params["ConnectionArn"]),
            "CreationTime": now, "LastModifiedTime": now,
        }  # fmt: skip
        if params.get("Description"):
            destination["Description"] = params["Description"]
        store.destinations[name] = destination
        return {k: destination[k] for k in ("ApiDestinationArn", "ApiDestinationState", "CreationTime",
                                            "LastModifiedTime")}

    def describe_api_destination(self, ctx: RequestContext, params: Params) -> Params:
        return dict(self._destination(self._store(ctx), params["Name"]))

    def update_api_destination(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        destination = self._destination(store, params["Name"])
        for key in ("Description", "ConnectionArn", "InvocationEndpoint", "HttpMethod", "InvocationRateLimitPerSecond"):
            if params.get(key) is not None:
                destination[key] = params[key]
        destination["ApiDestinationState"] = self._destination_state(store, destination["ConnectionArn"])
        destination["LastModifiedTime"] = self.env.clock.now()
        store.destinations[destination["Name"]] = destination
        return {k: destination[k] for k in ("ApiDestinationArn", "ApiDestinationState", "CreationTime",
                                            "LastModifiedTime")}

    def delete_api_destination(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        del store.destinations[self._destination(store, params["Name"])["Name"]]
        return {}

    def list_api_destinations(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx)
        items = [
            d for _, d in sorted(store.destinations.items())
            if d["Name"].startswith(params.get("NamePrefix") or "")
            and (not params.get("ConnectionArn") or d["ConnectionArn"] == params["ConnectionArn"])
        ]  # fmt: skip
        page, extra = self._page(items, params)
        return {"ApiDestinations": [{k: v for k, v in d.items() if k != "Description"} for d in page], **extra}
