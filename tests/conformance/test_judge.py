"""The response judge catches what the model forbids — and nothing it allows."""

from __future__ import annotations

import json

import pytest
from model_fixture import json_operation, query_operation

from cloudtwin.conformance.judge import Judge, Response
from cloudtwin.conformance.output_check import OutputChecker
from cloudtwin.conformance.variant import Variant

POSITIVE = Variant("PutThing", "optional", "t", {}, "positive")


def negative(violation: str = "length") -> Variant:
    return Variant("PutThing", "negative", "t", {}, "negative", violation=violation)


def ok_json(body: dict) -> Response:
    return Response(200, {}, json.dumps(body).encode())


def test_a_valid_json_body_passes():
    verdict = Judge().judge(json_operation(), POSITIVE, ok_json({"Id": "abc", "Color": "RED", "Count": 3,
                                                                  "Labels": ["x-1"]}))
    assert verdict.passed and verdict.success_path


@pytest.mark.parametrize("body, problem", [
    ({"Color": "RED"}, "Id: required member missing"),
    ({"Id": "abc", "Surprise": 1}, "Surprise: member not in the model"),
    ({"Id": "abc", "Count": "3"}, "Count: expected integer"),
    ({"Id": "abc", "Count": True}, "Count: expected integer"),
    ({"Id": "abc", "Color": "PURPLE"}, "Color: 'PURPLE' is not one of the model's enum values"),
    ({"Id": "ab"}, "Id: size 2 below the model's min 3"),
    ({"Id": "abc", "Labels": "x"}, "Labels: expected list"),
    ({"Id": None}, "Id: null"),
])
def test_json_body_problems_are_caught(body, problem):
    verdict = Judge().judge(json_operation(), POSITIVE, ok_json(body))
    assert not verdict.passed
    assert verdict.outcome == "bad-output"
    assert problem in verdict.reason


def _query_body(result: str) -> bytes:
    return (f'<PutThingResponse xmlns="https://toy/"><PutThingResult>{result}</PutThingResult>'
            f"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PutThingResponse>").encode()


def test_a_valid_query_body_passes():
    body = _query_body("<Id>abc</Id><Count>4</Count><Labels><member>x-1</member></Labels>")
    assert OutputChecker().check(query_operation(), 200, {}, body) == []


@pytest.mark.parametrize("result, problem", [
    ("<Count>4</Count>", "Id: required member missing"),
    ("<Id>abc</Id><Extra>1</Extra>", "Extra: member not in the model"),
    ("<Id>abc</Id><Count>four</Count>", "Count: expected integer"),
    ("<Id>abc</Id><Color>PURPLE</Color>", "not one of the model's enum values"),
    ("<Id>abc</Id><Labels><item>x-1</item></Labels>", "list item <item>"),
])
def test_xml_body_problems_are_caught(result, problem):
    problems = OutputChecker().check(query_operation(), 200, {}, _query_body(result))
    assert any(problem in p for p in problems), problems


def test_output_ranges_and_collection_sizes_are_not_judged():
    # AWS itself answers NumberOfDecreasesToday: 0 against a model min of 1
    assert Judge().judge(json_operation(), POSITIVE, ok_json({"Id": "abc", "Count": 0, "Labels": []})).passed


def test_declared_and_allow_listed_errors_pass_a_positive_variant():
    judge = Judge()
    assert judge.judge(json_operation(), POSITIVE, Response(400, {}, b"{}", "InvalidThingException")).outcome == "declared-error"
    allowed = judge.judge(json_operation(), POSITIVE, Response(400, {}, b"{}", "AccessDeniedException"))
    assert allowed.outcome == "allowed-error" and "Common Errors" in allowed.reason
    wrong = judge.judge(json_operation(), POSITIVE, Response(400, {}, b"{}", "SomethingOdd"))
    assert not wrong.passed and wrong.outcome == "undeclared-error"


@pytest.mark.parametrize("code", ["ValidationException", "SerializationException", "InvalidParameterValue",
                                  "MissingParameter"])
def test_a_refused_valid_request_fails(code):
    """The stub that refuses everything must not pass the valid variants."""
    verdict = Judge().judge(json_operation(), POSITIVE, Response(400, {}, b"{}", code))
    assert not verdict.passed and verdict.outcome == "refused-valid"


def test_does_not_exist_on_the_success_path_is_a_set_up_failure():
    verdict = Judge().judge(json_operation(), POSITIVE, Response(400, {}, b"{}", "ThingNotFound"))
    assert not verdict.passed and verdict.outcome == "setup-failure"
    from botocore.session import get_session

    head = get_session().get_service_model("s3").operation_model("HeadObject")
    missing = Judge().judge(head, Variant("HeadObject", "optional", "t", {}, "positive"), Response(404, {}, b"", "404"))
    assert missing.outcome == "setup-failure"


def test_a_refusal_is_reclassified_only_by_a_named_documented_constraint():
    from botocore.session import get_session

    kms = get_session().get_service_model("kms").operation_model("CreateAlias")
    variant = Variant("CreateAlias", "boundary", "t", {}, "positive")
    refused = Response(400, {}, b"{}", "ValidationException")
    verdict = Judge().judge(kms, variant, refused, {"AliasName": "a", "TargetKeyId": "k"})
    assert verdict.passed and verdict.outcome == "reclassified" and "alias/" in verdict.reason
    # a name the constraint allows stays a refused valid request
    assert Judge().judge(kms, variant, refused, {"AliasName": "alias/a", "TargetKeyId": "k"}).outcome == "refused-valid"
    # without the parameters nothing can be named
    assert Judge().judge(kms, variant, refused).outcome == "refused-valid"


def test_an_empty_union_is_named_from_the_model():
    from botocore.session import get_session

    put = get_session().get_service_model("dynamodb").operation_model("PutItem")
    verdict = Judge().judge(put, Variant("PutItem", "boundary", "t", {}, "positive"),
                            Response(400, {}, b"{}", "ValidationException"), {"TableName": "t", "Item": {"pk": {}}})
    assert verdict.outcome == "reclassified" and "AttributeValue holds exactly one member" in verdict.reason


def test_the_error_type_of_a_query_compatible_body_counts_as_declared():
    response = Response(400, {}, b"{}", "AWS.Toy.Invalid", error_type="InvalidThingException")
    assert Judge().judge(json_operation(), POSITIVE, response).passed


def test_negative_variants_need_the_rejection_code():
    judge = Judge()
    assert judge.judge(json_operation(), negative(), Response(400, {}, b"", "ValidationException")).passed
    # an error the operation declares about invalid input counts too
    assert judge.judge(json_operation(), negative(), Response(400, {}, b"", "InvalidThingException")).passed
    assert not judge.judge(json_operation(), negative(), Response(400, {}, b"", "ThingNotFound")).passed
    accepted = judge.judge(json_operation(), negative(), ok_json({"Id": "abc"}))
    assert not accepted.passed and accepted.outcome == "accepted-invalid"
    # a JSON type error may be refused by the deserializer
    assert judge.judge(json_operation(), negative("type"), Response(400, {}, b"", "SerializationException")).passed
    assert not judge.judge(json_operation(), negative("enum"), Response(400, {}, b"", "SerializationException")).passed


def test_query_negative_variants_use_the_query_codes():
    judge = Judge()
    assert judge.judge(query_operation(), negative(), Response(400, {}, b"", "ValidationError")).passed
    assert not judge.judge(query_operation(), negative(), Response(400, {}, b"", "ValidationException")).passed


@pytest.mark.parametrize("response, outcome", [
    (Response(500, {}, b"", "InternalFailure"), "server-error"),
    (Response(501, {}, b"", "NotImplemented"), "not-implemented"),
    (Response(0, {}, b"", None, None, "ReadTimeoutError"), "transport"),
])
def test_5xx_not_implemented_and_hangs_always_fail(response, outcome):
    for variant in (POSITIVE, negative(), Variant("PutThing", "random", "t", {}, "either")):
        verdict = Judge().judge(json_operation(), variant, response)
        assert not verdict.passed and verdict.outcome == outcome


def test_a_bodiless_head_error_is_judged_by_its_status():
    from botocore.session import get_session

    head = get_session().get_service_model("s3").operation_model("HeadObject")
    judge = Judge()
    assert judge.judge(head, Variant("HeadObject", "optional", "t", {}, "positive"), Response(412, {}, b"", "412")).passed
    assert not judge.judge(head, Variant("HeadObject", "optional", "t", {}, "positive"), Response(409, {}, b"", "409")).passed


def test_sqs_batch_results_may_leave_out_an_empty_list_as_aws_does():
    # AWS's JSON answers omit an empty Failed (a model erratum AWS acknowledged); any other
    # required member stays required
    import botocore.session

    operation = botocore.session.get_session().get_service_model("sqs").operation_model("SendMessageBatch")
    checker = OutputChecker()
    assert checker.check(operation, 200, {}, json.dumps({"Successful": [{"Id": "a", "MessageId": "m",
                                                                          "MD5OfMessageBody": "x"}]}).encode()) == []
    problems = checker.check(operation, 200, {}, json.dumps({"Successful": [{"Id": "a"}]}).encode())
    assert any("MessageId: required member missing" in p for p in problems), problems


def _ec2(name: str):
    from botocore.session import get_session

    return get_session().get_service_model("ec2").operation_model(name)


def test_ec2_request_id_beside_the_result_is_response_metadata():
    body = (b'<AllocateAddressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">'
            b"<requestId>r-1</requestId><allocationId>eipalloc-1</allocationId><domain>vpc</domain>"
            b"</AllocateAddressResponse>")
    assert OutputChecker().check(_ec2("AllocateAddress"), 200, {}, body) == []
    missing = body.replace(b"<requestId>r-1</requestId>", b"")
    assert OutputChecker().check(_ec2("AllocateAddress"), 200, {}, missing) == ["requestId: missing"]
    extra = body.replace(b"<domain>", b"<bogus>1</bogus><domain>")
    assert OutputChecker().check(_ec2("AllocateAddress"), 200, {}, extra) == ["bogus: member not in the model"]


def test_dry_run_operation_answers_only_a_dry_run():
    variant = Variant("AllocateAddress", "optional", "t", {}, "positive")
    answer = Response(412, {}, b"", "DryRunOperation")
    dry = Judge().judge(_ec2("AllocateAddress"), variant, answer, {"DryRun": True})
    assert dry.passed and dry.outcome == "allowed-error" and "DryRun" in dry.reason
    wet = Judge().judge(_ec2("AllocateAddress"), variant, answer, {"DryRun": False})
    assert not wet.passed and wet.outcome == "undeclared-error"
