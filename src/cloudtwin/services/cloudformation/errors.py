"""CloudFormation's errors, in its words."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, 400)


def template_error(message: str) -> ServiceError:
    """``Template format error: …`` (a template the engine cannot read or order)."""
    return validation(f"Template format error: {message}")


def stack_not_found(name: str) -> ServiceError:
    return validation(f"Stack with id {name} does not exist")


def change_set_not_found(name: str) -> ServiceError:
    return ServiceError("ChangeSetNotFound", f"ChangeSet [{name}] does not exist", 404)


class DeployError(Exception):
    """A resource could not be created, updated or deleted; the message is the
    ``ResourceStatusReason`` its event carries."""
