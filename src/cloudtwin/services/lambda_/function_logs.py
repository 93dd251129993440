"""Every invocation's log — ``START``, the function's output, ``END``, ``REPORT`` — written
to CloudWatch Logs as Lambda does: log group ``/aws/lambda/<function>`` (or the function's
``LoggingConfig.LogGroup``), one log stream per execution environment."""

from __future__ import annotations

import logging
from typing import Any

from cloudtwin.protocol.errors import ServiceError

log = logging.getLogger("cloudtwin.lambda")


class LogWriter:
    def __init__(self, env: Any) -> None:
        self.env = env
        self._ready: set[tuple[str, str, str, str]] = set()

    def write(self, account_id: str, region: str, group: str, stream: str, text: str) -> None:
        lines = [line for line in text.split("\n") if line]
        if not lines or not stream:
            return
        now = int(self.env.clock.now() * 1000)
        events = [{"timestamp": now, "message": line} for line in lines]
        key = (account_id, region, group, stream)
        for attempt in range(2):
            try:
                if key not in self._ready:
                    self._create(account_id, region, group, stream)
                    self._ready.add(key)
                self.env.internal.call(
                    "logs", "PutLogEvents",
                    {"logGroupName": group, "logStreamName": stream, "logEvents": events},
                    account_id=account_id, region=region,
                )  # fmt: skip
                return
            except ServiceError as error:
                self._ready.discard(key)  # deleted meanwhile: make it again, once
                if attempt or error.code != "ResourceNotFoundException":
                    log.warning("writing the log of a Lambda invocation failed: %s", error.code)
                    return

    def _create(self, account_id: str, region: str, group: str, stream: str) -> None:
        for operation, params in (
            ("CreateLogGroup", {"logGroupName": group}),
            ("CreateLogStream", {"logGroupName": group, "logStreamName": stream}),
        ):
            try:
                self.env.internal.call("logs", operation, params, account_id=account_id, region=region)
            except ServiceError as error:
                if error.code != "ResourceAlreadyExistsException":
                    raise

    def reset(self) -> None:
        self._ready.clear()
