"""KMS grants: permissions on one key for a grantee, retired or revoked later.

cloudtwin does not enforce key permissions, so grants are stored and listed as AWS keeps
them (ids, tokens, idempotent creation by name) without changing what a caller may do.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kms.cryptographic import dry_run
from cloudtwin.services.kms.keys import check_not_pending
from cloudtwin.services.kms.models import Grant
from cloudtwin.services.kms.paging import page

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext


def grant_entry(grant: Grant, key_arn: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "KeyId": key_arn,
        "GrantId": grant.grant_id,
        "CreationDate": grant.created,
        "IssuingAccount": grant.issuing_account,
        "Operations": list(grant.operations),
    }
    for name, value in (
        ("Name", grant.name),
        ("GranteePrincipal", grant.grantee_principal),
        ("RetiringPrincipal", grant.retiring_principal),
        ("Constraints", grant.constraints),
        ("GranteeServicePrincipal", grant.grantee_service_principal),
        ("RetiringServicePrincipal", grant.retiring_service_principal),
    ):
        if value:
            entry[name] = value
    return entry


def check_grantee(params: dict[str, Any]) -> None:
    """AWS's rules for who a grant is for: an AWS principal or a service principal, never
    both; a service principal only with a ``SourceArn`` constraint and a retiring principal."""
    principal, service = params.get("GranteePrincipal"), params.get("GranteeServicePrincipal")
    if not principal and not service:
        raise ServiceError("ValidationException", "GranteePrincipal is required.")
    if principal and service:
        raise ServiceError(
            "ValidationException", "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both."
        )
    if service:
        if "SourceArn" not in (params.get("Constraints") or {}):
            raise ServiceError(
                "ValidationException", "A SourceArn grant constraint is required with a GranteeServicePrincipal."
            )
        if not params.get("RetiringPrincipal") and not params.get("RetiringServicePrincipal"):
            raise ServiceError(
                "ValidationException",
                "A RetiringPrincipal or RetiringServicePrincipal is required with a GranteeServicePrincipal.",
            )


class GrantOperations:
    keys: Any
    stores: Any

    def check_grant_tokens(self, tokens: list[str]) -> None:
        """A grant token is one KMS issued: AWS refuses any other (they are opaque blobs it
        must read to use). The grant may live with a key of another account or Region."""
        for token in tokens:
            if not any(g.token == token for _, store in self.stores.items() for g in store.grants.values()):
                raise ServiceError(
                    "InvalidGrantTokenException", "The request was rejected because the specified grant token is not valid."
                )

    def create_grant(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        check_not_pending(key)
        check_grantee(params)
        store = self.stores.get(key.account_id, key.region)
        operations = list(params["Operations"])
        fields = (
            params.get("GranteePrincipal"),
            params.get("RetiringPrincipal"),
            sorted(operations),
            params.get("Constraints"),
        )
        dry_run(params)
        name = params.get("Name")
        if name:
            for grant in store.grants.values():
                if grant.key_id == key.key_id and grant.name == name and (
                    grant.grantee_principal,
                    grant.retiring_principal,
                    sorted(grant.operations),
                    grant.constraints,
                ) == fields:
                    return {"GrantToken": grant.token, "GrantId": grant.grant_id}
        grant = Grant(
            grant_id=secrets.token_hex(32),
            key_id=key.key_id,
            token=secrets.token_urlsafe(96),
            name=name,
            created=ctx.clock.now(),
            grantee_principal=params.get("GranteePrincipal"),
            retiring_principal=params.get("RetiringPrincipal"),
            issuing_account=f"arn:{ctx.partition}:iam::{ctx.account_id}:root",
            operations=operations,
            constraints=params.get("Constraints"),
            grantee_service_principal=params.get("GranteeServicePrincipal"),
            retiring_service_principal=params.get("RetiringServicePrincipal"),
        )
        store.grants[grant.grant_id] = grant
        return {"GrantToken": grant.token, "GrantId": grant.grant_id}

    def list_grants(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        store = self.stores.get(key.account_id, key.region)
        grants = [g for g in store.grants.values() if g.key_id == key.key_id]
        if params.get("GrantId"):
            # An unknown grant id is an error; the other filters only narrow the list.
            grants = [g for g in grants if g.grant_id == params["GrantId"]]
            if not grants:
                raise ServiceError("InvalidGrantIdException", "Grant ID not found")
        grants = [
            g for g in grants
            if (not params.get("GranteePrincipal") or g.grantee_principal == params["GranteePrincipal"])
            and (
                not params.get("GranteeServicePrincipal")
                or g.grantee_service_principal == params["GranteeServicePrincipal"]
            )
        ]
        return page([grant_entry(g, key.arn) for g in grants], params, "Grants", default=50)

    def list_retirable_grants(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        principal = params.get("RetiringPrincipal")
        service = params.get("RetiringServicePrincipal")
        store = ctx.store
        entries = []
        for grant in store.grants.values():
            if (principal and grant.retiring_principal == principal) or (
                service and grant.retiring_service_principal == service
            ):
                key = store.keys.get(grant.key_id)
                if key is not None:
                    entries.append(grant_entry(grant, key.arn))
        return page(entries, params, "Grants", default=50)

    def retire_grant(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        token, grant_id = params.get("GrantToken"), params.get("GrantId")
        store = ctx.store
        if token:
            grant = next((g for g in store.grants.values() if g.token == token), None)
            if grant is None:
                raise ServiceError("InvalidGrantTokenException", "Grant token is invalid.")
        else:
            if not grant_id or not params.get("KeyId"):
                raise ServiceError(
                    "ValidationException", "Either GrantToken or both KeyId and GrantId must be specified."
                )
            key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
            store = self.stores.get(key.account_id, key.region)
            grant = store.grants.get(grant_id)
            if grant is None or grant.key_id != key.key_id:
                raise ServiceError("InvalidGrantIdException", "Grant ID not found")
        dry_run(params)
        del store.grants[grant.grant_id]

    def revoke_grant(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        store = self.stores.get(key.account_id, key.region)
        grant = store.grants.get(params["GrantId"])
        if grant is None or grant.key_id != key.key_id:
            raise ServiceError("InvalidGrantIdException", "Grant ID not found")
        dry_run(params)
        del store.grants[grant.grant_id]
