"""The data plane of API Gateway (``execute-api``), shared by REST APIs (apigateway) and
HTTP / WebSocket APIs (apigatewayv2): finding the API a request addresses, authorizers,
VTL mapping templates and integrations.

A request addresses an API by host name, ``<api-id>.execute-api.<anything>`` (as AWS's
``<api-id>.execute-api.<region>.amazonaws.com``), or — with no DNS — by path, in
LocalStack's forms ``/restapis/<api-id>/<stage>/_user_request_/<path>`` and
``/_aws/execute-api/<api-id>/<stage>/<path>``. :func:`target` recognizes both cheaply (a
substring test on the host, a prefix test on the path) so other services pay nothing.
"""

from __future__ import annotations

_PATH_PREFIX = "/_aws/execute-api/"
_USER_REQUEST = "/_user_request_"


def target(host: str, path: str) -> tuple[str, str] | None:
    """(api id, path after the id — ``/<stage>/<rest>``) of a data-plane request, else None."""
    if ".execute-api." in host:
        return host.split(".", 1)[0].lower().split("-vpce-")[0], path
    if path.startswith("/restapis/") and _USER_REQUEST in path:
        rest = path[len("/restapis/"):]
        api_id, _, tail = rest.partition("/")
        stage, _, after = tail.partition("/")
        if after.startswith(_USER_REQUEST[1:]):
            return api_id, f"/{stage}{after[len(_USER_REQUEST) - 1:]}" or "/"
        return None
    if path.startswith(_PATH_PREFIX):
        api_id, _, tail = path[len(_PATH_PREFIX):].partition("/")
        return api_id, "/" + tail
    return None
