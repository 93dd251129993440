"""Users of a pool: created by an administrator or signed up, their passwords, attributes,
groups and the codes that confirm them (shown at ``/_cloudtwin/cognito/codes`` in place
of the e-mail or SMS AWS would send)."""

from __future__ import annotations

import secrets
import string
import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cognito_idp import schema, srp, triggers
from cloudtwin.services.cognito_idp.errors import (
    code_mismatch, expired_code, invalid_parameter, invalid_password, not_authorized, user_not_found,
)  # fmt: skip
from cloudtwin.services.cognito_idp.pools import first_factors, paged

Params = dict[str, Any]
_DAY = 86400
_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")


def pool_name(pool_id: str) -> str:
    return pool_id.split("_", 1)[1]


def check_password(pool: Params, password: str) -> None:
    policy = pool["Policies"]["PasswordPolicy"]
    if len(password) < (policy.get("MinimumLength") or 8):
        raise invalid_password("Password not long enough")
    if policy.get("RequireLowercase") and not any(c.islower() for c in password):
        raise invalid_password("Password must have lowercase characters")
    if policy.get("RequireUppercase") and not any(c.isupper() for c in password):
        raise invalid_password("Password must have uppercase characters")
    if policy.get("RequireNumbers") and not any(c.isdigit() for c in password):
        raise invalid_password("Password must have numeric characters")
    if policy.get("RequireSymbols") and not any(c in _SYMBOLS for c in password):
        raise invalid_password("Password must have symbol characters")


def temporary_password(pool: Params) -> str:
    policy = pool["Policies"]["PasswordPolicy"]
    length = max(policy.get("MinimumLength") or 8, 10)
    chars = [secrets.choice(string.ascii_uppercase), secrets.choice(string.ascii_lowercase),
             secrets.choice(string.digits), secrets.choice("^$*.!@#%&")]  # fmt: skip
    chars += [secrets.choice(string.ascii_letters + string.digits) for _ in range(length - 4)]
    return "".join(chars)


def set_password(pool: Params, user: Params, password: str) -> None:
    user["Password"] = srp.password_hash(password)
    user["Srp"] = list(srp.verifier(pool_name(pool["Id"]), user["Username"], password))


def mask(value: str, medium: str) -> str:
    if medium == "EMAIL" and "@" in value:
        local, domain = value.split("@", 1)
        return f"{local[:1]}***@{domain[:1]}***"
    return f"+*******{value[-4:]}"


def user_view(user: Params, *, with_key: str = "Attributes") -> Params:
    out: Params = {
        "Username": user["Username"], with_key: schema.attribute_list(user["Attributes"]),
        "UserCreateDate": user["UserCreateDate"], "UserLastModifiedDate": user["UserLastModifiedDate"],
        "Enabled": user["Enabled"], "UserStatus": user["UserStatus"],
    }  # fmt: skip
    return out


def _now_attribute(ctx: RequestContext) -> str:
    return str(int(ctx.clock.now()))


class UserHandlers:
    stores: Any
    env: Any

    # -- finding users ------------------------------------------------------------------------

    def user_key(self, pool: Params, username: str) -> tuple[str, str]:
        case = (pool.get("UsernameConfiguration") or {}).get("CaseSensitive", False)
        return pool["Id"], username if case else username.lower()

    def find_user(self, store: Any, pool: Params, username: str) -> Params | None:
        user = store.users.get(self.user_key(pool, username))
        if user is not None:
            return user
        aliases = list(pool.get("UsernameAttributes") or []) + list(pool.get("AliasAttributes") or [])
        for attr in aliases:
            name = {"phone_number": "phone_number", "email": "email", "preferred_username": "preferred_username"}.get(attr, attr)
            for key, candidate in store.users.items():
                if key[0] != pool["Id"]:
                    continue
                value = candidate["Attributes"].get(name)
                if value is None or value.lower() != username.lower():
                    continue
                verified = name == "preferred_username" or candidate["Attributes"].get(f"{name}_verified") == "true"
                if attr in (pool.get("UsernameAttributes") or []) or verified:
                    return candidate
        return None

    def user(self, store: Any, pool: Params, username: str) -> Params:
        user = self.find_user(store, pool, username)
        if user is None:
            raise user_not_found()
        return user

    def save_user(self, store: Any, pool: Params, user: Params) -> None:
        store.users[self.user_key(pool, user["Username"])] = user

    def new_user(self, ctx: RequestContext, pool: Params, username: str, attributes: dict[str, str]) -> Params:
        store = self.stores.get(pool["Arn"].split(":")[4], pool["Id"].split("_", 1)[0])
        internal = username
        if pool.get("UsernameAttributes"):
            kind = "email" if "@" in username else "phone_number"
            if kind not in pool["UsernameAttributes"]:
                raise invalid_parameter("Username should be either an email or a phone number.")
            attributes.setdefault(kind, username)
            internal = str(uuid.uuid4())
        if self.find_user(store, pool, username) is not None or store.users.get(self.user_key(pool, internal)):
            return {}
        now = ctx.clock.now()
        attributes = {"sub": attributes.get("sub") or str(uuid.uuid4()), **{k: v for k, v in attributes.items() if k != "sub"}}
        return {
            "Username": internal, "Attributes": attributes, "UserCreateDate": now, "UserLastModifiedDate": now,
            "Enabled": True, "UserStatus": "UNCONFIRMED", "Groups": [],
        }  # fmt: skip

    def _client_user(self, client: Params, store: Any, pool: Params, username: str, hidden: ServiceError) -> Params:
        """The user a client-side operation names; with PreventUserExistenceErrors the error a
        wrong answer would get (``hidden``) rather than UserNotFoundException."""
        user = self.find_user(store, pool, username)
        if user is None:
            raise hidden if client.get("PreventUserExistenceErrors") == "ENABLED" else user_not_found()
        return user

    # -- codes ----------------------------------------------------------------------------------

    async def send_code(
        self, ctx: RequestContext, store: Any, pool: Params, user: Params, kind: str, source: str,
        client_id: str | None = None, attribute: str | None = None, code: str | None = None,
        metadata: Params | None = None, validity: float = _DAY,
    ) -> Params:  # fmt: skip
        """Make a code (or temporary password) for a user; record it where the codes endpoint
        shows it; run the custom message trigger. The CodeDeliveryDetails AWS answers."""
        code = code or f"{secrets.randbelow(10**6):06d}"
        attrs = user["Attributes"]
        if attribute is None:
            attribute = "email" if attrs.get("email") else ("phone_number" if attrs.get("phone_number") else None)
        medium = "SMS" if attribute == "phone_number" else "EMAIL"
        destination = attrs.get(attribute) if attribute else None
        message = None
        request: Params = {"userAttributes": dict(attrs), "codeParameter": "{####}", "usernameParameter": None,
                           "clientMetadata": metadata or {}}  # fmt: skip
        if kind == "TEMPORARY_PASSWORD":
            request["usernameParameter"] = "{username}"
        answer = await triggers.invoke(self.env, pool, "CustomMessage", source, user["Username"], request,
                                       {"smsMessage": None, "emailMessage": None, "emailSubject": None}, client_id)  # fmt: skip
        if answer:
            template = answer.get("emailMessage") if medium == "EMAIL" else answer.get("smsMessage")
            if template:
                message = str(template).replace("{####}", code).replace("{username}", user["Username"])
        now = ctx.clock.now()
        store.codes[uuid.uuid4().hex] = {
            "PoolId": pool["Id"], "Username": user["Username"], "Kind": kind, "Code": code, "Attribute": attribute,
            "Destination": destination, "Medium": medium, "Time": now, "Expires": now + validity,
            "Message": message, "ClientId": client_id, "Used": False,
        }  # fmt: skip
        if not destination:
            return {}
        return {"Destination": mask(destination, medium), "DeliveryMedium": medium, "AttributeName": attribute}

    def use_code(self, ctx: RequestContext, store: Any, pool: Params, user: Params, kind: str, code: str) -> None:
        """Accept the newest code of this kind, or raise CodeMismatch / ExpiredCode."""
        mine = [(cid, c) for cid, c in store.codes.items()
                if c["PoolId"] == pool["Id"] and c["Username"] == user["Username"] and c["Kind"] == kind]  # fmt: skip
        if not mine:
            raise code_mismatch()
        cid, latest = max(mine, key=lambda pair: pair[1]["Time"])
        if latest["Code"] != code or latest["Used"]:
            raise code_mismatch()
        if latest["Expires"] <= ctx.clock.now():
            raise expired_code()
        latest["Used"] = True
        store.codes.save(cid)

    # -- administrators ---------------------------------------------------------------------------

    async def admin_create_user(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        attributes = schema.attribute_dict(params.get("UserAttributes"))
        schema.check_attributes(pool, attributes, creating=True)
        username = params["Username"]
        existing = self.find_user(store, pool, username)
        if params.get("MessageAction") == "RESEND":
            if existing is None:
                raise user_not_found()
            if existing["UserStatus"] != "FORCE_CHANGE_PASSWORD":
                raise ServiceError("UnsupportedUserStateException", "Resend not possible. User doesn't exist or is already confirmed.")  # noqa: E501
            user = existing
        else:
            if existing is not None:
                raise ServiceError("UsernameExistsException", "User account already exists")
            user = self.new_user(ctx, pool, username, attributes)
            if not user:
                raise ServiceError("UsernameExistsException", "User account already exists")
            await triggers.invoke(
                self.env, pool, "PreSignUp", "PreSignUp_AdminCreateUser", user["Username"],
                {"userAttributes": dict(user["Attributes"]), "validationData": schema.attribute_dict(params.get("ValidationData")),
                 "clientMetadata": params.get("ClientMetadata") or {}},
                {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
            )  # fmt: skip
        password = params.get("TemporaryPassword")
        if password:
            check_password(pool, password)
        else:
            password = temporary_password(pool)
        set_password(pool, user, password)
        user["UserStatus"] = "FORCE_CHANGE_PASSWORD"
        validity = pool["Policies"]["PasswordPolicy"].get("TemporaryPasswordValidityDays") or 7
        user["TempExpires"] = ctx.clock.now() + validity * _DAY
        self.save_user(store, pool, user)
        if params.get("MessageAction") != "SUPPRESS":
            await self.send_code(ctx, store, pool, user, "TEMPORARY_PASSWORD", "CustomMessage_AdminCreateUser",
                                 code=password, metadata=params.get("ClientMetadata"), validity=validity * _DAY)  # fmt: skip
        return {"User": user_view(user)}

    def admin_get_user(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        out = user_view(user, with_key="UserAttributes")
        out.update(self.mfa_view(user))  # type: ignore[attr-defined]
        return out

    def admin_delete_user(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        del store.users[self.user_key(pool, user["Username"])]
        return {}

    def admin_disable_user(self, ctx: RequestContext, params: Params) -> Params:
        return self._enable(ctx, params, False)

    def admin_enable_user(self, ctx: RequestContext, params: Params) -> Params:
        return self._enable(ctx, params, True)

    def _enable(self, ctx: RequestContext, params: Params, enabled: bool) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        user["Enabled"] = enabled
        self.save_user(store, pool, user)
        return {}

    def admin_set_user_password(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        check_password(pool, params["Password"])
        set_password(pool, user, params["Password"])
        if params.get("Permanent"):
            user["UserStatus"] = "CONFIRMED"
            user.pop("TempExpires", None)
        else:
            user["UserStatus"] = "FORCE_CHANGE_PASSWORD"
            validity = pool["Policies"]["PasswordPolicy"].get("TemporaryPasswordValidityDays") or 7
            user["TempExpires"] = ctx.clock.now() + validity * _DAY
        user["UserLastModifiedDate"] = ctx.clock.now()
        self.save_user(store, pool, user)
        return {}

    async def admin_reset_user_password(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        user["UserStatus"] = "RESET_REQUIRED"
        self.save_user(store, pool, user)
        await self.send_code(ctx, store, pool, user, "FORGOT_PASSWORD", "CustomMessage_ForgotPassword",
                             metadata=params.get("ClientMetadata"), validity=3600)  # fmt: skip
        return {}

    def admin_update_user_attributes(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        self._update_attributes(ctx, pool, user, params["UserAttributes"], admin=True)
        self.save_user(store, pool, user)
        return {}

    def _update_attributes(self, ctx: RequestContext, pool: Params, user: Params, items: list, admin: bool) -> list[str]:
        changes = schema.attribute_dict(items)
        schema.check_attributes(pool, changes, creating=False)
        if "sub" in changes:
            raise invalid_parameter("Cannot modify an immutable attribute: sub")
        changed = []
        for name, value in changes.items():
            if user["Attributes"].get(name) != value:
                changed.append(name)
            user["Attributes"][name] = value
            if name in ("email", "phone_number") and f"{name}_verified" not in changes and name in changed:
                auto = name in (pool.get("AutoVerifiedAttributes") or [])
                user["Attributes"][f"{name}_verified"] = "false" if (auto or not admin) else user["Attributes"].get(f"{name}_verified", "false")
        user["UserLastModifiedDate"] = ctx.clock.now()
        return changed

    def admin_delete_user_attributes(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        for name in params["UserAttributeNames"]:
            user["Attributes"].pop(name, None)
        self.save_user(store, pool, user)
        return {}

    async def admin_confirm_sign_up(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        if user["UserStatus"] != "UNCONFIRMED":
            raise not_authorized(f"User cannot be confirmed. Current status is {user['UserStatus']}")
        await self._confirm(ctx, store, pool, user, "PostConfirmation_ConfirmSignUp", None, params.get("ClientMetadata"))
        return {}

    async def _confirm(self, ctx, store, pool, user, source, client_id, metadata) -> None:
        user["UserStatus"] = "CONFIRMED"
        self.save_user(store, pool, user)
        await triggers.invoke(self.env, pool, "PostConfirmation", source, user["Username"],
                              {"userAttributes": dict(user["Attributes"]), "clientMetadata": metadata or {}},
                              client_id=client_id)  # fmt: skip

    def admin_add_user_to_group(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        self.group(store, pool["Id"], params["GroupName"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        if params["GroupName"] not in user["Groups"]:
            user["Groups"].append(params["GroupName"])
            self.save_user(store, pool, user)
        return {}

    def admin_remove_user_from_group(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        self.group(store, pool["Id"], params["GroupName"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        if params["GroupName"] in user["Groups"]:
            user["Groups"].remove(params["GroupName"])
            self.save_user(store, pool, user)
        return {}

    def admin_list_groups_for_user(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        user = self.user(store, pool, params["Username"])
        groups = [dict(store.groups[(pool["Id"], g)]) for g in user["Groups"] if (pool["Id"], g) in store.groups]
        return paged(params, groups, "Groups", limit_name="Limit")

    def list_users_in_group(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        self.group(store, pool["Id"], params["GroupName"])  # type: ignore[attr-defined]
        users = [user_view(u) for k, u in store.users.items() if k[0] == pool["Id"] and params["GroupName"] in u["Groups"]]
        return paged(params, users, "Users", limit_name="Limit")

    def list_users(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        users = [u for k, u in store.users.items() if k[0] == pool["Id"]]
        flt = params.get("Filter")
        if flt:
            users = [u for u in users if _filter_matches(flt, u)]
        views = [user_view(u) for u in users]
        wanted = params.get("AttributesToGet")
        if wanted is not None:
            for view in views:
                view["Attributes"] = [a for a in view["Attributes"] if a["Name"] in wanted]
        return paged(params, views, "Users", token="PaginationToken", limit_name="Limit")

    # -- the users themselves -------------------------------------------------------------------

    async def sign_up(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client_anywhere(ctx, params["ClientId"])  # type: ignore[attr-defined]
        self.check_secret_hash(client, params["Username"], params.get("SecretHash"))  # type: ignore[attr-defined]
        if (pool.get("AdminCreateUserConfig") or {}).get("AllowAdminCreateUserOnly"):
            raise not_authorized("SignUp is not permitted for this user pool")
        attributes = schema.attribute_dict(params.get("UserAttributes"))
        schema.check_attributes(pool, attributes, creating=True)
        if self.find_user(store, pool, params["Username"]) is not None:
            raise ServiceError("UsernameExistsException", "User already exists")
        password = params.get("Password")
        if password is None:
            if first_factors(pool) == ["PASSWORD"]:  # only passwordless pools sign up without one
                raise invalid_parameter("Password is required.")  # not an AWS text
        else:
            check_password(pool, password)
        user = self.new_user(ctx, pool, params["Username"], attributes)
        if not user:
            raise ServiceError("UsernameExistsException", "User already exists")
        answer = await triggers.invoke(
            self.env, pool, "PreSignUp", "PreSignUp_SignUp", user["Username"],
            {"userAttributes": dict(user["Attributes"]), "validationData": schema.attribute_dict(params.get("ValidationData")),
             "clientMetadata": params.get("ClientMetadata") or {}},
            {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False}, client["ClientId"],
        )  # fmt: skip
        if password is not None:
            set_password(pool, user, password)
        answer = answer or {}
        if answer.get("autoVerifyEmail") and user["Attributes"].get("email"):
            user["Attributes"]["email_verified"] = "true"
        if answer.get("autoVerifyPhone") and user["Attributes"].get("phone_number"):
            user["Attributes"]["phone_number_verified"] = "true"
        self.save_user(store, pool, user)
        delivery: Params = {}
        if answer.get("autoConfirmUser"):
            await self._confirm(ctx, store, pool, user, "PostConfirmation_ConfirmSignUp", client["ClientId"],
                                params.get("ClientMetadata"))  # fmt: skip
        elif _verified_by(pool, user):  # a code only where the pool verifies an attribute
            delivery = await self.send_code(ctx, store, pool, user, "SIGN_UP", "CustomMessage_SignUp", client["ClientId"],
                                            attribute=_verified_by(pool, user), metadata=params.get("ClientMetadata"))  # fmt: skip
        out: Params = {"UserConfirmed": user["UserStatus"] == "CONFIRMED", "UserSub": user["Attributes"]["sub"]}
        if delivery:
            out["CodeDeliveryDetails"] = delivery
        return out

    async def confirm_sign_up(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client_anywhere(ctx, params["ClientId"])  # type: ignore[attr-defined]
        self.check_secret_hash(client, params["Username"], params.get("SecretHash"))  # type: ignore[attr-defined]
        user = self._client_user(client, store, pool, params["Username"], code_mismatch())
        if user["UserStatus"] == "CONFIRMED" and not params.get("ForceAliasCreation"):
            raise not_authorized("User cannot be confirmed. Current status is CONFIRMED")
        self.use_code(ctx, store, pool, user, "SIGN_UP", params["ConfirmationCode"])
        verified = _verified_by(pool, user)
        if verified:  # the code went there: the address is verified
            user["Attributes"][f"{verified}_verified"] = "true"
        await self._confirm(ctx, store, pool, user, "PostConfirmation_ConfirmSignUp", client["ClientId"],
                            params.get("ClientMetadata"))  # fmt: skip
        return {}

    async def resend_confirmation_code(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client_anywhere(ctx, params["ClientId"])  # type: ignore[attr-defined]
        self.check_secret_hash(client, params["Username"], params.get("SecretHash"))  # type: ignore[attr-defined]
        user = self.find_user(store, pool, params["Username"])
        if user is None:
            if client.get("PreventUserExistenceErrors") == "ENABLED":
                return {"CodeDeliveryDetails": _simulated_delivery(params["Username"])}
            raise user_not_found()
        if user["UserStatus"] == "CONFIRMED":
            raise invalid_parameter("User is already confirmed.")
        if not _verified_by(pool, user):
            raise invalid_parameter("Cannot resend codes. Auto verification not turned on.")
        delivery = await self.send_code(ctx, store, pool, user, "SIGN_UP", "CustomMessage_ResendCode", client["ClientId"],
                                        attribute=_verified_by(pool, user), metadata=params.get("ClientMetadata"))  # fmt: skip
        return {"CodeDeliveryDetails": delivery}

    async def forgot_password(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client_anywhere(ctx, params["ClientId"])  # type: ignore[attr-defined]
        self.check_secret_hash(client, params["Username"], params.get("SecretHash"))  # type: ignore[attr-defined]
        user = self.find_user(store, pool, params["Username"])
        if user is None:
            try:
                user = await self._migrate_for_reset(ctx, store, pool, client, params)
            except ServiceError as error:
                if error.code == "UserNotFoundException" and client.get("PreventUserExistenceErrors") == "ENABLED":
                    return {"CodeDeliveryDetails": _simulated_delivery(params["Username"])}
                raise
        if not user["Enabled"]:
            raise not_authorized("User is disabled.")
        attrs = user["Attributes"]
        verified = next((a for a in ("email", "phone_number") if attrs.get(a) and attrs.get(f"{a}_verified") == "true"), None)
        if verified is None:
            raise invalid_parameter("Cannot reset password for the user as there is no registered/verified email or phone_number")
        delivery = await self.send_code(ctx, store, pool, user, "FORGOT_PASSWORD", "CustomMessage_ForgotPassword",
                                        client["ClientId"], attribute=verified, metadata=params.get("ClientMetadata"),
                                        validity=3600)  # fmt: skip
        return {"CodeDeliveryDetails": delivery}

    async def _migrate_for_reset(self, ctx, store, pool, client, params: Params) -> Params:
        """A user the pool does not know, brought in by the user migration trigger
        (``UserMigration_ForgotPassword``: no password; the user must reset it)."""
        answer = await triggers.invoke(
            self.env, pool, "UserMigration", "UserMigration_ForgotPassword", params["Username"],
            {"password": None, "validationData": None, "clientMetadata": params.get("ClientMetadata") or {}},
            {"userAttributes": None, "forceAliasCreation": None, "enableSMSMFA": None, "finalUserStatus": None,
             "messageAction": None, "desiredDeliveryMediums": None}, client["ClientId"],
        )  # fmt: skip
        if not answer or not isinstance(answer.get("userAttributes"), dict):
            raise user_not_found()
        attributes = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in answer["userAttributes"].items()}
        user = self.new_user(ctx, pool, params["Username"], attributes)
        if not user:
            raise user_not_found()
        user["UserStatus"] = "RESET_REQUIRED"
        self.save_user(store, pool, user)
        return user

    async def confirm_forgot_password(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client = self.client_anywhere(ctx, params["ClientId"])  # type: ignore[attr-defined]
        self.check_secret_hash(client, params["Username"], params.get("SecretHash"))  # type: ignore[attr-defined]
        user = self._client_user(client, store, pool, params["Username"], code_mismatch())
        check_password(pool, params["Password"])
        self.use_code(ctx, store, pool, user, "FORGOT_PASSWORD", params["ConfirmationCode"])
        set_password(pool, user, params["Password"])
        user["UserStatus"] = "CONFIRMED"
        user.pop("TempExpires", None)
        self.save_user(store, pool, user)
        await triggers.invoke(self.env, pool, "PostConfirmation", "PostConfirmation_ConfirmForgotPassword",
                              user["Username"], {"userAttributes": dict(user["Attributes"]),
                                                 "clientMetadata": params.get("ClientMetadata") or {}},
                              client_id=client["ClientId"])  # fmt: skip
        return {}

    def change_password(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        if not srp.password_matches(params.get("PreviousPassword") or "", user["Password"]):
            raise not_authorized()
        check_password(pool, params["ProposedPassword"])
        set_password(pool, user, params["ProposedPassword"])
        self.save_user(store, pool, user)
        return {}

    def get_user(self, ctx: RequestContext, params: Params) -> Params:
        _, _, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        out = {"Username": user["Username"], "UserAttributes": schema.attribute_list(user["Attributes"])}
        out.update(self.mfa_view(user))  # type: ignore[attr-defined]
        return out

    def delete_user(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        del store.users[self.user_key(pool, user["Username"])]
        return {}

    async def update_user_attributes(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, claims = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        changed = self._update_attributes(ctx, pool, user, params["UserAttributes"], admin=False)
        self.save_user(store, pool, user)
        details = []
        for name in changed:
            if name in ("email", "phone_number"):
                details.append(await self.send_code(
                    ctx, store, pool, user, f"VERIFY:{name}", "CustomMessage_UpdateUserAttribute", claims.get("client_id"),
                    attribute=name, metadata=params.get("ClientMetadata"),
                ))  # fmt: skip
        return {"CodeDeliveryDetailsList": [d for d in details if d]}

    def delete_user_attributes(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        for name in params["UserAttributeNames"]:
            user["Attributes"].pop(name, None)
        self.save_user(store, pool, user)
        return {}

    async def get_user_attribute_verification_code(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, claims = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        name = params["AttributeName"]
        if not user["Attributes"].get(name):
            raise invalid_parameter(f"{name} is not a valid attribute for verification")
        delivery = await self.send_code(ctx, store, pool, user, f"VERIFY:{name}", "CustomMessage_VerifyUserAttribute",
                                        claims.get("client_id"), attribute=name, metadata=params.get("ClientMetadata"))  # fmt: skip
        return {"CodeDeliveryDetails": delivery}

    def verify_user_attribute(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        name = params["AttributeName"]
        self.use_code(ctx, store, pool, user, f"VERIFY:{name}", params["Code"])
        user["Attributes"][f"{name}_verified"] = "true"
        self.save_user(store, pool, user)
        return {}


def _verified_by(pool: Params, user: Params) -> str | None:
    """The attribute a sign-up code goes to: one the pool verifies automatically (the
    phone number first, as AWS sends an SMS when it verifies both), else none."""
    auto = pool.get("AutoVerifiedAttributes") or []
    return next((a for a in ("phone_number", "email") if a in auto and user["Attributes"].get(a)), None)


def _simulated_delivery(username: str) -> Params:
    """What AWS answers for a user that does not exist when the client hides that."""
    return {"Destination": mask(username if "@" in username else "user@example.com", "EMAIL"), "DeliveryMedium": "EMAIL",
            "AttributeName": "email"}  # fmt: skip


def _filter_matches(expression: str, user: Params) -> bool:
    """ListUsers' filter: ``name = "value"`` or ``name ^= "prefix"`` (status and username too)."""
    for op in ("^=", "="):
        if op in expression:
            name, _, value = expression.partition(op)
            name, value = name.strip(), value.strip().strip('"')
            break
    else:
        raise invalid_parameter("Error while parsing filter.")
    if name == "username":
        actual = user["Username"]
    elif name in ("status", "cognito:user_status"):
        actual = user["UserStatus"] if name == "cognito:user_status" else ("Enabled" if user["Enabled"] else "Disabled")
    else:
        actual = user["Attributes"].get(name)
    if actual is None:
        return False
    return actual.startswith(value) if op == "^=" else actual == value
