"""KMS aliases: friendly names (``alias/...``) that point at one key of the account/region."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kms.keys import check_not_pending
from cloudtwin.services.kms.models import Alias, KmsKey
from cloudtwin.services.kms.paging import page

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext


#: Aliases AWS predefines in every account and region for its managed keys: ListAliases
#: shows them, without ``TargetKeyId``, until the service first makes its key.
PREDEFINED_ALIASES = tuple(
    "alias/aws/" + service
    for service in (
        "acm", "dynamodb", "ebs", "elasticfilesystem", "es", "glue", "kinesisvideo",
        "lambda", "rds", "redshift", "s3", "secretsmanager", "ssm", "xray",
    )
)


class AliasOperations:
    keys: Any

    def _alias_arn(self, ctx: "RequestContext", name: str) -> str:
        return f"arn:{ctx.partition}:kms:{ctx.region}:{ctx.account_id}:{name}"

    def _alias_target(self, ctx: "RequestContext", ref: str) -> KmsKey:
        if ref.startswith("alias/") or ":alias/" in ref:
            raise ServiceError(
                "ValidationException", "Aliases must refer to keys. Not aliases"
            )
        key = self.keys.resolve(ctx, ref, aliases=False)
        if key.account_id != ctx.account_id or key.region != ctx.region:
            raise ServiceError("NotFoundException", f"Key '{key.arn}' does not exist")
        check_not_pending(key)
        return key

    def _check_name(self, ctx: "RequestContext", name: str) -> None:
        if not name.startswith("alias/"):
            raise ServiceError(
                "ValidationException",
                'Alias must start with the prefix "alias/". Please see '
                "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html",
            )
        if name.startswith("alias/aws/"):
            # Aliases of AWS managed keys belong to AWS: every principal is denied.
            raise ServiceError(
                "AccessDeniedException",
                f"User: {ctx.caller_arn} is not authorized to perform: kms:{ctx.operation} on resource: "
                f"{self._alias_arn(ctx, name)}",
                400,
            )

    def create_alias(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        name = params["AliasName"]
        self._check_name(ctx, name)
        store = ctx.store
        if name in store.aliases:
            raise ServiceError(
                "AlreadyExistsException",
                f"An alias with the name {self._alias_arn(ctx, name)} already exists",
            )
        key = self._alias_target(ctx, params["TargetKeyId"])
        now = ctx.clock.now()
        store.aliases[name] = Alias(name, self._alias_arn(ctx, name), key.key_id, now, now)

    def update_alias(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        name = params["AliasName"]
        self._check_name(ctx, name)
        store = ctx.store
        alias = store.aliases.get(name)
        if alias is None:
            raise ServiceError("NotFoundException", f"Alias {self._alias_arn(ctx, name)} is not found.")
        key = self._alias_target(ctx, params["TargetKeyId"])
        current = store.keys.get(alias.target_key_id)
        if current is not None and (current.key_usage, current.key_spec == "SYMMETRIC_DEFAULT") != (
            key.key_usage,
            key.key_spec == "SYMMETRIC_DEFAULT",
        ):
            raise ServiceError(
                "ValidationException",
                f"{key.arn} key usage or key spec does not match the current target key of {name}.",
            )
        alias.target_key_id = key.key_id
        alias.updated = ctx.clock.now()
        store.aliases.save(name)

    def delete_alias(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        name = params["AliasName"]
        self._check_name(ctx, name)
        if ctx.store.aliases.pop(name, None) is None:
            raise ServiceError("NotFoundException", f"Alias {self._alias_arn(ctx, name)} is not found.")

    def list_aliases(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store = ctx.store
        target = None
        if params.get("KeyId"):
            target = self.keys.resolve(ctx, params["KeyId"], aliases=False).key_id
        entries = [
            {
                "AliasName": a.name,
                "AliasArn": a.arn,
                "TargetKeyId": a.target_key_id,
                "CreationDate": a.created,
                "LastUpdatedDate": a.updated,
            }
            for a in store.aliases.values()
            if target is None or a.target_key_id == target
        ]
        if target is None:
            entries.extend(
                {"AliasName": name, "AliasArn": self._alias_arn(ctx, name)}
                for name in PREDEFINED_ALIASES
                if name not in store.aliases
            )
        entries.sort(key=lambda entry: entry["AliasName"])
        return page(entries, params, "Aliases")
