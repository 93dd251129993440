"""Importing (and building) what the first request to any service needs, in the background
once the server serves, so that neither start-up nor a first call waits for it."""

from __future__ import annotations

import logging
import threading
from typing import Callable

errlog = logging.getLogger("cloudtwin.gateway")

MODULES = (
    "cloudtwin.specs.model", "cloudtwin.gateway.router", "cloudtwin.specs.index",
    "cloudtwin.protocol.validation", "cloudtwin.protocol.parsers", "cloudtwin.protocol.serializers",
    "cloudtwin.state.records",  # the record types every service's models declare
    *(f"cloudtwin.protocol.{name}" for name in (
        "query", "json", "rest_json", "rest_xml",
        "query_serializer", "json_serializer", "rest_json_serializer", "rest_xml_serializer",
    )),
)


def warm_up(done: threading.Event, prepare: Callable[[], object] | None = None) -> None:
    """Import the machinery the first request to any service needs (the model reader,
    the router, the wire protocols, validation: ~25 ms), in a thread
    once the server is up, then call ``prepare`` (the gateway builds its router: the
    index of every service, which every service call is routed with: ~2 ms). The health
    URL answers once it is done (so a first call made right after the first 200 waits for
    nothing); a service call that comes during it waits for it
    (``Gateway._finish_warm_up``). Nothing per service is built here: a service nobody
    calls costs no memory.

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
        if prepare is not None:
            prepare()
    except Exception:  # noqa: BLE001 - a request will meet (and report) the same failure
        errlog.debug("warm-up failed", exc_info=True)
    finally:
        gc.freeze()
        done.set()


def start_warm_up(prepare: Callable[[], object] | None = None) -> threading.Event:
    """Start the warm-up thread; the event is set once it is done."""
    done = threading.Event()
    threading.Thread(target=warm_up, args=(done, prepare), name="cloudtwin-warm-up", daemon=True).start()
    return done

