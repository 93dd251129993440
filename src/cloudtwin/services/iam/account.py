"""Account-wide views: aliases, summary, credential report, authorization details."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.iam import entities as E
from cloudtwin.services.iam.credentials import ROOT_USER
from cloudtwin.services.iam.errors import already_exists, no_such_entity
from cloudtwin.services.iam.models import IamStore
from cloudtwin.services.iam.pagination import paginate
from cloudtwin.services.iam.aws_managed import aws_policy_by_arn
from cloudtwin.services.iam.policies import aws_policy_view, attachment_count, principals

Params = dict[str, Any]

#: A credential report is served for four hours after it was generated.
REPORT_LIFETIME = 4 * 3600

_REPORT_COLUMNS = (
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
)  # fmt: skip


def _iso(epoch: float | None) -> str:
    moment: datetime | None = E.when(epoch)
    return moment.strftime("%Y-%m-%dT%H:%M:%S+00:00") if moment else "N/A"


def credential_report(store: IamStore, partition: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_REPORT_COLUMNS)
    root = ["<root_account>", f"arn:{partition}:iam::{store.account_id}:root", _iso(0.0),
            "not_supported", "no_information", "not_supported", "not_supported", "false"]
    writer.writerow(root + ["false", "N/A", "N/A", "N/A", "N/A"] * 2 + ["false", "N/A"] * 2)
    for user in store.users.values():
        login = store.login_profiles.get(user.name)
        mfa = any(d.user_name == user.name for d in store.mfa_devices.values())
        row = [user.name, user.arn, _iso(user.created), "true" if login else "false",
               _iso(user.password_last_used) if login else "N/A",
               _iso(login.created) if login else "N/A", "N/A", "true" if mfa else "false"]
        keys = [k for k in store.access_keys.values() if k.user_name == user.name][:2]
        for i in range(2):
            if i < len(keys):
                k = keys[i]
                row += ["true" if k.status == "Active" else "false", _iso(k.created),
                        _iso(k.last_used), k.last_used_region or "N/A",
                        k.last_used_service or "N/A"]
            else:
                row += ["false", "N/A", "N/A", "N/A", "N/A"]
        certs = [c for c in store.signing_certificates.values() if c.user_name == user.name][:2]
        for i in range(2):
            if i < len(certs):
                row += ["true" if certs[i].status == "Active" else "false", _iso(certs[i].uploaded)]
            else:
                row += ["false", "N/A"]
        writer.writerow(row)
    return out.getvalue().encode()


class AccountHandlers:
    """Account-level operations (mixed into the IAM provider)."""

    def create_account_alias(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        alias = params["AccountAlias"]
        if alias in store.account.aliases:
            raise already_exists(f"The account alias {alias} already exists.")
        store.account.aliases = [alias]  # an account has at most one alias
        store.save_account()

    def delete_account_alias(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        alias = params["AccountAlias"]
        if alias not in store.account.aliases:
            raise no_such_entity(f"The account alias {alias} cannot be found.")
        store.account.aliases.remove(alias)
        store.save_account()

    def list_account_aliases(self, ctx: RequestContext, params: Params) -> Params:
        return paginate(list(ctx.store.account.aliases), params, "AccountAliases")

    def get_account_summary(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        versions = sum(len(p.versions) for p in store.policies.values())
        devices = list(store.mfa_devices.values())
        summary = {
            "Users": len(store.users), "UsersQuota": 5000,
            "Groups": len(store.groups), "GroupsQuota": 300,
            "Roles": len(store.roles), "RolesQuota": 1000,
            "Policies": len(store.policies), "PoliciesQuota": 1500,
            "PolicyVersionsInUse": versions, "PolicyVersionsInUseQuota": 10000,
            "VersionsPerPolicyQuota": 5, "PolicySizeQuota": 6144,
            "InstanceProfiles": len(store.instance_profiles), "InstanceProfilesQuota": 1000,
            "ServerCertificates": len(store.server_certificates), "ServerCertificatesQuota": 20,
            "MFADevices": len(devices),
            "MFADevicesInUse": sum(1 for d in devices if d.user_name is not None),
            "AccountMFAEnabled": 0,
            "AccountAccessKeysPresent": int(
                any(k.user_name == ROOT_USER for k in store.access_keys.values())
            ),
            "AccountSigningCertificatesPresent": 0,
            "Providers": len(store.saml_providers) + len(store.oidc_providers),
            "UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120,
            "RolePolicySizeQuota": 10240, "AssumeRolePolicySizeQuota": 2048,
            "GroupsPerUserQuota": 10, "SigningCertificatesPerUserQuota": 2,
            "AccessKeysPerUserQuota": 2, "AttachedPoliciesPerGroupQuota": 10,
            "AttachedPoliciesPerRoleQuota": 10, "AttachedPoliciesPerUserQuota": 10,
            "GlobalEndpointTokenVersion": 1,
        }  # fmt: skip
        return {"SummaryMap": summary}

    def generate_credential_report(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        now = ctx.clock.now()
        previous = store.account.credential_report
        if previous is not None and now - previous < REPORT_LIFETIME:
            return {"State": "COMPLETE"}
        store.account.credential_report = now
        store.save_account()
        return {
            "State": "STARTED",
            "Description": "No report exists. Starting a new report generation task",
        }

    def get_credential_report(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        generated = store.account.credential_report
        if generated is None:
            raise ServiceError(
                "ReportNotPresent",
                "Credential report does not exist. Use GenerateCredentialReport to generate "
                "a credential report.",
            )
        if ctx.clock.now() - generated >= REPORT_LIFETIME:
            raise ServiceError(
                "ReportExpired",
                "The request was rejected because the most recent credential report has "
                "expired. To generate a new credential report, use GenerateCredentialReport.",
            )
        return {
            "Content": credential_report(store, ctx.partition),
            "ReportFormat": "text/csv",
            "GeneratedTime": E.when(generated),
        }

    def set_security_token_service_preferences(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        store.account.sts_preference = params["GlobalEndpointTokenVersion"]
        store.save_account()

    def get_account_authorization_details(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        wanted = set(params.get("Filter") or ("User", "Role", "Group", "LocalManagedPolicy",
                                              "AWSManagedPolicy"))  # fmt: skip

        def inline(record: Any) -> list[Params]:
            return [{"PolicyName": n, "PolicyDocument": E.encoded(d)} for n, d in record.inline.items()]  # noqa: E501

        def attached(record: Any) -> list[Params]:
            return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in record.attached]

        users, groups, roles, policies = [], [], [], []
        for kind, record in principals(store):
            if kind == "user" and "User" in wanted:
                view = E.user_view(record)
                view.update(UserPolicyList=inline(record), GroupList=list(record.groups),
                            AttachedManagedPolicies=attached(record))  # fmt: skip
                view.pop("PasswordLastUsed", None)
                users.append(view)
            elif kind == "group" and "Group" in wanted:
                view = E.group_view(record)
                view.update(GroupPolicyList=inline(record), AttachedManagedPolicies=attached(record))
                groups.append(view)
            elif kind == "role" and "Role" in wanted:
                view = E.role_view(record, now=ctx.clock.now())
                profiles = [p for p in store.instance_profiles.values() if record.name in p.roles]
                view.update(
                    RolePolicyList=inline(record),
                    AttachedManagedPolicies=attached(record),
                    InstanceProfileList=[self._profile_view(store, p) for p in profiles],  # type: ignore[attr-defined]
                )
                view.pop("MaxSessionDuration", None)
                view.pop("Description", None)
                roles.append(view)
        if "LocalManagedPolicy" in wanted:
            for policy in store.policies.values():
                view = E.policy_view(policy, attachment_count(store, policy.arn), with_tags=False)
                view["PolicyVersionList"] = [
                    {"Document": E.encoded(v.document), "VersionId": v.version_id,
                     "IsDefaultVersion": v.version_id == policy.default_version,
                     "CreateDate": E.when(v.created)}
                    for v in policy.versions.values()
                ]  # fmt: skip
                policies.append(view)
        if "AWSManagedPolicy" in wanted:
            # AWS managed policies in use in the account, with their default version
            attached_arns = {arn for _, p in principals(store) for arn in p.attached}
            for arn in sorted(attached_arns):
                aws = aws_policy_by_arn(arn)
                if aws is None:
                    continue
                view = aws_policy_view(ctx.partition, aws, attachment_count(store, arn))
                view["PolicyVersionList"] = [{
                    "Document": E.encoded(aws.document), "VersionId": aws.version,
                    "IsDefaultVersion": True, "CreateDate": E.when(aws.updated),
                }]
                policies.append(view)
        entries = [("UserDetailList", u) for u in users] + [("GroupDetailList", g) for g in groups]
        entries += [("RoleDetailList", r) for r in roles] + [("Policies", p) for p in policies]
        page = paginate(entries, params, "_entries")
        out: Params = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [],
                       "Policies": []}  # fmt: skip
        for key, item in page.pop("_entries"):
            out[key].append(item)
        out.update(page)
        return out
