"""IAM's errors, with AWS's wording."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError


def no_such_entity(message: str) -> ServiceError:
    return ServiceError("NoSuchEntity", message)


def no_such_user(name: str) -> ServiceError:
    return no_such_entity(f"The user with name {name} cannot be found.")


def no_such_role(name: str) -> ServiceError:
    return no_such_entity(f"The role with name {name} cannot be found.")


def no_such_group(name: str) -> ServiceError:
    return no_such_entity(f"The group with name {name} cannot be found.")


def already_exists(message: str) -> ServiceError:
    return ServiceError("EntityAlreadyExists", message)


def delete_conflict(message: str) -> ServiceError:
    return ServiceError("DeleteConflict", message)


def invalid_input(message: str) -> ServiceError:
    return ServiceError("InvalidInput", message)


def limit_exceeded(message: str) -> ServiceError:
    return ServiceError("LimitExceeded", message)


def malformed_policy(message: str) -> ServiceError:
    return ServiceError("MalformedPolicyDocument", message)
