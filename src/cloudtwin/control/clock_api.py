"""``/_cloudtwin/clock...`` and ``/_cloudtwin/tick...``: move the virtual clock, run
tick processors.

Every call that moves the clock runs the processors before it answers, and the answer
carries both the clock and what each processor did (``"processed"``), so a test can
advance by an hour and assert on the outcome straight away.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from cloudtwin.control.payload import ControlError, json_response, number, read_params
from cloudtwin.protocol.http import HttpRequest, HttpResponse

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.app import Gateway


class ClockApi:
    def __init__(self, gateway: "Gateway") -> None:
        self.gateway = gateway

    def routes(self) -> dict:
        return {
            ("GET", "clock"): self.get,
            ("POST", "clock/advance"): self.advance,
            ("POST", "clock/set"): self.set,
            ("POST", "clock/freeze"): self.freeze,
            ("POST", "clock/unfreeze"): self.unfreeze,
            ("POST", "clock/reset"): self.real_time,
            ("GET", "tick"): self.list_processors,
            ("POST", "tick"): self.tick_all,
        }

    def prefix_routes(self) -> dict:
        """Routes that take the rest of the path as an argument: ``tick/<processor>``."""
        return {("POST", "tick/"): self.tick_one}

    def _answer(self, processed: dict[str, Any]) -> HttpResponse:
        return json_response(200, {**self.gateway.clock.snapshot(), "processed": processed})

    def get(self, request: HttpRequest) -> HttpResponse:
        read_params(request, ())
        return json_response(200, self.gateway.clock.snapshot())

    def advance(self, request: HttpRequest) -> HttpResponse:
        seconds = number(read_params(request, ("seconds",)), "seconds")
        try:
            processed = self.gateway.clock.advance(seconds)
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        return self._answer(processed)

    def set(self, request: HttpRequest) -> HttpResponse:
        params = read_params(request, ("time",))
        if params.get("time") in (None, ""):
            raise ControlError(400, "missing parameter 'time' (epoch seconds, ISO-8601 or \"now\")")
        if params["time"] == "now":  # real time, the clock's frozen or running state kept
            return self._answer(self.gateway.clock.set(self.gateway.clock.real_now()))
        try:
            processed = self.gateway.clock.set(params["time"])
        except ValueError as exc:
            raise ControlError(400, str(exc)) from None
        return self._answer(processed)

    def freeze(self, request: HttpRequest) -> HttpResponse:
        read_params(request, ())
        return self._answer(self.gateway.clock.freeze())

    def unfreeze(self, request: HttpRequest) -> HttpResponse:
        read_params(request, ())
        return self._answer(self.gateway.clock.unfreeze())

    def real_time(self, request: HttpRequest) -> HttpResponse:
        """Back to real time and running, state kept (a full reset also drops state)."""
        read_params(request, ())
        return self._answer(self.gateway.clock.to_real_time())

    def list_processors(self, request: HttpRequest) -> HttpResponse:
        read_params(request, ())
        return json_response(
            200, {"processors": [s.to_dict() for s in self.gateway.processors.stats()]}
        )

    def tick_all(self, request: HttpRequest) -> HttpResponse:
        read_params(request, ())
        processed = self.gateway.processors.run_due()
        return json_response(200, {"now": self.gateway.clock.now(), "processed": processed})

    def tick_one(self, request: HttpRequest, rest: str) -> HttpResponse:
        read_params(request, ())
        name = unquote(rest)
        processors = self.gateway.processors
        try:
            report = processors.run(name)
        except KeyError:
            raise ControlError(
                404, f"no tick processor {name!r}", processors=processors.names()
            ) from None
        payload = {"processor": name, "now": self.gateway.clock.now(), "report": report}
        # A processor that raised is a cloudtwin bug: say so with a 5xx, report included.
        return json_response(500 if "error" in report else 200, payload)
