"""CloudFormation handlers of EC2's gateway, address and connection types: NAT gateways,
Elastic IPs, egress-only gateways, VPC endpoints, DHCP options, CIDR blocks, network
interfaces, peering connections and prefix lists."""

from __future__ import annotations

import json
from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest
from cloudtwin.deployment.properties import truthy as _bool
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.resource_support import as_int, given, quietly, retag, tag_specs


class NatGatewayHandler(ResourceHandler):
    type_name = "AWS::EC2::NatGateway"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**given(props, {"SubnetId": "SubnetId", "AllocationId": "AllocationId", "ConnectivityType": "ConnectivityType",
                                   "PrivateIpAddress": "PrivateIpAddress"}),
                  "TagSpecifications": tag_specs(request, "natgateway")}  # fmt: skip
        nat = request.call("ec2", "CreateNatGateway", params)["NatGateway"]
        return Outcome(nat["NatGatewayId"], {"NatGatewayId": nat["NatGatewayId"],
                                             "EniId": nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]})  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", dict(request.attributes))

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteNatGateway", {"NatGatewayId": request.physical_id})


class EipHandler(ResourceHandler):
    """``AWS::EC2::EIP``: its ``Ref`` is the public address."""

    type_name = "AWS::EC2::EIP"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**given(props, {"NetworkBorderGroup": "NetworkBorderGroup", "Domain": "Domain"}),
                  "TagSpecifications": tag_specs(request, "elastic-ip")}  # fmt: skip
        address = request.call("ec2", "AllocateAddress", params)
        if props.get("InstanceId"):
            request.call("ec2", "AssociateAddress", {"AllocationId": address["AllocationId"], "InstanceId": props["InstanceId"]})
        return Outcome(address["PublicIp"], {"AllocationId": address["AllocationId"], "PublicIp": address["PublicIp"]})

    def update(self, request: ResourceRequest) -> Outcome:
        allocation_id = request.attributes.get("AllocationId")
        if allocation_id:
            retag(request, allocation_id)
        return Outcome(request.physical_id or "", dict(request.attributes))

    def delete(self, request: ResourceRequest) -> None:
        allocation_id = request.attributes.get("AllocationId")
        if not allocation_id:
            return
        try:
            address = request.call("ec2", "DescribeAddresses", {"AllocationIds": [allocation_id]})["Addresses"][0]
        except ServiceError:
            return
        if address.get("AssociationId"):
            quietly(request, "DisassociateAddress", {"AssociationId": address["AssociationId"]})
        quietly(request, "ReleaseAddress", {"AllocationId": allocation_id})


class EipAssociationHandler(ResourceHandler):
    type_name = "AWS::EC2::EIPAssociation"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = given(props, {"AllocationId": "AllocationId", "InstanceId": "InstanceId", "EIP": "PublicIp",
                                "NetworkInterfaceId": "NetworkInterfaceId", "PrivateIpAddress": "PrivateIpAddress"})  # fmt: skip
        association_id = request.call("ec2", "AssociateAddress", params)["AssociationId"]
        return Outcome(association_id, {"Id": association_id})

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DisassociateAddress", {"AssociationId": request.physical_id})


class EgressOnlyInternetGatewayHandler(ResourceHandler):
    type_name = "AWS::EC2::EgressOnlyInternetGateway"

    def create(self, request: ResourceRequest) -> Outcome:
        gateway = request.call("ec2", "CreateEgressOnlyInternetGateway", {"VpcId": request.properties["VpcId"]})
        gateway_id = gateway["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
        return Outcome(gateway_id, {"Id": gateway_id})

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteEgressOnlyInternetGateway", {"EgressOnlyInternetGatewayId": request.physical_id})


class VpcEndpointHandler(ResourceHandler):
    type_name = "AWS::EC2::VPCEndpoint"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = given(props, {"VpcId": "VpcId", "ServiceName": "ServiceName", "VpcEndpointType": "VpcEndpointType",
                                "RouteTableIds": "RouteTableIds", "SubnetIds": "SubnetIds", "SecurityGroupIds": "SecurityGroupIds",
                                "PrivateDnsEnabled": "PrivateDnsEnabled", "IpAddressType": "IpAddressType"},
                        {"PrivateDnsEnabled": _bool})  # fmt: skip
        if props.get("PolicyDocument"):
            policy = props["PolicyDocument"]
            params["PolicyDocument"] = policy if isinstance(policy, str) else json.dumps(policy)
        if props.get("PrivateDnsEnabled") is None and params.get("VpcEndpointType") == "Interface":
            params["PrivateDnsEnabled"] = False
        specs = tag_specs(request, "vpc-endpoint", stack=False)  # AWS tags no endpoint with the stack's tags
        if specs:
            params["TagSpecifications"] = specs
        endpoint = request.call("ec2", "CreateVpcEndpoint", params)["VpcEndpoint"]
        return self._outcome(request, endpoint["VpcEndpointId"])

    def _outcome(self, request: ResourceRequest, endpoint_id: str) -> Outcome:
        endpoint = request.call("ec2", "DescribeVpcEndpoints", {"VpcEndpointIds": [endpoint_id]})["VpcEndpoints"][0]
        created = endpoint["CreationTimestamp"]
        return Outcome(endpoint_id, {
            "Id": endpoint_id, "CreationTimestamp": created if isinstance(created, str) else _iso(created),
            "DnsEntries": [f"{e['HostedZoneId']}:{e['DnsName']}" for e in endpoint["DnsEntries"]],
            "NetworkInterfaceIds": endpoint["NetworkInterfaceIds"],
        })  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        props, before = request.properties, request.previous_properties or {}
        params: dict[str, Any] = {"VpcEndpointId": request.physical_id}
        for prop, add, remove in (("RouteTableIds", "AddRouteTableIds", "RemoveRouteTableIds"),
                                  ("SubnetIds", "AddSubnetIds", "RemoveSubnetIds"),
                                  ("SecurityGroupIds", "AddSecurityGroupIds", "RemoveSecurityGroupIds")):  # fmt: skip
            new, old = list(props.get(prop) or ()), list(before.get(prop) or ())
            if [x for x in new if x not in old]:
                params[add] = [x for x in new if x not in old]
            if [x for x in old if x not in new]:
                params[remove] = [x for x in old if x not in new]
        if props.get("PolicyDocument") != before.get("PolicyDocument"):
            if props.get("PolicyDocument"):
                policy = props["PolicyDocument"]
                params["PolicyDocument"] = policy if isinstance(policy, str) else json.dumps(policy)
            else:
                params["ResetPolicy"] = True
        if props.get("PrivateDnsEnabled") is not None:
            params["PrivateDnsEnabled"] = _bool(props["PrivateDnsEnabled"])
        request.call("ec2", "ModifyVpcEndpoint", params)
        return self._outcome(request, request.physical_id or "")

    def delete(self, request: ResourceRequest) -> None:
        request.call("ec2", "DeleteVpcEndpoints", {"VpcEndpointIds": [request.physical_id]})


def _iso(value: Any) -> str:
    from datetime import datetime, timezone

    if isinstance(value, (int, float)):
        value = datetime.fromtimestamp(value, timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


class DhcpOptionsHandler(ResourceHandler):
    type_name = "AWS::EC2::DHCPOptions"
    OPTIONS = {
        "DomainName": "domain-name", "DomainNameServers": "domain-name-servers", "NetbiosNameServers": "netbios-name-servers",
        "NetbiosNodeType": "netbios-node-type", "NtpServers": "ntp-servers",
        "Ipv6AddressPreferredLeaseTime": "ipv6-address-preferred-lease-time",
    }  # fmt: skip

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        configurations = []
        for prop, key in self.OPTIONS.items():
            value = props.get(prop)
            if value is not None:
                values = value if isinstance(value, list) else [value]
                configurations.append({"Key": key, "Values": [str(v) for v in values]})
        options = request.call("ec2", "CreateDhcpOptions", {"DhcpConfigurations": configurations,
                                                            "TagSpecifications": tag_specs(request, "dhcp-options")})  # fmt: skip
        options_id = options["DhcpOptions"]["DhcpOptionsId"]
        return Outcome(options_id, {"DhcpOptionsId": options_id})

    def update(self, request: ResourceRequest) -> Outcome:
        retag(request, request.physical_id or "")
        return Outcome(request.physical_id or "", {"DhcpOptionsId": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteDhcpOptions", {"DhcpOptionsId": request.physical_id})


class VpcDhcpOptionsAssociationHandler(ResourceHandler):
    type_name = "AWS::EC2::VPCDHCPOptionsAssociation"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        request.call("ec2", "AssociateDhcpOptions", {"DhcpOptionsId": props["DhcpOptionsId"], "VpcId": props["VpcId"]})
        return Outcome(f"{props['DhcpOptionsId']}|{props['VpcId']}", {})

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "AssociateDhcpOptions", {"DhcpOptionsId": "default", "VpcId": request.properties["VpcId"]})


class VpcCidrBlockHandler(ResourceHandler):
    type_name = "AWS::EC2::VPCCidrBlock"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {"VpcId": props["VpcId"], **given(props, {"CidrBlock": "CidrBlock", "AmazonProvidedIpv6CidrBlock": "AmazonProvidedIpv6CidrBlock"},
                                                     {"AmazonProvidedIpv6CidrBlock": _bool})}  # fmt: skip
        answer = request.call("ec2", "AssociateVpcCidrBlock", params)
        association = answer.get("CidrBlockAssociation") or answer.get("Ipv6CidrBlockAssociation") or {}
        return Outcome(association["AssociationId"], {"Id": association["AssociationId"], "IpSource": "amazon"})

    def delete(self, request: ResourceRequest) -> None:
        try:
            request.call("ec2", "DisassociateVpcCidrBlock", {"AssociationId": request.physical_id})
        except ServiceError as error:
            if "NotFound" not in error.code:
                raise


class NetworkInterfaceHandler(ResourceHandler):
    type_name = "AWS::EC2::NetworkInterface"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**given(props, {"SubnetId": "SubnetId", "GroupSet": "Groups", "Description": "Description",
                                   "PrivateIpAddress": "PrivateIpAddress", "InterfaceType": "InterfaceType"}),
                  "TagSpecifications": tag_specs(request, "network-interface")}  # fmt: skip
        eni = request.call("ec2", "CreateNetworkInterface", params)["NetworkInterface"]
        return Outcome(eni["NetworkInterfaceId"], {
            "Id": eni["NetworkInterfaceId"], "PrimaryPrivateIpAddress": eni["PrivateIpAddress"],
            "SecondaryPrivateIpAddresses": [], "VpcId": eni["VpcId"],
        })  # fmt: skip

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteNetworkInterface", {"NetworkInterfaceId": request.physical_id})


class VpcPeeringConnectionHandler(ResourceHandler):
    """``AWS::EC2::VPCPeeringConnection``: a peering within one account is accepted at once,
    as CloudFormation does."""

    type_name = "AWS::EC2::VPCPeeringConnection"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {**given(props, {"VpcId": "VpcId", "PeerVpcId": "PeerVpcId", "PeerOwnerId": "PeerOwnerId", "PeerRegion": "PeerRegion"}),
                  "TagSpecifications": tag_specs(request, "vpc-peering-connection")}  # fmt: skip
        peering = request.call("ec2", "CreateVpcPeeringConnection", params)["VpcPeeringConnection"]
        peering_id = peering["VpcPeeringConnectionId"]
        if props.get("PeerOwnerId") in (None, request.account_id) and props.get("PeerRegion") in (None, request.region):
            request.call("ec2", "AcceptVpcPeeringConnection", {"VpcPeeringConnectionId": peering_id})
        return Outcome(peering_id, {"Id": peering_id})

    def delete(self, request: ResourceRequest) -> None:
        try:
            request.call("ec2", "DeleteVpcPeeringConnection", {"VpcPeeringConnectionId": request.physical_id})
        except ServiceError:
            pass


class PrefixListHandler(ResourceHandler):
    type_name = "AWS::EC2::PrefixList"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = {
            "PrefixListName": props["PrefixListName"], "AddressFamily": props["AddressFamily"],
            "MaxEntries": as_int(props.get("MaxEntries") or max(len(props.get("Entries") or ()), 1)),
            "Entries": [dict(e) for e in props.get("Entries") or ()], "TagSpecifications": tag_specs(request, "prefix-list"),
        }  # fmt: skip
        return self._outcome(request.call("ec2", "CreateManagedPrefixList", params)["PrefixList"])

    @staticmethod
    def _outcome(prefix_list: dict[str, Any]) -> Outcome:
        return Outcome(prefix_list["PrefixListId"], {
            "PrefixListId": prefix_list["PrefixListId"], "Arn": prefix_list["PrefixListArn"],
            "OwnerId": prefix_list["OwnerId"], "Version": prefix_list["Version"],
        })  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        props, before = request.properties, request.previous_properties or {}
        prefix_list_id = request.physical_id or ""
        current = request.call("ec2", "DescribeManagedPrefixLists", {"PrefixListIds": [prefix_list_id]})["PrefixLists"][0]
        new = {e["Cidr"]: e for e in props.get("Entries") or ()}
        old = {e["Cidr"]: e for e in before.get("Entries") or ()}
        params: dict[str, Any] = {"PrefixListId": prefix_list_id, "PrefixListName": props["PrefixListName"]}
        add = [dict(e) for cidr, e in new.items() if old.get(cidr) != e]
        remove = [{"Cidr": cidr} for cidr in old if cidr not in new]
        if add or remove:
            params.update(CurrentVersion=current["Version"], AddEntries=add, RemoveEntries=remove)
        if props.get("MaxEntries"):
            params["MaxEntries"] = as_int(props["MaxEntries"])
        answer = request.call("ec2", "ModifyManagedPrefixList", params)["PrefixList"]
        retag(request, prefix_list_id)
        return self._outcome(answer)

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "DeleteManagedPrefixList", {"PrefixListId": request.physical_id})


HANDLERS = [
    NatGatewayHandler, EipHandler, EipAssociationHandler, EgressOnlyInternetGatewayHandler, VpcEndpointHandler,
    DhcpOptionsHandler, VpcDhcpOptionsAssociationHandler, VpcCidrBlockHandler, NetworkInterfaceHandler,
    VpcPeeringConnectionHandler, PrefixListHandler,
]
