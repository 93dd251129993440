"""Kinesis's error answers whose texts recur across operations."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError


def invalid_argument(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def stream_not_found(name: str, account: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Stream {name} under account {account} not found.")


def shard_not_found(shard_id: str, stream: str, account: str) -> ServiceError:
    return ServiceError(
        "ResourceNotFoundException", f"Could not find shard {shard_id} in stream {stream} under account {account}."
    )


def in_use(message: str) -> ServiceError:
    return ServiceError("ResourceInUseException", message)
