"""Reading a template: JSON or YAML (with the short-form tags ``!Ref``, ``!GetAtt``, ``!Sub``…),
and the checks CloudFormation makes before it deploys anything, in its words
(``Template format error: …``)."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from cloudtwin.services.cloudformation.errors import template_error

SECTIONS = frozenset({
    "AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules", "Mappings",
    "Conditions", "Transform", "Resources", "Outputs", "Hooks", "Globals",
})  # fmt: skip
RESOURCE_ATTRIBUTES = frozenset({
    "Type", "Properties", "DependsOn", "Condition", "Metadata", "DeletionPolicy",
    "UpdateReplacePolicy", "CreationPolicy", "UpdatePolicy", "Version", "Description",
})  # fmt: skip


class _Loader(yaml.SafeLoader):
    """YAML as CloudFormation reads it: short-form intrinsic tags, and dates left as text
    (``AWSTemplateFormatVersion: 2010-09-09`` is a string)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
# Only true/false are booleans (yes/no/on/off stay text, as YAML 1.2 reads them).
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct(loader: yaml.Loader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]


def _tag(loader: yaml.Loader, suffix: str, node: yaml.Node) -> Any:
    value = _construct(loader, node)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _tag)


def parse(body: str) -> dict[str, Any]:
    """The template as a dict, or AWS's ``Template format error``."""
    text = body.strip()
    if not text:
        raise template_error("unsupported structure.")
    if text.startswith("{"):
        try:
            template = json.loads(text)
        except json.JSONDecodeError as e:
            # CloudFormation reads what its JSON parser refuses through its YAML parser (a
            # superset of JSON that also takes trailing commas); the JSON error when both refuse
            try:
                template = yaml.load(body, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
            except yaml.YAMLError:
                raise template_error(f"JSON not well-formed. (line {e.lineno},  column {e.colno})") from None
    else:
        try:
            template = yaml.load(body, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            raise template_error(f"YAML not well-formed.{where}") from None
        except yaml.YAMLError:
            raise template_error("YAML not well-formed.") from None
    if not isinstance(template, dict):
        raise template_error("unsupported structure.")
    return template


def check(template: dict[str, Any]) -> None:
    """The structural checks: known sections, a Resources section, a Type on every resource."""
    unknown = sorted(k for k in template if k not in SECTIONS)
    if unknown:
        raise template_error(f"Invalid template property or properties [{', '.join(unknown)}]")
    version = template.get("AWSTemplateFormatVersion")
    if version is not None and str(version) != "2010-09-09":
        raise template_error(f"'{version}' is not a supported version.")
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise template_error("At least one Resources member must be defined.")
    for kind, names in (("Parameter", template.get("Parameters") or {}), ("Resource", resources)):
        for name in names:
            if not isinstance(name, str) or not name.isalnum():
                raise template_error(f"{kind} name {name} is non alphanumeric.")
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict):
            raise template_error(f"[/Resources/{logical_id}] resource definition is malformed")
        if "Type" not in resource:
            raise template_error(f"[/Resources/{logical_id}] Every Resources object must contain a Type member.")
        unknown = sorted(k for k in resource if k not in RESOURCE_ATTRIBUTES)
        if unknown:
            raise template_error(
                f"Invalid template resource property '{unknown[0]}'"
            )
    outputs = template.get("Outputs") or {}
    for name, output in outputs.items():
        if not isinstance(output, dict) or "Value" not in output:
            raise template_error(f"[/Outputs/{name}] 'null' values are not allowed in templates")


def dump(template: dict[str, Any]) -> str:
    return json.dumps(template, indent=2)


def s3_location(url: str) -> tuple[str, str] | None:
    """(bucket, key) of a template URL in S3 (path style or virtual-hosted style)."""
    from urllib.parse import unquote, urlparse

    parsed = urlparse(url)
    if parsed.scheme == "s3":
        return parsed.netloc, unquote(parsed.path.lstrip("/"))
    host = parsed.hostname or ""
    path = unquote(parsed.path.lstrip("/"))
    labels = host.split(".")
    if len(labels) > 1 and labels[0] not in ("s3", "localhost", "127") and not labels[0].startswith("s3-") and (
        ".s3." in f".{host}" or ".s3-" in host or host.endswith("localhost") or "localstack" in host
    ):
        return labels[0], path
    if "/" not in path:
        return None
    bucket, key = path.split("/", 1)
    return bucket, key
