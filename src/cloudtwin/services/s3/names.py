"""Bucket names and location constraints: what CreateBucket accepts, as S3 decides it."""

from __future__ import annotations

import re

from cloudtwin.protocol.errors import ServiceError

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
        raise ServiceError("InvalidBucketName", "The specified bucket is not valid.", 400)


def bucket_region(requested: str | None, endpoint_region: str) -> str:
    """The region a new bucket lives in, from its ``LocationConstraint`` and the region the
    request was signed for. ``us-east-1`` takes no constraint; every other region needs its
    own name as the constraint (the us-east-1 endpoint accepts any region's)."""
    if requested in (None, ""):
        if endpoint_region != "us-east-1":
            raise ServiceError(
                "IllegalLocationConstraintException",
                "The unspecified location constraint is incompatible for the region specific "
                "endpoint this request was sent to.",
                400,
            )
        return "us-east-1"
    if requested == "EU":
        requested = "eu-west-1"
    if requested == "us-east-1":
        raise ServiceError(
            "InvalidLocationConstraint", "The specified location-constraint is not valid", 400
        )
    if requested != endpoint_region and endpoint_region != "us-east-1":
        # The us-east-1 endpoint (s3.amazonaws.com) creates buckets in any region.
        raise ServiceError(
            "IllegalLocationConstraintException",
            f"The {requested} location constraint is incompatible for the region specific "
            "endpoint this request was sent to.",
            400,
        )
    return requested
