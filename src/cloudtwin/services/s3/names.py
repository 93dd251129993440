"""Bucket names and location constraints: what CreateBucket accepts, as S3 decides it."""

from __future__ import annotations

import functools
import re

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.s3 import errors

_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_IP = re.compile(r"\d+\.\d+\.\d+\.\d+")
_BAD_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BAD_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def check_bucket_name(name: str) -> None:
    """Raise ``InvalidBucketName`` unless ``name`` follows S3's general purpose rules."""
    if (
        not _NAME.fullmatch(name)
        or ".." in name
        or ".-" in name
        or "-." in name
        or _IP.fullmatch(name)
        or name.startswith(_BAD_PREFIXES)
        or name.endswith(_BAD_SUFFIXES)
    ):
        raise ServiceError(
            "InvalidBucketName", "The specified bucket is not valid.", 400, details={"BucketName": name}
        )


@functools.cache
def known_regions() -> frozenset[str]:
    """Every region of every partition botocore's endpoint data lists."""
    import botocore.loaders  # botocore's HTTP stack comes with it: only when asked

    data = botocore.loaders.create_loader().load_data("endpoints")
    return frozenset(region for partition in data["partitions"] for region in partition["regions"])


def check_region_argument(region: str, argument: str) -> None:
    """A region named as a request argument (``bucket-region``) must exist."""
    if region not in known_regions():
        raise errors.invalid_argument(f"Argument value {region} is not a valid AWS Region", argument)


def _illegal(requested: str) -> ServiceError:
    return ServiceError(
        "IllegalLocationConstraintException",
        f"The {requested} location constraint is incompatible for the region specific "
        "endpoint this request was sent to.",
        400,
    )


def bucket_region(requested: str | None, endpoint_region: str) -> str:
    """The region a new bucket lives in, from its ``LocationConstraint`` and the region the
    request was signed for. ``us-east-1`` takes no constraint; every other region needs its
    own name as the constraint (the us-east-1 endpoint accepts any region's). ``EU`` is the
    legacy name of ``eu-west-1``."""
    if requested in (None, ""):
        if endpoint_region != "us-east-1":
            raise _illegal("unspecified")
        return "us-east-1"
    region = "eu-west-1" if requested == "EU" else requested
    if region != endpoint_region and endpoint_region != "us-east-1":
        # The us-east-1 endpoint (s3.amazonaws.com) creates buckets in any region.
        raise _illegal(requested)
    if requested == "us-east-1" or region not in known_regions():
        raise ServiceError(
            "InvalidLocationConstraint", "The specified location-constraint is not valid", 400,
            details={"LocationConstraint": requested},
        )
    return region
