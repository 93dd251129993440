"""Endpoints a request's host name (or a path form) addresses outside the AWS APIs: Lambda
function URLs, an ECR registry's Docker Registry API, Cognito user pools' web endpoints.
Each check costs the other requests a substring test or two."""

from __future__ import annotations

import re

_FUNCTION_URL = re.compile(r"([a-z0-9][a-z0-9-]{0,62})\.lambda-url\.[a-z0-9-]+\.", re.IGNORECASE)
_ECR_REGISTRY = re.compile(r"(\d{12})\.dkr\.ecr\.([a-z]{2}(?:-[a-z]+)+-\d+)\.")


def function_url_id(host: str) -> str | None:
    """The url id of a Lambda function URL's host name (``<id>.lambda-url.<region>....``)."""
    if ".lambda-url." not in host:
        return None
    match = _FUNCTION_URL.match(host)
    return match.group(1) if match else None


def ecr_registry(host: str, path: str) -> tuple[str, str] | None:
    """(account, region) of a Docker Registry API request to an ECR registry's host name
    (``<account>.dkr.ecr.<region>....``, paths under ``/v2``); None for anything else."""
    if ".dkr.ecr." not in host or not (path == "/v2" or path.startswith("/v2/")):
        return None
    match = _ECR_REGISTRY.match(host)
    return (match.group(1), match.group(2)) if match else None


def user_pool_target(path: str, host: str) -> tuple[str, str, str] | None:
    """``/<pool-id>/...`` (an underscore: never an S3 bucket) or ``<domain>.auth.<region>...``:
    a Cognito user pool's HTTP endpoints. Costs other requests two substring checks."""
    if ".auth." not in host and "_" not in path[:48]:
        return None
    from cloudtwin.services.cognito_idp.web import target

    return target(path, host)
