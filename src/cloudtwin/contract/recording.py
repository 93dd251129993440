"""Record the reference's answers once; replay them later with no reference reachable.

A recording is a directory with one JSON file per exchange
(``00001-sqs-CreateQueue.json``): the request's service, action, method, path and a key,
and the reference's answer (status, headers, base64 body). A workload recorded against
AWS can then be re-checked against cloudtwin offline, in CI.

Replay looks an exchange up by its request key first (method, path, the query without
signature parameters, body): the same request gets the answer recorded for it, in order
when it was sent more than once. A request that changed (a random name, a timestamp in the
body) falls back to the next unused recording of the same service and action, which is
what a workload that repeats its steps needs.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from cloudtwin.contract.upstream import Answer

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.protocol.http import HttpRequest

__all__ = ["Recorder", "Replayer", "request_key"]

_SIGNATURE_PARAMS = ("X-Amz-", "AWSAccessKeyId", "Signature", "Expires")


def request_key(request: "HttpRequest") -> str:
    query = sorted(
        (k, v) for k, v in parse_qsl(request.query_string, keep_blank_values=True)
        if not k.startswith(_SIGNATURE_PARAMS)
    )
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path} {query!r}\n".encode())
    digest.update(request.body or b"")
    return digest.hexdigest()[:32]


class Recorder:
    """Writes each reference answer as it comes."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._count = 0
        self._lock = threading.Lock()

    def save(self, service: str, action: str, request: "HttpRequest", answer: Answer) -> Path:
        with self._lock:
            self._count += 1
            number = self._count
        path = self.directory / f"{number:05d}-{service}-{action}.json"
        record: dict[str, Any] = {
            "service": service,
            "action": action,
            "key": request_key(request),
            "request": {"method": request.method, "path": request.path, "query": request.query_string},
            "response": answer.to_record(),
        }
        path.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        return path


class Replayer:
    """Serves recorded reference answers."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        if not self.directory.is_dir():
            raise FileNotFoundError(f"no recording at {self.directory}")
        self._records: list[dict[str, Any]] = [
            json.loads(p.read_text(encoding="utf-8")) for p in sorted(self.directory.glob("*.json"))
        ]
        self._used = [False] * len(self._records)
        self._by_key: dict[str, deque[int]] = {}
        self._by_action: dict[tuple[str, str], deque[int]] = {}
        for index, record in enumerate(self._records):
            self._by_key.setdefault(record["key"], deque()).append(index)
            self._by_action.setdefault((record["service"], record["action"]), deque()).append(index)
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._records)

    def answer(self, service: str, action: str, request: "HttpRequest") -> Answer:
        with self._lock:
            index = self._take(self._by_key.get(request_key(request)))
            if index is None:
                index = self._take(self._by_action.get((service, action)))
            if index is None:
                return Answer(None, error=f"no recorded answer for {service}.{action}")
            self._used[index] = True
            return Answer.from_record(self._records[index]["response"])

    def _take(self, queue: "deque[int] | None") -> int | None:
        while queue:
            index = queue.popleft()
            if not self._used[index]:
                return index
        return None
