"""The catalog's compact models: without documentation, cached per botocore version, and
otherwise the model botocore has."""

from __future__ import annotations

import json

import pytest

from cloudtwin.specs import catalog as catalog_module
from cloudtwin.specs.catalog import ServiceCatalog


def test_models_lose_their_documentation_and_nothing_else(tmp_path):
    from botocore.loaders import create_loader

    full = create_loader().load_service_model("sqs", "service-2")
    model = ServiceCatalog(tmp_path).service_model("sqs")
    assert "documentation" not in json.dumps(model._service_description)
    shapes = model._service_description["shapes"]
    assert isinstance(shapes["SendMessageResult"], str)  # kept as text until reached
    send = model.operation_model("SendMessage")
    assert send.input_shape.members.keys() == full["shapes"]["SendMessageRequest"]["members"].keys()
    assert send.input_shape.required_members == full["shapes"]["SendMessageRequest"]["required"]
    assert model.metadata == {k: v for k, v in full["metadata"].items()}


def test_a_member_named_documentation_is_kept():
    stripped = catalog_module._without_documentation(
        {"documentation": "text", "members": {"documentation": {"shape": "String", "documentation": "x"}}}
    )
    assert stripped == {"members": {"documentation": {"shape": "String"}}}


def test_the_compact_model_is_cached_and_read_back(tmp_path, monkeypatch):
    ServiceCatalog(tmp_path).service_model("sns")
    folder = tmp_path / f"{catalog_module.CACHE_PREFIX}{ServiceCatalog.botocore_version()}"
    (cached,) = folder.glob("sns.*.marshal")

    def no_botocore(self):
        pytest.fail("botocore's loader used although the model is cached")

    monkeypatch.setattr(ServiceCatalog, "_get_loader", no_botocore)
    assert ServiceCatalog(tmp_path).service_model("sns").operation_model("Publish").name == "Publish"


def test_a_damaged_cache_file_is_read_from_botocore_again(tmp_path):
    ServiceCatalog(tmp_path).service_model("sts")
    (cached,) = tmp_path.glob("*/sts.*.marshal")
    cached.write_bytes(b"\x00damaged")
    assert ServiceCatalog(tmp_path).service_model("sts").operation_model("GetCallerIdentity").name == "GetCallerIdentity"
    assert cached.read_bytes() != b"\x00damaged"


def test_an_unwritable_cache_is_no_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert ServiceCatalog(blocker).service_model("sts").service_name == "sts"


def test_an_unknown_service_is_a_key_error(tmp_path):
    with pytest.raises(KeyError):
        ServiceCatalog(tmp_path).service_model("no-such-service")
