"""Instances as records: RunInstances, DescribeInstances, Start/Stop/TerminateInstances,
DescribeInstanceStatus, Describe/ModifyInstanceAttribute. No machine runs; the state moves on the virtual clock
(``pending`` -> ``running``, ``stopping`` -> ``stopped``, ``shutting-down`` ->
``terminated``), each step taking ``TRANSITION_SECONDS``."""

from __future__ import annotations

import base64
from typing import Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.errors import not_found
from cloudtwin.services.ec2.filters import page, select
from cloudtwin.services.ec2.ids import new_id
from cloudtwin.services.ec2.interfaces import drop_interface, new_interface
from cloudtwin.services.ec2.models import Ec2Store
from cloudtwin.services.ec2.network import public_address
from cloudtwin.services.ec2.tagging import spec_tags

TRANSITION_SECONDS = 5.0
STATES = {"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80}
NEXT = {"pending": "running", "stopping": "stopped", "shutting-down": "terminated"}
#: How long a terminated instance stays visible.
TERMINATED_VISIBLE_SECONDS = 3600.0


def _state(name: str) -> dict[str, Any]:
    return {"Code": STATES[name], "Name": name}


def settle(store: Ec2Store, now: float) -> None:
    for instance_id, instance in list(store.instances.items()):
        name = instance["State"]["Name"]
        since = instance.get("_changed", instance["LaunchTime"])
        if name in NEXT and now - since >= TRANSITION_SECONDS:
            instance["State"] = _state(NEXT[name])
            instance["_changed"] = since + TRANSITION_SECONDS
            store.instances.save(instance_id)
        elif name == "terminated" and now - since >= TERMINATED_VISIBLE_SECONDS:
            del store.instances[instance_id]


INSTANCE_FIELDS = {
    "availability-zone": lambda i: i["Placement"]["AvailabilityZone"], "image-id": lambda i: i["ImageId"],
    "instance-id": lambda i: i["InstanceId"], "instance-state-name": lambda i: i["State"]["Name"],
    "instance-state-code": lambda i: i["State"]["Code"], "instance-type": lambda i: i["InstanceType"],
    "key-name": lambda i: i.get("KeyName"), "private-ip-address": lambda i: i.get("PrivateIpAddress"),
    "ip-address": lambda i: i.get("PublicIpAddress"), "subnet-id": lambda i: i.get("SubnetId"),
    "vpc-id": lambda i: i.get("VpcId"), "reservation-id": lambda i: i["_reservation"],
    "instance.group-id": lambda i: [g["GroupId"] for g in i["SecurityGroups"]],
    "instance.group-name": lambda i: [g["GroupName"] for g in i["SecurityGroups"]],
    "private-dns-name": lambda i: i.get("PrivateDnsName"), "architecture": lambda i: i["Architecture"],
}  # fmt: skip


def _shown(instance: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in instance.items() if not k.startswith("_")}


class InstanceOperations:
    def run_instances(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        from cloudtwin.services.ec2.vpcs import default_vpc

        store: Ec2Store = ctx.store
        data: dict[str, Any] = {}
        if params.get("LaunchTemplate"):
            data = self._template_data(store, params["LaunchTemplate"])  # type: ignore[attr-defined]
        merged = {**data, **{k: v for k, v in params.items() if v is not None}}
        image_id = merged.get("ImageId")
        if not image_id:
            raise ServiceError("MissingParameter", "The request must contain the parameter ImageId")
        if not str(image_id).startswith("ami-"):
            raise ServiceError("InvalidAMIID.Malformed", f'Invalid id: "{image_id}" (expecting "ami-...")')
        low, high = params["MinCount"], params["MaxCount"]
        if low < 1 or high < low:
            raise ServiceError("InvalidParameterValue", f"Value ({low}) for parameter minCount is invalid. Expected a positive integer no greater than maxCount.")
        key_name = merged.get("KeyName")
        if key_name and not any(k["KeyName"] == key_name for k in store.key_pairs.values()):
            raise ServiceError("InvalidKeyPair.NotFound", f"The key pair '{key_name}' does not exist")
        subnet_id = merged.get("SubnetId")
        if subnet_id:
            subnet = store.subnets.get(subnet_id)
            if subnet is None:
                raise not_found(subnet_id, "subnet")
        else:
            vpc = default_vpc(store)
            if vpc is None:
                raise ServiceError("VPCIdNotSpecified", "No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.")
            zone = (merged.get("Placement") or {}).get("AvailabilityZone")
            candidates = [s for s in store.subnets.values() if s["VpcId"] == vpc["VpcId"] and s["DefaultForAz"]]
            subnet = next((s for s in candidates if s["AvailabilityZone"] == zone), candidates[0] if candidates else None)  # type: ignore[assignment]
            if subnet is None:
                raise ServiceError("MissingInput", "No subnets found for the default VPC")
        groups = list(merged.get("SecurityGroupIds") or ())
        for name in merged.get("SecurityGroups") or ():
            group = next((g for g in store.security_groups.values() if g["GroupName"] == name and g["VpcId"] == subnet["VpcId"]), None)
            if group is None:
                raise ServiceError("InvalidGroup.NotFound", f"The security group '{name}' does not exist in VPC '{subnet['VpcId']}'")
            groups.append(group["GroupId"])
        for group_id in groups:
            if group_id not in store.security_groups:
                raise not_found(group_id, "sg")
        reservation_id = new_id("r")
        now = ctx.clock.now()
        tags = spec_tags({"TagSpecifications": [s for s in params.get("TagSpecifications") or () if s.get("ResourceType") in (None, "instance")]}, "instance")
        instances = [self._launch(store, subnet, groups or None, merged, reservation_id, n, now, tags) for n in range(high)]
        return {"ReservationId": reservation_id, "OwnerId": store.account_id, "Groups": [],
                "Instances": [_shown(i) for i in instances]}  # fmt: skip

    def _template_data(self, store: Ec2Store, spec: dict[str, Any]) -> dict[str, Any]:
        template = self._template(store, spec)  # type: ignore[attr-defined]
        number = self._resolve(template, spec.get("Version") or "$Default")  # type: ignore[attr-defined]
        for version in store.template_versions[template["LaunchTemplateId"]]:
            if version["VersionNumber"] == number:
                return dict(version["LaunchTemplateData"])
        raise ServiceError("InvalidLaunchTemplateVersion.NotFound", f"Version {number} of launch template {template['LaunchTemplateId']} does not exist")

    def _launch(self, store: Ec2Store, subnet: dict[str, Any], groups: list[str] | None, params: dict[str, Any],
                reservation_id: str, index: int, now: float, tags: list[dict[str, str]]) -> dict[str, Any]:
        instance_id = new_id("i")
        eni = new_interface(store, subnet, groups=groups, address=params.get("PrivateIpAddress") if index == 0 else None)
        eni["Status"] = "in-use"
        eni["Attachment"] = {"AttachmentId": new_id("eni-attach"), "DeleteOnTermination": True, "DeviceIndex": 0,
                             "InstanceId": instance_id, "InstanceOwnerId": store.account_id, "Status": "attached",
                             "AttachTime": now}  # fmt: skip
        store.network_interfaces.save(eni["NetworkInterfaceId"])
        instance: dict[str, Any] = {
            "AmiLaunchIndex": index, "ImageId": params["ImageId"], "InstanceId": instance_id,
            "InstanceType": params.get("InstanceType") or "m1.small", "LaunchTime": now,
            "Monitoring": {"State": "disabled"},
            "Placement": {"AvailabilityZone": subnet["AvailabilityZone"], "GroupName": "", "Tenancy": "default"},
            "PrivateDnsName": eni["PrivateDnsName"], "PrivateIpAddress": eni["PrivateIpAddress"], "ProductCodes": [],
            "PublicDnsName": "", "State": _state("pending"), "StateTransitionReason": "", "SubnetId": subnet["SubnetId"],
            "VpcId": subnet["VpcId"], "Architecture": "x86_64", "BlockDeviceMappings": [], "EbsOptimized": False,
            "EnaSupport": True, "Hypervisor": "xen", "RootDeviceName": "/dev/xvda", "RootDeviceType": "ebs",
            "SecurityGroups": eni["Groups"], "SourceDestCheck": True, "VirtualizationType": "hvm",
            "NetworkInterfaces": [{
                "Attachment": {k: eni["Attachment"][k] for k in ("AttachmentId", "DeleteOnTermination", "DeviceIndex", "Status", "AttachTime")},
                "Description": "", "Groups": eni["Groups"], "MacAddress": eni["MacAddress"],
                "NetworkInterfaceId": eni["NetworkInterfaceId"], "OwnerId": store.account_id,
                "PrivateDnsName": eni["PrivateDnsName"], "PrivateIpAddress": eni["PrivateIpAddress"],
                "PrivateIpAddresses": eni["PrivateIpAddresses"], "SourceDestCheck": True, "Status": "in-use",
                "SubnetId": subnet["SubnetId"], "VpcId": subnet["VpcId"], "InterfaceType": "interface", "Ipv6Addresses": [],
            }],
            "CpuOptions": {"CoreCount": 1, "ThreadsPerCore": 1},
            "MetadataOptions": {"State": "applied", "HttpTokens": "required", "HttpPutResponseHopLimit": 2, "HttpEndpoint": "enabled"},
            "_reservation": reservation_id,
        }  # fmt: skip
        if params.get("KeyName"):
            instance["KeyName"] = params["KeyName"]
        if params.get("IamInstanceProfile"):
            profile = params["IamInstanceProfile"]
            instance["IamInstanceProfile"] = {"Arn": profile.get("Arn") or f"arn:aws:iam::{store.account_id}:instance-profile/{profile.get('Name')}", "Id": new_id("AIPA").replace("-", "").upper()}
        if subnet["MapPublicIpOnLaunch"]:
            ip = public_address()
            instance["PublicIpAddress"] = ip
            instance["PublicDnsName"] = f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com"
        if tags:
            instance["Tags"] = [dict(t) for t in tags]
        if params.get("UserData"):
            instance["_user_data"] = params["UserData"] if isinstance(params["UserData"], str) else base64.b64encode(params["UserData"]).decode()
        store.instances[instance_id] = instance
        return instance

    def _instances(self, ctx: Any, ids: list[str] | None) -> list[dict[str, Any]]:
        store: Ec2Store = ctx.store
        settle(store, ctx.clock.now())
        if not ids:
            return list(store.instances.values())
        missing = [i for i in ids if i not in store.instances]
        if missing:
            code = "InvalidInstanceID.NotFound"
            noun = "The instance ID" if len(missing) == 1 else "The instance IDs"
            raise ServiceError(code, f"{noun} '{', '.join(missing)}' do{'es' if len(missing) == 1 else ''} not exist")
        return [store.instances[i] for i in dict.fromkeys(ids)]

    def describe_instances(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        found = select(self._instances(ctx, params.get("InstanceIds")), params.get("Filters"), INSTANCE_FIELDS)
        reservations: dict[str, dict[str, Any]] = {}
        for instance in found:
            reservation = reservations.setdefault(instance["_reservation"], {
                "ReservationId": instance["_reservation"], "OwnerId": ctx.account_id, "Groups": [], "Instances": [],
            })  # fmt: skip
            reservation["Instances"].append(_shown(instance))
        items, token = page(list(reservations.values()), params)
        return {"Reservations": items, "NextToken": token}

    def _transition(self, ctx: Any, ids: list[str], target: str, allowed: tuple[str, ...]) -> list[dict[str, Any]]:
        store: Ec2Store = ctx.store
        changes = []
        for instance in self._instances(ctx, ids):
            before = dict(instance["State"])
            if instance["State"]["Name"] in allowed:
                instance["State"] = _state(target)
                instance["_changed"] = ctx.clock.now()
                if target == "shutting-down":
                    for nic in instance["NetworkInterfaces"]:
                        drop_interface(store, nic["NetworkInterfaceId"])
                store.instances.save(instance["InstanceId"])
            elif target == "stopping" and instance["State"]["Name"] == "terminated" or target == "pending" and instance["State"]["Name"] == "terminated":
                raise ServiceError("IncorrectInstanceState", f"The instance '{instance['InstanceId']}' is not in a state from which it can be {'stopped' if target == 'stopping' else 'started'}.")
            changes.append({"InstanceId": instance["InstanceId"], "CurrentState": dict(instance["State"]), "PreviousState": before})
        return changes

    def terminate_instances(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        for instance in self._instances(ctx, params["InstanceIds"]):
            if instance.get("_attributes", {}).get("DisableApiTermination"):
                raise ServiceError(
                    "OperationNotPermitted",
                    f"The instance '{instance['InstanceId']}' may not be terminated. Modify its 'disableApiTermination' instance attribute and try again.",
                )
        return {"TerminatingInstances": self._transition(ctx, params["InstanceIds"], "shutting-down", ("pending", "running", "stopping", "stopped"))}

    def stop_instances(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        return {"StoppingInstances": self._transition(ctx, params["InstanceIds"], "stopping", ("pending", "running"))}

    def start_instances(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        return {"StartingInstances": self._transition(ctx, params["InstanceIds"], "pending", ("stopped",))}

    def describe_instance_status(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        found = self._instances(ctx, params.get("InstanceIds"))
        everything = bool(params.get("IncludeAllInstances"))
        statuses = []
        for instance in found:
            if instance["State"]["Name"] != "running" and not everything:
                continue
            ok = "ok" if instance["State"]["Name"] == "running" else "not-applicable"
            statuses.append({
                "AvailabilityZone": instance["Placement"]["AvailabilityZone"], "InstanceId": instance["InstanceId"],
                "InstanceState": instance["State"],
                "InstanceStatus": {"Status": ok, "Details": [{"Name": "reachability", "Status": "passed"}] if ok == "ok" else []},
                "SystemStatus": {"Status": ok, "Details": [{"Name": "reachability", "Status": "passed"}] if ok == "ok" else []},
            })  # fmt: skip
        items, token = page(statuses, params, minimum=5, maximum=1000)
        return {"InstanceStatuses": items, "NextToken": token}

    # -- attributes ---------------------------------------------------------------------------

    def describe_instance_attribute(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        instance = self._instances(ctx, [params["InstanceId"]])[0]
        name = params["Attribute"]
        member = ATTRIBUTES.get(name)
        if member is None:
            raise ServiceError("InvalidParameterValue", f"Value ({name}) for parameter attribute is invalid. Unknown attribute.")
        answer: dict[str, Any] = {"InstanceId": instance["InstanceId"]}
        if member == "Groups":
            answer["Groups"] = instance["SecurityGroups"]
        elif member == "BlockDeviceMappings":
            answer["BlockDeviceMappings"] = instance["BlockDeviceMappings"]
        elif member == "ProductCodes":
            answer["ProductCodes"] = instance["ProductCodes"]
        else:
            value = _attribute(instance, member)
            answer[member] = {} if value is None else {"Value": value}
        return answer

    def modify_instance_attribute(self, ctx: Any, params: dict[str, Any]) -> dict[str, Any]:
        store: Ec2Store = ctx.store
        instance = self._instances(ctx, [params["InstanceId"]])[0]
        settings = instance.setdefault("_attributes", {})
        if params.get("Attribute") and "Value" in params:
            member = ATTRIBUTES.get(params["Attribute"])
            if member is None or member in ("Groups", "BlockDeviceMappings", "ProductCodes"):
                raise ServiceError("InvalidParameterValue", f"Value ({params['Attribute']}) for parameter attribute is invalid.")
            value = params["Value"]
            if member in _BOOLEANS:
                value = str(value).lower() == "true"
            params = {**params, member: {"Value": value}}
        if params.get("InstanceType") and instance["State"]["Name"] != "stopped":
            raise ServiceError("IncorrectInstanceState", f"The instance '{instance['InstanceId']}' is not in the 'stopped' state.")
        for member in ("InstanceType", "DisableApiTermination", "DisableApiStop", "InstanceInitiatedShutdownBehavior",
                       "SourceDestCheck", "EbsOptimized", "EnaSupport", "UserData"):  # fmt: skip
            given = params.get(member)
            if given is None:
                continue
            value = given.get("Value")
            if member == "UserData" and isinstance(value, (bytes, bytearray)):
                value = base64.b64encode(value).decode()
            if member in ("InstanceType", "SourceDestCheck", "EbsOptimized", "EnaSupport"):
                instance[member] = value
            elif member == "UserData":
                instance["_user_data"] = value
            else:
                settings[member] = value
        if params.get("Groups"):
            for group_id in params["Groups"]:
                if group_id not in store.security_groups:
                    raise not_found(group_id, "sg")
            instance["SecurityGroups"] = [{"GroupId": g, "GroupName": store.security_groups[g]["GroupName"]} for g in params["Groups"]]
        store.instances.save(instance["InstanceId"])
        return {}


#: DescribeInstanceAttribute's attribute names -> the output member answering each.
ATTRIBUTES = {
    "instanceType": "InstanceType", "kernel": "KernelId", "ramdisk": "RamdiskId", "userData": "UserData",
    "disableApiTermination": "DisableApiTermination", "instanceInitiatedShutdownBehavior": "InstanceInitiatedShutdownBehavior",
    "rootDeviceName": "RootDeviceName", "blockDeviceMapping": "BlockDeviceMappings", "productCodes": "ProductCodes",
    "sourceDestCheck": "SourceDestCheck", "groupSet": "Groups", "ebsOptimized": "EbsOptimized",
    "sriovNetSupport": "SriovNetSupport", "enaSupport": "EnaSupport", "disableApiStop": "DisableApiStop",
}  # fmt: skip
_BOOLEANS = frozenset({"DisableApiTermination", "DisableApiStop", "SourceDestCheck", "EbsOptimized", "EnaSupport"})
_ATTRIBUTE_DEFAULTS = {"DisableApiTermination": False, "DisableApiStop": False, "InstanceInitiatedShutdownBehavior": "stop"}


def _attribute(instance: dict[str, Any], member: str) -> Any:
    if member == "UserData":
        return instance.get("_user_data")
    if member in _ATTRIBUTE_DEFAULTS:
        return instance.get("_attributes", {}).get(member, _ATTRIBUTE_DEFAULTS[member])
    return instance.get(member)
