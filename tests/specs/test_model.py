"""cloudtwin's model reader reads botocore's models exactly as botocore.model does."""

import pytest
from botocore.loaders import create_loader
from botocore.model import ServiceModel as BotocoreModel

from cloudtwin.specs import model as ours

SERVICES = ("sqs", "s3", "dynamodb", "sns", "lambda", "kinesis", "ec2", "cloudfront", "apigatewayv2", "cloudwatch", "iam")


def _same(a, b, seen, depth=0):
    assert (type(a).__name__, a.name, a.type_name) == (type(b).__name__, b.name, b.type_name)
    assert a.serialization == b.serialization
    assert a.metadata == b.metadata
    assert a.required_members == b.required_members
    assert a.event_stream_name == b.event_stream_name
    key = (a.name, repr(sorted(a.serialization.items())))
    if key in seen or depth > 30:
        return
    seen.add(key)
    if a.type_name == "structure":
        assert list(a.members) == list(b.members)
        assert (a.error_code, a.is_document_type, a.is_tagged_union) == (b.error_code, b.is_document_type, b.is_tagged_union)
        for name in a.members:
            _same(a.members[name], b.members[name], seen, depth + 1)
    elif a.type_name == "list":
        _same(a.member, b.member, seen, depth + 1)
    elif a.type_name == "map":
        _same(a.key, b.key, seen, depth + 1)
        _same(a.value, b.value, seen, depth + 1)
    elif a.type_name == "string":
        assert a.enum == b.enum


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_reads_as_botocore_reads_it(service):
    loader = create_loader()
    try:
        description = loader.load_service_model(service, "service-2")
    except Exception:  # noqa: BLE001 - a model this botocore lacks
        pytest.skip(f"botocore has no {service} model")
    mine, theirs = ours.ServiceModel(description, service), BotocoreModel(description, service)
    for attr in ("service_name", "signing_name", "endpoint_prefix", "api_version", "protocol", "metadata",
                 "operation_names", "shape_names", "signature_version", "is_query_compatible", "resolved_protocol"):
        assert getattr(mine, attr) == getattr(theirs, attr), attr
    assert [s.name for s in mine.error_shapes] == [s.name for s in theirs.error_shapes]
    seen: set = set()
    for name in mine.operation_names:
        a, b = mine.operation_model(name), theirs.operation_model(name)
        assert a is mine.operation_model(name)
        for attr in ("name", "wire_name", "http", "idempotent_members", "deprecated", "auth_type", "auth",
                     "endpoint", "http_checksum", "http_checksum_required", "has_event_stream_input",
                     "has_event_stream_output", "has_streaming_input", "has_streaming_output",
                     "unsigned_payload", "request_compression", "is_endpoint_discovery_operation",
                     "static_context_parameters", "context_parameters", "operation_context_parameters",
                     "endpoint_discovery"):
            assert getattr(a, attr) == getattr(b, attr), (name, attr)
        assert [s.name for s in a.error_shapes] == [s.name for s in b.error_shapes]
        for x, y in ((a.input_shape, b.input_shape), (a.output_shape, b.output_shape)):
            assert (x is None) == (y is None)
            if x is not None:
                _same(x, y, seen)
    with pytest.raises(ours.OperationNotFoundError):
        mine.operation_model("NoSuchOperation")
    with pytest.raises(ours.NoShapeFoundError):
        mine.shape_for("NoSuchShape")


def test_the_catalog_reads_models_without_botocore():
    import subprocess
    import sys

    code = (
        "import sys; from cloudtwin.specs.catalog import ServiceCatalog; c = ServiceCatalog();"
        "m = c.service_model('sqs'); m.operation_model('SendMessage').input_shape.members;"
        "print(sorted(n for n in sys.modules if n.startswith('botocore.')))"
    )
    # the first run may build the cached compact model (with botocore); the second reads it
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("service", ("sqs", "s3", "iam"))
def test_shapes_kept_as_text_read_the_same(service, tmp_path):
    """The catalog keeps each shape as its JSON text until it is first reached."""
    from cloudtwin.specs.catalog import ServiceCatalog

    description = create_loader().load_service_model(service, "service-2")
    mine, theirs = ServiceCatalog(tmp_path).service_model(service), BotocoreModel(description, service)
    assert [s.name for s in mine.error_shapes] == [s.name for s in theirs.error_shapes]
    assert [s.error_code for s in mine.error_shapes] == [s.error_code for s in theirs.error_shapes]
    seen: set = set()
    for name in mine.operation_names:
        a, b = mine.operation_model(name), theirs.operation_model(name)
        for x, y in ((a.input_shape, b.input_shape), (a.output_shape, b.output_shape)):
            if x is not None:
                _same(x, y, seen)
