"""One execution environment: a local process running a function version's code.

The process starts in the function's unpacked code directory with AWS's environment
variables, and asks the Runtime API (runtime_api.py) for events. Its output is read line
by line and attributed to the invocation it belongs to. One invocation at a time, as on
AWS; an environment that timed out, crashed or failed to start is stopped and never
reused.
"""

from __future__ import annotations

import array
import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import os
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from cloudtwin.execution import runtimes
from cloudtwin.execution import sandbox_mounts
from cloudtwin.execution.sandbox_mounts import Sandbox
from cloudtwin.execution.sandbox_paths import RUNTIME_DIR, TASK_ROOT, SandboxPaths

log = logging.getLogger("cloudtwin.execution")

#: AWS gives a runtime 10 seconds to initialise before the first event.
INIT_TIMEOUT = 10.0
_TAIL_BYTES = 4096


@dataclass(frozen=True, slots=True)
class Blueprint:
    """Everything needed to start an environment for one function version (plain data)."""

    function_name: str
    function_arn: str
    version: str
    runtime: str
    handler: str
    code_dir: str
    layer_dirs: tuple[str, ...]
    memory_mb: int
    timeout: int
    variables: tuple[tuple[str, str], ...]
    account_id: str
    region: str
    endpoint: str
    log_group: str
    credentials: tuple[str, str, str] | None = None
    #: Environments are reused only for the same key (code + configuration).
    key: str = ""
    #: ``on-demand``, or ``provisioned-concurrency`` for a version with provisioned concurrency
    initialization_type: str = "on-demand"


@dataclass(slots=True)
class Invocation:
    request_id: str
    payload: bytes
    invoked_arn: str
    timeout: float
    client_context: str | None = None
    trace_id: str | None = None
    future: asyncio.Future | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)
    lines: list[str] = field(default_factory=list)
    deadline_ms: int = 0

    def runtime_headers(self) -> list[tuple[str, str]]:
        headers = [
            ("content-type", "application/json"),
            ("lambda-runtime-aws-request-id", self.request_id),
            ("lambda-runtime-deadline-ms", str(self.deadline_ms)),
            ("lambda-runtime-invoked-function-arn", self.invoked_arn),
            ("lambda-runtime-trace-id", self.trace_id or f"Root=1-{int(time.time()):08x}-{self.request_id.replace('-', '')[:24]};Sampled=0"),
        ]
        if self.client_context:
            headers.append(("lambda-runtime-client-context", self.client_context))
        return headers


@dataclass(slots=True)
class Outcome:
    """What an invocation came to: the payload, and ``error`` ("Unhandled") when it failed."""

    payload: bytes
    error: str | None = None
    duration_ms: float = 0.0
    init_duration_ms: float | None = None
    max_memory_mb: int = 0
    log: str = ""
    #: The environment's log stream (``2024/01/31/[$LATEST]<id>``).
    log_stream: str = ""

    def tail(self) -> str:
        """The last 4 KB of the log, base64 (``LogType=Tail``)."""
        data = self.log.encode()[-_TAIL_BYTES:]
        return base64.b64encode(data).decode()


def error_payload(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


LogSink = Callable[["ExecutionEnvironment", str, float], None]


class ExecutionEnvironment:
    def __init__(self, blueprint: Blueprint, root: Path, sink: LogSink | None = None) -> None:
        self.blueprint = blueprint
        self.root = root
        self.sink = sink
        from cloudtwin.execution.runtime_api import RuntimeApi  # h11: only once code runs

        self.api = RuntimeApi(self)
        self.paths = SandboxPaths.for_blueprint(blueprint)
        self.process: asyncio.subprocess.Process | None = None
        self.queue: asyncio.Queue[Invocation] = asyncio.Queue(maxsize=1)
        self.current: Invocation | None = None
        self.busy = False
        self.dead = False
        self.cold = True
        self.started_at = 0.0
        self.ready_at: float | None = None
        self.last_used = time.monotonic()
        self.init_error: bytes | None = None
        self.out_of_memory = False
        #: The highest resident size (KiB) the memory watcher saw: the peak when /proc's
        #: high-water mark cannot be read at the end of an invocation.
        self._rss_seen_kib = 0
        self.init_lines: list[str] = []
        self.tmp_dir: str | None = None
        #: the sandbox's mount table (sandbox_mounts.py), removed with the environment
        self.mount_table: str | None = None
        self.log_stream = ""
        self._tasks: list[asyncio.Task] = []

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        bp = self.blueprint
        command, extra = runtimes.command(bp)  # raises RuntimeUnavailable
        self.tmp_dir = tempfile.mkdtemp(prefix="tmp-", dir=self.root)
        launch = runtimes.sandbox_launch(bp)
        private = []
        code = hashlib.sha256("\0".join((bp.code_dir, *bp.layer_dirs)).encode()).hexdigest()[:16]
        for target in launch.private:  # one folder per code and layers, for this server's life
            source = self.root / "private" / code / target.strip("/").replace("/", "-")
            source.mkdir(parents=True, exist_ok=True)
            private.append((str(source), target))
        sandbox = Sandbox.plan(bp.code_dir, bp.layer_dirs, launch.runtime_dir, self.tmp_dir, launch.needs, private)
        port = await self.api.start()
        now = time.gmtime()
        self.log_stream = (
            f"{time.strftime('%Y/%m/%d', now)}/[{bp.version}]{os.urandom(16).hex()}"
        )
        env = _base_environment(sandboxed=sandbox is not None)
        env.update(dict(bp.variables))
        env.update(
            {
                "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
                "AWS_LAMBDA_FUNCTION_NAME": bp.function_name,
                "AWS_LAMBDA_FUNCTION_VERSION": bp.version,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(bp.memory_mb),
                "AWS_LAMBDA_LOG_GROUP_NAME": bp.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": bp.initialization_type,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{bp.runtime}",
                "AWS_REGION": bp.region,
                "AWS_DEFAULT_REGION": bp.region,
                "AWS_ENDPOINT_URL": bp.endpoint,
                "LAMBDA_TASK_ROOT": bp.code_dir,
                "LAMBDA_RUNTIME_DIR": str(Path(runtimes.__file__).parent),
                "_HANDLER": bp.handler,
                "TMPDIR": self.tmp_dir,
                "TZ": ":UTC",
                "LANG": "en_US.UTF-8",
            }
        )
        if bp.credentials is not None:
            key, secret, token = bp.credentials
            env.update(AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret)
            if token:
                env["AWS_SESSION_TOKEN"] = token
        cwd = bp.code_dir
        if sandbox is None:
            env.update(extra)
        else:  # AWS's layout and AWS's variables, exactly: no TMPDIR (/tmp is the environment's own)
            del env["TMPDIR"]
            env.update(LAMBDA_TASK_ROOT=TASK_ROOT, LAMBDA_RUNTIME_DIR=RUNTIME_DIR, **launch.variables)
            own = dict(bp.variables)  # PATH and LD_LIBRARY_PATH are the function's to set
            for name, aws in (("PATH", sandbox_mounts.AWS_PATH), ("LD_LIBRARY_PATH", sandbox_mounts.AWS_LIBRARY_PATH)):
                if name not in own:
                    env[name] = sandbox_mounts.search_path(aws, env.get(name))
            env.update({k: v for k, v in sandbox_mounts.XRAY.items() if k not in own})
            if launch.managed:
                env.update(PWD=TASK_ROOT, SHLVL="0")
            self.mount_table = str(self.root / f"mounts-{os.urandom(8).hex()}")
            command, env = sandbox.command(launch.argv, env, self.mount_table)
            cwd = None
        self.started_at = time.perf_counter()
        self.process = await asyncio.create_subprocess_exec(
            *command,
            cwd=cwd,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        self._tasks = [
            asyncio.ensure_future(self._read_output()),
            asyncio.ensure_future(self._watch_exit()),
        ]

    async def stop(self) -> None:
        """Kill the process (and anything it started) and drop its files."""
        self.dead = True
        process = self.process
        if process is not None and process.returncode is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                await asyncio.wait_for(process.wait(), 5)
            except asyncio.TimeoutError:  # pragma: no cover
                pass
        self.api.close()
        for task in self._tasks:
            if not task.done():
                task.cancel()
        if self.tmp_dir:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
        if self.mount_table:
            with contextlib.suppress(OSError):
                os.unlink(self.mount_table)

    async def initialized(self) -> bytes | None:
        """Wait until the runtime asks for its first event (None) or its initialization
        fails (the error), at most INIT_TIMEOUT seconds."""
        deadline = time.perf_counter() + INIT_TIMEOUT
        while self.ready_at is None and self.init_error is None and not self.dead:
            if time.perf_counter() > deadline:
                return error_payload("Runtime.InitTimeout", f"The runtime did not initialize within {INIT_TIMEOUT:.0f} seconds")
            await asyncio.sleep(0.02)
        if self.init_error is not None:
            return self.init_error
        if self.dead:
            return error_payload("Runtime.ExitError", "The runtime exited during initialization")
        return None

    # -- invoking -------------------------------------------------------------------------------

    async def invoke(self, invocation: Invocation) -> Outcome:
        loop = asyncio.get_running_loop()
        invocation.future = loop.create_future()
        self.busy = True
        cold, self.cold = self.cold, False
        try:
            await self.queue.put(invocation)
            outcome = await self._await(invocation, cold)
        finally:
            self.busy = False
            self.last_used = time.monotonic()
            self.current = None
        # Output the handler printed before answering may still be in the pipe.
        await self._drain_output()
        if cold:
            outcome.init_duration_ms = (
                ((self.ready_at or time.perf_counter()) - self.started_at) * 1000
            )
        # the init's output, or what the process printed between invocations
        invocation.lines[:0] = self.init_lines
        self.init_lines = []
        outcome.log = "".join(invocation.lines)
        outcome.log_stream = self.log_stream
        return outcome

    async def _await(self, invocation: Invocation, cold: bool) -> Outcome:
        future = invocation.future
        assert future is not None
        waited = time.perf_counter()
        started = asyncio.ensure_future(invocation.started.wait())
        try:
            done, _ = await asyncio.wait(
                {started, future}, timeout=INIT_TIMEOUT if cold else None,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            if not started.done():
                started.cancel()
        if future.done():  # answered before this task looked (a fast function on a busy machine)
            outcome = future.result()
            outcome.duration_ms = (time.perf_counter() - waited) * 1000
            outcome.max_memory_mb = self._peak_mb()
            return outcome
        if not done:  # the runtime never asked for the event
            await self.stop()
            return Outcome(
                error_payload(
                    "Runtime.Unknown",
                    f"RequestId: {invocation.request_id} Error: Runtime failed to start "
                    f"within {INIT_TIMEOUT:.0f} seconds",
                ),
                "Unhandled",
            )
        begun = time.perf_counter()
        watcher = asyncio.ensure_future(self._watch_memory(future))
        try:
            outcome = await asyncio.wait_for(asyncio.shield(future), invocation.timeout)
        except asyncio.TimeoutError:
            await self.stop()
            outcome = Outcome(
                error_payload(
                    "Sandbox.Timedout",
                    f"RequestId: {invocation.request_id} Error: Task timed out after "
                    f"{invocation.timeout:.2f} seconds",
                ),
                "Unhandled",
            )
            invocation.lines.append(
                f"{_stamp()} {invocation.request_id} Task timed out after "
                f"{invocation.timeout:.2f} seconds\n"
            )
        finally:
            watcher.cancel()
        outcome.duration_ms = (time.perf_counter() - begun) * 1000
        outcome.max_memory_mb = self._peak_mb()
        return outcome

    # -- memory ---------------------------------------------------------------------------------

    def _status_kib(self, field: str) -> int:
        """A ``/proc/<pid>/status`` figure (kB) of the process, 0 where /proc is not there."""
        if self.process is None:
            return 0
        try:
            with open(f"/proc/{self.process.pid}/status") as status:
                for line in status:
                    if line.startswith(field):
                        return int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        return 0

    def _peak_mb(self) -> int:
        """The process's peak resident size so far (MB, at least 1)."""
        return max(1, round(max(self._status_kib("VmHWM:"), self._rss_seen_kib) / 1024))

    async def _watch_memory(self, future: asyncio.Future) -> None:
        """The memory limit, where the OS lets us look (Linux /proc): a function using more
        resident memory than its MemorySize is stopped, as AWS stops it."""
        limit_kib = self.blueprint.memory_mb * 1024
        while not future.done():
            rss = self._status_kib("VmRSS:")
            self._rss_seen_kib = max(self._rss_seen_kib, rss)
            if rss > limit_kib:
                self.out_of_memory = True
                if self.process is not None and self.process.returncode is None:
                    try:
                        os.killpg(self.process.pid, signal.SIGKILL)
                    except (ProcessLookupError, PermissionError):
                        pass
                return
            await asyncio.sleep(0.05)

    # -- the Runtime API's side ---------------------------------------------------------------

    async def next_invocation(self) -> Invocation:
        if self.ready_at is None:
            self.ready_at = time.perf_counter()
        invocation = await self.queue.get()
        invocation.deadline_ms = int((time.time() + invocation.timeout) * 1000)
        self.current = invocation
        invocation.started.set()
        return invocation

    def _settle(self, request_id: str, outcome: Outcome) -> bool | None:
        invocation = self.current
        if invocation is None or invocation.request_id != request_id:
            return False
        if invocation.future is not None and not invocation.future.done():
            invocation.future.set_result(outcome)
        return True

    def respond(self, request_id: str, body: bytes) -> bool | None:
        return self._settle(request_id, Outcome(body))

    def fail(self, request_id: str, body: bytes, error_type: str | None) -> bool | None:
        return self._settle(request_id, Outcome(_error_body(self.paths.payload(body), error_type), "Unhandled"))

    def init_failed(self, body: bytes, error_type: str | None) -> None:
        self.init_error = _error_body(self.paths.payload(body), error_type)

    # -- the process's side ---------------------------------------------------------------------

    async def _read_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        stream = self.process.stdout
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # a line longer than the stream's limit: take what is there
                line = await stream.read(65536)
            if not line:
                return
            text = self.paths.text(line.decode("utf-8", "replace"))
            if not text.endswith("\n"):
                text += "\n"
            invocation = self.current
            (invocation.lines if invocation is not None else self.init_lines).append(text)
            if self.sink is not None:
                self.sink(self, text, time.time())

    def _unread_output(self) -> int:
        """Output the process wrote that the reader has not taken yet: bytes in the pipe
        (where the OS tells, FIONREAD) and whole lines in the stream's buffer (a line
        still being written is not waited for)."""
        process = self.process
        if process is None or process.stdout is None:
            return 0
        pending = int(b"\n" in getattr(process.stdout, "_buffer", b""))
        transport = getattr(process, "_transport", None)
        pipe = transport.get_pipe_transport(1) if transport is not None else None
        handle = pipe.get_extra_info("pipe") if pipe is not None else None
        if handle is not None:
            try:
                import fcntl
                import termios

                count = array.array("i", [0])
                fcntl.ioctl(handle.fileno(), termios.FIONREAD, count)
                pending += count[0]
            except (ImportError, OSError, ValueError):
                pass
        return pending

    async def _drain_output(self) -> None:
        """Let the reader take what the process printed before it answered (it is in the
        pipe by the time the answer arrives), so the lines go to this invocation's log."""
        for _ in range(3):
            await asyncio.sleep(0)
        deadline = time.perf_counter() + 0.5
        while self._unread_output() and time.perf_counter() < deadline and not self.dead:
            await asyncio.sleep(0.001)

    async def _watch_exit(self) -> None:
        assert self.process is not None
        code = await self.process.wait()
        await asyncio.sleep(0)  # let the reader take the last lines
        if self.dead:
            return
        self.dead = True
        self.api.close()
        reason = f"signal: {signal.Signals(-code).name.lower().removeprefix('sig')}" if code < 0 else f"exit status {code}"
        waiting: list[Invocation] = []
        if self.current is not None:
            waiting.append(self.current)
        while not self.queue.empty():
            waiting.append(self.queue.get_nowait())
        for invocation in waiting:
            if invocation.future is None or invocation.future.done():
                continue
            if self.init_error is not None:
                outcome = Outcome(self.init_error, "Unhandled")
            elif self.out_of_memory:
                outcome = Outcome(
                    error_payload(
                        "Runtime.OutOfMemory",
                        f"RequestId: {invocation.request_id} Error: Runtime exited with error: signal: killed",
                    ),
                    "Unhandled",
                )
            else:
                outcome = Outcome(
                    error_payload(
                        "Runtime.ExitError",
                        f"RequestId: {invocation.request_id} Error: Runtime exited with error: {reason}",
                    ),
                    "Unhandled",
                )
            invocation.started.set()
            invocation.future.set_result(outcome)
        if self.tmp_dir:
            shutil.rmtree(self.tmp_dir, ignore_errors=True)


def _error_body(body: bytes, error_type: str | None) -> bytes:
    """The error object a runtime posted, as the caller gets it (JSON, with errorType)."""
    try:
        value = json.loads(body) if body else {}
    except ValueError:
        value = None
    if not isinstance(value, dict):
        return error_payload(error_type or "Runtime.Unknown", body.decode("utf-8", "replace"))
    if error_type and "errorType" not in value:
        value["errorType"] = error_type
    return json.dumps(value).encode()


def _base_environment(sandboxed: bool = False) -> dict[str, str]:
    """The few variables of this machine a process needs; nothing of the server's own (in a
    sandbox, no HOME either: AWS sets none)."""
    keep = ("PATH", "LD_LIBRARY_PATH") if sandboxed else ("PATH", "HOME", "SYSTEMROOT", "LD_LIBRARY_PATH")
    return {name: os.environ[name] for name in keep if name in os.environ}


def _stamp() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + f".{int(time.time() * 1000) % 1000:03d}Z"
