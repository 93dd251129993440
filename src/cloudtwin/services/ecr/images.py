"""Images through the API: layer uploads, manifests (PutImage with AWS's digest, tag and
mutability rules), reading, listing, describing and deleting images, scans, referrers and
storage classes (handlers mixed into the provider)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from fnmatch import fnmatchcase
from urllib.parse import urlencode
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ecr.errors import image_id_text, image_not_found, invalid_at
from cloudtwin.services.ecr.models import EcrStore, Image, Layer, Repository, Upload
from cloudtwin.services.ecr.paging import page, paged
from cloudtwin.services.ecr.replication import replicate, statuses
from cloudtwin.services.ecr.repositories import base_url, dt

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
PART_SIZE = 10 * 1024 * 1024
MIN_PART = 5 * 1024 * 1024
DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$")
DOCKER_V1 = "application/vnd.docker.distribution.manifest.v1+prettyjws"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX_TYPES = ("application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json")
IMAGE_CONFIGS = ("application/vnd.docker.container.image.v1+json", "application/vnd.oci.image.config.v1+json")
NOT_FOUND = "Requested image not found"


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def tag_is_immutable(repo: Repository, tag: str) -> bool:
    """Whether ``tag`` may not move to another image in ``repo`` (the exclusion filters of
    the ``*_WITH_EXCLUSION`` modes are wildcards that flip the repository's rule)."""
    mode = repo.tag_mutability
    if mode in ("MUTABLE", "IMMUTABLE"):
        return mode == "IMMUTABLE"
    excluded = any(fnmatchcase(tag, f["filter"]) for f in repo.mutability_filters)
    return not excluded if mode == "IMMUTABLE_WITH_EXCLUSION" else excluded


def image_id(image: Image, tag: str | None = None) -> Params:
    out: Params = {"imageDigest": image.digest}
    if tag:
        out["imageTag"] = tag
    return out


def _failure(requested: Params, code: str, reason: str) -> Params:
    return {"imageId": dict(requested), "failureCode": code, "failureReason": reason}


class ImageOperations:
    env: Any
    stores: Any
    _repository: Any

    # -- resolving image ids ----------------------------------------------------------------------

    def _resolve(self, store: EcrStore, repo: Repository, requested: Params) -> tuple[Image | None, Params | None]:
        """The image an image id names, or the failure entry BatchGetImage/BatchDeleteImage give."""
        digest, tag = requested.get("imageDigest"), requested.get("imageTag")
        if not digest and not tag:
            return None, _failure(requested, "MissingDigestAndTag", "Invalid request parameters: both tag and digest cannot be null")
        if digest and not DIGEST.match(digest):
            return None, _failure(requested, "InvalidImageDigest", "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'")
        if tag:
            image = store.tagged(repo.name, tag)
            if image is not None and digest and image.digest != digest:
                return None, _failure(requested, "ImageTagDoesNotMatchDigest", "Invalid request parameters: image tag digest mismatch")
        else:
            image = store.image(repo.name, digest)
        if image is None:
            return None, _failure(requested, "ImageNotFound", NOT_FOUND)
        return image, None

    def _image(self, store: EcrStore, repo: Repository, requested: Params) -> Image:
        image, failure = self._resolve(store, repo, requested)
        if image is None:
            if failure and failure["failureCode"] in ("MissingDigestAndTag", "InvalidImageDigest"):
                raise ServiceError("InvalidParameterException", failure["failureReason"])
            raise image_not_found(requested, repo.name, repo.registry_id)
        return image

    # -- layers -----------------------------------------------------------------------------------

    def initiate_layer_upload(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        upload = Upload(upload_id=str(uuid.uuid4()), repository=repo.name)
        store.uploads[upload.upload_id] = upload
        return {"uploadId": upload.upload_id, "partSize": PART_SIZE}

    def _upload(self, store: EcrStore, repo: Repository, upload_id: str) -> Upload:
        upload = store.uploads.get(upload_id)
        if upload is None or upload.repository != repo.name:
            raise ServiceError(
                "UploadNotFoundException",
                f"Upload with id '{upload_id}' is not found in repository '{repo.name}' in registry with id "
                f"'{repo.registry_id}'",
            )
        return upload

    def upload_layer_part(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        upload = self._upload(store, repo, params["uploadId"])
        blob = params["layerPartBlob"]
        first, last = params["partFirstByte"], params["partLastByte"]
        if first != len(upload.data) or last != first + len(blob) - 1:
            raise ServiceError(
                "InvalidLayerPartException",
                f"The layer part for upload id '{upload.upload_id}' is not valid: the first byte must be "
                f"{len(upload.data)} and the last byte {len(upload.data) + len(blob) - 1}",
                fields={"registryId": repo.registry_id, "repositoryName": repo.name, "uploadId": upload.upload_id,
                        "lastValidByteReceived": max(len(upload.data) - 1, 0)},
            )  # fmt: skip
        upload.data += blob
        upload.parts.append(len(blob))
        store.uploads.save(upload.upload_id)
        return {"registryId": repo.registry_id, "repositoryName": repo.name, "uploadId": upload.upload_id,
                "lastByteReceived": last}  # fmt: skip

    def complete_layer_upload(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        upload = self._upload(store, repo, params["uploadId"])
        if not upload.data:
            raise ServiceError("EmptyUploadException", f"The upload with id '{upload.upload_id}' contains no data")
        if any(size < MIN_PART for size in upload.parts[:-1]):
            raise ServiceError("LayerPartTooSmallException", "Layer parts must be at least 5 MiB in size, except the last part")
        digest = sha256(upload.data)
        expected = params["layerDigests"]
        if digest not in expected:
            raise ServiceError(
                "InvalidLayerException",
                f"The layer digest calculated for the upload id '{upload.upload_id}' ({digest}) does not match the "
                f"expected digest {expected[0] if len(expected) == 1 else expected}",
            )
        if store.layer(repo.name, digest) is not None:
            store.uploads.pop(upload.upload_id, None)
            raise ServiceError(
                "LayerAlreadyExistsException",
                f"Layer with digest '{digest}' already exists in the repository with name '{repo.name}' in registry "
                f"with id '{repo.registry_id}'",
            )
        store.layers[f"{repo.name}@{digest}"] = Layer(digest=digest, data=upload.data)
        store.uploads.pop(upload.upload_id, None)
        return {"registryId": repo.registry_id, "repositoryName": repo.name, "uploadId": upload.upload_id,
                "layerDigest": digest}  # fmt: skip

    def batch_check_layer_availability(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        layers, failures = [], []
        for digest in params["layerDigests"]:
            if not DIGEST.match(digest):
                failures.append({"layerDigest": digest, "failureCode": "InvalidLayerDigest", "failureReason": "Invalid layer digest"})
                continue
            layer = store.layer(repo.name, digest)
            if layer is None:
                failures.append({"layerDigest": digest, "failureCode": "MissingLayerDigest", "failureReason": "Could not find the layer"})
                continue
            layers.append({"layerDigest": digest, "layerAvailability": "AVAILABLE", "layerSize": len(layer.data),
                           "mediaType": layer.media_type})  # fmt: skip
        return {"layers": layers, "failures": failures}

    def get_download_url_for_layer(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        digest = params["layerDigest"]
        if not DIGEST.match(digest):
            raise invalid_at("layerDigest", "Invalid layer digest")
        if store.layer(repo.name, digest) is None:
            raise ServiceError(
                "LayersNotFoundException",
                f"The following layers are not found: [{digest}] in the repository with name '{repo.name}' in "
                f"registry with id '{repo.registry_id}'",
            )
        query = urlencode({"registryId": repo.registry_id, "region": repo.region, "repositoryName": repo.name,
                           "layerDigest": digest})  # fmt: skip
        return {"downloadUrl": f"{base_url(ctx)}/_cloudtwin/ecr/layer?{query}", "layerDigest": digest}

    # -- manifests -----------------------------------------------------------------------------------

    def put_image(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        text = params["imageManifest"]
        digest = sha256(text.encode())
        given = params.get("imageDigest")
        if given and given != digest:
            raise ServiceError(
                "ImageDigestDoesNotMatchException",
                f"Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The provided digest {given} "
                f"does not match the calculated digest {digest}'",
            )
        try:
            manifest = json.loads(text)
        except ValueError:
            manifest = None
        if not isinstance(manifest, dict):
            raise invalid_at("ImageManifest", "Invalid JSON syntax")
        media_type = params.get("imageManifestMediaType") or manifest.get("mediaType") or (
            DOCKER_V1 if manifest.get("schemaVersion") == 1 else OCI_MANIFEST
        )
        size = self._check_references(store, repo, manifest, media_type)
        tag = params.get("imageTag")
        existing = store.image(repo.name, digest)
        holder = store.tagged(repo.name, tag) if tag else None
        if existing is not None and (not tag or holder is existing or (holder and holder.digest == digest)):
            what = f"Image with digest '{digest}' and tag '{tag}'" if tag else f"Image with digest '{digest}'"
            raise ServiceError(
                "ImageAlreadyExistsException",
                f"{what} already exists in the repository with name '{repo.name}' in registry with id '{repo.registry_id}'",
            )
        if holder is not None and tag_is_immutable(repo, tag):
            raise ServiceError(
                "ImageTagAlreadyExistsException",
                f"The image tag '{tag}' already exists in the '{repo.name}' repository and cannot be overwritten "
                "because the tag is immutable.",
            )
        now = ctx.clock.now()
        if holder is not None:
            holder.tags.remove(tag)
            store.save_image(holder)
        if existing is None:
            config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
            existing = Image(
                repository=repo.name, digest=digest, manifest=text, media_type=media_type, pushed=now, size=size,
                artifact_media_type=config.get("mediaType") or manifest.get("artifactType"),
                subject=(manifest.get("subject") or {}).get("digest") if isinstance(manifest.get("subject"), dict) else None,
                scanned=now if repo.scan_on_push else None,
            )  # fmt: skip
        if tag:
            existing.tags.append(tag)
        store.save_image(existing)
        replicate(self.stores, store, repo, existing, now)
        return {"image": {
            "registryId": repo.registry_id, "repositoryName": repo.name, "imageId": image_id(existing, tag),
            "imageManifest": text, "imageManifestMediaType": media_type,
        }}  # fmt: skip

    def _check_references(self, store: EcrStore, repo: Repository, manifest: Params, media_type: str) -> int:
        """The image's size from what its manifest references, which must all be in the
        repository (layers and config; the images of a manifest list)."""
        if media_type in INDEX_TYPES or isinstance(manifest.get("manifests"), list):
            missing, size = [], 0
            for entry in manifest.get("manifests") or []:
                ref = entry.get("digest") if isinstance(entry, dict) else None
                image = store.image(repo.name, ref) if ref else None
                if image is None:
                    missing.append(ref)
                else:
                    size += image.size
            if missing:
                raise ServiceError(
                    "ReferencedImagesNotFoundException",
                    f"The following referenced images were not found: [{', '.join(str(m) for m in missing)}]",
                )
            return size
        if manifest.get("schemaVersion") == 1:
            blobs = [{"digest": f.get("blobSum")} for f in manifest.get("fsLayers") or [] if isinstance(f, dict)]
        else:
            blobs = [layer for layer in manifest.get("layers") or [] if isinstance(layer, dict)]
        config = manifest.get("config")
        missing = []
        for blob in blobs + ([config] if isinstance(config, dict) else []):
            layer = store.layer(repo.name, blob.get("digest") or "")
            if layer is None:
                missing.append(blob.get("digest"))
            elif blob.get("mediaType") and layer.media_type != blob["mediaType"]:
                layer.media_type = blob["mediaType"]
                store.layers.save(f"{repo.name}@{layer.digest}")
        if missing:
            raise ServiceError(
                "LayersNotFoundException",
                f"Layers with digests '{missing}' required for pushing image into repository with name "
                f"'{repo.name}' in the registry with id '{repo.registry_id}' do not exist",
            )
        return sum(int(b.get("size") or len(store.layer(repo.name, b["digest"]).data)) for b in blobs)  # type: ignore[union-attr]

    # -- reading ----------------------------------------------------------------------------------

    def batch_get_image(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        accepted = params.get("acceptedMediaTypes")
        images, failures = [], []
        now = ctx.clock.now()
        for requested in params["imageIds"]:
            image, failure = self._resolve(store, repo, requested)
            if image is None:
                failures.append(failure)
                continue
            if accepted and image.media_type not in accepted:
                failures.append(_failure(requested, "ImageNotFound", NOT_FOUND))
                continue
            image.last_pull = now
            store.save_image(image)
            images.append({
                "registryId": repo.registry_id, "repositoryName": repo.name,
                "imageId": image_id(image, requested.get("imageTag")), "imageManifest": image.manifest,
                "imageManifestMediaType": image.media_type,
            })  # fmt: skip
        return {"images": images, "failures": failures}

    def _listed(self, store: EcrStore, repo: Repository, filters: Params) -> list[Image]:
        status = filters.get("tagStatus") or "ANY"
        storage = filters.get("imageStatus") or "ACTIVE"
        images = sorted(store.images_of(repo.name), key=lambda i: (i.pushed, i.digest))
        return [
            i for i in images
            if (status == "ANY" or (status == "TAGGED") == bool(i.tags)) and (storage == "ANY" or i.status == storage)
        ]  # fmt: skip

    def list_images(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        ids = []
        for image in self._listed(store, repo, params.get("filter") or {}):
            ids.extend([image_id(image, t) for t in image.tags] or [image_id(image)])
        return paged(ids, params, "imageIds")

    def describe_images(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        requested = params.get("imageIds")
        if requested:
            found: list[Image] = []
            for rid in requested:
                image = self._image(store, repo, rid)
                if image not in found:
                    found.append(image)
            return {"imageDetails": [self._detail(repo, i) for i in found]}
        chunk, token = page(self._listed(store, repo, params.get("filter") or {}), params)
        out: Params = {"imageDetails": [self._detail(repo, i) for i in chunk]}
        if token:
            out["nextToken"] = token
        return out

    def _detail(self, repo: Repository, image: Image) -> Params:
        out: Params = {"registryId": repo.registry_id, "repositoryName": repo.name, "imageDigest": image.digest}
        if image.tags:
            out["imageTags"] = list(image.tags)
        out["imageSizeInBytes"] = image.size
        out["imagePushedAt"] = dt(image.pushed)
        if image.scanned is not None:
            out["imageScanStatus"] = _scan_status()
            out["imageScanFindingsSummary"] = {
                "imageScanCompletedAt": dt(image.scanned), "vulnerabilitySourceUpdatedAt": dt(image.scanned),
                "findingSeverityCounts": {},
            }  # fmt: skip
        out["imageManifestMediaType"] = image.media_type
        if image.artifact_media_type:
            out["artifactMediaType"] = image.artifact_media_type
        if image.last_pull is not None:
            out["lastRecordedPullTime"] = dt(image.last_pull)
        if image.subject:
            out["subjectManifestDigest"] = image.subject
        if image.status != "ACTIVE":
            out["imageStatus"] = image.status
            if image.archived is not None:
                out["lastArchivedAt"] = dt(image.archived)
        if image.activated is not None:
            out["lastActivatedAt"] = dt(image.activated)
        return out

    # -- deleting ---------------------------------------------------------------------------------

    def batch_delete_image(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        deleted, failures = [], []
        for requested in params["imageIds"]:
            image, failure = self._resolve(store, repo, requested)
            if image is None:
                failures.append(failure)
                continue
            tag = requested.get("imageTag")
            if tag and len(image.tags) > 1:
                image.tags.remove(tag)
                store.save_image(image)
                deleted.append(image_id(image, tag))
                continue
            parents = [i.digest for i in store.images_of(repo.name) if image.digest in _children(i)]
            if parents:
                failures.append(_failure(requested, "ImageReferencedByManifestList",
                                         f"Requested image referenced by manifest list: {parents}"))  # fmt: skip
                continue
            store.drop_image(image)
            deleted.extend([image_id(image, t) for t in image.tags] or [image_id(image)])
        return {"imageIds": deleted, "failures": failures}

    # -- scans, referrers, storage class -------------------------------------------------------------

    def start_image_scan(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        image = self._image(store, repo, params["imageId"])
        if image.status == "ARCHIVED":
            raise ServiceError("ImageArchivedException", "The image is archived and cannot be scanned")
        image.scanned = ctx.clock.now()
        store.save_image(image)
        return {"registryId": repo.registry_id, "repositoryName": repo.name, "imageId": dict(params["imageId"]),
                "imageScanStatus": {"status": "IN_PROGRESS"}}  # fmt: skip

    def describe_image_scan_findings(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        requested = params["imageId"]
        image = self._image(store, repo, requested)
        if image.scanned is None:
            raise ServiceError(
                "ScanNotFoundException",
                f"Image scan does not exist for the image with '{image_id_text(requested)}' in the repository with "
                f"name '{repo.name}' in the registry with id '{repo.registry_id}'",
            )
        return {
            "registryId": repo.registry_id, "repositoryName": repo.name, "imageId": image_id(image, requested.get("imageTag")),
            "imageScanStatus": _scan_status(),
            "imageScanFindings": {"imageScanCompletedAt": dt(image.scanned),
                                  "vulnerabilitySourceUpdatedAt": dt(image.scanned), "findingSeverityCounts": {},
                                  "findings": []},
        }  # fmt: skip

    def list_image_referrers(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        subject = params["subjectId"]["imageDigest"]
        filters = params.get("filter") or {}
        types = filters.get("artifactTypes")
        status = filters.get("artifactStatus") or "ACTIVE"
        referrers = []
        for image in sorted(store.images_of(repo.name), key=lambda i: i.pushed):
            if image.subject != subject or (types and image.artifact_media_type not in types):
                continue
            if status != "ANY" and image.status != status:
                continue
            manifest = json.loads(image.manifest)
            entry: Params = {"digest": image.digest, "mediaType": image.media_type, "size": len(image.manifest.encode())}
            if image.artifact_media_type:
                entry["artifactType"] = image.artifact_media_type
            if isinstance(manifest.get("annotations"), dict):
                entry["annotations"] = manifest["annotations"]
            entry["artifactStatus"] = image.status
            referrers.append(entry)
        return paged(referrers, params, "referrers", default=50)

    def update_image_storage_class(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        image = self._image(store, repo, params["imageId"])
        now = ctx.clock.now()
        if params["targetStorageClass"] == "ARCHIVE":
            image.status, image.archived = "ARCHIVED", now
        elif image.status != "ACTIVE":
            image.status, image.activated = "ACTIVE", now
        store.save_image(image)
        return {"registryId": repo.registry_id, "repositoryName": repo.name, "imageId": dict(params["imageId"]),
                "imageStatus": image.status}  # fmt: skip

    def describe_image_replication_status(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        image = self._image(store, repo, params["imageId"])
        return {"repositoryName": repo.name, "imageId": dict(params["imageId"]),
                "replicationStatuses": statuses(self.stores, store, repo, image.digest)}

    def describe_image_signing_status(self, ctx: "RequestContext", params: Params) -> Params:
        store, repo = self._repository(ctx, params)
        self._image(store, repo, params["imageId"])
        return {"repositoryName": repo.name, "imageId": dict(params["imageId"]), "registryId": repo.registry_id,
                "signingStatuses": []}  # fmt: skip


def _scan_status() -> Params:
    return {"status": "COMPLETE", "description": "The scan was completed successfully."}


def _children(image: Image) -> list[str]:
    """The digests a manifest list references."""
    if image.media_type not in INDEX_TYPES:
        return []
    try:
        return [m.get("digest") for m in json.loads(image.manifest).get("manifests") or []]
    except (ValueError, AttributeError):
        return []
