"""AWS Lambda: the API over functions that really run.

The store (models.py) keeps each function as one record; configurations are built and
checked in configuration.py, code in code.py, names in names.py, resource policies in
policy.py, the execution role in roles.py; invocations (sync and async) in invocation.py
run through the execution engine (``cloudtwin.execution``): local processes that speak
the Lambda Runtime API, no Docker.
"""

from __future__ import annotations

import asyncio
import dataclasses
import base64
import json
import random
import re
from pathlib import Path
from typing import Any

from cloudtwin.execution.environment import Blueprint, Outcome
from cloudtwin.execution.pool import EnvironmentPool
from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.aliases import AliasOperations
from cloudtwin.services.lambda_.errors import lambda_error, precondition_failed
from cloudtwin.services.lambda_ import configuration as conf
from cloudtwin.services.lambda_ import names, policy
from cloudtwin.services.lambda_.code import CodeStore, check_request_size
from cloudtwin.services.lambda_.invocation import (
    ASYNC_LIMIT,
    SYNC_LIMIT,
    Invoker,
    Resolved,
    too_large,
)
from cloudtwin.services.lambda_.event_configs import EventConfigOperations
from cloudtwin.services.lambda_.layers import LayerOperations
from cloudtwin.services.lambda_.mappings import MappingOperations
from cloudtwin.services.lambda_.models import LATEST, LambdaStore, function_arn
from cloudtwin.services.lambda_.paging import page as _page
from cloudtwin.services.lambda_.payload_errors import describe as describe_payload_error
from cloudtwin.services.lambda_.pollers import Pollers
from cloudtwin.services.lambda_.settings import SettingOperations
from cloudtwin.services.lambda_.urls import UrlRequests
from cloudtwin.services.lambda_.roles import ExecutionRoles
from cloudtwin.services.lambda_.tags import TagOperations, check_tag_count
from cloudtwin.services.lambda_.vpc import vpc_config
from cloudtwin.services.provider import ServiceProvider

Params = dict[str, Any]

ACCOUNT_CONCURRENCY = 1000
MIN_UNRESERVED = 100
_RESPONSE_LIMIT = 6 * 1024 * 1024 + 100  # as AWS measures it (its error names 6291556 bytes)


def not_found(arn: str) -> ServiceError:
    return lambda_error("ResourceNotFoundException", f"Function not found: {arn}", 404)


class Provider(
    AliasOperations, LayerOperations, SettingOperations, EventConfigOperations, MappingOperations, TagOperations, UrlRequests,
    ServiceProvider,
):
    service_name = "lambda"
    store_class = LambdaStore

    def __init__(self, env) -> None:
        super().__init__(env)
        blob_dir = getattr(env.persistence, "blob_dir", None)
        self.code = CodeStore(Path(blob_dir("lambda")) if callable(blob_dir) else None)
        self.pool = EnvironmentPool(account_limit=ACCOUNT_CONCURRENCY)
        self.roles = ExecutionRoles(env)
        self.invoker = Invoker(env, self.pool, self._resolve)
        self.pollers = Pollers(self)
        env.processors.register("lambda-async", self.invoker.process)
        env.processors.register("lambda-event-sources", self.pollers.sync)
        env.events.subscribe("dynamodb:Change", lambda event: self.pollers.wake(event.account_id, event.region))
        env.events.subscribe("kinesis:Records", lambda event: self.pollers.wake(event.account_id, event.region))

    def introspection(self) -> dict:
        return {
            ("GET", "invocations"): self._introspect_invocations,
            ("GET", "environments"): lambda params: {"environments": self.pool.describe()},
            ("GET", "code"): self._introspect_code,
        }

    def _introspect_code(self, params: dict[str, Any]) -> Any:
        """The zip behind ``GetFunction``'s ``Code.Location``."""
        from cloudtwin.control.payload import ControlError
        from cloudtwin.protocol.http import HttpResponse

        data = self.code.archive(str(params.get("key", ""))) if str(params.get("key", "")).isalnum() else None
        if data is None:
            raise ControlError(404, "no such code archive")
        return HttpResponse(200, {"Content-Type": "application/zip"}, data)

    def _introspect_invocations(self, params: dict[str, Any]) -> Any:
        records = list(self.invoker.records)
        if params.get("function"):
            records = [r for r in records if params["function"] in (r["function"], r["function_arn"])]
        return {"invocations": records}

    def reset(self, account_id: str | None = None) -> None:
        super().reset(account_id)
        self.pollers.stop_all()
        self.invoker.reset()
        self.roles.reset()
        self._in_loop(self.pool.stop_idle())

    async def close(self) -> None:
        """The server stops: pollers end, and every environment's process is stopped."""
        self.pollers.stop_all()
        await self.pool.close()

    # -- lookup ---------------------------------------------------------------------------------

    def _store(self, account_id: str, region: str) -> LambdaStore:
        return self.stores.get(account_id, region)  # type: ignore[union-attr]

    def _ref(self, ctx: RequestContext, params: Params, qualifier: bool = True) -> names.FunctionRef:
        return names.parse(
            params["FunctionName"], ctx.account_id, ctx.region, params.get("Qualifier") if qualifier else None
        )

    def _function(self, ctx: RequestContext, ref: names.FunctionRef) -> tuple[LambdaStore, dict]:
        store = self._store(ref.account_id, ref.region)
        record = store.functions.get(ref.name)
        if record is None:
            raise not_found(function_arn(ctx.partition, ref.region, ref.account_id, ref.name, ref.qualifier))
        return store, record

    def _config(self, ctx: RequestContext, ref: names.FunctionRef, record: dict) -> dict:
        """The configuration a qualifier names: ``$LATEST``, a version, or an alias's version."""
        qualifier = ref.qualifier
        if qualifier in (None, LATEST):
            return record["latest"]
        if qualifier in record["versions"]:
            return record["versions"][qualifier]
        alias = record["aliases"].get(qualifier)
        if alias is not None:
            return record["versions"].get(alias["FunctionVersion"]) or record["latest"]
        raise not_found(function_arn(ctx.partition, ref.region, ref.account_id, ref.name, qualifier))

    # -- functions ------------------------------------------------------------------------------

    async def create_function(self, ctx: RequestContext, params: Params) -> Params:
        name = params["FunctionName"]
        ref = names.parse(name, ctx.account_id, ctx.region, creating=True)
        if ref.qualifier:
            raise names.invalid("Unsupported function name: qualifiers are not allowed here.")
        if ref.account_id != ctx.account_id:
            raise ServiceError("AccessDeniedException", "", 403)  # AWS says no more
        check_request_size(ctx, params.get("Code") or {}, "CreateFunction")
        conf.check_settings(params, creating=True)
        check_tag_count(params.get("Tags"))
        store = self._store(ref.account_id, ref.region)
        arn = function_arn(ctx.partition, ref.region, ref.account_id, ref.name)
        layers = self.layer_entries(ref.account_id, ref.region, params["Layers"]) if params.get("Layers") else None
        if ref.name in store.functions:
            raise lambda_error("ResourceConflictException", f"Function already exist: {ref.name}", 409)
        self.roles.check(params["Role"], ref.name, ref.region)
        if params.get("VpcConfig") is not None:
            params = {**params, "VpcConfig": vpc_config(self.env.internal, params["VpcConfig"], ref.account_id, ref.region)}
        code = await self._code(ctx, params.get("Code") or {}, params.get("PackageType") or "Zip")
        now = ctx.clock.now()
        latest = conf.new_configuration(params, arn, code, ref.region, now)
        conf.transition(latest, "create")
        if layers:
            latest["Layers"] = layers
        record: dict[str, Any] = {
            "latest": latest,
            "versions": {},
            "aliases": {},
            "policies": {},
            "tags": dict(params.get("Tags") or {}),
            "concurrency": None,
            "next_version": 1,
            "code": {LATEST: code},
            "event_configs": {},
            "created": now,
        }
        store.functions[ref.name] = record
        answer = conf.as_response(latest, state="Pending")
        if params.get("Publish"):
            answer["Version"] = self._publish(ctx, store, record, None, "")["Version"]
        return answer

    async def _code(self, ctx: RequestContext, code: Params, package: str) -> dict:
        if package == "Image":
            if not code.get("ImageUri"):
                raise conf.invalid("Please provide ImageUri when PackageType is Image.")
            return {"sha": "", "size": 0, "key": None, "image": code["ImageUri"]}
        if code.get("ImageUri"):
            raise conf.invalid("Please don't provide ImageUri when PackageType is Zip.")
        if code.get("ZipFile") is not None:
            return self.code.add(code["ZipFile"])
        if code.get("S3Bucket") and code.get("S3Key"):
            return self.code.add(await self._s3_object(ctx, code))
        raise conf.invalid("Please provide a source for function code.")

    async def _s3_object(self, ctx: RequestContext, code: Params) -> bytes:
        request = {"Bucket": code["S3Bucket"], "Key": code["S3Key"]}
        if code.get("S3ObjectVersion"):
            request["VersionId"] = code["S3ObjectVersion"]
        try:
            found = await self.env.internal.call_async("s3", "GetObject", request, account_id=ctx.account_id, region=ctx.region)
        except ServiceError as error:
            raise conf.invalid(
                f"Error occurred while GetObject. S3 Error Code: {error.code}. S3 Error Message: {error.message}"
            ) from None
        body = found.get("Body", b"")
        if isinstance(body, (bytes, bytearray)):
            return bytes(body)
        if hasattr(body, "__aiter__"):  # a large object comes in pieces
            return b"".join([piece async for piece in body])
        return b"".join(body)

    def get_function(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params)
        store, record = self._function(ctx, ref)
        config = self._config(ctx, ref, record)
        out: Params = {"Configuration": conf.observe(config)}
        if ref.qualifier == LATEST:
            out["Configuration"]["FunctionArn"] = f"{config['FunctionArn']}:{LATEST}"
        code = record["code"].get(config["Version"]) or record["code"][LATEST]
        if code.get("image"):
            out["Code"] = {"RepositoryType": "ECR", "ImageUri": code["image"], "ResolvedImageUri": code["image"]}
        else:
            host = ctx.request.headers.get("host", "localhost:4566")
            out["Code"] = {
                "RepositoryType": "S3",
                "Location": f"http://{host}/_cloudtwin/lambda/code?function={config['FunctionArn']}&key={code['key']}",
            }
        if record["tags"] and ref.qualifier is None:
            out["Tags"] = dict(record["tags"])
        if record["concurrency"] is not None:
            out["Concurrency"] = {"ReservedConcurrentExecutions": record["concurrency"]}
        return out

    def get_function_configuration(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params)
        _, record = self._function(ctx, ref)
        config = self._config(ctx, ref, record)
        out = conf.observe(config)
        if ref.qualifier == LATEST:
            out["FunctionArn"] = f"{config['FunctionArn']}:{LATEST}"
        return out

    def list_functions(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx.account_id, ctx.region)
        configs: list[dict] = []
        for name in sorted(store.functions):
            record = store.functions[name]
            if params.get("FunctionVersion") == "ALL":
                configs.append(record["latest"])
                configs.extend(record["versions"][v] for v in sorted(record["versions"], key=int))
            else:
                configs.append(record["latest"])
        page, marker = _page(configs, params.get("Marker"), params.get("MaxItems"))
        out: Params = {"Functions": [conf.listed(c, params.get("FunctionVersion") == "ALL") for c in page]}
        if marker:
            out["NextMarker"] = marker
        return out

    def delete_function(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params)
        if ref.qualifier == LATEST:
            raise conf.invalid("$LATEST version cannot be deleted without deleting the function.")
        if ref.qualifier is not None and not ref.qualifier.isdigit():
            raise conf.invalid("Deletion of aliases is not currently supported.")
        store, record = self._function(ctx, dataclasses.replace(ref, qualifier=None))
        arn = function_arn(ctx.partition, ref.region, ref.account_id, ref.name)
        if ref.qualifier is None:
            del store.functions[ref.name]
            self._retire(arn, None)
            return {"StatusCode": 204}
        if ref.qualifier == LATEST:
            raise conf.invalid("$LATEST version cannot be deleted without deleting the function.")
        if ref.qualifier not in record["versions"]:
            return {"StatusCode": 204}  # deleting a version that is not there: done
        if any(a["FunctionVersion"] == ref.qualifier for a in record["aliases"].values()):
            raise lambda_error(
                "ResourceConflictException",
                f"Unable to delete version because the following aliases reference it: "
                f"{[a['Name'] for a in record['aliases'].values() if a['FunctionVersion'] == ref.qualifier]}",
                409,
            )
        del record["versions"][ref.qualifier]
        record["code"].pop(ref.qualifier, None)
        store.save(ref.name)
        return {"StatusCode": 204}

    def _retire(self, arn: str, keep: str | None) -> Params:
        """Stop a function's environments that no longer match its code and configuration."""
        self._in_loop(self.pool.retire(arn, keep))
        return {}

    @staticmethod
    def _in_loop(work) -> None:
        try:
            asyncio.get_running_loop().create_task(work)
        except RuntimeError:  # no loop (a reset from another thread): stopped lazily instead
            work.close()

    async def update_function_code(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        store, record = self._function(ctx, ref)
        latest = record["latest"]
        if params.get("RevisionId") and params["RevisionId"] != latest["RevisionId"]:
            raise precondition_failed()
        package = latest.get("PackageType", "Zip")
        check_request_size(ctx, params, "UpdateFunctionCode")
        code = await self._code(ctx, {k: v for k, v in params.items() if k in ("ZipFile", "S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri")}, package)
        record["code"][LATEST] = code
        latest["CodeSha256"] = code["sha"]
        latest["CodeSize"] = code["size"]
        if params.get("Architectures"):
            latest["Architectures"] = params["Architectures"]
        conf.touch(latest, ctx.clock.now())
        conf.transition(latest, "update")
        store.save(ref.name)
        self._retire(latest["FunctionArn"], self._key(latest, code))
        if params.get("Publish"):
            # the version is made from code still being deployed: it starts Pending, and the
            # first read of it sees that too
            known = len(record["versions"])
            answer = self._publish(ctx, store, record, None, "")
            version = record["versions"].get(answer["Version"])
            if version is not None and len(record["versions"]) > known:
                conf.transition(version, "create")
                store.save(ref.name)
                return conf.as_response(version, state="Pending")
            return answer
        return conf.as_response(latest, update="InProgress")

    def update_function_configuration(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        store, record = self._function(ctx, ref)
        latest = record["latest"]
        if params.get("RevisionId") and params["RevisionId"] != latest["RevisionId"]:
            raise precondition_failed()
        conf.check_settings(params, creating=False)
        if params.get("Role") and params["Role"] != latest["Role"]:
            self.roles.check(params["Role"], ref.name, ref.region)
        layers = self.layer_entries(ref.account_id, ref.region, params["Layers"]) if "Layers" in params else None
        if params.get("VpcConfig") is not None:
            params = {**params, "VpcConfig": vpc_config(self.env.internal, params["VpcConfig"], ref.account_id, ref.region)}
        conf.update_configuration(latest, params, ref.region, ctx.clock.now())
        conf.transition(latest, "update")
        if layers is not None:
            latest["Layers"] = layers
            if not layers:
                del latest["Layers"]
        store.save(ref.name)
        self._retire(latest["FunctionArn"], self._key(latest, record["code"][LATEST]))
        return conf.as_response(latest, update="InProgress")

    # -- versions and aliases ---------------------------------------------------------------------

    def publish_version(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        store, record = self._function(ctx, ref)
        latest = record["latest"]
        if params.get("CodeSha256") and params["CodeSha256"] != latest["CodeSha256"]:
            raise conf.invalid(
                f"CodeSHA256 ({params['CodeSha256']}) is different from current CodeSHA256 in $LATEST "
                f"({latest['CodeSha256']}). Please try again with the CodeSHA256 in $LATEST."
            )
        if params.get("RevisionId") and params["RevisionId"] != latest["RevisionId"]:
            raise precondition_failed()
        return self._publish(ctx, store, record, params.get("Description"), "")

    def _publish(self, ctx: RequestContext, store: LambdaStore, record: dict, description: str | None, _: str) -> dict:
        latest = record["latest"]
        newest = max(record["versions"], key=int) if record["versions"] else None
        if newest is not None:
            last = record["versions"][newest]
            unchanged = (
                record["published_from"] == latest["RevisionId"]
                if "published_from" in record
                else last["CodeSha256"] == latest["CodeSha256"] and _same_config(last, latest)
            )
            if unchanged:
                return conf.as_response(last)  # nothing changed since: AWS returns the last version
        number = str(record["next_version"])
        record["next_version"] += 1
        version = dict(latest)
        version.pop("_transition_revision", None)
        version.pop("_pending", None)
        version["Version"] = number
        version["FunctionArn"] = f"{latest['FunctionArn']}:{number}"
        if description is not None:
            version["Description"] = description
        conf.touch(version, ctx.clock.now())
        record["versions"][number] = version
        record["code"][number] = record["code"][LATEST]
        record["published_from"] = latest["RevisionId"]
        store.save(latest["FunctionName"])
        return conf.as_response(version)

    def list_versions_by_function(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        _, record = self._function(ctx, ref)
        configs = [record["latest"]] + [record["versions"][v] for v in sorted(record["versions"], key=int)]
        page, marker = _page(configs, params.get("Marker"), params.get("MaxItems"))
        out: Params = {"Versions": [conf.listed(c, True) for c in page]}
        if marker:
            out["NextMarker"] = marker
        return out

    # -- permissions, tags, concurrency -------------------------------------------------------------

    def _policy_target(self, ctx: RequestContext, params: Params) -> tuple[LambdaStore, dict, str, str]:
        ref = self._ref(ctx, params)
        store, record = self._function(ctx, ref)
        qualifier = ref.qualifier or ""
        if qualifier and qualifier != LATEST:
            if not qualifier.isdigit() and qualifier not in record["aliases"] and re.fullmatch(r"[a-zA-Z0-9-_]+", qualifier):
                raise lambda_error(  # a name that can only be an alias's
                    "ResourceNotFoundException", f"Cannot find alias arn: {self._alias_arn(record, qualifier)}", 404
                )
            self._config(ctx, ref, record)  # the version or alias must exist
        resource = record["latest"]["FunctionArn"] + (f":{qualifier}" if qualifier else "")
        return store, record, qualifier, resource

    def add_permission(self, ctx: RequestContext, params: Params) -> Params:
        store, record, qualifier, resource = self._policy_target(ctx, params)
        if qualifier == LATEST:
            raise conf.invalid("We currently do not support adding policies for $LATEST.")
        statements = record["policies"].setdefault(qualifier, [])
        if params.get("RevisionId") and params["RevisionId"] != record["latest"]["RevisionId"]:
            raise precondition_failed()
        new = policy.statement(params, resource, ctx.partition)
        policy.add(statements, new)
        store.save(record["latest"]["FunctionName"])
        return {"Statement": json.dumps(new, separators=(",", ":"))}

    def remove_permission(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params)
        if ref.name not in self._store(ref.account_id, ref.region).functions:
            arn = function_arn(ctx.partition, ref.region, ref.account_id, ref.name, ref.qualifier)
            raise lambda_error("ResourceNotFoundException", f"No policy found for: {arn}", 404)
        store, record, qualifier, _ = self._policy_target(ctx, params)
        statements = record["policies"].get(qualifier)
        if not statements:
            raise lambda_error("ResourceNotFoundException", "No policy is associated with the given resource.", 404)
        policy.remove(statements, params["StatementId"])
        if not statements:
            del record["policies"][qualifier]
        store.save(record["latest"]["FunctionName"])
        return {}

    def get_policy(self, ctx: RequestContext, params: Params) -> Params:
        try:
            _, record, qualifier, _ = self._policy_target(ctx, params)
        except ServiceError as error:
            if error.code != "ResourceNotFoundException":
                raise
            raise lambda_error("ResourceNotFoundException", "The resource you requested does not exist.", 404) from None
        statements = record["policies"].get(qualifier)
        if not statements:
            raise lambda_error("ResourceNotFoundException", "The resource you requested does not exist.", 404)
        return {"Policy": policy.document(statements), "RevisionId": record["latest"]["RevisionId"]}

    def _reserved_total(self, store: LambdaStore, skip: str | None = None) -> int:
        return sum(r["concurrency"] or 0 for n, r in store.functions.items() if n != skip)

    def put_function_concurrency(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        if ref.qualifier:
            raise conf.invalid(
                "This operation is permitted on Lambda functions only. Aliases and versions do not support this "
                "operation. Please specify either a function name or an unqualified function ARN."
            )
        store = self._store(ref.account_id, ref.region)
        record = store.functions.get(ref.name)
        if record is None:
            raise not_found(function_arn(ctx.partition, ref.region, ref.account_id, ref.name, LATEST))
        wanted = params["ReservedConcurrentExecutions"]
        if ACCOUNT_CONCURRENCY - self._reserved_total(store, ref.name) - wanted < MIN_UNRESERVED:
            # (AWS sends the limit errors without the "Type" member)
            raise ServiceError("InvalidParameterValueException", 
                "Specified ReservedConcurrentExecutions for function decreases account's "
                f"UnreservedConcurrentExecution below its minimum value of [{MIN_UNRESERVED}]."
            )
        record["concurrency"] = wanted
        store.save(ref.name)
        return {"ReservedConcurrentExecutions": wanted}

    def get_function_concurrency(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        _, record = self._function(ctx, ref)
        if record["concurrency"] is None:
            return {}
        return {"ReservedConcurrentExecutions": record["concurrency"]}

    def delete_function_concurrency(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params, qualifier=False)
        store, record = self._function(ctx, ref)
        record["concurrency"] = None
        store.save(ref.name)
        return {}

    def get_account_settings(self, ctx: RequestContext, params: Params) -> Params:
        store = self._store(ctx.account_id, ctx.region)
        total = sum(
            code.get("size", 0) for r in store.functions.values() for code in r["code"].values()
        ) + sum(v["_code"]["size"] for layer in store.layers.values() for v in layer["versions"].values())
        return {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": ACCOUNT_CONCURRENCY,
                "UnreservedConcurrentExecutions": ACCOUNT_CONCURRENCY - self._reserved_total(store),
            },
            "AccountUsage": {"TotalCodeSize": total, "FunctionCount": len(store.functions)},
        }

    # -- invoking ---------------------------------------------------------------------------------

    def _key(self, config: dict, code: dict) -> str:
        relevant = {k: config.get(k) for k in ("Runtime", "Handler", "MemorySize", "Timeout", "Environment", "Role", "Layers", "RevisionId")}
        return f"{code.get('key')}:{json.dumps(relevant, sort_keys=True)}"

    def _resolve(self, account_id: str, region: str, name: str, qualifier: str | None,
                 provision: bool = False) -> Resolved:  # fmt: skip
        """What an invocation of ``name:qualifier`` runs (alias routing picks a version);
        ``provision``: a provisioned-concurrency environment, to initialize ahead."""
        store = self._store(account_id, region)
        record = store.functions.get(name)
        partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
        if record is None:  # an unqualified invocation names $LATEST, as AWS's message does
            raise not_found(function_arn(partition, region, account_id, name, qualifier or LATEST))
        invoked = function_arn(partition, region, account_id, name, qualifier)
        version = qualifier or LATEST
        alias = record["aliases"].get(qualifier) if qualifier else None
        if alias is not None:
            version = alias["FunctionVersion"]
            weights = (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
            roll = random.random()
            for extra, weight in weights.items():
                if roll < weight:
                    version = extra
                    break
                roll -= weight
        if version == LATEST:
            config = record["latest"]
        elif version in record["versions"]:
            config = record["versions"][version]
        else:
            raise not_found(invoked)
        code = record["code"].get(version) or record["code"][LATEST]
        if config.get("PackageType") == "Image":
            raise lambda_error(
                "InvalidRuntimeException",
                "cloudtwin cannot run container image functions (PackageType Image): it runs zip "
                "functions as local processes, without Docker",
                502,
            )
        endpoint = f"http://{self._host()}"
        credentials = self.roles.credentials(config["Role"], name, region)
        # Provisioned concurrency (per version or alias) is carved out of the function's
        # reserved concurrency: other invocations may use only what is left.
        provisioned = record.get("provisioned") or {}
        slots = sum(
            p["requested"] for q, p in provisioned.items()
            if version != LATEST and p.get("status", "READY") == "READY"
            and (q == version or (q in record["aliases"] and record["aliases"][q]["FunctionVersion"] == version))
        )  # fmt: skip
        # not ready yet, or busy provisioned environments: the invocation goes to on-demand ones
        warm = provision or (
            slots > 0 and self.pool.busy(function_arn(partition, region, account_id, name), "provisioned-concurrency") < slots
        )
        reserved = record["concurrency"]
        if reserved is not None and not warm:
            reserved = max(0, reserved - sum(p["requested"] for p in provisioned.values()))
        blueprint = Blueprint(
            function_name=name,
            function_arn=function_arn(partition, region, account_id, name),
            version=config["Version"],
            runtime=config.get("Runtime") or "",
            handler=config.get("Handler") or "",
            code_dir=str(self.code.directory(code["key"])),
            layer_dirs=self.layer_dirs(account_id, region, config.get("Layers") or []),
            memory_mb=config["MemorySize"],
            timeout=config["Timeout"],
            variables=tuple(sorted(((config.get("Environment") or {}).get("Variables") or {}).items())),
            account_id=account_id,
            region=region,
            endpoint=endpoint,
            log_group=(config.get("LoggingConfig") or {}).get("LogGroup") or f"/aws/lambda/{name}",
            credentials=credentials,
            key=self._key(config, code) + (credentials[0] if credentials else "") + (":provisioned" if warm else ""),
            initialization_type="provisioned-concurrency" if warm else "on-demand",
        )
        event_config = record["event_configs"].get(qualifier or LATEST) or {}
        return Resolved(
            blueprint=blueprint,
            reserved=reserved,
            executed_version=config["Version"],
            invoked_arn=invoked,
            event_config=event_config,
            dead_letter_arn=(config.get("DeadLetterConfig") or {}).get("TargetArn"),
            disabled=record["concurrency"] == 0,
        )

    def _host(self) -> str:
        config = self.env.config
        host = "127.0.0.1" if config.host in ("0.0.0.0", "::", "") else config.host
        return f"{host}:{config.port}"

    async def invoke(self, ctx: RequestContext, params: Params) -> Params:
        ref = self._ref(ctx, params)
        kind = params.get("InvocationType") or "RequestResponse"
        payload = params.get("Payload") or b""
        if isinstance(payload, str):
            payload = payload.encode()
        limit = ASYNC_LIMIT if kind == "Event" else SYNC_LIMIT
        if len(payload) > limit:
            raise too_large(limit, "Invoke" if kind != "Event" else "InvokeAsync")
        if payload.strip():
            try:
                json.loads(payload)
            except ValueError:
                raise lambda_error(
                    "InvalidRequestContentException",
                    "Could not parse request body into json: Could not parse payload into json: "
                    f"{describe_payload_error(payload)}",
                    400,
                ) from None
        else:
            payload = b"{}"
        target = self._resolve(ref.account_id, ref.region, ref.name, ref.qualifier)
        if kind == "DryRun":
            return {"StatusCode": 204, "Payload": b""}
        if kind == "Event":
            # The invocation's request id is the Invoke call's, as AWS reports both.
            self.invoker.enqueue((ref.account_id, ref.region, ref.name), ref.qualifier, payload,
                                 trace_id=ctx.request.headers.get("x-amzn-trace-id"), request_id=ctx.request_id)
            return {"StatusCode": 202, "Payload": b""}
        client_context = params.get("ClientContext")
        if client_context:
            try:
                client_context = base64.b64decode(client_context).decode()
            except ValueError:
                raise conf.invalid("Client context must be a valid Base64-encoded JSON object.") from None
        # The invocation's request id is the Invoke call's, as in AWS's logs.
        _, outcome = await self.invoker.run(
            target, payload, "Invoke", client_context=client_context, request_id=ctx.request_id,
            trace_id=ctx.request.headers.get("x-amzn-trace-id"),
        )
        return self._answer(outcome, target, params.get("LogType") == "Tail")

    async def invoke_with_response_stream(self, ctx: RequestContext, params: Params) -> Params:
        """The function's answer as an event stream: its payload in chunks, then
        ``InvokeComplete`` (with the error and the log tail when asked). Runtimes here answer
        whole, so the chunks follow the answer."""
        answer = await self.invoke(ctx, params)
        if answer["StatusCode"] == 204:
            return {"StatusCode": 204, "EventStream": []}
        payload: bytes = answer["Payload"]
        complete: Params = {}
        if answer.get("FunctionError"):
            try:
                details = json.loads(payload)
            except ValueError:
                details = {}
            complete = {"ErrorCode": details.get("errorType") or answer["FunctionError"],
                        "ErrorDetails": details.get("errorMessage", "")}  # fmt: skip
        if answer.get("LogResult"):
            complete["LogResult"] = answer["LogResult"]
        chunk = 64 * 1024
        events: list[Params] = [] if complete.get("ErrorCode") else [
            {"PayloadChunk": {"Payload": payload[i : i + chunk]}} for i in range(0, len(payload), chunk)
        ]
        events.append({"InvokeComplete": complete})
        return {
            "StatusCode": 200,
            "ExecutedVersion": answer["ExecutedVersion"],
            "ResponseStreamContentType": "application/octet-stream",
            "EventStream": events,
        }

    def _answer(self, outcome: Outcome, target: Resolved, tail: bool) -> Params:
        payload = outcome.payload
        error = outcome.error
        if len(payload) > _RESPONSE_LIMIT:
            payload = json.dumps({
                "errorMessage": f"Response payload size exceeded maximum allowed payload size ({_RESPONSE_LIMIT} bytes).",
                "errorType": "Function.ResponseSizeTooLarge",
            }).encode()  # fmt: skip
            error = "Unhandled"
        out: Params = {"StatusCode": 200, "Payload": payload, "ExecutedVersion": target.executed_version}
        if error:
            out["FunctionError"] = error
        if tail:
            out["LogResult"] = outcome.tail()
        return out


def _same_config(a: dict, b: dict) -> bool:
    keys = ("Runtime", "Handler", "MemorySize", "Timeout", "Environment", "Role", "Layers")
    return all(a.get(k) == b.get(k) for k in keys)
