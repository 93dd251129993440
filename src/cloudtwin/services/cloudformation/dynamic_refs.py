"""Dynamic references in property values: ``{{resolve:ssm:name[:version]}}``,
``{{resolve:ssm-secure:name[:version]}}`` and
``{{resolve:secretsmanager:secret-id[:SecretString[:json-key[:version-stage[:version-id]]]]}}``,
read from cloudtwin's SSM and Secrets Manager when the resource is deployed."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation.errors import DeployError

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.cloudformation.deployer import Deployment

_REF = re.compile(r"\{\{resolve:(ssm|ssm-secure|secretsmanager):([^}]+)\}\}")


def _contains(node: Any) -> bool:
    if isinstance(node, str):
        return "{{resolve:" in node
    if isinstance(node, dict):
        return any(_contains(v) for v in node.values())
    if isinstance(node, list):
        return any(_contains(v) for v in node)
    return False


async def resolve(node: Any, deployment: "Deployment") -> Any:
    if not _contains(node):
        return node
    if isinstance(node, dict):
        return {k: await resolve(v, deployment) for k, v in node.items()}
    if isinstance(node, list):
        return [await resolve(v, deployment) for v in node]
    parts = []
    last = 0
    for match in _REF.finditer(node):
        parts.append(node[last : match.start()])
        parts.append(await _lookup(match.group(1), match.group(2), deployment))
        last = match.end()
    parts.append(node[last:])
    return "".join(parts)


async def _lookup(service: str, reference: str, deployment: "Deployment") -> str:
    def call(svc: str, op: str, params: dict[str, Any]) -> Any:
        return deployment.engine.env.internal.call_async(
            svc, op, params, account_id=deployment.account_id, region=deployment.region
        )

    try:
        if service in ("ssm", "ssm-secure"):
            name, _, version = reference.partition(":") if not reference.startswith("arn:") else (reference, "", "")
            if version:
                name = f"{name}:{version}"
            result = await call("ssm", "GetParameter", {"Name": name, "WithDecryption": True})
            return result["Parameter"]["Value"]
        if reference.startswith("arn:"):
            head = reference.split(":")
            secret_id, rest = ":".join(head[:7]), head[7:]
        else:
            secret_id, *rest = reference.split(":")
        field = rest[0] if rest else "SecretString"
        key = rest[1] if len(rest) > 1 else ""
        stage = rest[2] if len(rest) > 2 else ""
        version = rest[3] if len(rest) > 3 else ""
        params: dict[str, Any] = {"SecretId": secret_id}
        if stage:
            params["VersionStage"] = stage
        if version:
            params["VersionId"] = version
        secret = await call("secretsmanager", "GetSecretValue", params)
        if field != "SecretString":
            raise DeployError(f"Invalid dynamic reference field {field}: only SecretString is supported")
        value = secret.get("SecretString", "")
        if key:
            try:
                value = json.loads(value)[key]
            except (ValueError, KeyError, TypeError):
                raise DeployError(f"Could not find key {key} in the secret {secret_id}") from None
            value = value if isinstance(value, str) else json.dumps(value)
        return value
    except ServiceError as error:
        raise DeployError(f"Could not resolve dynamic reference {{{{resolve:{service}:{reference}}}}}: {error.message}") from None
