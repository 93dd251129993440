"""Firehose's error answers whose texts recur across operations."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError


def invalid_argument(message: str) -> ServiceError:
    return ServiceError("InvalidArgumentException", message)


def not_found(name: str, account: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", f"Firehose {name} under account {account} not found.")
