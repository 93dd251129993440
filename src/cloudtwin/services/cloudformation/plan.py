"""What a deployment is about to do, worked out before it starts (so template and parameter
errors are the API call's errors, as in AWS): the processed template, the parameter values,
the conditions, and the order of the resources the conditions keep."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from cloudtwin.deployment import schemas
from cloudtwin.services.cloudformation import conditions, graph, parameters, template as templates
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudformation.errors import DeployError, template_error, validation
from cloudtwin.services.cloudformation.intrinsics import KNOWN_AFTER_APPLY, PreviewScope, Scope, check_functions


@dataclass
class Plan:
    body: str
    template: dict[str, Any]
    values: dict[str, Any]
    #: DescribeStacks' ``Parameters`` (NoEcho masked) and the raw values (for UsePreviousValue)
    listed: list[dict[str, Any]]
    raw: dict[str, str]
    conditions: dict[str, bool]
    #: active resource -> the active resources it depends on
    graph: dict[str, set[str]]
    order: list[str]
    pseudo: dict[str, Any] = field(default_factory=dict)

    @property
    def resources(self) -> dict[str, Any]:
        return {k: v for k, v in (self.template.get("Resources") or {}).items() if k in self.graph}

    def scope(self, resources: dict[str, Any], import_value: Callable[[str], Any] | None = None) -> Scope:
        return Scope(
            template=self.template, parameters=self.values, pseudo=self.pseudo,
            conditions=self.conditions, resources=resources, import_value=import_value,
        )  # fmt: skip


def pseudo_parameters(stack: dict[str, Any], account_id: str, region: str, partition: str) -> dict[str, Any]:
    return {
        "AWS::AccountId": account_id,
        "AWS::Region": region,
        "AWS::StackName": stack["StackName"],
        "AWS::StackId": stack["StackId"],
        "AWS::Partition": partition,
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        "AWS::NotificationARNs": list(stack.get("NotificationARNs") or []),
    }


def check_types(template: dict[str, Any]) -> None:
    unknown = []
    for resource in (template.get("Resources") or {}).values():
        kind = resource.get("Type")
        if not isinstance(kind, str) or (
            schemas.schema(kind) is None and not kind.startswith("Custom::") and kind not in unknown
        ):
            unknown.append(kind)
    if unknown:
        raise template_error(f"Unrecognized resource types: [{', '.join(map(str, unknown))}]")


def make(
    body: str,
    template: dict[str, Any],
    given: list[dict[str, Any]],
    previous: dict[str, str] | None,
    pseudo: dict[str, Any],
    ssm: Callable[[str], str] | None,
) -> Plan:
    """Check a (processed) template and work out its parameters, conditions and order."""
    templates.check(template)
    check_functions(template.get("Resources"))
    check_functions(template.get("Outputs"))
    check_types(template)
    values, listed = parameters.resolve(template.get("Parameters") or {}, given, previous, ssm)
    raw = parameters.raw_values(listed, given, previous)
    scope = Scope(template=template, parameters=values, pseudo=pseudo)
    evaluated = conditions.evaluate(template, scope)
    for name, resource in (template.get("Resources") or {}).items():
        condition = resource.get("Condition")
        if condition is not None and condition not in evaluated:
            raise template_error(f"Unresolved condition dependency {condition} in Resources block [{name}]")
    full = graph.dependencies(template)
    active = {
        name for name, resource in (template.get("Resources") or {}).items()
        if resource.get("Condition") is None or evaluated[resource["Condition"]]
    }  # fmt: skip
    deps = {name: full[name] & active for name in full if name in active}
    plan = Plan(body, template, values, listed, raw, evaluated, deps, graph.order(deps), pseudo)
    _check_static(plan)
    return plan


#: Errors a template shows before anything is deployed (what they need is known already).
_STATIC_ERRORS = (
    "Template error: Unable to get mapping", "Template error: unresolved condition dependency",
    "Template error: Fn::Select requires",
)  # fmt: skip


def _check_static(plan: Plan) -> None:
    """Evaluate what does not depend on resources (mappings, conditions) so that a bad lookup
    fails the API call, as AWS's does, rather than the deployment."""
    scope = PreviewScope(
        set(plan.template.get("Resources") or {}), template=plan.template, parameters=plan.values,
        pseudo=plan.pseudo, conditions=plan.conditions, import_value=lambda name: KNOWN_AFTER_APPLY,
    )  # fmt: skip
    for definition in plan.resources.values():
        for node in (definition.get("Properties"), definition.get("DeletionPolicy")):
            try:
                scope.resolve(node)
            except (DeployError, ServiceError) as error:
                message = getattr(error, "message", None) or str(error)
                if message.startswith(_STATIC_ERRORS):
                    raise validation(message) from None
