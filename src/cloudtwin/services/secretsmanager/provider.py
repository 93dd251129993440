"""AWS Secrets Manager.

Secret values are encrypted through KMS (vault.py) with the encryption context AWS uses;
versions carry staging labels (stages.py); rotation schedules run on the virtual clock
(schedule.py): when one falls due, Secrets Manager starts a rotation — a new version token
and a ``secretsmanager:RotationStarted`` event for the rotation function to act on.
"""

from __future__ import annotations

import uuid
from typing import Any

from cloudtwin.events.bus import Event
from cloudtwin.gateway.context import RequestContext
from cloudtwin.events.targets import lambda_allows
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.provider import ServiceProvider
from cloudtwin.services.secretsmanager import rotation
from cloudtwin.services.secretsmanager import policy as policies
from cloudtwin.services.secretsmanager import vault
from cloudtwin.services.secretsmanager.cross_account import (
    CrossAccountOperations,
    check_replica_creation,
    refuse_replica_writes,
)
from cloudtwin.services.secretsmanager.directory import (
    INVALID_NAME,
    NAME,
    NOT_FOUND,
    check_name,
    describe,
    find,
    live,
    secret_arn,
)
from cloudtwin.services.secretsmanager.models import Secret, SecretsStore, SecretVersion
from cloudtwin.services.secretsmanager.passwords import random_password
from cloudtwin.services.secretsmanager.regions import RegionReplication, refuse_region_replica
from cloudtwin.services.secretsmanager.schedule import DAY, check_rules, next_rotation
from cloudtwin.services.secretsmanager.search import matcher, paginate
from cloudtwin.services.secretsmanager.stages import (
    CURRENT,
    PENDING,
    attach,
    deprecated_to_drop,
    update_stage,
)

_SORT_KEYS = {
    "created-date": lambda s: s.created,
    "last-accessed-date": lambda s: s.last_accessed or 0.0,
    "last-changed-date": lambda s: s.last_changed,
    "name": lambda s: s.name,
}


def _value(params: dict[str, Any]) -> tuple[bytes, bool] | None:
    """(bytes, is_binary) of SecretString/SecretBinary, or None when neither is given."""
    text, binary = params.get("SecretString"), params.get("SecretBinary")
    if text is not None and binary is not None:
        raise ServiceError(
            "InvalidParameterException",
            "You can't specify both a binary secret value and a string secret value in the same secret.",
        )
    if text is not None:
        return text.encode(), False
    if binary is not None:
        return (binary.encode() if isinstance(binary, str) else binary), True
    return None


def _day(epoch: float) -> float:
    """AWS keeps LastAccessedDate to the day (midnight UTC)."""
    return epoch - epoch % DAY


live_secret = live
#: Operations that read or write a secret's value: from another account only with a
#: customer managed key (the default key cannot be shared).
_USES_VALUE = frozenset({"GetSecretValue", "PutSecretValue", "UpdateSecret"})
_TOKEN_NEEDED = "You must provide a ClientRequestToken value. We recommend a UUID-type value."


def _require_token(params: dict[str, Any]) -> None:
    """SDKs fill ClientRequestToken in; a raw request that omits it is refused (after the
    secret's name is checked, before it is looked up)."""
    if "SecretId" in params:
        check_name(params["SecretId"])
    if not params.get("ClientRequestToken"):
        raise ServiceError("InvalidRequestException", _TOKEN_NEEDED)


class Provider(CrossAccountOperations, RegionReplication, ServiceProvider):
    service_name = "secretsmanager"
    store_class = SecretsStore

    def __init__(self, env) -> None:
        super().__init__(env)
        env.processors.register("secretsmanager-secrets", self._process)

    # -- due work -----------------------------------------------------------------------------

    def _process(self, now: float) -> dict[str, int]:
        purged = started = 0
        for (account, region), store in self.stores.items():
            for secret in list(store.secrets.values()):
                if secret.deletion_date is not None and secret.deletion_date <= now:
                    self._purge(store, secret)
                    purged += 1
                elif (
                    secret.rotation_enabled
                    and secret.deleted_date is None
                    and secret.next_rotation is not None
                    and secret.next_rotation <= now
                ):
                    self._start_rotation(account, region, secret, str(uuid.uuid4()), now)
                    secret.next_rotation = next_rotation(secret.rotation_rules or {}, now)
                    store.secrets.save(secret.name)
                    started += 1
        return {"purged": purged, "rotations_started": started}

    def _purge(self, store: SecretsStore, secret: Secret) -> None:
        self.drop_region_replicas(secret)
        for vid in secret.version_ids:
            store.versions.pop((secret.arn, vid), None)
        store.secrets.pop(secret.name, None)

    def _start_rotation(self, account: str, region: str, secret: Secret, token: str, now: float) -> None:
        """Secrets Manager's part of a rotation: a token, then the function does the steps."""
        secret.rotation_token = token
        secret.rotations_started += 1
        self.env.events.publish(
            Event(
                "secretsmanager:RotationStarted",
                account,
                region,
                {
                    "SecretId": secret.arn,
                    "ClientRequestToken": token,
                    "RotationLambdaARN": secret.rotation_lambda_arn,
                    "Time": now,
                },
            )
        )
        if secret.rotation_lambda_arn:
            # AWS's rotation protocol: the token is a version labelled AWSPENDING before the
            # function's createSecret step, with no value until the function puts one.
            if token not in secret.version_ids:
                secret.version_ids.append(token)
                attach(secret, token, [PENDING])
            rotation.start(self.env, secret.arn, token, secret.rotation_lambda_arn)

    # -- finding secrets ----------------------------------------------------------------------

    def _locate(self, ctx: RequestContext, secret_id: str, *, live: bool = False) -> tuple[SecretsStore, Secret]:
        """(store, secret) a SecretId names: the caller's own, or one of another account named
        by its ARN, which that secret's resource policy must open to the caller."""
        check_name(secret_id)
        store = ctx.store
        owner = secret_id.split(":")[4] if secret_id.startswith("arn:") and secret_id.count(":") >= 6 else None
        if owner is not None and owner != ctx.account_id:
            store = self.stores.get(owner, ctx.region)
        secret = (live_secret if live else find)(store, secret_id, ctx.clock.now())
        refuse_region_replica(secret, ctx.operation)
        if owner is not None and owner != ctx.account_id:
            self._check_cross_account(ctx, secret)
        return store, secret

    @staticmethod
    def _check_cross_account(ctx: RequestContext, secret: Secret) -> None:
        action = f"secretsmanager:{ctx.operation}"
        document = policies.parse(secret.policy) if secret.policy else {}
        if not policies.allows(document, ctx.caller_arn, ctx.account_id, action):
            raise ServiceError(
                "AccessDeniedException",
                f"User: {ctx.caller_arn} is not authorized to perform: {action} on resource: {secret.arn} "
                f"because no resource-based policy allows the {action} action",
            )
        if ctx.operation in _USES_VALUE and secret.kms_key_id is None:
            raise ServiceError(
                "InvalidRequestException",
                "You can't access a secret from a different AWS account if you encrypt the secret "
                "with the default KMS service key.",
            )

    # -- values -------------------------------------------------------------------------------

    def _new_version(
        self, ctx: RequestContext, store: SecretsStore, secret: Secret, version_id: str,
        value: tuple[bytes, bool], labels: list[str],
    ) -> None:
        version = vault.seal(
            self.env.internal, ctx, secret.arn, version_id, secret.kms_key_id, value[0], value[1]
        )
        store.versions[(secret.arn, version_id)] = version
        if version_id not in secret.version_ids:  # else: the value of a rotation's pending version
            secret.version_ids.append(version_id)
        attach(secret, version_id, labels)
        for old in deprecated_to_drop(secret):
            secret.version_ids.remove(old)
            store.versions.pop((secret.arn, old), None)
        secret.last_changed = ctx.clock.now()

    def _read(self, ctx: RequestContext, secret: Secret, version: SecretVersion) -> dict[str, Any]:
        plaintext = vault.unseal(self.env.internal, ctx, secret.arn, version)
        out: dict[str, Any] = {
            "ARN": secret.arn,
            "Name": secret.name,
            "VersionId": version.version_id,
            "VersionStages": secret.stages_of(version.version_id),
            "CreatedDate": version.created,
        }
        if version.binary:
            out["SecretBinary"] = plaintext
        else:
            out["SecretString"] = plaintext.decode()
        return out

    def _version(self, store: SecretsStore, secret: Secret, version_id: str | None, stage: str | None) -> SecretVersion:
        if version_id is not None:
            if version_id not in secret.version_ids:
                raise ServiceError(
                    "ResourceNotFoundException",
                    f"Secrets Manager can't find the specified secret value for VersionId: {version_id}",
                )
            if stage is not None and secret.stages.get(stage) != version_id:
                raise ServiceError(
                    "InvalidRequestException",
                    f"You provided a VersionStage that is not associated to the provided VersionId.",
                )
        else:
            stage = stage or CURRENT
            version_id = secret.stages.get(stage)
            if version_id is None:
                raise ServiceError(
                    "ResourceNotFoundException",
                    f"Secrets Manager can't find the specified secret value for staging label: {stage}",
                )
        version = store.versions.get((secret.arn, version_id))
        if version is None:  # a rotation's pending version the function has not given a value yet
            raise ServiceError(
                "ResourceNotFoundException",
                f"Secrets Manager can't find the specified secret value for VersionId: {version_id}",
            )
        return version

    # -- secrets ------------------------------------------------------------------------------

    def create_secret(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["Name"]
        if not NAME.match(name):
            raise ServiceError("ValidationException", INVALID_NAME)
        _require_token(params)
        store = ctx.store
        existing = store.secrets.get(name)
        if existing is not None and existing.deletion_date is not None and existing.deletion_date <= ctx.clock.now():
            self._purge(store, existing)
            existing = None
        if existing is not None:
            if existing.deleted_date is not None:
                raise ServiceError(
                    "InvalidRequestException",
                    "You can't create this secret because a secret with this name is already "
                    "scheduled for deletion.",
                )
            raise ServiceError(
                "ResourceExistsException", f"The operation failed because the secret {name} already exists."
            )
        primary_link = check_replica_creation(ctx, params)
        value = _value(params)
        tags = [_tag(t) for t in params.get("Tags") or ()]
        now = ctx.clock.now()
        secret = Secret(
            arn=secret_arn(ctx, name),
            name=name,
            created=now,
            last_changed=now,
            description=params.get("Description"),
            kms_key_id=params.get("KmsKeyId") or None,
            tags=tags,
            type=params.get("Type"),
        )
        secret.replicas = self._replicas(ctx, secret, params.get("AddReplicaRegions") or [])
        secret.cross_account_primary = primary_link
        version_id = params.get("ClientRequestToken") or str(uuid.uuid4())
        if value is not None:
            self._new_version(ctx, store, secret, version_id, value, [CURRENT])
        store.secrets[name] = secret
        self.sync_regions(ctx, secret, overwrite=bool(params.get("ForceOverwriteReplicaSecret")))
        out: dict[str, Any] = {"ARN": secret.arn, "Name": name}
        if value is not None:
            out["VersionId"] = version_id
        if secret.replicas:
            out["ReplicationStatus"] = [dict(r) for r in secret.replicas]
        return out

    def describe_secret(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return describe(self._locate(ctx, params["SecretId"])[1])

    def get_secret_value(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        version = self._version(store, secret, params.get("VersionId"), params.get("VersionStage"))
        out = self._read(ctx, secret, version)
        today = _day(ctx.clock.now())
        if secret.last_accessed != today:
            secret.last_accessed = today
            store.secrets.save(secret.name)
        if version.last_accessed != today:
            version.last_accessed = today
            store.versions.save((secret.arn, version.version_id))
        return out

    def batch_get_secret_value(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        ids, filters = params.get("SecretIdList"), params.get("Filters")
        if (ids is None) == (filters is None):
            raise ServiceError(
                "InvalidParameterException", "Either 'SecretIdList' or 'Filters' must be provided, but not both."
            )
        if ids is not None and params.get("MaxResults") is not None:
            raise ServiceError(
                "InvalidParameterException", "'Filters' must be provided when 'MaxResults' is specified."
            )
        store = ctx.store
        values: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        token = None
        if ids is not None:
            targets = []
            for secret_id in ids:
                try:
                    targets.append((secret_id, live(store, secret_id, ctx.clock.now())))
                except ServiceError as error:
                    errors.append({"SecretId": secret_id, "ErrorCode": error.code, "Message": error.message})
        else:
            check = matcher(filters)
            found = [s for s in store.secrets.values() if s.deleted_date is None and check(s)]  # deleted: excluded
            chunk, token = paginate(found, params, default=20)
            targets = [(s.name, s) for s in chunk]
        for secret_id, secret in targets:
            try:
                values.append(self._read(ctx, secret, self._version(store, secret, None, None)))
            except ServiceError as error:
                errors.append({"SecretId": secret_id, "ErrorCode": error.code, "Message": error.message})
        out: dict[str, Any] = {"SecretValues": values, "Errors": errors}
        if token:
            out["NextToken"] = token
        return out

    def put_secret_value(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _require_token(params)
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        refuse_replica_writes(secret)
        value = _value(params)
        if value is None:
            raise ServiceError(
                "InvalidRequestException", "You must provide either SecretString or SecretBinary."
            )
        version_id = params.get("ClientRequestToken") or str(uuid.uuid4())
        labels = list(params.get("VersionStages") or [CURRENT])
        existing = store.versions.get((secret.arn, version_id))
        if existing is not None:
            if vault.unseal(self.env.internal, ctx, secret.arn, existing) != value[0] or existing.binary != value[1]:
                raise ServiceError(
                    "ResourceExistsException",
                    "You can't modify an existing version, you can only create a new version.",
                )
        else:
            self._new_version(ctx, store, secret, version_id, value, labels)
            if CURRENT in labels:
                self.sync_cross_account(ctx, secret)
            store.secrets.save(secret.name)
            self.sync_regions(ctx, secret)
        return {
            "ARN": secret.arn,
            "Name": secret.name,
            "VersionId": version_id,
            "VersionStages": secret.stages_of(version_id),
        }

    def update_secret(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        value = _value(params)
        if value is not None:
            _require_token(params)
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        if value is not None:
            refuse_replica_writes(secret)
        if "Description" in params:
            secret.description = params["Description"]
        if "KmsKeyId" in params:
            secret.kms_key_id = params["KmsKeyId"] or None
        if "Type" in params:
            secret.type = params["Type"]
        out: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
        if value is not None:
            version_id = params.get("ClientRequestToken") or str(uuid.uuid4())
            if version_id in secret.version_ids:
                raise ServiceError(
                    "ResourceExistsException",
                    "You can't modify an existing version, you can only create a new version.",
                )
            self._new_version(ctx, store, secret, version_id, value, [CURRENT])
            self.sync_cross_account(ctx, secret)
            out["VersionId"] = version_id
        secret.last_changed = ctx.clock.now()
        store.secrets.save(secret.name)
        self.sync_regions(ctx, secret)
        return out

    def update_secret_version_stage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        refuse_replica_writes(secret)
        update_stage(secret, params["VersionStage"], params.get("RemoveFromVersionId"), params.get("MoveToVersionId"))
        if params["VersionStage"] == CURRENT and params.get("MoveToVersionId"):
            self.sync_cross_account(ctx, secret)
        if params["VersionStage"] == CURRENT and secret.rotation_token == params.get("MoveToVersionId"):
            # The rotation this token started is complete.
            secret.last_rotated = ctx.clock.now()
            secret.rotation_token = None
        secret.last_changed = ctx.clock.now()
        store.secrets.save(secret.name)
        self.sync_regions(ctx, secret)
        return {"ARN": secret.arn, "Name": secret.name}

    def list_secret_version_ids(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"])
        labelled = set(secret.stages.values())
        entries = []
        for vid in secret.version_ids:
            if vid not in labelled and not params.get("IncludeDeprecated"):
                continue
            version = store.versions.get((secret.arn, vid))
            entry: dict[str, Any] = {"VersionId": vid}
            if secret.stages_of(vid):
                entry["VersionStages"] = secret.stages_of(vid)
            if version is None:  # a rotation's pending version, no value yet
                entries.append(entry)
                continue
            entry.update({
                "CreatedDate": version.created,
                "KmsKeyIds": [version.kms_key_arn if secret.kms_key_id else "DefaultEncryptionKey"],
            })
            if version.last_accessed is not None:
                entry["LastAccessedDate"] = version.last_accessed
            entries.append(entry)
        chunk, token = paginate(entries, params)
        out: dict[str, Any] = {"Versions": chunk, "ARN": secret.arn, "Name": secret.name}
        if token:
            out["NextToken"] = token
        return out

    def list_secrets(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        check = matcher(params.get("Filters"))
        planned = params.get("IncludePlannedDeletion")
        now = ctx.clock.now()
        found = [
            s for s in ctx.store.secrets.values()
            if (planned or s.deleted_date is None)
            and not (s.deletion_date is not None and s.deletion_date <= now)
            and check(s)
        ]
        found.sort(
            key=_SORT_KEYS[params.get("SortBy", "created-date")],
            reverse=params.get("SortOrder", "desc") == "desc",
        )
        chunk, token = paginate(found, params)
        out: dict[str, Any] = {"SecretList": [describe(s, list_entry=True) for s in chunk]}
        if token:
            out["NextToken"] = token
        return out

    def delete_secret(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        force = params.get("ForceDeleteWithoutRecovery")
        window = params.get("RecoveryWindowInDays")
        try:
            store, secret = self._locate(ctx, params["SecretId"])
        except ServiceError as error:
            if force and window is None and error.code == "ResourceNotFoundException":
                return self._forget(ctx, params["SecretId"])
            raise
        if secret.replicas:
            regions = ",".join(r["Region"] for r in secret.replicas)
            raise ServiceError(
                "InvalidParameterException",
                f"You can't delete secret {params['SecretId']} that still has replica regions [{regions}]",
            )
        if force and window is not None:
            raise ServiceError(
                "InvalidParameterException",
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
            )
        if window is not None and not 7 <= window <= 30:
            raise ServiceError(
                "InvalidParameterException",
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
            )
        now = ctx.clock.now()
        if force:
            self._purge(store, secret)
            return {"ARN": secret.arn, "Name": secret.name, "DeletionDate": now}
        if secret.deleted_date is not None:
            raise ServiceError("InvalidRequestException", MARKED_FOR_DELETION_AGAIN)
        secret.deleted_date = now
        secret.deletion_date = now + (window or 30) * DAY
        store.secrets.save(secret.name)
        return {"ARN": secret.arn, "Name": secret.name, "DeletionDate": secret.deletion_date}

    @staticmethod
    def _forget(ctx: RequestContext, secret_id: str) -> dict[str, Any]:
        """A forced delete of a secret that does not exist succeeds: there is nothing left to
        delete (AWS answers for the name, or the ARN, it was given)."""
        if secret_id.startswith("arn:"):
            name = secret_id.split(":", 6)[6]
            return {"ARN": secret_id, "Name": name[:-7] if name[-7:-6] == "-" else name, "DeletionDate": ctx.clock.now()}
        return {"ARN": secret_arn(ctx, secret_id), "Name": secret_id, "DeletionDate": ctx.clock.now()}

    def restore_secret(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"])
        secret.deleted_date = secret.deletion_date = None
        store.secrets.save(secret.name)
        return {"ARN": secret.arn, "Name": secret.name}

    # -- tags ---------------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        current = {t["Key"]: t["Value"] for t in secret.tags}
        for tag in map(_tag, params["Tags"]):
            current[tag["Key"]] = tag["Value"]
        if len(current) > 50:
            raise ServiceError("InvalidParameterException", "A secret can have at most 50 tags.")
        secret.tags = [{"Key": k, "Value": v} for k, v in current.items()]
        store.secrets.save(secret.name)

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        drop = set(params["TagKeys"])
        secret.tags = [t for t in secret.tags if t["Key"] not in drop]
        store.secrets.save(secret.name)

    # -- resource policies --------------------------------------------------------------------

    @staticmethod
    def _policy_name(params: dict[str, Any], code: str) -> str:
        name = params.get("PolicyName", "default")
        if name != "default":
            if code == "ResourceNotFoundException":
                raise ServiceError(code, f"Secrets Manager can't find the resource policy {name}.")
            raise ServiceError(code, "You can only attach the default resource policy.")
        return name

    def put_resource_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        name = self._policy_name(params, "InvalidParameterException")
        document = policies.parse(params["ResourcePolicy"])
        if params.get("BlockPublicPolicy") and policies.grants_broad_access(document):
            raise ServiceError(
                "PublicPolicyException",
                "The BlockPublicPolicy parameter is set to true, and the resource policy did not "
                "prevent broad access to the secret.",
            )
        secret.policy = params["ResourcePolicy"]
        store.secrets.save(secret.name)
        return {"ARN": secret.arn, "Name": secret.name, "PolicyName": name}

    def get_resource_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        secret = self._locate(ctx, params["SecretId"])[1]
        name = self._policy_name(params, "ResourceNotFoundException")
        out: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
        if secret.policy is not None:
            out["ResourcePolicy"] = secret.policy
            out["PolicyName"] = name
        return out

    def delete_resource_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        name = self._policy_name(params, "ResourceNotFoundException")
        secret.policy = None
        store.secrets.save(secret.name)
        return {"ARN": secret.arn, "Name": secret.name, "PolicyName": name}

    def list_resource_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        secret = self._locate(ctx, params["SecretId"])[1]
        return {"ResourcePolicies": [{"PolicyName": "default"}] if secret.policy is not None else []}

    def validate_resource_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("SecretId"):
            self._locate(ctx, params["SecretId"])[1]
        document = policies.parse(params["ResourcePolicy"])
        errors = []
        if policies.grants_broad_access(document):
            errors.append(
                {
                    "CheckName": "BROAD_ACCESS_CHECK",
                    "ErrorMessage": "The resource policy grants broad access to the secret.",
                }
            )
        return {"PolicyValidationPassed": not errors, "ValidationErrors": errors}

    # -- rotation -----------------------------------------------------------------------------

    def rotate_secret(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        _require_token(params)
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        lambda_arn = params.get("RotationLambdaARN") or secret.rotation_lambda_arn
        metadata = params.get("ExternalSecretRotationMetadata") or secret.rotation_metadata
        if not lambda_arn and not metadata and not secret.owning_service:
            raise ServiceError(
                "InvalidRequestException", "No Lambda rotation function ARN is associated with this secret."
            )
        rules = params["RotationRules"] if "RotationRules" in params else secret.rotation_rules
        if "RotationRules" in params:
            check_rules(rules)
        if lambda_arn:
            self._check_rotation_function(ctx, lambda_arn, secret)
        if PENDING in secret.stages and secret.rotation_token is not None:
            pending = secret.stages[PENDING]
            if pending != secret.stages.get(CURRENT) and pending == secret.rotation_token:
                raise ServiceError(
                    "InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted."
                )
        now = ctx.clock.now()
        secret.rotation_lambda_arn = lambda_arn
        secret.rotation_rules = rules
        if "ExternalSecretRotationMetadata" in params:
            secret.rotation_metadata = params["ExternalSecretRotationMetadata"]
        if "ExternalSecretRotationRoleArn" in params:
            secret.rotation_role_arn = params["ExternalSecretRotationRoleArn"]
        secret.rotation_enabled = True
        token = params.get("ClientRequestToken") or str(uuid.uuid4())
        secret.next_rotation = next_rotation(rules, now) if rules else None
        if params.get("RotateImmediately", True):
            self._start_rotation(ctx.account_id, ctx.region, secret, token, now)
        store.secrets.save(secret.name)
        return {"ARN": secret.arn, "Name": secret.name, "VersionId": token}

    def _check_rotation_function(self, ctx: RequestContext, arn: str, secret: Secret) -> None:
        """Rotation invokes the function: one whose resource policy does not let
        ``secretsmanager.amazonaws.com`` invoke it (or that does not exist: AWS gives the same
        answer) fails the call, and nothing is stored."""
        if not lambda_allows(self.env.internal, arn, "secretsmanager.amazonaws.com",
                             source_arn=secret.arn, source_account=ctx.account_id):  # fmt: skip
            raise ServiceError(
                "AccessDeniedException",
                "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function "
                "policy grants access to the principal secretsmanager.amazonaws.com.",
                400,
            )

    def cancel_rotate_secret(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        if not secret.rotation_enabled:
            raise ServiceError(
                "InvalidRequestException",
                "Secrets Manager can't cancel rotation because rotation isn't enabled for this secret.",
            )
        secret.rotation_enabled = False
        secret.next_rotation = None
        token, secret.rotation_token = secret.rotation_token, None
        store.secrets.save(secret.name)
        out: dict[str, Any] = {"ARN": secret.arn, "Name": secret.name}
        if token:
            out["VersionId"] = token
        return out

    # -- replication ------------------------------------------------------------------------
    # (regions.py: replicas in other Regions of the account; cross_account.py: in other accounts)

    def stop_replication_to_replica(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store, secret = self._locate(ctx, params["SecretId"], live=True)
        if secret.primary_arn is not None:
            self.promote_region_replica(ctx, secret)
            return {"ARN": secret.arn}
        if secret.cross_account_primary is None:
            raise ServiceError(
                "InvalidRequestException",
                f"Secret {secret.name} is a primary secret, not a replica: there is no replication to stop.",
            )
        self.promote_cross_account_replica(ctx, secret)
        return {"ARN": secret.arn}

    # -- passwords ----------------------------------------------------------------------------

    def get_random_password(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return {"RandomPassword": random_password(params)}


MARKED_FOR_DELETION_AGAIN = (
    "You can't perform this operation on the secret because it was already scheduled for deletion."
)


def _tag(tag: dict[str, Any]) -> dict[str, str]:
    """A tag as given: the model makes both members optional; a missing one is kept as an
    empty string rather than failing the request."""
    return {"Key": tag.get("Key", ""), "Value": tag.get("Value", "")}
