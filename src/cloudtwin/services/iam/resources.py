"""CloudFormation resource handlers of IAM's types (``AWS::IAM::*``).

Roles, users and groups carry inline ``Policies`` and attached ``ManagedPolicyArns``; an
update puts, deletes, attaches and detaches the difference, and a delete removes both
first, as CloudFormation does (IAM refuses to delete an entity with policies).
"""

from __future__ import annotations

import json
import random
import string
from typing import Any
from urllib.parse import unquote

from cloudtwin.deployment.handler import Outcome, ResourceHandler, ResourceRequest, UpdateNeedsReplacement
from cloudtwin.deployment.properties import changed, gone_ok, iso, json_text as document, shaped, tags

#: IAM names are at most 64 characters (roles, users, groups, policies, instance profiles).
NAME_LENGTH = 64


class _Principal:
    """What roles, users and groups share: inline policies and managed attachments."""

    kind = ""  # Role | User | Group

    def _name_param(self) -> str:
        return f"{self.kind}Name"

    def sync_policies(self, request: ResourceRequest, name: str) -> None:
        before = request.previous_properties or {}
        old = {p["PolicyName"]: p for p in before.get("Policies") or []}
        new = {p["PolicyName"]: p for p in request.properties.get("Policies") or []}
        key = self._name_param()
        for policy_name, policy in new.items():
            if old.get(policy_name) != policy:
                request.call(
                    "iam",
                    f"Put{self.kind}Policy",
                    {key: name, "PolicyName": policy_name, "PolicyDocument": document(policy["PolicyDocument"])},
                )
        for policy_name in old.keys() - new.keys():
            with gone_ok():
                request.call("iam", f"Delete{self.kind}Policy", {key: name, "PolicyName": policy_name})
        old_arns = set((before.get("ManagedPolicyArns") or []))
        new_arns = list(dict.fromkeys(request.properties.get("ManagedPolicyArns") or []))
        for arn in new_arns:
            if arn not in old_arns:
                request.call("iam", f"Attach{self.kind}Policy", {key: name, "PolicyArn": arn})
        for arn in old_arns - set(new_arns):
            with gone_ok():
                request.call("iam", f"Detach{self.kind}Policy", {key: name, "PolicyArn": arn})

    def strip(self, request: ResourceRequest, name: str) -> None:
        """Remove every inline policy and attachment (IAM deletes no entity that has one)."""
        key = self._name_param()
        kind = self.kind
        for policy_name in request.call("iam", f"List{kind}Policies", {key: name}).get("PolicyNames", []):
            with gone_ok():
                request.call("iam", f"Delete{kind}Policy", {key: name, "PolicyName": policy_name})
        attached = request.call("iam", f"ListAttached{kind}Policies", {key: name}).get("AttachedPolicies", [])
        for policy in attached:
            with gone_ok():
                request.call("iam", f"Detach{kind}Policy", {key: name, "PolicyArn": policy["PolicyArn"]})


class RoleHandler(_Principal, ResourceHandler):
    type_name = "AWS::IAM::Role"
    kind = "Role"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("RoleName") or request.physical_name(NAME_LENGTH)
        params = shaped(request, "iam", "CreateRole", {
            "RoleName": name,
            "Path": props.get("Path", "/"),
            "AssumeRolePolicyDocument": document(props["AssumeRolePolicyDocument"]),
            # CloudFormation's handler always sets one: GetRole shows "" for a role without it
            "Description": props.get("Description", ""),
            "MaxSessionDuration": props.get("MaxSessionDuration"),
            "PermissionsBoundary": props.get("PermissionsBoundary"),
        })
        if tag_list := tags(request, stack=False):  # AWS's IAM handlers set no aws:cloudformation tags
            params["Tags"] = tag_list
        role = request.call("iam", "CreateRole", params)["Role"]
        self.sync_policies(request, name)
        return self._outcome(role)

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "RoleName", "Path"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        props = request.properties
        if changed(request, "AssumeRolePolicyDocument"):
            request.call("iam", "UpdateAssumeRolePolicy", {
                "RoleName": name, "PolicyDocument": document(props["AssumeRolePolicyDocument"]),
            })
        if changed(request, "Description", "MaxSessionDuration"):
            request.call("iam", "UpdateRole", shaped(request, "iam", "UpdateRole", {
                "RoleName": name,
                "Description": props.get("Description", ""),
                "MaxSessionDuration": props.get("MaxSessionDuration", 3600),
            }))
        if changed(request, "PermissionsBoundary"):
            if props.get("PermissionsBoundary"):
                request.call("iam", "PutRolePermissionsBoundary", {
                    "RoleName": name, "PermissionsBoundary": props["PermissionsBoundary"],
                })
            else:
                with gone_ok():
                    request.call("iam", "DeleteRolePermissionsBoundary", {"RoleName": name})
        if changed(request, "Tags"):
            _retag(request, "Role", name)
        self.sync_policies(request, name)
        return self._outcome(request.call("iam", "GetRole", {"RoleName": name})["Role"])

    def delete(self, request: ResourceRequest) -> None:
        name = request.physical_id
        with gone_ok():
            self.strip(request, name)
            profiles = request.call("iam", "ListInstanceProfilesForRole", {"RoleName": name})
            for profile in profiles.get("InstanceProfiles", []):
                request.call("iam", "RemoveRoleFromInstanceProfile", {
                    "RoleName": name, "InstanceProfileName": profile["InstanceProfileName"],
                })
            request.call("iam", "DeleteRole", {"RoleName": name})

    @staticmethod
    def _outcome(role: dict[str, Any]) -> Outcome:
        return Outcome(role["RoleName"], {"Arn": role["Arn"], "RoleId": role["RoleId"]})

    readable = True

    def read(self, request: ResourceRequest) -> dict[str, Any]:
        name = request.physical_id
        role = request.call("iam", "GetRole", {"RoleName": name})["Role"]
        trust = role["AssumeRolePolicyDocument"]
        found: dict[str, Any] = {
            "RoleName": role["RoleName"], "Path": role["Path"], "MaxSessionDuration": role["MaxSessionDuration"],
            "AssumeRolePolicyDocument": json.loads(unquote(trust)) if isinstance(trust, str) else trust,
            "Description": role.get("Description", ""),
        }  # fmt: skip
        attached = request.call("iam", "ListAttachedRolePolicies", {"RoleName": name}).get("AttachedPolicies", [])
        found["ManagedPolicyArns"] = [p["PolicyArn"] for p in attached]
        return found


class UserHandler(_Principal, ResourceHandler):
    type_name = "AWS::IAM::User"
    kind = "User"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("UserName") or request.physical_name(NAME_LENGTH)
        params = shaped(request, "iam", "CreateUser", {
            "UserName": name,
            "Path": props.get("Path", "/"),
            "PermissionsBoundary": props.get("PermissionsBoundary"),
        })
        if tag_list := tags(request, stack=False):
            params["Tags"] = tag_list
        user = request.call("iam", "CreateUser", params)["User"]
        self._sync(request, name)
        return Outcome(name, {"Arn": user["Arn"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "UserName"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        if changed(request, "Path"):
            request.call("iam", "UpdateUser", {"UserName": name, "NewPath": request.properties.get("Path", "/")})
        if changed(request, "Tags"):
            _retag(request, "User", name)
        self._sync(request, name)
        user = request.call("iam", "GetUser", {"UserName": name})["User"]
        return Outcome(name, {"Arn": user["Arn"]})

    def _sync(self, request: ResourceRequest, name: str) -> None:
        self.sync_policies(request, name)
        before = set((request.previous_properties or {}).get("Groups") or [])
        after = list(dict.fromkeys(request.properties.get("Groups") or []))
        for group in after:  # in the template's order, as AWS lists them
            if group not in before:
                request.call("iam", "AddUserToGroup", {"UserName": name, "GroupName": group})
        for group in sorted(before - set(after)):
            with gone_ok():
                request.call("iam", "RemoveUserFromGroup", {"UserName": name, "GroupName": group})
        profile = request.properties.get("LoginProfile")
        if profile and changed(request, "LoginProfile"):
            params = shaped(request, "iam", "CreateLoginProfile", {
                "UserName": name,
                "Password": profile["Password"],
                "PasswordResetRequired": profile.get("PasswordResetRequired", False),
            })
            if (request.previous_properties or {}).get("LoginProfile"):
                request.call("iam", "UpdateLoginProfile", params)
            else:
                request.call("iam", "CreateLoginProfile", params)

    def delete(self, request: ResourceRequest) -> None:
        name = request.physical_id
        with gone_ok():
            self.strip(request, name)
            for group in request.call("iam", "ListGroupsForUser", {"UserName": name}).get("Groups", []):
                request.call("iam", "RemoveUserFromGroup", {"UserName": name, "GroupName": group["GroupName"]})
            if request.properties.get("LoginProfile"):
                with gone_ok():
                    request.call("iam", "DeleteLoginProfile", {"UserName": name})
            request.call("iam", "DeleteUser", {"UserName": name})


class GroupHandler(_Principal, ResourceHandler):
    type_name = "AWS::IAM::Group"
    kind = "Group"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("GroupName") or request.physical_name(128)
        group = request.call("iam", "CreateGroup", {"GroupName": name, "Path": props.get("Path", "/")})["Group"]
        self.sync_policies(request, name)
        return Outcome(name, {"Arn": group["Arn"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "GroupName"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        if changed(request, "Path"):
            request.call("iam", "UpdateGroup", {"GroupName": name, "NewPath": request.properties.get("Path", "/")})
        self.sync_policies(request, name)
        group = request.call("iam", "GetGroup", {"GroupName": name})["Group"]
        return Outcome(name, {"Arn": group["Arn"]})

    def delete(self, request: ResourceRequest) -> None:
        name = request.physical_id
        with gone_ok():
            self.strip(request, name)
            for user in request.call("iam", "GetGroup", {"GroupName": name}).get("Users", []):
                request.call("iam", "RemoveUserFromGroup", {"GroupName": name, "UserName": user["UserName"]})
            request.call("iam", "DeleteGroup", {"GroupName": name})


_ATTACHERS = (("Roles", "Role"), ("Users", "User"), ("Groups", "Group"))


class PolicyHandler(ResourceHandler):
    """``AWS::IAM::Policy``: one inline policy put on each listed role, user and group."""

    type_name = "AWS::IAM::Policy"

    def create(self, request: ResourceRequest) -> Outcome:
        # AWS's id of this type keeps five characters of the stack name and four of the
        # logical id: ``stack-fnSe-3OZPF82JL41D``.
        suffix = "".join(random.choices(string.ascii_uppercase + string.digits, k=12))
        physical_id = f"{request.stack_name[:5]}-{request.logical_id[:4]}-{suffix}"
        self._put(request, request.properties)
        return Outcome(physical_id, {"Id": physical_id})

    def update(self, request: ResourceRequest) -> Outcome:
        before = request.previous_properties or {}
        if before.get("PolicyName") != request.properties.get("PolicyName"):
            self._remove(request, before)
            self._put(request, request.properties)
        else:
            self._put(request, request.properties)
            self._remove(request, before, keep=request.properties)
        return Outcome(request.physical_id, {"Id": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        self._remove(request, request.properties)

    @staticmethod
    def _put(request: ResourceRequest, props: dict[str, Any]) -> None:
        for prop, kind in _ATTACHERS:
            for name in props.get(prop) or []:
                request.call("iam", f"Put{kind}Policy", {
                    f"{kind}Name": name,
                    "PolicyName": props["PolicyName"],
                    "PolicyDocument": document(props["PolicyDocument"]),
                })

    @staticmethod
    def _remove(request: ResourceRequest, props: dict[str, Any], keep: dict[str, Any] | None = None) -> None:
        for prop, kind in _ATTACHERS:
            kept = set((keep or {}).get(prop) or [])
            for name in props.get(prop) or []:
                if name in kept:
                    continue
                with gone_ok():
                    request.call("iam", f"Delete{kind}Policy", {f"{kind}Name": name, "PolicyName": props["PolicyName"]})


class ManagedPolicyHandler(ResourceHandler):
    type_name = "AWS::IAM::ManagedPolicy"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = shaped(request, "iam", "CreatePolicy", {
            "PolicyName": props.get("ManagedPolicyName") or request.physical_name(128),
            "Path": props.get("Path", "/"),
            "Description": props.get("Description"),
            "PolicyDocument": document(props["PolicyDocument"]),
        })
        policy = request.call("iam", "CreatePolicy", params)["Policy"]
        self._attach(request, policy["Arn"], request.properties, {})
        return self._outcome(request, policy["Arn"])

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "ManagedPolicyName", "Path", "Description"):
            raise UpdateNeedsReplacement()
        arn = request.physical_id
        if changed(request, "PolicyDocument"):
            versions = request.call("iam", "ListPolicyVersions", {"PolicyArn": arn})["Versions"]
            old = [v for v in versions if not v["IsDefaultVersion"]]
            if len(versions) >= 5 and old:  # IAM keeps five versions: drop the oldest
                oldest = min(old, key=lambda v: v["CreateDate"])
                request.call("iam", "DeletePolicyVersion", {"PolicyArn": arn, "VersionId": oldest["VersionId"]})
            request.call("iam", "CreatePolicyVersion", {
                "PolicyArn": arn,
                "PolicyDocument": document(request.properties["PolicyDocument"]),
                "SetAsDefault": True,
            })
        self._attach(request, arn, request.properties, request.previous_properties or {})
        return self._outcome(request, arn)

    def delete(self, request: ResourceRequest) -> None:
        arn = request.physical_id
        with gone_ok():
            self._attach(request, arn, {}, request.properties)
            for version in request.call("iam", "ListPolicyVersions", {"PolicyArn": arn})["Versions"]:
                if not version["IsDefaultVersion"]:
                    request.call("iam", "DeletePolicyVersion", {"PolicyArn": arn, "VersionId": version["VersionId"]})
            request.call("iam", "DeletePolicy", {"PolicyArn": arn})

    @staticmethod
    def _attach(request: ResourceRequest, arn: str, new: dict[str, Any], old: dict[str, Any]) -> None:
        for prop, kind in _ATTACHERS:
            after, before = set(new.get(prop) or []), set(old.get(prop) or [])
            for name in after - before:
                request.call("iam", f"Attach{kind}Policy", {f"{kind}Name": name, "PolicyArn": arn})
            for name in before - after:
                with gone_ok():
                    request.call("iam", f"Detach{kind}Policy", {f"{kind}Name": name, "PolicyArn": arn})

    @staticmethod
    def _outcome(request: ResourceRequest, arn: str) -> Outcome:
        policy = request.call("iam", "GetPolicy", {"PolicyArn": arn})["Policy"]
        return Outcome(arn, {
            "PolicyArn": arn,
            "PolicyId": policy["PolicyId"],
            "DefaultVersionId": policy["DefaultVersionId"],
            "AttachmentCount": policy.get("AttachmentCount", 0),
            "PermissionsBoundaryUsageCount": policy.get("PermissionsBoundaryUsageCount", 0),
            "IsAttachable": policy.get("IsAttachable", True),
            "CreateDate": iso(policy.get("CreateDate")),
            "UpdateDate": iso(policy.get("UpdateDate")),
        })


class InstanceProfileHandler(ResourceHandler):
    type_name = "AWS::IAM::InstanceProfile"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("InstanceProfileName") or request.physical_name(128)
        profile = request.call("iam", "CreateInstanceProfile", {
            "InstanceProfileName": name, "Path": props.get("Path", "/"),
        })["InstanceProfile"]
        for role in props.get("Roles") or []:
            request.call("iam", "AddRoleToInstanceProfile", {"InstanceProfileName": name, "RoleName": role})
        return Outcome(name, {"Arn": profile["Arn"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "InstanceProfileName", "Path"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        before = set((request.previous_properties or {}).get("Roles") or [])
        after = set(request.properties.get("Roles") or [])
        for role in before - after:
            with gone_ok():
                request.call("iam", "RemoveRoleFromInstanceProfile", {"InstanceProfileName": name, "RoleName": role})
        for role in after - before:
            request.call("iam", "AddRoleToInstanceProfile", {"InstanceProfileName": name, "RoleName": role})
        profile = request.call("iam", "GetInstanceProfile", {"InstanceProfileName": name})["InstanceProfile"]
        return Outcome(name, {"Arn": profile["Arn"]})

    def delete(self, request: ResourceRequest) -> None:
        name = request.physical_id
        with gone_ok():
            profile = request.call("iam", "GetInstanceProfile", {"InstanceProfileName": name})["InstanceProfile"]
            for role in profile.get("Roles", []):
                request.call("iam", "RemoveRoleFromInstanceProfile", {
                    "InstanceProfileName": name, "RoleName": role["RoleName"],
                })
            request.call("iam", "DeleteInstanceProfile", {"InstanceProfileName": name})


class AccessKeyHandler(ResourceHandler):
    type_name = "AWS::IAM::AccessKey"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        key = request.call("iam", "CreateAccessKey", {"UserName": props["UserName"]})["AccessKey"]
        if props.get("Status", "Active") != "Active":
            request.call("iam", "UpdateAccessKey", {
                "UserName": props["UserName"], "AccessKeyId": key["AccessKeyId"], "Status": props["Status"],
            })
        return Outcome(key["AccessKeyId"], {"Id": key["AccessKeyId"], "SecretAccessKey": key["SecretAccessKey"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "UserName", "Serial"):
            raise UpdateNeedsReplacement()
        request.call("iam", "UpdateAccessKey", {
            "UserName": request.properties["UserName"],
            "AccessKeyId": request.physical_id,
            "Status": request.properties.get("Status", "Active"),
        })
        return Outcome(request.physical_id, dict(request.attributes))

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("iam", "DeleteAccessKey", {
                "UserName": request.properties["UserName"], "AccessKeyId": request.physical_id,
            })


class ServiceLinkedRoleHandler(ResourceHandler):
    type_name = "AWS::IAM::ServiceLinkedRole"

    def create(self, request: ResourceRequest) -> Outcome:
        params = shaped(request, "iam", "CreateServiceLinkedRole", request.properties)
        role = request.call("iam", "CreateServiceLinkedRole", params)["Role"]
        return Outcome(role["RoleName"], {"RoleName": role["RoleName"], "Arn": role["Arn"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "AWSServiceName", "CustomSuffix"):
            raise UpdateNeedsReplacement()
        request.call("iam", "UpdateRole", {
            "RoleName": request.physical_id, "Description": request.properties.get("Description", ""),
        })
        return Outcome(request.physical_id, dict(request.attributes))

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("iam", "DeleteServiceLinkedRole", {"RoleName": request.physical_id})


class _InlinePolicyHandler(ResourceHandler):
    """``AWS::IAM::RolePolicy`` / ``UserPolicy`` / ``GroupPolicy``: one inline policy of one
    entity (the physical id is ``<policy name>|<entity name>``, as the registry forms it)."""

    kind = ""

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        entity = props[f"{self.kind}Name"]
        request.call("iam", f"Put{self.kind}Policy", {
            f"{self.kind}Name": entity, "PolicyName": props["PolicyName"],
            "PolicyDocument": document(props.get("PolicyDocument") or {"Version": "2012-10-17", "Statement": []}),
        })
        return Outcome(f"{props['PolicyName']}|{entity}", {})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "PolicyName", f"{self.kind}Name"):
            raise UpdateNeedsReplacement()
        return self.create(request)

    def delete(self, request: ResourceRequest) -> None:
        props = request.properties
        with gone_ok():
            request.call("iam", f"Delete{self.kind}Policy", {
                f"{self.kind}Name": props[f"{self.kind}Name"], "PolicyName": props["PolicyName"],
            })


class RolePolicyHandler(_InlinePolicyHandler):
    type_name = "AWS::IAM::RolePolicy"
    kind = "Role"


class UserPolicyHandler(_InlinePolicyHandler):
    type_name = "AWS::IAM::UserPolicy"
    kind = "User"


class GroupPolicyHandler(_InlinePolicyHandler):
    type_name = "AWS::IAM::GroupPolicy"
    kind = "Group"


class UserToGroupAdditionHandler(ResourceHandler):
    type_name = "AWS::IAM::UserToGroupAddition"

    def create(self, request: ResourceRequest) -> Outcome:
        self._sync(request, request.properties, {})
        physical_id = request.physical_name(NAME_LENGTH)
        return Outcome(physical_id, {"Id": physical_id})

    def update(self, request: ResourceRequest) -> Outcome:
        self._sync(request, request.properties, request.previous_properties or {})
        return Outcome(request.physical_id, {"Id": request.physical_id})

    def delete(self, request: ResourceRequest) -> None:
        self._sync(request, {}, request.properties)

    @staticmethod
    def _sync(request: ResourceRequest, new: dict[str, Any], old: dict[str, Any]) -> None:
        before = {(old.get("GroupName"), u) for u in old.get("Users") or []}
        after = {(new.get("GroupName"), u) for u in new.get("Users") or []}
        for group, user in sorted(before - after):
            with gone_ok():
                request.call("iam", "RemoveUserFromGroup", {"GroupName": group, "UserName": user})
        for group, user in sorted(after - before):
            request.call("iam", "AddUserToGroup", {"GroupName": group, "UserName": user})


class OIDCProviderHandler(ResourceHandler):
    type_name = "AWS::IAM::OIDCProvider"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        params = shaped(request, "iam", "CreateOpenIDConnectProvider", {
            "Url": props["Url"], "ClientIDList": props.get("ClientIdList") or [],
            "ThumbprintList": props.get("ThumbprintList"),
        })
        if tag_list := tags(request, stack=False):
            params["Tags"] = tag_list
        arn = request.call("iam", "CreateOpenIDConnectProvider", params)["OpenIDConnectProviderArn"]
        return Outcome(arn, {"Arn": arn})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "Url"):
            raise UpdateNeedsReplacement()
        arn = request.physical_id
        before = request.previous_properties or {}
        props = request.properties
        if changed(request, "ThumbprintList") and props.get("ThumbprintList"):
            request.call("iam", "UpdateOpenIDConnectProviderThumbprint", {
                "OpenIDConnectProviderArn": arn, "ThumbprintList": props["ThumbprintList"],
            })
        old, new = set(before.get("ClientIdList") or []), set(props.get("ClientIdList") or [])
        for client in sorted(new - old):
            request.call("iam", "AddClientIDToOpenIDConnectProvider", {"OpenIDConnectProviderArn": arn, "ClientID": client})
        for client in sorted(old - new):
            request.call("iam", "RemoveClientIDFromOpenIDConnectProvider", {
                "OpenIDConnectProviderArn": arn, "ClientID": client,
            })
        return Outcome(arn, {"Arn": arn})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("iam", "DeleteOpenIDConnectProvider", {"OpenIDConnectProviderArn": request.physical_id})


class ServerCertificateHandler(ResourceHandler):
    type_name = "AWS::IAM::ServerCertificate"

    def create(self, request: ResourceRequest) -> Outcome:
        props = request.properties
        name = props.get("ServerCertificateName") or request.physical_name(128)
        # PEM texts as AWS keeps them from a template: without the block scalar's last newline
        pem = {k: props[k].strip() for k in ("CertificateBody", "CertificateChain", "PrivateKey") if props.get(k)}
        params = shaped(request, "iam", "UploadServerCertificate", {**props, **pem, "ServerCertificateName": name})
        if tag_list := tags(request, stack=False):
            params["Tags"] = tag_list
        metadata = request.call("iam", "UploadServerCertificate", params)["ServerCertificateMetadata"]
        return Outcome(name, {"Arn": metadata["Arn"]})

    def update(self, request: ResourceRequest) -> Outcome:
        if changed(request, "ServerCertificateName", "CertificateBody", "CertificateChain", "PrivateKey"):
            raise UpdateNeedsReplacement()
        name = request.physical_id
        if changed(request, "Path"):
            request.call("iam", "UpdateServerCertificate", {
                "ServerCertificateName": name, "NewPath": request.properties.get("Path", "/"),
            })
        certificate = request.call("iam", "GetServerCertificate", {"ServerCertificateName": name})
        return Outcome(name, {"Arn": certificate["ServerCertificate"]["ServerCertificateMetadata"]["Arn"]})

    def delete(self, request: ResourceRequest) -> None:
        with gone_ok():
            request.call("iam", "DeleteServerCertificate", {"ServerCertificateName": request.physical_id})


def _retag(request: ResourceRequest, kind: str, name: str) -> None:
    key = f"{kind}Name"
    current = request.call("iam", f"List{kind}Tags", {key: name}).get("Tags", [])
    wanted = tags(request, stack=False)
    stale = {t["Key"] for t in current} - {t["Key"] for t in wanted}
    if stale:
        request.call("iam", f"Untag{kind}", {key: name, "TagKeys": sorted(stale)})
    if wanted:
        request.call("iam", f"Tag{kind}", {key: name, "Tags": wanted})



HANDLERS = [
    RoleHandler,
    PolicyHandler,
    ManagedPolicyHandler,
    UserHandler,
    GroupHandler,
    InstanceProfileHandler,
    AccessKeyHandler,
    ServiceLinkedRoleHandler,
    RolePolicyHandler,
    UserPolicyHandler,
    GroupPolicyHandler,
    UserToGroupAdditionHandler,
    OIDCProviderHandler,
    ServerCertificateHandler,
]
