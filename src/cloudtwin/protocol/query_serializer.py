"""The ``query`` and ``ec2`` response serializers (XML bodies).

query::

    <OpResponse xmlns="..."><OpResult>...</OpResult>
      <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></OpResponse>
    <ErrorResponse xmlns="..."><Error><Type>Sender</Type><Code>..</Code>
      <Message>..</Message>...</Error><RequestId>..</RequestId></ErrorResponse>

ec2 (no result wrapper; ``requestId`` inside the response; ``RequestID`` in errors)::

    <OpResponse xmlns="..."><requestId>..</requestId>...</OpResponse>
    <Response><Errors><Error><Code>..</Code><Message>..</Message></Error></Errors>
      <RequestID>..</RequestID></Response>

The result wrapper is the output's ``resultWrapper``, else ``<Operation>Result``; the
namespace is the model's ``xmlNamespace``, else ``http://<endpointPrefix>.amazonaws.com/doc/
<apiVersion>/``. Errors carry the legacy awsQuery code when the model (or
:mod:`~cloudtwin.protocol.error_shapes`) has one: SQS answers old query clients with
``AWS.SimpleQueueService.NonExistentQueue``. SQS's JSON-era model also lost the element
names of its flattened lists and maps, which :data:`QUERY_ERA_XML_NAMES` restores.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from cloudtwin.protocol.error_shapes import ResolvedError, service_name
from cloudtwin.protocol.http import HttpResponse
from cloudtwin.protocol.serializers import REQUEST_ID_HEADER, ResponseSerializer
from cloudtwin.protocol.shape_plans import PlanCache
from cloudtwin.protocol.xml_writer import (
    Emitter,
    Writer,
    XmlNames,
    XmlShapeCompiler,
    escape_text,
    namespace_attr,
    structure_writer,
    write_children,
    write_error_details,
)

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, ServiceModel, Shape


# Query-era element names that botocore's JSON-era models of query-compatible services
# dropped (from the services' Smithy @xmlName/@xmlFlattened traits); old query SDKs read
# ReceiveMessage's messages from <Message> elements, not <Messages>.
QUERY_ERA_XML_NAMES: Mapping[str, XmlNames] = MappingProxyType(
    {
        "sqs": XmlNames(
            flattened=MappingProxyType(
                {
                    ("ChangeMessageVisibilityBatchResult", "Failed"): "BatchResultErrorEntry",
                    ("ChangeMessageVisibilityBatchResult", "Successful"): (
                        "ChangeMessageVisibilityBatchResultEntry"
                    ),
                    ("DeleteMessageBatchResult", "Failed"): "BatchResultErrorEntry",
                    ("DeleteMessageBatchResult", "Successful"): "DeleteMessageBatchResultEntry",
                    ("GetQueueAttributesResult", "Attributes"): "Attribute",
                    ("ListDeadLetterSourceQueuesResult", "queueUrls"): "QueueUrl",
                    ("ListMessageMoveTasksResult", "Results"): "ListMessageMoveTasksResultEntry",
                    ("ListQueueTagsResult", "Tags"): "Tag",
                    ("ListQueuesResult", "QueueUrls"): "QueueUrl",
                    ("Message", "Attributes"): "Attribute",
                    ("Message", "MessageAttributes"): "MessageAttribute",
                    ("MessageAttributeValue", "BinaryListValues"): "BinaryListValue",
                    ("MessageAttributeValue", "StringListValues"): "StringListValue",
                    ("ReceiveMessageResult", "Messages"): "Message",
                    ("SendMessageBatchResult", "Failed"): "BatchResultErrorEntry",
                    ("SendMessageBatchResult", "Successful"): "SendMessageBatchResultEntry",
                }
            ),
            entries=MappingProxyType(
                {
                    "MessageBodyAttributeMap": ("Name", "Value"),
                    "MessageSystemAttributeMap": ("Name", "Value"),
                    "QueueAttributeMap": ("Name", "Value"),
                    "TagMap": ("Key", "Value"),
                }
            ),
        ),
    }
)


def query_era_names(service: ServiceModel) -> XmlNames | None:
    """The query-era names to write for a query-compatible service, if it lost any."""
    if "awsQueryCompatible" not in service.metadata:
        return None
    return QUERY_ERA_XML_NAMES.get(service_name(service))


def service_namespace(service: ServiceModel) -> str:
    """The XML namespace of a query/ec2 service's responses."""
    metadata = service.metadata
    namespace = metadata.get("xmlNamespace")
    if isinstance(namespace, dict):
        namespace = namespace.get("uri")
    if namespace:
        return namespace
    prefix, version = metadata.get("endpointPrefix"), metadata.get("apiVersion")
    if prefix and version:
        return f"http://{prefix}.amazonaws.com/doc/{version}/"
    return ""


@dataclass(frozen=True, slots=True)
class _ResultPlan:
    open_tag: str  # <OpResponse xmlns="...">
    close_tag: str  # </OpResponse>
    result_start: str  # <OpResult   (query only)
    result_end: str
    write_result: Writer | None
    children: dict[str, Emitter]  # ec2 writes the output's members straight into the root


class QuerySerializer(ResponseSerializer):
    """The ``query`` protocol (SQS, SNS, IAM, STS, CloudFormation...)."""

    protocol = "query"
    content_type = "text/xml"

    def __init__(self) -> None:
        super().__init__()
        self._error_children: PlanCache[Shape, dict[str, Emitter]] = PlanCache()
        self._namespaces: PlanCache[ServiceModel, str] = PlanCache()
        self._json_plans: PlanCache[OperationModel, Any] = PlanCache()

    def _namespace(self, service: ServiceModel) -> str:
        return self._namespaces.get(service, service_namespace)

    # -- results ----------------------------------------------------------------------------

    def _compile_operation(self, operation: OperationModel) -> _ResultPlan:
        name = operation.name
        xmlns = namespace_attr(self._namespace(operation.service_model))
        output = operation.output_shape
        write_result = None
        children: dict[str, Emitter] = {}
        wrapper = ""
        if output is not None:
            wrapper = output.serialization.get("resultWrapper") or f"{name}Result"
            compiler = XmlShapeCompiler(query_era_names(operation.service_model))
            attributes, children = compiler.structure_parts(output)
            write_result = structure_writer(attributes, children)
        return _ResultPlan(
            f"<{name}Response{xmlns}>", f"</{name}Response>",
            f"<{wrapper}", f"</{wrapper}>", write_result, children,
        )  # fmt: skip

    def _serialize_result(
        self, result: dict, operation: OperationModel, request_id: str
    ) -> HttpResponse:
        plan: _ResultPlan = self._operation_plan(operation)
        out = [plan.open_tag]
        if plan.write_result is not None:
            plan.write_result(out, plan.result_start, plan.result_end, result)
            if len(out) == 3 and out[1] == plan.result_start + ">":
                out[1:] = [plan.result_start + "/>"]  # an empty result: <ReceiveMessageResult/>
        out.append(
            f"<ResponseMetadata><RequestId>{escape_text(request_id)}</RequestId>"
            f"</ResponseMetadata>{plan.close_tag}"
        )
        return self._response(200, out, request_id)

    def serialize_result_as_json(
        self, result: dict | None, operation: OperationModel, request_id: str
    ) -> HttpResponse:
        """The answer to a query request that accepts JSON only (``Accept:
        application/json``): the XML envelope's elements as JSON objects,
        ``{"<Op>Response": {"<Op>Result": {...}, "ResponseMetadata": {"RequestId": ...}}}``."""
        from cloudtwin.protocol.json_serializer import JsonShapeCompiler, dump_json

        def compile_output(op: OperationModel) -> Any:
            output = op.output_shape
            return JsonShapeCompiler().structure(output) if output is not None else None

        encode = self._json_plans.get(operation, compile_output)
        inner: dict[str, Any] = {}
        if encode is not None:
            inner[f"{operation.name}Result"] = encode(result or {})
        inner["ResponseMetadata"] = {"RequestId": request_id}
        body = dump_json({f"{operation.name}Response": inner})
        return HttpResponse(200, {"Content-Type": "application/json", REQUEST_ID_HEADER: request_id}, body)

    def _response(
        self, status: int, out: list[str], request_id: str, extra: Any = None
    ) -> HttpResponse:
        headers = {"Content-Type": self.content_type, REQUEST_ID_HEADER: request_id}
        if extra:
            headers.update(extra)
        return HttpResponse(status, headers, "".join(out).encode("utf-8"))

    # -- errors -----------------------------------------------------------------------------

    def _error_details(self, out: list[str], error: ResolvedError) -> None:
        children = None
        if error.shape is not None:
            children = self._error_children.get(
                error.shape, lambda shape: XmlShapeCompiler().structure_parts(shape)[1]
            )
        write_error_details(out, error, children)

    def _serialize_error(
        self,
        error: ResolvedError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        xmlns = namespace_attr(self._namespace(service))
        if error.query_message is not None:
            error = replace(error, message=error.query_message)
        out = [
            f"<ErrorResponse{xmlns}><Error><Type>{error.fault_type}</Type>"
            f"<Code>{escape_text(error.query_code)}</Code>"
        ]
        self._error_details(out, error)
        metadata = service.metadata
        if "awsQueryCompatible" in metadata and "query" not in (metadata.get("protocols") or ()):
            # The query-era envelope of services now modeled in JSON only (SQS) ends with an
            # empty <Detail/>; services still modeled in query (SNS, IAM, STS, and CloudWatch,
            # which lists query among its protocols) send none.
            out.append("<Detail/>")
        out.append(f"</Error><RequestId>{escape_text(request_id)}</RequestId></ErrorResponse>")
        return self._response(error.status, out, request_id, error.headers)


class EC2Serializer(QuerySerializer):
    """The ``ec2`` protocol: query's cousin with its own envelopes."""

    protocol = "ec2"
    content_type = "text/xml;charset=UTF-8"

    def _serialize_result(
        self, result: dict, operation: OperationModel, request_id: str
    ) -> HttpResponse:
        plan: _ResultPlan = self._operation_plan(operation)
        out = [plan.open_tag, f"<requestId>{escape_text(request_id)}</requestId>"]
        if plan.children:
            write_children(out, plan.children, result)
        out.append(plan.close_tag)
        return self._response(200, out, request_id)

    def _serialize_error(
        self,
        error: ResolvedError,
        service: ServiceModel,
        operation: OperationModel | None,
        request_id: str,
    ) -> HttpResponse:
        out = [f"<Response><Errors><Error><Code>{escape_text(error.query_code)}</Code>"]
        self._error_details(out, error)
        out.append(
            f"</Error></Errors><RequestID>{escape_text(request_id)}</RequestID></Response>"
        )
        return self._response(error.status, out, request_id, error.headers)
