"""Cross-account replicas: a primary secret pushes its AWSCURRENT value to replica secrets
in other accounts of the same region.

The replica is made in its own account (CreateSecret with ``CrossAccountPrimaryARN`` and a
customer managed key), then linked from the primary (AssociateCrossAccountReplica). From
then on each new AWSCURRENT value of the primary is written to the replica, encrypted
under the replica's own KMS key in the replica's account. Replicas refuse direct writes.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.secretsmanager import vault
from cloudtwin.services.secretsmanager.directory import NOT_FOUND, find, live
from cloudtwin.services.secretsmanager.models import Secret
from cloudtwin.services.secretsmanager.stages import CURRENT, attach

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

_SYNCED = "Replication succeeded"


def check_replica_creation(ctx: "RequestContext", params: dict[str, Any]) -> dict[str, str] | None:
    """CreateSecret's rules for ``CrossAccountPrimaryARN``; the replica's primary record."""
    primary_arn = params.get("CrossAccountPrimaryARN")
    if not primary_arn:
        return None
    parts = primary_arn.split(":")
    if len(parts) < 7 or parts[3] != ctx.region or parts[4] == ctx.account_id:
        raise ServiceError(
            "InvalidParameterException",
            "The primary secret must be in another account, in the same Region and partition as the replica.",
        )
    for forbidden in ("SecretString", "SecretBinary", "Description", "AddReplicaRegions", "Type"):
        if params.get(forbidden) is not None:
            raise ServiceError(
                "InvalidParameterException",
                f"You can't include {forbidden} when you create a cross-account replica secret.",
            )
    kms_key = params.get("KmsKeyId")
    if not kms_key or kms_key.startswith("alias/aws/"):
        raise ServiceError(
            "InvalidParameterException",
            "A cross-account replica secret must be encrypted with a customer managed KMS key in KmsKeyId.",
        )
    return {"PrimarySecretARN": primary_arn, "ReplicationStatus": "Pending", "StatusMessage": "Waiting for the primary secret"}


class CrossAccountOperations:
    stores: Any
    env: Any

    def _replica_of(self, ctx: "RequestContext", primary: Secret, replica_arn: str) -> tuple[Any, Secret, "RequestContext"]:
        parts = replica_arn.split(":")
        if len(parts) < 7 or parts[3] != ctx.region:
            raise ServiceError("ResourceNotFoundException", NOT_FOUND)
        account = parts[4]
        store = self.stores.get(account, ctx.region)
        replica = find(store, replica_arn, ctx.clock.now())
        link = replica.cross_account_primary
        if not link or link.get("PrimarySecretARN") != primary.arn:
            raise ServiceError(
                "InvalidRequestException",
                f"The secret {replica_arn} is not a cross-account replica of {primary.arn}.",
            )
        return store, replica, dataclasses.replace(ctx, account_id=account)

    def _push(self, ctx: "RequestContext", primary: Secret, replica_arn: str) -> None:
        """Write the primary's AWSCURRENT value into one replica, in the replica's account."""
        store, replica, replica_ctx = self._replica_of(ctx, primary, replica_arn)
        current = primary.stages.get(CURRENT)
        if current is not None:
            source = ctx.store.versions[(primary.arn, current)]
            value = vault.unseal(self.env.internal, ctx, primary.arn, source)
            if replica.stages.get(CURRENT) != current:
                version = vault.seal(
                    self.env.internal, replica_ctx, replica.arn, current, replica.kms_key_id, value, source.binary
                )
                store.versions[(replica.arn, current)] = version
                if current not in replica.version_ids:
                    replica.version_ids.append(current)
                attach(replica, current, [CURRENT])
                replica.last_changed = ctx.clock.now()
        replica.cross_account_primary = {
            "PrimarySecretARN": primary.arn,
            "ReplicationStatus": "InSync",
            "StatusMessage": _SYNCED,
        }
        store.secrets.save(replica.name)

    def sync_cross_account(self, ctx: "RequestContext", primary: Secret) -> None:
        """After the primary's AWSCURRENT moved: every associated replica follows."""
        for link in primary.cross_account_replicas:
            if link.get("ReplicationStatus") == "Detached":
                continue
            try:
                self._push(ctx, primary, link["ReplicaSecretARN"])
                link["ReplicationStatus"], link["StatusMessage"] = "InSync", _SYNCED
            except ServiceError as error:
                link["ReplicationStatus"], link["StatusMessage"] = "Failed", error.message or error.code

    def associate_cross_account_replica(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store = ctx.store
        primary = live(store, params["SecretId"], ctx.clock.now())
        replica_arn = params["CrossAccountReplicaARN"]
        self._push(ctx, primary, replica_arn)
        link = {"ReplicaSecretARN": replica_arn, "ReplicationStatus": "InSync", "StatusMessage": _SYNCED}
        if params.get("ReplicationRoleARN"):
            link["ReplicationRoleARN"] = params["ReplicationRoleARN"]
        primary.cross_account_replicas = [
            r for r in primary.cross_account_replicas if r["ReplicaSecretARN"] != replica_arn
        ] + [link]
        store.secrets.save(primary.name)
        return {"ARN": primary.arn, "CrossAccountReplicaARN": replica_arn, "ReplicationStatus": "InSync"}

    def disassociate_cross_account_replica(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store = ctx.store
        primary = live(store, params["SecretId"], ctx.clock.now())
        replica_arn = params["CrossAccountReplicaARN"]
        kept = [r for r in primary.cross_account_replicas if r["ReplicaSecretARN"] != replica_arn]
        if len(kept) == len(primary.cross_account_replicas):
            raise ServiceError(
                "ResourceNotFoundException",
                f"The secret {replica_arn} is not a cross-account replica of this secret.",
            )
        primary.cross_account_replicas = kept
        store.secrets.save(primary.name)
        try:
            replica_store, replica, _ = self._replica_of(ctx, primary, replica_arn)
        except ServiceError:
            pass  # the replica is gone: nothing more to detach
        else:
            replica.cross_account_primary = {
                "PrimarySecretARN": primary.arn,
                "ReplicationStatus": "Detached",
                "StatusMessage": "The replica was disassociated from its primary secret",
            }
            replica_store.secrets.save(replica.name)
        return {"ARN": primary.arn, "CrossAccountReplicaARN": replica_arn}


    def promote_cross_account_replica(self, ctx: "RequestContext", replica: Secret) -> None:
        """StopReplicationToReplica on a cross-account replica, from the replica's account: the
        replica becomes a standalone secret (keeping its values) and the primary, if it links
        to it, shows the link ``Detached``."""
        link = replica.cross_account_primary or {}
        replica.cross_account_primary = None
        ctx.store.secrets.save(replica.name)
        primary_arn = link.get("PrimarySecretARN", "")
        parts = primary_arn.split(":")
        if len(parts) < 7:
            return
        primary_store = self.stores.get(parts[4], parts[3])
        try:
            primary = find(primary_store, primary_arn, ctx.clock.now())
        except ServiceError:
            return  # the primary is gone (or never existed here): nothing to detach
        for entry in primary.cross_account_replicas:
            if entry["ReplicaSecretARN"] == replica.arn:
                entry["ReplicationStatus"] = "Detached"
                entry["StatusMessage"] = "Replication was stopped from the replica account"
        primary_store.secrets.save(primary.name)


def refuse_replica_writes(secret: Secret) -> None:
    link = secret.cross_account_primary
    if link and link.get("ReplicationStatus") != "Detached":
        raise ServiceError(
            "InvalidRequestException",
            "You can't modify a cross-account replica secret. Modify its primary secret "
            f"{link['PrimarySecretARN']} instead.",
        )


