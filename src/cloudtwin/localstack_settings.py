"""LocalStack's environment variables, read the way a LocalStack user means them.

Someone switching from LocalStack keeps their shell and CI settings. Each one that has a
meaning here becomes its ``CLOUDTWIN_*`` equivalent (unless that is set already, which
wins); each that has none is named with what to do instead. Every decision is one line
for the person starting the server.
"""

from __future__ import annotations

from typing import Mapping

_LOG_LEVELS = {"trace": "debug", "trace-internal": "debug", "debug": "debug", "info": "info",
               "warn": "warning", "warning": "warning", "error": "error"}


def _listen(value: str) -> dict[str, str]:
    """``GATEWAY_LISTEN=0.0.0.0:4566`` / ``:4567`` / ``a:1,b:2`` (the first is used)."""
    first = value.split(",", 1)[0].strip()
    host, sep, port = first.rpartition(":")
    if not sep:
        host, port = first, ""
    out: dict[str, str] = {}
    if host.strip("[]"):
        out["CLOUDTWIN_HOST"] = host.strip("[]")
    if port.isdigit():
        out["CLOUDTWIN_PORT"] = port
    return out


def translate(environ: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """``(CLOUDTWIN_* settings to add, lines to tell the user)`` for LocalStack's variables."""
    settings: dict[str, str] = {}
    notes: list[str] = []

    def use(name: str, values: dict[str, str]) -> None:
        taken = {k: v for k, v in values.items() if k not in environ and k not in settings}
        if taken:
            settings.update(taken)
            said = ", ".join(f"{k}={v}" for k, v in taken.items())
            notes.append(f"using LocalStack's {name}={environ[name]} as {said}")

    if environ.get("GATEWAY_LISTEN"):
        use("GATEWAY_LISTEN", _listen(environ["GATEWAY_LISTEN"]))
    elif environ.get("EDGE_PORT", "").isdigit():
        use("EDGE_PORT", {"CLOUDTWIN_PORT": environ["EDGE_PORT"]})
    if environ.get("LOCALSTACK_HOST"):
        name = environ["LOCALSTACK_HOST"].rsplit(":", 1)[0].strip().lower()
        if name and name not in ("localhost", "localhost.localstack.cloud", "127.0.0.1"):
            extra = [h for h in environ.get("CLOUDTWIN_HOSTNAME", "").split(",") if h]
            settings["CLOUDTWIN_HOSTNAME"] = ",".join([*extra, name])
            notes.append(f"using LocalStack's LOCALSTACK_HOST: also answering to {name}")
    if environ.get("DEFAULT_REGION"):
        use("DEFAULT_REGION", {"CLOUDTWIN_DEFAULT_REGION": environ["DEFAULT_REGION"]})
    level = _LOG_LEVELS.get(environ.get("LS_LOG", "").lower())
    if level:
        use("LS_LOG", {"CLOUDTWIN_LOG_LEVEL": level})
    elif environ.get("DEBUG", "").lower() in ("1", "true"):
        use("DEBUG", {"CLOUDTWIN_LOG_LEVEL": "debug"})
    if environ.get("EXTRA_CORS_ALLOWED_ORIGINS"):
        use("EXTRA_CORS_ALLOWED_ORIGINS",
            {"CLOUDTWIN_CORS_ORIGINS": environ["EXTRA_CORS_ALLOWED_ORIGINS"]})
    persisting = environ.get("PERSISTENCE", "").lower() in ("1", "true")
    if (persisting or environ.get("DATA_DIR")) and "CLOUDTWIN_DATA_DIR" not in environ:
        name = "PERSISTENCE" if persisting else "DATA_DIR"
        notes.append(
            f"LocalStack's {name} is not read: keep state with --data-dir DIR or "
            "CLOUDTWIN_DATA_DIR=DIR (starting with state in memory)"
        )
    if environ.get("SERVICES"):
        notes.append("LocalStack's SERVICES is not needed: every service loads on first use")
    for name in ("LOCALSTACK_AUTH_TOKEN", "LOCALSTACK_API_KEY"):
        if environ.get(name):
            notes.append(f"LocalStack's {name} is not needed: cloudtwin needs no token")
    return settings, notes
