"""Helpers of the Lambda tests (imported by name: tests are not packages)."""

from __future__ import annotations

import io
import json
import time
import zipfile
from typing import Any, Callable


def zipped(files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644)) << 16
            archive.writestr(info, content)
    return buffer.getvalue()


def invoke_json(lam, name: str, event: Any = None, **kwargs: Any) -> tuple[dict, Any]:
    """``(response, decoded payload)`` of a synchronous invoke."""
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event if event is not None else {}), **kwargs)
    return response, json.loads(response["Payload"].read() or b"null")


def eventually(check: Callable[[], Any], seconds: float = 20.0) -> Any:
    """Poll a real process's work (not the virtual clock) until ``check`` returns a truthy value."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def queue(sqs, name: str, **attributes: str) -> tuple[str, str]:
    """(URL, ARN) of a new queue."""
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def seen(sqs, url: str, count: int) -> list:
    """The JSON bodies of at least ``count`` messages, received and deleted."""
    bodies: list = []

    def more():
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return len(bodies) >= count

    assert eventually(more, 30), bodies
    return bodies
