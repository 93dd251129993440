"""Cognito's errors, in AWS's words."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError


def not_authorized(message: str = "Incorrect username or password.") -> ServiceError:
    return ServiceError("NotAuthorizedException", message)


def invalid_parameter(message: str) -> ServiceError:
    return ServiceError("InvalidParameterException", message)


def not_found(message: str) -> ServiceError:
    return ServiceError("ResourceNotFoundException", message)


def pool_not_found(pool_id: str) -> ServiceError:
    return not_found(f"User pool {pool_id} does not exist.")


def client_not_found(client_id: str) -> ServiceError:
    return not_found(f"User pool client {client_id} does not exist.")


def user_not_found() -> ServiceError:
    return ServiceError("UserNotFoundException", "User does not exist.")


def code_mismatch() -> ServiceError:
    return ServiceError("CodeMismatchException", "Invalid verification code provided, please try again.")


def expired_code() -> ServiceError:
    return ServiceError("ExpiredCodeException", "Invalid code provided, please request a code again.")


def lambda_validation(trigger: str, message: str) -> ServiceError:
    return ServiceError("UserLambdaValidationException", f"{trigger} failed with error {message}.")


def invocation_failed(trigger: str, cause: str) -> ServiceError:
    return ServiceError("UnexpectedLambdaException", f"{trigger} invocation failed due to error {cause}.")


def invalid_lambda_response() -> ServiceError:
    return ServiceError("InvalidLambdaResponseException", "Unrecognizable lambda output")


def invalid_password(reason: str) -> ServiceError:
    return ServiceError("InvalidPasswordException", f"Password did not conform with policy: {reason}")
