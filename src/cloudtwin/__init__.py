"""cloudtwin: a local twin of AWS, driven by botocore's service models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Client", "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.client import Client


def __getattr__(name: str) -> Any:
    # Lazy, so that ``import cloudtwin`` (and the pytest plugin) stays cheap.
    if name == "Client":
        from cloudtwin.client import Client

        return Client
    raise AttributeError(f"module 'cloudtwin' has no attribute {name!r}")
