"""Warm execution environments, per function version, and the concurrency they may use.

An invocation takes an idle environment of the same function version and configuration
(``Blueprint.key``) when there is one — globals and ``/tmp`` survive, init runs once, as on
AWS — or starts a new one. A function with reserved concurrency N never has more than N
invocations running: the next is throttled. Environments idle longer than ``idle_seconds``
are stopped; changing a function's code or configuration stops its environments.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cloudtwin.execution.environment import (
    Blueprint,
    ExecutionEnvironment,
    Invocation,
    LogSink,
    Outcome,
)


class Throttled(Exception):
    """No concurrency left for the function (its reserved concurrency, or the account's)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class PoolStats:
    started: int = 0
    reused: int = 0
    throttled: int = 0


class EnvironmentPool:
    def __init__(
        self,
        root: Path | None = None,
        *,
        idle_seconds: float = 600.0,
        account_limit: int = 1000,
        sink: LogSink | None = None,
    ) -> None:
        self._own_root = root is None
        self.root = Path(root) if root is not None else Path(tempfile.mkdtemp(prefix="cloudtwin-lambda-"))
        self.idle_seconds = idle_seconds
        self.account_limit = account_limit
        self.sink = sink
        #: function ARN (unqualified) -> its environments
        self._environments: dict[str, list[ExecutionEnvironment]] = defaultdict(list)
        self.stats = PoolStats()

    # -- invoking -------------------------------------------------------------------------------

    async def invoke(
        self, blueprint: Blueprint, invocation: Invocation, reserved: int | None = None
    ) -> Outcome:
        """Run one invocation; raises :class:`Throttled` or ``RuntimeUnavailable``."""
        await self.reap()
        environment = self._acquire(blueprint, reserved)
        try:
            if environment.process is None:
                await environment.start()
            return await environment.invoke(invocation)
        except BaseException:
            await self._discard(environment)
            raise
        finally:
            if environment.dead:
                await self._discard(environment)

    async def prewarm(self, blueprint: Blueprint) -> bytes | None:
        """Start an environment and let its runtime initialize, without an invocation (as
        provisioned concurrency does); it then waits, idle, for invocations of its key.
        None when the runtime is ready, else the error its initialization reported."""
        environment = self._acquire(blueprint, None)
        try:
            await environment.start()
            error = await environment.initialized()
        except BaseException:
            await self._discard(environment)
            raise
        if error is not None:
            await self._discard(environment)
            return error
        environment.busy = False
        environment.last_used = time.monotonic()
        return None

    def busy(self, function_arn: str, initialization_type: str) -> int:
        """How many of a function's environments of one initialization type are working."""
        return sum(
            1 for e in self._environments.get(function_arn, ())
            if e.busy and not e.dead and e.blueprint.initialization_type == initialization_type
        )  # fmt: skip

    def _acquire(self, blueprint: Blueprint, reserved: int | None) -> ExecutionEnvironment:
        mine = self._environments[blueprint.function_arn]
        busy = sum(1 for e in mine if e.busy and not e.dead)
        if reserved is not None and busy >= reserved:  # (a warm environment counts too)
            self.stats.throttled += 1
            raise Throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
        for environment in mine:
            if not environment.busy and not environment.dead and environment.blueprint.key == blueprint.key:
                environment.busy = True
                self.stats.reused += 1
                return environment
        if self.running() >= self.account_limit:
            self.stats.throttled += 1
            raise Throttled("ConcurrentInvocationLimitExceeded")
        environment = ExecutionEnvironment(blueprint, self.root, self.sink)
        environment.busy = True
        mine.append(environment)
        self.stats.started += 1
        return environment

    def running(self) -> int:
        return sum(1 for envs in self._environments.values() for e in envs if e.busy and not e.dead)

    # -- retiring -------------------------------------------------------------------------------

    async def _discard(self, environment: ExecutionEnvironment) -> None:
        mine = self._environments.get(environment.blueprint.function_arn)
        if mine is not None and environment in mine:
            mine.remove(environment)
        await environment.stop()

    async def retire(self, function_arn: str, keep_key: str | None = None) -> int:
        """Stop the idle environments of a function whose key is not ``keep_key``; busy
        ones finish their invocation and are not reused (their key no longer matches)."""
        stopped = 0
        for environment in list(self._environments.get(function_arn, ())):
            if environment.blueprint.key != keep_key and not environment.busy:
                await self._discard(environment)
                stopped += 1
        return stopped

    async def reap(self) -> int:
        """Stop environments idle for longer than ``idle_seconds``."""
        now = time.monotonic()
        stale = [
            e for envs in self._environments.values() for e in envs
            if not e.busy and (e.dead or now - e.last_used > self.idle_seconds)
        ]
        for environment in stale:
            await self._discard(environment)
        return len(stale)

    async def stop_idle(self) -> int:
        """Stop every idle environment (a reset: the functions they ran may be gone)."""
        idle = [e for envs in self._environments.values() for e in envs if not e.busy]
        for environment in idle:
            await self._discard(environment)
        return len(idle)

    async def close(self) -> None:
        for envs in list(self._environments.values()):
            for environment in list(envs):
                await self._discard(environment)
        self._environments.clear()
        if self._own_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def describe(self) -> list[dict[str, Any]]:
        """The environments alive, for introspection."""
        out = []
        for arn, envs in self._environments.items():
            for e in envs:
                out.append({
                    "function_arn": arn,
                    "version": e.blueprint.version,
                    "runtime": e.blueprint.runtime,
                    "pid": e.process.pid if e.process is not None else None,
                    "state": "dead" if e.dead else ("busy" if e.busy else "idle"),
                    "idle_seconds": round(time.monotonic() - e.last_used, 3),
                    "log_stream": e.log_stream,
                })
        return out
