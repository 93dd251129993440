"""The intrinsic functions: ``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` (both forms), ``Fn::Join``,
``Fn::Select``, ``Fn::Split``, ``Fn::If`` and the condition functions, ``Fn::FindInMap``,
``Fn::GetAZs``, ``Fn::ImportValue``, ``Fn::Base64``, ``Fn::Cidr``, ``Fn::Length`` and
``Fn::ToJsonString`` (``AWS::LanguageExtensions``), and the pseudo parameters.

``Scope.resolve(value)`` returns the value with every function evaluated; ``AWS::NoValue``
removes the property or list item it stands in.
"""

from __future__ import annotations

import base64
import ipaddress
import json
import re
from typing import Any, Callable

from cloudtwin.services.cloudformation.errors import DeployError, template_error, validation

NO_VALUE = object()
SUPPORTED = (
    "Fn::Base64, Fn::GetAtt, Fn::GetAZs, Fn::ImportValue, Fn::Join, Fn::Split, Fn::FindInMap, "
    "Fn::Select, Ref, Fn::Equals, Fn::If, Fn::Not, Condition, Fn::And, Fn::Or, Fn::Contains, "
    "Fn::EachMemberEquals, Fn::EachMemberIn, Fn::ValueOf, Fn::ValueOfAll, Fn::RefAll, Fn::Sub, Fn::Cidr"
)
FUNCTIONS = frozenset({
    "Ref", "Condition", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::Select", "Fn::Split", "Fn::If",
    "Fn::Equals", "Fn::And", "Fn::Or", "Fn::Not", "Fn::FindInMap", "Fn::GetAZs", "Fn::ImportValue",
    "Fn::Base64", "Fn::Cidr", "Fn::Length", "Fn::ToJsonString", "Fn::Transform", "Fn::Contains",
})  # fmt: skip
#: AWS's one wording for every malformed ``Fn::Select`` (an index that is not a whole number,
#: a list that is not one, an index past its end).
SELECT_ARGUMENTS = "Template error: Fn::Select requires a list argument with two elements: an integer index and a list"
_SUB = re.compile(r"\$\{([^}]*)\}")


def is_function(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)) in FUNCTIONS


def check_functions(node: Any) -> None:
    """Every ``Fn::`` key names a function CloudFormation knows."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and key.startswith("Fn::") and key not in FUNCTIONS and key != "Fn::ForEach":
                raise template_error(f"Encountered unsupported function: {key} Supported functions are: [{SUPPORTED}]")
            if key == "Fn::GetAtt" and not _getatt_shaped(value):
                raise validation(
                    "Template error: every Fn::GetAtt object requires two non-empty parameters, "
                    "the resource name and the resource attribute"
                )
            check_functions(value)
    elif isinstance(node, list):
        for item in node:
            check_functions(item)


def _getatt_shaped(value: Any) -> bool:
    if isinstance(value, str):
        return "." in value and all(value.split(".", 1))
    return (
        isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and bool(value[0])
        and (isinstance(value[1], dict) or (isinstance(value[1], str) and bool(value[1])))
    )  # fmt: skip


def sub_variables(text: str) -> list[str]:
    """The ``${…}`` names a ``Fn::Sub`` string refers to (``${!Literal}`` escapes)."""
    return [m for m in _SUB.findall(text) if m and not m.startswith("!")]


class Scope:
    """What a template's functions can see: parameters, pseudo parameters, mappings,
    conditions, and the resources deployed so far."""

    def __init__(
        self,
        *,
        template: dict[str, Any],
        parameters: dict[str, Any],
        pseudo: dict[str, Any],
        conditions: dict[str, bool] | None = None,
        resources: dict[str, dict[str, Any]] | None = None,
        import_value: Callable[[str], Any] | None = None,
    ) -> None:
        self.template = template
        self.parameters = parameters
        self.pseudo = pseudo
        self.conditions = conditions if conditions is not None else {}
        self.resources = resources if resources is not None else {}
        self.import_value = import_value

    # -- the walk -------------------------------------------------------------------------------

    def resolve(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 1:
                (key, arg), = value.items()
                if key in FUNCTIONS and (key != "Condition" or isinstance(arg, str)):
                    return self._call(key, arg)
            out = {}
            for k, v in value.items():
                resolved = self.resolve(v)
                if resolved is not NO_VALUE:
                    out[k] = resolved
            return out
        if isinstance(value, list):
            return [r for r in (self.resolve(v) for v in value) if r is not NO_VALUE]
        return value

    def _call(self, name: str, arg: Any) -> Any:
        method = getattr(self, "fn_" + name.removeprefix("Fn::").lower())
        return method(arg)

    # -- Ref, GetAtt, Sub -------------------------------------------------------------------------

    def fn_ref(self, name: Any) -> Any:
        name = self.resolve(name)
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        record = self.resources.get(name)
        if record is None:
            raise DeployError(f"Template format error: Unresolved resource dependencies [{name}] in the Resources block of the template")
        return record.get("Ref", record.get("PhysicalResourceId"))

    def fn_getatt(self, arg: Any) -> Any:
        if isinstance(arg, str):
            arg = arg.split(".", 1)
        logical_id, attribute = arg[0], self.resolve(arg[1])
        record = self.resources.get(logical_id)
        if record is None:
            raise DeployError(f"Template error: instance of Fn::GetAtt references undefined resource {logical_id}")
        attributes = record.get("Attributes") or {}
        if attribute in attributes:
            return attributes[attribute]
        node: Any = attributes
        for part in attribute.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            # a schema-based type answers any property it was given (its read handler's model)
            node = record.get("properties") or {}
            for part in attribute.split("."):
                node = node.get(part) if isinstance(node, dict) else None
        if node is None:
            raise DeployError(
                f"Template error: resource {logical_id} does not support attribute type {attribute} in Fn::GetAtt"
            )
        return node

    def fn_sub(self, arg: Any) -> str:
        if isinstance(arg, list):
            text, variables = arg[0], {k: self.resolve(v) for k, v in (arg[1] if len(arg) > 1 else {}).items()}
        else:
            text, variables = arg, {}
        text = self.resolve(text)

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                value = variables[name]
            elif "." in name and (head := name.split(".", 1)[0]) and (
                head in self.resources or head in ((self.template or {}).get("Resources") or {})
            ):
                value = self.fn_getatt(name.split(".", 1))
            else:
                value = self.fn_ref(name)
            if isinstance(value, list):
                return ",".join(str(v) for v in value)
            return _text(value)

        return _SUB.sub(replace, text)

    # -- strings and lists -------------------------------------------------------------------------

    def fn_join(self, arg: Any) -> str:
        delimiter, items = arg[0], self.resolve(arg[1])
        if items == KNOWN_AFTER_APPLY:
            return KNOWN_AFTER_APPLY
        if not isinstance(items, list):
            raise DeployError("Template error: every Fn::Join object requires two parameters, (1) a string delimiter and (2) a list of strings to be joined or a function that returns a list of strings (such as Fn::GetAZs) to be joined.")
        return str(delimiter).join(_text(v) for v in items)

    def fn_select(self, arg: Any) -> Any:
        if not isinstance(arg, list) or len(arg) != 2:
            raise DeployError(SELECT_ARGUMENTS)
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        if KNOWN_AFTER_APPLY in (index, items):
            return KNOWN_AFTER_APPLY
        if isinstance(index, bool) or not isinstance(index, (int, str)) or not str(index).strip().isdigit():
            raise DeployError(SELECT_ARGUMENTS)
        if not isinstance(items, list) or int(index) >= len(items):
            raise DeployError(SELECT_ARGUMENTS)
        return items[int(index)]

    def fn_split(self, arg: Any) -> Any:
        delimiter, text = arg[0], self.resolve(arg[1])
        if isinstance(text, str) and KNOWN_AFTER_APPLY in text:
            return KNOWN_AFTER_APPLY  # how many parts there will be is known only then
        return str(text).split(delimiter)

    def fn_base64(self, arg: Any) -> str:
        return base64.b64encode(_text(self.resolve(arg)).encode()).decode()

    def fn_getazs(self, arg: Any) -> list[str]:
        region = self.resolve(arg) or self.pseudo["AWS::Region"]
        return [f"{region}{zone}" for zone in "abc"]

    def fn_importvalue(self, arg: Any) -> Any:
        name = self.resolve(arg)
        if self.import_value is None:
            raise DeployError(f"No export named {name} found.")
        return self.import_value(name)

    def fn_findinmap(self, arg: Any) -> Any:
        default = NO_VALUE
        if len(arg) > 3 and isinstance(arg[3], dict) and "DefaultValue" in arg[3]:
            default = self.resolve(arg[3]["DefaultValue"])
        name, first, second = (self.resolve(a) for a in arg[:3])
        mapping = (self.template.get("Mappings") or {}).get(name)
        if mapping is None:
            if default is not NO_VALUE:
                return default
            raise DeployError(f"Template error: Unable to get mapping for {name}::{first}::{second}")
        value = (mapping.get(first) or {}).get(second, NO_VALUE) if isinstance(mapping.get(first), dict) else NO_VALUE
        if value is NO_VALUE:
            if default is not NO_VALUE:
                return default
            raise DeployError(f"Template error: Unable to get mapping for {name}::{first}::{second}")
        return self.resolve(value)

    def fn_cidr(self, arg: Any) -> list[str]:
        block, count, bits = (self.resolve(a) for a in arg)
        network = ipaddress.ip_network(block, strict=False)
        prefix = network.max_prefixlen - int(bits)
        subnets = network.subnets(new_prefix=prefix)
        return [str(next(subnets)) for _ in range(int(count))]

    def fn_length(self, arg: Any) -> int:
        value = self.resolve(arg)
        if not isinstance(value, list):
            raise DeployError("Template error: Fn::Length requires a list")
        return len(value)

    def fn_tojsonstring(self, arg: Any) -> str:
        return json.dumps(self.resolve(arg), separators=(",", ":"))

    def fn_transform(self, arg: Any) -> Any:
        raise DeployError("Template error: Fn::Transform is not supported")

    # -- conditions -------------------------------------------------------------------------------

    def fn_if(self, arg: Any) -> Any:
        name, then, otherwise = arg
        if name not in self.conditions:
            raise validation(f"Template error: unresolved condition dependency {name} in Fn::If")
        return self.resolve(then if self.conditions[name] else otherwise)

    def fn_condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise validation(f"Template error: unresolved condition dependency {name} in Fn::If")
        return self.conditions[name]

    def fn_equals(self, arg: Any) -> bool:
        left, right = (self.resolve(a) for a in arg)
        return _text(left) == _text(right) if not isinstance(left, (list, dict)) else left == right

    def fn_and(self, arg: Any) -> bool:
        return all(self._truth(a) for a in arg)

    def fn_or(self, arg: Any) -> bool:
        return any(self._truth(a) for a in arg)

    def fn_not(self, arg: Any) -> bool:
        return not self._truth(arg[0] if isinstance(arg, list) else arg)

    def fn_contains(self, arg: Any) -> bool:
        items, value = self.resolve(arg[0]), self.resolve(arg[1])
        return value in items

    def _truth(self, value: Any) -> bool:
        result = self.resolve(value)
        if isinstance(result, str):
            return result.lower() == "true"
        return bool(result)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


KNOWN_AFTER_APPLY = "{{changeSet:KNOWN_AFTER_APPLY}}"


class PreviewScope(Scope):
    """Resolves what is known before a deployment: a value that depends on a resource about
    to be created or replaced (``unknown``) is known only after it is applied."""

    def __init__(self, unknown: set[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unknown = unknown

    def fn_ref(self, name: Any) -> Any:
        if isinstance(name, str) and name in self.unknown:
            return KNOWN_AFTER_APPLY
        return super().fn_ref(name)

    def fn_getatt(self, arg: Any) -> Any:
        logical_id = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0]
        if logical_id in self.unknown:
            return KNOWN_AFTER_APPLY
        return super().fn_getatt(arg)
