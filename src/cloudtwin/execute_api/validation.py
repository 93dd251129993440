"""Request body validation against an API's models (JSON Schema draft 4, as API Gateway
documents), with ``$ref`` to other models of the same API
(``https://apigateway.amazonaws.com/restapis/<api>/models/<name>``)."""

from __future__ import annotations

import json
import re
from typing import Any

_MODEL_REF = re.compile(r"^https?://apigateway\.amazonaws\.com/restapis/[^/]+/models/([^/]+)$")


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                match = _MODEL_REF.match(value)
                out[key] = f"#/definitions/{match.group(1)}" if match else value
            else:
                out[key] = _rewrite(value)
        return out
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def validate_body(body: bytes, model: dict, models: dict) -> str | None:
    """None when the body fits the model, else AWS's message."""
    import jsonschema

    try:
        schema = json.loads(model.get("schema") or "{}")
    except ValueError:
        return None
    try:
        document = json.loads(body or b"")
    except ValueError:
        return "Invalid request body"
    definitions = {}
    for name, other in models.items():
        try:
            definitions[name] = _rewrite(json.loads(other.get("schema") or "{}"))
        except ValueError:
            continue
    schema = _rewrite(schema)
    schema.pop("$schema", None)
    schema.setdefault("definitions", {}).update({k: v for k, v in definitions.items() if k not in schema["definitions"]})
    validator = jsonschema.Draft4Validator(schema)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.path))
    if not errors:
        return None
    return "Invalid request body"
