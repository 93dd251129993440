"""Users and groups: the handlers of their lifecycle, membership, tags and boundaries."""

from __future__ import annotations

from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.iam import entities as E
from cloudtwin.services.iam.errors import already_exists, delete_conflict
from cloudtwin.services.iam.models import Group, IamStore, User, new_id
from cloudtwin.services.iam.pagination import paginate

Params = dict[str, Any]


def _under(path_prefix: str | None, path: str) -> bool:
    return not path_prefix or path.startswith(path_prefix)


class UserHandlers:
    """IAM users and groups (mixed into the IAM provider)."""


    # -- users ------------------------------------------------------------------------------

    def create_user(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = params["UserName"]
        if name.lower() in store.users:
            raise already_exists(f"User with name {name} already exists.")
        path = E.check_path(params.get("Path"))
        tags = params.get("Tags") or []
        E.check_tags(tags)
        boundary = params.get("PermissionsBoundary")
        if boundary:
            self._check_boundary(ctx, store, boundary)
        user = User(
            name=name,
            id=new_id("AIDA"),
            arn=f"arn:{ctx.partition}:iam::{ctx.account_id}:user{path}{name}",
            path=path,
            created=ctx.clock.now(),
            tags=list(tags),
            boundary=boundary,
        )
        store.users[name.lower()] = user
        return {"User": E.user_view(user)}

    def get_user(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = params.get("UserName")
        if name is None:
            caller = ctx.identity
            if not caller.is_account_root and ":user/" not in caller.arn:
                raise ServiceError(
                    "ValidationError", "Must specify userName when calling with non-User credentials"
                )
            if caller.is_account_root:
                return {
                    "User": {
                        "UserId": caller.account_id,
                        "Arn": caller.arn_in(ctx.region),
                        "CreateDate": E.when(0.0),
                    }
                }
            name = caller.arn.rsplit("/", 1)[-1]
            if name.lower() not in store.users and caller.is_root:
                # The default principal (gateway.identity): an IAM user IAM does not list.
                arn = caller.arn_in(ctx.region)
                return {
                    "User": {
                        "Path": arn.split(":user", 1)[1].rsplit("/", 1)[0] + "/",
                        "UserName": name,
                        "UserId": caller.user_id,
                        "Arn": arn,
                        "CreateDate": E.when(0.0),
                    }
                }
        return {"User": E.user_view(E.user(store, name))}

    def update_user(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        old = user.name
        new_name = params.get("NewUserName")
        if params.get("NewPath"):
            user.path = E.check_path(params["NewPath"])
        if new_name and new_name != old:
            if new_name.lower() in store.users and new_name.lower() != old.lower():
                raise already_exists(f"User with name {new_name} already exists.")
            del store.users[old.lower()]
            user.name = new_name
        user.arn = f"arn:{ctx.partition}:iam::{ctx.account_id}:user{user.path}{user.name}"
        store.users[user.name.lower()] = user
        self._user_renamed(ctx, store, old, user)

    def delete_user(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        if user.name in store.login_profiles:
            raise delete_conflict("Cannot delete entity, must delete login profile first.")
        if any(k.user_name == user.name for k in store.access_keys.values()):
            raise delete_conflict("Cannot delete entity, must delete access keys first.")
        if any(c.user_name == user.name for c in store.signing_certificates.values()):
            raise delete_conflict("Cannot delete entity, must delete signing certificates first.")
        if any(k.user_name == user.name for k in store.ssh_keys.values()):
            raise delete_conflict("Cannot delete entity, must delete SSH public keys first.")
        if any(d.user_name == user.name for d in store.mfa_devices.values()):
            raise delete_conflict("Cannot delete entity, must delete MFA device first.")
        if user.inline:
            raise delete_conflict("Cannot delete entity, must delete policies first.")
        if user.attached:
            raise delete_conflict("Cannot delete entity, must detach all policies first.")
        if user.groups:
            raise delete_conflict("Cannot delete entity, must remove user from all groups first.")
        if any(c.user_name == user.name for c in store.service_credentials.values()):
            raise delete_conflict("Cannot delete entity, must remove referenced objects first.")
        del store.users[user.name.lower()]

    def list_users(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        prefix = params.get("PathPrefix")
        users = [u for u in store.users.values() if _under(prefix, u.path)]
        return paginate(users, params, "Users", lambda u: E.user_view(u, with_tags=False))

    def tag_user(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        user.tags = E.merge_tags(user.tags, params["Tags"])
        store.users.save(user.name.lower())

    def untag_user(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        user.tags = E.drop_tags(user.tags, params["TagKeys"])
        store.users.save(user.name.lower())

    def list_user_tags(self, ctx: RequestContext, params: Params) -> Params:
        return paginate(E.user(ctx.store, params["UserName"]).tags, params, "Tags")

    def put_user_permissions_boundary(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        self._check_boundary(ctx, store, params["PermissionsBoundary"])
        user.boundary = params["PermissionsBoundary"]
        store.users.save(user.name.lower())

    def delete_user_permissions_boundary(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        user.boundary = None
        store.users.save(user.name.lower())

    # -- groups -----------------------------------------------------------------------------

    def create_group(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = params["GroupName"]
        if name.lower() in store.groups:
            raise already_exists(f"Group with name {name} already exists.")
        path = E.check_path(params.get("Path"))
        group = Group(
            name=name,
            id=new_id("AGPA"),
            arn=f"arn:{ctx.partition}:iam::{ctx.account_id}:group{path}{name}",
            path=path,
            created=ctx.clock.now(),
        )
        store.groups[name.lower()] = group
        return {"Group": E.group_view(group)}

    @staticmethod
    def _members(store: IamStore, group: Group) -> list[User]:
        return [u for u in store.users.values() if group.name in u.groups]

    def get_group(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        group = E.group(store, params["GroupName"])
        out = paginate(
            self._members(store, group), params, "Users", lambda u: E.user_view(u, with_tags=False)
        )
        out["Group"] = E.group_view(group)
        return out

    def update_group(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        group = E.group(store, params["GroupName"])
        old = group.name
        new_name = params.get("NewGroupName")
        if params.get("NewPath"):
            group.path = E.check_path(params["NewPath"])
        if new_name and new_name != old:
            if new_name.lower() in store.groups and new_name.lower() != old.lower():
                raise already_exists(f"Group with name {new_name} already exists.")
            members = self._members(store, group)
            del store.groups[old.lower()]
            group.name = new_name
            for u in members:
                u.groups = [new_name if g == old else g for g in u.groups]
                store.users.save(u.name.lower())
        group.arn = f"arn:{ctx.partition}:iam::{ctx.account_id}:group{group.path}{group.name}"
        store.groups[group.name.lower()] = group

    def delete_group(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        group = E.group(store, params["GroupName"])
        if self._members(store, group):
            raise delete_conflict("Cannot delete entity, must remove users from group first.")
        if group.inline:
            raise delete_conflict("Cannot delete entity, must delete policies first.")
        if group.attached:
            raise delete_conflict("Cannot delete entity, must detach all policies first.")
        del store.groups[group.name.lower()]

    def list_groups(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        prefix = params.get("PathPrefix")
        groups = [g for g in store.groups.values() if _under(prefix, g.path)]
        return paginate(groups, params, "Groups", E.group_view)

    def add_user_to_group(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        group = E.group(store, params["GroupName"])
        user = E.user(store, params["UserName"])
        if group.name not in user.groups:
            user.groups.append(group.name)
            store.users.save(user.name.lower())

    def remove_user_from_group(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        group = E.group(store, params["GroupName"])
        user = E.user(store, params["UserName"])
        if group.name not in user.groups:
            raise E.no_such_entity(
                f"User {user.name} does not belong to group {group.name}."
            )
        user.groups.remove(group.name)
        store.users.save(user.name.lower())

    def list_groups_for_user(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        groups = [store.groups[g.lower()] for g in user.groups if g.lower() in store.groups]
        return paginate(groups, params, "Groups", E.group_view)
