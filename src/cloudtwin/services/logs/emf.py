"""The embedded metric format: a JSON log event with an ``_aws.CloudWatchMetrics``
directive becomes CloudWatch metrics, as CloudWatch Logs does on ingestion.

    {"_aws": {"Timestamp": 1700000000000, "CloudWatchMetrics": [{"Namespace": "app",
      "Dimensions": [["Service"]], "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}]}]},
     "Service": "api", "Latency": 42}

Each dimension set of a directive gives one metric per metric definition; the value is the
root member of the same name (a number, or an array of up to 100 numbers). Events that do
not follow the format are ordinary log events and produce nothing.
"""

from __future__ import annotations

import json
import math
from typing import Any, Iterator

MAX_VALUES = 100


def metrics_of(message: str, event_ms: int) -> Iterator[tuple[str, str, dict[str, str], float, str, float]]:
    """``(namespace, name, dimensions, value, unit, epoch seconds)`` for every value."""
    if not message.startswith("{") or '"_aws"' not in message:
        return
    try:
        doc = json.loads(message)
        directives = doc["_aws"]["CloudWatchMetrics"]
        stamp = float(doc["_aws"].get("Timestamp", event_ms)) / 1000.0
    except (ValueError, KeyError, TypeError):
        return
    if not isinstance(directives, list):
        return
    for directive in directives:
        if not isinstance(directive, dict) or not isinstance(directive.get("Namespace"), str):
            continue
        sets = directive.get("Dimensions") or [[]]
        for definition in directive.get("Metrics") or []:
            name = definition.get("Name") if isinstance(definition, dict) else None
            values = _values(doc.get(name)) if isinstance(name, str) else []
            unit = definition.get("Unit") or "None"
            for names in sets:
                if not isinstance(names, list) or any(not isinstance(doc.get(n), str) for n in names):
                    continue
                dims = {n: doc[n] for n in names}
                for value in values:
                    yield directive["Namespace"], name, dims, value, unit, stamp  # type: ignore[misc]


def _values(raw: Any) -> list[float]:
    items = raw[:MAX_VALUES] if isinstance(raw, list) else [raw]
    return [float(v) for v in items if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
