"""Which runtimes Lambda accepts today, from AWS's runtime tables ("Supported runtimes" and
"Deprecated runtimes" in the Lambda developer guide), checked against botocore's model.

The model's ``Runtime`` enum holds every runtime that ever existed and some announced ones;
Lambda's own check is narrower:

- a runtime in :data:`SUPPORTED` (supported, or deprecated but still open to creates and
  updates) is accepted;
- a runtime in :data:`RETIRED` (its "block function update" date has passed) is refused
  with "no longer supported for creating or updating";
- anything else is refused with the enum sentence, which lists :data:`SUPPORTED` in the
  order AWS prints it: the iteration order of a Java ``HashSet`` filled in the model's order.
"""

from __future__ import annotations

from functools import cache

from cloudtwin.protocol.constraints import java_hash_set_order
from cloudtwin.services.lambda_.errors import lambda_error

#: Supported runtimes, and deprecated ones whose create/update blocks have not come yet.
SUPPORTED = frozenset({
    "nodejs24.x", "nodejs22.x", "nodejs20.x", "nodejs18.x", "nodejs16.x",
    "python3.14", "python3.13", "python3.12", "python3.11", "python3.10", "python3.9", "python3.8",
    "java25", "java21", "java17", "java11", "java8.al2",
    "dotnet10", "dotnet8", "dotnet6",
    "ruby3.4", "ruby3.3", "ruby3.2",
    "provided.al2023", "provided.al2",
})  # fmt: skip

#: Runtimes past their "block function update" date.
RETIRED = frozenset({
    "nodejs", "nodejs4.3", "nodejs4.3-edge", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
    "python2.7", "python3.6", "python3.7",
    "java8",
    "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1",
    "go1.x", "ruby2.5", "ruby2.7", "provided",
})  # fmt: skip


@cache
def _enum_text() -> str:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    ordered = [r for r in model.shape_for("Runtime").enum if r in SUPPORTED]
    return "[" + ", ".join(java_hash_set_order(ordered)) + "]"


def check(runtime: str) -> None:
    """Refuse a runtime Lambda does not accept today, in Lambda's words."""
    if runtime in SUPPORTED:
        return
    if runtime in RETIRED:
        raise lambda_error(
            "InvalidParameterValueException",
            f"The runtime parameter of {runtime} is no longer supported for creating or updating AWS "
            "Lambda functions. We recommend you use a supported runtime while creating or updating functions.",
        )
    raise lambda_error(
        "InvalidParameterValueException",
        f"Value {runtime} at 'runtime' failed to satisfy constraint: Member must satisfy enum value set: "
        f"{_enum_text()} or be a valid ARN",
    )
