"""The ``Conditions`` section: each condition evaluated once per deployment (a condition may
name another with ``{"Condition": name}``)."""

from __future__ import annotations

from typing import Any

from cloudtwin.services.cloudformation.errors import template_error
from cloudtwin.services.cloudformation.intrinsics import Scope


def evaluate(template: dict[str, Any], scope: Scope) -> dict[str, bool]:
    definitions = template.get("Conditions") or {}
    results: dict[str, bool] = {}
    visiting: set[str] = set()

    class _Lazy(dict):
        def __contains__(self, name: object) -> bool:
            return name in definitions

        def __getitem__(self, name: str) -> bool:
            return value(name)

    def value(name: str) -> bool:
        if name in results:
            return results[name]
        if name not in definitions:
            raise template_error(f"Unresolved condition dependency {name}")
        if name in visiting:
            raise template_error(f"Circular dependency between conditions: [{', '.join(sorted(visiting))}]")
        visiting.add(name)
        results[name] = _truth(scope.resolve(definitions[name]))
        visiting.discard(name)
        return results[name]

    scope.conditions = _Lazy()
    for name in definitions:
        value(name)
    scope.conditions = results
    return results


def _truth(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() == "true"
    return bool(value)
