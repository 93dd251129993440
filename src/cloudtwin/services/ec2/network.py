"""Addresses and CIDR blocks: parsing, AWS's size rules, overlap, and address counts."""

from __future__ import annotations

import ipaddress
import random
from typing import Union

from cloudtwin.protocol.errors import ServiceError

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def ipv4_block(text: str | None, parameter: str = "cidrBlock") -> ipaddress.IPv4Network:
    """A CIDR block as AWS accepts it: an address with a prefix length, whose host bits
    AWS clears (``100.30.20.0/20`` is ``100.30.16.0/20``)."""
    try:
        if text is None or "/" not in text:
            raise ValueError
        return ipaddress.IPv4Network(text, strict=False)
    except ValueError:
        raise ServiceError(
            "InvalidParameterValue", f"Value ({text}) for parameter {parameter} is invalid. This is not a valid CIDR block."
        ) from None


def ipv6_block(text: str | None, parameter: str = "ipv6CidrBlock") -> ipaddress.IPv6Network:
    try:
        if text is None or "/" not in text:
            raise ValueError
        return ipaddress.IPv6Network(text, strict=True)
    except ValueError:
        raise ServiceError(
            "InvalidParameterValue", f"Value ({text}) for parameter {parameter} is invalid. This is not a valid IPv6 CIDR block."
        ) from None


def any_block(text: str) -> Network | None:
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def overlaps(a: str, b: str) -> bool:
    na, nb = any_block(a), any_block(b)
    return na is not None and nb is not None and na.version == nb.version and na.overlaps(nb)  # type: ignore[arg-type]


def within(inner: str, outer: str) -> bool:
    ni, no = any_block(inner), any_block(outer)
    return ni is not None and no is not None and ni.version == no.version and ni.subnet_of(no)  # type: ignore[arg-type]


def usable_addresses(block: ipaddress.IPv4Network) -> int:
    """Addresses of a subnet minus the five AWS reserves (network, router, DNS, future, broadcast)."""
    return block.num_addresses - 5



def public_address() -> str:
    """A public IPv4 address as AWS hands them out (from its own ranges)."""
    return f"{random.choice((3, 13, 18, 34, 35, 44, 52, 54))}.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
