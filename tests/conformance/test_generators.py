"""Each generation strategy produces what its definition says, deterministically."""

from __future__ import annotations

from model_fixture import json_operation, query_operation

from cloudtwin.conformance.generators import Generator, boundary, enums, negative, optional
from cloudtwin.conformance.generators.conformity import conforms
from cloudtwin.conformance.values import ValueFactory, compile_pattern


def ctx(operation=None):
    return Generator(ValueFactory(), seed=3).context(operation or json_operation())


def names(variants):
    return {v.name: v for v in variants}


def test_the_base_input_is_valid_by_the_model():
    c = ctx()
    assert c.base == {"Name": "aaa", "Size": 1} or conforms(c.input_shape, c.base, c.factory) is True
    assert conforms(c.input_shape, c.base, c.factory) is True
    assert conforms(c.input_shape, c.full, c.factory) is True


def test_boundaries_sit_at_inside_and_outside_each_bound():
    variants = names(boundary.generate(ctx()))
    assert variants["Name:len=min(3)"].params["Name"] == "aaa"
    assert variants["Name:len=min(3)"].kind == "positive"
    assert len(variants["Name:len=max(10)"].params["Name"]) == 10
    assert variants["Name:len=max-1(9)"].kind == "positive"
    assert variants["Name:len=max+1(11)"].kind == "negative"
    assert variants["Name:len=min-1(2)"].violation == "length"
    assert variants["Size:max(100)"].params["Size"] == 100
    assert variants["Size:max+1(101)"].kind == "negative"
    assert variants["Size:min-1(0)"].violation == "range"
    assert len(variants["Tags:len=max(2)"].params["Tags"]) == 2
    assert variants["Tags:len=max+1(3)"].kind == "negative"


def test_every_enum_value_is_used():
    variants = enums.generate(ctx())
    assert sorted(v.params["Color"] for v in variants) == ["BLUE", "GREEN", "RED"]
    assert all(v.kind == "positive" and v.params["Name"] for v in variants)


def test_optional_permutations():
    variants = names(optional.generate(ctx()))
    assert set(variants["required-only"].params) == {"Name", "Size"}
    assert set(variants["all-members"].params) == {"Name", "Size", "Color", "Tags", "Enabled"}
    for member in ("Color", "Tags", "Enabled"):
        assert set(variants[f"+{member}"].params) == {"Name", "Size", member}


def test_negative_variants_break_one_constraint_each():
    c = ctx()
    variants = names(negative.generate(c))
    assert "Name" not in variants["Name:missing"].params
    assert variants["Name:missing"].violation == "required"
    assert variants["Color:invalid-enum"].params["Color"] not in ("RED", "GREEN", "BLUE")
    assert variants["Size:far-above-max"].params["Size"] > 100
    assert variants["Name:pattern-violation"].violation == "pattern"
    assert variants["Size:wrong-type"].params["Size"] == "not-a-number"
    assert variants["Name:wrong-type"].params["Name"] == 12345
    for v in variants.values():
        assert v.kind == "negative"
        assert conforms(c.input_shape, v.params, c.factory) is False, v.name


def test_query_wrong_types_only_where_the_wire_keeps_them():
    variants = names(negative.generate(ctx(query_operation())))
    assert "Size:wrong-type" in variants  # a word for a number stays a word on the wire
    assert "Name:wrong-type" not in variants  # 12345 would be sent as the valid text '12345'


def test_random_draws_are_reproducible_and_sorted_by_validity():
    first = Generator(ValueFactory(), seed=7).random(json_operation(), 25)
    again = Generator(ValueFactory(), seed=7).random(json_operation(), 25)
    assert [v.params for v in first] == [v.params for v in again]
    assert len(first) == 25
    factory = ValueFactory()
    shape = json_operation().input_shape
    for v in first:
        expected = conforms(shape, v.params, factory)
        assert v.kind == ("positive" if expected else "negative")


def test_examples_come_from_the_models():
    from botocore.session import get_session

    model = get_session().get_service_model("sts")
    variants = Generator(ValueFactory()).deterministic(model.operation_model("AssumeRole"))
    examples = [v for v in variants if v.strategy == "example"]
    assert examples and examples[0].params["RoleSessionName"]


def test_java_patterns_translate_or_are_reported_unknown():
    assert compile_pattern(r"[\p{Alnum}_.-]+").fullmatch("a_b.c-1")
    assert compile_pattern(r"[\p{Alnum}_.-]+").fullmatch("a b") is None
    assert compile_pattern(r"\p{IsNotAThing}") is None


def test_values_meet_patterns_that_fillers_do_not():
    from botocore.session import get_session

    model = get_session().get_service_model("iam")
    shape = model.operation_model("CreateUser").input_shape.members["UserName"]
    factory = ValueFactory()
    for length in (1, 5, 64):
        value = factory.string_of_length(shape, length)
        assert value is not None and len(value) == length
        assert factory.pattern(shape).fullmatch(value)


def test_harness_patterns_read_unicode_categories_and_ascii_word_classes_as_java_does():
    from cloudtwin.conformance.values import compile_pattern

    tags = compile_pattern(r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")
    assert tags.fullmatch("中文 ä1_") and not tags.fullmatch("a#")
    names = compile_pattern(r"[\w+=,.@-]+")
    assert names.fullmatch("Bob_1") and not names.fullmatch("Īğ")
