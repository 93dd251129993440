"""Mobile push: platform applications and their endpoints, stored and returned as AWS does;
a publish to an endpoint is recorded (``GET /_cloudtwin/sns/messages?protocol=application``)."""

from __future__ import annotations

import re
import uuid
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.sns.attributes import arn_elements, invalid
from cloudtwin.services.sns.models import PlatformApplication, PlatformEndpoint, SnsStore
from cloudtwin.services.sns.notification import check_attributes, check_message

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

PLATFORMS = frozenset({"ADM", "APNS", "APNS_SANDBOX", "APNS_VOIP", "APNS_VOIP_SANDBOX", "MACOS", "MACOS_SANDBOX", "GCM", "BAIDU", "WNS", "MPNS"})
_APP_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
_APP_ARN = re.compile(r"^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):app/([A-Z_]+)/([A-Za-z0-9_.-]+)$")
_ENDPOINT_ARN = re.compile(r"^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):endpoint/([A-Z_]+)/([A-Za-z0-9_.-]+)/([0-9a-f-]{36})$")
# Platforms whose credential comes with a PlatformPrincipal (client id, certificate, key id):
# all but FCM (GCM), which takes an API key alone.
_PAIRED_PLATFORMS = PLATFORMS - {"GCM"}
_SECRET_ATTRIBUTES = frozenset({"PlatformCredential", "PlatformPrincipal"})
APPLICATION_ATTRIBUTES = frozenset(
    {
        "PlatformCredential", "PlatformPrincipal", "EventEndpointCreated", "EventEndpointDeleted",
        "EventEndpointUpdated", "EventDeliveryFailure", "SuccessFeedbackRoleArn",
        "FailureFeedbackRoleArn", "SuccessFeedbackSampleRate", "ApplePlatformTeamID",
        "ApplePlatformBundleID", "AuthenticationMethod", "Enabled",
    }
)
ENDPOINT_ATTRIBUTES = frozenset({"CustomUserData", "Enabled", "Token"})
PAGE = 100


class PlatformHandlers:
    """Operation handlers for platform applications and endpoints (a Provider mixin)."""

    def _store(self, account: str, region: str) -> SnsStore:  # pragma: no cover - Provider's
        raise NotImplementedError

    def _application(self, arn: str | None) -> tuple[SnsStore, PlatformApplication]:
        arn_elements(arn or "", "PlatformApplicationArn")
        match = _APP_ARN.match(arn or "")
        if match is None:
            raise invalid("PlatformApplicationArn Reason: Wrong number of slashes in relative portion of the ARN.")
        store = self._store(match.group(2), match.group(1))
        app = store.applications.get(arn)
        if app is None:
            raise ServiceError("NotFoundException", "PlatformApplication does not exist")
        return store, app

    def _endpoint(self, arn: str | None, param: str = "EndpointArn") -> tuple[SnsStore, PlatformEndpoint]:
        arn_elements(arn or "", param)
        match = _ENDPOINT_ARN.match(arn or "")
        if match is None:
            raise invalid("EndpointArn Reason: Wrong number of slashes in relative portion of the ARN.")
        store = self._store(match.group(2), match.group(1))
        endpoint = store.endpoints.get(arn)
        if endpoint is None:
            raise ServiceError("NotFoundException", "Endpoint does not exist")
        return store, endpoint

    def create_platform_application(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        name, platform = params["Name"], params["Platform"]
        if not name:
            raise invalid(" Reason: cannot be empty")
        if len(name) > 256:
            raise invalid(f"{name} Reason: must be at most 256 characters long")
        if not _APP_NAME.match(name):
            raise invalid(f"{name} Reason: must contain only characters 'a'-'z', 'A'-'Z', '0'-'9', '_', '-', and '.'")
        if platform not in PLATFORMS:
            raise invalid(f"Platform Reason: {platform} is not supported")
        attributes = params.get("Attributes") or {}
        for key in attributes:
            if key not in APPLICATION_ATTRIBUTES:
                raise invalid(f"Attributes Reason: Invalid attribute name: {key}")
        # The credential pair: a principal without a credential, or a credential without the
        # principal its platform pairs it with.
        if "PlatformPrincipal" in attributes and "PlatformCredential" not in attributes:
            raise invalid("Attributes Reason: PlatformPrincipal attribute provided without PlatformCredential")
        if platform in _PAIRED_PLATFORMS and "PlatformCredential" in attributes and (
            "PlatformPrincipal" not in attributes
        ):
            raise invalid("Attributes Reason: PlatformCredential attribute provided without PlatformPrincipal")
        if "PlatformCredential" not in attributes and platform not in ("APNS", "APNS_SANDBOX"):
            raise invalid("Attributes Reason: PlatformCredential attribute is required")
        arn = f"arn:{ctx.partition}:sns:{ctx.region}:{ctx.account_id}:app/{platform}/{name}"
        store: SnsStore = ctx.store
        store.applications[arn] = PlatformApplication(arn, name, platform, {"Enabled": "true", **attributes})
        return {"PlatformApplicationArn": arn}

    def delete_platform_application(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        try:
            store, app = self._application(params["PlatformApplicationArn"])
        except ServiceError as error:
            if error.code == "NotFoundException":
                return None
            raise
        for arn in [e.arn for e in store.endpoints.values() if e.application_arn == app.arn]:
            del store.endpoints[arn]
        del store.applications[app.arn]
        return None

    def get_platform_application_attributes(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        _, app = self._application(params["PlatformApplicationArn"])
        return {"Attributes": {k: v for k, v in app.attributes.items() if k not in _SECRET_ATTRIBUTES}}

    def set_platform_application_attributes(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        store, app = self._application(params["PlatformApplicationArn"])
        for key, value in (params.get("Attributes") or {}).items():
            if key not in APPLICATION_ATTRIBUTES:
                raise invalid(f"Attributes Reason: Invalid attribute name: {key}")
            app.attributes[key] = value
        store.applications.save(app.arn)
        return None

    def list_platform_applications(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        apps = list(ctx.store.applications.values())
        chunk, token = _page(apps, params.get("NextToken"))
        out: dict[str, Any] = {
            "PlatformApplications": [
                {
                    "PlatformApplicationArn": a.arn,
                    "Attributes": {k: v for k, v in a.attributes.items() if k not in _SECRET_ATTRIBUTES},
                }
                for a in chunk
            ]
        }
        if token:
            out["NextToken"] = token
        return out

    def create_platform_endpoint(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store, app = self._application(params["PlatformApplicationArn"])
        token = params["Token"]
        attributes = {"Enabled": "true", **(params.get("Attributes") or {}), "Token": token}
        for key in attributes:
            if key not in ENDPOINT_ATTRIBUTES:
                raise invalid(f"Attributes Reason: Invalid attribute name: {key}")
        if params.get("CustomUserData") is not None:
            attributes["CustomUserData"] = params["CustomUserData"]
        for endpoint in store.endpoints.values():
            if endpoint.application_arn == app.arn and endpoint.attributes.get("Token") == token:
                if endpoint.attributes != attributes:
                    raise invalid(
                        f"Token Reason: Endpoint {endpoint.arn} already exists with the same Token, "
                        "but different attributes."
                    )
                return {"EndpointArn": endpoint.arn}
        region, account = app.arn.split(":")[3], app.arn.split(":")[4]
        arn = f"arn:{ctx.partition}:sns:{region}:{account}:endpoint/{app.platform}/{app.name}/{uuid.uuid4()}"
        store.endpoints[arn] = PlatformEndpoint(arn, app.arn, attributes)
        return {"EndpointArn": arn}

    def delete_endpoint(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        try:
            store, endpoint = self._endpoint(params["EndpointArn"])
        except ServiceError as error:
            if error.code == "NotFoundException":
                return None
            raise
        del store.endpoints[endpoint.arn]
        return None

    def get_endpoint_attributes(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        _, endpoint = self._endpoint(params["EndpointArn"])
        return {"Attributes": dict(endpoint.attributes)}

    def set_endpoint_attributes(self, ctx: "RequestContext", params: dict[str, Any]) -> None:
        store, endpoint = self._endpoint(params["EndpointArn"])
        for key, value in (params.get("Attributes") or {}).items():
            if key not in ENDPOINT_ATTRIBUTES:
                raise invalid(f"Attributes Reason: Invalid attribute name: {key}")
            endpoint.attributes[key] = value
        store.endpoints.save(endpoint.arn)
        return None

    def list_endpoints_by_platform_application(self, ctx: "RequestContext", params: dict[str, Any]) -> dict[str, Any]:
        store, app = self._application(params["PlatformApplicationArn"])
        endpoints = [e for e in store.endpoints.values() if e.application_arn == app.arn]
        chunk, token = _page(endpoints, params.get("NextToken"))
        out: dict[str, Any] = {
            "Endpoints": [{"EndpointArn": e.arn, "Attributes": dict(e.attributes)} for e in chunk]
        }
        if token:
            out["NextToken"] = token
        return out

    def publish_to_endpoint(self, ctx: "RequestContext", params: dict[str, Any], arn: str) -> dict[str, Any]:
        try:
            store, endpoint = self._endpoint(arn, "TargetArn")
        except ServiceError as error:
            if error.code == "NotFoundException":
                raise invalid("TargetArn Reason: No endpoint found for the target arn specified") from None
            raise
        per_protocol = check_message(params.get("Message"), params.get("MessageStructure"), params.get("Subject"))
        attributes = check_attributes(params.get("MessageAttributes"))
        if endpoint.attributes.get("Enabled", "true").lower() != "true":
            raise ServiceError("EndpointDisabledException", "Endpoint is disabled")
        app = store.applications.get(endpoint.application_arn)
        platform = app.platform if app is not None else ""
        message = per_protocol.get(platform) or per_protocol.get("default") or params["Message"]
        message_id = str(uuid.uuid4())
        self.dispatcher.record(  # type: ignore[attr-defined]
            store, "application", arn, message_id, message, subject=params.get("Subject"),
            attributes=attributes,
        )
        return {"MessageId": message_id}


def _page(items: list[Any], token: str | None) -> tuple[list[Any], str | None]:
    start = 0
    if token:
        try:
            start = int(token)
        except ValueError:
            raise invalid("NextToken") from None
    chunk = items[start : start + PAGE]
    return chunk, (str(start + PAGE) if start + PAGE < len(items) else None)

