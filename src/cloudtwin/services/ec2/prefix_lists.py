"""Customer-managed prefix lists: Create/Describe/Modify/DeleteManagedPrefixList and
GetManagedPrefixListEntries. Every modification makes a new version; a modification
naming an older ``CurrentVersion`` is refused, as AWS does."""

from __future__ import annotations

import ipaddress
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.errors import dependency_violation, invalid_parameter, not_found
from cloudtwin.services.ec2.filters import by_ids, page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.tagging import spec_tags

MAX_ENTRIES_LIMIT = 1000
PREFIX_LIST_FIELDS = {
    "owner-id": lambda p: p["OwnerId"], "prefix-list-id": lambda p: p["PrefixListId"],
    "prefix-list-name": lambda p: p["PrefixListName"],
}  # fmt: skip


def _checked(entries: list[dict[str, Any]], family: str) -> list[dict[str, Any]]:
    out = []
    for entry in entries:
        cidr = entry.get("Cidr")
        try:
            network = ipaddress.ip_network(cidr or "", strict=False)
        except ValueError:
            raise invalid_parameter(f"Invalid CIDR {cidr}") from None
        if (network.version == 4) != (family == "IPv4"):
            raise invalid_parameter(f"The CIDR {cidr} does not match the address family {family} of the prefix list.")
        item = {"Cidr": str(network)}
        if entry.get("Description"):
            item["Description"] = entry["Description"]
        out.append(item)
    return out


class PrefixListOperations:
    def _prefix_list(self, store: Ec2Store, prefix_list_id: str) -> dict[str, Any]:
        found = store.prefix_lists.get(prefix_list_id)
        if found is None:
            raise not_found(prefix_list_id, "pl")
        return found

    def create_managed_prefix_list(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import arn

        store: Ec2Store = ctx.store
        family = params["AddressFamily"]
        if family not in ("IPv4", "IPv6"):
            raise invalid_parameter(f"Invalid address family {family}. Valid values are IPv4 and IPv6.")
        maximum = params["MaxEntries"]
        if not 1 <= maximum <= MAX_ENTRIES_LIMIT:
            raise invalid_parameter(f"The maximum number of entries must be between 1 and {MAX_ENTRIES_LIMIT}.")
        entries = _checked(params.get("Entries") or [], family)
        if len(entries) > maximum:
            raise invalid_parameter(f"The number of entries ({len(entries)}) exceeds the maximum number of entries ({maximum}).")
        prefix_list_id = new_id("pl")
        prefix_list: dict[str, Any] = {
            "PrefixListId": prefix_list_id, "AddressFamily": family, "State": "create-complete",
            "PrefixListArn": arn(store, "prefix-list", prefix_list_id), "PrefixListName": params["PrefixListName"],
            "MaxEntries": maximum, "Version": 1, "OwnerId": store.account_id,
        }  # fmt: skip
        tags = spec_tags(params, "prefix-list")
        if tags:
            prefix_list["Tags"] = tags
        store.prefix_lists[prefix_list_id] = prefix_list
        store.prefix_list_entries[prefix_list_id] = entries
        return {"PrefixList": {**prefix_list, "State": "create-in-progress"}}

    def describe_managed_prefix_lists(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        found = select(by_ids(store.prefix_lists, params.get("PrefixListIds"), "pl"), params.get("Filters"), PREFIX_LIST_FIELDS)
        items, token = page(found, params, minimum=1, maximum=100)
        return {"PrefixLists": items, "NextToken": token}

    def get_managed_prefix_list_entries(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        prefix_list = self._prefix_list(store, params["PrefixListId"])
        target = params.get("TargetVersion")
        if target is not None and target != prefix_list["Version"]:
            raise invalid_parameter(f"The version {target} of prefix list {prefix_list['PrefixListId']} is not available.")
        entries = sorted(store.prefix_list_entries[prefix_list["PrefixListId"]], key=lambda e: e["Cidr"])
        items, token = page(entries, params, minimum=1, maximum=100)
        return {"Entries": items, "NextToken": token}

    def modify_managed_prefix_list(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        prefix_list = self._prefix_list(store, params["PrefixListId"])
        prefix_list_id = prefix_list["PrefixListId"]
        current = params.get("CurrentVersion")
        changes_entries = bool(params.get("AddEntries") or params.get("RemoveEntries"))
        if changes_entries and current is None:
            raise ServiceError("MissingParameter", "The request must contain the parameter CurrentVersion")
        if current is not None and current != prefix_list["Version"]:
            raise ServiceError("PrefixListVersionMismatch", "The prefix list has the incorrect version number.")
        entries = list(store.prefix_list_entries[prefix_list_id])
        removed = {e.get("Cidr") for e in _checked(params.get("RemoveEntries") or [], prefix_list["AddressFamily"])}
        for cidr in removed:
            if not any(e["Cidr"] == cidr for e in entries):
                raise invalid_parameter(f"The prefix list entry {cidr} does not exist.")
        entries = [e for e in entries if e["Cidr"] not in removed]
        for entry in _checked(params.get("AddEntries") or [], prefix_list["AddressFamily"]):
            entries = [e for e in entries if e["Cidr"] != entry["Cidr"]] + [entry]
        maximum = params.get("MaxEntries") or prefix_list["MaxEntries"]
        if len(entries) > maximum:
            raise invalid_parameter(f"The number of entries ({len(entries)}) exceeds the maximum number of entries ({maximum}).")
        if params.get("PrefixListName"):
            prefix_list["PrefixListName"] = params["PrefixListName"]
        prefix_list["MaxEntries"] = maximum
        if changes_entries:
            prefix_list["Version"] += 1
            store.prefix_list_entries[prefix_list_id] = entries
        prefix_list["State"] = "modify-complete"
        store.prefix_lists.save(prefix_list_id)
        return {"PrefixList": {**prefix_list, "State": "modify-in-progress"}}

    def delete_managed_prefix_list(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        prefix_list = self._prefix_list(store, params["PrefixListId"])
        prefix_list_id = prefix_list["PrefixListId"]
        in_use = any(r.get("PrefixListId") == prefix_list_id for r in store.sg_rules.values()) or any(
            r.get("DestinationPrefixListId") == prefix_list_id for t in store.route_tables.values() for r in t["Routes"]
        )
        if in_use:
            raise dependency_violation(f"The prefix list {prefix_list_id} is referenced by a resource and cannot be deleted.")
        del store.prefix_lists[prefix_list_id]
        store.prefix_list_entries.pop(prefix_list_id, None)
        return {"PrefixList": {**prefix_list, "State": "delete-in-progress"}}
