"""Layers: versions of zipped content that functions add to their runtime's search path
(``python/``, ``nodejs/node_modules``, a ``bootstrap``...), with layer permissions."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_.code import check_request_size
from cloudtwin.services.lambda_.errors import lambda_error
from cloudtwin.services.lambda_ import policy
from cloudtwin.services.lambda_.configuration import invalid, timestamp

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]


def layer_arn(partition: str, region: str, account: str, name: str) -> str:
    return f"arn:{partition}:lambda:{region}:{account}:layer:{name}"


def _missing(arn: str) -> ServiceError:
    return lambda_error("ResourceNotFoundException", "The resource you requested does not exist.", 404)


def _missing_version(arn: str) -> ServiceError:
    return lambda_error("ResourceNotFoundException", f"Layer version {arn} does not exist.", 404)


class LayerOperations:
    """Handlers of the layer operations, mixed into the Lambda provider."""

    def _layer_name(self, value: str) -> str:
        return value.split(":layer:", 1)[1].split(":")[0] if ":layer:" in value else value

    def _layer_version(self, ctx: "RequestContext", name: str, number: int, policy_op: bool = False) -> tuple[Any, dict, dict]:
        """A layer version; ``policy_op``: a missing one is named by its ARN, as the
        permission operations answer."""
        account = name.split(":")[4] if name.startswith("arn:") and name.count(":") >= 6 else ctx.account_id
        store = self._store(account, ctx.region)  # type: ignore[attr-defined]
        layer = store.layers.get(self._layer_name(name))
        version = (layer or {}).get("versions", {}).get(str(number))
        if version is not None and account != ctx.account_id and not _shared_with(version, ctx.account_id):
            version = None  # another account's layer version, not shared with this one
        if version is None:
            if policy_op:
                arn = f"arn:{ctx.partition}:lambda:{ctx.region}:{ctx.account_id}:layer:{self._layer_name(name)}:{number}"
                raise _missing_version(arn)
            raise _missing(name)
        return store, layer, version

    def _layer_view(self, ctx: "RequestContext", version: dict) -> Params:
        out = {k: v for k, v in version.items() if not k.startswith("_")}
        host = ctx.request.headers.get("host", "localhost:4566")
        out["Content"] = {
            "Location": f"http://{host}/_cloudtwin/lambda/code?key={version['_code']['key']}",
            "CodeSha256": version["_code"]["sha"],
            "CodeSize": version["_code"]["size"],
        }
        return out

    async def publish_layer_version(self, ctx: "RequestContext", params: Params) -> Params:
        store = self._store(ctx.account_id, ctx.region)  # type: ignore[attr-defined]
        name = self._layer_name(params["LayerName"])
        content = params["Content"]
        check_request_size(ctx, content, "PublishLayerVersion")
        if content.get("ZipFile") is not None:
            code = self.code.add(content["ZipFile"])  # type: ignore[attr-defined]
        elif content.get("S3Bucket") and content.get("S3Key"):
            code = self.code.add(await self._s3_object(ctx, content))  # type: ignore[attr-defined]
        else:
            raise invalid("Please provide a source for the layer content.")
        layer = store.layers.get(name) or {"versions": {}, "next": 1}
        number = layer["next"]
        layer["next"] = number + 1
        arn = layer_arn(ctx.partition, ctx.region, ctx.account_id, name)
        version: Params = {
            "LayerArn": arn,
            "LayerVersionArn": f"{arn}:{number}",
            "Description": params.get("Description", ""),
            "CreatedDate": timestamp(ctx.clock.now()),
            "Version": number,
            "_code": code,
            "_policy": [],
        }
        for member in ("CompatibleRuntimes", "CompatibleArchitectures", "LicenseInfo"):
            if params.get(member) is not None:
                version[member] = params[member]
        layer["versions"][str(number)] = version
        store.layers[name] = layer
        return self._layer_view(ctx, version)

    def get_layer_version(self, ctx: "RequestContext", params: Params) -> Params:
        return self._layer_view(ctx, self._layer_version(ctx, params["LayerName"], params["VersionNumber"])[2])

    def get_layer_version_by_arn(self, ctx: "RequestContext", params: Params) -> Params:
        arn = params["Arn"]
        layer, _, number = arn.rpartition(":")
        if not number.isdigit() or ":layer:" not in layer:
            raise invalid(f"Invalid layer version ARN {arn}")
        return self._layer_view(ctx, self._layer_version(ctx, layer, int(number))[2])

    def delete_layer_version(self, ctx: "RequestContext", params: Params) -> Params:
        store = self._store(ctx.account_id, ctx.region)  # type: ignore[attr-defined]
        name = self._layer_name(params["LayerName"])
        layer = store.layers.get(name)
        if layer and layer["versions"].pop(str(params["VersionNumber"]), None) is not None:
            store.layers[name] = layer
        return {}

    def _listed(self, version: dict) -> Params:
        return {k: v for k, v in version.items() if not k.startswith("_") and k != "LayerArn"}

    def _compatible(self, version: dict, params: Params) -> bool:
        runtime, arch = params.get("CompatibleRuntime"), params.get("CompatibleArchitecture")
        return (not runtime or runtime in version.get("CompatibleRuntimes", [])) and (
            not arch or arch in version.get("CompatibleArchitectures", [])
        )

    def list_layer_versions(self, ctx: "RequestContext", params: Params) -> Params:
        store = self._store(ctx.account_id, ctx.region)  # type: ignore[attr-defined]
        layer = store.layers.get(self._layer_name(params["LayerName"])) or {"versions": {}}
        versions = [layer["versions"][n] for n in sorted(layer["versions"], key=int, reverse=True)]
        return {"LayerVersions": [self._listed(v) for v in versions if self._compatible(v, params)]}

    def list_layers(self, ctx: "RequestContext", params: Params) -> Params:
        store = self._store(ctx.account_id, ctx.region)  # type: ignore[attr-defined]
        out = []
        for name in sorted(store.layers):
            versions = store.layers[name]["versions"]
            matching = [versions[n] for n in sorted(versions, key=int, reverse=True) if self._compatible(versions[n], params)]
            if matching:
                out.append({"LayerName": name, "LayerArn": matching[0]["LayerArn"], "LatestMatchingVersion": self._listed(matching[0])})
        return {"Layers": out}

    def add_layer_version_permission(self, ctx: "RequestContext", params: Params) -> Params:
        store, layer, version = self._layer_version(ctx, params["LayerName"], params["VersionNumber"], policy_op=True)
        if params["Action"] != "lambda:GetLayerVersion":
            raise lambda_error(
                "ValidationException",
                f"1 validation error detected: Value '{params['Action']}' at 'action' failed to satisfy constraint: "
                "Member must satisfy regular expression pattern: lambda:GetLayerVersion",
            )
        statement: Params = {
            "Sid": params["StatementId"], "Effect": "Allow",
            "Principal": "*" if params["Principal"] == "*" else {"AWS": f"arn:{ctx.partition}:iam::{params['Principal']}:root"},
            "Action": params["Action"], "Resource": version["LayerVersionArn"],
        }  # fmt: skip
        if params.get("OrganizationId"):
            statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": params["OrganizationId"]}}
        _check_revision(version, params)
        policy.add(version["_policy"], statement)
        version["_revision"] = str(uuid.uuid4())
        store.layers[self._layer_name(params["LayerName"])] = layer
        return {"Statement": json.dumps(statement, separators=(",", ":")), "RevisionId": _revision_of(version)}

    def get_layer_version_policy(self, ctx: "RequestContext", params: Params) -> Params:
        _, _, version = self._layer_version(ctx, params["LayerName"], params["VersionNumber"], policy_op=True)
        if not version["_policy"]:
            raise lambda_error("ResourceNotFoundException", "No policy is associated with the given resource.", 404)
        return {"Policy": policy.document(version["_policy"]), "RevisionId": _revision_of(version)}

    def remove_layer_version_permission(self, ctx: "RequestContext", params: Params) -> Params:
        store, layer, version = self._layer_version(ctx, params["LayerName"], params["VersionNumber"], policy_op=True)
        _check_revision(version, params)
        policy.remove(version["_policy"], params["StatementId"])
        version["_revision"] = str(uuid.uuid4())
        store.layers[self._layer_name(params["LayerName"])] = layer
        return {}

    def layer_entries(self, ctx_account: str, region: str, arns: list[str]) -> list[Params]:
        """``Layers`` of a function configuration; refuses a layer of another region, two
        versions of one layer, a version that does not exist."""
        seen: dict[str, str] = {}
        for arn in arns:
            parts = arn.split(":")
            if len(parts) > 3 and parts[3] and parts[3] != region:
                raise invalid(
                    f"Layers are not in the same region as the function. Layers are expected to be in region {region}."
                )
            layer = arn.rpartition(":")[0]
            if layer in seen:
                raise invalid(
                    "Two different versions of the same layer are not allowed to be referenced in the same "
                    f"function. {seen[layer]} and {arn} are versions of the same layer."
                )
            seen[layer] = arn
        out = []
        for arn in arns:
            name, _, number = arn.split(":layer:", 1)[-1].rpartition(":")
            account = arn.split(":")[4] if arn.count(":") >= 6 else ctx_account
            store = self.stores.get(account, region)  # type: ignore[attr-defined]
            version = ((store.layers.get(name) or {}).get("versions") or {}).get(number)
            if version is None:
                raise invalid(f"Layer version {arn} does not exist.")
            out.append({"Arn": arn, "CodeSize": version["_code"]["size"]})
        return out

    def layer_dirs(self, account: str, region: str, layers: list[Params]) -> tuple[str, ...]:
        dirs = []
        for entry in layers:
            arn = entry["Arn"]
            name, _, number = arn.split(":layer:", 1)[-1].rpartition(":")
            store = self.stores.get(arn.split(":")[4], region)  # type: ignore[attr-defined]
            version = ((store.layers.get(name) or {}).get("versions") or {}).get(number)
            if version is not None:
                dirs.append(str(self.code.directory(version["_code"]["key"])))  # type: ignore[attr-defined]
        return tuple(dirs)


def _shared_with(version: dict, account: str) -> bool:
    """Whether a layer version's policy lets ``account`` read it."""
    for statement in version.get("_policy") or []:
        principal = statement.get("Principal")
        if principal == "*" or (isinstance(principal, dict) and str(principal.get("AWS", "")).split(":")[4:5] == [account]):
            return True
    return False


def _revision_of(version: dict) -> str:
    """The layer version policy's revision (a new one at every change)."""
    return version.setdefault("_revision", str(uuid.uuid4()))


def _check_revision(version: dict, params: Params) -> None:
    if params.get("RevisionId") and params["RevisionId"] != _revision_of(version):
        raise lambda_error(
            "PreconditionFailedException",
            "The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve "
            "the latest Revision Id",
            412,
        )
