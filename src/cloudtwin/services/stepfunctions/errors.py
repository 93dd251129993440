"""Errors of Step Functions: the API's (``ServiceError`` with AWS's codes and texts) and the
interpreter's (:class:`FailureError`, a state failing with an error name and a cause, which
Retry and Catch match by name)."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError


class FailureError(Exception):
    """A state failed with ``error`` (``States.TaskFailed``, ``Lambda.ServiceException``...)
    and ``cause``. ``event`` is the history event type to write for it when the state
    writes one (``TaskFailed``, ``TaskTimedOut``...)."""

    def __init__(self, error: str, cause: str | None = None, *, timed_out: bool = False,
                 location: str | None = None) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause
        self.timed_out = timed_out
        #: The field whose expression failed (``EvaluationFailed`` names it).
        self.location = location

    def output(self) -> dict:
        out = {"Error": self.error}
        if self.cause is not None:
            out["Cause"] = self.cause
        elif self.error == "States.Timeout":
            out["Cause"] = ""  # a caught timeout has an empty cause (its events have none)
        return out


class RuntimeFailure(FailureError):
    """``States.Runtime``: the definition cannot be applied to the data (bad path, bad type)."""

    def __init__(self, cause: str) -> None:
        super().__init__("States.Runtime", cause)


class QueryError(Exception):
    """A path, intrinsic function or JSONata expression could not be evaluated; the
    interpreter words it as the cause of a ``States.Runtime`` failure of the state."""


def invalid_arn(arn: str, reason: str | None = None) -> ServiceError:
    if reason is None and not str(arn).startswith("arn:"):
        reason = f"Invalid ARN prefix: {arn}"
    return ServiceError("InvalidArn", f"Invalid Arn: '{reason or arn}'")


def does_not_exist(kind: str, arn: str) -> ServiceError:
    codes = {
        "State Machine": "StateMachineDoesNotExist",
        "Execution": "ExecutionDoesNotExist",
        "Activity": "ActivityDoesNotExist",
    }
    return ServiceError(codes[kind], f"{kind} Does Not Exist: '{arn}'")


def validation(message: str) -> ServiceError:
    return ServiceError("ValidationException", message)


def invalid_definition(message: str) -> ServiceError:
    return ServiceError("InvalidDefinition", f"Invalid State Machine Definition: '{message}'")
