"""CloudFormation handlers of EC2's compute types: key pairs, launch templates and
instances."""

from __future__ import annotations

from typing import Any

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.resource_support import given, quietly, retag, tag_specs


class KeyPairHandler(ResourceHandler):
    """``AWS::EC2::KeyPair``: a created key's private key goes to the SSM parameter
    ``/ec2/keypair/<key pair id>``, as CloudFormation keeps it."""

    type_name = "AWS::EC2::KeyPair"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params: dict[str, Any] = {"KeyName": props["KeyName"]}
        specs = tag_specs(request, "key-pair", stack=False)  # AWS tags no key pair with the stack's tags
        if specs:
            params["TagSpecifications"] = specs
        if props.get("PublicKeyMaterial"):
            params["PublicKeyMaterial"] = str(props["PublicKeyMaterial"]).encode()
            key = request.call("ec2", "ImportKeyPair", params)
        else:
            params.update(given(props, {"KeyType": "KeyType", "KeyFormat": "KeyFormat"}))
            key = request.call("ec2", "CreateKeyPair", params)
            try:
                request.call("ssm", "PutParameter", {"Name": f"/ec2/keypair/{key['KeyPairId']}", "Value": key["KeyMaterial"],
                                                     "Type": "SecureString", "Overwrite": True})  # fmt: skip
            except ServiceError:
                pass
        return Outcome(key["KeyName"], {"KeyFingerprint": key["KeyFingerprint"], "KeyPairId": key["KeyPairId"]})

    def delete(self, request: ResourceRequest) -> None:
        request.call("ec2", "DeleteKeyPair", {"KeyName": request.physical_id})
        key_id = request.attributes.get("KeyPairId")
        if key_id and not request.properties.get("PublicKeyMaterial"):
            try:
                request.call("ssm", "DeleteParameter", {"Name": f"/ec2/keypair/{key_id}"})
            except ServiceError:
                pass


class LaunchTemplateHandler(ResourceHandler):
    type_name = "AWS::EC2::LaunchTemplate"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params: dict[str, Any] = {
            "LaunchTemplateName": props.get("LaunchTemplateName") or request.physical_name(128),
            "LaunchTemplateData": props.get("LaunchTemplateData") or {},
        }
        if props.get("VersionDescription"):
            params["VersionDescription"] = props["VersionDescription"]
        specs = [dict(s) for s in props.get("TagSpecifications") or ()]
        if request.stack_tags:
            specs = [s for s in specs if s.get("ResourceType") == "launch-template"] or [{"ResourceType": "launch-template", "Tags": []}]
            specs[0] = {**specs[0], "Tags": [*specs[0].get("Tags", []), *request.stack_tags]}
        if specs:
            params["TagSpecifications"] = specs
        template = request.call("ec2", "CreateLaunchTemplate", params)["LaunchTemplate"]
        return self._outcome(template)

    @staticmethod
    def _outcome(template: dict[str, Any]) -> Outcome:
        return Outcome(template["LaunchTemplateId"], {
            "LaunchTemplateId": template["LaunchTemplateId"],
            "DefaultVersionNumber": str(template["DefaultVersionNumber"]),
            "LatestVersionNumber": str(template["LatestVersionNumber"]),
        })  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        template_id = request.physical_id or ""
        params: dict[str, Any] = {"LaunchTemplateId": template_id, "LaunchTemplateData": props.get("LaunchTemplateData") or {}}
        if props.get("VersionDescription"):
            params["VersionDescription"] = props["VersionDescription"]
        version = request.call("ec2", "CreateLaunchTemplateVersion", params)["LaunchTemplateVersion"]
        template = request.call("ec2", "ModifyLaunchTemplate", {"LaunchTemplateId": template_id,
                                                                "DefaultVersion": str(version["VersionNumber"])})["LaunchTemplate"]  # fmt: skip
        return self._outcome(template)

    def delete(self, request: ResourceRequest) -> None:
        try:
            request.call("ec2", "DeleteLaunchTemplate", {"LaunchTemplateId": request.physical_id})
        except ServiceError as error:
            if "NotFound" not in error.code:
                raise


class InstanceHandler(ResourceHandler):
    type_name = "AWS::EC2::Instance"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params: dict[str, Any] = {"MinCount": 1, "MaxCount": 1, **given(props, {
            "ImageId": "ImageId", "InstanceType": "InstanceType", "KeyName": "KeyName", "SubnetId": "SubnetId",
            "SecurityGroupIds": "SecurityGroupIds", "SecurityGroups": "SecurityGroups", "UserData": "UserData",
            "PrivateIpAddress": "PrivateIpAddress", "LaunchTemplate": "LaunchTemplate",
        })}  # fmt: skip
        if props.get("AvailabilityZone"):
            params["Placement"] = {"AvailabilityZone": props["AvailabilityZone"]}
        if props.get("IamInstanceProfile"):
            profile = props["IamInstanceProfile"]
            params["IamInstanceProfile"] = {"Arn": profile} if str(profile).startswith("arn:") else {"Name": profile}
        specs = tag_specs(request, "instance")
        if specs:
            params["TagSpecifications"] = specs
        instance = request.call("ec2", "RunInstances", params)["Instances"][0]
        return self._outcome(instance)

    @staticmethod
    def _outcome(instance: dict[str, Any]) -> Outcome:
        return Outcome(instance["InstanceId"], {
            "InstanceId": instance["InstanceId"], "AvailabilityZone": instance["Placement"]["AvailabilityZone"],
            "PrivateDnsName": instance.get("PrivateDnsName", ""), "PrivateIp": instance.get("PrivateIpAddress", ""),
            "PublicDnsName": instance.get("PublicDnsName", ""), "PublicIp": instance.get("PublicIpAddress", ""),
            "VpcId": instance.get("VpcId", ""), "State": instance["State"],
        })  # fmt: skip

    def update(self, request: ResourceRequest) -> Outcome:
        retag(request, request.physical_id or "")
        instance = request.call("ec2", "DescribeInstances", {"InstanceIds": [request.physical_id]})["Reservations"][0]["Instances"][0]
        return self._outcome(instance)

    def delete(self, request: ResourceRequest) -> None:
        quietly(request, "TerminateInstances", {"InstanceIds": [request.physical_id]})


HANDLERS = [KeyPairHandler, LaunchTemplateHandler, InstanceHandler]
