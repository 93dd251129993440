"""Secrets Manager's side of a rotation with a Lambda function: the four steps AWS's
rotation protocol defines, each a synchronous invocation of the rotation function with
``{"Step", "SecretId", "ClientRequestToken", "RotationToken"}``:

    createSecret  the function makes the new value (PutSecretValue ... AWSPENDING)
    setSecret     the function sets it in the database or service
    testSecret    the function checks it works
    finishSecret  the function moves AWSCURRENT to it (UpdateSecretVersionStage); then
                  Secrets Manager takes AWSPENDING off that version

A step whose invocation fails stops the rotation where it is, as on AWS (the AWSPENDING
version stays, and the next RotateSecret says the previous rotation is not complete).
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any

from cloudtwin.events.targets import arn_parts
from cloudtwin.protocol.errors import ServiceError

log = logging.getLogger("cloudtwin.secretsmanager")

STEPS = ("createSecret", "setSecret", "testSecret", "finishSecret")


def start(env: Any, secret_arn: str, token: str, function_arn: str) -> None:
    """Run the steps after the current request (nothing to do off the event loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    loop.create_task(_rotate(env, secret_arn, token, function_arn))


async def _rotate(env: Any, secret_arn: str, token: str, function_arn: str) -> None:
    try:
        _, region, account, _ = arn_parts(function_arn)
    except ValueError:
        return
    for step in STEPS:
        payload = {"Step": step, "SecretId": secret_arn, "ClientRequestToken": token, "RotationToken": str(uuid.uuid4())}
        try:
            answer = await env.internal.call_async(
                "lambda", "Invoke", {"FunctionName": function_arn, "Payload": json.dumps(payload).encode()},
                account_id=account, region=region,
            )  # fmt: skip
        except ServiceError as error:
            log.warning("rotation of %s: %s failed: %s", secret_arn, step, error.code)
            return
        if answer.get("FunctionError"):
            log.warning("rotation of %s: the function failed in %s", secret_arn, step)
            return
    # Done: Secrets Manager takes AWSPENDING off the version the rotation made current.
    secret_region, secret_account = secret_arn.split(":")[3], secret_arn.split(":")[4]
    try:
        await env.internal.call_async(
            "secretsmanager", "UpdateSecretVersionStage",
            {"SecretId": secret_arn, "VersionStage": "AWSPENDING", "RemoveFromVersionId": token},
            account_id=secret_account, region=secret_region,
        )  # fmt: skip
    except ServiceError as error:
        log.info("rotation of %s: AWSPENDING stays: %s", secret_arn, error.code)
