"""Replicas in other Regions of the account (``AddReplicaRegions``).

A replica is a secret of its own in the replica Region's store: the same name and random
suffix, its ARN in that Region, each labelled version re-encrypted under the replica's KMS
key of that Region. It is read there like any secret (DescribeSecret shows its
``PrimaryRegion``) and refuses writes: the primary's writes are copied to it.
StopReplicationToReplica makes it a standalone secret.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.secretsmanager import vault
from cloudtwin.services.secretsmanager.models import Secret

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

_SYNCED = "Replication succeeded"
#: Operations a replica refuses: they are made on the primary, in its Region.
_WRITES = frozenset({
    "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage", "RotateSecret", "CancelRotateSecret",
    "PutResourcePolicy", "DeleteResourcePolicy", "DeleteSecret", "RestoreSecret", "TagResource",
    "UntagResource", "ReplicateSecretToRegions", "RemoveRegionsFromReplication",
})  # fmt: skip


def refuse_region_replica(secret: Secret, operation: str) -> None:
    if secret.primary_arn is not None and operation in _WRITES:
        raise ServiceError(
            "InvalidRequestException",
            "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
        )


def _replica_arn(arn: str, region: str) -> str:
    parts = arn.split(":", 6)
    parts[3] = region
    return ":".join(parts)


class RegionReplication:
    """Mixin of the provider: ReplicateSecretToRegions, RemoveRegionsFromReplication and
    keeping the replicas in step with their primary."""

    stores: Any
    env: Any

    def _replicas(self, ctx: "RequestContext", secret: Secret, regions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        replicas = list(secret.replicas)
        known = {r["Region"] for r in replicas}
        for entry in regions:
            region = entry.get("Region")
            if not region or region == ctx.region:
                raise ServiceError("InvalidParameterException", "Invalid replica region.")
            if region in known:
                continue
            known.add(region)
            replicas.append(
                {
                    "Region": region,
                    "KmsKeyId": entry.get("KmsKeyId") or vault.DEFAULT_KEY,
                    "Status": "InSync",
                    "StatusMessage": _SYNCED,
                }
            )
        return replicas

    def sync_regions(self, ctx: "RequestContext", primary: Secret, *, overwrite: bool = False) -> None:
        """Bring every replica Region's copy up to date with the primary (made if missing;
        a secret of the same name there is replaced only when ``overwrite``)."""
        for status in primary.replicas:
            try:
                self._sync_region(ctx, primary, status, overwrite)
            except ServiceError as error:
                status["Status"], status["StatusMessage"] = "Failed", f"Replication failed: {error.message or error.code}"
            else:
                status["Status"], status["StatusMessage"] = "InSync", _SYNCED

    def _sync_region(self, ctx: "RequestContext", primary: Secret, status: dict[str, Any], overwrite: bool) -> None:
        region = status["Region"]
        store = self.stores.get(primary.arn.split(":")[4], region)
        replica = store.secrets.get(primary.name)
        if replica is not None and replica.primary_arn != primary.arn:
            if not overwrite:
                raise ServiceError(
                    "ResourceExistsException", f"Secret name {primary.name} already exists in region {region}."
                )
            for vid in replica.version_ids:
                store.versions.pop((replica.arn, vid), None)
            replica = None
        kms_key = None if status.get("KmsKeyId") in (None, vault.DEFAULT_KEY) else status["KmsKeyId"]
        if replica is None:
            replica = Secret(
                arn=_replica_arn(primary.arn, region), name=primary.name, created=ctx.clock.now(),
                last_changed=primary.last_changed, kms_key_id=kms_key, primary_arn=primary.arn,
            )  # fmt: skip
        replica.description, replica.type = primary.description, primary.type
        replica.tags = [dict(t) for t in primary.tags]
        replica.last_changed = primary.last_changed
        home = ctx.store
        there = dataclasses.replace(ctx, region=region)
        labelled = set(primary.stages.values())
        for vid in primary.version_ids:
            if vid not in labelled or vid in replica.version_ids:
                continue
            source = home.versions.get((primary.arn, vid))
            if source is None:  # a rotation's pending version, no value yet
                continue
            value = vault.unseal(self.env.internal, ctx, primary.arn, source)
            copy = vault.seal(self.env.internal, there, replica.arn, vid, replica.kms_key_id, value, source.binary)
            copy.created = source.created
            store.versions[(replica.arn, vid)] = copy
            replica.version_ids.append(vid)
        for vid in [v for v in replica.version_ids if v not in labelled]:
            replica.version_ids.remove(vid)
            store.versions.pop((replica.arn, vid), None)
        replica.stages = dict(primary.stages)
        store.secrets[replica.name] = replica

    def drop_region_replicas(self, primary: Secret, regions: set[str] | None = None) -> None:
        """Delete the replicas of a primary (all, or those of some Regions)."""
        account = primary.arn.split(":")[4]
        for status in primary.replicas:
            if regions is not None and status["Region"] not in regions:
                continue
            store = self.stores.get(account, status["Region"])
            replica = store.secrets.get(primary.name)
            if replica is None or replica.primary_arn != primary.arn:
                continue
            for vid in replica.version_ids:
                store.versions.pop((replica.arn, vid), None)
            store.secrets.pop(replica.name, None)

    def promote_region_replica(self, ctx: "RequestContext", replica: Secret) -> None:
        """StopReplicationToReplica in the replica's Region: it becomes a standalone secret
        and the primary no longer lists that Region."""
        primary_arn, replica.primary_arn = replica.primary_arn or "", None
        ctx.store.secrets.save(replica.name)
        parts = primary_arn.split(":")
        primary_store = self.stores.get(parts[4], parts[3])
        primary = primary_store.secrets.get(replica.name)
        if primary is not None and primary.arn == primary_arn:
            primary.replicas = [r for r in primary.replicas if r["Region"] != ctx.region]
            primary_store.secrets.save(primary.name)

    def replicate_secret_to_regions(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"], live=True)  # type: ignore[attr-defined]
        secret.replicas = self._replicas(ctx, secret, params["AddReplicaRegions"])
        self.sync_regions(ctx, secret, overwrite=bool(params.get("ForceOverwriteReplicaSecret")))
        store.secrets.save(secret.name)
        return {"ARN": secret.arn, "ReplicationStatus": [dict(r) for r in secret.replicas]}

    def remove_regions_from_replication(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"], live=True)  # type: ignore[attr-defined]
        drop = set(params["RemoveReplicaRegions"])
        self.drop_region_replicas(secret, drop)
        secret.replicas = [r for r in secret.replicas if r["Region"] not in drop]
        store.secrets.save(secret.name)
        return {"ARN": secret.arn, "ReplicationStatus": [dict(r) for r in secret.replicas]}
