"""Roles (trust policies, service-linked roles) and instance profiles."""

from __future__ import annotations

import json
import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.iam import entities as E
from cloudtwin.services.iam.errors import (
    already_exists,
    delete_conflict,
    invalid_input,
    limit_exceeded,
    no_such_entity,
)
from cloudtwin.services.iam.models import IamStore, InstanceProfile, Role, new_id
from cloudtwin.services.iam.pagination import paginate
from cloudtwin.services.iam.service_linked import linked_service

Params = dict[str, Any]

#: The longest role name AWS takes (roleNameType), a service-linked one included.
MAX_ROLE_NAME = 64


class RoleHandlers:
    """IAM roles and instance profiles (mixed into the IAM provider)."""


    def _new_role(
        self, ctx: RequestContext, store: IamStore, name: str, path: str, trust: str, **extra: Any
    ) -> Role:
        if name.lower() in store.roles:
            raise already_exists(f"Role with name {name} already exists.")
        role = Role(
            name=name,
            id=new_id("AROA"),
            arn=f"arn:{ctx.partition}:iam::{ctx.account_id}:role{path}{name}",
            path=path,
            created=ctx.clock.now(),
            trust_policy=trust,
            **extra,
        )
        store.roles[name.lower()] = role
        return role

    def create_role(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = params["RoleName"]
        if name.lower() in store.roles:
            raise already_exists(f"Role with name {name} already exists.")
        trust = params["AssumeRolePolicyDocument"]
        E.check_policy(trust, "trust")
        tags = params.get("Tags") or []
        E.check_tags(tags)
        boundary = params.get("PermissionsBoundary")
        if boundary:
            self._check_boundary(ctx, store, boundary)
        role = self._new_role(
            ctx,
            store,
            name,
            E.check_path(params.get("Path")),
            trust,
            description=params.get("Description"),
            max_session=params.get("MaxSessionDuration") or 3600,
            tags=list(tags),
            boundary=boundary,
        )
        view = E.role_view(role, now=ctx.clock.now())
        view.pop("RoleLastUsed", None)
        if not params.get("MaxSessionDuration"):
            view.pop("MaxSessionDuration")  # CreateRole shows it only when it was given
        return {"Role": view}

    def get_role(self, ctx: RequestContext, params: Params) -> Params:
        return {"Role": E.role_view(E.role(ctx.store, params["RoleName"]), now=ctx.clock.now())}

    def _modifiable(self, role: Role) -> None:
        if role.service_linked:
            raise ServiceError(
                "UnmodifiableEntity",
                f"Cannot perform the operation on the protected role '{role.name}' - "
                "this role is only modifiable by AWS",
            )

    def update_role(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        self._modifiable(role)
        if "Description" in params:
            role.description = params["Description"]
        if params.get("MaxSessionDuration"):
            role.max_session = params["MaxSessionDuration"]
        store.roles.save(role.name.lower())
        return {}

    def update_role_description(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        self._modifiable(role)
        role.description = params["Description"]
        store.roles.save(role.name.lower())
        view = E.role_view(role, now=ctx.clock.now())
        return {"Role": view}

    def update_assume_role_policy(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        self._modifiable(role)
        E.check_policy(params["PolicyDocument"], "trust")
        role.trust_policy = params["PolicyDocument"]
        store.roles.save(role.name.lower())

    def delete_role(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        self._modifiable(role)
        self._delete_role(store, role)

    def _delete_role(self, store: IamStore, role: Role) -> None:
        if any(role.name in p.roles for p in store.instance_profiles.values()):
            raise delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first."
            )
        if role.inline:
            raise delete_conflict("Cannot delete entity, must delete policies first.")
        if role.attached:
            raise delete_conflict("Cannot delete entity, must detach all policies first.")
        del store.roles[role.name.lower()]

    def list_roles(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        prefix = params.get("PathPrefix")
        roles = [r for r in store.roles.values() if not prefix or r.path.startswith(prefix)]
        return paginate(roles, params, "Roles", lambda r: E.role_view(r, full=False))

    def tag_role(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        role.tags = E.merge_tags(role.tags, params["Tags"])
        store.roles.save(role.name.lower())

    def untag_role(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        role.tags = E.drop_tags(role.tags, params["TagKeys"])
        store.roles.save(role.name.lower())

    def list_role_tags(self, ctx: RequestContext, params: Params) -> Params:
        return paginate(E.role(ctx.store, params["RoleName"]).tags, params, "Tags")

    def put_role_permissions_boundary(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        self._modifiable(role)
        self._check_boundary(ctx, store, params["PermissionsBoundary"])
        role.boundary = params["PermissionsBoundary"]
        store.roles.save(role.name.lower())

    def delete_role_permissions_boundary(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        self._modifiable(role)
        role.boundary = None
        store.roles.save(role.name.lower())

    # -- service-linked roles ------------------------------------------------------------------

    def create_service_linked_role(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        service = params["AWSServiceName"]
        if not service.endswith(".amazonaws.com"):
            raise invalid_input(f"Invalid service principal: {service}")
        linked = linked_service(service)
        suffix = params.get("CustomSuffix")
        if suffix and not linked.custom_suffix:
            raise invalid_input(f"Custom suffix is not allowed for {service}")
        name = linked.name(suffix)
        if len(name) > MAX_ROLE_NAME:
            # The suffix is appended to AWSServiceRoleFor<Service>_: the role's name must
            # still fit the 64 characters of any role name.
            raise invalid_input(
                f"1 validation error detected: Value '{name}' at 'roleName' failed to satisfy "
                f"constraint: Member must have length less than or equal to {MAX_ROLE_NAME}"
            )
        if name.lower() in store.roles:
            raise invalid_input(
                f"Service role name {name} has been taken in this account, please try a "
                "different suffix."
            )
        trust = json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": service},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        )
        role = self._new_role(
            ctx,
            store,
            name,
            f"/aws-service-role/{service}/",
            trust,
            description=params.get("Description"),
            service_linked=True,
        )
        if linked.policies:
            role.attached.extend(f"arn:{ctx.partition}:iam::aws:policy{p}" for p in linked.policies)
            store.roles.save(role.name.lower())
        view = E.role_view(role, now=ctx.clock.now())
        view.pop("RoleLastUsed", None)
        return {"Role": view}

    def delete_service_linked_role(self, ctx: RequestContext, params: Params) -> Params:
        """Deletion is a task, as on AWS: it fails (see the status) for a role that is not
        service-linked or is still used by an instance profile."""
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        service = role.path.split("/")[2] if role.service_linked else "none"
        task = f"task/aws-service-role/{service}/{role.name}/{uuid.uuid4()}"
        reason = None
        if not role.service_linked:
            reason = f"Role {role.name} is not a service-linked role."
        elif any(role.name in p.roles for p in store.instance_profiles.values()):
            reason = f"Role {role.name} is in use by an instance profile."
        if reason is None:
            role.inline.clear()
            role.attached.clear()
            self._delete_role(store, role)
        store.deletion_tasks[task] = reason or ""
        return {"DeletionTaskId": task}

    def get_service_linked_role_deletion_status(
        self, ctx: RequestContext, params: Params
    ) -> Params:
        task = params["DeletionTaskId"]
        reason = ctx.store.deletion_tasks.get(task)
        if reason is None:
            raise no_such_entity(f"Deletion task {task} cannot be found.")
        if reason:
            return {"Status": "FAILED", "Reason": {"Reason": reason}}
        return {"Status": "SUCCEEDED"}

    # -- instance profiles ---------------------------------------------------------------------

    def _profile(self, store: IamStore, name: str) -> InstanceProfile:
        found = store.instance_profiles.get(name.lower())
        if found is None:
            raise no_such_entity(f"Instance Profile {name} cannot be found.")
        return found

    def _profile_view(self, store: IamStore, p: InstanceProfile) -> Params:
        roles = [store.roles[r.lower()] for r in p.roles if r.lower() in store.roles]
        out: Params = {
            "Path": p.path,
            "InstanceProfileName": p.name,
            "InstanceProfileId": p.id,
            "Arn": p.arn,
            "CreateDate": E.when(p.created),
            "Roles": [E.role_view(r, full=False) for r in roles],
        }
        if p.tags:
            out["Tags"] = list(p.tags)
        return out

    def create_instance_profile(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = params["InstanceProfileName"]
        if name.lower() in store.instance_profiles:
            raise already_exists(f"Instance Profile {name} already exists.")
        path = E.check_path(params.get("Path"))
        tags = params.get("Tags") or []
        E.check_tags(tags)
        profile = InstanceProfile(
            name=name,
            id=new_id("AIPA"),
            arn=f"arn:{ctx.partition}:iam::{ctx.account_id}:instance-profile{path}{name}",
            path=path,
            created=ctx.clock.now(),
            tags=list(tags),
        )
        store.instance_profiles[name.lower()] = profile
        return {"InstanceProfile": self._profile_view(store, profile)}

    def get_instance_profile(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        profile = self._profile(store, params["InstanceProfileName"])
        return {"InstanceProfile": self._profile_view(store, profile)}

    def delete_instance_profile(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        profile = self._profile(store, params["InstanceProfileName"])
        if profile.roles:
            raise delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first."
            )
        del store.instance_profiles[profile.name.lower()]

    def list_instance_profiles(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        prefix = params.get("PathPrefix")
        profiles = [
            p for p in store.instance_profiles.values() if not prefix or p.path.startswith(prefix)
        ]
        return paginate(
            profiles, params, "InstanceProfiles", lambda p: self._profile_view(store, p)
        )

    def list_instance_profiles_for_role(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        role = E.role(store, params["RoleName"])
        profiles = [p for p in store.instance_profiles.values() if role.name in p.roles]
        return paginate(
            profiles, params, "InstanceProfiles", lambda p: self._profile_view(store, p)
        )

    def add_role_to_instance_profile(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        profile = self._profile(store, params["InstanceProfileName"])
        role = E.role(store, params["RoleName"])
        if role.name in profile.roles:
            raise already_exists(f"Role {role.name} is already associated with this instance profile.")  # noqa: E501
        if profile.roles:
            raise limit_exceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1")
        profile.roles.append(role.name)
        store.instance_profiles.save(profile.name.lower())

    def remove_role_from_instance_profile(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        profile = self._profile(store, params["InstanceProfileName"])
        role = E.role(store, params["RoleName"])
        if role.name not in profile.roles:
            raise no_such_entity(
                f"Role {role.name} in Instance Profile {profile.name} cannot be found."
            )
        profile.roles.remove(role.name)
        store.instance_profiles.save(profile.name.lower())

    def tag_instance_profile(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        profile = self._profile(store, params["InstanceProfileName"])
        profile.tags = E.merge_tags(profile.tags, params["Tags"])
        store.instance_profiles.save(profile.name.lower())

    def untag_instance_profile(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        profile = self._profile(store, params["InstanceProfileName"])
        profile.tags = E.drop_tags(profile.tags, params["TagKeys"])
        store.instance_profiles.save(profile.name.lower())

    def list_instance_profile_tags(self, ctx: RequestContext, params: Params) -> Params:
        profile = self._profile(ctx.store, params["InstanceProfileName"])
        return paginate(profile.tags, params, "Tags")
