"""Extract CloudFormation's published resource schemas into cloudtwin's compact package data.

cfn-lint ships AWS's resource provider schemas (``cfnlint/data/schemas/providers/us-east-1.json``
maps each type to a file in ``cfnlint/data/schemas/resources/``). cloudtwin needs only a few
facts of each type, so it ships them compactly (``deployment/schemas.json.gz``, ~100 KB
instead of cfn-lint's 18 MB of schemas and its dependencies such as sympy):

    {"AWS::SQS::Queue": {"primaryIdentifier": ["QueueUrl"], "createOnly": ["FifoQueue", "QueueName"],
                         "readOnly": ["Arn", "QueueUrl"], "writeOnly": [], "required": [],
                         "properties": [...], "taggable": true}, ...}

Run at development time, from a cfn-lint wheel or an installed cfn-lint (a dev/test tool only):

    pip download cfn-lint --no-deps -d /tmp/w && python scripts/cfn_schemas.py /tmp/w/cfn_lint-*.whl
    python scripts/cfn_schemas.py          # from an installed cfn-lint
"""

from __future__ import annotations

import gzip
import json
import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "cloudtwin" / "deployment" / "schemas.json.gz"
DATA = "cfnlint/data/schemas/"


def _reader(source: str | None):
    if source and source.endswith(".whl"):
        archive = zipfile.ZipFile(source)
        return lambda name: json.loads(archive.read(DATA + name))
    import cfnlint  # type: ignore[import-not-found]

    root = Path(cfnlint.__file__).parent / "data" / "schemas"
    return lambda name: json.loads((root / name).read_text())


def _names(pointers: list[str]) -> list[str]:
    """``/properties/Endpoint/Address`` -> ``Endpoint.Address`` (as ``Fn::GetAtt`` names it)."""
    return sorted(p.removeprefix("/properties/").replace("/", ".") for p in pointers or ())


def compact(schema: dict) -> dict:
    tagging = schema.get("tagging") or {}
    return {
        "primaryIdentifier": [p.removeprefix("/properties/") for p in schema.get("primaryIdentifier") or ()],
        "createOnly": _names(schema.get("createOnlyProperties")),
        "readOnly": _names(schema.get("readOnlyProperties")),
        "writeOnly": _names(schema.get("writeOnlyProperties")),
        "required": sorted(schema.get("required") or ()),
        "properties": sorted(schema.get("properties") or ()),
        "taggable": bool(tagging.get("taggable", "Tags" in (schema.get("properties") or {}))),
        "description": (schema.get("description") or "").split("\n")[0][:300],
    }


def main(argv: list[str]) -> None:
    read = _reader(argv[1] if len(argv) > 1 else None)
    index = read("providers/us-east-1.json")
    types = {name: compact(read(f"resources/{digest}.json")) for name, digest in sorted(index.items())}
    OUT.write_bytes(gzip.compress(json.dumps(types, separators=(",", ":"), sort_keys=True).encode(), mtime=0))
    print(f"{len(types)} types -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv)
