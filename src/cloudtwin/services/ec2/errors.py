"""EC2's error answers whose texts recur across operations."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ec2.models import KINDS


def not_found(resource_id: str, prefix: str | None = None) -> ServiceError:
    """``InvalidVpcID.NotFound: The vpc ID 'vpc-1' does not exist`` and its siblings (the
    kind is the id's prefix unless given)."""
    if prefix is None:
        prefix = resource_id.rsplit("-", 1)[0] if "-" in resource_id else ""
    if prefix not in KINDS:
        return ServiceError("InvalidID", f"The ID '{resource_id}' is not valid")
    _, code, noun = KINDS[prefix]
    if prefix == "sg":
        return ServiceError(code, f"The security group '{resource_id}' does not exist")
    if prefix == "nat":
        return ServiceError(code, f"The Nat Gateway {resource_id} was not found")
    if prefix in ("key", "lt", "sgr"):
        return ServiceError(code, f"The {noun} ID '{resource_id}' does not exist")
    if prefix == "vpce":
        return ServiceError(code, f"The Vpc Endpoint Id '{resource_id}' does not exist")
    return ServiceError(code, f"The {noun} ID '{resource_id}' does not exist")


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message)


def invalid_combination(message: str) -> ServiceError:
    return ServiceError("InvalidParameterCombination", message)


def missing_parameter(name: str) -> ServiceError:
    return ServiceError("MissingParameter", f"The request must contain the parameter {name}")


def dependency_violation(message: str) -> ServiceError:
    return ServiceError("DependencyViolation", message)


def dry_run() -> ServiceError:
    return ServiceError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)
