"""What keeps a web page from driving the local endpoint.

cloudtwin holds secrets and queued data on a developer's machine, and a page the
developer visits can send requests to ``http://127.0.0.1:4566``. Three checks, as careful
local tools do:

* **Host**: only names cloudtwin serves are answered — loopback addresses, ``localhost``
  and ``*.localhost``, ``localhost.localstack.cloud`` and its subdomains, the names given
  with ``--hostname`` / ``CLOUDTWIN_HOSTNAME`` (and their subdomains) and the bind address.
  A page on ``evil.example`` whose DNS is re-pointed at 127.0.0.1 (DNS rebinding) sends
  ``Host: evil.example`` and is refused. A request without Host (HTTP/1.0) comes from no
  browser.
* **Origin**: a request a browser sends cross-origin carries ``Origin``; unless the CORS
  policy allows it (gateway.cors: loopback and configured origins), it is refused with
  403 before any service logic runs — reading the answer is not the only harm, a
  form-encoded ``POST`` needs no preflight. S3 also honours a bucket's own CORS rules, as
  AWS does (the provider's ``cors_headers`` hook).
* **Control API** (``/_cloudtwin/*``): the same Origin rule, and a body must be JSON
  (``Content-Type: application/json``), so that no "simple" cross-site ``text/plain`` or
  form ``POST`` can reset state.
"""

from __future__ import annotations

import ipaddress

from cloudtwin.gateway.cors import is_loopback_name

__all__ = ["HostCheck", "host_name", "control_body_refusal"]

_BUILT_IN = ("localhost", "localhost.localstack.cloud")


def host_name(host: str) -> str:
    """The name or address of a Host header value, without port or brackets."""
    host = host.strip().lower()
    if "://" in host:  # some clients send the endpoint URL itself as the Host header; AWS answers them
        host = host.split("://", 1)[1].split("/", 1)[0]
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    name, sep, port = host.rpartition(":")
    return (name if sep and port.isdigit() else host).rstrip(".")


class HostCheck:
    """Which Host header values this server answers."""

    def __init__(self, bind_host: str, hostnames: tuple[str, ...] = ()) -> None:
        self._bases = tuple({n.lower().rstrip(".") for n in (*_BUILT_IN, *hostnames) if n})
        bind = bind_host.strip("[]").lower()
        self._bind = bind
        self._verdicts: dict[str, bool] = {}
        try:
            self._any_address = ipaddress.ip_address(bind).is_unspecified
        except ValueError:
            self._any_address = False
            self._bases += (bind,)

    def serves(self, host: str | None) -> bool:
        if not host:
            return True
        verdict = self._verdicts.get(host)
        if verdict is None:
            if len(self._verdicts) >= 1024:  # bounded: Host values are the client's choice
                self._verdicts.clear()
            verdict = self._verdicts[host] = self._serves(host)
        return verdict

    def _serves(self, host: str) -> bool:
        name = host_name(host)
        if is_loopback_name(name):
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return any(name == base or name.endswith("." + base) for base in self._bases)
        # An address names no DNS entry to rebind: served when it is where we listen.
        return self._any_address or name == self._bind


def control_body_refusal(method: str, headers: dict[str, str], body: bytes) -> str | None:
    """Why a control request's body is refused (None: it is fine)."""
    if method in ("GET", "HEAD", "OPTIONS") or not body.strip():
        return None
    content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type != "application/json":
        return "the control API takes JSON bodies only (Content-Type: application/json)"
    return None
