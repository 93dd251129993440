"""Pushing images to cloudtwin's ECR through the API, as ``docker push`` does: the layers
and the config blob uploaded, then the manifest put."""

from __future__ import annotations

import hashlib
import json


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def upload(ecr, repository: str, blob: bytes) -> str:
    upload_id = ecr.initiate_layer_upload(repositoryName=repository)["uploadId"]
    ecr.upload_layer_part(repositoryName=repository, uploadId=upload_id, partFirstByte=0,
                          partLastByte=len(blob) - 1, layerPartBlob=blob)
    return ecr.complete_layer_upload(repositoryName=repository, uploadId=upload_id,
                                     layerDigests=[digest(blob)])["layerDigest"]


def manifest(ecr, repository: str, *layers: bytes, config: bytes = b'{"architecture":"amd64","os":"linux"}') -> str:
    """A Docker v2 manifest of ``layers``, its blobs uploaded (once) to ``repository``."""
    available = {l["layerDigest"] for l in ecr.batch_check_layer_availability(
        repositoryName=repository, layerDigests=[digest(b) for b in (*layers, config)])["layers"]}
    for blob in (*layers, config):
        if digest(blob) not in available:
            upload(ecr, repository, blob)
            available.add(digest(blob))
    return json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config),
                   "digest": digest(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(b),
                    "digest": digest(b)} for b in layers],
    })


def push(ecr, repository: str, tag: str | None, *layers: bytes) -> str:
    """Push an image of ``layers`` (tagged ``tag``); returns its digest."""
    text = manifest(ecr, repository, *layers)
    params = {"imageTag": tag} if tag else {}
    return ecr.put_image(repositoryName=repository, imageManifest=text, **params)["image"]["imageId"]["imageDigest"]
