"""SQS's error answers whose texts recur across operations."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message, 400, sender_fault=True)


def invalid_value(parameter: str, value: object, reason: str) -> ServiceError:
    """``Value <v> for parameter <p> is invalid. Reason: <reason>`` (InvalidParameterValue)."""
    return invalid_parameter(f"Value {value} for parameter {parameter} is invalid. Reason: {reason}")


def missing_parameter(name: str) -> ServiceError:
    return ServiceError(
        "MissingParameter", f"The request must contain the parameter {name}.", 400, sender_fault=True
    )


def queue_does_not_exist() -> ServiceError:
    return ServiceError(
        "QueueDoesNotExist",
        "The specified queue does not exist.",
        query_message="The specified queue does not exist for this wsdl version.",
    )


def invalid_attribute_name(name: str) -> ServiceError:
    return ServiceError("InvalidAttributeName", f"Unknown Attribute {name}.")


def invalid_attribute_value(name: str, reason: str | None = None) -> ServiceError:
    suffix = f" Reason: {reason}" if reason else ""
    return ServiceError("InvalidAttributeValue", f"Invalid value for the parameter {name}.{suffix}")


def receipt_handle_invalid(handle: str) -> ServiceError:
    return ServiceError(
        "ReceiptHandleIsInvalid", f'The input receipt handle "{handle}" is not a valid receipt handle.'
    )
