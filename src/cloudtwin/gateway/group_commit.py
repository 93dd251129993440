"""Group commit: requests that finish in the same turn of the event loop share one commit
of what they wrote (``--data-dir``), and none is answered before its writes are durable.

A request under ASGI waits for the commit (:meth:`GroupCommit.wait`); one the server
answers on the spot (``gateway/fast_path.py``) hands over a callback instead
(:meth:`GroupCommit.after`), called with None once the commit is done or with the
commit's exception, so that no task or future is made for it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Callable

errlog = logging.getLogger("cloudtwin.gateway")

__all__ = ["GroupCommit"]


class GroupCommit:
    def __init__(self, commit: Callable[[], None]) -> None:
        self._commit = commit
        self._scheduled = False
        self._waiter: "asyncio.Future[None] | None" = None
        self._callbacks: list[Callable[[Exception | None], None]] = []

    async def wait(self) -> None:
        """Return once a commit that began after this call has finished (raise its
        exception if it failed)."""
        waiter = self._waiter
        if waiter is None:
            waiter = self._waiter = asyncio.get_running_loop().create_future()
            self._schedule()
        await waiter

    def after(self, callback: Callable[[Exception | None], None]) -> None:
        """Call ``callback`` once a commit that began after this call has finished: with
        None, or with the exception that made it fail."""
        self._callbacks.append(callback)
        self._schedule()

    def _schedule(self) -> None:
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._run)

    def _run(self) -> None:
        self._scheduled = False
        waiter, self._waiter = self._waiter, None
        callbacks, self._callbacks = self._callbacks, []
        failure: Exception | None = None
        try:
            self._commit()
        except Exception as exc:  # noqa: BLE001 - every waiting request answers with it
            errlog.exception("commit failed")
            failure = exc
        if waiter is not None:
            if failure is None:
                waiter.set_result(None)
            else:
                waiter.set_exception(failure)
        for callback in callbacks:
            try:
                callback(failure)
            except Exception:  # noqa: BLE001 - one request's answer must not stop the others'
                errlog.exception("answering after a commit failed")
