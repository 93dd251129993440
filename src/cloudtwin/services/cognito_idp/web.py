"""The HTTP endpoints a user pool serves beside the API: its issuer's JWKS and OpenID
configuration, and the OAuth2 endpoints of its domain.

    http://127.0.0.1:4566/<pool-id>/.well-known/jwks.json
    http://127.0.0.1:4566/<pool-id>/.well-known/openid-configuration
    http://127.0.0.1:4566/<pool-id>/oauth2/{token,authorize,userInfo,revoke}, /logout   (path form)
    http://<domain>.auth.<region>.localhost:4566/oauth2/...                           (host form)

A pool id has an underscore, which no S3 bucket name has: the path form never meets S3.
``/oauth2/authorize`` is minimal: GET answers a sign-in form, POST (username, password)
redirects to the client's callback with a code (PKCE's S256 and plain are checked).
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpRequest, HttpResponse
from cloudtwin.services.cognito_idp import srp
from cloudtwin.services.cognito_idp.tokens import pool_key

Params = dict[str, Any]

_POOL_PATH = re.compile(r"/([a-z]{2}(?:-[a-z]+)+-\d+_[0-9A-Za-z]+)(/.*)?$")
_DOMAIN_HOST = re.compile(r"([a-z0-9-]+)\.auth\.([a-z0-9-]+)\.")


def target(path: str, host: str) -> tuple[str, str, str] | None:
    """("pool", pool id, rest of path) or ("domain", domain, path) when a request is for a
    user pool's HTTP endpoints; None (cheaply) for everything else."""
    if ".auth." in host:
        match = _DOMAIN_HOST.match(host)
        if match:
            return "domain", match.group(1), path.split("?", 1)[0]
    if "_" not in path[:48] or not path[1:3].isalpha():
        return None
    match = _POOL_PATH.match(path.split("?", 1)[0])
    if match is None:
        return None
    return "pool", match.group(1), match.group(2) or "/"


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> HttpResponse:
    return HttpResponse(status, {"Content-Type": "application/json;charset=UTF-8", **(headers or {})},
                        json.dumps(payload).encode())  # fmt: skip


def _oauth_error(error: str, status: int = 400) -> HttpResponse:
    return _json(status, {"error": error})


@dataclass(slots=True)
class _Clocked:
    """The bit of a request context token issuance reads."""

    clock: Any


class WebEndpoints:
    stores: Any
    env: Any
    keys: Any

    def _pool_by_id(self, pool_id: str) -> tuple[Any, Params] | None:
        region = pool_id.split("_", 1)[0]
        for (_, store_region), store in self.stores.items():
            if store_region == region and pool_id in store.pools:
                return store, store.pools[pool_id]
        return None

    def _pool_by_domain(self, domain: str) -> tuple[Any, Params] | None:
        for _, store in self.stores.items():
            rec = store.domains.get(domain)
            if rec is not None and rec["UserPoolId"] in store.pools:
                return store, store.pools[rec["UserPoolId"]]
        return None

    async def serve_http(self, request: HttpRequest, kind: str, name: str, path: str) -> HttpResponse:
        found = self._pool_by_id(name) if kind == "pool" else self._pool_by_domain(name)
        if found is None:
            if kind == "pool":
                return _json(404, {"message": f"User pool {name} does not exist."})
            return _json(404, {"error": "Domain not found"})
        store, pool = found
        ctx = _Clocked(self.env.clock)
        if path == "/.well-known/jwks.json" and request.method in ("GET", "HEAD"):
            return _json(200, {"keys": [self.keys.jwk(*pool_key(store, pool))]})
        if path == "/.well-known/openid-configuration" and request.method in ("GET", "HEAD"):
            return _json(200, self._openid_configuration(pool, request))
        if kind == "pool" and path.startswith("/import/") and request.method == "PUT":
            return self.upload_import_csv(store, pool, path[len("/import/"):], request)  # type: ignore[attr-defined]
        try:
            if path == "/oauth2/token" and request.method == "POST":
                return await self._token(ctx, store, pool, request)
            if path == "/oauth2/authorize" and request.method in ("GET", "POST"):
                return await self._authorize(ctx, store, pool, request)
            if path in ("/oauth2/userInfo", "/oauth2/userinfo") and request.method in ("GET", "POST"):
                return self._userinfo(ctx, request)
            if path == "/oauth2/revoke" and request.method == "POST":
                return self._revoke(store, pool, request)
            if path == "/logout" and request.method == "GET":
                return self._logout(store, pool, request)
        except ServiceError as error:
            return _json(400, {"error": "invalid_request", "error_description": error.message})
        return _json(404, {"message": "Not Found"})

    def _oauth_base(self, pool: Params, request: HttpRequest) -> str:
        host = request.headers.get("host", "")
        if ".auth." in host:
            return f"http://{host}"
        return self.issuer(pool["Id"])  # type: ignore[attr-defined]

    def _openid_configuration(self, pool: Params, request: HttpRequest) -> Params:
        iss = self.issuer(pool["Id"])  # type: ignore[attr-defined]
        base = self._oauth_base(pool, request)
        return {
            "authorization_endpoint": f"{base}/oauth2/authorize", "end_session_endpoint": f"{base}/logout",
            "id_token_signing_alg_values_supported": ["RS256"], "issuer": iss,
            "jwks_uri": f"{iss}/.well-known/jwks.json", "response_types_supported": ["code", "token"],
            "revocation_endpoint": f"{base}/oauth2/revoke", "scopes_supported": ["openid", "email", "phone", "profile"],
            "subject_types_supported": ["public"], "token_endpoint": f"{base}/oauth2/token",
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "userinfo_endpoint": f"{base}/oauth2/userInfo",
        }  # fmt: skip

    def _form(self, request: HttpRequest) -> Params:
        body = request.body.decode("utf-8", "replace") if isinstance(request.body, (bytes, bytearray)) else ""
        form = dict(parse_qsl(body, keep_blank_values=True))
        for key, value in parse_qsl(request.query_string, keep_blank_values=True):  # (form encoding: + is a space)
            form.setdefault(key, value)
        return form

    def _oauth_client(self, store: Any, pool: Params, request: HttpRequest, form: Params) -> Params | None:
        client_id, secret = form.get("client_id"), form.get("client_secret")
        header = request.headers.get("authorization", "")
        if header.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
            except ValueError:
                return None
        client = store.clients.get(client_id or "")
        if client is None or client["UserPoolId"] != pool["Id"]:
            return None
        if client.get("ClientSecret") and secret != client["ClientSecret"]:
            return None
        return client

    async def _token(self, ctx: Any, store: Any, pool: Params, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        client = self._oauth_client(store, pool, request, form)
        if client is None:
            return _oauth_error("invalid_client", 400)
        grant = form.get("grant_type")
        flows = client.get("AllowedOAuthFlows") or []
        if grant == "client_credentials":
            if "client_credentials" not in flows or not client.get("ClientSecret"):
                return _oauth_error("unauthorized_client")
            allowed = client.get("AllowedOAuthScopes") or []
            wanted = (form.get("scope") or "").split() or [s for s in allowed if "/" in s]
            if not wanted or any(s not in allowed or "/" not in s for s in wanted):
                return _oauth_error("invalid_scope")
            return _json(200, await self.client_credentials_token(ctx, store, pool, client, wanted))  # type: ignore[attr-defined]
        if grant == "authorization_code":
            record = store.auth_codes.pop(form.get("code") or "", None)
            if record is None or record["ClientId"] != client["ClientId"] or record["Expires"] <= ctx.clock.now():
                return _oauth_error("invalid_grant")
            if record.get("RedirectUri") != form.get("redirect_uri"):
                return _oauth_error("invalid_grant")
            challenge = record.get("CodeChallenge")
            if challenge:
                verifier = form.get("code_verifier") or ""
                if record.get("CodeChallengeMethod") == "S256":
                    verifier = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
                if verifier != challenge:
                    return _oauth_error("invalid_grant")
            user = self.find_user(store, pool, record["Username"])  # type: ignore[attr-defined]
            if user is None or not user["Enabled"]:
                return _oauth_error("invalid_grant")
            result = await self.issue_tokens(ctx, store, pool, client, user, "TokenGeneration_HostedAuth",  # type: ignore[attr-defined]
                                             scopes=record["Scopes"], nonce=record.get("Nonce"))  # fmt: skip
            return _json(200, _oauth_tokens(result))
        if grant == "refresh_token":
            refresh = store.refresh_tokens.get(form.get("refresh_token") or "")
            if refresh is None or refresh["ClientId"] != client["ClientId"] or refresh["OriginJti"] in store.revoked:
                return _oauth_error("invalid_grant")
            user = self.find_user(store, pool, refresh["Username"])  # type: ignore[attr-defined]
            if user is None or not user["Enabled"] or refresh["Expires"] <= ctx.clock.now():
                return _oauth_error("invalid_grant")
            result = await self.issue_tokens(ctx, store, pool, client, user, "TokenGeneration_RefreshTokens",  # type: ignore[attr-defined]
                                             refresh=refresh, scopes=refresh.get("Scopes"))  # fmt: skip
            return _json(200, _oauth_tokens(result))
        return _oauth_error("unsupported_grant_type")

    async def _authorize(self, ctx: Any, store: Any, pool: Params, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        client = store.clients.get(form.get("client_id") or "")
        if client is None or client["UserPoolId"] != pool["Id"]:
            return _json(400, {"error": "invalid_request", "error_description": "invalid client_id"})
        redirect = form.get("redirect_uri") or client.get("DefaultRedirectURI")
        if redirect not in (client.get("CallbackURLs") or []):
            return _json(400, {"error": "redirect_mismatch"})
        if form.get("response_type") != "code" or "code" not in (client.get("AllowedOAuthFlows") or []):
            return _redirect(redirect, {"error": "unauthorized_client", "state": form.get("state")})
        allowed = client.get("AllowedOAuthScopes") or []
        scopes = (form.get("scope") or "").split() or list(allowed)
        if any(s not in allowed for s in scopes):
            return _redirect(redirect, {"error": "invalid_scope", "state": form.get("state")})
        if request.method == "GET" or "username" not in form:
            return _login_page(request, form)
        user = self.find_user(store, pool, form["username"])  # type: ignore[attr-defined]
        if (user is None or not user["Enabled"] or user["UserStatus"] != "CONFIRMED"
                or not srp.password_matches(form.get("password") or "", user.get("Password") or "$")):  # fmt: skip
            return _login_page(request, form, "Incorrect username or password.")
        code = secrets.token_urlsafe(24)
        store.auth_codes[code] = {
            "PoolId": pool["Id"], "ClientId": client["ClientId"], "Username": user["Username"], "RedirectUri": redirect,
            "Scopes": scopes, "Expires": ctx.clock.now() + 300, "CodeChallenge": form.get("code_challenge"),
            "CodeChallengeMethod": form.get("code_challenge_method") or "plain", "Nonce": form.get("nonce"),
        }  # fmt: skip
        return _redirect(redirect, {"code": code, "state": form.get("state")})

    def _revoke(self, store: Any, pool: Params, request: HttpRequest) -> HttpResponse:
        """RFC 7009: a refresh token (and the tokens issued from its sign-in) revoked."""
        form = self._form(request)
        client = self._oauth_client(store, pool, request, form)
        if client is None:
            return _oauth_error("invalid_client")
        if client.get("EnableTokenRevocation") is False:
            return _oauth_error("unsupported_token_type")
        record = store.refresh_tokens.get(form.get("token") or "")
        if record is not None and record["ClientId"] == client["ClientId"]:
            store.revoked[record["OriginJti"]] = record["Expires"]
            del store.refresh_tokens[form["token"]]
        return HttpResponse(200, {}, b"")

    def _logout(self, store: Any, pool: Params, request: HttpRequest) -> HttpResponse:
        form = self._form(request)
        client = store.clients.get(form.get("client_id") or "")
        if client is None or client["UserPoolId"] != pool["Id"]:
            return _json(400, {"error": "invalid_request", "error_description": "invalid client_id"})
        target = form.get("logout_uri")
        if target not in (client.get("LogoutURLs") or []):
            return _json(400, {"error": "invalid_request", "error_description": "logout_uri is not one of the client's LogoutURLs"})
        return HttpResponse(302, {"Location": target}, b"")

    def _userinfo(self, ctx: Any, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("bearer "):
            return _json(401, {"error": "invalid_token"}, {"WWW-Authenticate": 'Bearer error="invalid_token"'})
        fake = _UserInfoContext(ctx.clock)
        try:
            _, _, user, _ = self.token_user(fake, header[7:].strip())  # type: ignore[attr-defined]
        except ServiceError as error:
            return _json(401, {"error": "invalid_token", "error_description": error.message})
        out: Params = {k: (v == "true" if k.endswith("_verified") else v) for k, v in user["Attributes"].items()}
        out["username"] = user["Username"]
        return _json(200, out)


@dataclass(slots=True)
class _UserInfoContext:
    clock: Any
    account_id: str = ""


def _oauth_tokens(result: Params) -> Params:
    out = {"access_token": result["AccessToken"], "expires_in": result["ExpiresIn"], "token_type": "Bearer"}
    if result.get("IdToken"):
        out["id_token"] = result["IdToken"]
    if result.get("RefreshToken"):
        out["refresh_token"] = result["RefreshToken"]
    return out


def _redirect(uri: str, params: Params) -> HttpResponse:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return HttpResponse(302, {"Location": f"{uri}{'&' if '?' in uri else '?'}{query}"}, b"")


def _login_page(request: HttpRequest, form: Params, error: str | None = None) -> HttpResponse:
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in form.items() if k not in ("username", "password"))  # fmt: skip
    note = f"<p class=error>{html.escape(error)}</p>" if error else ""
    page = (f"<!doctype html><title>Sign in</title>{note}<form method=post>{hidden}"
            "<input name=username placeholder=Username><input name=password type=password placeholder=Password>"
            "<button type=submit>Sign in</button></form>")  # fmt: skip
    return HttpResponse(200 if error is None else 400, {"Content-Type": "text/html;charset=UTF-8"}, page.encode())
