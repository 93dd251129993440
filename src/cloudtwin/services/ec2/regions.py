"""Regions and availability zones: DescribeRegions, DescribeAvailabilityZones,
DescribeAccountAttributes.

The regions are botocore's published ``aws`` partition (``endpoints.json``); every region
answers three zones ``<region>a..c`` whose zone ids follow AWS's scheme (``use1-az1``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cloudtwin.services.ec2.filters import select

ZONE_LETTERS = "abc"
#: Regions launched since 2019 are off until the account opts in (AWS's list).
OPT_IN_REGIONS = frozenset({
    "af-south-1", "ap-east-1", "ap-east-2", "ap-south-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-west-1", "eu-central-2", "eu-south-1", "eu-south-2", "il-central-1",
    "me-central-1", "me-south-1", "mx-central-1",
})  # fmt: skip
_DIRECTIONS = {
    "east": "e", "west": "w", "north": "n", "south": "s", "central": "c", "northeast": "ne",
    "northwest": "nw", "southeast": "se", "southwest": "sw",
}  # fmt: skip


@lru_cache(maxsize=1)
def region_names() -> tuple[str, ...]:
    from botocore.loaders import create_loader

    data = create_loader().load_data("endpoints")
    for partition in data["partitions"]:
        if partition["partition"] == "aws":
            return tuple(sorted(partition["regions"]))
    return ()


def zone_id_prefix(region: str) -> str:
    """``us-east-1`` -> ``use1``; ``ap-southeast-2`` -> ``apse2``."""
    parts = region.split("-")
    if len(parts) != 3:
        return region.replace("-", "")
    return parts[0] + _DIRECTIONS.get(parts[1], parts[1][:1]) + parts[2]


def zones(region: str) -> list[dict[str, Any]]:
    prefix = zone_id_prefix(region)
    return [
        {
            "OptInStatus": "opt-in-not-required",
            "Messages": [],
            "RegionName": region,
            "ZoneName": f"{region}{letter}",
            "ZoneId": f"{prefix}-az{n}",
            "GroupName": region,
            "NetworkBorderGroup": region,
            "ZoneType": "availability-zone",
            "State": "available",
        }
        for n, letter in enumerate(ZONE_LETTERS, start=1)
    ]


def zone_id(region: str, zone_name: str) -> str | None:
    return next((z["ZoneId"] for z in zones(region) if z["ZoneName"] == zone_name), None)


ZONE_FIELDS = {
    "zone-name": lambda z: z["ZoneName"], "zone-id": lambda z: z["ZoneId"], "region-name": lambda z: z["RegionName"],
    "state": lambda z: z["State"], "zone-type": lambda z: z["ZoneType"], "group-name": lambda z: z["GroupName"],
    "opt-in-status": lambda z: z["OptInStatus"], "network-border-group": lambda z: z["NetworkBorderGroup"],
    "message": lambda z: [], "parent-zone-id": lambda z: None, "parent-zone-name": lambda z: None,
}  # fmt: skip
REGION_FIELDS = {
    "region-name": lambda r: r["RegionName"], "endpoint": lambda r: r["Endpoint"],
    "opt-in-status": lambda r: r["OptInStatus"],
}  # fmt: skip


class RegionOperations:
    def describe_regions(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        wanted = params.get("RegionNames")
        everything = params.get("AllRegions") or False
        regions = []
        for name in region_names():
            opt_in = "not-opted-in" if name in OPT_IN_REGIONS else "opt-in-not-required"
            if opt_in == "not-opted-in" and not everything and not wanted:
                continue
            regions.append({"RegionName": name, "Endpoint": f"ec2.{name}.amazonaws.com", "OptInStatus": opt_in})
        if wanted:
            from cloudtwin.protocol.errors import ServiceError

            known = {r["RegionName"] for r in regions}
            for name in wanted:
                if name not in known:
                    raise ServiceError("InvalidParameterValue", f"Invalid region: {name}")
            regions = [r for r in regions if r["RegionName"] in wanted]
        return {"Regions": select(regions, params.get("Filters"), REGION_FIELDS)}

    def describe_availability_zones(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        found = zones(ctx.region)
        names, ids = params.get("ZoneNames"), params.get("ZoneIds")
        if names or ids:
            from cloudtwin.protocol.errors import ServiceError

            for name in names or ():
                if not any(z["ZoneName"] == name for z in found):
                    raise ServiceError("InvalidParameterValue", f"The zone '{name}' does not exist.")
            for zid in ids or ():
                if not any(z["ZoneId"] == zid for z in found):
                    raise ServiceError("InvalidParameterValue", f"The zone '{zid}' does not exist.")
            found = [z for z in found if z["ZoneName"] in (names or ()) or z["ZoneId"] in (ids or ())]
        return {"AvailabilityZones": select(found, params.get("Filters"), ZONE_FIELDS)}

    def describe_account_attributes(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        attributes = {
            "supported-platforms": ["VPC"],
            "default-vpc": [self._default_vpc_id(ctx)],  # type: ignore[attr-defined]
            "max-instances": ["20"],
            "vpc-max-security-groups-per-interface": ["5"],
            "max-elastic-ips": ["5"],
            "vpc-max-elastic-ips": ["5"],
        }
        names = params.get("AttributeNames") or list(attributes)
        return {
            "AccountAttributes": [
                {"AttributeName": n, "AttributeValues": [{"AttributeValue": v} for v in attributes[n]]}
                for n in names if n in attributes
            ]
        }  # fmt: skip
