"""RawJSON: JSON text a service already holds goes into a response unchanged."""

import json

from cloudtwin.protocol import raw_json
from cloudtwin.protocol.raw_json import RawJSON


def test_fragments_are_spliced_in_order():
    value = {"Count": 2, "Items": [RawJSON(b'{"a":{"S":"x"}}'), RawJSON(b'{"b":{"N":"1"}}')], "Z": "\u00e9"}
    body = raw_json.dumps(value)
    assert json.loads(body) == {"Count": 2, "Items": [{"a": {"S": "x"}}, {"b": {"N": "1"}}], "Z": "\u00e9"}
    assert body.startswith(b'{"Count":2,"Items":[{"a":{"S":"x"}},{"b"')


def test_strings_that_look_like_the_placeholder_stay_strings():
    text = "\x00cloudtwin-raw-0123456789abcdef0123456789abcdef"
    value = {"S": text, "Items": [RawJSON(b"[1,2]")], "T": "\x00"}
    assert json.loads(raw_json.dumps(value)) == {"S": text, "Items": [[1, 2]], "T": "\x00"}


def test_without_fragments_the_output_is_plain_compact_json():
    value = {"a": [1, 2.5, None, True], "b": "\u2603"}
    assert raw_json.dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def test_other_types_still_refused():
    import pytest

    with pytest.raises(TypeError):
        raw_json.dumps({"a": object()})
    with pytest.raises(TypeError):
        raw_json.dumps({"a": RawJSON(b"1"), "b": object()})


def test_fragments_on_top_are_written_as_the_encoder_would():
    items = [RawJSON(b'{"a":{"S":"x"}}'), RawJSON(b'{"b":{"N":"1"}}')]
    for value in (
        {"Item": items[0]},
        {"Items": items, "Count": 2, "LastEvaluatedKey": {"k": {"S": "\u00e9\"q"}}},
        {"Items": items, "Nested": {"deeper": [items[0]]}},
        {"Items": [items[0], {"plain": 1}], "Item": items[1]},
        {"Items": [], "Item": items[1]},
    ):
        decoded = raw_json._decode_fragments(value)
        assert raw_json.dumps(value) == json.dumps(decoded, ensure_ascii=False, separators=(",", ":")).encode()
