"""Finding keys from what callers write (id, ARN, alias name, alias ARN), the key state
machine's checks, and the ``KeyMetadata`` AWS returns.

Key states (AWS's machine, the part cloudtwin models)::

    Enabled ⇄ Disabled            EnableKey / DisableKey
    Enabled|Disabled → PendingDeletion → (deleted)   ScheduleKeyDeletion, the window on
                     ← CancelKeyDeletion (back as Disabled)          the virtual clock
    PendingImport → Enabled       ImportKeyMaterial (EXTERNAL keys), back on expiry/delete
"""

from __future__ import annotations

import json
import re
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kms.crypto import SPEC_INFO, generate_material
from cloudtwin.services.kms.models import KmsKey, KmsStore, Material

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext
    from cloudtwin.state.store import AccountRegionStores

_KEY_ID = re.compile(r"^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$")
#: What an AWS managed key's description says it protects (``Default key that protects my
#: S3 objects when no other key is defined``), per service, as AWS words it.
_PROTECTS = {
    "s3": "S3 objects", "lambda": "Lambda functions", "sqs": "SQS messages", "ebs": "EBS volumes",
    "rds": "RDS database volumes", "secretsmanager": "Secrets Manager data",
}
_ARN = re.compile(r"^arn:(aws[\w-]*):kms:([a-z0-9-]+):(\d{12}):(key|alias)/(.+)$")
DAY = 86400.0
#: The specs the deprecated ``CustomerMasterKeySpec`` names: keys of later specs (ML-DSA,
#: ML-KEM, Ed25519) have only ``KeySpec``.
LEGACY_SPECS = frozenset({
    "RSA_2048", "RSA_3072", "RSA_4096", "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521",
    "ECC_SECG_P256K1", "SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SM2",
})


def default_policy(account_id: str, partition: str = "aws") -> str:
    """The key policy AWS attaches when CreateKey gets none."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "key-default-1",
            "Statement": [
                {
                    "Sid": "Enable IAM User Permissions",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:{partition}:iam::{account_id}:root"},
                    "Action": "kms:*",
                    "Resource": "*",
                }
            ],
        },
        indent=2,
    )


def new_material_id() -> str:
    return uuid.uuid4().hex + uuid.uuid4().hex


class Keys:
    """Key lookup across the provider's stores (ARNs may name another account or region)."""

    def __init__(self, stores: "AccountRegionStores[KmsStore]") -> None:
        self.stores = stores

    # -- lookup -------------------------------------------------------------------------------

    def resolve(self, ctx: "RequestContext", ref: str, *, aliases: bool = True) -> KmsKey:
        """The key ``ref`` names, settled to the clock (a deletion that fell due is done)."""
        account, region, kind, name = self.split(ctx, ref)
        store = self.stores.get(account, region)
        partition = ctx.partition
        if kind == "alias":
            if not aliases:
                raise ServiceError("NotFoundException", f"Invalid keyId '{ref}'")
            alias = store.aliases.get(name)
            if alias is None:
                if name.startswith("alias/aws/") and account == ctx.account_id:
                    return self.managed_key(ctx, store, name)
                raise ServiceError(
                    "NotFoundException",
                    f"Alias arn:{partition}:kms:{region}:{account}:{name} is not found.",
                )
            name = alias.target_key_id
        key = store.keys.get(name)
        if key is not None and key.state == "PendingDeletion" and key.deletion_date is not None:
            if key.deletion_date <= ctx.clock.now():
                delete_key(store, key)
                key = None
        if key is None:
            raise ServiceError(
                "NotFoundException", f"Key '{key_arn(partition, region, account, name)}' does not exist"
            )
        if key.origin == "EXTERNAL":
            from cloudtwin.services.kms.imports import expire_imports

            # Material past its ValidTo is gone the moment the clock passes it.
            if expire_imports(key, ctx.clock.now()):
                store.keys.save(key.key_id)
        return key

    def split(self, ctx: "RequestContext", ref: str) -> tuple[str, str, str, str]:
        """(account, region, "key"|"alias", key id or alias name) from any form of KeyId."""
        if ref.startswith("alias/"):
            return ctx.account_id, ctx.region, "alias", ref
        match = _ARN.match(ref)
        if match:
            _, region, account, kind, rest = match.groups()
            if kind == "alias":
                return account, region, "alias", "alias/" + rest
            if _KEY_ID.match(rest):
                return account, region, "key", rest
            raise ServiceError("NotFoundException", f"Invalid arn {region}")
        if _KEY_ID.match(ref):
            return ctx.account_id, ctx.region, "key", ref
        raise ServiceError("NotFoundException", f"Invalid keyId '{ref}'")

    def managed_key(self, ctx: "RequestContext", store: KmsStore, alias_name: str) -> KmsKey:
        """An AWS-managed key (``alias/aws/s3``...), made the first time anything uses it."""
        from cloudtwin.services.kms.models import Alias

        now = ctx.clock.now()
        service = alias_name[len("alias/aws/") :]
        key = new_key(
            ctx.account_id,
            ctx.region,
            ctx.partition,
            now,
            description=f"Default key that protects my {_PROTECTS.get(service, service + ' resources')} when no other key is defined",
            key_usage="ENCRYPT_DECRYPT",
            key_spec="SYMMETRIC_DEFAULT",
            key_manager="AWS",
        )
        # AWS managed keys rotate every year, and cannot be told otherwise.
        key.rotation_enabled = True
        key.rotation_period_days = 365
        key.next_rotation = now + 365 * DAY
        store.keys[key.key_id] = key
        arn = f"arn:{ctx.partition}:kms:{ctx.region}:{ctx.account_id}:{alias_name}"
        store.aliases[alias_name] = Alias(alias_name, arn, key.key_id, now, now)
        return key


def key_arn(partition: str, region: str, account: str, key_id: str) -> str:
    return f"arn:{partition}:kms:{region}:{account}:key/{key_id}"


def new_key(
    account: str,
    region: str,
    partition: str,
    now: float,
    *,
    description: str,
    key_usage: str,
    key_spec: str,
    origin: str = "AWS_KMS",
    key_manager: str = "CUSTOMER",
    policy: str | None = None,
    multi_region: bool = False,
    key_id: str | None = None,
    material: bytes | None = None,
) -> KmsKey:
    """A new key; its material is made here unless given (``material``: made off the event loop
    by an asynchronous handler)."""
    if key_id is None:
        key_id = "mrk-" + uuid.uuid4().hex if multi_region else str(uuid.uuid4())
    key = KmsKey(
        key_id=key_id,
        arn=key_arn(partition, region, account, key_id),
        account_id=account,
        region=region,
        created=now,
        description=description,
        key_usage=key_usage,
        key_spec=key_spec,
        origin=origin,
        key_manager=key_manager,
        policy=policy or default_policy(account, partition),
        multi_region=multi_region,
        primary_region=region if multi_region else None,
    )
    if origin == "EXTERNAL":
        key.state = "PendingImport"
    else:
        secret = generate_material(key_spec) if material is None else material
        key.materials.append(Material(new_material_id(), secret, now))
    return key


def delete_key(store: KmsStore, key: KmsKey) -> None:
    """The end of a deletion window: the key, its aliases and grants are gone."""
    store.keys.pop(key.key_id, None)
    for name in [n for n, a in store.aliases.items() if a.target_key_id == key.key_id]:
        del store.aliases[name]
    for grant_id in [g for g, grant in store.grants.items() if grant.key_id == key.key_id]:
        del store.grants[grant_id]


# -- state checks -------------------------------------------------------------------------------


def check_usable(key: KmsKey) -> None:
    """Cryptographic operations need an Enabled key: AWS's error for each other state."""
    state = key.state
    if state == "Enabled":
        return
    if state == "Disabled":
        raise ServiceError("DisabledException", f"{key.arn} is disabled.")
    raise invalid_state(key)


def invalid_state(key: KmsKey) -> ServiceError:
    words = {
        "PendingDeletion": "pending deletion",
        "PendingImport": "pending import",
        "PendingReplicaDeletion": "pending replica deletion",
        "Disabled": "disabled",
        "Enabled": "enabled",
        "Unavailable": "unavailable",
        "Creating": "creating",
        "Updating": "updating",
    }
    return ServiceError("KMSInvalidStateException", f"{key.arn} is {words.get(key.state, key.state)}.")


def check_not_pending(key: KmsKey) -> None:
    """Management operations refused while a key waits for deletion."""
    if key.state in ("PendingDeletion", "PendingReplicaDeletion"):
        raise invalid_state(key)


def check_usage(key: KmsKey, usage: str, operation: str) -> None:
    if key.key_usage != usage:
        raise ServiceError(
            "InvalidKeyUsageException",
            f"{key.arn} key usage is {key.key_usage} which is not valid for {operation}.",
        )


def check_symmetric(key: KmsKey, operation: str) -> None:
    if key.key_spec != "SYMMETRIC_DEFAULT":
        raise ServiceError(
            "InvalidKeyUsageException",
            f"{key.arn} key spec is {key.key_spec} which is not valid for {operation}.",
        )
    check_usage(key, "ENCRYPT_DECRYPT", operation)


# -- metadata ----------------------------------------------------------------------------------


def key_metadata(key: KmsKey, stores: "AccountRegionStores[KmsStore] | None" = None) -> dict[str, Any]:
    info = SPEC_INFO.get(key.key_spec)
    meta: dict[str, Any] = {
        "AWSAccountId": key.account_id,
        "KeyId": key.key_id,
        "Arn": key.arn,
        "CreationDate": key.created,
        "Enabled": key.state == "Enabled",
        "Description": key.description,
        "KeyUsage": key.key_usage,
        "KeyState": key.state,
        "Origin": key.origin,
        "KeyManager": key.key_manager,
        "KeySpec": key.key_spec,
        "MultiRegion": key.multi_region,
    }
    if key.key_spec in LEGACY_SPECS:
        meta["CustomerMasterKeySpec"] = key.key_spec
    if info is not None:
        if key.key_usage == "ENCRYPT_DECRYPT":
            meta["EncryptionAlgorithms"] = list(info.encryption)
        elif key.key_usage == "SIGN_VERIFY":
            meta["SigningAlgorithms"] = list(info.signing)
        elif key.key_usage == "GENERATE_VERIFY_MAC":
            meta["MacAlgorithms"] = list(info.mac)
        elif key.key_usage == "KEY_AGREEMENT":
            meta["KeyAgreementAlgorithms"] = list(info.agreement)
        elif key.key_usage == "ENCAPSULATE_DECAPSULATE":
            meta["EncapsulationAlgorithms"] = list(info.encapsulation)
    if key.state == "PendingDeletion":
        meta["DeletionDate"] = key.deletion_date
        if key.pending_window_days is not None:
            meta["PendingDeletionWindowInDays"] = key.pending_window_days
    current = key.current
    if key.origin == "EXTERNAL":
        if current is not None:
            meta["ExpirationModel"] = current.expiration_model or "KEY_MATERIAL_DOES_NOT_EXPIRE"
            if current.valid_to is not None:
                meta["ValidTo"] = current.valid_to
    if key.key_spec == "SYMMETRIC_DEFAULT" and key.current_id is not None:
        meta["CurrentKeyMaterialId"] = key.current_id
    if key.multi_region and stores is not None:
        meta["MultiRegionConfiguration"] = multi_region_configuration(key, stores)
    return meta


def multi_region_configuration(key: KmsKey, stores: "AccountRegionStores[KmsStore]") -> dict[str, Any]:
    partition = key.arn.split(":", 2)[1]
    primary_region = key.primary_region or key.region
    replicas = []
    for (account, region), store in stores.items():
        if account != key.account_id or region == primary_region:
            continue
        if key.key_id in store.keys:
            replicas.append(
                {"Arn": key_arn(partition, region, account, key.key_id), "Region": region}
            )
    return {
        "MultiRegionKeyType": "PRIMARY" if key.region == primary_region else "REPLICA",
        "PrimaryKey": {
            "Arn": key_arn(partition, primary_region, key.account_id, key.key_id),
            "Region": primary_region,
        },
        "ReplicaKeys": sorted(replicas, key=lambda r: r["Region"]),
    }
