"""S3's errors with the codes, statuses and texts S3 itself sends.

S3 adds context elements to its error documents beside ``<Message>`` (``<BucketName>``,
``<Key>``, ``<Condition>``, ``<ArgumentName>``...); the helpers here pass them as the
error's ``details``. A detail given as ``""`` is sent empty (AWS's ``<ArgumentValue/>``),
one given as None is left out.
"""

from __future__ import annotations

from typing import Any

from cloudtwin.protocol.errors import ServiceError


def no_such_bucket(name: str) -> ServiceError:
    return bucket_error("NoSuchBucket", "The specified bucket does not exist", 404, name)


def bucket_error(code: str, message: str, status: int, bucket: str) -> ServiceError:
    """An error about a bucket (a missing configuration, a bucket not empty...): S3 names it."""
    return ServiceError(code, message, status, details={"BucketName": bucket})


def no_such_key(key: str, *, delete_marker: str | None = None) -> ServiceError:
    headers = {}
    if delete_marker is not None:
        headers = {"x-amz-delete-marker": "true", "x-amz-version-id": delete_marker}
    return ServiceError(
        "NoSuchKey", "The specified key does not exist.", 404, headers=headers, details={"Key": key}
    )


def no_such_version(key: str, version_id: str) -> ServiceError:
    return ServiceError(
        "NoSuchVersion", "The specified version does not exist.", 404,
        details={"Key": key, "VersionId": version_id},
    )


def invalid_version_id(version_id: str) -> ServiceError:
    return invalid_argument("Invalid version id specified", "versionId", version_id)


def method_not_allowed(
    method: str, version_id: str | None = None, resource_type: str = "DeleteMarker"
) -> ServiceError:
    """A method a delete marker does not support (GET, HEAD, PUT... of a marker version)."""
    headers = {"x-amz-delete-marker": "true"}
    if version_id:
        headers["x-amz-version-id"] = version_id
    return ServiceError(
        "MethodNotAllowed", "The specified method is not allowed against this resource.", 405,
        headers={**headers, "Allow": "DELETE"},
        details={"Method": method, "ResourceType": resource_type},
    )


def precondition_failed(condition: str) -> ServiceError:
    """``condition`` is the header that did not hold (``If-Match``,
    ``x-amz-copy-source-If-None-Match``...)."""
    return ServiceError(
        "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412,
        details={"Condition": condition},
    )


def not_modified() -> ServiceError:
    return ServiceError("NotModified", "Not Modified", 304)


def invalid_range(size: int | None = None, requested: str | None = None) -> ServiceError:
    details = {}
    if size is not None:
        details = {"ActualObjectSize": str(size), "RangeRequested": requested}
    return ServiceError("InvalidRange", "The requested range is not satisfiable", 416, details=details)


def invalid_argument(message: str, name: str | None = None, value: Any = None) -> ServiceError:
    """S3's ``InvalidArgument``, naming the argument (a header, query parameter or element)
    and its value when S3 does."""
    details = {}
    if name is not None:
        details["ArgumentName"] = name
        if value is not None:
            details["ArgumentValue"] = value
    return ServiceError("InvalidArgument", message, 400, details=details)


def invalid_request(message: str) -> ServiceError:
    return ServiceError("InvalidRequest", message, 400)


def malformed_xml() -> ServiceError:
    return ServiceError(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        400,
    )


def check_xml_enum(value: object, allowed: tuple[str, ...]) -> None:
    """An element of a request document outside its schema's enumeration: S3 validates the
    XML against its schema before reading it, so the answer is ``MalformedXML``."""
    if value is not None and value not in allowed:
        raise malformed_xml()


def no_such_upload(upload_id: str) -> ServiceError:
    return ServiceError(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may "
        "have been aborted or completed.",
        404,
        details={"UploadId": upload_id},
    )


def access_denied(message: str = "Access Denied") -> ServiceError:
    return ServiceError("AccessDenied", message, 403)


def not_implemented_header(header: str, additional: str | None = None) -> ServiceError:
    return ServiceError(
        "NotImplemented", "A header you provided implies functionality that is not implemented", 501,
        details={"Header": header, "additionalMessage": additional},
    )
