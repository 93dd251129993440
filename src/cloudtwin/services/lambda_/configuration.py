"""Function configurations as ``GetFunctionConfiguration`` shows them, and AWS's checks of
what ``CreateFunction`` / ``UpdateFunctionConfiguration`` may set."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from typing import Any

from cloudtwin.execution.runtimes import family
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.lambda_ import runtimes
from cloudtwin.services.lambda_.errors import lambda_error
from cloudtwin.services.lambda_.models import LATEST

DEFAULT_TIMEOUT = 3
DEFAULT_MEMORY = 128
MAX_TIMEOUT = 900
MAX_ENVIRONMENT_BYTES = 4096
#: Members of CreateFunction stored as given (when given) in the configuration.
_PASSTHROUGH = ("DeadLetterConfig", "KMSKeyArn", "VpcConfig", "FileSystemConfigs", "ImageConfig")


def invalid(message: str) -> ServiceError:
    return lambda_error("InvalidParameterValueException", message)


def timestamp(epoch: float) -> str:
    """AWS's ``LastModified``: ``2024-01-31T12:00:00.123+0000``."""
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def runtime_version_arn(region: str, runtime: str) -> str:
    digest = hashlib.sha256(runtime.encode()).hexdigest()
    return f"arn:aws:lambda:{region}::runtime:{digest}"


def check_settings(params: dict[str, Any], creating: bool) -> None:
    """AWS's checks beyond the model's constraints."""
    if params.get("Runtime") is not None:
        runtimes.check(params["Runtime"])
    timeout = params.get("Timeout")
    if timeout is not None and timeout > MAX_TIMEOUT:
        raise lambda_error(
            "ValidationException",
            f"1 validation error detected: Value '{timeout}' at 'timeout' failed to satisfy "
            f"constraint: Member must have value less than or equal to {MAX_TIMEOUT}",
        )
    variables = (params.get("Environment") or {}).get("Variables")
    if variables:
        for name in variables:
            if not name[:1].isalpha() or not all(c.isalnum() or c == "_" for c in name):
                raise lambda_error(
                    "ValidationException",
                    "1 validation error detected: Value at 'environment.variables' failed to "
                    "satisfy constraint: Map keys must satisfy constraint: [Member must satisfy "
                    "regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]",
                )
        size = len(json.dumps(variables, separators=(",", ":")).encode())
        if size > MAX_ENVIRONMENT_BYTES:
            raise invalid(
                f"Lambda was unable to configure your environment variables because the "
                f"environment variables you have provided exceeded the 4KB limit. String "
                f"measured: {json.dumps(variables, separators=(',', ':'))}"
            )
    package = params.get("PackageType") or "Zip"
    if creating and package == "Zip" and (not params.get("Runtime") or not params.get("Handler")):
        raise invalid(
            "Runtime and Handler are mandatory parameters for functions created with "
            "deployment packages."
        )
    architectures = params.get("Architectures")
    if architectures is not None and len(architectures) != 1:
        raise invalid("Lambda functions can only support a single architecture.")


def new_configuration(
    params: dict[str, Any], arn: str, code: dict, region: str, now: float
) -> dict[str, Any]:
    """The ``$LATEST`` configuration of a function being created."""
    name = arn.rsplit(":", 1)[1]
    config: dict[str, Any] = {
        "FunctionName": name,
        "FunctionArn": arn,
        "Role": params["Role"],
        "CodeSize": code.get("size", 0),
        "Description": params.get("Description", ""),
        "Timeout": params.get("Timeout", DEFAULT_TIMEOUT),
        "MemorySize": params.get("MemorySize", DEFAULT_MEMORY),
        "LastModified": timestamp(now),
        "CodeSha256": code.get("sha", ""),
        "Version": LATEST,
        "TracingConfig": {"Mode": (params.get("TracingConfig") or {}).get("Mode", "PassThrough")},
        "RevisionId": str(uuid.uuid4()),
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": params.get("PackageType") or "Zip",
        "Architectures": params.get("Architectures") or ["x86_64"],
        "EphemeralStorage": {"Size": (params.get("EphemeralStorage") or {}).get("Size", 512)},
        "SnapStart": {"ApplyOn": (params.get("SnapStart") or {}).get("ApplyOn", "None"), "OptimizationStatus": "Off"},
        "LoggingConfig": _logging(params.get("LoggingConfig"), name),
    }
    if config["PackageType"] == "Zip":
        config["Runtime"] = params["Runtime"]
        config["Handler"] = params["Handler"]
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": runtime_version_arn(region, params["Runtime"])}
    variables = (params.get("Environment") or {}).get("Variables")
    if variables is not None:
        config["Environment"] = {"Variables": dict(variables)}
    for member in _PASSTHROUGH:
        if params.get(member):
            config[member] = params[member]
    return config


def update_configuration(config: dict[str, Any], params: dict[str, Any], region: str, now: float) -> None:
    """Apply ``UpdateFunctionConfiguration`` in place."""
    for member in ("Role", "Description", "Timeout", "MemorySize", "Handler"):
        if member in params:
            config[member] = params[member]
    if "Runtime" in params:
        config["Runtime"] = params["Runtime"]
        config["RuntimeVersionConfig"] = {"RuntimeVersionArn": runtime_version_arn(region, params["Runtime"])}
    if "Environment" in params:
        variables = (params["Environment"] or {}).get("Variables")
        config["Environment"] = {"Variables": dict(variables or {})}
    if "TracingConfig" in params:
        config["TracingConfig"] = {"Mode": params["TracingConfig"].get("Mode", "PassThrough")}
    if "EphemeralStorage" in params:
        config["EphemeralStorage"] = {"Size": params["EphemeralStorage"].get("Size", 512)}
    if "SnapStart" in params:
        config["SnapStart"] = {"ApplyOn": (params["SnapStart"] or {}).get("ApplyOn", "None"), "OptimizationStatus": "Off"}
    if "LoggingConfig" in params:
        config["LoggingConfig"] = _logging(params["LoggingConfig"], config["FunctionName"])
    for member in _PASSTHROUGH:
        if member in params:
            if params[member]:
                config[member] = params[member]
            else:
                config.pop(member, None)
    touch(config, now)


def touch(config: dict[str, Any], now: float) -> None:
    config["LastModified"] = timestamp(now)
    config["RevisionId"] = str(uuid.uuid4())


def _logging(given: dict | None, name: str) -> dict[str, Any]:
    given = given or {}
    out: dict[str, Any] = {
        "LogFormat": given.get("LogFormat", "Text"),
        "LogGroup": given.get("LogGroup") or f"/aws/lambda/{name}",
    }
    if out["LogFormat"] == "JSON":
        out["ApplicationLogLevel"] = given.get("ApplicationLogLevel", "INFO")
        out["SystemLogLevel"] = given.get("SystemLogLevel", "INFO")
    return out


def as_response(config: dict[str, Any], *, state: str | None = None, update: str | None = None) -> dict[str, Any]:
    """A copy for an answer; ``state``/``update`` show a transition in progress, with the
    revision it had then (finishing the transition is a revision of its own, as on AWS)."""
    out = dict(config)
    if state == "Pending":
        out.update(State="Pending", StateReason="The function is being created.", StateReasonCode="Creating")
        out.pop("LastUpdateStatus", None)
    if update == "InProgress":
        out.update(
            LastUpdateStatus="InProgress",
            LastUpdateStatusReason="The function is being created.",
            LastUpdateStatusReasonCode="Creating",
        )
    if state or update:
        out["RevisionId"] = config.get("_transition_revision") or out["RevisionId"]
    out.pop("_transition_revision", None)
    out.pop("_pending", None)
    return out


def transition(config: dict[str, Any], kind: str) -> None:
    """A change AWS completes asynchronously (``kind`` "create" or "update"): the answer and
    the first read after it show it in progress, with one revision; later reads show it
    done, with the next (as a waiter polling AWS sees it)."""
    config["_transition_revision"] = config["RevisionId"]
    config["RevisionId"] = str(uuid.uuid4())
    config["_pending"] = kind


def observe(config: dict[str, Any]) -> dict[str, Any]:
    """A configuration as a read shows it (and the read that sees a change in progress
    is the last one that does)."""
    pending = config.pop("_pending", None)
    if pending == "create":
        return as_response(config, state="Pending")
    if pending == "update":
        return as_response(config, update="InProgress")
    return as_response(config)


_NOT_LISTED = ("State", "StateReason", "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason",
               "LastUpdateStatusReasonCode", "RuntimeVersionConfig")


def listed(config: dict[str, Any], qualify_latest: bool = False) -> dict[str, Any]:
    """A configuration as ``ListFunctions`` / ``ListVersionsByFunction`` show it."""
    out = {k: v for k, v in as_response(config).items() if k not in _NOT_LISTED}
    if qualify_latest and out.get("Version") == LATEST:
        out["FunctionArn"] = f"{out['FunctionArn']}:{LATEST}"
    return out


def runs_locally(runtime: str | None) -> bool:
    return family(runtime or "") in ("python", "nodejs", "ruby", "provided")
