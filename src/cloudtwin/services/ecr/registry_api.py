"""The Docker Registry HTTP API v2 (the OCI distribution API) on the registry's host name,
``<account>.dkr.ecr.<region>.<cloudtwin's domain>``: what ``docker login/push/pull`` speak.

Blobs land in the repository's layers and manifests go through PutImage / BatchGetImage
(the same digest, tag and mutability rules as the API), so images pushed either way are
the same images. Credentials are not checked (``docker login`` with the
GetAuthorizationToken password works, as does none).
"""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import unquote
from typing import TYPE_CHECKING, Any

from cloudtwin.gateway.identity import partition_for_region
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.http import HttpResponse
from cloudtwin.services.ecr.images import DIGEST, sha256
from cloudtwin.services.ecr.models import Layer, Upload
from cloudtwin.services.ecr.replication import from_template, template_for

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.protocol.http import HttpRequest

_PATH = re.compile(
    r"^/v2/(?P<name>.+?)/(?:blobs/uploads/(?P<upload>[^/]*)|blobs/(?P<blob>[^/]+)|manifests/(?P<ref>[^/]+)|(?P<tags>tags/list))$"
)
_API_VERSION = {"Docker-Distribution-API-Version": "registry/2.0"}
#: Registry error codes of ECR's API errors.
_CODES = {
    "RepositoryNotFoundException": ("NAME_UNKNOWN", 404),
    "ImageNotFoundException": ("MANIFEST_UNKNOWN", 404),
    "LayersNotFoundException": ("MANIFEST_BLOB_UNKNOWN", 400),
    "ReferencedImagesNotFoundException": ("MANIFEST_BLOB_UNKNOWN", 400),
    "ImageTagAlreadyExistsException": ("TAG_INVALID", 400),
    "ImageDigestDoesNotMatchException": ("DIGEST_INVALID", 400),
}


def _error(status: int, code: str, message: str) -> HttpResponse:
    body = json.dumps({"errors": [{"code": code, "message": message, "detail": {}}]}).encode()
    return HttpResponse(status, {"Content-Type": "application/json", **_API_VERSION}, body)


class RegistryApi:
    """Serves one request; ``provider`` is the ECR provider (its stores and internal calls)."""

    def __init__(self, provider: Any, account: str, region: str) -> None:
        self.provider = provider
        self.account, self.region = account, region
        self.store = provider.stores.get(account, region)

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        return self.provider.env.internal.call("ecr", operation, params, account_id=self.account, region=self.region)

    def serve(self, request: "HttpRequest") -> HttpResponse:
        path = unquote(request.path)
        if path in ("/v2", "/v2/"):
            return HttpResponse(200, {"Content-Type": "application/json", **_API_VERSION}, b"{}")
        match = _PATH.match(path)
        if match is None:
            return _error(404, "NOT_FOUND", "no such registry endpoint")
        name = match["name"]
        if name not in self.store.repositories and request.method in ("POST", "PUT", "PATCH"):
            self._create_on_push(name)
        if name not in self.store.repositories:
            return _error(404, "NAME_UNKNOWN", f"The repository with name '{name}' does not exist in the registry with id '{self.account}'")
        try:
            if match["tags"]:
                return self._tags(name)
            if match["upload"] is not None:
                return self._upload(request, name, match["upload"])
            if match["blob"]:
                return self._blob(request, name, match["blob"])
            return self._manifest(request, name, match["ref"])
        except ServiceError as error:
            code, status = _CODES.get(error.code, ("UNSUPPORTED", 400))
            return _error(status, code, error.message)

    def _create_on_push(self, name: str) -> None:
        """A push to a repository that does not exist creates it when a creation template
        applied to ``CREATE_ON_PUSH`` matches its name."""
        template = template_for(self.store, name, "CREATE_ON_PUSH")
        if template is not None:
            now = self.provider.env.clock.now()
            from_template(self.store, name, self.account, self.region, partition_for_region(self.region), now, template)

    # -- blobs ------------------------------------------------------------------------------

    def _blob(self, request: "HttpRequest", name: str, digest: str) -> HttpResponse:
        layer = self.store.layer(name, digest)
        if layer is None:
            return _error(404, "BLOB_UNKNOWN", f"blob {digest} is not in repository {name}")
        if request.method == "DELETE":
            return _error(405, "UNSUPPORTED", "blobs cannot be deleted")
        headers = {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest,
                   "Content-Length": str(len(layer.data)), **_API_VERSION}  # fmt: skip
        return HttpResponse(200, headers, b"" if request.method == "HEAD" else layer.data)

    def _upload(self, request: "HttpRequest", name: str, upload_id: str) -> HttpResponse:
        query = dict(request.query)
        if request.method == "POST" and not upload_id:
            mounted = query.get("mount")
            source = query.get("from")
            if mounted and source and (layer := self.store.layer(source, mounted)) is not None:
                self.store.layers[f"{name}@{mounted}"] = layer
                return self._created(name, mounted)
            upload = Upload(upload_id=str(uuid.uuid4()), repository=name, data=request.body or b"")
            if query.get("digest"):  # a monolithic upload
                return self._complete(name, upload, query["digest"])
            self.store.uploads[upload.upload_id] = upload
            return self._progress(name, upload)
        upload = self.store.uploads.get(upload_id)
        if upload is None or upload.repository != name:
            return _error(404, "BLOB_UPLOAD_UNKNOWN", f"upload {upload_id} is not in progress")
        if request.method == "GET":
            return self._progress(name, upload, status=204)
        if request.method == "DELETE":
            self.store.uploads.pop(upload_id, None)
            return HttpResponse(204, dict(_API_VERSION), b"")
        upload.data += request.body or b""
        if request.method == "PATCH":
            self.store.uploads[upload_id] = upload
            return self._progress(name, upload)
        if request.method == "PUT":
            self.store.uploads.pop(upload_id, None)
            return self._complete(name, upload, query.get("digest") or "")
        return _error(405, "UNSUPPORTED", f"{request.method} is not supported on uploads")

    def _progress(self, name: str, upload: Upload, status: int = 202) -> HttpResponse:
        return HttpResponse(status, {
            "Location": f"/v2/{name}/blobs/uploads/{upload.upload_id}", "Docker-Upload-UUID": upload.upload_id,
            "Range": f"0-{max(len(upload.data) - 1, 0)}", "Content-Length": "0", **_API_VERSION,
        }, b"")  # fmt: skip

    def _complete(self, name: str, upload: Upload, digest: str) -> HttpResponse:
        actual = sha256(upload.data)
        if not DIGEST.match(digest) or digest != actual:
            return _error(400, "DIGEST_INVALID", f"the upload's digest is {actual}, not {digest}")
        if self.store.layer(name, actual) is None:
            self.store.layers[f"{name}@{actual}"] = Layer(digest=actual, data=upload.data)
        return self._created(name, actual)

    def _created(self, name: str, digest: str) -> HttpResponse:
        return HttpResponse(201, {"Location": f"/v2/{name}/blobs/{digest}", "Docker-Content-Digest": digest,
                                  "Content-Length": "0", **_API_VERSION}, b"")  # fmt: skip

    # -- manifests and tags -----------------------------------------------------------------------

    def _image_id(self, ref: str) -> dict[str, str]:
        return {"imageDigest": ref} if DIGEST.match(ref) else {"imageTag": ref}

    def _manifest(self, request: "HttpRequest", name: str, ref: str) -> HttpResponse:
        if request.method == "PUT":
            text = (request.body or b"").decode()
            params: dict[str, Any] = {"repositoryName": name, "imageManifest": text}
            media_type = request.headers.get("content-type", "").split(";")[0].strip()
            if media_type and media_type != "application/octet-stream":
                params["imageManifestMediaType"] = media_type
            params.update({"imageDigest": ref} if DIGEST.match(ref) else {"imageTag": ref})
            try:
                digest = self._call("PutImage", params)["image"]["imageId"]["imageDigest"]
            except ServiceError as error:
                if error.code != "ImageAlreadyExistsException":
                    raise
                digest = sha256(text.encode())
            return HttpResponse(201, {"Location": f"/v2/{name}/manifests/{digest}", "Docker-Content-Digest": digest,
                                      "Content-Length": "0", **_API_VERSION}, b"")  # fmt: skip
        if request.method == "DELETE":
            out = self._call("BatchDeleteImage", {"repositoryName": name, "imageIds": [self._image_id(ref)]})
            if out["failures"]:
                return _error(404, "MANIFEST_UNKNOWN", out["failures"][0]["failureReason"])
            return HttpResponse(202, dict(_API_VERSION), b"")
        got = self._call("BatchGetImage", {"repositoryName": name, "imageIds": [self._image_id(ref)]})
        if not got["images"]:
            return _error(404, "MANIFEST_UNKNOWN", f"manifest {ref} is not in repository {name}")
        image = got["images"][0]
        body = image["imageManifest"].encode()
        headers = {"Content-Type": image["imageManifestMediaType"], "Docker-Content-Digest": image["imageId"]["imageDigest"],
                   "Content-Length": str(len(body)), **_API_VERSION}  # fmt: skip
        return HttpResponse(200, headers, b"" if request.method == "HEAD" else body)

    def _tags(self, name: str) -> HttpResponse:
        tags = sorted(t for image in self.store.images_of(name) for t in image.tags)
        return HttpResponse(200, {"Content-Type": "application/json", **_API_VERSION},
                            json.dumps({"name": name, "tags": tags}).encode())  # fmt: skip
