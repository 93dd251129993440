"""KMS keys, Secrets Manager secrets and SSM parameters (secret values hidden until asked),
IAM users, roles, groups and policies, Cognito user pools with their users and clients."""

from __future__ import annotations

import base64
import json
from typing import Any

from cloudtwin.console.pages.base import Page, ServicePage
from cloudtwin.console.render import Html, button, field, form, h, join, kv_table, link, section, table, when
from cloudtwin.console.view import View


def hidden_value(view: View, action: str, **target: str) -> Html:
    """A placeholder for a secret value and the button that asks for it (console.js posts
    ``target`` to the action and shows the ``value`` it answers)."""
    return h(
        '<span class="secret" data-secret>&bull;&bull;&bull;&bull;&bull;&bull;</span> {}',
        button("Show value", kind="button", cls="reveal", data_reveal=view.url(action), data_args=json.dumps(target)),
    )


# -- KMS --------------------------------------------------------------------------------------


async def kms_count(view: View) -> int:
    return len(await view.pages("kms", "ListKeys", {}, "Keys", token="Marker", out_token="NextMarker"))


async def kms_index(view: View) -> Page:
    keys = await view.pages("kms", "ListKeys", {}, "Keys", token="Marker", out_token="NextMarker")
    aliases = await view.pages("kms", "ListAliases", {}, "Aliases", token="Marker", out_token="NextMarker")
    by_key: dict[str, list[str]] = {}
    for alias in aliases:
        if alias.get("TargetKeyId"):
            by_key.setdefault(alias["TargetKeyId"], []).append(alias["AliasName"])
    rows = []
    for key in keys:
        meta = (await view.try_call("kms", "DescribeKey", {"KeyId": key["KeyId"]}))[0].get("KeyMetadata", {})
        rows.append({
            "key id": key["KeyId"],
            "aliases": ", ".join(by_key.get(key["KeyId"], [])),
            "state": meta.get("KeyState"),
            "spec": meta.get("KeySpec"),
            "usage": meta.get("KeyUsage"),
            "manager": meta.get("KeyManager"),
            "created": when(meta.get("CreationDate")),
            "description": meta.get("Description"),
        })
    create = form(view.url("kms/create"), field("description", "Description"),
                  field("spec", "Key spec", "SYMMETRIC_DEFAULT", kind="select",
                        options=("SYMMETRIC_DEFAULT", "RSA_2048", "ECC_NIST_P256", "HMAC_256")), submit="Create key")
    return Page("KMS keys", section("Keys", table(rows, empty="No keys in this account and region.")) + section("New key", create))


async def kms_create(view: View) -> dict[str, Any]:
    spec = view.arg("spec", "SYMMETRIC_DEFAULT")
    usage = {"RSA_2048": "ENCRYPT_DECRYPT", "ECC_NIST_P256": "SIGN_VERIFY", "HMAC_256": "GENERATE_VERIFY_MAC"}.get(spec, "ENCRYPT_DECRYPT")
    params: dict[str, Any] = {"KeySpec": spec, "KeyUsage": usage}
    if view.arg("description"):
        params["Description"] = view.arg("description")
    result = await view.call("kms", "CreateKey", params)
    return {"message": f"created {result['KeyMetadata']['KeyId']}", "reload": True}


KMS = ServicePage("kms", "KMS", "Security", kms_index, actions={"create": kms_create}, count=kms_count)

# -- Secrets Manager ----------------------------------------------------------------------------


async def _secrets(view: View) -> list[dict[str, Any]]:
    return await view.pages("secretsmanager", "ListSecrets", {"IncludePlannedDeletion": True}, "SecretList")


async def secrets_count(view: View) -> int:
    return len(await _secrets(view))


async def secrets_index(view: View) -> Page:
    rows = [
        {
            "name": s.get("Name"),
            "value": hidden_value(view, "secretsmanager/reveal", id=s["ARN"]),
            "description": s.get("Description"),
            "kms key": s.get("KmsKeyId") or "aws/secretsmanager",
            "changed": when(s.get("LastChangedDate")),
            "deleted": when(s.get("DeletedDate")) if s.get("DeletedDate") else "",
            "rotation": "on" if s.get("RotationEnabled") else "",
        }
        for s in await _secrets(view)
    ]
    create = form(view.url("secretsmanager/create"), field("name", "Name", required=True),
                  field("value", "Secret string", kind="textarea", required=True), submit="Create secret")
    return Page("Secrets Manager secrets", section("Secrets", table(rows, empty="No secrets in this account and region.", cls="secrets"))
                + section("New secret", create))


async def secrets_reveal(view: View) -> dict[str, Any]:
    result = await view.call("secretsmanager", "GetSecretValue", {"SecretId": view.need("id")})
    if "SecretString" in result:
        return {"value": result["SecretString"]}
    return {"value": base64.b64encode(result.get("SecretBinary") or b"").decode(), "binary": True}


async def secrets_create(view: View) -> dict[str, Any]:
    await view.call("secretsmanager", "CreateSecret", {"Name": view.need("name"), "SecretString": view.need("value")})
    return {"message": "created", "reload": True}


SECRETS = ServicePage(
    "secretsmanager", "Secrets Manager", "Security", secrets_index,
    actions={"reveal": secrets_reveal, "create": secrets_create}, count=secrets_count,
)

# -- SSM Parameter Store ------------------------------------------------------------------------


async def _parameters(view: View) -> list[dict[str, Any]]:
    return await view.pages("ssm", "DescribeParameters", {}, "Parameters")


async def ssm_count(view: View) -> int:
    return len(await _parameters(view))


async def ssm_index(view: View) -> Page:
    parameters = await _parameters(view)
    plain = [p["Name"] for p in parameters if p.get("Type") != "SecureString"]
    values: dict[str, Any] = {}
    for start in range(0, len(plain), 10):  # GetParameters takes 10 names a call
        found, _ = await view.try_call("ssm", "GetParameters", {"Names": plain[start : start + 10]})
        values.update({p["Name"]: p.get("Value") for p in found.get("Parameters", [])})
    rows = [
        {
            "name": p["Name"],
            "type": p.get("Type"),
            "value": values.get(p["Name"]) if p.get("Type") != "SecureString" else hidden_value(view, "ssm/reveal", name=p["Name"]),
            "version": p.get("Version"),
            "tier": p.get("Tier"),
            "modified": when(p.get("LastModifiedDate")),
        }
        for p in parameters
    ]
    create = form(view.url("ssm/create"), field("name", "Name", required=True, placeholder="/app/setting"),
                  field("type", "Type", "String", kind="select", options=("String", "StringList", "SecureString")),
                  field("value", "Value", required=True), submit="Put parameter")
    return Page("SSM parameters", section("Parameters", table(rows, empty="No parameters in this account and region.")) + section("Put a parameter", create))


async def ssm_reveal(view: View) -> dict[str, Any]:
    result = await view.call("ssm", "GetParameter", {"Name": view.need("name"), "WithDecryption": True})
    return {"value": result["Parameter"].get("Value")}


async def ssm_create(view: View) -> dict[str, Any]:
    await view.call("ssm", "PutParameter", {"Name": view.need("name"), "Value": view.need("value"),
                                            "Type": view.arg("type", "String"), "Overwrite": True})
    return {"message": "written", "reload": True}


SSM = ServicePage("ssm", "SSM Parameter Store", "Security", ssm_index,
                  actions={"reveal": ssm_reveal, "create": ssm_create}, count=ssm_count)

# -- IAM ----------------------------------------------------------------------------------------


async def _iam_list(view: View, operation: str, items: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return await view.pages("iam", operation, params or {}, items, token="Marker", out_token="Marker")


async def iam_count(view: View) -> int:
    return len(await _iam_list(view, "ListUsers", "Users")) + len(await _iam_list(view, "ListRoles", "Roles"))


async def iam_index(view: View) -> Page:
    users = await _iam_list(view, "ListUsers", "Users")
    roles = await _iam_list(view, "ListRoles", "Roles")
    groups = await _iam_list(view, "ListGroups", "Groups")
    policies = await _iam_list(view, "ListPolicies", "Policies", {"Scope": "Local"})
    body = join([
        section(h("Users ({})", len(users)), table(users, ["UserName", "UserId", "Arn", "CreateDate", "PasswordLastUsed"], empty="No users.")),
        section(h("Roles ({})", len(roles)), table(roles, ["RoleName", "RoleId", "Arn", "Path", "CreateDate"], empty="No roles.")),
        section(h("Groups ({})", len(groups)), table(groups, ["GroupName", "GroupId", "Arn", "CreateDate"], empty="No groups.")),
        section(h("Customer managed policies ({})", len(policies)),
                table(policies, ["PolicyName", "Arn", "DefaultVersionId", "AttachmentCount", "UpdateDate"], empty="No policies.")),
        section("New user", form(view.url("iam/create-user"), field("name", "User name", required=True), submit="Create user")),
    ])
    return Page("IAM", body)


async def iam_create_user(view: View) -> dict[str, Any]:
    await view.call("iam", "CreateUser", {"UserName": view.need("name")})
    return {"message": "created", "reload": True}


IAM = ServicePage("iam", "IAM", "Security", iam_index, actions={"create-user": iam_create_user}, count=iam_count)

# -- Cognito user pools ---------------------------------------------------------------------------


async def _pools(view: View) -> list[dict[str, Any]]:
    return await view.pages("cognito-idp", "ListUserPools", {"MaxResults": 60}, "UserPools")


async def cognito_count(view: View) -> int:
    return len(await _pools(view))


async def cognito_index(view: View) -> Page:
    rows = [
        {"pool": link(view.url("cognito-idp/pool", id=p["Id"]), p.get("Name")), "id": p["Id"],
         "status": p.get("Status"), "created": when(p.get("CreationDate"))}
        for p in await _pools(view)
    ]
    return Page("Cognito user pools", section("User pools", table(rows, empty="No user pools in this account and region.")))


async def cognito_pool(view: View) -> Page:
    pool = view.need("id")
    described = (await view.call("cognito-idp", "DescribeUserPool", {"UserPoolId": pool}))["UserPool"]
    clients = await view.pages("cognito-idp", "ListUserPoolClients", {"UserPoolId": pool, "MaxResults": 60}, "UserPoolClients")
    users = await view.pages("cognito-idp", "ListUsers", {"UserPoolId": pool}, "Users", token="PaginationToken")
    groups = await view.pages("cognito-idp", "ListGroups", {"UserPoolId": pool}, "Groups")
    user_rows = [
        {"username": u.get("Username"), "status": u.get("UserStatus"), "enabled": u.get("Enabled"),
         "attributes": {a["Name"]: a.get("Value") for a in u.get("Attributes") or []}, "created": when(u.get("UserCreateDate"))}
        for u in users
    ]
    body = join([
        section(h("Users ({})", len(user_rows)), table(user_rows, empty="No users.")),
        section(h("App clients ({})", len(clients)), table(clients, ["ClientName", "ClientId"], empty="No app clients.")),
        section(h("Groups ({})", len(groups)), table(groups, ["GroupName", "Description", "Precedence", "RoleArn"], empty="No groups.")),
        section("Pool", kv_table({k: described.get(k) for k in ("Id", "Name", "Arn", "Domain", "MfaConfiguration",
                                                                 "UsernameAttributes", "AutoVerifiedAttributes", "EstimatedNumberOfUsers")})),
    ])
    return Page(str(described.get("Name") or pool), body, (("user pools", view.url("cognito-idp")),))


COGNITO = ServicePage("cognito-idp", "Cognito user pools", "Security", cognito_index,
                      pages={"pool": cognito_pool}, count=cognito_count)

PAGES = (KMS, SECRETS, SSM, IAM, COGNITO)

