"""gateway.resumption: a coroutine stepped once by hand goes on as if awaited whole."""

from __future__ import annotations

import asyncio

import pytest

from cloudtwin.gateway.resumption import resume


def test_a_handler_run_to_its_first_wait_goes_on_as_a_task_from_there():
    """``resume``: what the server runs up to its first wait on the spot (a handler that
    has to wait) a task then drives on: sends, throws and cancellation reach it."""
    steps: list[str] = []

    async def handler(gate: asyncio.Future, failing: asyncio.Future) -> str:
        steps.append("start")
        value = await gate
        steps.append(f"got {value}")
        await asyncio.sleep(0)  # a bare yield
        try:
            await failing
        except ValueError as exc:
            steps.append(f"caught {exc}")
        return "done"

    async def blocked(gate: asyncio.Future) -> None:
        try:
            await gate
        finally:
            steps.append("cleaned up")

    async def main() -> None:
        loop = asyncio.get_running_loop()
        gate, failing = loop.create_future(), loop.create_future()
        coro = handler(gate, failing)
        waiting_on = coro.send(None)  # as the server does, outside any task
        assert waiting_on is gate and steps == ["start"]
        task = asyncio.ensure_future(resume(coro, waiting_on))
        loop.call_soon(gate.set_result, 7)
        loop.call_later(0.01, failing.set_exception, ValueError("no"))
        assert await task == "done"
        assert steps == ["start", "got 7", "caught no"]

        other = blocked(loop.create_future())
        task = asyncio.ensure_future(resume(other, other.send(None)))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert steps[-1] == "cleaned up"

    asyncio.run(main())
