"""Per-function settings that are stored and answered: function URL configurations (the
URLs themselves are served by urls.py), provisioned concurrency, code signing, recursion
and runtime management."""

from __future__ import annotations

import re
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.errors import lambda_error
from cloudtwin.services.lambda_.configuration import invalid, timestamp
from cloudtwin.services.lambda_.models import LATEST
from cloudtwin.services.lambda_.paging import page

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
#: The tag that names a function URL's id (a LocalStack convention cloudtwin keeps).
CUSTOM_ID_TAG = "_custom_id_"
_DNS_LABEL = re.compile(r"^[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def _not_found() -> ServiceError:
    return lambda_error("ResourceNotFoundException", "The resource you requested does not exist.", 404)


class SettingOperations:
    """Handlers mixed into the Lambda provider."""

    # -- function URLs ------------------------------------------------------------------------------

    def _url_target(self, ctx: "RequestContext", params: Params) -> tuple[Any, dict, str]:
        ref = self._ref(ctx, params)  # type: ignore[attr-defined]
        store, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        qualifier = ref.qualifier or ""
        if qualifier and qualifier not in record["aliases"]:
            if qualifier == LATEST or qualifier.isdigit():
                raise invalid("1 validation error detected: Value at 'qualifier' failed to satisfy constraint: "
                              "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)")
            self._config(ctx, ref, record)  # type: ignore[attr-defined]
        record.setdefault("urls", {})
        return store, record, qualifier

    def _url_view(self, config: Params) -> Params:
        return {k: v for k, v in config.items() if not k.startswith("_")}

    def _custom_url_id(self, record: dict, qualifier: str) -> str | None:
        """LocalStack's convention, for those who come from it: a function tagged
        ``_custom_id_`` gets that URL id (``<id>-<qualifier>`` for an alias's URL) when it is a
        DNS label no other URL has; otherwise the URL id is random, as on AWS."""
        custom = (record.get("tags") or {}).get(CUSTOM_ID_TAG)
        if not custom:
            return None
        url_id = f"{custom}-{qualifier}" if qualifier else custom
        if not _DNS_LABEL.match(url_id) or self._url_config(url_id) is not None:  # type: ignore[attr-defined]
            return None
        return url_id

    def create_function_url_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, record, qualifier = self._url_target(ctx, params)
        if qualifier in record["urls"]:
            raise lambda_error(
                "ResourceConflictException",
                f"Failed to create function url config for [functionArn = {record['latest']['FunctionArn']}"
                f"{':' + qualifier if qualifier else ''}]. Error message:  FunctionUrlConfig exists for this Lambda function",
                409,
            )
        url_id = self._custom_url_id(record, qualifier) or "".join(secrets.choice(_ALPHABET) for _ in range(32))
        now = timestamp(ctx.clock.now())
        config = self.env.config  # type: ignore[attr-defined]
        host = f"{url_id}.lambda-url.{ctx.region}.{config.url_domain()}:{config.port}"
        config: Params = {
            "FunctionUrl": f"http://{host}/",
            "FunctionArn": record["latest"]["FunctionArn"] + (f":{qualifier}" if qualifier else ""),
            "AuthType": params["AuthType"],
            "CreationTime": now,
            "LastModifiedTime": now,
            "InvokeMode": params.get("InvokeMode") or "BUFFERED",
            "_id": url_id,
        }
        if params.get("Cors"):
            config["Cors"] = params["Cors"]
        record["urls"][qualifier] = config
        store.save(record["latest"]["FunctionName"])
        # the answer shows InvokeMode only when it was given (reads always show it); an update's
        # also when it is not the default
        return {k: v for k, v in self._url_view(config).items()
                if k != "LastModifiedTime" and (k != "InvokeMode" or "InvokeMode" in params)}  # fmt: skip

    def get_function_url_config(self, ctx: "RequestContext", params: Params) -> Params:
        _, record, qualifier = self._url_target(ctx, params)
        config = record["urls"].get(qualifier)
        if config is None:
            raise lambda_error("ResourceNotFoundException", "The resource you requested does not exist.", 404)
        return self._url_view(config)

    def update_function_url_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, record, qualifier = self._url_target(ctx, params)
        config = record["urls"].get(qualifier)
        if config is None:
            raise _not_found()
        for member in ("AuthType", "Cors", "InvokeMode"):
            if member in params:
                config[member] = params[member]
        config["LastModifiedTime"] = timestamp(ctx.clock.now())
        store.save(record["latest"]["FunctionName"])
        return {k: v for k, v in self._url_view(config).items()
                if k != "InvokeMode" or "InvokeMode" in params or v != "BUFFERED"}  # fmt: skip

    def delete_function_url_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, record, qualifier = self._url_target(ctx, params)
        if record["urls"].pop(qualifier, None) is None:
            raise _not_found()
        store.save(record["latest"]["FunctionName"])
        return {}

    def list_function_url_configs(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)  # type: ignore[attr-defined]
        if ref.name not in self._store(ref.account_id, ref.region).functions:  # type: ignore[attr-defined]
            raise lambda_error("ResourceNotFoundException", "Function does not exist", 404)
        _, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        configs = [self._url_view(c) for _, c in sorted((record.get("urls") or {}).items())]
        chosen, marker = page(configs, params.get("Marker"), params.get("MaxItems"))
        return {"FunctionUrlConfigs": chosen, **({"NextMarker": marker} if marker else {})}

    # -- provisioned concurrency --------------------------------------------------------------------

    def _provisioned_target(self, ctx: "RequestContext", params: Params) -> tuple[Any, dict, str]:
        ref = self._ref(ctx, params)  # type: ignore[attr-defined]
        store, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        if ref.qualifier in (None, LATEST):
            raise invalid("Provisioned Concurrency Configs cannot be applied to unpublished function versions.")
        self._config(ctx, ref, record)  # type: ignore[attr-defined]
        record.setdefault("provisioned", {})
        return store, record, ref.qualifier  # type: ignore[return-value]

    def put_provisioned_concurrency_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, record, qualifier = self._provisioned_target(ctx, params)
        wanted = params["ProvisionedConcurrentExecutions"]
        # allocated asynchronously: environments are started and initialized, then READY (or
        # FAILED when the function's initialization fails); until then invocations are on-demand
        entry = {"requested": wanted, "modified": timestamp(ctx.clock.now()), "status": "IN_PROGRESS",
                 "token": uuid.uuid4().hex}  # fmt: skip
        record["provisioned"][qualifier] = entry
        name = record["latest"]["FunctionName"]
        store.save(name)
        self._in_loop(self._provision(ctx.account_id, ctx.region, name, qualifier, entry))  # type: ignore[attr-defined]
        return self._provisioned_view(entry)

    async def _provision(self, account: str, region: str, name: str, qualifier: str, entry: dict) -> None:
        """Initialize the requested environments (``AWS_LAMBDA_INITIALIZATION_TYPE``
        ``provisioned-concurrency``); an initialization error fails the config as AWS reports
        it (``FUNCTION_ERROR_INIT_FAILURE``)."""
        store = self._store(account, region)  # type: ignore[attr-defined]
        failed = None
        try:
            for _ in range(entry["requested"]):
                target = self._resolve(account, region, name, qualifier, provision=True)  # type: ignore[attr-defined]
                failed = await self.pool.prewarm(target.blueprint)  # type: ignore[attr-defined]
                if failed is not None:
                    break
        except ServiceError:
            return  # the function or version went away meanwhile
        except Exception as error:  # noqa: BLE001 - a runtime that cannot start
            failed = str(error).encode()
        record = store.functions.get(name)
        current = (record or {}).get("provisioned", {}).get(qualifier)
        if current is None or current.get("token") != entry["token"]:
            return  # deleted or replaced meanwhile
        if failed is None:
            current["status"] = "READY"
        else:
            current.update(status="FAILED", reason="FUNCTION_ERROR_INIT_FAILURE")
        store.save(name)

    def _provisioned_view(self, entry: dict) -> Params:
        status = entry.get("status", "READY")
        ready = entry["requested"] if status == "READY" else 0
        out = {
            "RequestedProvisionedConcurrentExecutions": entry["requested"],
            "AvailableProvisionedConcurrentExecutions": ready,
            "AllocatedProvisionedConcurrentExecutions": ready,
            "Status": status,
            "LastModified": entry["modified"],
        }
        if entry.get("reason"):
            out["StatusReason"] = entry["reason"]
        return out

    def get_provisioned_concurrency_config(self, ctx: "RequestContext", params: Params) -> Params:
        _, record, qualifier = self._provisioned_target(ctx, params)
        entry = record["provisioned"].get(qualifier)
        if entry is None:
            raise lambda_error(
                "ProvisionedConcurrencyConfigNotFoundException",
                "No Provisioned Concurrency Config found for this function", 404,
            )
        return self._provisioned_view(entry)

    def delete_provisioned_concurrency_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, record, qualifier = self._provisioned_target(ctx, params)
        if record["provisioned"].pop(qualifier, None) is None:
            raise lambda_error("ProvisionedConcurrencyConfigNotFoundException",
                               "No Provisioned Concurrency Config found for this function", 404)  # fmt: skip
        store.save(record["latest"]["FunctionName"])
        return {}

    def list_provisioned_concurrency_configs(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)  # type: ignore[attr-defined]
        _, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        base = record["latest"]["FunctionArn"]
        return {"ProvisionedConcurrencyConfigs": [
            {"FunctionArn": f"{base}:{q}", **self._provisioned_view(e)}
            for q, e in sorted((record.get("provisioned") or {}).items())
        ]}  # fmt: skip

    # -- recursion, runtime management ----------------------------------------------------------------

    def put_function_recursion_config(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)  # type: ignore[attr-defined]
        store, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        record["recursion"] = params["RecursiveLoop"]
        store.save(ref.name)
        return {"RecursiveLoop": record["recursion"]}

    def get_function_recursion_config(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)  # type: ignore[attr-defined]
        _, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        return {"RecursiveLoop": record.get("recursion", "Terminate")}

    def get_runtime_management_config(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params)  # type: ignore[attr-defined]
        _, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        config = self._config(ctx, ref, record)  # type: ignore[attr-defined]
        setting = record.get("runtime_management") or {"UpdateRuntimeOn": "Auto"}
        out: Params = {"UpdateRuntimeOn": setting["UpdateRuntimeOn"], "FunctionArn": config["FunctionArn"]}
        if setting.get("RuntimeVersionArn"):
            out["RuntimeVersionArn"] = setting["RuntimeVersionArn"]
        return out

    def put_runtime_management_config(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params)  # type: ignore[attr-defined]
        store, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        mode = params["UpdateRuntimeOn"]
        if mode == "Manual" and not params.get("RuntimeVersionArn"):
            raise invalid("RuntimeVersionArn must be provided when UpdateRuntimeOn is Manual.")
        record["runtime_management"] = {"UpdateRuntimeOn": mode, "RuntimeVersionArn": params.get("RuntimeVersionArn")}
        store.save(ref.name)
        return self.get_runtime_management_config(ctx, params)

    # -- code signing -----------------------------------------------------------------------------------

    def create_code_signing_config(self, ctx: "RequestContext", params: Params) -> Params:
        store = self._store(ctx.account_id, ctx.region)  # type: ignore[attr-defined]
        config_id = "csc-" + uuid.uuid4().hex[:17]
        config: Params = {
            "CodeSigningConfigId": config_id,
            "CodeSigningConfigArn": f"arn:{ctx.partition}:lambda:{ctx.region}:{ctx.account_id}:code-signing-config:{config_id}",
            "Description": params.get("Description", ""),
            "AllowedPublishers": params["AllowedPublishers"],
            "CodeSigningPolicies": params.get("CodeSigningPolicies") or {"UntrustedArtifactOnDeployment": "Warn"},
            "LastModified": timestamp(ctx.clock.now()),
        }
        if params.get("Tags"):
            config["_tags"] = dict(params["Tags"])
        store.signing[config["CodeSigningConfigArn"]] = config
        return {"CodeSigningConfig": _shown(config)}

    def _signing(self, ctx: "RequestContext", arn: str) -> tuple[Any, dict]:
        store = self._store(ctx.account_id, ctx.region)  # type: ignore[attr-defined]
        config = store.signing.get(arn)
        if config is None:
            # (AWS sends this one without the "Type" member)
            raise ServiceError("ResourceNotFoundException", f"The Lambda code signing configuration {arn} can not be found.", 404)
        return store, config

    def get_code_signing_config(self, ctx: "RequestContext", params: Params) -> Params:
        return {"CodeSigningConfig": _shown(self._signing(ctx, params["CodeSigningConfigArn"])[1])}

    def update_code_signing_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, config = self._signing(ctx, params["CodeSigningConfigArn"])
        for member in ("Description", "AllowedPublishers", "CodeSigningPolicies"):
            if member in params:
                config[member] = params[member]
        config["LastModified"] = timestamp(ctx.clock.now())
        store.signing[config["CodeSigningConfigArn"]] = config
        return {"CodeSigningConfig": _shown(config)}

    def delete_code_signing_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, config = self._signing(ctx, params["CodeSigningConfigArn"])
        del store.signing[config["CodeSigningConfigArn"]]
        return {}

    def list_code_signing_configs(self, ctx: "RequestContext", params: Params) -> Params:
        store = self._store(ctx.account_id, ctx.region)  # type: ignore[attr-defined]
        return {"CodeSigningConfigs": [_shown(c) for c in store.signing.values()]}

    def put_function_code_signing_config(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)  # type: ignore[attr-defined]
        arn = params["CodeSigningConfigArn"]
        if arn not in self._store(ref.account_id, ref.region).signing:  # type: ignore[attr-defined]
            raise lambda_error(
                "CodeSigningConfigNotFoundException",
                f"The code signing configuration cannot be found. Check that the provided configuration is not deleted: {arn}.",
                404,
            )
        store, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        record["signing"] = params["CodeSigningConfigArn"]
        store.save(ref.name)
        return {"CodeSigningConfigArn": record["signing"], "FunctionName": ref.name}

    def get_function_code_signing_config(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)  # type: ignore[attr-defined]
        _, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        if not record.get("signing"):
            return {}  # AWS answers a function without one with an empty body
        return {"CodeSigningConfigArn": record["signing"], "FunctionName": ref.name}

    def list_functions_by_code_signing_config(self, ctx: "RequestContext", params: Params) -> Params:
        store, config = self._signing(ctx, params["CodeSigningConfigArn"])
        arns = [r["latest"]["FunctionArn"] for _, r in sorted(store.functions.items())
                if r.get("signing") == config["CodeSigningConfigArn"]]  # fmt: skip
        chosen, marker = page(arns, params.get("Marker"), params.get("MaxItems"))
        return {"FunctionArns": chosen, **({"NextMarker": marker} if marker else {})}

    def delete_function_code_signing_config(self, ctx: "RequestContext", params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)  # type: ignore[attr-defined]
        store, record = self._function(ctx, ref)  # type: ignore[attr-defined]
        record.pop("signing", None)
        store.save(ref.name)
        return {}


def _shown(config: Params) -> Params:
    """A code signing config as the API shows it (its tags are read with ListTags)."""
    return {k: v for k, v in config.items() if not k.startswith("_")}
