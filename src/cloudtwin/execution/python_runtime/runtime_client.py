"""The ``runtime_client`` module of AWS's Python runtime interface client (``awslambdaric``),
in plain Python, for interpreters the client's compiled module was not built for.

awslambdaric calls four functions of it; each is one request to the Lambda Runtime API at
``AWS_LAMBDA_RUNTIME_API``, over one kept-alive connection, as the compiled module does.
"""

import http.client
import os

_BASE = "/2018-06-01/runtime"
_HEADERS = (
    "Lambda-Runtime-Aws-Request-Id", "Lambda-Runtime-Trace-Id", "Lambda-Runtime-Invoked-Function-Arn",
    "Lambda-Runtime-Deadline-Ms", "Lambda-Runtime-Client-Context", "Lambda-Runtime-Cognito-Identity",
    "Lambda-Runtime-Aws-Tenant-Id", "Lambda-Runtime-Invocation-Id", "Content-Type",
)
_state = {"agent": "aws-lambda-python", "connection": None}


def initialize_client(user_agent):
    _state["agent"] = user_agent


def _request(method, path, body=None, headers=None):
    for attempt in (1, 2):
        connection = _state["connection"]
        if connection is None:
            connection = http.client.HTTPConnection(os.environ["AWS_LAMBDA_RUNTIME_API"])
            _state["connection"] = connection
        try:
            connection.request(method, _BASE + path, body=body,
                               headers={"User-Agent": _state["agent"], **(headers or {})})
            response = connection.getresponse()
            return response, response.read()
        except (http.client.HTTPException, OSError):
            connection.close()
            _state["connection"] = None
            if attempt == 2:
                raise


def next():  # noqa: A001 - the compiled module's name
    response, body = _request("GET", "/invocation/next")
    if response.status != 200:
        raise RuntimeError(f"Failed to get the next invocation: {response.status}")
    headers = {name: response.getheader(name) for name in _HEADERS if response.getheader(name) is not None}
    if "Lambda-Runtime-Deadline-Ms" in headers:  # a number, as the compiled module gives it
        headers["Lambda-Runtime-Deadline-Ms"] = int(headers["Lambda-Runtime-Deadline-Ms"])
    return body, headers


def post_invocation_result(invoke_id, result_data, content_type="application/json", invocation_id=None):
    _request("POST", f"/invocation/{invoke_id}/response", result_data, {"Content-Type": content_type})


def post_error(invoke_id, error_response_data, xray_fault, invocation_id=None):
    data = error_response_data.encode("utf-8") if isinstance(error_response_data, str) else error_response_data
    headers = {"Content-Type": "application/json"}
    if xray_fault:
        headers["Lambda-Runtime-Function-XRay-Error-Cause"] = xray_fault
    _request("POST", f"/invocation/{invoke_id}/error", data, headers)
