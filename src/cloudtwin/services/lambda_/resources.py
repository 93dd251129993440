"""CloudFormation resource handlers of Lambda's types (``AWS::Lambda::*``).

Creating a function and publishing code are asynchronous operations of the service, so
these handlers are coroutines and call through ``request.call_async``. A function is
read once after each change, as CloudFormation's waiter does, so that the stack goes on
with an ``Active`` function.
"""

from __future__ import annotations

import asyncio
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import changed, gone_ok, shaped, tag_map
from cloudtwin.services.lambda_.inline_code import package

#: How long (real seconds) a handler waits for provisioned environments to start.
PROVISIONING_PATIENCE = 120.0


async def _provisioned(request: ResourceRequest, function: str, qualifier: str) -> None:
    """Wait until a provisioned concurrency configuration is no longer IN_PROGRESS (its
    environments start as real processes), as CloudFormation's handler does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PROVISIONING_PATIENCE
    target = {"FunctionName": function, "Qualifier": qualifier}
    while (await request.call_async("lambda", "GetProvisionedConcurrencyConfig", target)).get("Status") == "IN_PROGRESS":
        if loop.time() >= deadline:
            return
        await asyncio.sleep(0.1)


#: Function names are at most 64 characters.
NAME_LENGTH = 64

#: Properties set by their own operation, not by CreateFunction/UpdateFunctionConfiguration.
_OWN_OPERATIONS = ("Code", "Tags", "ReservedConcurrentExecutions", "RuntimeManagementConfig", "RecursiveLoop")


def _code(props: dict[str, Any]) -> dict[str, Any]:
    code = dict(props.get("Code") or {})
    if isinstance(code.get("ZipFile"), str):
        code["ZipFile"] = package(code["ZipFile"], props.get("Runtime"))
    code.pop("SourceKMSKeyArn", None)
    return code


class FunctionHandler(ResourceHandler):
    type_name = "AWS::Lambda::Function"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("FunctionName") or request.physical_name(NAME_LENGTH)
        values = {k: v for k, v in props.items() if k not in _OWN_OPERATIONS}
        params = shaped(request, "lambda", "CreateFunction", {**values, "FunctionName": name})
        params["Code"] = shaped(request, "lambda", "CreateFunction", {"Code": _code(props)})["Code"]
        if tags := tag_map(request):
            params["Tags"] = tags
        await request.call_async("lambda", "CreateFunction", params)
        try:
            await self._settings(request, name, creating=True)
        except Exception:
            with gone_ok():
                await request.call_async("lambda", "DeleteFunction", {"FunctionName": name})
            raise
        return await self._outcome(request, name)

    async def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "FunctionName", "PackageType"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        props = request.properties
        before = request.previous_properties or {}
        if changed(request, "Code", "Architectures") or (changed(request, "Runtime") and _inline(props)):
            params = {"FunctionName": name, **_code(props)}
            if props.get("Architectures"):
                params["Architectures"] = props["Architectures"]
            await request.call_async("lambda", "UpdateFunctionCode", shaped(request, "lambda", "UpdateFunctionCode", params))
            await request.call_async("lambda", "GetFunction", {"FunctionName": name})
        config_keys = set(props) | set(before)
        config_keys -= {*_OWN_OPERATIONS, "FunctionName", "PackageType", "Architectures"}
        if any(before.get(k) != props.get(k) for k in config_keys):
            values = {k: props.get(k) for k in config_keys}
            values = _cleared(values, before)
            await request.call_async(
                "lambda",
                "UpdateFunctionConfiguration",
                shaped(request, "lambda", "UpdateFunctionConfiguration", {**values, "FunctionName": name}),
            )
            await request.call_async("lambda", "GetFunction", {"FunctionName": name})
        await self._settings(request, name, creating=False)
        return await self._outcome(request, name)

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("lambda", "DeleteFunction", {"FunctionName": request.physical_id})

    readable = True

    async def read(self, request: ResourceRequest) -> dict[str, Any]:
        config = await request.call_async("lambda", "GetFunctionConfiguration", {"FunctionName": request.physical_id})
        found: dict[str, Any] = {k: config[k] for k in (
            "FunctionName", "Description", "Handler", "Runtime", "Role", "MemorySize", "Timeout", "PackageType",
            "Architectures",
        ) if config.get(k) is not None}  # fmt: skip
        found["Environment"] = {"Variables": dict((config.get("Environment") or {}).get("Variables") or {})}
        if config.get("Layers") is not None:
            found["Layers"] = [layer["Arn"] for layer in config["Layers"]]
        for key, field in (("TracingConfig", "Mode"), ("EphemeralStorage", "Size")):
            if config.get(key):
                found[key] = {field: config[key][field]}
        return found

    async def _settings(self, request: ResourceRequest, name: str, *, creating: bool) -> None:
        props = request.properties
        if creating or changed(request, "ReservedConcurrentExecutions"):
            if props.get("ReservedConcurrentExecutions") is not None:
                await request.call_async("lambda", "PutFunctionConcurrency", shaped(request, "lambda", "PutFunctionConcurrency", {
                    "FunctionName": name, "ReservedConcurrentExecutions": props["ReservedConcurrentExecutions"],
                }))
            elif not creating:
                await request.call_async("lambda", "DeleteFunctionConcurrency", {"FunctionName": name})
        if props.get("RuntimeManagementConfig") and (creating or changed(request, "RuntimeManagementConfig")):
            await request.call_async("lambda", "PutRuntimeManagementConfig", shaped(
                request, "lambda", "PutRuntimeManagementConfig", {"FunctionName": name, **props["RuntimeManagementConfig"]},
            ))
        if props.get("RecursiveLoop") and (creating or changed(request, "RecursiveLoop")):
            await request.call_async("lambda", "PutFunctionRecursionConfig", {
                "FunctionName": name, "RecursiveLoop": props["RecursiveLoop"],
            })
        if not creating and changed(request, "Tags"):
            arn = (await request.call_async("lambda", "GetFunction", {"FunctionName": name}))["Configuration"]["FunctionArn"]
            current = (await request.call_async("lambda", "ListTags", {"Resource": arn})).get("Tags", {})
            wanted = tag_map(request)
            if stale := sorted(set(current) - set(wanted)):
                await request.call_async("lambda", "UntagResource", {"Resource": arn, "TagKeys": stale})
            if wanted:
                await request.call_async("lambda", "TagResource", {"Resource": arn, "Tags": wanted})

    @staticmethod
    async def _outcome(request: ResourceRequest, name: str) -> Outcome:
        # The read a waiter makes: the function is Active (or its update Successful) after it.
        config = (await request.call_async("lambda", "GetFunction", {"FunctionName": name}))["Configuration"]
        attributes: dict[str, Any] = {"Arn": config["FunctionArn"]}
        snap = config.get("SnapStart") or {}
        attributes["SnapStartResponse"] = {
            "ApplyOn": snap.get("ApplyOn", "None"),
            "OptimizationStatus": snap.get("OptimizationStatus", "Off"),
        }
        return Outcome(name, attributes)


def _inline(props: dict[str, Any]) -> bool:
    return isinstance((props.get("Code") or {}).get("ZipFile"), str)


def _cleared(values: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """A property the template no longer sets goes back to the service's default."""
    defaults: dict[str, Any] = {
        "Description": "",
        "Environment": {"Variables": {}},
        "Timeout": 3,
        "MemorySize": 128,
        "Layers": [],
        "DeadLetterConfig": {"TargetArn": ""},
        "TracingConfig": {"Mode": "PassThrough"},
        "VpcConfig": {"SubnetIds": [], "SecurityGroupIds": []},
        "KMSKeyArn": "",
        "EphemeralStorage": {"Size": 512},
        "FileSystemConfigs": [],
    }
    out = {}
    for key, value in values.items():
        if value is None and key in before:
            if key in defaults:
                out[key] = defaults[key]
        elif value is not None:
            out[key] = value
    return out


class PermissionHandler(ResourceHandler):
    type_name = "AWS::Lambda::Permission"

    def create(self, request: ResourceRequest) -> Outcome:
        statement = request.physical_name(100)
        params = shaped(request, "lambda", "AddPermission", {**request.properties, "StatementId": statement})
        request.call("lambda", "AddPermission", params)
        return Outcome(statement, {"Id": statement})

    def update(self, request: ResourceRequest) -> Outcome:
        # Every property but FunctionUrlAuthType is create-only: a new statement replaces it.
        raise UpdateNeedsReplacement()

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("lambda", "RemovePermission", {
                "FunctionName": request.properties["FunctionName"], "StatementId": request.physical_id,
            })


class VersionHandler(ResourceHandler):
    type_name = "AWS::Lambda::Version"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = shaped(request, "lambda", "PublishVersion", props)
        version = await request.call_async("lambda", "PublishVersion", params)
        arn = version["FunctionArn"]
        concurrency = props.get("ProvisionedConcurrencyConfig")
        if concurrency:
            await request.call_async("lambda", "PutProvisionedConcurrencyConfig", shaped(
                request, "lambda", "PutProvisionedConcurrencyConfig", {
                    "FunctionName": props["FunctionName"],
                    "Qualifier": version["Version"],
                    "ProvisionedConcurrentExecutions": concurrency["ProvisionedConcurrentExecutions"],
                },
            ))
            # CloudFormation waits for the allocation (the environments initialized) to be READY
            await _provisioned(request, props["FunctionName"], version["Version"])
        return Outcome(arn, {"Version": version["Version"], "FunctionArn": arn})

    async def update(self, request: ResourceRequest) -> Outcome:
        raise UpdateNeedsReplacement()

    async def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            await request.call_async("lambda", "DeleteFunction", {"FunctionName": request.physical_id})


class AliasHandler(ResourceHandler):
    type_name = "AWS::Lambda::Alias"

    def create(self, request: ResourceRequest) -> Outcome:
        alias = request.call("lambda", "CreateAlias", shaped(request, "lambda", "CreateAlias", request.properties))
        self._concurrency(request, alias["AliasArn"])
        return Outcome(alias["AliasArn"], {"AliasArn": alias["AliasArn"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "Name", "FunctionName"):
            raise UpdateNeedsReplacement()
        props = {"Description": "", "RoutingConfig": {"AdditionalVersionWeights": {}}, **request.properties}
        request.call("lambda", "UpdateAlias", shaped(request, "lambda", "UpdateAlias", props))
        if changed(request, "ProvisionedConcurrencyConfig"):
            self._concurrency(request, request.physical_id)
        return Outcome(request.physical_id, {"AliasArn": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("lambda", "DeleteAlias", {
                "FunctionName": request.properties["FunctionName"], "Name": request.properties["Name"],
            })

    @staticmethod
    def _concurrency(request: ResourceRequest, arn: str) -> None:
        config = request.properties.get("ProvisionedConcurrencyConfig")
        target = {"FunctionName": request.properties["FunctionName"], "Qualifier": request.properties["Name"]}
        if config:
            request.call("lambda", "PutProvisionedConcurrencyConfig", shaped(
                request, "lambda", "PutProvisionedConcurrencyConfig",
                {**target, "ProvisionedConcurrentExecutions": config["ProvisionedConcurrentExecutions"]},
            ))
            request.call("lambda", "GetProvisionedConcurrencyConfig", target)  # CloudFormation waits for READY
        elif (request.previous_properties or {}).get("ProvisionedConcurrencyConfig"):
            with gone_ok():
                request.call("lambda", "DeleteProvisionedConcurrencyConfig", target)


class EventSourceMappingHandler(ResourceHandler):
    type_name = "AWS::Lambda::EventSourceMapping"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "lambda", "CreateEventSourceMapping", request.properties)
        if tags := tag_map(request):
            params["Tags"] = tags
        mapping = request.call("lambda", "CreateEventSourceMapping", params)
        return self._outcome(mapping)

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "EventSourceArn", "StartingPosition", "StartingPositionTimestamp", "SelfManagedEventSource"):
            raise UpdateNeedsReplacement()
        props = dict(request.properties)
        before = request.previous_properties or {}
        if before.get("FilterCriteria") and not props.get("FilterCriteria"):
            props["FilterCriteria"] = {}
        props.setdefault("Enabled", True)
        params = shaped(request, "lambda", "UpdateEventSourceMapping", {**props, "UUID": request.physical_id})
        return self._outcome(request.call("lambda", "UpdateEventSourceMapping", params))

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("lambda", "DeleteEventSourceMapping", {"UUID": request.physical_id})

    @staticmethod
    def _outcome(mapping: dict[str, Any]) -> Outcome:
        return Outcome(mapping["UUID"], {
            "Id": mapping["UUID"], "EventSourceMappingArn": mapping.get("EventSourceMappingArn", ""),
        })


class LayerVersionHandler(ResourceHandler):
    type_name = "AWS::Lambda::LayerVersion"

    async def create(self, request: ResourceRequest) -> Outcome:
        props = dict(request.properties)
        props.setdefault("LayerName", request.physical_name(NAME_LENGTH))
        layer = await request.call_async("lambda", "PublishLayerVersion", shaped(request, "lambda", "PublishLayerVersion", props))
        arn = layer["LayerVersionArn"]
        return Outcome(arn, {"LayerVersionArn": arn})

    async def update(self, request: ResourceRequest) -> Outcome:
        raise UpdateNeedsReplacement()

    async def delete(self, request: ResourceRequest) -> None:
        name, number = _layer_version(request.physical_id)
        with gone_ok():
            await request.call_async("lambda", "DeleteLayerVersion", {"LayerName": name, "VersionNumber": number})


def _layer_version(arn: str) -> tuple[str, int]:
    """``arn:aws:lambda:<region>:<account>:layer:<name>:<version>`` -> (layer ARN, version)."""
    layer, _, number = arn.rpartition(":")
    return layer, int(number)


class LayerVersionPermissionHandler(ResourceHandler):
    type_name = "AWS::Lambda::LayerVersionPermission"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        layer, number = _layer_version(props["LayerVersionArn"])
        statement = request.physical_name(100)
        params = shaped(request, "lambda", "AddLayerVersionPermission", {
            "LayerName": layer, "VersionNumber": number, "StatementId": statement,
            "Action": props["Action"], "Principal": props["Principal"], "OrganizationId": props.get("OrganizationId"),
        })
        request.call("lambda", "AddLayerVersionPermission", params)
        physical_id = f"{props['LayerVersionArn']}#{statement}"
        return Outcome(physical_id, {"Id": physical_id})

    def update(self, request: ResourceRequest) -> Outcome:
        raise UpdateNeedsReplacement()

    def delete(self, request: ResourceRequest) -> None:
        version_arn, _, statement = request.physical_id.partition("#")
        layer, number = _layer_version(version_arn)
        with gone_ok():
            request.call("lambda", "RemoveLayerVersionPermission", {
                "LayerName": layer, "VersionNumber": number, "StatementId": statement,
            })


class UrlHandler(ResourceHandler):
    type_name = "AWS::Lambda::Url"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = shaped(request, "lambda", "CreateFunctionUrlConfig", {**props, "FunctionName": props["TargetFunctionArn"]})
        url = request.call("lambda", "CreateFunctionUrlConfig", params)
        return Outcome(url["FunctionArn"], {"FunctionArn": url["FunctionArn"], "FunctionUrl": url["FunctionUrl"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "TargetFunctionArn", "Qualifier"):
            raise UpdateNeedsReplacement()
        props = {"Cors": {}, **request.properties, "FunctionName": request.properties["TargetFunctionArn"]}
        url = request.call("lambda", "UpdateFunctionUrlConfig", shaped(request, "lambda", "UpdateFunctionUrlConfig", props))
        return Outcome(request.physical_id, {"FunctionArn": url["FunctionArn"], "FunctionUrl": url["FunctionUrl"]})

    def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        with gone_ok():
            request.call("lambda", "DeleteFunctionUrlConfig", shaped(
                request, "lambda", "DeleteFunctionUrlConfig",
                {"FunctionName": props["TargetFunctionArn"], "Qualifier": props.get("Qualifier")},
            ))


class EventInvokeConfigHandler(ResourceHandler):
    type_name = "AWS::Lambda::EventInvokeConfig"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call("lambda", "PutFunctionEventInvokeConfig", shaped(request, "lambda", "PutFunctionEventInvokeConfig", props))
        physical_id = f"{props['FunctionName']}|{props['Qualifier']}"
        return Outcome(physical_id, {})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "FunctionName", "Qualifier"):
            raise UpdateNeedsReplacement()
        # Put replaces the whole configuration: properties the template dropped go away.
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        with gone_ok():
            request.call("lambda", "DeleteFunctionEventInvokeConfig", {
                "FunctionName": props["FunctionName"], "Qualifier": props["Qualifier"],
            })


class CodeSigningConfigHandler(ResourceHandler):
    type_name = "AWS::Lambda::CodeSigningConfig"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "lambda", "CreateCodeSigningConfig", request.properties)
        if tags := tag_map(request):
            params["Tags"] = tags
        config = request.call("lambda", "CreateCodeSigningConfig", params)["CodeSigningConfig"]
        return self._outcome(config)

    def update(self, request: ResourceRequest) -> Outcome:
        props = {"Description": "", **request.properties, "CodeSigningConfigArn": request.physical_id}
        config = request.call("lambda", "UpdateCodeSigningConfig", shaped(request, "lambda", "UpdateCodeSigningConfig", props))
        return self._outcome(config["CodeSigningConfig"])

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("lambda", "DeleteCodeSigningConfig", {"CodeSigningConfigArn": request.physical_id})

    @staticmethod
    def _outcome(config: dict[str, Any]) -> Outcome:
        arn = config["CodeSigningConfigArn"]
        return Outcome(arn, {"CodeSigningConfigArn": arn, "CodeSigningConfigId": config["CodeSigningConfigId"]})


HANDLERS = [
    FunctionHandler,
    CodeSigningConfigHandler,
    PermissionHandler,
    VersionHandler,
    AliasHandler,
    EventSourceMappingHandler,
    LayerVersionHandler,
    LayerVersionPermissionHandler,
    UrlHandler,
    EventInvokeConfigHandler,
]
