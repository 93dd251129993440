"""The create / get / list / update / delete handlers of API Gateway v2's resources, made
from one table: each kind names where its records live and its id member; every answer
carries exactly the members of the operation's output shape in the botocore model.

    Api, DomainName, VpcLink            account-wide tables
    Route, Integration, Authorizer,     inside their API's record
      Model, Stage, Deployment
    RouteResponse, IntegrationResponse  inside their route / integration
    ApiMapping                          inside its domain name
"""

from __future__ import annotations

import copy
import secrets
import string
from dataclasses import dataclass
from typing import Any, Callable

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError

Params = dict[str, Any]
_ALPHABET = string.ascii_lowercase + string.digits


def new_id(length: int = 7) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def not_found(message: str, resource_type: str | None = None) -> ServiceError:
    fields = {"ResourceType": resource_type} if resource_type else None
    return ServiceError("NotFoundException", message, 404, fields=fields)


def bad_request(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message, 400)


def conflict(message: str) -> ServiceError:
    return ServiceError("ConflictException", message, 409)


@dataclass(frozen=True)
class Kind:
    name: str
    id_member: str
    #: "store:<table>" for account-wide kinds, "api:<collection>" inside an API, or
    #: "<ParentKind>:<collection>" inside a parent record.
    place: str
    id_length: int = 7


KINDS = {
    k.name: k for k in (
        Kind("Api", "ApiId", "store:apis", 10),
        Kind("DomainName", "DomainName", "store:domains"),
        Kind("VpcLink", "VpcLinkId", "store:links", 6),
        Kind("Route", "RouteId", "api:routes"),
        Kind("Integration", "IntegrationId", "api:integrations"),
        Kind("Authorizer", "AuthorizerId", "api:authorizers", 6),
        Kind("Model", "ModelId", "api:models", 6),
        Kind("Stage", "StageName", "api:stages"),
        Kind("Deployment", "DeploymentId", "api:deployments", 6),
        Kind("RouteResponse", "RouteResponseId", "Route:_responses", 6),
        Kind("IntegrationResponse", "IntegrationResponseId", "Integration:_responses", 6),
        Kind("ApiMapping", "ApiMappingId", "DomainName:_mappings", 6),
    )
}
_LABELS = {"Api": "API", "DomainName": "domain name", "VpcLink": "VpcLink", "ApiMapping": "ApiMapping"}


def shape_view(record: dict, shape: Any) -> Params:
    """The record's members the output shape declares."""
    return {k: v for k, v in record.items() if k in shape.members and v is not None}


class Crud:
    """Finds, creates and deletes the records of each kind."""

    def __init__(self, provider: Any) -> None:
        self.provider = provider

    def api(self, ctx: RequestContext, api_id: str) -> dict:
        record = ctx.store.apis.get(api_id)
        if record is None:
            raise not_found(f"Invalid API identifier specified {ctx.account_id}:{api_id}", "Api")
        return record

    def container(self, ctx: RequestContext, kind: Kind, params: Params) -> tuple[dict, Callable[[], None]]:
        """(the dict holding the kind's records, a function that saves the change)."""
        where, _, collection = kind.place.partition(":")
        store = ctx.store
        if where == "store":
            table = getattr(store, collection)
            return table, lambda: None  # records are saved one by one (see save)
        if where == "api":
            api_id = params["ApiId"]
            record = self.api(ctx, api_id)
            return record[collection], lambda: store.apis.save(api_id)
        parent_kind = KINDS[where]
        holder, save = self.container(ctx, parent_kind, params)
        parent = holder.get(params[parent_kind.id_member])
        if parent is None:
            raise not_found(self.missing(parent_kind, params[parent_kind.id_member], ctx), parent_kind.name)
        if where == "DomainName":
            return parent.setdefault(collection, {}), lambda: store.domains.save(parent["DomainName"])
        return parent.setdefault(collection, {}), save

    def missing(self, kind: Kind, ident: str, ctx: RequestContext) -> str:
        label = _LABELS.get(kind.name, kind.name)
        if kind.name == "Api":
            return f"Invalid API identifier specified {ctx.account_id}:{ident}"
        if kind.name == "Stage":
            return f"Invalid stage identifier specified"
        return f"Invalid {label} identifier specified {ident}"

    def get(self, ctx: RequestContext, kind: Kind, params: Params) -> dict:
        holder, _ = self.container(ctx, kind, params)
        ident = params[kind.id_member]
        record = holder.get(ident)
        if record is None:
            raise not_found(self.missing(kind, ident, ctx), kind.name)
        return record.get("api", record) if kind.name == "Api" else record

    def save(self, ctx: RequestContext, kind: Kind, params: Params, record_id: str) -> None:
        holder, save = self.container(ctx, kind, params)
        if kind.place.startswith("store:"):
            holder.save(record_id)
        else:
            save()


def install(cls: type) -> type:
    """Give the provider class a handler per operation of each kind (unless it defines one)."""
    for kind in KINDS.values():
        for verb, maker in (("Create", _create), ("Get", _get), ("Update", _update), ("Delete", _delete)):
            _attach(cls, f"{verb}{kind.name}", maker(kind))
        _attach(cls, f"Get{kind.name}s", _list(kind))
    return cls


def _attach(cls: type, operation: str, fn: Callable) -> None:
    from cloudtwin.services.provider import handler_name

    name = handler_name(operation)
    if name not in cls.__dict__:
        fn.__name__ = name
        setattr(cls, name, fn)


def _output_shape(self: Any, ctx: RequestContext) -> Any:
    return self.env.catalog.service_model("apigatewayv2").operation_model(ctx.operation).output_shape


def _create(kind: Kind) -> Callable:
    def handler(self: Any, ctx: RequestContext, params: Params) -> Params:
        crud: Crud = self.crud
        holder, save = crud.container(ctx, kind, params)
        record = {k: copy.deepcopy(v) for k, v in params.items() if v is not None}
        if kind.id_member not in record or kind.name in ("Route", "Integration", "Deployment", "Authorizer",
                                                       "Model", "RouteResponse", "IntegrationResponse", "ApiMapping",
                                                       "VpcLink", "Api"):
            record[kind.id_member] = new_id(kind.id_length)
            if kind.name == "Api" and (params.get("Tags") or {}).get("_custom_id_"):
                record["ApiId"] = params["Tags"]["_custom_id_"]
        ident = record[kind.id_member]
        if ident in holder:
            raise conflict(f"{kind.name} {ident} already exists")
        hook = getattr(self, f"_new_{kind.name.lower()}", None)
        if hook is not None:
            record = hook(ctx, record, params) or record
        stored = {"api": record, "routes": {}, "integrations": {}, "authorizers": {}, "models": {},
                  "stages": {}, "deployments": {}} if kind.name == "Api" else record  # fmt: skip
        holder[ident] = stored
        save()
        after = getattr(self, f"_created_{kind.name.lower()}", None)
        if after is not None:
            after(ctx, record, params)
        return shape_view(record, _output_shape(self, ctx))

    return handler


def _get(kind: Kind) -> Callable:
    def handler(self: Any, ctx: RequestContext, params: Params) -> Params:
        record = self.crud.get(ctx, kind, params)
        return shape_view(record, _output_shape(self, ctx))

    return handler


def _list(kind: Kind) -> Callable:
    def handler(self: Any, ctx: RequestContext, params: Params) -> Params:
        holder, _ = self.crud.container(ctx, kind, params)
        records = [r.get("api", r) if kind.name == "Api" else r for r in holder.values()]
        item_shape = _output_shape(self, ctx).members["Items"].member
        start = int(params["NextToken"]) if str(params.get("NextToken") or "").isdigit() else 0
        raw = str(params.get("MaxResults") or 100)
        if not raw.isdigit() or int(raw) < 1:
            # MaxResults is a string in the model: the number is checked here
            raise bad_request(f"Invalid MaxResults: {raw}")  # not an AWS text: AWS's wording unknown
        limit = int(raw)
        out: Params = {"Items": [shape_view(r, item_shape) for r in records[start:start + limit]]}
        if start + limit < len(records):
            out["NextToken"] = str(start + limit)
        return out

    return handler


def _update(kind: Kind) -> Callable:
    def handler(self: Any, ctx: RequestContext, params: Params) -> Params:
        record = self.crud.get(ctx, kind, params)
        hook = getattr(self, f"_update_{kind.name.lower()}", None)
        changes = {k: copy.deepcopy(v) for k, v in params.items() if v is not None and k != kind.id_member}
        if hook is not None:
            changes = hook(ctx, record, changes) or changes
        record.update(changes)
        if "LastUpdatedDate" in record:
            record["LastUpdatedDate"] = self.env.clock.now()
        self.crud.save(ctx, kind, params, params[kind.id_member])
        return shape_view(record, _output_shape(self, ctx))

    return handler


def _delete(kind: Kind) -> Callable:
    def handler(self: Any, ctx: RequestContext, params: Params) -> None:
        holder, save = self.crud.container(ctx, kind, params)
        ident = params[kind.id_member]
        if ident not in holder:
            raise not_found(self.crud.missing(kind, ident, ctx), kind.name)
        del holder[ident]
        save()
        return None

    return handler
