"""The Docker Registry HTTP API v2 on the registry's host name, spoken as ``docker push`` and
``docker pull`` speak it (chunked and monolithic blob uploads, manifests by tag and
digest, cross-repository mounts, tags); the images are the API's images."""

import http.client
import json

import pytest

from ecr_helpers import digest


@pytest.fixture
def registry(aws_client, endpoint):
    aws_client("ecr").create_repository(repositoryName="team/app")
    port = endpoint.rsplit(":", 1)[1]
    host = f"000000000000.dkr.ecr.us-east-1.localhost:{port}"

    def call(method, path, body=b"", headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=10)
        conn.request(method, path, body=body, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    return call


def _push_blob(registry, data, chunked=True):
    if not chunked:
        return registry("POST", f"/v2/team/app/blobs/uploads/?digest={digest(data)}", data)
    status, headers, _ = registry("POST", "/v2/team/app/blobs/uploads/")
    assert status == 202
    location = headers["location"]
    status, headers, _ = registry("PATCH", location, data[:3], {"Content-Type": "application/octet-stream"})
    assert status == 202 and headers["range"] == "0-2"
    return registry("PUT", f"{location}?digest={digest(data)}", data[3:])


def test_push_then_pull(registry, aws_client):
    assert registry("GET", "/v2/")[0] == 200
    layer, config = b"layer bytes " * 50, b'{"architecture":"amd64","os":"linux"}'
    assert registry("HEAD", f"/v2/team/app/blobs/{digest(layer)}")[0] == 404
    status, headers, _ = _push_blob(registry, layer)
    assert status == 201 and headers["docker-content-digest"] == digest(layer)
    assert _push_blob(registry, config, chunked=False)[0] == 201
    status, _, body = registry("POST", "/v2/team/app/blobs/uploads/?digest=sha256:" + "0" * 64, b"wrong")
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "DIGEST_INVALID"

    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": len(config), "digest": digest(config)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": len(layer), "digest": digest(layer)}],
    }).encode()
    status, headers, _ = registry("PUT", "/v2/team/app/manifests/v1", manifest,
                                  {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"})
    assert status == 201 and headers["docker-content-digest"] == digest(manifest)

    ecr = aws_client("ecr")
    detail = ecr.describe_images(repositoryName="team/app")["imageDetails"][0]
    assert detail["imageDigest"] == digest(manifest) and detail["imageTags"] == ["v1"]
    assert detail["imageSizeInBytes"] == len(layer)

    status, headers, body = registry("GET", "/v2/team/app/manifests/v1")
    assert status == 200 and body == manifest
    assert headers["content-type"] == "application/vnd.docker.distribution.manifest.v2+json"
    assert registry("HEAD", f"/v2/team/app/manifests/{digest(manifest)}")[0] == 200
    status, _, body = registry("GET", f"/v2/team/app/blobs/{digest(layer)}")
    assert status == 200 and body == layer
    assert json.loads(registry("GET", "/v2/team/app/tags/list")[2]) == {"name": "team/app", "tags": ["v1"]}
    status, _, body = registry("GET", "/v2/team/app/manifests/v2")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "MANIFEST_UNKNOWN"
    status, _, body = registry("GET", "/v2/nope/manifests/v1")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "NAME_UNKNOWN"

    # A blob already in another repository is mounted, not uploaded again.
    ecr.create_repository(repositoryName="other")
    status, headers, _ = registry("POST", f"/v2/other/blobs/uploads/?mount={digest(layer)}&from=team/app")
    assert status == 201
    assert ecr.batch_check_layer_availability(repositoryName="other", layerDigests=[digest(layer)])["layers"]


def test_immutable_tags_refused(registry, aws_client):
    ecr = aws_client("ecr")
    ecr.put_image_tag_mutability(repositoryName="team/app", imageTagMutability="IMMUTABLE")
    config = b"{}"
    _push_blob(registry, config, chunked=False)
    for n in (1, 2):
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "size": 2,
                                          "digest": digest(config)},
                               "layers": [], "annotations": {"n": str(n)}}).encode()
        status, _, body = registry("PUT", "/v2/team/app/manifests/latest", manifest,
                                   {"Content-Type": "application/vnd.oci.image.manifest.v1+json"})
    assert status == 400 and json.loads(body)["errors"][0]["code"] == "TAG_INVALID"


def test_push_creates_the_repository_a_create_on_push_template_matches(registry, aws_client):
    ecr = aws_client("ecr")
    ecr.create_repository_creation_template(prefix="auto", appliedFor=["CREATE_ON_PUSH"], imageTagMutability="IMMUTABLE")
    status, _, body = registry("POST", "/v2/manual/blobs/uploads/")
    assert status == 404 and json.loads(body)["errors"][0]["code"] == "NAME_UNKNOWN"
    assert registry("POST", "/v2/auto/svc/blobs/uploads/")[0] == 202
    repo = ecr.describe_repositories(repositoryNames=["auto/svc"])["repositories"][0]
    assert repo["imageTagMutability"] == "IMMUTABLE"
