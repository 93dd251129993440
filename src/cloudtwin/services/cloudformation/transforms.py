"""Template transforms: ``AWS::LanguageExtensions`` (``Fn::ForEach`` expanded, ``Fn::Length``,
``Fn::ToJsonString`` and ``Fn::FindInMap`` defaults evaluated by the engine itself) and the SAM
transform ``AWS::Serverless-2016-10-31`` (AWS's own translator, ``aws-sam-translator``)."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from cloudtwin.services.cloudformation.errors import template_error, validation

LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"
SERVERLESS = "AWS::Serverless-2016-10-31"
KNOWN = (LANGUAGE_EXTENSIONS, SERVERLESS)


def declared(template: dict[str, Any]) -> list[str]:
    value = template.get("Transform")
    if value is None:
        return []
    names = value if isinstance(value, list) else [value]
    return [n if isinstance(n, str) else (n or {}).get("Name", "") for n in names]


def apply(
    template: dict[str, Any],
    *,
    account_id: str,
    region: str,
    partition: str,
    stack_name: str,
    parameters: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The processed template (the template itself when it declares no transform)."""
    names = declared(template)
    if not names:
        return template
    for name in names:
        if name not in KNOWN:
            raise validation(f"Template format error: Unsupported transform {name}") if not name.startswith("AWS::") else validation(
                f"No transform named {account_id}::{name} found."
            )
    processed = copy.deepcopy(template)
    if LANGUAGE_EXTENSIONS in names:
        processed = expand_for_each(processed)
    if SERVERLESS in names:
        processed = serverless(processed, account_id=account_id, region=region, partition=partition, parameters=parameters)
    processed.pop("Transform", None)
    return processed


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
        from samtranslator.model.exceptions import InvalidDocumentException
        from samtranslator.parser.parser import Parser
        from samtranslator.translator.managed_policy_translator import ManagedPolicyLoader
        from samtranslator.translator.transform import transform
    except ImportError:  # pragma: no cover - a dependency of cloudtwin
        raise validation("The SAM transform needs the aws-sam-translator package") from None

    class _Policies(ManagedPolicyLoader):
        """AWS managed policies by name, as ARNs (the translator would ask IAM)."""

        def __init__(self) -> None:
            pass

        def load(self) -> dict[str, str]:
            return _ManagedPolicyNames(partition)

    values = {p["ParameterKey"]: p.get("ParameterValue") for p in parameters or () if "ParameterKey" in p}
    import os

    os.environ.setdefault("AWS_REGION", region)
    try:
        from samtranslator.translator.arn_generator import ArnGenerator

        ArnGenerator.BOTO_SESSION_REGION_NAME = region
        result = transform(json.loads(json.dumps(template)), values, _Policies(), None)
    except InvalidDocumentException as error:
        causes = " ".join(str(getattr(c, "message", c)) for c in error.causes)
        raise validation(f"Transform {SERVERLESS} failed with: {causes}") from None
    return result


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
