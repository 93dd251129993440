"""Remembered devices: a pool with a DeviceConfiguration hands each new sign-in a device
key (``NewDeviceMetadata``); ``ConfirmDevice`` stores the device's SRP verifier; a later
sign-in that names the device proves it with SRP (``DEVICE_SRP_AUTH`` ->
``DEVICE_PASSWORD_VERIFIER``, the device group key and device key in place of the pool
name and user), and a remembered device skips MFA."""

from __future__ import annotations

import base64
import binascii
import secrets
import uuid
from typing import Any

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.cognito_idp.errors import invalid_parameter, not_found
from cloudtwin.services.cognito_idp.pools import paged

Params = dict[str, Any]


def device_view(device: Params) -> Params:
    attributes = [{"Name": "device_status", "Value": "valid"},
                  {"Name": "device_remembered_status", "Value": device["Remembered"]}]  # fmt: skip
    if device.get("Name"):
        attributes.insert(0, {"Name": "device_name", "Value": device["Name"]})
    out: Params = {"DeviceKey": device["DeviceKey"], "DeviceAttributes": attributes,
                   "DeviceCreateDate": device["Created"], "DeviceLastModifiedDate": device["Modified"]}  # fmt: skip
    if device.get("LastAuthenticated"):
        out["DeviceLastAuthenticatedDate"] = device["LastAuthenticated"]
    return out


class DeviceHandlers:
    stores: Any

    def new_device(self, ctx: Any, store: Any, pool: Params, user: Params) -> Params:
        """A device key for this sign-in (confirmed later, or forgotten)."""
        key = f"{pool['Id'].split('_', 1)[0]}_{uuid.uuid4()}"
        group = "-" + "".join(secrets.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(8))
        now = ctx.clock.now()
        user.setdefault("Devices", {})[key] = {
            "DeviceKey": key, "GroupKey": group, "Confirmed": False, "Remembered": "not_remembered",
            "Created": now, "Modified": now, "LastAuthenticated": now,
        }  # fmt: skip
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        return {"DeviceKey": key, "DeviceGroupKey": group}

    def known_device(self, user: Params, key: str | None) -> Params | None:
        device = (user.get("Devices") or {}).get(key or "")
        return device if device is not None and device.get("Confirmed") else None

    def _device(self, user: Params, key: str) -> Params:
        device = (user.get("Devices") or {}).get(key)
        if device is None:
            raise not_found("Device does not exist.")
        return device

    # -- the user's own -------------------------------------------------------------------------

    def confirm_device(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        device = self._device(user, params["DeviceKey"])
        config = params.get("DeviceSecretVerifierConfig") or {}
        try:
            device["Verifier"] = base64.b64decode(config.get("PasswordVerifier") or "", validate=True).hex()
            device["Salt"] = base64.b64decode(config.get("Salt") or "", validate=True).hex()
        except (binascii.Error, ValueError):
            raise invalid_parameter("Invalid DeviceSecretVerifierConfig.") from None  # not an AWS text
        if not device["Verifier"] or not device["Salt"]:
            raise invalid_parameter("Invalid DeviceSecretVerifierConfig.")  # not an AWS text
        device["Confirmed"] = True
        device["Name"] = params.get("DeviceName")
        prompt = bool((pool.get("DeviceConfiguration") or {}).get("DeviceOnlyRememberedOnUserPrompt"))
        device["Remembered"] = "not_remembered" if prompt else "remembered"
        device["Modified"] = ctx.clock.now()
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        return {"UserConfirmationNecessary": prompt}

    def get_device(self, ctx: RequestContext, params: Params) -> Params:
        _, _, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        return {"Device": device_view(self._device(user, params["DeviceKey"]))}

    def list_devices(self, ctx: RequestContext, params: Params) -> Params:
        _, _, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        return self._list(user, params)

    def _list(self, user: Params, params: Params) -> Params:
        devices = [device_view(d) for d in (user.get("Devices") or {}).values() if d.get("Confirmed")]
        return paged(params, devices, "Devices", token="PaginationToken", limit_name="Limit")

    def forget_device(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        self._device(user, params["DeviceKey"])
        del user["Devices"][params["DeviceKey"]]
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        return {}

    def update_device_status(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        return self._status(ctx, store, pool, user, params)

    def _status(self, ctx: RequestContext, store: Any, pool: Params, user: Params, params: Params) -> Params:
        device = self._device(user, params["DeviceKey"])
        device["Remembered"] = params.get("DeviceRememberedStatus") or "not_remembered"
        device["Modified"] = ctx.clock.now()
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        return {}

    # -- administrators ---------------------------------------------------------------------------

    def _admin_user(self, ctx: RequestContext, params: Params) -> tuple[Any, Params, Params]:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        return store, pool, self.user(store, pool, params["Username"])  # type: ignore[attr-defined]

    def admin_get_device(self, ctx: RequestContext, params: Params) -> Params:
        _, _, user = self._admin_user(ctx, params)
        return {"Device": device_view(self._device(user, params["DeviceKey"]))}

    def admin_list_devices(self, ctx: RequestContext, params: Params) -> Params:
        return self._list(self._admin_user(ctx, params)[2], params)

    def admin_forget_device(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user = self._admin_user(ctx, params)
        self._device(user, params["DeviceKey"])
        del user["Devices"][params["DeviceKey"]]
        self.save_user(store, pool, user)  # type: ignore[attr-defined]
        return {}

    def admin_update_device_status(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, user = self._admin_user(ctx, params)
        return self._status(ctx, store, pool, user, params)
