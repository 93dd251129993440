"""The order resources are deployed in: each resource after the resources it names with
``Ref``, ``Fn::GetAtt``, ``Fn::Sub`` or ``DependsOn``; CloudFormation's errors for a name that
is nothing in the template and for a cycle."""

from __future__ import annotations

from typing import Any

from cloudtwin.services.cloudformation.errors import template_error, validation
from cloudtwin.services.cloudformation.intrinsics import sub_variables

PSEUDO = frozenset({
    "AWS::AccountId", "AWS::Region", "AWS::StackName", "AWS::StackId", "AWS::Partition",
    "AWS::URLSuffix", "AWS::NotificationARNs", "AWS::NoValue",
})  # fmt: skip


def references(node: Any, found: set[str] | None = None) -> set[str]:
    """The logical names (resources or parameters) a value refers to."""
    found = set() if found is None else found
    if isinstance(node, dict):
        if len(node) == 1:
            (key, arg), = node.items()
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
                return found
            if key == "Fn::GetAtt":
                target = arg.split(".", 1)[0] if isinstance(arg, str) else arg[0] if arg else None
                if isinstance(target, str):
                    found.add(target)
                if isinstance(arg, list):
                    references(arg[1:], found)
                return found
            if key == "Fn::Sub":
                text, local = (arg[0], arg[1] if len(arg) > 1 else {}) if isinstance(arg, list) else (arg, {})
                if isinstance(text, str):
                    for name in sub_variables(text):
                        name = name.strip()
                        if name not in local:
                            found.add(name.split(".", 1)[0] if "." in name and not name.startswith("AWS::") else name)
                else:
                    references(text, found)
                references(local, found)
                return found
        for value in node.values():
            references(value, found)
    elif isinstance(node, list):
        for item in node:
            references(item, found)
    return found


def depends_on(resource: dict[str, Any]) -> list[str]:
    value = resource.get("DependsOn") or []
    return [value] if isinstance(value, str) else list(value)


def dependencies(template: dict[str, Any]) -> dict[str, set[str]]:
    """For every resource the resources it depends on; raises AWS's error for a name that is
    neither a resource, a parameter nor a pseudo parameter."""
    resources: dict[str, Any] = template.get("Resources") or {}
    parameters = set(template.get("Parameters") or {})
    unresolved: list[str] = []
    graph: dict[str, set[str]] = {}
    for logical_id, resource in resources.items():
        names = references({k: v for k, v in resource.items() if k not in ("DependsOn", "Metadata")})
        deps = set()
        for name in sorted(names):
            if name in resources:
                deps.add(name)
            elif name not in parameters and name not in PSEUDO and name not in unresolved:
                unresolved.append(name)
        for name in depends_on(resource):
            if name not in resources:
                raise template_error(f"Unresolved resource dependencies [{name}] in the Resources block of the template")
            deps.add(name)
        graph[logical_id] = deps
    for output in (template.get("Outputs") or {}).values():
        for name in sorted(references(output)):
            if name not in resources and name not in parameters and name not in PSEUDO and name not in unresolved:
                unresolved.append(name)
    if unresolved:
        raise template_error(f"Unresolved resource dependencies [{', '.join(unresolved)}] in the Resources block of the template")
    cycle = _cycle(graph)
    if cycle:
        raise validation(f"Circular dependency between resources: [{', '.join(cycle)}]")
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """The resources that cannot be ordered (in a cycle or behind one), empty if none."""
    remaining = {k: set(v) for k, v in graph.items()}
    progress = True
    while progress:
        progress = False
        for name in [n for n, deps in remaining.items() if not deps]:
            del remaining[name]
            for deps in remaining.values():
                deps.discard(name)
            progress = True
    return sorted(remaining)


def order(graph: dict[str, set[str]]) -> list[str]:
    """A deployment order (dependencies first), stable in template order."""
    done: list[str] = []
    placed: set[str] = set()
    while len(done) < len(graph):
        for name, deps in graph.items():
            if name not in placed and deps <= placed:
                done.append(name)
                placed.add(name)
    return done
