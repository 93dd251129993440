"""The in-process event bus: named event kinds, subscribers, and ordered delivery.

Events are delivered after the publishing handler has finished its own work, in the order
they were published, on the server's event loop — so the request that caused them has
already changed its state (an S3 object exists before its notification is sent) and a
subscriber's failure can never fail the publisher's request. With no running loop (unit
tests, tick processors called off-loop), delivery is immediate.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

log = logging.getLogger("cloudtwin.events")

Subscriber = Callable[["Event"], "None | Awaitable[None]"]


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened: ``kind`` like ``"s3:ObjectCreated"``, where, and the data."""

    kind: str
    account_id: str
    region: str
    detail: dict[str, Any] = field(default_factory=dict)


class EventBus:
    """Subscribers by event kind (``"*"`` receives every event)."""

    def __init__(self, after_delivery: Callable[[], None] | None = None) -> None:
        self._subscribers: dict[str, list[Subscriber]] = defaultdict(list)
        self.delivered = 0
        self.failed = 0
        #: Called after each delivery (persistence commits what the subscriber wrote: a
        #: delivery happens after the publishing request was acknowledged).
        self.after_delivery = after_delivery

    def _settled(self) -> None:
        if self.after_delivery is not None:
            try:
                self.after_delivery()
            except Exception:  # noqa: BLE001
                log.exception("committing an event delivery failed")

    def subscribe(self, kind: str, subscriber: Subscriber) -> None:
        self._subscribers[kind].append(subscriber)

    def unsubscribe(self, kind: str, subscriber: Subscriber) -> None:
        subs = self._subscribers.get(kind)
        if subs and subscriber in subs:
            subs.remove(subscriber)

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to its subscribers soon (after the current handler)."""
        targets = [*self._subscribers.get(event.kind, ()), *self._subscribers.get("*", ())]
        if not targets:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        for subscriber in targets:
            if loop is None:
                self._deliver_now(subscriber, event)
            else:
                loop.call_soon(self._deliver_soon, loop, subscriber, event)

    def _deliver_now(self, subscriber: Subscriber, event: Event) -> None:
        try:
            result = subscriber(event)
            if inspect.isawaitable(result):
                asyncio.run(result)  # type: ignore[arg-type]
            self.delivered += 1
        except Exception:  # noqa: BLE001 - a subscriber must not break the publisher
            self.failed += 1
            log.exception("event subscriber failed for %s", event.kind)
        self._settled()

    def _deliver_soon(self, loop: asyncio.AbstractEventLoop, subscriber: Subscriber, event: Event) -> None:
        try:
            result = subscriber(event)
        except Exception:  # noqa: BLE001
            self.failed += 1
            log.exception("event subscriber failed for %s", event.kind)
            self._settled()
            return
        if inspect.isawaitable(result):
            task = loop.create_task(result)  # type: ignore[arg-type]
            task.add_done_callback(self._done)
        else:
            self.delivered += 1
            self._settled()

    def _done(self, task: "asyncio.Task[Any]") -> None:
        if task.cancelled():
            return
        if task.exception() is not None:
            self.failed += 1
            log.error("event subscriber failed: %r", task.exception())
        else:
            self.delivered += 1
        self._settled()
