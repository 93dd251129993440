"""Credentials of users: access keys (registered with the gateway so they sign requests as
their user), login profiles and the account password policy, MFA devices, SSH public keys,
signing certificates and service-specific credentials."""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.gateway.identity import Identity
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.iam import entities as E
from cloudtwin.services.iam.errors import (
    already_exists,
    delete_conflict,
    invalid_input,
    limit_exceeded,
    no_such_entity,
)
from cloudtwin.services.iam.models import (
    AccessKey,
    IamStore,
    LoginProfile,
    MfaDevice,
    ServiceCredential,
    SigningCertificate,
    SshKey,
    User,
    new_id,
    new_secret,
)
from cloudtwin.services.iam.pagination import paginate

Params = dict[str, Any]

MAX_ACCESS_KEYS = 2
_PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


#: The ``user_name`` of an account root's own access keys.
ROOT_USER = "<root_account>"


def _shown(user_name: str) -> str:
    return "root" if user_name == ROOT_USER else user_name


def key_identity(store: IamStore, key: AccessKey) -> Identity | None:
    """The gateway identity an access key acts as (None when its user is gone)."""
    if key.user_name == ROOT_USER:
        account = store.account_id
        return Identity(
            account_id=account,
            arn=f"arn:{{partition}}:iam::{account}:root",
            user_id=account,
            access_key_id=key.key_id,
            is_root=True,
            disabled=key.status != "Active",
            secret=key.secret,
        )
    user = store.users.get(key.user_name.lower())
    if user is None:
        return None
    return Identity(
        account_id=store.account_id,
        arn=user.arn,
        user_id=user.id,
        access_key_id=key.key_id,
        is_root=False,
        disabled=key.status != "Active",
        secret=key.secret,
    )


def check_password(store: IamStore, password: str) -> None:
    policy = store.account.password_policy
    if not policy:
        return
    ok = len(password) >= policy.get("MinimumPasswordLength", 6)
    if policy.get("RequireSymbols"):
        ok = ok and any(not c.isalnum() for c in password)
    if policy.get("RequireNumbers"):
        ok = ok and any(c.isdigit() for c in password)
    if policy.get("RequireUppercaseCharacters"):
        ok = ok and any(c.isupper() for c in password)
    if policy.get("RequireLowercaseCharacters"):
        ok = ok and any(c.islower() for c in password)
    if not ok:
        raise ServiceError(
            "PasswordPolicyViolation", "Password does not conform to the account password policy."
        )


#: The services that take service-specific credentials.
CREDENTIAL_SERVICES = frozenset(
    {"codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"}
)


def _check_credential_service(service: str) -> None:
    if service not in CREDENTIAL_SERVICES:
        raise no_such_entity(f"No such service {service} is supported for Service Specific Credentials")  # noqa: E501


class CredentialHandlers:
    """Users' credentials (mixed into the IAM provider)."""

    def _caller_name(self, ctx: RequestContext, params: Params) -> str:
        """The user named in the request, else the calling IAM user, else (for an
        account's root) :data:`ROOT_USER`: the root's own credentials."""
        name = params.get("UserName")
        if name:
            return E.user(ctx.store, name).name
        arn = ctx.identity.arn
        if arn.endswith(":root"):
            return ROOT_USER
        if ":user/" not in arn:
            raise invalid_input("Must specify userName when calling with non-User credentials")
        name = arn.rsplit("/", 1)[-1]
        if ctx.identity.is_root and name.lower() not in ctx.store.users:
            return ROOT_USER  # the default principal, which IAM does not list: the account's keys
        return E.user(ctx.store, name).name

    def _caller_user(self, ctx: RequestContext, params: Params) -> User:
        """The user named in the request, else the calling IAM user (the root is none)."""
        name = self._caller_name(ctx, params)
        if name == ROOT_USER:
            raise no_such_entity("The user with name root cannot be found.")
        return E.user(ctx.store, name)

    def register_key(self, store: IamStore, key: AccessKey) -> None:
        identity = key_identity(store, key)
        if identity is not None:
            self.env.identities.register(identity)  # type: ignore[attr-defined]

    # -- access keys ---------------------------------------------------------------------------

    def create_access_key(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = self._caller_name(ctx, params)
        if sum(1 for k in store.access_keys.values() if k.user_name == name) >= MAX_ACCESS_KEYS:
            raise limit_exceeded(f"Cannot exceed quota for AccessKeysPerUser: {MAX_ACCESS_KEYS}")
        key = AccessKey(new_id("AKIA", 20), new_secret(), name, "Active", ctx.clock.now())
        store.access_keys[key.key_id] = key
        self.register_key(store, key)
        return {
            "AccessKey": {
                "UserName": _shown(name),
                "AccessKeyId": key.key_id,
                "Status": key.status,
                "SecretAccessKey": key.secret,
                "CreateDate": E.when(key.created),
            }
        }

    def _key(self, ctx: RequestContext, params: Params) -> AccessKey:
        store: IamStore = ctx.store
        key = store.access_keys.get(params["AccessKeyId"])
        name = self._caller_name(ctx, params)
        if key is None or key.user_name != name:
            raise no_such_entity(f"The Access Key with id {params['AccessKeyId']} cannot be found.")
        return key

    def update_access_key(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        key = self._key(ctx, params)
        key.status = params["Status"]
        store.access_keys.save(key.key_id)
        self.register_key(store, key)

    def delete_access_key(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        key = self._key(ctx, params)
        del store.access_keys[key.key_id]
        self.env.identities.forget(key.key_id)  # type: ignore[attr-defined]

    def list_access_keys(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = self._caller_name(ctx, params)
        keys = [k for k in store.access_keys.values() if k.user_name == name]
        return paginate(
            keys,
            params,
            "AccessKeyMetadata",
            lambda k: {
                "UserName": _shown(k.user_name),
                "AccessKeyId": k.key_id,
                "Status": k.status,
                "CreateDate": E.when(k.created),
            },
        )

    def get_access_key_last_used(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        key = store.access_keys.get(params["AccessKeyId"])
        last: Params = {"ServiceName": "N/A", "Region": "N/A"}
        if key is None:  # a key IAM did not issue (cloudtwin accepts any): never used
            return {"AccessKeyLastUsed": last}
        if key.last_used is not None:
            last = {
                "LastUsedDate": E.when(key.last_used),
                "ServiceName": key.last_used_service,
                "Region": key.last_used_region,
            }
        return {"UserName": _shown(key.user_name), "AccessKeyLastUsed": last}

    # -- login profiles and passwords ----------------------------------------------------------

    def _login(self, store: IamStore, user: User) -> LoginProfile:
        found = store.login_profiles.get(user.name)
        if found is None:
            raise no_such_entity(f"Login Profile for User {user.name} cannot be found.")
        return found

    @staticmethod
    def _login_view(p: LoginProfile) -> Params:
        return {
            "UserName": p.user_name,
            "CreateDate": E.when(p.created),
            "PasswordResetRequired": p.reset_required,
        }

    def create_login_profile(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        user = self._caller_user(ctx, params)
        if user.name in store.login_profiles:
            raise already_exists(f"Login Profile for user {user.name} already exists.")
        password = params.get("Password") or ""
        check_password(store, password)
        profile = LoginProfile(
            user.name, ctx.clock.now(), password, bool(params.get("PasswordResetRequired"))
        )
        store.login_profiles[user.name] = profile
        return {"LoginProfile": self._login_view(profile)}

    def get_login_profile(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        return {"LoginProfile": self._login_view(self._login(store, self._caller_user(ctx, params)))}

    def update_login_profile(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        profile = self._login(store, E.user(store, params["UserName"]))
        if params.get("Password") is not None:
            check_password(store, params["Password"])
            profile.password = params["Password"]
        if "PasswordResetRequired" in params:
            profile.reset_required = params["PasswordResetRequired"]
        store.login_profiles.save(profile.user_name)

    def delete_login_profile(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        profile = self._login(store, self._caller_user(ctx, params))
        del store.login_profiles[profile.user_name]

    def change_password(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        if ":user/" not in ctx.identity.arn:
            raise ServiceError(
                "InvalidUserType", "Only IAM users can change their own password."
            )
        if self._caller_name(ctx, {}) == ROOT_USER:  # the default user, which has no console password
            raise no_such_entity(f"Login Profile for User {ctx.identity.arn.rsplit('/', 1)[-1]} cannot be found.")
        profile = self._login(store, self._caller_user(ctx, {}))
        if not secrets.compare_digest(profile.password, params["OldPassword"]):
            raise invalid_input("The old password was incorrect.")
        check_password(store, params["NewPassword"])
        profile.password = params["NewPassword"]
        profile.reset_required = False
        store.login_profiles.save(profile.user_name)

    def update_account_password_policy(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        policy = {
            "MinimumPasswordLength": params.get("MinimumPasswordLength", 6),
            "RequireSymbols": params.get("RequireSymbols", False),
            "RequireNumbers": params.get("RequireNumbers", False),
            "RequireUppercaseCharacters": params.get("RequireUppercaseCharacters", False),
            "RequireLowercaseCharacters": params.get("RequireLowercaseCharacters", False),
            "AllowUsersToChangePassword": params.get("AllowUsersToChangePassword", False),
            "ExpirePasswords": bool(params.get("MaxPasswordAge")),
        }
        for optional in ("MaxPasswordAge", "PasswordReusePrevention", "HardExpiry"):
            if optional in params:
                policy[optional] = params[optional]
        store.account.password_policy = policy
        store.save_account()

    def get_account_password_policy(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        if store.account.password_policy is None:
            raise no_such_entity(
                f"The Password Policy with domain name {ctx.account_id} cannot be found."
            )
        return {"PasswordPolicy": dict(store.account.password_policy)}

    def delete_account_password_policy(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        if store.account.password_policy is None:
            raise no_such_entity(
                f"The Password Policy with domain name {ctx.account_id} cannot be found."
            )
        store.account.password_policy = None
        store.save_account()

    # -- MFA devices ---------------------------------------------------------------------------

    def _mfa(self, store: IamStore, serial: str) -> MfaDevice:
        found = store.mfa_devices.get(serial)
        if found is None:
            raise no_such_entity(f"MFA Device with serial number {serial} does not exist.")
        return found

    def create_virtual_mfa_device(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        path = E.check_path(params.get("Path"))
        serial = f"arn:{ctx.partition}:iam::{ctx.account_id}:mfa{path}{params['VirtualMFADeviceName']}"
        if serial in store.mfa_devices:
            raise already_exists("MFADevice entity at the same path and name already exists.")
        tags = params.get("Tags") or []
        E.check_tags(tags)
        seed = base64.b32encode(secrets.token_bytes(40))
        device = MfaDevice(serial, seed, ctx.clock.now(), tags=list(tags))
        store.mfa_devices[serial] = device
        out: Params = {"SerialNumber": serial, "Base32StringSeed": seed, "QRCodePNG": _PNG_1X1}
        if device.tags:
            out["Tags"] = list(device.tags)
        return {"VirtualMFADevice": out}

    def enable_mfa_device(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        device = store.mfa_devices.get(params["SerialNumber"])
        if device is None:  # a hardware device: known only once enabled
            device = MfaDevice(params["SerialNumber"], b"", ctx.clock.now())
        if device.user_name is not None:
            raise already_exists("MFA Device is already in use.")
        if params["AuthenticationCode1"] == params["AuthenticationCode2"]:
            raise ServiceError(
                "InvalidAuthenticationCode", "Authentication code for device is not valid."
            )
        device.user_name = user.name
        device.enabled = ctx.clock.now()
        store.mfa_devices[device.serial] = device

    def deactivate_mfa_device(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        device = self._mfa(store, params["SerialNumber"])
        user = self._caller_user(ctx, params)
        if device.user_name != user.name:
            raise no_such_entity(
                f"MFA Device with serial number {device.serial} does not exist."
            )
        device.user_name = None
        device.enabled = None
        if not device.seed:  # hardware devices vanish once deactivated
            del store.mfa_devices[device.serial]
        else:
            store.mfa_devices.save(device.serial)

    def resync_mfa_device(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        E.user(store, params["UserName"])
        self._mfa(store, params["SerialNumber"])

    def delete_virtual_mfa_device(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        device = self._mfa(store, params["SerialNumber"])
        if device.user_name is not None:
            raise delete_conflict("MFA VirtualDevice in use. Must deactivate first.")
        del store.mfa_devices[device.serial]

    def get_mfa_device(self, ctx: RequestContext, params: Params) -> Params:
        device = self._mfa(ctx.store, params["SerialNumber"])
        out: Params = {"SerialNumber": device.serial}
        if device.user_name:
            out["UserName"] = device.user_name
            out["EnableDate"] = E.when(device.enabled)
        return out

    def list_mfa_devices(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = self._caller_name(ctx, params)
        devices = [d for d in store.mfa_devices.values() if d.user_name == name]
        return paginate(
            devices, params, "MFADevices",
            lambda d: {"UserName": _shown(name), "SerialNumber": d.serial, "EnableDate": E.when(d.enabled)},
        )  # fmt: skip

    def list_virtual_mfa_devices(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        status = params.get("AssignmentStatus") or "Any"
        devices = [
            d for d in store.mfa_devices.values()
            if d.seed and (status == "Any" or (status == "Assigned") == (d.user_name is not None))
        ]  # fmt: skip

        def view(d: MfaDevice) -> Params:
            out: Params = {"SerialNumber": d.serial}
            if d.user_name and d.user_name.lower() in store.users:
                out["User"] = E.user_view(store.users[d.user_name.lower()], with_tags=False)
                out["EnableDate"] = E.when(d.enabled)
            if d.tags:
                out["Tags"] = list(d.tags)
            return out

        return paginate(devices, params, "VirtualMFADevices", view)

    def tag_mfa_device(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        device = self._mfa(store, params["SerialNumber"])
        device.tags = E.merge_tags(device.tags, params["Tags"])
        store.mfa_devices.save(device.serial)

    def untag_mfa_device(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        device = self._mfa(store, params["SerialNumber"])
        device.tags = E.drop_tags(device.tags, params["TagKeys"])
        store.mfa_devices.save(device.serial)

    def list_mfa_device_tags(self, ctx: RequestContext, params: Params) -> Params:
        return paginate(self._mfa(ctx.store, params["SerialNumber"]).tags, params, "Tags")

    # -- SSH public keys -----------------------------------------------------------------------

    def _ssh(self, store: IamStore, user: User, key_id: str) -> SshKey:
        key = store.ssh_keys.get(key_id)
        if key is None or key.user_name != user.name:
            raise no_such_entity(f"The Public Key with id {key_id} cannot be found.")
        return key

    def upload_ssh_public_key(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        body = params["SSHPublicKeyBody"].strip()
        parts = body.split()
        try:
            raw = base64.b64decode(parts[1], validate=True) if len(parts) >= 2 else b""
        except ValueError:
            raw = b""
        if not raw or not parts[0].startswith(("ssh-", "ecdsa-")):
            raise ServiceError("InvalidPublicKey", "Public key is malformed.")
        if any(k.body == body and k.user_name == user.name for k in store.ssh_keys.values()):
            raise ServiceError("DuplicateSSHPublicKey", "Public key already exists.")
        digest = hashlib.md5(raw).hexdigest()  # noqa: S324 - the fingerprint format AWS uses
        key = SshKey(
            new_id("APKA"), user.name, body,
            ":".join(digest[i : i + 2] for i in range(0, 32, 2)), "Active", ctx.clock.now(),
        )  # fmt: skip
        store.ssh_keys[key.key_id] = key
        return {"SSHPublicKey": self._ssh_view(key, full=True)}

    @staticmethod
    def _ssh_view(k: SshKey, *, full: bool) -> Params:
        out: Params = {
            "UserName": k.user_name,
            "SSHPublicKeyId": k.key_id,
            "Status": k.status,
            "UploadDate": E.when(k.uploaded),
        }
        if full:
            out["Fingerprint"] = k.fingerprint
            out["SSHPublicKeyBody"] = k.body
        return out

    def get_ssh_public_key(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        key = self._ssh(store, E.user(store, params["UserName"]), params["SSHPublicKeyId"])
        return {"SSHPublicKey": self._ssh_view(key, full=True)}

    def list_ssh_public_keys(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = self._caller_name(ctx, params)
        keys = [k for k in store.ssh_keys.values() if k.user_name == name]
        return paginate(keys, params, "SSHPublicKeys", lambda k: self._ssh_view(k, full=False))

    def update_ssh_public_key(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        key = self._ssh(store, E.user(store, params["UserName"]), params["SSHPublicKeyId"])
        key.status = params["Status"]
        store.ssh_keys.save(key.key_id)

    def delete_ssh_public_key(self, ctx: RequestContext, params: Params) -> None:
        store: IamStore = ctx.store
        key = self._ssh(store, E.user(store, params["UserName"]), params["SSHPublicKeyId"])
        del store.ssh_keys[key.key_id]

    # -- signing certificates ------------------------------------------------------------------

    @staticmethod
    def _cert_view(c: SigningCertificate) -> Params:
        return {
            "UserName": _shown(c.user_name),
            "CertificateId": c.cert_id,
            "CertificateBody": c.body,
            "Status": c.status,
            "UploadDate": E.when(c.uploaded),
        }

    def _signing(self, ctx: RequestContext, params: Params) -> SigningCertificate:
        store: IamStore = ctx.store
        owner = self._caller_name(ctx, params)
        cert = store.signing_certificates.get(params["CertificateId"])
        if cert is None or cert.user_name != owner:
            raise no_such_entity(
                f"The Certificate with id {params['CertificateId']} cannot be found."
            )
        return cert

    def upload_signing_certificate(self, ctx: RequestContext, params: Params) -> Params:
        from cloudtwin.services.iam.federation import parse_certificate

        store: IamStore = ctx.store
        # Without UserName, the caller's own: an account's root may have signing
        # certificates too ("you can use this operation to manage Amazon Web Services
        # account root user credentials even if the account has no associated users").
        owner = self._caller_name(ctx, params)
        parse_certificate(params["CertificateBody"])
        cert = SigningCertificate(
            new_id("", 32), owner, params["CertificateBody"], "Active", ctx.clock.now()
        )
        store.signing_certificates[cert.cert_id] = cert
        return {"Certificate": self._cert_view(cert)}

    def list_signing_certificates(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        name = self._caller_name(ctx, params)
        certs = [c for c in store.signing_certificates.values() if c.user_name == name]
        return paginate(certs, params, "Certificates", self._cert_view)

    def update_signing_certificate(self, ctx: RequestContext, params: Params) -> None:
        cert = self._signing(ctx, params)
        cert.status = params["Status"]
        ctx.store.signing_certificates.save(cert.cert_id)

    def delete_signing_certificate(self, ctx: RequestContext, params: Params) -> None:
        cert = self._signing(ctx, params)
        del ctx.store.signing_certificates[cert.cert_id]

    # -- service-specific credentials ----------------------------------------------------------

    @staticmethod
    def _service_view(c: ServiceCredential, *, secret: bool) -> Params:
        out: Params = {
            "CreateDate": E.when(c.created),
            "ServiceName": c.service,
            "ServiceUserName": c.service_user,
            "ServiceSpecificCredentialId": c.cred_id,
            "UserName": c.user_name,
            "Status": c.status,
        }
        if secret:
            out["ServicePassword"] = c.password
        return out

    def _service_cred(self, ctx: RequestContext, params: Params) -> ServiceCredential:
        store: IamStore = ctx.store
        user = self._caller_user(ctx, params)
        cred = store.service_credentials.get(params["ServiceSpecificCredentialId"])
        if cred is None or cred.user_name != user.name:
            raise no_such_entity(
                f"No such credential {params['ServiceSpecificCredentialId']} exists"
            )
        return cred

    def create_service_specific_credential(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        user = E.user(store, params["UserName"])
        service = params["ServiceName"]
        _check_credential_service(service)
        mine = [c for c in store.service_credentials.values()
                if c.user_name == user.name and c.service == service]  # fmt: skip
        if len(mine) >= 2:
            raise limit_exceeded("Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")  # noqa: E501
        cred = ServiceCredential(
            new_id("ACCA"), user.name, service, f"{user.name}-at-{ctx.account_id}",
            new_secret(), "Active", ctx.clock.now(),
        )  # fmt: skip
        store.service_credentials[cred.cred_id] = cred
        return {"ServiceSpecificCredential": self._service_view(cred, secret=True)}

    def list_service_specific_credentials(self, ctx: RequestContext, params: Params) -> Params:
        store: IamStore = ctx.store
        if params.get("AllUsers"):
            creds = list(store.service_credentials.values())
        else:
            name = self._caller_name(ctx, params)
            creds = [c for c in store.service_credentials.values() if c.user_name == name]
        if params.get("ServiceName"):
            _check_credential_service(params["ServiceName"])
            creds = [c for c in creds if c.service == params["ServiceName"]]
        return paginate(
            creds, params, "ServiceSpecificCredentials",
            lambda c: self._service_view(c, secret=False),
        )  # fmt: skip

    def reset_service_specific_credential(self, ctx: RequestContext, params: Params) -> Params:
        cred = self._service_cred(ctx, params)
        cred.password = new_secret()
        ctx.store.service_credentials.save(cred.cred_id)
        return {"ServiceSpecificCredential": self._service_view(cred, secret=True)}

    def update_service_specific_credential(self, ctx: RequestContext, params: Params) -> None:
        cred = self._service_cred(ctx, params)
        cred.status = params["Status"]
        ctx.store.service_credentials.save(cred.cred_id)

    def delete_service_specific_credential(self, ctx: RequestContext, params: Params) -> None:
        cred = self._service_cred(ctx, params)
        del ctx.store.service_credentials[cred.cred_id]
