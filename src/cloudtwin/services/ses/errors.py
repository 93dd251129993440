"""SES's error answers whose texts recur across operations."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError


def invalid_value(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message, sender_fault=True)


def configuration_set_missing(name: str) -> ServiceError:
    return ServiceError("ConfigurationSetDoesNotExistException", f"Configuration set <{name}> does not exist.")


def template_missing(name: str) -> ServiceError:
    return ServiceError("TemplateDoesNotExistException", f"Template {name} does not exist.")


def rule_set_missing(name: str) -> ServiceError:
    return ServiceError("RuleSetDoesNotExistException", f"Rule set does not exist: {name}")


def rule_missing(name: str) -> ServiceError:
    return ServiceError("RuleDoesNotExistException", f"Rule does not exist: {name}")


def already_exists(message: str) -> ServiceError:
    return ServiceError("AlreadyExistsException", message)


def not_verified(addresses: list[str], region: str) -> ServiceError:
    return ServiceError(
        "MessageRejected",
        "Email address is not verified. The following identities failed the check in region "
        f"{region.upper()}: {', '.join(addresses)}",
    )
