"""VTL as API Gateway evaluates it, without a server: ``$input``, ``$util``, index
assignment into ``$context.requestOverride``, undefined stage variables, JSONPath."""

from __future__ import annotations

import json

import pytest

from cloudtwin.execute_api.vtl import Input, TemplateError, VtlMap, json_path, render, vtl_value


def test_input_and_util_as_aws_documents():
    body = json.dumps({"a": {"b": [1, 2, {"c": "x"}]}, "s": 'say "hi"'}).encode()
    params = {"path": {"id": "7"}, "querystring": {"q": "v"}, "header": {"X-Up": "h"}}
    out = render("$input.json('$.a.b') $input.path('$.a.b[2].c') $input.params('id') $input.params('x-up') "
                 "$util.escapeJavaScript($input.path('$.s')) $util.urlEncode('a b') $util.base64Decode('aGk=')",
                 input=Input(body, params), context={})
    assert out == '[1,2,{"c":"x"}] x 7 h say \\"hi\\" a+b hi'


def test_an_empty_body_reads_as_an_empty_object():
    assert render("$input.body|$input.json('$')", input=Input(b""), context={}) == "{}|{}"


def test_index_assignment_and_overrides():
    context = vtl_value({"requestId": "r"})
    context["requestOverride"] = VtlMap(querystring=VtlMap(), header=VtlMap(), path=VtlMap())
    render('#set($k = "foo")\n#set($context.requestOverride.querystring[$k] = "bar")\n'
           '#set($context["requestOverride"].header["x-h"] = "v")\n', input=Input(b""), context=context)
    assert context["requestOverride"]["querystring"] == {"foo": "bar"}
    assert context["requestOverride"]["header"] == {"x-h": "v"}


def test_undefined_stage_variables_are_empty_and_bad_templates_fail():
    assert render('"$stageVariables.nope"', input=Input(b""), context={}, stage_variables={}) == '""'
    with pytest.raises(TemplateError):
        render("#foreach($x)", input=Input(b""), context={})


def test_json_path_subset():
    document = {"items": [{"n": 1}, {"n": 2}], "deep": {"n": 3}}
    assert json_path(document, "$.items[*].n") == [1, 2]
    assert json_path(document, "$..n") == [1, 2, 3]
    assert json_path(document, "$['deep']['n']") == 3
    assert json_path(document, "$.items[-1]") == {"n": 2}


def test_comparisons_with_null_are_false_as_in_velocity():
    """Velocity 1.x: a comparison with a null operand is false (``!=`` included), two nulls
    are equal; API Gateway's templates rely on it (``#if($maybe != '')``)."""
    out = render("#if($foo.bar != '')A#{else}B#end #if($x == $y)C#end #if($n < 3)D#{else}E#end "
                 "#if($m == 2)F#end #if('a' != 'b')G#end #foreach($i in [1..3])#if($i > 1)$i#end#end",
                 input=Input(b""), context={})
    assert out == "B C E  G 23"


def test_util_helpers_answer_nothing_for_null():
    out = render("e=$util.urlEncode($input.path('$.missing'))&j=$util.escapeJavaScript($none)&b=$util.base64Encode($none)",
                 input=Input(b'{"a": 1}'), context={})
    assert out == "e=&j=&b="


def test_context_objects_print_as_nothing_but_read_member_by_member():
    from cloudtwin.execute_api.vtl import ContextObject

    context = vtl_value({"stage": "dev"})
    context["identity"] = ContextObject(sourceIp="1.2.3.4")
    out = render('"$context.identity" "$context.get(\'identity\')" $context.identity.sourceIp '
                 '#foreach($k in $context.identity.keySet())$k#end', input=Input(b""), context=context)
    assert out == '"" "" 1.2.3.4 sourceIp'
