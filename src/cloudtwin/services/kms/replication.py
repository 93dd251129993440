"""Multi-region keys: one key id (``mrk-…``) and the same material in several regions, so a
ciphertext made in one region decrypts in another. The replicas are rows in the other
regions' stores of the same account; the primary's rotations are copied to them."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kms.keys import check_not_pending, default_policy, key_arn, key_metadata
from cloudtwin.services.kms.models import KmsKey

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext


def partition_regions() -> dict[str, frozenset[str]]:
    """The Regions of each partition, as the installed botocore knows them."""
    from botocore.loaders import Loader

    data = Loader().load_data("partitions")
    return {p["id"]: frozenset(p.get("regions", ())) for p in data["partitions"]}


class ReplicationOperations:
    keys: Any
    stores: Any
    _regions: dict[str, frozenset[str]] | None = None

    def _check_replica_region(self, key: KmsKey, region: str) -> None:
        """A replica lives in a real Region of the primary's partition (AWS refuses a name
        that is no Region, or one of another partition)."""
        if self._regions is None:
            self._regions = partition_regions()  # loaded once, on the first replication
        partition = key.arn.split(":", 2)[1]
        if region not in self._regions.get(partition, frozenset()):
            raise ServiceError(
                "UnsupportedOperationException",
                f"{region} is not a valid Region for a replica of {key.arn}.",
            )

    def _copies(self, key: KmsKey) -> list[KmsKey]:
        found = []
        for (account, _), store in self.stores.items():
            if account == key.account_id:
                other = store.keys.get(key.key_id)
                if other is not None:
                    found.append(other)
        return found

    def _sync_replicas(self, primary: KmsKey) -> None:
        """Give every replica the primary's material generations (after a rotation)."""
        for other in self._copies(primary):
            if other is not primary:
                other.materials = list(primary.materials)
                self.stores.get(other.account_id, other.region).keys.save(other.key_id)

    def replicate_key(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.kms.provider import check_policy, tag_list, tags_from

        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        if not key.multi_region:
            raise ServiceError(
                "UnsupportedOperationException", f"{key.arn} is not a multi-Region key."
            )
        if key.primary_region not in (None, key.region):
            raise ServiceError(
                "UnsupportedOperationException",
                f"{key.arn} is not a multi-region primary key.",
            )
        check_not_pending(key)
        region = params["ReplicaRegion"]
        self._check_replica_region(key, region)
        target = self.stores.get(key.account_id, region)
        if region == key.region or key.key_id in target.keys:
            raise ServiceError(
                "AlreadyExistsException",
                f"{key_arn(ctx.partition, region, key.account_id, key.key_id)} already exists.",
            )
        policy = params.get("Policy")
        if policy is not None:
            check_policy(policy)
        replica = copy.copy(key)
        replica.arn = key_arn(ctx.partition, region, key.account_id, key.key_id)
        replica.region = region
        replica.created = ctx.clock.now()
        replica.description = params.get("Description", "")
        replica.policy = policy or default_policy(key.account_id, ctx.partition)
        replica.tags = tags_from(params, reserved=ctx.from_aws)
        replica.materials = list(key.materials)
        replica.deletion_date = None
        replica.pending_window_days = None
        replica.last_used = replica.last_operation = None
        replica.import_parameters = None
        target.keys[replica.key_id] = replica
        # AWS answers while the replica is still being made: it is Enabled moments later
        # (cloudtwin makes it at once, so the next DescribeKey already sees it Enabled).
        metadata = key_metadata(replica, self.stores)
        metadata.update(KeyState="Creating", Enabled=False)
        metadata.pop("CurrentKeyMaterialId", None)
        result = {"ReplicaKeyMetadata": metadata, "ReplicaPolicy": replica.policy}
        if replica.tags:
            result["ReplicaTags"] = tag_list(replica.tags)
        return result

    def update_primary_region(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        if not key.multi_region:
            raise ServiceError("UnsupportedOperationException", f"{key.arn} is not a multi-Region key.")
        check_not_pending(key)
        region = params["PrimaryRegion"]
        copies = self._copies(key)
        if region not in {c.region for c in copies}:
            raise ServiceError(
                "NotFoundException",
                f"Key '{key_arn(ctx.partition, region, key.account_id, key.key_id)}' does not exist",
            )
        primary = next(c for c in copies if c.region == (key.primary_region or key.region))
        for other in copies:
            other.primary_region = region
            if other.region == region:
                # The new primary takes over rotation.
                other.rotation_enabled = primary.rotation_enabled
                other.rotation_period_days = primary.rotation_period_days
                other.next_rotation = primary.next_rotation
            self.stores.get(other.account_id, other.region).keys.save(other.key_id)
