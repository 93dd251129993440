"""ECR images through the API: layer uploads and their checks, PutImage (digest, tags,
mutability), reading, listing, describing, deleting, layer downloads, scans and the
authorization token."""

import base64
import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

from ecr_helpers import digest, manifest, push, upload


def _err(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


@pytest.fixture
def ecr(aws_client):
    client = aws_client("ecr")
    client.create_repository(repositoryName="app")
    return client


def test_layer_upload_checks(ecr):
    upload_id = ecr.initiate_layer_upload(repositoryName="app")["uploadId"]
    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName="app", uploadId=upload_id, layerDigests=[digest(b"")])
    assert _err(exc)[0] == "EmptyUploadException"
    out = ecr.upload_layer_part(repositoryName="app", uploadId=upload_id, partFirstByte=0, partLastByte=2, layerPartBlob=b"abc")
    assert out["lastByteReceived"] == 2
    with pytest.raises(ClientError) as exc:
        ecr.upload_layer_part(repositoryName="app", uploadId=upload_id, partFirstByte=0, partLastByte=2, layerPartBlob=b"def")
    assert _err(exc)[0] == "InvalidLayerPartException"
    assert exc.value.response["lastValidByteReceived"] == 2
    ecr.upload_layer_part(repositoryName="app", uploadId=upload_id, partFirstByte=3, partLastByte=5, layerPartBlob=b"def")
    with pytest.raises(ClientError) as exc:  # parts before the last must be 5 MiB at least
        ecr.complete_layer_upload(repositoryName="app", uploadId=upload_id, layerDigests=[digest(b"abcdef")])
    assert _err(exc)[0] == "LayerPartTooSmallException"

    upload_id = ecr.initiate_layer_upload(repositoryName="app")["uploadId"]
    ecr.upload_layer_part(repositoryName="app", uploadId=upload_id, partFirstByte=0, partLastByte=2, layerPartBlob=b"abc")
    with pytest.raises(ClientError) as exc:
        ecr.complete_layer_upload(repositoryName="app", uploadId=upload_id, layerDigests=[digest(b"other")])
    assert _err(exc)[0] == "InvalidLayerException"
    assert ecr.complete_layer_upload(repositoryName="app", uploadId=upload_id, layerDigests=[digest(b"abc")])["layerDigest"] == digest(b"abc")
    with pytest.raises(ClientError) as exc:
        upload(ecr, "app", b"abc")
    assert _err(exc)[0] == "LayerAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        ecr.upload_layer_part(repositoryName="app", uploadId="00000000-0000-0000-0000-000000000000", partFirstByte=0, partLastByte=0, layerPartBlob=b"x")
    assert _err(exc)[0] == "UploadNotFoundException"

    checked = ecr.batch_check_layer_availability(repositoryName="app", layerDigests=[digest(b"abc"), digest(b"zzz")])
    assert checked["layers"] == [{"layerDigest": digest(b"abc"), "layerAvailability": "AVAILABLE", "layerSize": 3,
                                  "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip"}]
    assert checked["failures"][0]["failureCode"] == "MissingLayerDigest"
    url = ecr.get_download_url_for_layer(repositoryName="app", layerDigest=digest(b"abc"))["downloadUrl"]
    assert urllib.request.urlopen(url).read() == b"abc"
    with pytest.raises(ClientError) as exc:
        ecr.get_download_url_for_layer(repositoryName="app", layerDigest=digest(b"zzz"))
    assert _err(exc)[0] == "LayersNotFoundException"


def test_put_image_digest_size_and_pushed_time(ecr, cloudtwin):
    text = manifest(ecr, "app", b"x" * 100, b"y" * 50)
    before = cloudtwin.client.now()
    image = ecr.put_image(repositoryName="app", imageManifest=text, imageTag="v1")["image"]
    assert image["imageId"] == {"imageDigest": digest(text.encode()), "imageTag": "v1"}
    assert image["imageManifestMediaType"] == "application/vnd.docker.distribution.manifest.v2+json"
    detail = ecr.describe_images(repositoryName="app")["imageDetails"][0]
    assert detail["imageDigest"] == digest(text.encode()) and detail["imageTags"] == ["v1"]
    assert detail["imageSizeInBytes"] == 150
    assert abs(detail["imagePushedAt"].timestamp() - before) < 5
    assert detail["artifactMediaType"] == "application/vnd.docker.container.image.v1+json"

    with pytest.raises(ClientError) as exc:
        ecr.put_image(repositoryName="app", imageManifest=text, imageTag="v1")
    assert _err(exc)[0] == "ImageAlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        ecr.put_image(repositoryName="app", imageManifest=text, imageDigest=digest(b"other"))
    assert _err(exc)[0] == "ImageDigestDoesNotMatchException"
    missing = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                          "config": {"digest": digest(b"nope"), "size": 4}, "layers": []})
    with pytest.raises(ClientError) as exc:
        ecr.put_image(repositoryName="app", imageManifest=missing, imageTag="bad")
    assert _err(exc)[0] == "LayersNotFoundException"
    # A second tag on the same manifest adds to the image.
    ecr.put_image(repositoryName="app", imageManifest=text, imageTag="latest")
    assert ecr.describe_images(repositoryName="app")["imageDetails"][0]["imageTags"] == ["v1", "latest"]


def test_tags_move_unless_immutable(ecr, aws_client):
    first = push(ecr, "app", "latest", b"one")
    second = push(ecr, "app", "latest", b"two")
    ids = ecr.list_images(repositoryName="app")["imageIds"]
    assert {"imageDigest": second, "imageTag": "latest"} in ids and {"imageDigest": first} in ids
    assert ecr.list_images(repositoryName="app", filter={"tagStatus": "UNTAGGED"})["imageIds"] == [{"imageDigest": first}]
    assert ecr.list_images(repositoryName="app", filter={"tagStatus": "TAGGED"})["imageIds"] == [{"imageDigest": second, "imageTag": "latest"}]

    ecr.put_image_tag_mutability(repositoryName="app", imageTagMutability="IMMUTABLE")
    with pytest.raises(ClientError) as exc:
        push(ecr, "app", "latest", b"three")
    assert _err(exc) == ("ImageTagAlreadyExistsException",
                         "The image tag 'latest' already exists in the 'app' repository and cannot be overwritten because "
                         "the tag is immutable.")
    ecr.put_image_tag_mutability(repositoryName="app", imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
                                 imageTagMutabilityExclusionFilters=[{"filterType": "WILDCARD", "filter": "lat*"}])
    third = push(ecr, "app", "latest", b"three")  # excluded from immutability
    push(ecr, "app", "v1", b"four")
    with pytest.raises(ClientError):
        push(ecr, "app", "v1", b"five")
    assert ecr.batch_get_image(repositoryName="app", imageIds=[{"imageTag": "latest"}])["images"][0]["imageId"]["imageDigest"] == third


def test_batch_get_describe_and_delete(ecr, cloudtwin):
    d1 = push(ecr, "app", "v1", b"one")
    ecr.put_image(repositoryName="app", imageManifest=manifest(ecr, "app", b"one"), imageTag="stable")
    d2 = push(ecr, "app", None, b"two")
    got = ecr.batch_get_image(repositoryName="app", imageIds=[{"imageTag": "v1"}, {"imageDigest": d2}, {"imageTag": "nope"},
                                                              {"imageTag": "v1", "imageDigest": d2}])
    assert [i["imageId"] for i in got["images"]] == [{"imageDigest": d1, "imageTag": "v1"}, {"imageDigest": d2}]
    assert json.loads(got["images"][0]["imageManifest"])["layers"][0]["digest"] == digest(b"one")
    assert [(f["imageId"], f["failureCode"], f["failureReason"]) for f in got["failures"]] == [
        ({"imageTag": "nope"}, "ImageNotFound", "Requested image not found"),
        ({"imageTag": "v1", "imageDigest": d2}, "ImageTagDoesNotMatchDigest", "Invalid request parameters: image tag digest mismatch"),
    ]
    pulled = ecr.describe_images(repositoryName="app", imageIds=[{"imageDigest": d1}])["imageDetails"][0]
    assert "lastRecordedPullTime" in pulled and "imageScanStatus" not in pulled
    with pytest.raises(ClientError) as exc:
        ecr.describe_images(repositoryName="app", imageIds=[{"imageTag": "gone"}])
    assert _err(exc) == ("ImageNotFoundException",
                         "The image with imageId {imageDigest:'null', imageTag:'gone'} does not exist within the repository "
                         "with name 'app' in the registry with id '000000000000'")

    # Deleting one of two tags keeps the image; deleting by digest removes it with every tag.
    out = ecr.batch_delete_image(repositoryName="app", imageIds=[{"imageTag": "stable"}, {"imageTag": "missing"}])
    assert out["imageIds"] == [{"imageDigest": d1, "imageTag": "stable"}]
    assert out["failures"][0]["failureCode"] == "ImageNotFound"
    assert ecr.batch_delete_image(repositoryName="app", imageIds=[{"imageDigest": d1}, {"imageDigest": d2}])["imageIds"] == [
        {"imageDigest": d1, "imageTag": "v1"}, {"imageDigest": d2}]
    assert ecr.list_images(repositoryName="app")["imageIds"] == []


def test_scans(ecr, aws_client):
    digest_ = push(ecr, "app", "v1", b"one")
    with pytest.raises(ClientError) as exc:
        ecr.describe_image_scan_findings(repositoryName="app", imageId={"imageTag": "v1"})
    assert _err(exc)[0] == "ScanNotFoundException"
    assert ecr.start_image_scan(repositoryName="app", imageId={"imageTag": "v1"})["imageScanStatus"]["status"] == "IN_PROGRESS"
    findings = ecr.describe_image_scan_findings(repositoryName="app", imageId={"imageTag": "v1"})
    assert findings["imageScanStatus"]["status"] == "COMPLETE"
    assert findings["imageScanFindings"]["findings"] == [] and findings["imageScanFindings"]["findingSeverityCounts"] == {}
    assert findings["imageId"] == {"imageDigest": digest_, "imageTag": "v1"}
    ecr.create_repository(repositoryName="scanned", imageScanningConfiguration={"scanOnPush": True})
    push(ecr, "scanned", "v1", b"one")
    detail = ecr.describe_images(repositoryName="scanned")["imageDetails"][0]
    assert detail["imageScanStatus"]["status"] == "COMPLETE" and detail["imageScanFindingsSummary"]["findingSeverityCounts"] == {}


def test_authorization_token(aws_client, cloudtwin):
    data = aws_client("ecr").get_authorization_token()["authorizationData"][0]
    user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS" and password
    assert data["proxyEndpoint"].startswith("http://000000000000.dkr.ecr.us-east-1.")
    assert abs(data["expiresAt"].timestamp() - (cloudtwin.client.now() + 12 * 3600)) < 5
