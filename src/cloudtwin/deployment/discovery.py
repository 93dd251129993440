"""Finding the resource handlers the services own (``services/<name>/resources.py``)."""

from __future__ import annotations

import importlib
from pathlib import Path

from cloudtwin.deployment.handler import ResourceHandler


def handlers() -> dict[str, type[ResourceHandler]]:
    """Every handler of every service, by resource type name (imports each service's
    ``resources`` module, not its provider)."""
    found: dict[str, type[ResourceHandler]] = {}
    services = Path(__file__).parent.parent / "services"
    for folder in sorted(p for p in services.iterdir() if (p / "resources.py").exists()):
        module = importlib.import_module(f"cloudtwin.services.{folder.name}.resources")
        for handler in getattr(module, "HANDLERS", ()):
            found[handler.type_name] = handler
    return found
