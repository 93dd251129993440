"""User pool Lambda triggers: the event AWS sends each one, and reading its answer.

Every trigger gets the common envelope (``version``, ``triggerSource``, ``region``,
``userPoolId``, ``userName``, ``callerContext``, ``request``, ``response``) and answers
with the same event, its ``response`` filled in. A function that fails (or a trigger
whose function does not exist) fails the operation with ``UserLambdaValidationException``
("<Trigger> failed with error <message>."); an answer that is not an event is
``InvalidLambdaResponseException``. A function whose resource policy does not let
``cognito-idp.amazonaws.com`` invoke it is never called: ``UnexpectedLambdaException``
("<Trigger> invocation failed due to error AccessDeniedException."), as AWS answers.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from cloudtwin.events.targets import arn_parts, lambda_allows
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cognito_idp.errors import invalid_lambda_response, invocation_failed, lambda_validation

log = logging.getLogger("cloudtwin.cognito")

Params = dict[str, Any]


def trigger_arn(pool: Params, trigger: str) -> str | None:
    """The function a pool has set for a trigger (pre token generation: v2's config wins)."""
    config = pool.get("LambdaConfig") or {}
    if trigger == "PreTokenGeneration":
        v2 = config.get("PreTokenGenerationConfig") or {}
        return v2.get("LambdaArn") or config.get("PreTokenGeneration")
    return config.get(trigger)


def token_trigger_version(pool: Params) -> str:
    v2 = (pool.get("LambdaConfig") or {}).get("PreTokenGenerationConfig") or {}
    return {"V1_0": "1", "V2_0": "2", "V3_0": "3"}.get(v2.get("LambdaVersion") or "V1_0", "1")


async def invoke(
    env: Any, pool: Params, trigger: str, source: str, username: str, request: Params,
    response: Params | None = None, client_id: str | None = None, version: str = "1",
) -> Params | None:  # fmt: skip
    """Run a pool's trigger; its ``response`` (None when the pool has no such trigger)."""
    arn = trigger_arn(pool, trigger)
    if not arn:
        return None
    pool_id = pool["Id"]
    region = pool_id.split("_", 1)[0]
    event = {
        "version": version, "triggerSource": source, "region": region, "userPoolId": pool_id,
        "userName": username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": client_id or "CLIENT_ID_NOT_APPLICABLE"},
        "request": request, "response": response if response is not None else {},
    }  # fmt: skip
    pool_account = pool["Arn"].split(":")[4]
    try:
        _, function_region, account, _ = arn_parts(arn)
    except ValueError:  # a bare function name: the pool's own account and region
        function_region, account = region, pool_account
    if not lambda_allows(env.internal, arn, "cognito-idp.amazonaws.com", source_arn=pool["Arn"],
                         source_account=pool_account):  # fmt: skip
        # AWS needs the function's resource policy to let Cognito invoke it.
        raise invocation_failed(trigger, _denial(env, arn, account, function_region))
    try:
        answer = await env.internal.call_async(
            "lambda", "Invoke", {"FunctionName": arn, "Payload": json.dumps(event).encode()},
            account_id=account, region=function_region,
        )  # fmt: skip
    except ServiceError as error:
        log.info("trigger %s of %s: %s", trigger, pool_id, error.code)
        raise lambda_validation(trigger, error.message or error.code) from None
    payload = answer.get("Payload") or b""
    if answer.get("FunctionError"):
        try:
            message = json.loads(payload).get("errorMessage") or "Unknown error"
        except (ValueError, AttributeError):
            message = "Unknown error"
        raise lambda_validation(trigger, message)
    try:
        result = json.loads(payload)
    except ValueError:
        raise invalid_lambda_response() from None
    if not isinstance(result, dict):
        raise invalid_lambda_response()
    out = result.get("response")
    return out if isinstance(out, dict) else {}


def _denial(env: Any, arn: str, account: str, region: str) -> str:
    """Why Lambda refused Cognito: the function is not there, or its policy does not admit
    cognito-idp.amazonaws.com."""
    try:
        env.internal.call("lambda", "GetFunctionConfiguration", {"FunctionName": arn}, account_id=account, region=region)
    except ServiceError as error:
        return error.code
    return "AccessDeniedException"
