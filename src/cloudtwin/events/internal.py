"""Calling another service's operation in-process, as a remote client would.

``InternalClient.call("sqs", "SendMessage", {...}, account_id=..., region=...)`` runs the
SQS handler with a request context of its own (the target's account and region, a fresh
request id, and the caller's principal), validates the parameters against the model as a
real request would be (with the idempotency tokens an SDK fills in), and returns the output members or raises the same
``ServiceError`` a remote caller would receive. Nothing goes over HTTP; nothing touches
the other service's store directly.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.gateway.request_ids import random_uuid
from cloudtwin.protocol.errors import ServiceError, not_implemented
from cloudtwin.protocol.http import HttpRequest

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.identity import Identity
    from cloudtwin.services.registry import ServiceRegistry


class InternalClient:
    def __init__(self, registry: "ServiceRegistry") -> None:
        self._registry = registry
        self._validators = None
        #: (service, operation) -> the input members that are idempotency tokens
        self._token_names: dict[tuple[str, str], tuple[str, ...]] = {}

    def operation_model(self, service: str, operation: str) -> Any:
        """The botocore model of an operation (its input shape types a call's parameters)."""
        return self._registry.env.catalog.service_model(service).operation_model(operation)

    def _validate(self, service: str, operation: str, params: dict[str, Any]) -> None:
        if self._validators is None:
            from cloudtwin.protocol.validation import Validators

            self._validators = Validators()
        model = self._registry.env.catalog.service_model(service)
        self._validators.validate(params, model.operation_model(operation))

    def _with_tokens(self, service: str, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """The parameters with the idempotency tokens an SDK fills in when the caller gives
        none (``ClientRequestToken``...): services may require them."""
        names = self._token_names.get((service, operation))
        if names is None:
            shape = self.operation_model(service, operation).input_shape
            names = self._token_names[(service, operation)] = tuple(
                name for name, member in (shape.members.items() if shape is not None else ())
                if member.metadata.get("idempotencyToken")
            )  # fmt: skip
        missing = [name for name in names if name not in params]
        if not missing:
            return params
        return {**params, **{name: random_uuid() for name in missing}}

    def _prepare(
        self,
        service: str,
        operation: str,
        params: dict[str, Any],
        account_id: str,
        region: str,
        caller: "Identity | None",
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
    ) -> tuple[Any, RequestContext]:
        provider = self._registry.provider(service)
        handler = provider.handler(operation) if provider is not None else None
        if handler is None:
            raise not_implemented(service, operation)
        self._validate(service, operation, params)
        env = self._registry.env
        identity = caller or env.identities.root(account_id)
        ctx = RequestContext(
            service=service,
            operation=operation,
            protocol="internal",
            account_id=account_id,
            region=region,
            request_id=request_id or random_uuid(),
            identity=identity,
            request=HttpRequest("POST", "/", headers={"host": "localhost", **(headers or {})}),
            stores=provider.stores,
            clock=env.clock,
        )
        return handler, ctx

    def call(
        self,
        service: str,
        operation: str,
        params: dict[str, Any] | None = None,
        *,
        account_id: str,
        region: str,
        caller: "Identity | None" = None,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        """Run a handler now. Raises ``ServiceError`` as AWS would answer. An asynchronous
        handler runs to completion only from a thread with no event loop (a script, a test);
        on the event loop use :meth:`call_async`."""
        result = self._run(service, operation, params, account_id, region, caller, headers)
        if inspect.isawaitable(result):
            if not _loop_running():
                return asyncio.run(_completed(result)) or {}
            result.close()  # type: ignore[union-attr]
            raise ServiceError(
                "InternalFailure", f"{service}.{operation} is asynchronous: use call_async", 500
            )
        return result or {}

    async def call_async(
        self,
        service: str,
        operation: str,
        params: dict[str, Any] | None = None,
        *,
        account_id: str,
        region: str,
        caller: "Identity | None" = None,
        headers: dict[str, str] | None = None,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """Run any handler (sync or async) and return its output members. ``headers`` are
        request headers the handler sees (``x-amzn-trace-id``); ``request_id`` is the call's
        request id (a new one when not given)."""
        result = self._run(service, operation, params, account_id, region, caller, headers, request_id)
        if inspect.isawaitable(result):
            result = await result
        return result or {}

    def _run(self, service, operation, params, account_id, region, caller, headers=None, request_id=None) -> Any:
        params = self._with_tokens(service, operation, params or {})
        handler, ctx = self._prepare(service, operation, params, account_id, region, caller, headers, request_id)
        return handler(ctx, params)


def _loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


async def _completed(awaitable: Any) -> Any:
    return await awaitable
