"""SSM documents owned by the account: versions, the default version, JSON/YAML content and
the description AWS derives from it. (Nothing runs them: cloudtwin has no managed
instances and no Automation engine.)"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

import yaml

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ssm.filters import paginate

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

_NAME = re.compile(r"^[a-zA-Z0-9_\-.]{3,128}$")
_RESERVED = ("aws-", "amazon", "amzn")
_MISSING = "The specified document does not exist."
_PARAMETER_KEYS = {"type": "Type", "description": "Description", "default": "DefaultValue"}


def _parse(content: str, document_format: str) -> dict[str, Any]:
    try:
        document = json.loads(content) if document_format == "JSON" else yaml.safe_load(content)
    except (ValueError, yaml.YAMLError):
        document = None
    if not isinstance(document, dict) or "schemaVersion" not in document:
        raise ServiceError("InvalidDocumentContent", "The content for the document is not valid.")
    return document


def _parameters(document: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, spec in (document.get("parameters") or {}).items():
        entry: dict[str, Any] = {"Name": name}
        if isinstance(spec, dict):
            for key, field in _PARAMETER_KEYS.items():
                if key in spec:
                    value = spec[key]
                    entry[field] = value if isinstance(value, str) else json.dumps(value)
        out.append(entry)
    return out


def _description(ctx: "RequestContext", doc: dict[str, Any], version: dict[str, Any]) -> dict[str, Any]:
    out = {
        "Hash": version["Hash"],
        "HashType": "Sha256",
        "Name": doc["Name"],
        "Owner": ctx.account_id,
        "CreatedDate": version["CreatedDate"],
        "Status": "Active",
        "DocumentVersion": version["DocumentVersion"],
        "Parameters": version["Parameters"],
        "PlatformTypes": ["Windows", "Linux", "MacOS"] if doc["DocumentType"] == "Command" else [],
        "DocumentType": doc["DocumentType"],
        "SchemaVersion": version["SchemaVersion"],
        "LatestVersion": doc["Versions"][-1]["DocumentVersion"],
        "DefaultVersion": doc["DefaultVersion"],
        "DocumentFormat": version["DocumentFormat"],
        "Tags": [{"Key": k, "Value": v} for k, v in doc["Tags"].items()],
    }
    for name in ("Description", "DisplayName", "VersionName", "TargetType"):
        if version.get(name) or doc.get(name):
            out[name] = version.get(name) or doc.get(name)
    return out


class DocumentOperations:
    """Mixin of the SSM provider: documents."""

    def _version(self, ctx: "RequestContext", content: str, params: dict[str, Any], number: int) -> dict[str, Any]:
        document_format = params.get("DocumentFormat", "JSON")
        document = _parse(content, document_format)
        version = {
            "DocumentVersion": str(number),
            "Content": content,
            "DocumentFormat": document_format,
            "Hash": hashlib.sha256(content.encode()).hexdigest(),
            "SchemaVersion": str(document["schemaVersion"]),
            "Parameters": _parameters(document),
            "CreatedDate": ctx.clock.now(),
        }
        if isinstance(document.get("description"), str):
            version["Description"] = document["description"]
        if params.get("VersionName"):
            version["VersionName"] = params["VersionName"]
        return version

    def _document(self, ctx: "RequestContext", name: str) -> dict[str, Any]:
        doc = ctx.store.documents.get(name)
        if doc is None:
            raise ServiceError("InvalidDocument", _MISSING)
        return doc

    @staticmethod
    def _pick(doc: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
        wanted, name = params.get("DocumentVersion"), params.get("VersionName")
        if wanted in (None, "$DEFAULT"):
            wanted = None if name else doc["DefaultVersion"]
        elif wanted == "$LATEST":
            wanted = doc["Versions"][-1]["DocumentVersion"]
        for version in doc["Versions"]:
            if (wanted is None or version["DocumentVersion"] == wanted) and (
                name is None or version.get("VersionName") == name
            ):
                return version
        raise ServiceError("InvalidDocumentVersion", "The document version is not valid or does not exist.")

    def create_document(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        name = params["Name"]
        if not _NAME.match(name) or name.lower().startswith(_RESERVED):
            raise ServiceError("ValidationException", f"Invalid document name: {name}")
        store = ctx.store
        if name in store.documents:
            raise ServiceError("DocumentAlreadyExists", "Document with same name already exists.")
        version = self._version(ctx, params["Content"], params, 1)
        doc = {
            "Name": name,
            "DocumentType": params.get("DocumentType", "Command"),
            "DefaultVersion": "1",
            "Versions": [version],
            "Tags": {t["Key"]: t["Value"] for t in params.get("Tags") or ()},
        }
        for optional in ("DisplayName", "TargetType"):
            if params.get(optional):
                doc[optional] = params[optional]
        store.documents[name] = doc
        return {"DocumentDescription": _description(ctx, doc, version)}

    def update_document(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store = ctx.store
        doc = self._document(ctx, params["Name"])
        latest = doc["Versions"][-1]
        if params.get("DocumentVersion") not in (None, "$LATEST", latest["DocumentVersion"]):
            raise ServiceError("InvalidDocumentVersion", "The document version is not valid or does not exist.")
        digest = hashlib.sha256(params["Content"].encode()).hexdigest()
        if any(v["Hash"] == digest for v in doc["Versions"]):
            raise ServiceError(
                "DuplicateDocumentContent",
                "The content of the association document matches another document. "
                "Change the content of the document and try again.",
            )
        if params.get("VersionName") and any(v.get("VersionName") == params["VersionName"] for v in doc["Versions"]):
            raise ServiceError(
                "DuplicateDocumentVersionName",
                "The specified version name is a duplicate.",
            )
        version = self._version(ctx, params["Content"], params, int(latest["DocumentVersion"]) + 1)
        doc["Versions"].append(version)
        for optional in ("DisplayName", "TargetType"):
            if params.get(optional):
                doc[optional] = params[optional]
        store.documents.save(doc["Name"])
        return {"DocumentDescription": _description(ctx, doc, version)}

    def update_document_default_version(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        doc = self._document(ctx, params["Name"])
        version = self._pick(doc, {"DocumentVersion": params["DocumentVersion"]})
        doc["DefaultVersion"] = version["DocumentVersion"]
        ctx.store.documents.save(doc["Name"])
        description = {"Name": doc["Name"], "DefaultVersion": doc["DefaultVersion"]}
        if version.get("VersionName"):
            description["DefaultVersionName"] = version["VersionName"]
        return {"Description": description}

    def get_document(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        doc = self._document(ctx, params["Name"])
        version = self._pick(doc, params)
        content = version["Content"]
        wanted = params.get("DocumentFormat", version["DocumentFormat"])
        if wanted != version["DocumentFormat"]:
            parsed = _parse(content, version["DocumentFormat"])
            content = json.dumps(parsed, indent=2) if wanted == "JSON" else yaml.safe_dump(parsed, sort_keys=False)
        out = {
            "Name": doc["Name"],
            "CreatedDate": version["CreatedDate"],
            "DocumentVersion": version["DocumentVersion"],
            "Status": "Active",
            "Content": content,
            "DocumentType": doc["DocumentType"],
            "DocumentFormat": wanted,
        }
        for name in ("DisplayName", "VersionName"):
            if version.get(name) or doc.get(name):
                out[name] = version.get(name) or doc.get(name)
        return out

    def describe_document(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        doc = self._document(ctx, params["Name"])
        return {"Document": _description(ctx, doc, self._pick(doc, params))}

    def delete_document(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store = ctx.store
        doc = self._document(ctx, params["Name"])
        if params.get("DocumentVersion") or params.get("VersionName"):
            version = self._pick(doc, params)
            if version["DocumentVersion"] == doc["DefaultVersion"]:
                raise ServiceError(
                    "InvalidDocumentOperation", "Default version of the document can't be deleted."
                )
            doc["Versions"].remove(version)
            store.documents.save(doc["Name"])
        else:
            del store.documents[doc["Name"]]
        return {}

    def list_documents(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        wanted: dict[str, set[str]] = {}
        for f in params.get("Filters") or ():
            if f.get("Key"):  # a filter without a key filters nothing
                wanted.setdefault(f["Key"], set()).update(f.get("Values") or ())
        for f in params.get("DocumentFilterList") or ():
            wanted.setdefault(f["key"], set()).add(f["value"])
        if wanted.get("Owner") and not wanted["Owner"] & {"Self", "Private", ctx.account_id}:
            found: list[dict[str, Any]] = []  # AWS-owned and shared documents are not modelled
        else:
            found = []
            for doc in sorted(ctx.store.documents.values(), key=lambda d: d["Name"]):
                default = self._pick(doc, {})
                if "DocumentType" in wanted and doc["DocumentType"] not in wanted["DocumentType"]:
                    continue
                if "Name" in wanted and doc["Name"] not in wanted["Name"]:
                    continue
                if "tag-key" in wanted and not wanted["tag-key"] & set(doc["Tags"]):
                    continue
                description = _description(ctx, doc, default)
                found.append({
                    k: description[k]
                    for k in ("Name", "CreatedDate", "DisplayName", "Owner", "VersionName", "PlatformTypes",
                              "DocumentVersion", "DocumentType", "SchemaVersion", "DocumentFormat",
                              "TargetType", "Tags")
                    if k in description
                })  # fmt: skip
        chunk, token = paginate(found, params, default=50)
        return {"DocumentIdentifiers": chunk, **({"NextToken": token} if token else {})}
