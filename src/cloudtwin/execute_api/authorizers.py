"""Authorizers: Lambda authorizers (REST ``TOKEN`` / ``REQUEST``, HTTP API simple and IAM
policy responses) with their results cached on the virtual clock, and JWT verification
against an issuer's JWKS (Cognito user pool authorizers, HTTP API JWT authorizers).

A JWT is checked as AWS documents: RS256 signature by a key of the issuer's
``/.well-known/jwks.json`` (fetched once per issuer over loopback, cached), ``iss``,
``exp`` / ``nbf`` on the virtual clock, and the audience (``aud``, or ``client_id`` of an
access token).
"""

from __future__ import annotations

import base64
import fnmatch
import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cloudtwin.clock import Clock


class AuthorizerCache:
    """Authorizer results by (api, authorizer, identity), each kept for its TTL."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._entries: dict[tuple, tuple[float, Any]] = {}

    def get(self, key: tuple) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._clock.now() >= expires:
            del self._entries[key]
            return None
        return value

    def put(self, key: tuple, value: Any, ttl: int) -> None:
        if ttl and ttl > 0:
            self._entries[key] = (self._clock.now() + ttl, value)

    def flush(self, api_id: str | None = None, stage: str | None = None) -> None:
        if api_id is None:
            self._entries.clear()
            return
        for key in [k for k in self._entries if k[0] == api_id and (stage is None or k[1] == stage)]:
            del self._entries[key]


# -- IAM policies returned by Lambda authorizers ----------------------------------------------------


def _statements(policy: Any) -> list[dict]:
    if isinstance(policy, str):
        try:
            policy = json.loads(policy)
        except ValueError:
            return []
    if not isinstance(policy, dict):
        return []
    statements = policy.get("Statement") or policy.get("statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def policy_allows(policy: Any, method_arn: str) -> bool:
    """Does the policy allow ``execute-api:Invoke`` on the method's ARN (an explicit Deny wins)?"""
    allowed = False
    for statement in _statements(policy):
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if not any(fnmatch.fnmatchcase("execute-api:Invoke", a) or a in ("*", "execute-api:*") for a in actions):
            continue
        resources = statement.get("Resource") or []
        resources = [resources] if isinstance(resources, str) else resources
        if not any(_arn_matches(r, method_arn) for r in resources):
            continue
        if statement.get("Effect") == "Deny":
            return False
        if statement.get("Effect") == "Allow":
            allowed = True
    return allowed


def _arn_matches(pattern: str, arn: str) -> bool:
    return pattern == "*" or fnmatch.fnmatchcase(arn, pattern.replace("?", "[?]"))


# -- JWT ----------------------------------------------------------------------------------------------


class TokenError(Exception):
    """The token is not valid (the API answers 401)."""


def _b64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _int(segment: str) -> int:
    return int.from_bytes(_b64(segment), "big")


class JwksCache:
    """Public keys by issuer URL, fetched from ``<issuer>/.well-known/jwks.json``."""

    def __init__(self) -> None:
        self._keys: dict[str, dict[str, Any]] = {}

    async def key(self, issuer: str, kid: str | None) -> Any:
        keys = self._keys.get(issuer)
        if keys is None or (kid is not None and kid not in keys):
            keys = self._keys[issuer] = await self._fetch(issuer)
        if kid is None and len(keys) == 1:
            return next(iter(keys.values()))
        found = keys.get(kid)
        if found is None:
            raise TokenError("unknown key id")
        return found

    @staticmethod
    async def _fetch(issuer: str) -> dict[str, Any]:
        import httpx

        from cloudtwin.execute_api.integrations import loopback_url

        url = issuer.rstrip("/") + "/.well-known/jwks.json"
        if not loopback_url(url):
            raise TokenError("the issuer is not reachable (cloudtwin reaches loopback addresses only)")
        try:
            async with httpx.AsyncClient(timeout=5) as client:
                answer = await client.get(url)
            document = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise TokenError(f"cannot read the issuer's keys: {exc}") from None
        keys = {}
        for jwk in document.get("keys") or []:
            if jwk.get("kty") == "RSA":
                keys[jwk.get("kid")] = rsa.RSAPublicNumbers(_int(jwk["e"]), _int(jwk["n"])).public_key()
        return keys

    def clear(self) -> None:
        self._keys.clear()


async def verify_jwt(
    token: str, *, issuer: str | None, audiences: list[str] | None, now: float, jwks: JwksCache
) -> dict[str, Any]:
    """The claims of a valid RS256 token; raises TokenError otherwise."""
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("malformed token")
    try:
        header = json.loads(_b64(parts[0]))
        claims = json.loads(_b64(parts[1]))
        signature = _b64(parts[2])
    except (ValueError, TypeError):
        raise TokenError("malformed token") from None
    if header.get("alg") != "RS256":
        raise TokenError("unsupported algorithm")
    token_issuer = claims.get("iss")
    if issuer is not None and token_issuer != issuer:
        raise TokenError("issuer mismatch")
    key = await jwks.key(issuer or token_issuer, header.get("kid"))
    try:
        key.verify(signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise TokenError("bad signature") from None
    if claims.get("exp") is not None and now >= float(claims["exp"]):
        raise TokenError("expired")
    if claims.get("nbf") is not None and now < float(claims["nbf"]):
        raise TokenError("not yet valid")
    if audiences:
        given = claims.get("aud", claims.get("client_id"))
        given = given if isinstance(given, list) else [given]
        if not set(given) & set(audiences):
            raise TokenError("audience mismatch")
    return claims
