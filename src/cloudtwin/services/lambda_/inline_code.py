"""A function's inline source (``Code.ZipFile`` in a template) as the package AWS makes of it.

CloudFormation writes the text to ``index.py`` (Python runtimes) or ``index.js`` (Node.js),
so the handler is ``index.<function>``, and adds its response helper for custom resources:
``cfnresponse`` for Python, ``cfn-response`` for Node.js. Both send the documented
custom-resource response (a JSON body PUT to the event's ``ResponseURL``).
The archive's entries carry a fixed date, so the same text always gives the same
``CodeSha256`` (an update that keeps the text changes no code).
"""

from __future__ import annotations

import io
import zipfile

_PYTHON_HELPER = '''\
"""Answering a CloudFormation custom resource request (the response PUT to ResponseURL)."""
import json
import urllib.request

SUCCESS = "SUCCESS"
FAILED = "FAILED"


def send(event, context, responseStatus, responseData, physicalResourceId=None, noEcho=False, reason=None):
    body = {
        "Status": responseStatus,
        "Reason": reason or "See the details in CloudWatch Log Stream: " + context.log_stream_name,
        "PhysicalResourceId": physicalResourceId or context.log_stream_name,
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "NoEcho": noEcho,
        "Data": responseData,
    }
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        event["ResponseURL"], data=data, method="PUT",
        headers={"content-type": "", "content-length": str(len(data))},
    )
    try:
        with urllib.request.urlopen(request) as response:
            print("Status code:", response.status)
    except Exception as exc:
        print("send(..) failed executing request: " + str(exc))
'''

_NODE_HELPER = '''\
// Answering a CloudFormation custom resource request (the response PUT to ResponseURL).
exports.SUCCESS = "SUCCESS";
exports.FAILED = "FAILED";

exports.send = function (event, context, responseStatus, responseData, physicalResourceId, noEcho) {
  return new Promise(function (resolve) {
    var body = JSON.stringify({
      Status: responseStatus,
      Reason: "See the details in CloudWatch Log Stream: " + context.logStreamName,
      PhysicalResourceId: physicalResourceId || context.logStreamName,
      StackId: event.StackId,
      RequestId: event.RequestId,
      LogicalResourceId: event.LogicalResourceId,
      NoEcho: noEcho || false,
      Data: responseData,
    });
    var url = new URL(event.ResponseURL);
    var client = require(url.protocol === "https:" ? "https" : "http");
    var request = client.request(url, {
      method: "PUT",
      headers: { "content-type": "", "content-length": Buffer.byteLength(body) },
    }, function (response) {
      console.log("Status code: " + response.statusCode);
      response.resume();
      response.on("end", function () { resolve(); if (context.done) context.done(); });
    });
    request.on("error", function (error) {
      console.log("send(..) failed executing https.request(..): " + error);
      resolve();
      if (context.done) context.done();
    });
    request.write(body);
    request.end();
  });
};
'''

_DATE = (1980, 1, 1, 0, 0, 0)


def package(source: str, runtime: str | None) -> bytes:
    """The zip archive of an inline source for ``runtime``."""
    runtime = runtime or ""
    if runtime.startswith("nodejs"):
        files = {"index.js": source, "node_modules/cfn-response/index.js": _NODE_HELPER}
    else:
        files = {"index.py": source, "cfnresponse.py": _PYTHON_HELPER}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            entry = zipfile.ZipInfo(name, date_time=_DATE)
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, text)
    return buffer.getvalue()
