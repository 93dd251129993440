"""Pool settings that are stored and answered (hosted UI customization, risk and log
delivery configuration), the user import CSV header, the pool's signing certificate, and
the authentication factors a user has set up."""

from __future__ import annotations

import copy
import datetime
import hashlib
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from cloudtwin.gateway.context import RequestContext
from cloudtwin.services.cognito_idp.tokens import pool_key

Params = dict[str, Any]
#: The CSV header AWS answers before the pool's custom attributes (import jobs' format).
_CSV_HEADER = (
    "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile", "picture",
    "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number",
    "phone_number_verified", "address", "updated_at", "cognito:mfa_enabled", "cognito:username",
)  # fmt: skip


class SettingsHandlers:
    keys: Any

    def _setting(self, ctx: RequestContext, params: Params) -> tuple[Any, Params, str]:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        client_id = params.get("ClientId") or "ALL"
        if client_id != "ALL":
            self.client(ctx, pool["Id"], client_id)  # type: ignore[attr-defined]
        return store, pool, client_id

    def set_ui_customization(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client_id = self._setting(ctx, params)
        now = ctx.clock.now()
        settings = pool.setdefault("_UiCustomization", {})
        previous = settings.get(client_id) or {}
        entry: Params = {"UserPoolId": pool["Id"], "ClientId": client_id, "CSS": params.get("CSS"),
                         "CSSVersion": str(int(now * 1000)), "CreationDate": previous.get("CreationDate", now),
                         "LastModifiedDate": now}  # fmt: skip
        if params.get("ImageFile"):
            digest = hashlib.sha256(params["ImageFile"]).hexdigest()[:16]
            entry["ImageUrl"] = f"{self.issuer(pool['Id'])}/ui/{client_id}/{digest}.png"  # type: ignore[attr-defined]
        settings[client_id] = {k: v for k, v in entry.items() if v is not None}
        store.pools.save(pool["Id"])
        return {"UICustomization": copy.deepcopy(settings[client_id])}

    def get_ui_customization(self, ctx: RequestContext, params: Params) -> Params:
        _, pool, client_id = self._setting(ctx, params)
        settings = pool.get("_UiCustomization") or {}
        found = settings.get(client_id) or settings.get("ALL") or {"UserPoolId": pool["Id"], "ClientId": client_id}
        return {"UICustomization": copy.deepcopy(found)}

    def set_risk_configuration(self, ctx: RequestContext, params: Params) -> Params:
        store, pool, client_id = self._setting(ctx, params)
        entry = {"UserPoolId": pool["Id"], "LastModifiedDate": ctx.clock.now()}
        if params.get("ClientId"):
            entry["ClientId"] = params["ClientId"]
        for name in ("CompromisedCredentialsRiskConfiguration", "AccountTakeoverRiskConfiguration", "RiskExceptionConfiguration"):
            if params.get(name) is not None:
                entry[name] = copy.deepcopy(params[name])
        pool.setdefault("_RiskConfiguration", {})[client_id] = entry
        store.pools.save(pool["Id"])
        return {"RiskConfiguration": copy.deepcopy(entry)}

    def describe_risk_configuration(self, ctx: RequestContext, params: Params) -> Params:
        _, pool, client_id = self._setting(ctx, params)
        settings = pool.get("_RiskConfiguration") or {}
        found = settings.get(client_id) or settings.get("ALL") or {"UserPoolId": pool["Id"]}
        return {"RiskConfiguration": copy.deepcopy(found)}

    def set_log_delivery_configuration(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        pool["_LogDelivery"] = copy.deepcopy(params.get("LogConfigurations") or [])
        store.pools.save(pool["Id"])
        return {"LogDeliveryConfiguration": {"UserPoolId": pool["Id"], "LogConfigurations": copy.deepcopy(pool["_LogDelivery"])}}

    def get_log_delivery_configuration(self, ctx: RequestContext, params: Params) -> Params:
        _, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        return {"LogDeliveryConfiguration": {"UserPoolId": pool["Id"], "LogConfigurations": copy.deepcopy(pool.get("_LogDelivery") or [])}}

    def get_csv_header(self, ctx: RequestContext, params: Params) -> Params:
        _, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        custom = [a["Name"] for a in pool["SchemaAttributes"] if a["Name"].startswith("custom:")]
        return {"UserPoolId": pool["Id"], "CSVHeader": [*_CSV_HEADER, *custom]}

    def get_signing_certificate(self, ctx: RequestContext, params: Params) -> Params:
        """A self-signed certificate of the pool's signing key (what SAML providers are given)."""
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        if not pool.get("_Certificate"):
            key = self.keys.key(pool_key(store, pool)[0])
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, pool["Id"])])
            start = datetime.datetime.fromtimestamp(ctx.clock.now(), datetime.timezone.utc)
            cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                    .serial_number(x509.random_serial_number()).not_valid_before(start)
                    .not_valid_after(start + datetime.timedelta(days=3650)).sign(key, hashes.SHA256()))  # fmt: skip
            der = cert.public_bytes(serialization.Encoding.PEM).decode()
            pool["_Certificate"] = "".join(der.strip().splitlines()[1:-1])
            store.pools.save(pool["Id"])
        return {"Certificate": pool["_Certificate"]}

    def get_user_auth_factors(self, ctx: RequestContext, params: Params) -> Params:
        _, pool, user, _ = self.token_user(ctx, params.get("AccessToken") or "")  # type: ignore[attr-defined]
        return self._auth_factors(pool, user)

    def admin_get_user_auth_factors(self, ctx: RequestContext, params: Params) -> Params:
        store, pool = self.pool(ctx, params["UserPoolId"])  # type: ignore[attr-defined]
        return self._auth_factors(pool, self.user(store, pool, params["Username"]))  # type: ignore[attr-defined]

    def _auth_factors(self, pool: Params, user: Params) -> Params:
        out: Params = {"Username": user["Username"]}
        out.update(self.mfa_view(user))  # type: ignore[attr-defined]
        factors = ["PASSWORD"] if user.get("Password") else []
        if user.get("TotpEnabled"):
            factors.append("SOFTWARE_TOKEN")
        out["ConfiguredUserAuthFactors"] = factors
        return out
