"""S3's errors with the codes, statuses and texts S3 itself sends."""

from __future__ import annotations

from cloudtwin.protocol.errors import ServiceError


def no_such_bucket(name: str) -> ServiceError:
    return ServiceError("NoSuchBucket", "The specified bucket does not exist", 404)


def no_such_key(key: str, *, delete_marker: str | None = None) -> ServiceError:
    headers = {}
    if delete_marker is not None:
        headers = {"x-amz-delete-marker": "true", "x-amz-version-id": delete_marker}
    return ServiceError("NoSuchKey", "The specified key does not exist.", 404, headers=headers)


def no_such_version() -> ServiceError:
    return ServiceError("NoSuchVersion", "The specified version does not exist.", 404)


def invalid_version_id() -> ServiceError:
    return ServiceError("InvalidArgument", "Invalid version id specified", 400)


def method_not_allowed(version_id: str | None = None) -> ServiceError:
    headers = {"x-amz-delete-marker": "true"}
    if version_id:
        headers["x-amz-version-id"] = version_id
    return ServiceError(
        "MethodNotAllowed", "The specified method is not allowed against this resource.", 405,
        headers={**headers, "Allow": "DELETE"},
    )


def precondition_failed(condition: str = "") -> ServiceError:
    return ServiceError(
        "PreconditionFailed", "At least one of the pre-conditions you specified did not hold", 412
    )


def not_modified() -> ServiceError:
    return ServiceError("NotModified", "Not Modified", 304)


def invalid_range() -> ServiceError:
    return ServiceError("InvalidRange", "The requested range is not satisfiable", 416)


def invalid_argument(message: str) -> ServiceError:
    return ServiceError("InvalidArgument", message, 400)


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


def no_such_upload() -> ServiceError:
    return ServiceError(
        "NoSuchUpload",
        "The specified upload does not exist. The upload ID may be invalid, or the upload may "
        "have been aborted or completed.",
        404,
    )


def access_denied(message: str = "Access Denied") -> ServiceError:
    return ServiceError("AccessDenied", message, 403)


def not_implemented_header(header: str) -> ServiceError:
    return ServiceError(
        "NotImplemented", "A header you provided implies functionality that is not implemented", 501
    )
