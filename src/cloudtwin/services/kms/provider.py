"""AWS Key Management Service, with real cryptography.

The handlers are spread over feature mixins beside this module::

    Provider ── key lifecycle, policies, tags, records of calls   (here)
      ├─ CryptographicOperations  encrypt/decrypt, data keys, sign/verify, MACs  (cryptographic.py)
      ├─ AliasOperations, GrantOperations                          (aliases.py, grants.py)
      ├─ RotationOperations                                        (rotation.py)
      ├─ ImportOperations                                          (imports.py)
      └─ ReplicationOperations  multi-region keys                   (replication.py)

Every call, from a client or from another service through ``self.env.internal``, is
recorded in :class:`~cloudtwin.services.kms.calls.CallLog` (``GET /_cloudtwin/kms/calls``).
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.documents import read_json
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.kms import ciphertext
from cloudtwin.services.kms.aliases import AliasOperations
from cloudtwin.services.kms.calls import CallLog
from cloudtwin.services.kms.crypto import SPEC_INFO, UNSUPPORTED_SPECS, KeyCache, generate_material_off_loop
from cloudtwin.services.kms.cryptographic import CryptographicOperations
from cloudtwin.services.kms.grants import GrantOperations
from cloudtwin.services.kms.imports import ImportOperations, expire_imports
from cloudtwin.services.kms.keys import (
    DAY,
    Keys,
    check_not_pending,
    delete_key,
    invalid_state,
    key_metadata,
    new_key,
)
from cloudtwin.services.kms.models import KmsKey, KmsStore
from cloudtwin.services.kms.paging import page
from cloudtwin.services.kms.replication import ReplicationOperations
from cloudtwin.services.kms.rotation import RotationOperations, rotate_due
from cloudtwin.services.provider import ServiceProvider

#: KeyUsage when CreateKey names none, by the first letters of the key spec.
_DEFAULT_USAGE = {"HMAC": "GENERATE_VERIFY_MAC", "ML_K": "ENCAPSULATE_DECAPSULATE"}
#: Operations that take GrantTokens but do not refuse a bad one (AWS's model declares no
#: InvalidGrantTokenException for them).
_TOKENS_UNCHECKED = frozenset({"DescribeKey"})
_KEY_REF_PARAMS = ("KeyId", "TargetKeyId", "DestinationKeyId", "SourceKeyId")


def check_policy(policy: str) -> None:
    """A key policy must be a JSON object with statements: AWS refuses anything else."""
    try:
        document = read_json(policy)
    except ValueError:
        document = None
    if not isinstance(document, dict) or "Statement" not in document:
        raise ServiceError("MalformedPolicyDocumentException", "The policy document is malformed.")


def check_hmac_usage(usage: str | None) -> None:
    """HMAC keys must be asked for with KeyUsage GENERATE_VERIFY_MAC (AWS documents that the
    usage is required even though it is the only one), with AWS's texts otherwise."""
    if usage is None:
        raise ServiceError(
            "ValidationException",
            "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.",
        )
    if usage != "GENERATE_VERIFY_MAC":
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '{usage}' at 'keyUsage' failed to satisfy constraint: "
            "Member must satisfy enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC]",
        )


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"TagKey": k, "TagValue": v} for k, v in tags.items()]


#: Most tags one request (and one key) may carry.
MAX_TAGS = 50


def tags_from(params: dict[str, Any], reserved: bool = False) -> dict[str, str]:
    """The tags of a request, refused as AWS refuses them: more than 50, a key given twice,
    or a key in the reserved ``aws:`` namespace (in any letter case) unless ``reserved``
    (AWS itself tags, e.g. CloudFormation's stack tags)."""
    given = params.get("Tags") or ()
    if len(given) > MAX_TAGS:
        raise ServiceError("TagException", "Too many tags")
    tags: dict[str, str] = {}
    for tag in given:
        name = tag["TagKey"]
        if name[:4].lower() == "aws:" and not reserved:
            raise ServiceError("TagException", "Tags beginning with aws: are reserved")
        if name in tags:
            raise ServiceError("TagException", "Duplicate tag keys")
        tags[name] = tag["TagValue"]
    return tags


def _identify(entry: dict[str, Any], ref: Any, params: dict[str, Any], result: Any) -> None:
    """Fill in which key a recorded call used: from the answer, else from the request."""
    arn = None
    if result:
        arn = result.get("KeyId") or (result.get("KeyMetadata") or {}).get("Arn")
    if isinstance(arn, str) and ":key/" in arn:
        entry["key_arn"] = arn
        entry["key_id"] = arn.rsplit("/", 1)[1]
        return
    if isinstance(ref, str) and ":key/" in ref:
        entry["key_arn"] = ref
        entry["key_id"] = ref.rsplit("/", 1)[1]
    elif isinstance(ref, str) and not ref.startswith(("alias/", "arn:")):
        entry["key_id"] = ref
    elif ref is None and isinstance(params.get("CiphertextBlob"), bytes):
        try:
            entry["key_id"] = ciphertext.read_header(params["CiphertextBlob"]).key_id
        except ServiceError:
            pass


def _record(
    calls: CallLog, entry: dict[str, Any], ref: Any, params: dict[str, Any], result: Any,
    error: ServiceError | None = None,
) -> Any:
    """Log a finished call (raising its error again, if it failed)."""
    calls.append(entry)
    if error is not None:
        entry["error_code"] = error.code
        _identify(entry, ref, params, None)
        raise error
    _identify(entry, ref, params, result)
    return result


async def _record_when_done(
    calls: CallLog, entry: dict[str, Any], ref: Any, params: dict[str, Any], pending: Any
) -> Any:
    try:
        result = await pending
    except ServiceError as error:
        return _record(calls, entry, ref, params, None, error)
    except BaseException:
        calls.append(entry)
        raise
    return _record(calls, entry, ref, params, result)


class Provider(
    CryptographicOperations,
    AliasOperations,
    GrantOperations,
    RotationOperations,
    ImportOperations,
    ReplicationOperations,
    ServiceProvider,
):
    service_name = "kms"
    store_class = KmsStore

    def __init__(self, env) -> None:
        super().__init__(env)
        self.keys = Keys(self.stores)
        self.crypto = KeyCache()
        self.calls = CallLog()
        self._recorded: dict[str, Callable[..., Any]] = {}
        env.processors.register("kms-keys", self._process)

    # -- recording every call -----------------------------------------------------------------

    def handler(self, operation: str) -> Callable[..., Any] | None:
        wrapped = self._recorded.get(operation)
        if wrapped is None:
            fn = super().handler(operation)
            if fn is None:
                return None
            wrapped = self._recorder(operation, fn)
            self._recorded[operation] = wrapped
        return wrapped

    def _recorder(self, operation: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        calls = self.calls

        def recorded(ctx: RequestContext, params: dict[str, Any]) -> Any:
            ref = next((params[p] for p in _KEY_REF_PARAMS if p in params), None)
            entry: dict[str, Any] = {
                "time": ctx.clock.now(),
                "request_id": ctx.request_id,
                "account": ctx.account_id,
                "region": ctx.region,
                "operation": operation,
                "key_ref": ref,
                "key_id": None,
                "key_arn": None,
                "encryption_context": params.get("EncryptionContext")
                or params.get("DestinationEncryptionContext"),
                "caller": ctx.identity.arn_in(ctx.region),
                "internal": ctx.protocol == "internal",
                "error_code": None,
            }
            if "SourceEncryptionContext" in params:
                entry["source_encryption_context"] = params["SourceEncryptionContext"]
            if params.get("GrantTokens") and operation not in _TOKENS_UNCHECKED:
                try:
                    self.check_grant_tokens(params["GrantTokens"])
                except ServiceError as error:
                    return _record(calls, entry, ref, params, None, error)
            try:
                result = fn(ctx, params)
            except ServiceError as error:
                return _record(calls, entry, ref, params, None, error)
            except BaseException:
                calls.append(entry)
                raise
            if inspect.isawaitable(result):  # made off the event loop (CreateKey of RSA, ...)
                return _record_when_done(calls, entry, ref, params, result)
            return _record(calls, entry, ref, params, result)

        return recorded

    def introspection(self) -> dict[tuple[str, str], Callable[[dict[str, Any]], Any]]:
        return {("GET", "calls"): self.calls.query}

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
        self.calls.clear(account_id)

    # -- due work -----------------------------------------------------------------------------

    def _process(self, now: float) -> dict[str, int]:
        deleted = rotated = expired = 0
        for _, store in self.stores.items():
            for key in list(store.keys.values()):
                if key.state == "PendingDeletion" and key.deletion_date is not None and key.deletion_date <= now:
                    delete_key(store, key)
                    deleted += 1
                    continue
                if expire_imports(key, now):
                    store.keys.save(key.key_id)
                    expired += 1
                if rotate_due(self, key, now):
                    store.keys.save(key.key_id)
                    rotated += 1
        return {"deleted": deleted, "rotated": rotated, "expired_material": expired}

    # -- keys ---------------------------------------------------------------------------------

    async def create_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        spec = params.get("KeySpec") or params.get("CustomerMasterKeySpec") or "SYMMETRIC_DEFAULT"
        if params.get("KeySpec") and params.get("CustomerMasterKeySpec"):
            raise ServiceError(
                "ValidationException",
                "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. "
                "CustomerMasterKeySpec is deprecated.",
            )
        if spec in UNSUPPORTED_SPECS:
            raise ServiceError("UnsupportedOperationException", f"KeySpec {spec} is not supported in this region.")
        if params.get("CustomKeyStoreId") or params.get("XksKeyId"):
            store_id = params.get("CustomKeyStoreId", "")
            raise ServiceError(
                "CustomKeyStoreNotFoundException", f"Custom key store '{store_id}' does not exist"
            )
        origin = params.get("Origin", "AWS_KMS")
        if origin not in ("AWS_KMS", "EXTERNAL"):
            raise ServiceError(
                "CustomKeyStoreNotFoundException", "A custom key store is required for origin " + origin
            )
        if spec.startswith("HMAC_"):
            check_hmac_usage(params.get("KeyUsage"))
        usage = params.get("KeyUsage") or _DEFAULT_USAGE.get(spec[:4], "ENCRYPT_DECRYPT")
        if usage not in SPEC_INFO[spec].usages:
            raise ServiceError(
                "ValidationException", f"KeyUsage {usage} is not compatible with KeySpec {spec}"
            )
        if params.get("MultiRegion") and origin == "EXTERNAL" and spec != "SYMMETRIC_DEFAULT":
            raise ServiceError(
                "UnsupportedOperationException",
                "Multi-Region keys with imported key material must be symmetric encryption keys.",
            )
        policy = params.get("Policy")
        if policy is not None:
            check_policy(policy)
        tags = tags_from(params, reserved=ctx.from_aws)
        material = await generate_material_off_loop(spec) if origin == "AWS_KMS" else None
        key = new_key(
            ctx.account_id,
            ctx.region,
            ctx.partition,
            ctx.clock.now(),
            description=params.get("Description", ""),
            key_usage=usage,
            key_spec=spec,
            origin=origin,
            policy=policy,
            multi_region=bool(params.get("MultiRegion")),
            material=material,
        )
        key.tags = tags
        ctx.store.keys[key.key_id] = key
        return {"KeyMetadata": key_metadata(key, self.stores)}

    def describe_key(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"])
        return {"KeyMetadata": key_metadata(key, self.stores)}

    def list_keys(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        now = ctx.clock.now()
        store = ctx.store
        entries = [
            {"KeyId": k.key_id, "KeyArn": k.arn}
            for k in store.keys.values()
            if not (k.state == "PendingDeletion" and k.deletion_date is not None and k.deletion_date <= now)
        ]
        return page(entries, params, "Keys", default=1000)

    def _managed_key(self, ctx: RequestContext, params: dict[str, Any]) -> KmsKey:
        key = self.keys.resolve(ctx, params["KeyId"])
        if key.account_id != ctx.account_id:
            raise ServiceError("NotFoundException", f"Key '{key.arn}' does not exist")
        return key

    def _save(self, key: KmsKey) -> None:
        self.stores.get(key.account_id, key.region).keys.save(key.key_id)

    def enable_key(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        key = self._managed_key(ctx, params)
        if key.state not in ("Enabled", "Disabled"):
            raise invalid_state(key)
        key.state = "Enabled"
        self._save(key)

    def disable_key(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        key = self._managed_key(ctx, params)
        if key.state not in ("Enabled", "Disabled"):
            raise invalid_state(key)
        key.state = "Disabled"
        self._save(key)

    def schedule_key_deletion(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = self._managed_key(ctx, params)
        if key.key_manager == "AWS":
            raise ServiceError(
                "UnsupportedOperationException", f"{key.arn} is an AWS managed key and cannot be deleted."
            )
        check_not_pending(key)
        days = params.get("PendingWindowInDays", 30)
        if not 7 <= days <= 30:
            raise ServiceError(
                "ValidationException", "PendingWindowInDays value must be between 7 and 30."
            )
        key.state = "PendingDeletion"
        key.deletion_date = ctx.clock.now() + days * DAY
        key.pending_window_days = days
        self._save(key)
        return {
            "KeyId": key.arn,
            "DeletionDate": key.deletion_date,
            "KeyState": key.state,
            "PendingWindowInDays": days,
        }

    def cancel_key_deletion(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = self._managed_key(ctx, params)
        if key.state != "PendingDeletion":
            raise ServiceError("KMSInvalidStateException", f"{key.arn} is not pending deletion.")
        key.state = "Disabled" if key.current is not None or key.origin != "EXTERNAL" else "PendingImport"
        key.deletion_date = None
        key.pending_window_days = None
        self._save(key)
        return {"KeyId": key.arn}

    def update_key_description(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        key = self._managed_key(ctx, params)
        check_not_pending(key)
        key.description = params["Description"]
        self._save(key)

    def get_key_last_usage(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"])
        result: dict[str, Any] = {
            "KeyId": key.arn,
            "TrackingStartDate": key.created,
            "KeyCreationDate": key.created,
        }
        if key.last_used is not None:
            result["KeyLastUsage"] = {"Operation": key.last_operation, "Timestamp": key.last_used}
        return result

    # -- policies -----------------------------------------------------------------------------

    @staticmethod
    def _policy_name(params: dict[str, Any]) -> str:
        name = params.get("PolicyName", "default")
        if name != "default":
            raise ServiceError("NotFoundException", "No such policy exists")
        return name

    def get_key_policy(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        name = self._policy_name(params)
        return {"Policy": key.policy, "PolicyName": name}

    def put_key_policy(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        key = self._managed_key(ctx, params)
        self._policy_name(params)
        check_policy(params["Policy"])
        check_not_pending(key)
        key.policy = params["Policy"]
        self._save(key)

    def list_key_policies(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        self.keys.resolve(ctx, params["KeyId"], aliases=False)
        return page(["default"], params, "PolicyNames")

    # -- tags ---------------------------------------------------------------------------------

    def tag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        key = self._managed_key(ctx, params)
        check_not_pending(key)
        key.tags.update(tags_from(params, reserved=ctx.from_aws))
        if len(key.tags) > MAX_TAGS:
            raise ServiceError("LimitExceededException", "The request would exceed the tag limit of 50.")
        self._save(key)

    def untag_resource(self, ctx: RequestContext, params: dict[str, Any]) -> None:
        key = self._managed_key(ctx, params)
        check_not_pending(key)
        for name in params["TagKeys"]:
            key.tags.pop(name, None)
        self._save(key)

    def list_resource_tags(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        key = self.keys.resolve(ctx, params["KeyId"], aliases=False)
        return page(tag_list(key.tags), params, "Tags", default=50)

    # -- custom key stores: none exist in cloudtwin ------------------------------------------

    def describe_custom_key_stores(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        store_id = params.get("CustomKeyStoreId")
        name = params.get("CustomKeyStoreName")
        if store_id or name:
            raise ServiceError(
                "CustomKeyStoreNotFoundException",
                f"Custom key store '{store_id or name}' does not exist",
            )
        return {"CustomKeyStores": [], "Truncated": False}

    def create_custom_key_store(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        # A custom key store fronts a CloudHSM cluster or an external key manager; cloudtwin
        # has neither, so the store's backing is refused as AWS refuses a missing one.
        if params.get("CustomKeyStoreType") == "EXTERNAL_KEY_STORE":
            raise ServiceError(
                "XksProxyUriUnreachableException",
                f"KMS cannot reach the external key store proxy at {params.get('XksProxyUriEndpoint', '')}.",
            )
        cluster = params.get("CloudHsmClusterId", "")
        raise ServiceError("CloudHsmClusterNotFoundException", f"Cluster {cluster} does not exist.")

    def _no_custom_key_store(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        raise ServiceError(
            "CustomKeyStoreNotFoundException",
            f"Custom key store '{params.get('CustomKeyStoreId', '')}' does not exist",
        )

    update_custom_key_store = _no_custom_key_store
    delete_custom_key_store = _no_custom_key_store
    connect_custom_key_store = _no_custom_key_store
    disconnect_custom_key_store = _no_custom_key_store
