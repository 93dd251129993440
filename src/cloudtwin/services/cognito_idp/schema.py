"""A pool's attribute schema: the standard attributes every pool has, custom ones, and the
checks on the attributes users are given."""

from __future__ import annotations

from typing import Any

from cloudtwin.services.cognito_idp.errors import invalid_parameter

_STRING = ("name", "given_name", "family_name", "middle_name", "nickname", "preferred_username",
           "profile", "picture", "website", "email", "gender", "birthdate", "zoneinfo", "locale",
           "phone_number", "address")  # fmt: skip
_MAX = {"birthdate": 10}
_MIN = {"birthdate": 10}


def standard_schema() -> list[dict[str, Any]]:
    """The SchemaAttributes of a new pool before its own are added (as DescribeUserPool lists them)."""
    out: list[dict[str, Any]] = [{
        "Name": "sub", "AttributeDataType": "String", "DeveloperOnlyAttribute": False, "Mutable": False,
        "Required": True, "StringAttributeConstraints": {"MinLength": "1", "MaxLength": "2048"},
    }]  # fmt: skip
    for name in _STRING:
        out.append({
            "Name": name, "AttributeDataType": "String", "DeveloperOnlyAttribute": False, "Mutable": True,
            "Required": False,
            "StringAttributeConstraints": {"MinLength": str(_MIN.get(name, 0)), "MaxLength": str(_MAX.get(name, 2048))},
        })  # fmt: skip
        if name in ("email", "phone_number"):
            out.append({"Name": f"{name}_verified", "AttributeDataType": "Boolean",
                        "DeveloperOnlyAttribute": False, "Mutable": True, "Required": False})  # fmt: skip
    out.append({"Name": "updated_at", "AttributeDataType": "Number", "DeveloperOnlyAttribute": False,
                "Mutable": True, "Required": False, "NumberAttributeConstraints": {"MinValue": "0"}})  # fmt: skip
    out.append({"Name": "identities", "AttributeDataType": "String", "DeveloperOnlyAttribute": False,
                "Mutable": True, "Required": False, "StringAttributeConstraints": {}})  # fmt: skip
    return out


def merge_schema(base: list[dict[str, Any]], added: list[dict[str, Any]] | None, custom_only: bool) -> list[dict[str, Any]]:
    """``base`` with the pool's own attributes: standard ones override their defaults,
    others become ``custom:<name>``."""
    by_name = {a["Name"]: a for a in base}
    for attr in added or ():
        attr = dict(attr)
        name = attr.get("Name") or ""
        standard = name in by_name and not name.startswith("custom:")
        if custom_only or not standard:
            if not name.startswith("custom:"):
                name = f"custom:{name}"
            if name in by_name:
                raise invalid_parameter(f"Existing attribute already has name {name}.")
            attr["Name"] = name
            attr.setdefault("AttributeDataType", "String")
            attr.setdefault("DeveloperOnlyAttribute", False)
            attr.setdefault("Mutable", True)
            attr["Required"] = False
            if attr["AttributeDataType"] == "String":
                attr.setdefault("StringAttributeConstraints", {})
            elif attr["AttributeDataType"] == "Number":
                attr.setdefault("NumberAttributeConstraints", {})
            by_name[name] = attr
        else:
            merged = dict(by_name[name])
            merged.update({k: v for k, v in attr.items() if v is not None})
            by_name[name] = merged
    return list(by_name.values())


def check_attributes(pool: dict[str, Any], attributes: dict[str, str], *, creating: bool) -> None:
    """Unknown attributes and missing required ones refused as AWS words it."""
    schema = {a["Name"]: a for a in pool["SchemaAttributes"]}
    for name in attributes:
        if name not in schema and name != "sub":
            raise invalid_parameter(f"Attributes did not conform to the schema: {name}: Attribute does not exist in the schema.\n")
    if creating:
        missing = [a["Name"] for a in pool["SchemaAttributes"]
                   if a.get("Required") and a["Name"] != "sub" and not attributes.get(a["Name"])]  # fmt: skip
        if missing:
            detail = "\n".join(f"{n}: The attribute {n} is required" for n in missing)
            raise invalid_parameter(f"Attributes did not conform to the schema: {detail}")


def attribute_list(attributes: dict[str, str]) -> list[dict[str, str]]:
    return [{"Name": k, "Value": v} for k, v in attributes.items()]


def attribute_dict(items: list[dict[str, Any]] | None) -> dict[str, str]:
    return {a["Name"]: a.get("Value", "") for a in items or ()}
