"""Security groups: the default egress rule, authorize/revoke with AWS's duplicate and
not-found errors, rules by id, group references and deletion rules."""

from __future__ import annotations

from ec2_helpers import error_of, new_vpc

SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "office"}]}


def test_create_has_default_egress_and_refuses_duplicates(ec2):
    vpc_id = new_vpc(ec2)
    group_id = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc_id)["GroupId"]
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["IpPermissions"] == [] and group["GroupName"] == "web" and group["VpcId"] == vpc_id
    assert group["IpPermissionsEgress"] == [
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [], "PrefixListIds": [], "UserIdGroupPairs": []}
    ]
    assert group["SecurityGroupArn"].endswith(f":security-group/{group_id}")
    assert error_of(ec2.create_security_group, GroupName="web", Description="again", VpcId=vpc_id) == (
        "InvalidGroup.Duplicate", f"The security group 'web' already exists for VPC '{vpc_id}'"
    )
    assert error_of(ec2.create_security_group, GroupName="default", Description="x", VpcId=vpc_id)[0] == "InvalidGroup.Reserved"
    # without VpcId the group goes to the default VPC
    other = ec2.create_security_group(GroupName="web", Description="default vpc")["GroupId"]
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    assert ec2.describe_security_groups(GroupNames=["web"])["SecurityGroups"][0]["GroupId"] == other
    assert ec2.describe_security_groups(GroupIds=[other])["SecurityGroups"][0]["VpcId"] == default_vpc


def test_authorize_revoke_and_rules(ec2):
    group_id = ec2.create_security_group(GroupName="app", Description="app")["GroupId"]
    added = ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])["SecurityGroupRules"]
    assert added[0]["CidrIpv4"] == "10.0.0.0/8" and added[0]["FromPort"] == 22 and added[0]["Description"] == "office"
    assert added[0]["SecurityGroupRuleId"].startswith("sgr-") and added[0]["IsEgress"] is False
    code, message = error_of(ec2.authorize_security_group_ingress, GroupId=group_id, IpPermissions=[SSH])
    assert code == "InvalidPermission.Duplicate"
    assert message == 'the specified rule "peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW" already exists'
    ec2.authorize_security_group_ingress(GroupId=group_id, IpProtocol="tcp", FromPort=443, ToPort=443, CidrIp="0.0.0.0/0")
    permissions = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["IpPermissions"]
    assert sorted(p["FromPort"] for p in permissions) == [22, 443]
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group_id]}])["SecurityGroupRules"]
    assert sorted((r["IsEgress"], r.get("FromPort")) for r in rules) == [(False, 22), (False, 443), (True, -1)]

    ec2.revoke_security_group_ingress(GroupId=group_id, IpPermissions=[SSH])
    code, _ = error_of(ec2.revoke_security_group_ingress, GroupId=group_id, IpPermissions=[SSH])
    assert code == "InvalidPermission.NotFound"
    egress = next(r for r in rules if r["IsEgress"])
    ec2.revoke_security_group_egress(GroupId=group_id, SecurityGroupRuleIds=[egress["SecurityGroupRuleId"]])
    group = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["IpPermissionsEgress"] == [] and [p["FromPort"] for p in group["IpPermissions"]] == [443]


def test_group_references_and_delete(ec2):
    vpc_id = new_vpc(ec2)
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc_id)["GroupId"]
    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": app}]}
    ])  # fmt: skip
    filtered = ec2.describe_security_groups(Filters=[{"Name": "ip-permission.group-id", "Values": [app]}])["SecurityGroups"]
    assert [g["GroupId"] for g in filtered] == [db]
    assert error_of(ec2.delete_security_group, GroupId=app) == ("DependencyViolation", f"resource {app} has a dependent object")
    ec2.delete_security_group(GroupId=db)
    ec2.delete_security_group(GroupId=app)
    default = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["SecurityGroups"][0]
    assert error_of(ec2.delete_security_group, GroupId=default["GroupId"])[0] == "CannotDelete"
    assert error_of(ec2.describe_security_groups, GroupIds=["sg-12345678"]) == (
        "InvalidGroup.NotFound", "The security group 'sg-12345678' does not exist"
    )
