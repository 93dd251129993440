"""Going on with a coroutine that was stepped once by hand.

The server runs some coroutines up to their first wait on the spot (``coro.send(None)``),
because most never wait: a handler whose work is all in memory, a body that has already
arrived. One that did stop is then awaited from where it stopped with :func:`resume`.
"""

from __future__ import annotations

import types
from typing import Any, Generator

__all__ = ["resume"]


@types.coroutine
def resume(coroutine: Any, waiting_on: Any) -> Generator[Any, Any, Any]:
    """Go on awaiting ``coroutine``, which was stepped once by hand and is waiting on
    ``waiting_on`` (what that step yielded): what ``await`` would have done had it run it
    from the start. What it is sent or thrown (a cancellation, a timeout) goes on to the
    coroutine, so a task drives it as it would have driven it from its start."""
    while True:
        try:
            sent = yield waiting_on
        except BaseException as exc:  # noqa: BLE001 - cancellation, the timeout: the coroutine sees it
            try:
                waiting_on = coroutine.throw(exc)
            except StopIteration as done:
                return done.value
        else:
            try:
                waiting_on = coroutine.send(sent)
            except StopIteration as done:
                return done.value
