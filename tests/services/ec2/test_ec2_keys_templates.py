"""Key pairs (real key material and fingerprints), launch templates with versions, and
instances whose state moves on the virtual clock."""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from ec2_helpers import error_of


def test_created_key_pair_has_real_material_and_fingerprint(ec2):
    created = ec2.create_key_pair(KeyName="deploy")
    key = serialization.load_pem_private_key(created["KeyMaterial"].encode(), password=None)
    pkcs8 = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    assert created["KeyFingerprint"] == ":".join(f"{b:02x}" for b in hashlib.sha1(pkcs8).digest())
    assert created["KeyPairId"].startswith("key-")
    ed = ec2.create_key_pair(KeyName="ed", KeyType="ed25519")
    assert ed["KeyMaterial"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    described = ec2.describe_key_pairs(KeyNames=["deploy"], IncludePublicKey=True)["KeyPairs"][0]
    assert described["KeyType"] == "rsa" and described["PublicKey"].startswith("ssh-rsa ") and described["Tags"] == []
    assert error_of(ec2.create_key_pair, KeyName="deploy")[0] == "InvalidKeyPair.Duplicate"
    assert ec2.delete_key_pair(KeyName="deploy")["Return"] is True
    assert error_of(ec2.describe_key_pairs, KeyNames=["deploy"]) == ("InvalidKeyPair.NotFound", "The key pair 'deploy' does not exist")


def test_imported_key_pair_fingerprint(ec2):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key()
    openssh = public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    imported = ec2.import_key_pair(KeyName="mine", PublicKeyMaterial=openssh + b" me@host")
    assert imported["KeyFingerprint"] == ":".join(f"{b:02x}" for b in hashlib.md5(der).digest())
    assert error_of(ec2.import_key_pair, KeyName="bad", PublicKeyMaterial=base64.b64encode(b"nope"))[0] == "InvalidKey.Format"


def test_launch_template_versions(ec2):
    template = ec2.create_launch_template(LaunchTemplateName="web", LaunchTemplateData={"ImageId": "ami-12345678", "InstanceType": "t3.micro"})["LaunchTemplate"]
    assert template["DefaultVersionNumber"] == 1 and template["LatestVersionNumber"] == 1
    template_id = template["LaunchTemplateId"]
    version = ec2.create_launch_template_version(LaunchTemplateId=template_id, SourceVersion="1", LaunchTemplateData={"InstanceType": "t3.large"})
    assert version["LaunchTemplateVersion"]["VersionNumber"] == 2
    assert version["LaunchTemplateVersion"]["LaunchTemplateData"] == {"ImageId": "ami-12345678", "InstanceType": "t3.large"}
    ec2.modify_launch_template(LaunchTemplateId=template_id, DefaultVersion="2")
    default = ec2.describe_launch_template_versions(LaunchTemplateName="web", Versions=["$Default"])["LaunchTemplateVersions"]
    assert [v["VersionNumber"] for v in default] == [2]
    assert error_of(ec2.create_launch_template, LaunchTemplateName="web", LaunchTemplateData={"ImageId": "ami-1"})[0] == "InvalidLaunchTemplateName.AlreadyExistsException"
    result = ec2.delete_launch_template_versions(LaunchTemplateId=template_id, Versions=["1", "2"])
    assert [v["VersionNumber"] for v in result["SuccessfullyDeletedLaunchTemplateVersions"]] == [1]
    assert [v["VersionNumber"] for v in result["UnsuccessfullyDeletedLaunchTemplateVersions"]] == [2]
    ec2.delete_launch_template(LaunchTemplateId=template_id)
    assert error_of(ec2.describe_launch_templates, LaunchTemplateNames=["web"])[0] == "InvalidLaunchTemplateName.NotFoundException"


def test_instance_states_follow_the_clock(ec2, control):
    control.freeze()
    reservation = ec2.run_instances(ImageId="ami-12345678", MinCount=2, MaxCount=2, InstanceType="t3.micro",
                                    TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "box"}]}])  # fmt: skip
    ids = [i["InstanceId"] for i in reservation["Instances"]]
    assert [i["State"]["Name"] for i in reservation["Instances"]] == ["pending", "pending"]
    assert reservation["Instances"][0]["PublicIpAddress"]  # default subnets map public addresses
    control.advance(10)
    described = ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["box"]}])["Reservations"]
    assert [i["State"]["Name"] for i in described[0]["Instances"]] == ["running", "running"]
    changes = ec2.terminate_instances(InstanceIds=ids)["TerminatingInstances"]
    assert changes[0]["PreviousState"]["Name"] == "running" and changes[0]["CurrentState"]["Name"] == "shutting-down"
    control.advance(10)
    states = ec2.describe_instances(InstanceIds=ids)["Reservations"][0]["Instances"]
    assert {i["State"]["Name"] for i in states} == {"terminated"}
    assert error_of(ec2.describe_instances, InstanceIds=["i-12345678901234567"])[0] == "InvalidInstanceID.NotFound"


def test_instance_attributes_and_termination_protection(ec2, control):
    control.freeze()
    instance_id = ec2.run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                    UserData="echo hi")["Instances"][0]["InstanceId"]  # fmt: skip
    assert ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="instanceType")["InstanceType"] == {"Value": "t3.micro"}
    user_data = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="userData")["UserData"]["Value"]
    assert base64.b64decode(user_data) == b"echo hi"
    ec2.modify_instance_attribute(InstanceId=instance_id, DisableApiTermination={"Value": True})
    assert ec2.describe_instance_attribute(InstanceId=instance_id, Attribute="disableApiTermination")["DisableApiTermination"] == {"Value": True}
    assert error_of(ec2.terminate_instances, InstanceIds=[instance_id])[0] == "OperationNotPermitted"
    assert error_of(ec2.modify_instance_attribute, InstanceId=instance_id, InstanceType={"Value": "t3.large"})[0] == "IncorrectInstanceState"
    ec2.modify_instance_attribute(InstanceId=instance_id, Attribute="disableApiTermination", Value="false")
    ec2.terminate_instances(InstanceIds=[instance_id])
