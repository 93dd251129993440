"""Template transforms: ``AWS::LanguageExtensions`` (``Fn::ForEach`` expanded, ``Fn::Length``,
``Fn::ToJsonString`` and ``Fn::FindInMap`` defaults evaluated by the engine itself) and the SAM
transform ``AWS::Serverless-2016-10-31`` (AWS's own translator, ``aws-sam-translator``)."""

from __future__ import annotations

import copy
import json
import re
import uuid
from typing import Any, Awaitable, Callable

from cloudtwin.services.cloudformation.errors import template_error, validation

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
SERVERLESS = "AWS::Serverless-2016-10-31"
INCLUDE = "AWS::Include"
KNOWN = (LANGUAGE_EXTENSIONS, SERVERLESS, INCLUDE)


def declared(template: dict[str, Any]) -> list[str]:
    value = template.get("Transform")
    if value is None:
        return []
    names = value if isinstance(value, list) else [value]
    return [n if isinstance(n, str) else (n or {}).get("Name", "") for n in names]


class TransformFailed(Exception):
    """A macro failed: the stack's operation fails with this reason (``… Rollback requested
    by user.`` follows it)."""


#: Runs a macro: (macro name, its registration, the event) -> the Lambda function's answer.
MacroRunner = Callable[[str, dict[str, Any], dict[str, Any]], Awaitable[Any]]


def needs_processing(template: dict[str, Any]) -> bool:
    return bool(declared(template)) or _has_snippet(template)


def _has_snippet(node: Any) -> bool:
    if isinstance(node, dict):
        return "Fn::Transform" in node or any(_has_snippet(v) for v in node.values())
    if isinstance(node, list):
        return any(_has_snippet(v) for v in node)
    return False


def _spec(value: Any) -> tuple[str, dict[str, Any]]:
    if isinstance(value, str):
        return value, {}
    if isinstance(value, dict):
        name = value.get("Name")
        if not isinstance(name, str):
            raise validation("Key Name of transform definition must be a string.")
        return name, value.get("Parameters") or {}
    raise validation("Key Name of transform definition must be a string.")


async def apply(
    template: dict[str, Any],
    *,
    account_id: str,
    region: str,
    partition: str,
    stack_name: str,
    parameters: list[dict[str, Any]] | None = None,
    macros: Callable[[str], dict[str, Any] | None] | None = None,
    run_macro: MacroRunner | None = None,
    include: Callable[[str], Awaitable[Any]] | None = None,
    ssm: Callable[[str], str] | None = None,
) -> dict[str, Any]:
    """The processed template (the template itself when it declares no transform): snippet
    transforms (``Fn::Transform``) first, then the template's ``Transform`` list in order.
    Raises ``TransformFailed`` when a macro fails."""
    if not needs_processing(template):
        return template
    specs = [_spec(v) for v in ((template.get("Transform") if isinstance(template.get("Transform"), list)
                                 else [template["Transform"]]) if template.get("Transform") is not None else [])]  # fmt: skip
    for name, _ in specs:
        if name not in KNOWN and (macros is None or macros(name) is None):
            raise validation(f"No transform named {account_id}::{name} found.")
    values = _parameter_values(template, parameters)
    pseudo = {"AWS::Region": region, "AWS::AccountId": account_id, "AWS::Partition": partition,
              "AWS::StackName": stack_name, "AWS::URLSuffix": "amazonaws.com"}  # fmt: skip

    def _location(value: Any) -> str:
        """An include's ``Location`` (``Fn::Sub`` or ``Ref`` of parameters may build it)."""
        from cloudtwin.services.cloudformation.intrinsics import Scope

        try:
            value = Scope(template=template, parameters=values, pseudo=pseudo).resolve(value)
        except Exception:  # noqa: BLE001 - a location that needs a resource cannot be read
            value = None
        if not isinstance(value, str) or not value:
            raise TransformFailed("Transform AWS::Include failed with: the Location parameter is not a valid S3 URI")
        return value

    def _parameters(params: dict[str, Any]) -> dict[str, Any]:
        """A macro's parameters with the template's parameters (``Ref``) resolved, as AWS
        passes them."""
        from cloudtwin.services.cloudformation.intrinsics import Scope

        try:
            resolved = Scope(template=template, parameters=values, pseudo=pseudo).resolve(params)
        except Exception:  # noqa: BLE001 - what cannot be resolved yet is passed as written
            return params
        return resolved if isinstance(resolved, dict) else params

    async def macro(name: str, params: dict[str, Any], fragment: Any) -> Any:
        params = _parameters(params)
        registration = macros(name) if macros is not None else None
        if registration is None or run_macro is None:
            raise validation(f"No transform named {account_id}::{name} found.")
        event = {
            "region": region, "accountId": account_id, "fragment": fragment,
            "transformId": f"{account_id}::{name}", "requestId": str(uuid.uuid4()),
            "params": params, "templateParameterValues": values,
        }  # fmt: skip
        answer = await run_macro(name, registration, event)
        if not isinstance(answer, dict) or "status" not in answer:
            raise TransformFailed(f"Received malformed response from transform {account_id}::{name}")
        if str(answer.get("status")).lower() != "success":
            message = answer.get("errorMessage")
            if message:
                raise TransformFailed(f"Transform {account_id}::{name} failed with: {message}")
            raise TransformFailed(f"Transform {account_id}::{name} failed without an error message.")
        if "fragment" not in answer:
            raise TransformFailed("Template format error: unsupported structure.")
        return answer["fragment"]

    async def snippets(node: Any) -> Any:
        if isinstance(node, list):
            return [await snippets(v) for v in node]
        if not isinstance(node, dict):
            return node
        out = {k: await snippets(v) for k, v in node.items() if k != "Fn::Transform"}
        if "Fn::Transform" in node:
            specs_here = node["Fn::Transform"] if isinstance(node["Fn::Transform"], list) else [node["Fn::Transform"]]
            for spec in specs_here:
                name, params = _spec(spec)
                if name == INCLUDE:
                    if include is None:
                        raise validation("AWS::Include is not available here")
                    included = await include(_location(params.get("Location")))
                    # the snippet's keys join the map it stands in (its siblings stay)
                    out = {**out, **included} if isinstance(included, dict) else included
                else:
                    out = await macro(name, params, out)
        return out

    processed = await snippets(copy.deepcopy({k: v for k, v in template.items() if k != "Transform"}))
    for name, params in specs:
        if name == LANGUAGE_EXTENSIONS:
            processed = expand_for_each(processed)
        elif name == SERVERLESS:
            processed = serverless(dict(processed, Transform=SERVERLESS), account_id=account_id, region=region,
                                   partition=partition, parameters=_resolved_ssm(processed, parameters, ssm))  # fmt: skip
            processed.pop("Transform", None)
        elif name == INCLUDE:
            if include is not None:
                included = await include(_location(params.get("Location")))
                if not isinstance(included, dict):
                    raise TransformFailed("Template format error: unsupported structure.")
                for section, value in included.items():  # the snippet's sections join the template's
                    if isinstance(value, dict) and isinstance(processed.get(section), dict):
                        processed[section] = {**processed[section], **value}
                    else:
                        processed[section] = value
        else:
            result = await macro(name, params, processed)
            if not isinstance(result, dict):
                raise TransformFailed("Template format error: unsupported structure.")
            processed = result
    return processed


def _resolved_ssm(
    template: dict[str, Any], given: list[dict[str, Any]] | None, ssm: Callable[[str], str] | None
) -> list[dict[str, Any]]:
    """The parameters the SAM translator sees: ``AWS::SSM::Parameter::Value<…>`` ones with the
    value SSM holds (as CloudFormation resolves them before the transform)."""
    values = {p["ParameterKey"]: p.get("ParameterValue") for p in given or () if "ParameterValue" in p}
    out = dict(values)
    for key, definition in (template.get("Parameters") or {}).items():
        kind = str((definition or {}).get("Type", "")) if isinstance(definition, dict) else ""
        if ssm is not None and kind.startswith("AWS::SSM::Parameter::Value<"):
            name = values.get(key, (definition or {}).get("Default"))
            if name:
                try:
                    out[key] = ssm(str(name))
                except Exception:  # noqa: BLE001 - left as given; the plan reports the missing parameter
                    pass
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in out.items()]


def _parameter_values(template: dict[str, Any], given: list[dict[str, Any]] | None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, definition in (template.get("Parameters") or {}).items():
        if isinstance(definition, dict) and "Default" in definition:
            values[key] = definition["Default"]
    for item in given or ():
        if "ParameterValue" in item:
            values[item["ParameterKey"]] = item["ParameterValue"]
    for key, definition in (template.get("Parameters") or {}).items():
        kind = str((definition or {}).get("Type", "")) if isinstance(definition, dict) else ""
        if key in values and isinstance(values[key], str) and (kind.startswith("List<") or kind == "CommaDelimitedList"):
            values[key] = values[key].split(",")
    return values


# -- Fn::ForEach ------------------------------------------------------------------------------------


def expand_for_each(node: Any, bindings: dict[str, str] | None = None) -> Any:
    """Expand every ``Fn::ForEach::<name>: [identifier, collection, {key template: value}]``."""
    bindings = bindings or {}
    if isinstance(node, list):
        return [expand_for_each(v, bindings) for v in node]
    if not isinstance(node, dict):
        return _substitute(node, bindings) if isinstance(node, str) else node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if isinstance(key, str) and key.startswith("Fn::ForEach::"):
            if not isinstance(value, list) or len(value) != 3:
                raise template_error(f"{key} layout is incorrect")
            identifier, collection, body = value
            if isinstance(collection, dict) and "Ref" in collection:
                raise template_error(f"{key}: collections from parameters must be resolved before expansion")
            for item in collection:
                inner = dict(bindings, **{identifier: str(item)})
                for template_key, template_value in body.items():
                    expanded = expand_for_each({template_key: template_value}, inner)
                    out.update(expanded)
        else:
            out[_substitute(key, bindings) if isinstance(key, str) else key] = expand_for_each(value, bindings)
    if len(out) == 1 and "Ref" in out and out["Ref"] in bindings:
        return bindings[out["Ref"]]
    if len(out) == 1 and isinstance(out.get("Fn::Sub"), str) and "${" not in out["Fn::Sub"] and bindings:
        return out["Fn::Sub"]  # nothing left to substitute: the text itself, as AWS writes it
    return out


def _substitute(text: str, bindings: dict[str, str]) -> str:
    for name, value in bindings.items():
        text = text.replace("${" + name + "}", value).replace("&{" + name + "}", re.sub(r"[^A-Za-z0-9]", "", value))
    return text


# -- SAM ------------------------------------------------------------------------------------------------


def serverless(
    template: dict[str, Any], *, account_id: str, region: str, partition: str, parameters: list[dict[str, Any]] | None
) -> dict[str, Any]:
    try:
        import boto3
        from samtranslator.model.exceptions import InvalidDocumentException
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.transform import undo_mark_unicode_str_in_template
        from samtranslator.translator.translator import Translator
    except ImportError:  # pragma: no cover - a dependency of cloudtwin
        raise validation("The SAM transform needs the aws-sam-translator package") from None

    values: dict[str, Any] = {p["ParameterKey"]: p.get("ParameterValue") for p in parameters or () if "ParameterKey" in p}
    values.update({"AWS::Region": region, "AWS::Partition": partition, "AWS::AccountId": account_id})
    # The translator asks a boto3 session only for its region name (no credentials, no calls).
    session = boto3.session.Session(region_name=region, aws_access_key_id="unused", aws_secret_access_key="unused")
    translator = Translator(None, Parser(), boto_session=session)
    names = _ManagedPolicyNames(partition)
    try:
        result = translator.translate(
            json.loads(json.dumps(template)), parameter_values=values, get_managed_policy_map=lambda: names
        )
    except InvalidDocumentException as error:
        causes = " ".join(str(getattr(c, "message", c)) for c in error.causes)
        raise validation(f"Transform {SERVERLESS} failed with: {causes}") from None
    return undo_mark_unicode_str_in_template(result)


class _ManagedPolicyNames(dict):
    def __init__(self, partition: str) -> None:
        super().__init__()
        self.partition = partition

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and not key.startswith("arn:")

    def __getitem__(self, key: str) -> str:
        prefix = "service-role/" if key.startswith("AWSLambda") and "Role" in key else ""
        return f"arn:{self.partition}:iam::aws:policy/{prefix}{key}"

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[key] if key in self else default
