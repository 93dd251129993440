"""The service index: facts right, shipped copy current, cache used, nothing built twice."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import time

import pytest

from cloudtwin.specs import index as index_module
from cloudtwin.specs.catalog import ServiceCatalog
from cloudtwin.specs.index import FORMAT_VERSION, SHIPPED_INDEX, ServiceIndex


@pytest.fixture(scope="module")
def index() -> ServiceIndex:
    return ServiceIndex.load()


def test_shipped_index_equals_a_fresh_build():
    """Regenerate with ``python -m cloudtwin.specs.index --write`` when this fails."""
    shipped = json.loads(gzip.decompress(SHIPPED_INDEX.read_bytes()))
    if shipped["botocore"] != ServiceCatalog.botocore_version():
        pytest.skip(
            f"the shipped index is for botocore {shipped['botocore']}, this is "
            f"{ServiceCatalog.botocore_version()} (built and cached at run time): regenerate it"
        )
    fresh = json.loads(ServiceIndex.build().to_json())
    assert shipped == fresh


def test_load_uses_the_shipped_index_without_building(monkeypatch):
    monkeypatch.setattr(ServiceIndex, "build", classmethod(lambda cls, loader=None: pytest.fail("built")))
    ServiceCatalog.botocore_version()  # botocore imported: time the index alone
    # CPU time of this thread, not wall time: other work on a busy machine does not count.
    start = time.thread_time()
    loaded = ServiceIndex.load()
    elapsed = time.thread_time() - start
    assert len(loaded) == len(ServiceCatalog().service_names())
    assert elapsed < 0.5, f"loading the shipped index took {elapsed * 1000:.0f} ms of CPU"


def test_other_botocore_builds_once_then_reads_the_cache(monkeypatch, tmp_path):
    fake = {"format": FORMAT_VERSION, "botocore": "0.0-test", "services": {
        "sqs": {"protocol": "json", "endpointPrefix": "sqs", "targetPrefix": "AmazonSQS",
                "operations": "SendMessage"},
    }}
    builds = []
    monkeypatch.setattr(ServiceCatalog, "botocore_version", staticmethod(lambda: "0.0-test"))
    monkeypatch.setattr(ServiceIndex, "build", classmethod(lambda cls, loader=None: builds.append(1) or cls(fake)))
    monkeypatch.setenv("CLOUDTWIN_CACHE_DIR", str(tmp_path))

    first = ServiceIndex.load()
    assert builds == [1]
    assert (tmp_path / "service-index-0.0-test.json.gz").exists()
    second = ServiceIndex.load()
    assert builds == [1], "the cached index was not used"
    assert first.to_json() == second.to_json()
    assert second.by_target_prefix("AmazonSQS") == ("sqs",)


def test_a_marshal_copy_is_read_by_the_next_load(monkeypatch, tmp_path):
    first = ServiceIndex.load(cache_dir=tmp_path)
    (copy,) = tmp_path.glob("service-index-*.marshal")
    monkeypatch.setattr(index_module, "_from_json_gz", lambda content: pytest.fail("read the JSON"))
    second = ServiceIndex.load(cache_dir=tmp_path)
    assert second.to_json() == first.to_json()
    fresh = ServiceIndex(json.loads(first.to_json()))  # its lookups came with it, the same
    for name in ("s3", "bedrock", "execute-api", "AmazonSQS", "monitoring", "nothing"):
        assert second.by_signing_name(name) == fresh.by_signing_name(name)
        assert second.by_target_prefix(name) == fresh.by_target_prefix(name)
        assert second.by_endpoint_prefix(name) == fresh.by_endpoint_prefix(name)
    assert second._by_signing_name == fresh._by_signing_name
    copy.write_bytes(b"not marshal")  # a damaged copy: read from the JSON again, and rewritten
    monkeypatch.undo()
    assert ServiceIndex.load(cache_dir=tmp_path).to_json() == first.to_json()
    assert copy.read_bytes() != b"not marshal"


def test_a_marshal_copy_made_beside_another_shipped_index_is_not_read(monkeypatch, tmp_path):
    ServiceIndex.load(cache_dir=tmp_path)
    other = tmp_path / "shipped.json.gz"
    data = json.loads(gzip.decompress(SHIPPED_INDEX.read_bytes()))
    other.write_bytes(gzip.compress(json.dumps(data, indent=1).encode(), mtime=0))  # another file, the same facts
    monkeypatch.setattr(index_module, "SHIPPED_INDEX", other)
    read = []
    original = index_module._from_json_gz
    monkeypatch.setattr(index_module, "_from_json_gz", lambda content: read.append(1) or original(content))
    ServiceIndex.load(cache_dir=tmp_path)
    assert read == [1], "a copy made from the earlier shipped index was used"
    ServiceIndex.load(cache_dir=tmp_path)
    assert read == [1], "the copy was not made again"


def test_a_marshal_copy_is_shared_by_installs_of_the_same_index(monkeypatch, tmp_path):
    """Two installs of one cloudtwin (virtualenvs, checkouts: files of other times) use
    one copy, rather than each rewriting it for the other at every start."""
    ServiceIndex.load(cache_dir=tmp_path)
    other = tmp_path / "shipped.json.gz"
    other.write_bytes(SHIPPED_INDEX.read_bytes())  # the same index, as a newer file
    os.utime(other, ns=(1, 1))
    monkeypatch.setattr(index_module, "SHIPPED_INDEX", other)
    monkeypatch.setattr(index_module, "_from_json_gz", lambda content: pytest.fail("read the JSON"))
    ServiceIndex.load(cache_dir=tmp_path)


def test_unwritable_cache_dir_still_loads(monkeypatch, tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setattr(ServiceCatalog, "botocore_version", staticmethod(lambda: "0.0-test"))
    monkeypatch.setattr(
        ServiceIndex, "build",
        classmethod(lambda cls, loader=None: cls({"format": FORMAT_VERSION, "botocore": "0.0-test", "services": {}})),
    )
    assert len(ServiceIndex.load(cache_dir=blocker / "sub")) == 0


def test_write_is_reproducible(index, tmp_path):
    index.write(tmp_path / "a.json.gz")
    index.write(tmp_path / "b.json.gz")
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()


def test_service_facts(index):
    sqs = index.service("sqs")
    assert (sqs.protocol, sqs.target_prefix, sqs.json_version, sqs.signing_name) == ("json", "AmazonSQS", "1.0", "sqs")
    assert sqs.query_compatible and sqs.speaks_query and sqs.speaks("query")
    cloudwatch = index.service("cloudwatch")
    assert cloudwatch.protocols == ("smithy-rpc-v2-cbor", "json", "query")
    assert cloudwatch.endpoint_prefix == "monitoring"
    assert not index.service("dynamodb").speaks_query
    # signingName falls back to endpointPrefix, as botocore does
    assert index.service("ec2").signing_name == "ec2"
    assert index.service("sso").signing_name == "awsssoportal"
    assert index.service("sso").endpoint_prefix == "portal.sso"
    s3 = index.service("s3")
    assert s3.http["GetObject"] == ("GET", "/{Bucket}/{Key+}")
    assert s3.http["ListObjectsV2"] == ("GET", "/{Bucket}?list-type=2")
    assert {"s3express", "s3-object-lambda"} <= set(s3.signing_names)
    assert "SendMessage" in sqs.operations and sqs.http == {}


def test_reverse_lookups(index):
    assert index.by_target_prefix("AmazonSQS") == ("sqs",)
    assert set(index.by_target_prefix("Timestream_20181101")) == {"timestream-query", "timestream-write"}
    assert set(index.by_signing_name("s3")) == {"s3", "s3control"}
    assert "s3" in index.by_signing_name("s3express")
    assert index.by_signing_name("IngestionService") == ("importexport",)
    assert index.by_endpoint_prefix("monitoring") == ("cloudwatch",)
    assert index.query_services_with_action("AssumeRoleWithWebIdentity") == ("sts",)
    assert index.query_services_with_action("SendMessage") == ("sqs",)
    assert set(index.query_services_with_action("CreateDBCluster")) == {"rds", "docdb", "neptune"}
    assert "codecatalyst" in index.bearer_services()


def test_nothing_is_loaded_at_import():
    code = (
        "import sys; import cloudtwin.specs.index, cloudtwin.gateway.router, cloudtwin.gateway.signing; "
        "print('botocore' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_main_writes_an_index(tmp_path, monkeypatch, capsys):
    small = ServiceIndex({"format": FORMAT_VERSION, "botocore": "x", "services": {}})
    monkeypatch.setattr(ServiceIndex, "build", classmethod(lambda cls, loader=None: small))
    assert index_module.main(["--output", str(tmp_path / "i.json.gz")]) == 0
    assert json.loads(gzip.decompress((tmp_path / "i.json.gz").read_bytes()))["botocore"] == "x"
    with pytest.raises(SystemExit):
        index_module.main([])
