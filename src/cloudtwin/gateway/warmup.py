"""Importing what the first request to any service needs, in the background once the server
serves, so that neither start-up nor a first call waits for it."""

from __future__ import annotations

import logging
import threading

errlog = logging.getLogger("cloudtwin.gateway")

MODULES = (
    "cloudtwin.specs.model", "cloudtwin.gateway.router", "cloudtwin.specs.index",
    "cloudtwin.protocol.validation", "cloudtwin.protocol.parsers", "cloudtwin.protocol.serializers",
    *(f"cloudtwin.protocol.{name}" for name in (
        "query", "json", "rest_json", "rest_xml",
        "query_serializer", "json_serializer", "rest_json_serializer", "rest_xml_serializer",
    )),
)


def warm_up(done: threading.Event) -> None:
    """Import the machinery the first request to any service needs (the model reader,
    the router, the wire protocols, validation: ~25 ms), in a thread
    once the server is up. The health URL answers once it is done (so a first call made
    right after the first 200 waits for nothing); a service call that comes during it
    waits for it (``Gateway._finish_warm_up``). Nothing is built here that a request builds.

    Then everything alive (modules, code: long-lived) leaves the garbage collector's care
    (``gc.freeze``): a full collection would otherwise walk it all again, a pause of
    10-20 ms in the middle of some request."""
    import gc
    from importlib import import_module

    from cloudtwin.code_cache import compiled_code

    try:
        with compiled_code("cloudtwin.warm-up"):  # their classes' code, as a server before compiled it
            for name in MODULES:
                import_module(name)
    except Exception:  # noqa: BLE001 - a request will meet (and report) the same failure
        errlog.debug("warm-up failed", exc_info=True)
    finally:
        gc.freeze()
        done.set()


def start_warm_up() -> threading.Event:
    """Start the warm-up thread; the event is set once it is done."""
    done = threading.Event()
    threading.Thread(target=warm_up, args=(done,), name="cloudtwin-warm-up", daemon=True).start()
    return done

