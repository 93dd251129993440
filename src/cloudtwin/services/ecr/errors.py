"""ECR's error answers whose texts recur across operations."""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def invalid_at(member: str, constraint: str) -> ServiceError:
    """AWS's wording of a parameter ECR itself refuses."""
    return invalid_parameter(f"Invalid parameter at '{member}' failed to satisfy constraint: '{constraint}'")


def repository_not_found(name: str, registry: str) -> ServiceError:
    return ServiceError(
        "RepositoryNotFoundException",
        f"The repository with name '{name}' does not exist in the registry with id '{registry}'",
    )


def image_id_text(image_id: dict[str, Any]) -> str:
    """An image id as ECR prints it in messages: ``{imageDigest:'null', imageTag:'v1'}``."""
    return f"{{imageDigest:'{image_id.get('imageDigest') or 'null'}', imageTag:'{image_id.get('imageTag') or 'null'}'}}"


def image_not_found(image_id: dict[str, Any], repository: str, registry: str) -> ServiceError:
    return ServiceError(
        "ImageNotFoundException",
        f"The image with imageId {image_id_text(image_id)} does not exist within the repository with name "
        f"'{repository}' in the registry with id '{registry}'",
    )


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)
