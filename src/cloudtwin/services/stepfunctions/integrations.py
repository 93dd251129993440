"""Task states: what their ``Resource`` names, how it is called through the internal client,
and the history events each kind writes.

* ``arn:aws:lambda:…:function:f`` — Lambda directly: ``LambdaFunction*`` events, the
  function's payload is the result.
* ``arn:aws:states:…:activity:a`` — an activity: ``Activity*`` events, a worker answers.
* ``arn:aws:states:::<service>:<action>[.sync|.sync:2|.waitForTaskToken]`` — the optimized
  integrations (Lambda invoke, SQS, SNS, DynamoDB, EventBridge, Step Functions) and
  ``arn:aws:states:::aws-sdk:<service>:<action>`` for every operation cloudtwin implements:
  ``Task*`` events; AWS SDK errors named ``<Service>.<ErrorCode>``.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.stepfunctions import apigateway_task
from cloudtwin.services.stepfunctions.activities import outcome
from cloudtwin.services.stepfunctions.errors import FailureError, QueryError
from cloudtwin.services.stepfunctions.history import payload, to_json

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.services.stepfunctions.executions import Engine
    from cloudtwin.services.stepfunctions.interpreter import Execution, Frame

DEFAULT_TIMEOUT = 99999999
#: The optimized integrations: (service, action) -> (botocore service, operation, parameters kept).
OPTIMIZED: dict[tuple[str, str], tuple[str, str, tuple[str, ...] | None]] = {
    ("lambda", "invoke"): ("lambda", "Invoke", ("FunctionName", "Payload", "InvocationType", "Qualifier",
                                                "ClientContext", "LogType")),
    ("sqs", "sendMessage"): ("sqs", "SendMessage", ("QueueUrl", "MessageBody", "DelaySeconds", "MessageAttributes",
                                                    "MessageDeduplicationId", "MessageGroupId")),
    ("sns", "publish"): ("sns", "Publish", ("TopicArn", "TargetArn", "PhoneNumber", "Message", "Subject",
                                            "MessageAttributes", "MessageStructure", "MessageDeduplicationId",
                                            "MessageGroupId")),
    ("dynamodb", "getItem"): ("dynamodb", "GetItem", None),
    ("dynamodb", "putItem"): ("dynamodb", "PutItem", None),
    ("dynamodb", "updateItem"): ("dynamodb", "UpdateItem", None),
    ("dynamodb", "deleteItem"): ("dynamodb", "DeleteItem", None),
    ("events", "putEvents"): ("events", "PutEvents", None),
    ("states", "startExecution"): ("stepfunctions", "StartExecution", None),
    ("apigateway", "invoke"): ("apigateway", "", None),  # an HTTP call to a stage (apigateway_task.py)
}
#: How the optimized integrations name their errors (AWS SDK for Java v1 names).
_OPTIMIZED_ERROR_PREFIX = {"lambda": "Lambda", "sqs": "SQS", "sns": "SNS", "dynamodb": "DynamoDB",
                           "events": "EventBridge", "states": "StepFunctions"}
_GENERIC_EXCEPTION = {"sqs": "AmazonSQSException", "sns": "AmazonSNSException",
                      "dynamodb": "AmazonDynamoDBException", "lambda": "AWSLambdaException"}
_SERVICE_NAMES = {"sqs": "AmazonSQS", "sns": "AmazonSNS", "dynamodb": "AmazonDynamoDBv2", "lambda": "AWSLambda"}
_SDK_ALIASES = {"sfn": "stepfunctions", "states": "stepfunctions", "eventbridge": "events",
                "cloudwatchlogs": "logs", "apigateway": "apigateway"}


def parse_resource(resource: str) -> dict[str, Any]:
    """``{"kind": "lambda"|"activity"|"service"|"sdk", ...}`` or raise QueryError."""
    if not isinstance(resource, str) or not resource.startswith("arn:"):
        raise QueryError(f"Invalid resource: {resource}")
    parts = resource.split(":")
    if len(parts) >= 7 and parts[2] == "lambda" and parts[5] == "function":
        return {"kind": "lambda", "arn": resource}
    if len(parts) >= 7 and parts[2] == "states" and parts[5] == "activity":
        return {"kind": "activity", "arn": resource}
    if len(parts) >= 7 and parts[2] == "states" and parts[3] == "" and parts[4] == "":
        if parts[5] == "aws-sdk" and len(parts) >= 8:
            action = ":".join(parts[7:])
            action, _, pattern = action.partition(".")
            return {"kind": "sdk", "service": parts[6], "action": action, "pattern": pattern,
                    "resourceType": f"aws-sdk:{parts[6]}", "resource": ":".join(parts[7:])}
        service, action_text = parts[5], ":".join(parts[6:])
        action, _, pattern = action_text.partition(".")
        return {"kind": "service", "service": service, "action": action, "pattern": pattern,
                "resourceType": service, "resource": action_text}
    raise QueryError(f"Invalid resource: {resource}")


def sdk_error_prefix(service_id: str) -> str:
    """The AWS SDK for Java v2 service name: ``Secrets Manager`` -> ``SecretsManager``,
    ``DynamoDB`` -> ``DynamoDb``, ``SQS`` -> ``Sqs``, ``S3`` -> ``S3``."""
    name = service_id.replace(" ", "")
    return re.sub(r"[A-Z]{2,}(?=[A-Z][a-z]|$|\d)", lambda m: m.group(0)[0] + m.group(0)[1:].lower(), name)


def _http_metadata(length: int, request_id: str, content_type: str = "application/x-amz-json-1.0",
                   extra: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``SdkHttpMetadata``/``SdkResponseMetadata`` AWS's Java SDK adds to the result of an
    optimized integration: the response's headers as the service sent them."""
    date = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
    headers = {"x-amzn-RequestId": request_id, "connection": "keep-alive", "Content-Length": str(length),
               "Date": date, "Content-Type": content_type, **(extra or {})}
    return {
        "SdkHttpMetadata": {
            "AllHttpHeaders": {k: [v] for k, v in headers.items()},
            "HttpHeaders": dict(headers),
            "HttpStatusCode": 200,
        },
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _lambda_metadata(payload_length: int, version: str, request_id: str) -> dict[str, Any]:
    date = datetime.now(timezone.utc).strftime("%a, %d %b %Y %H:%M:%S GMT")
    trace = f"Root=1-{uuid.uuid4().hex[:8]}-{uuid.uuid4().hex[:24]};Sampled=0"
    headers = {"Connection": "keep-alive", "Content-Length": str(payload_length), "Content-Type": "application/json",
               "Date": date, "X-Amz-Executed-Version": version, "x-amzn-Remapped-Content-Length": "0",
               "x-amzn-RequestId": request_id, "X-Amzn-Trace-Id": trace}
    return {
        "SdkHttpMetadata": {"AllHttpHeaders": {k: [v] for k, v in headers.items()}, "HttpHeaders": headers,
                            "HttpStatusCode": 200},
        "SdkResponseMetadata": {"RequestId": request_id},
    }


def _sns_publish_length(message_id: str, request_id: str) -> int:
    return len(f'<PublishResponse xmlns="https://sns.amazonaws.com/doc/2010-03-31/">\n  <PublishResult>\n    '
               f'<MessageId>{message_id}</MessageId>\n  </PublishResult>\n  <ResponseMetadata>\n    '
               f'<RequestId>{request_id}</RequestId>\n  </ResponseMetadata>\n</PublishResponse>\n')


class Integrations:
    def __init__(self, engine: "Engine") -> None:
        self.engine = engine

    # -- entry -------------------------------------------------------------------------------------

    async def run(self, execution: "Execution", name: str, state: dict[str, Any], params: Any, frame: "Frame",
                  language: str) -> Any:
        resource = state.get("Resource")
        target = parse_resource(resource)
        timeout = self._seconds(execution, state, params, frame, "TimeoutSeconds", language)
        heartbeat = self._seconds(execution, state, params, frame, "HeartbeatSeconds", language)
        credentials = state.get("Credentials")
        role = None
        if credentials is not None:
            if language == "JSONata":
                evaluated = execution.jsonata(credentials, execution.bindings(frame, {"input": frame.raw}),
                                              "Credentials")
            else:
                evaluated = execution.template(credentials, execution.input_path(state, frame.raw, frame), frame)
            role = (evaluated or {}).get("RoleArn")
        if target["kind"] == "lambda":
            return await self._lambda_direct(execution, target["arn"], params, timeout, frame, role)
        if target["kind"] == "activity":
            return await self.engine.activities.run(execution, target["arn"], params, timeout, heartbeat, frame)
        return await self._service(execution, target, params, timeout, heartbeat, frame, role)

    def _seconds(self, execution: "Execution", state: dict[str, Any], data: Any, frame: "Frame", field: str,
                 language: str) -> int | None:
        if language == "JSONata" and field in state:
            value = execution.jsonata(state[field], execution.bindings(frame, {"input": frame.raw}), field)
            return int(value)
        if f"{field}Path" in state:
            path = state[f"{field}Path"]
            try:
                return int(execution.read(path, data, frame))
            except QueryError as error:
                raise QueryError(f"Invalid path '{path}' : {error}") from None
        return state.get(field)

    def _started(self, execution: "Execution", frame: "Frame", timeout: int | None) -> tuple[dict | None, float]:
        """(the checkpoint of a task that was started before a restart, or None; the instant
        its TimeoutSeconds ends). A task starting now writes that it started."""
        point = frame.resume
        if point is not None and point.get("phase") in ("started", "submitted"):
            frame.resume = None
            return point, point.get("timeoutDue") or self.engine.now() + DEFAULT_TIMEOUT
        due = self.engine.now() + (DEFAULT_TIMEOUT if timeout is None else timeout)
        execution.journal.update(frame.key, phase="started", timeoutDue=due)
        return None, due

    async def _bounded(self, coro: Any, due: float) -> Any:
        return await self.engine.within(coro, due - self.engine.now())

    # -- Lambda by ARN -----------------------------------------------------------------------------

    async def _lambda_direct(self, execution: "Execution", arn: str, params: Any, timeout: int | None,
                             frame: "Frame", role: str | None = None) -> Any:
        history = execution.history
        resumed, due = self._started(execution, frame, timeout)
        if resumed is None:
            details: dict[str, Any] = {"resource": arn, **payload(params, "input")}
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            if role:
                details["taskCredentials"] = {"roleArn": role}
            history.add("LambdaFunctionScheduled", details)
            history.add("LambdaFunctionStarted")
        try:
            answer = await self._bounded(self._invoke(execution, {"FunctionName": arn, "Payload": to_json(params)},
                                                      _role_account(role)), due)
            result = self._lambda_result(answer)
            self._check_size(result, arn)
        except asyncio.TimeoutError:
            history.add("LambdaFunctionTimedOut", {"error": "States.Timeout"})
            raise FailureError("States.Timeout", None) from None
        except FailureError as failure:
            history.add("LambdaFunctionFailed", _failure_details(failure))
            raise
        history.add("LambdaFunctionSucceeded", payload(result, "output"))
        return result

    async def _invoke(self, execution: "Execution", params: dict[str, Any],
                      account: str | None = None) -> dict[str, Any]:
        call = dict(params)
        body = call.get("Payload")
        if body is None:
            call.pop("Payload", None)
        elif not isinstance(body, (bytes, str)):
            call["Payload"] = to_json(body).encode()
        elif isinstance(body, str):
            call["Payload"] = body.encode()
        try:
            return await self._call(execution, "lambda", "Invoke", call, account)
        except ServiceError as error:
            raise self._optimized_error("lambda", error) from None

    @staticmethod
    def _lambda_result(answer: dict[str, Any]) -> Any:
        raw = answer.get("Payload") or b""
        text = raw.decode("utf-8", "replace") if isinstance(raw, (bytes, bytearray)) else str(raw)
        if answer.get("FunctionError"):
            try:
                details = json.loads(text)
                error = details.get("errorType") or "Exception"
                text = to_json(details)  # AWS hands the error on as compact JSON
            except (ValueError, AttributeError):
                error = "Exception"
            raise FailureError(error, text)
        if not text:
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text

    def _check_size(self, result: Any, resource: str) -> None:
        """A task whose result is past the payload limit fails (a TaskFailed AWS's Catch of
        ``States.ALL`` takes, as recorded from AWS)."""
        if len(to_json(result).encode()) > 262144:
            raise FailureError("States.DataLimitExceeded", f"The state/task '{resource}' returned a result with a "
                               "size exceeding the maximum number of bytes service limit.")

    # -- service integrations ----------------------------------------------------------------------

    async def _service(self, execution: "Execution", target: dict[str, Any], params: Any, timeout: int | None,
                       heartbeat: int | None, frame: "Frame", role: str | None = None) -> Any:
        history = execution.history
        kind = {"resourceType": target["resourceType"], "resource": target["resource"]}
        pattern = target["pattern"]
        shown = params
        if target["kind"] == "service":
            key = (target["service"], target["action"])
            if key not in OPTIMIZED:
                raise QueryError(f"The resource provided {execution_resource(target)} not recognized. The value is "
                                 "not a valid resource ARN, or the resource is not available in this region.")
            keep = OPTIMIZED[key][2]
            if keep is not None and isinstance(params, dict):
                shown = {k: v for k, v in params.items() if k in keep}
        resumed, due = self._started(execution, frame, timeout)
        if resumed is None:
            details: dict[str, Any] = {**kind, "region": execution.record["region"], "parameters": to_json(shown)}
            if timeout is not None:
                details["timeoutInSeconds"] = timeout
            if heartbeat is not None:
                details["heartbeatInSeconds"] = heartbeat
            if role:
                details["taskCredentials"] = {"roleArn": role}
            history.add("TaskScheduled", details)
            history.add("TaskStarted", dict(kind))
        token = frame.task_token
        # a .sync task's token answers it too (SendTask* end its wait for the child)
        waiter = self.engine.tokens.expect(token, execution, heartbeat, frame.key) if token is not None else None
        account = _role_account(role)
        if resumed is not None and resumed["phase"] == "submitted":
            work = self._submitted(resumed, pattern, waiter)  # the call was made before a restart
        else:
            work = self._perform(execution, target, shown, kind, waiter, frame, account)
        try:
            result = await self._bounded(work, due)
            self._check_size(result, target["resourceType"])
        except asyncio.TimeoutError:
            history.add("TaskTimedOut", {**kind, "error": "States.Timeout"})
            raise FailureError("States.Timeout", None) from None
        except FailureError as failure:
            if failure.timed_out:
                history.add("TaskTimedOut", {**kind, **_failure_details(failure)})
            else:
                history.add("TaskFailed", {**kind, **_failure_details(failure)})
            raise
        finally:
            if token is not None:
                self.engine.tokens.forget(token)
        history.add("TaskSucceeded", {**kind, **payload(result, "output")})
        return result

    async def _perform(self, execution: "Execution", target: dict[str, Any], params: Any, kind: dict[str, Any],
                       waiter: Any, frame: "Frame", account: str | None = None) -> Any:
        if target["kind"] == "sdk":
            output = await self._sdk(execution, target, params, account)
        else:
            output = await self._optimized(execution, target, params, account)
        pattern = target["pattern"]
        if pattern == "waitForTaskToken":
            execution.history.add("TaskSubmitted", {**kind, **payload(output, "output")})
            execution.journal.update(frame.key, phase="submitted")
            return await waiter
        if pattern in ("sync", "sync:2") and target["service"] == "states":
            execution.history.add("TaskSubmitted", {**kind, **payload(output, "output")})
            execution.journal.update(frame.key, phase="submitted", child=output["ExecutionArn"])
            return await _first(self.engine.child_result(output["ExecutionArn"], pattern == "sync:2"), waiter)
        if waiter is not None:
            waiter.close()
        return output

    async def _submitted(self, point: dict[str, Any], pattern: str, waiter: Any) -> Any:
        """A task that had been submitted before a restart: its answer (if SendTask* gave it
        before the restart), its token's, or its child execution's."""
        if "outcome" in point:
            if waiter is not None:
                waiter.close()
            return outcome(point["outcome"])
        if pattern == "waitForTaskToken":
            return await waiter
        return await _first(self.engine.child_result(point["child"], pattern == "sync:2"), waiter)

    async def _optimized(self, execution: "Execution", target: dict[str, Any], params: Any,
                         account: str | None = None) -> Any:
        service, action = target["service"], target["action"]
        botocore_service, operation, _ = OPTIMIZED[(service, action)]
        if not isinstance(params, dict):
            raise QueryError("The Parameters of a service integration must be a JSON object")
        if service == "apigateway":
            return await apigateway_task.invoke(self.engine.env.config.port, params)
        if service == "lambda":
            answer = await self._invoke(execution, params, account)
            if answer.get("FunctionError"):
                self._lambda_result(answer)  # raises the function's error as the task's failure
            body = answer.get("Payload") or b""
            text = body.decode("utf-8", "replace") if isinstance(body, (bytes, bytearray)) else str(body)
            try:
                value = json.loads(text) if text else None
            except ValueError:
                value = text
            version = answer.get("ExecutedVersion", "$LATEST")
            out = {"ExecutedVersion": version, "Payload": value}
            if answer.get("LogResult"):
                out["LogResult"] = answer["LogResult"]
            out.update(_lambda_metadata(len(body), version, self.engine.request_id()))
            out["StatusCode"] = answer.get("StatusCode", 200)
            return out
        call = dict(params)
        if service == "states":
            if call.get("Input") is None:
                call.pop("Input", None)
            elif not isinstance(call["Input"], str):
                call["Input"] = to_json(call["Input"])
        if service == "events":
            record = execution.record
            resources = [record["stateMachineArn"], record["executionArn"]]
            call["Entries"] = [
                {**e, **({"Detail": e["Detail"] if isinstance(e["Detail"], str) else to_json(e["Detail"])}
                         if "Detail" in e else {}),
                 "Resources": list(e.get("Resources") or []) + resources}
                for e in call.get("Entries") or []]
        if service == "sqs" and "MessageBody" in call and not isinstance(call["MessageBody"], str):
            call["MessageBody"] = to_json(call["MessageBody"])
        if service == "sns" and "Message" in call and not isinstance(call["Message"], str):
            call["Message"] = to_json(call["Message"])
        model = self.engine.env.catalog.service_model(botocore_service).operation_model(operation)
        call = _to_model(model.input_shape, call)
        try:
            answer = await self._call(execution, botocore_service, operation, call, account)
        except ServiceError as error:
            raise self._optimized_error(service, error) from None
        output = self._pascal_output(botocore_service, operation, answer)
        if service == "events" and answer.get("FailedEntryCount"):
            raise FailureError("EventBridge.FailedEntry", to_json(output))
        request_id = self.engine.request_id()
        if service == "sns":
            output.update(_http_metadata(_sns_publish_length(output.get("MessageId", ""), request_id), request_id,
                                         "text/xml"))
        elif service in ("sqs", "states"):
            wire = {k: (v.timestamp() if isinstance(v, datetime) else v) for k, v in answer.items()}
            output.update(_http_metadata(len(to_json(wire).encode()), request_id))
        return output

    def _optimized_error(self, service: str, error: ServiceError) -> FailureError:
        prefix = _OPTIMIZED_ERROR_PREFIX.get(service, service)
        code = error.code
        if code in ("ValidationException", "MissingParameter", "InvalidParameterValue", "InvalidParameter") \
                and service in _GENERIC_EXCEPTION:
            name = _GENERIC_EXCEPTION[service]
        else:
            name = code if code.endswith("Exception") else f"{code}Exception"
        status = error.status_code or 400
        if service in _SERVICE_NAMES:
            cause = (f"{error.message} (Service: {_SERVICE_NAMES[service]}; Status Code: {status}; Error Code: "
                     f"{code}; Request ID: {self.engine.request_id()}; Proxy: null)")
        else:
            cause = error.message
        return FailureError(f"{prefix}.{name}", cause)

    # -- AWS SDK integrations ------------------------------------------------------------------------

    async def _sdk(self, execution: "Execution", target: dict[str, Any], params: Any,
                   account: str | None = None) -> Any:
        service = _SDK_ALIASES.get(target["service"].lower(), target["service"].lower())
        catalog = self.engine.env.catalog
        try:
            model = catalog.service_model(service)
        except Exception:  # noqa: BLE001 - an unknown service is the user's resource
            raise QueryError(f"The resource provided {execution_resource(target)} not recognized.") from None
        action = target["action"]
        operation = next((op for op in model.operation_names if op.lower() == action.lower()), None)
        if operation is None:
            raise QueryError(f"The resource provided {execution_resource(target)} not recognized.")
        op_model = model.operation_model(operation)
        call = _to_model(op_model.input_shape, params or {})
        try:
            answer = await self._call(execution, service, operation, call, account)
        except ServiceError as error:
            prefix = sdk_error_prefix(model.metadata.get("serviceId", service))
            code = error.code
            modeled = {shape.name for shape in op_model.error_shapes}
            if code not in modeled and code not in model.shape_names:
                name = f"{prefix}Exception"  # the SDK's own exception for errors the API does not model
            else:
                name = code if code.endswith("Exception") else f"{code}Exception"
            status = error.status_code or 400
            extended = f", Extended Request ID: {self.engine.request_id()}" if service == "s3" else ""
            cause = (f"{error.message} (Service: {prefix}, Status Code: {status}, Request ID: "
                     f"{self.engine.request_id()}{extended})")
            raise FailureError(f"{prefix}.{name}", cause) from None
        return self._pascal_output(service, operation, answer)

    def _pascal_output(self, service: str, operation: str, answer: dict[str, Any]) -> dict[str, Any]:
        model = self.engine.env.catalog.service_model(service).operation_model(operation)
        return _from_model(model.output_shape, answer) if model.output_shape is not None else {}

    async def _call(self, execution: "Execution", service: str, operation: str, params: dict[str, Any],
                    account: str | None = None) -> Any:
        """Call in the execution's account, or in the account of the role the Task assumes."""
        record = execution.record
        return await self.engine.env.internal.call_async(service, operation, params,
                                                         account_id=account or record["account"],
                                                         region=record["region"])


async def _first(work: Any, waiter: Any) -> Any:
    """The result of ``work`` or of the token's ``waiter`` (None: no token), whichever ends first."""
    if waiter is None:
        return await work
    tasks = [asyncio.ensure_future(work), asyncio.ensure_future(waiter)]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
    return next(task for task in tasks if task in done).result()


def _role_account(role: str | None) -> str | None:
    """The account a Task acts in when its ``Credentials`` name a role."""
    parts = (role or "").split(":")
    return parts[4] if len(parts) > 4 and parts[4] else None


def execution_resource(target: dict[str, Any]) -> str:
    return f"'arn:aws:states:::{target['resourceType']}:{target['resource']}'"


def _failure_details(failure: FailureError) -> dict[str, Any]:
    out: dict[str, Any] = {"error": failure.error} if failure.error else {}
    if failure.cause is not None:
        out["cause"] = failure.cause
    return out


def _to_model(shape: Any, value: Any) -> Any:
    """PascalCase parameters to the model's member names (case-insensitive), strings to
    blobs, objects to JSON text where the model wants a string."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = {name.lower(): (name, member) for name, member in shape.members.items()}
        out = {}
        for key, item in value.items():
            found = members.get(key.lower())
            if found is None:
                out[key] = item
                continue
            out[found[0]] = _to_model(found[1], item)
        for name, member in shape.members.items():
            if member.metadata.get("idempotencyToken") and name not in out:
                out[name] = str(uuid.uuid4())  # the AWS SDK fills idempotency tokens in
        return out
    if kind == "list" and isinstance(value, list):
        return [_to_model(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _to_model(shape.value, v) for k, v in value.items()}
    if kind == "blob" and not isinstance(value, (bytes, bytearray)):
        return to_json(value).encode()  # AWS writes a blob parameter as the JSON text of its value
    if kind == "string" and isinstance(value, (dict, list)):
        return to_json(value)
    return value


def _from_model(shape: Any, value: Any) -> Any:
    """The output as the AWS SDK integration shows it: PascalCase members, timestamps as
    ISO text, blobs as text."""
    if shape is None or value is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        out = {}
        for name, member in shape.members.items():
            if name in value and value[name] is not None:
                out[name[:1].upper() + name[1:]] = _from_model(member, value[name])
        return out
    if kind == "list" and isinstance(value, list):
        return [_from_model(shape.member, v) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _from_model(shape.value, v) for k, v in value.items()}
    if kind == "timestamp":
        if isinstance(value, (int, float)):
            value = datetime.fromtimestamp(value, timezone.utc)
        if isinstance(value, datetime):
            return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
        return value
    if kind == "blob":
        if hasattr(value, "read"):
            value = value.read()
        if isinstance(value, (bytes, bytearray)):
            try:
                return bytes(value).decode("utf-8")
            except UnicodeDecodeError:
                return base64.b64encode(bytes(value)).decode()
    return value
