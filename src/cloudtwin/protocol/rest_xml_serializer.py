"""The ``rest-xml`` response serializer (S3, S3 Control, Route 53, CloudFront).

The bindings are :mod:`~cloudtwin.protocol.rest_serializer`'s; the body is XML written by
:mod:`~cloudtwin.protocol.xml_writer` under a root element named by the output's
``locationName`` (else the shape name; S3's roots, which botocore's model does not carry,
come from :data:`S3_ROOT_ELEMENTS`). A structure payload's root is the member's own
``locationName``, else its shape's. The root takes the shape's ``xmlNamespace``, else the
service's (the one its requests use).

Errors: S3 answers ``<Error><Code/><Message/>...<RequestId/><HostId/></Error>`` with the
ids in ``x-amz-request-id`` / ``x-amz-id-2``; the other services
``<ErrorResponse xmlns=".."><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>``
with ``x-amzn-RequestId``. botocore's RestXMLParser reads both.
"""

from __future__ import annotations

import base64
import hashlib
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Mapping

from cloudtwin.protocol.error_shapes import ResolvedError
from cloudtwin.protocol.eventstream import EventStreamEncoder
from cloudtwin.protocol.rest_serializer import BodyWriter, RestSerializer
from cloudtwin.protocol.serializers import REQUEST_ID_HEADER
from cloudtwin.protocol.shape_plans import PlanCache
from cloudtwin.protocol.xml_writer import (
    XML_DECLARATION,
    Emitter,
    Writer,
    XmlShapeCompiler,
    element,
    escape_text,
    namespace_attr,
    structure_writer,
    write_error_details,
)

if TYPE_CHECKING:  # pragma: no cover
    from botocore.model import OperationModel, ServiceModel, Shape

XML_CONTENT_TYPE = "application/xml"

# S3's response root elements (its Smithy @xmlName), which botocore's model dropped.
S3_ROOT_ELEMENTS: Mapping[str, str] = MappingProxyType(
    {
        "CompleteMultipartUploadOutput": "CompleteMultipartUploadResult",
        "CreateMultipartUploadOutput": "InitiateMultipartUploadResult",
        "DeleteObjectsOutput": "DeleteResult",
        "GetBucketAclOutput": "AccessControlPolicy",
        "GetBucketCorsOutput": "CORSConfiguration",
        "GetBucketLifecycleConfigurationOutput": "LifecycleConfiguration",
        "GetBucketLoggingOutput": "BucketLoggingStatus",
        "GetBucketNotificationConfigurationOutput": "NotificationConfiguration",
        "GetBucketTaggingOutput": "Tagging",
        "GetBucketVersioningOutput": "VersioningConfiguration",
        "GetBucketWebsiteOutput": "WebsiteConfiguration",
        "GetObjectAclOutput": "AccessControlPolicy",
        "GetObjectAttributesOutput": "GetObjectAttributesResponse",
        "GetObjectTaggingOutput": "Tagging",
        "ListBucketsOutput": "ListAllMyBucketsResult",
        "ListMultipartUploadsOutput": "ListMultipartUploadsResult",
        "ListObjectVersionsOutput": "ListVersionsResult",
        "ListObjectsOutput": "ListBucketResult",
        "ListObjectsV2Output": "ListBucketResult",
        "ListPartsOutput": "ListPartsResult",
    }
)

# S3 outputs whose single member is the text of the root element (botocore reads
# GetBucketLocation's LocationConstraint from the root's text).
S3_TEXT_ROOTS: Mapping[str, str] = MappingProxyType(
    {"GetBucketLocationOutput": "LocationConstraint"}
)


def is_s3(service: ServiceModel) -> bool:
    return service.metadata.get("serviceId") == "S3"


def _uri(namespace: Any) -> str | None:
    if isinstance(namespace, dict):
        return namespace.get("uri")
    return namespace or None


def service_xml_namespace(service: ServiceModel) -> str | None:
    """The namespace a rest-xml service's documents use, found once from its requests."""
    uri = _uri(service.metadata.get("xmlNamespace"))
    if uri:
        return uri
    for name in service.operation_names:
        shape = service.operation_model(name).input_shape
        if shape is None:
            continue
        namespace = shape.serialization.get("xmlNamespace")
        payload = shape.serialization.get("payload")
        if not namespace and payload:
            namespace = shape.members[payload].serialization.get("xmlNamespace")
        if namespace:
            return _uri(namespace)
    return None


def _root_name(name: str, member: Shape, service: ServiceModel) -> str:
    """A payload member's root element: its own locationName, else its shape's."""
    own = member.serialization.get("name")
    declared = service.shape_for(member.name).serialization.get("name")
    if own and own != declared and own != name:
        return own
    return declared or member.name


class RestXMLSerializer(RestSerializer):
    """The ``rest-xml`` protocol."""

    protocol = "rest-xml"
    body_content_type = XML_CONTENT_TYPE

    def __init__(self) -> None:
        super().__init__()
        self._namespaces: PlanCache[ServiceModel, str | None] = PlanCache()
        self._error_children: PlanCache[Shape, dict[str, Emitter]] = PlanCache()

    def _namespace(self, service: ServiceModel) -> str | None:
        return self._namespaces.get(service, service_xml_namespace)

    def _root(self, root: str, shape: Shape, service: ServiceModel) -> tuple[str, str]:
        namespace = shape.serialization.get("xmlNamespace") or self._namespace(service)
        return element(root, namespace)

    @staticmethod
    def _document(write: Writer, start: str, end: str) -> BodyWriter:
        def write_document(value: Any) -> bytes:
            out = [XML_DECLARATION, "\n"]
            write(out, start, end, value)
            return "".join(out).encode("utf-8")

        return write_document

    # -- bodies -----------------------------------------------------------------------------

    def _members_writer(self, shape: Shape, operation: OperationModel) -> BodyWriter:
        service = operation.service_model
        if is_s3(service) and shape.name in S3_TEXT_ROOTS:
            return self._text_root(S3_TEXT_ROOTS[shape.name], shape, service)
        root = shape.serialization.get("name") or shape.name
        if is_s3(service):
            root = S3_ROOT_ELEMENTS.get(shape.name, root)
        start, end = self._root(root, shape, service)
        attributes, children = _compiler(service).structure_parts(shape)
        return self._document(structure_writer(attributes, children), start, end)

    def _text_root(self, member: str, shape: Shape, service: ServiceModel) -> BodyWriter:
        start, end = self._root(member, shape, service)

        def write_text_root(value: Any) -> bytes:
            text = value.get(member)
            inner = f"{start}>{escape_text(text)}{end}" if text else f"{start}/>"
            return f"{XML_DECLARATION}\n{inner}".encode("utf-8")

        return write_text_root

    def _payload_writer(self, name: str, member: Shape, operation: OperationModel) -> BodyWriter:
        service = operation.service_model
        start, end = self._root(_root_name(name, member, service), member, service)
        return self._document(_compiler(service).plan(member), start, end)

    def _build_event_encoder(self, service: ServiceModel) -> EventStreamEncoder:
        plans: PlanCache[Shape, Writer] = PlanCache()

        def encode_payload(shape: Shape, value: Any) -> bytes:
            write = plans.get(shape, lambda s: XmlShapeCompiler().plan(s))
            start, end = element(shape.serialization.get("name", shape.name))
            out: list[str] = []
            write(out, start, end, value)
            return "".join(out).encode("utf-8")

        return EventStreamEncoder(encode_payload, "text/xml")

    # -- request ids and errors -------------------------------------------------------------

    def _request_id_headers(self, service: ServiceModel, request_id: str) -> dict[str, str]:
        if is_s3(service):
            return {"x-amz-request-id": request_id, "x-amz-id-2": host_id(request_id), "Server": "AmazonS3"}
        return {REQUEST_ID_HEADER: request_id}

    def _error_body(
        self, error: ResolvedError, service: ServiceModel, request_id: str
    ) -> tuple[bytes, dict[str, str]]:
        rid = escape_text(request_id)
        out = [XML_DECLARATION, "\n"]
        s3 = is_s3(service)
        if s3:
            out.append("<Error>")
        else:
            out.append(
                f"<ErrorResponse{namespace_attr(self._namespace(service))}><Error>"
                f"<Type>{error.fault_type}</Type>"
            )
        out.append(f"<Code>{escape_text(error.code)}</Code>")
        children = None
        if error.shape is not None:
            children = self._error_children.get(
                error.shape, lambda shape: XmlShapeCompiler().structure_parts(shape)[1]
            )
        write_error_details(out, error, children)
        if s3:
            host = host_id(request_id)
            out.append(f"<RequestId>{rid}</RequestId><HostId>{host}</HostId></Error>")
        else:
            out.append(f"</Error><RequestId>{rid}</RequestId></ErrorResponse>")
        return "".join(out).encode("utf-8"), {"Content-Type": XML_CONTENT_TYPE}


def _compiler(service: ServiceModel) -> XmlShapeCompiler:
    """S3 writes every body timestamp with milliseconds (``...T18:30:38.000Z``)."""
    return XmlShapeCompiler(millis=is_s3(service))


def host_id(request_id: str) -> str:
    """S3's ``x-amz-id-2`` / ``HostId``: an opaque token, derived from the request id."""
    return base64.b64encode(hashlib.sha256(request_id.encode("utf-8")).digest()).decode("ascii")
