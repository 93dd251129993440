"""What the Host header says about the service, the region and an S3 bucket.

Clients reach cloudtwin under names shaped like AWS's own endpoints, below one of the base
host names the server answers to (``localhost``, ``localhost.localstack.cloud``,
``127.0.0.1`` and any configured ones):

    localhost:4566                          no hint
    sqs.us-east-1.localhost:4566            endpoint prefix ``sqs``, region ``us-east-1``
    monitoring.localhost                    endpoint prefix ``monitoring`` (CloudWatch)
    s3.localhost / s3.eu-west-1.localhost   S3, path-style
    my-bucket.s3.localhost:4566             S3, virtual-host style: bucket ``my-bucket``
    my.bucket.s3.us-east-1.localhost        S3, bucket ``my.bucket``
    data.iotsitewise.localhost              botocore's host prefix ``data.`` + ``iotsitewise``
    my-bucket.localhost                     unknown label: ``subdomain``; the router decides
                                            (an S3 bucket, or a host prefix such as an
                                            S3 Control account id)

Results are cached per Host value on the :class:`HostRules` object: a server sees few
distinct hosts, and each is parsed once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cloudtwin.specs.index import ServiceIndex

__all__ = ["DEFAULT_HOSTNAMES", "HostInfo", "HostRules", "is_region", "website_bucket"]

DEFAULT_HOSTNAMES = ("localhost", "localhost.localstack.cloud", "127.0.0.1")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_CACHE_LIMIT = 4096


#: ``<bucket>.s3-website-<region>.<domain>`` or ``<bucket>.s3-website.<region>.<domain>``.
_WEBSITE_HOST = re.compile(r"(?P<bucket>.+?)\.s3-website[.-]")


def website_bucket(host: str) -> str | None:
    """The bucket an S3 website endpoint host names (``b.s3-website.localhost:4566``),
    or None for any other host."""
    match = _WEBSITE_HOST.match(host.split(":")[0].lower())
    return match.group("bucket") if match else None


def is_region(label: str) -> bool:
    """``us-east-1``, ``eu-central-2``, ``us-gov-west-1``, ``cn-north-1``..."""
    return _REGION.fullmatch(label) is not None


@dataclass(frozen=True, slots=True)
class HostInfo:
    """The hints one Host header gives.

    ``services`` are the botocore services whose endpoint prefix (or name) the host names;
    ``s3`` is set for the explicit S3 forms, with ``bucket`` for virtual-host style;
    ``subdomain`` holds leading labels that name nothing known (a bucket or a host prefix);
    ``known`` is False when the host is not below any of our base names (no hints at all).
    """

    services: tuple[str, ...] = ()
    region: str | None = None
    s3: bool = False
    bucket: str | None = None
    subdomain: str | None = None
    known: bool = False


NO_HINT = HostInfo()


class HostRules:
    """Parses Host headers against the base host names the server answers to."""

    def __init__(self, index: ServiceIndex, hostnames: tuple[str, ...] = ()) -> None:
        self._index = index
        names = {name.lower().rstrip(".") for name in (*DEFAULT_HOSTNAMES, *hostnames) if name}
        # Longest first, so "localhost.localstack.cloud" wins over a shorter suffix.
        self._bases = tuple(sorted(names, key=len, reverse=True))
        self._cache: dict[str, HostInfo] = {}

    def parse(self, host: str) -> HostInfo:
        info = self._cache.get(host)
        if info is None:
            info = self._parse(host)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[host] = info
        return info

    def _parse(self, host: str) -> HostInfo:
        name = _strip_port(host.strip().lower()).rstrip(".")
        if not name:
            return NO_HINT
        labels = self._labels_below_base(name)
        if labels is None:
            return NO_HINT
        if not labels:
            return HostInfo(known=True)
        return self._classify(labels)

    def _labels_below_base(self, name: str) -> list[str] | None:
        for base in self._bases:
            if name == base:
                return []
            if name.endswith(base) and name[-len(base) - 1] == ".":
                return name[: -len(base) - 1].split(".")
        return None

    def _classify(self, labels: list[str]) -> HostInfo:
        region = None
        if is_region(labels[-1]):
            region = labels.pop()
            if not labels:
                return HostInfo(region=region, known=True)
        if labels[-1] == "s3":
            bucket = ".".join(labels[:-1]) or None
            return HostInfo(("s3",), region, s3=True, bucket=bucket, known=True)
        # The longest run of trailing labels that names a service; what precedes it is a
        # host prefix botocore added (``data.``, ``api.``, an account id...).
        for start in range(len(labels)):
            candidate = ".".join(labels[start:])
            services = self._index.by_endpoint_prefix(candidate)
            if not services and candidate in self._index:
                services = (candidate,)
            if services:
                return HostInfo(services, region, known=True)
        return HostInfo(region=region, subdomain=".".join(labels), known=True)


def _strip_port(host: str) -> str:
    if host.startswith("["):  # an IPv6 literal names no service
        return ""
    name, sep, port = host.rpartition(":")
    return name if sep and port.isdigit() else host
