"""Model validation: AWS's wording per protocol family, on real botocore models."""

from __future__ import annotations

import random

import pytest

from cloudtwin.protocol.constraints import format_number, java_hash_set_order
from cloudtwin.protocol.errors import ServiceError
from cloudtwin.protocol.patterns import JavaPatterns
from cloudtwin.protocol.validation import (
    Rule,
    S3Validator,
    Validator,
    Validators,
    Violation,
    render_value,
)
from cloudtwin.specs.catalog import ServiceCatalog


@pytest.fixture(scope="module")
def catalog() -> ServiceCatalog:
    return ServiceCatalog()


@pytest.fixture(scope="module")
def validators() -> Validators:
    return Validators()


def op(catalog: ServiceCatalog, service: str, name: str):
    return catalog.service_model(service).operation_model(name)


def error_of(validators: Validators, operation, params, protocol=None) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        validators.validate(params, operation, protocol)
    return caught.value


# --------------------------------------------------------------------------- JSON family


def test_json_missing_required_member(catalog, validators):
    err = error_of(validators, op(catalog, "sqs", "CreateQueue"), {})
    assert (err.code, err.status_code, err.sender_fault) == ("ValidationException", 400, True)
    assert err.message == (
        "1 validation error detected: Value null at 'queueName' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_json_several_errors_with_nested_paths_and_enums(catalog, validators):
    params = {
        "TableName": "",
        "KeySchema": [{"AttributeName": "id", "KeyType": "FOO"}, {"KeyType": "HASH"}],
        "BillingMode": "X",
    }
    err = error_of(validators, op(catalog, "dynamodb", "CreateTable"), params)
    assert err.message == (
        "4 validation errors detected: "
        "Value '' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 1; "
        "Value 'FOO' at 'keySchema.1.member.keyType' failed to satisfy constraint: "
        "Member must satisfy enum value set: [HASH, RANGE]; "
        "Value null at 'keySchema.2.member.attributeName' failed to satisfy constraint: Member must not be null; "
        "Value 'X' at 'billingMode' failed to satisfy constraint: "
        "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]"
    )


def test_json_range_and_enum(catalog, validators):
    err = error_of(
        validators, op(catalog, "dynamodb", "Scan"), {"TableName": "t", "Limit": 0, "ReturnConsumedCapacity": "BOGUS"}
    )
    assert err.message == (
        "2 validation errors detected: "
        "Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1; "
        "Value 'BOGUS' at 'returnConsumedCapacity' failed to satisfy constraint: "
        "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"
    )


def test_map_value_constraints_are_reported_on_the_map(catalog, validators):
    items = [{"PutRequest": {"Item": {"pk": {"S": str(i)}}}} for i in range(26)]
    err = error_of(validators, op(catalog, "dynamodb", "BatchWriteItem"), {"RequestItems": {"tbl": items}})
    assert err.message.startswith("1 validation error detected: Value '{tbl=[{PutRequest={Item={pk={S=0}}}}, ")
    assert err.message.endswith(
        "' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
        "[Member must have length less than or equal to 25, Member must have length greater than or equal to 1]"
    )


def test_map_keys_pattern_on_a_sensitive_map_hides_the_value(catalog, validators):
    params = {"FunctionName": "f", "Environment": {"Variables": {"1bad": "v"}}}
    err = error_of(validators, op(catalog, "lambda", "UpdateFunctionConfiguration"), params)
    assert err.message == (
        "1 validation error detected: Value at 'environment.variables' failed to satisfy constraint: "
        "Map keys must satisfy constraint: [Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+]"
    )


def test_list_element_constraints_are_reported_on_the_list(catalog, validators):
    err = error_of(validators, op(catalog, "ssm", "GetParameters"), {"Names": ["a", ""]})
    assert err.message == (
        "1 validation error detected: Value '[a, ]' at 'names' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 2048, "
        "Member must have length greater than or equal to 1]"
    )
    err = error_of(validators, op(catalog, "ssm", "GetParameters"), {"Names": ["a", None]})
    assert err.message.endswith(
        "[Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, "
        "Member must not be null]"
    )


def test_blob_values_print_as_java_byte_buffers_and_sensitive_ones_not_at_all(catalog, validators):
    err = error_of(validators, op(catalog, "kms", "Decrypt"), {"CiphertextBlob": b""})
    assert err.message == (
        "1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' "
        "failed to satisfy constraint: Member must have length greater than or equal to 1"
    )
    err = error_of(validators, op(catalog, "kms", "Encrypt"), {"KeyId": "k", "Plaintext": b""})
    assert err.message == (
        "1 validation error detected: Value at 'plaintext' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_unicode_property_patterns_accept_letters_and_reject_others(catalog, validators):
    operation = op(catalog, "acm", "AddTagsToCertificate")
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    validators.validate({"CertificateArn": arn, "Tags": [{"Key": "café 日本", "Value": "ü-1"}]}, operation)
    err = error_of(validators, operation, {"CertificateArn": arn, "Tags": [{"Key": "ok"}, {"Key": "bad#key"}]})
    assert err.message == (
        "1 validation error detected: Value 'bad#key' at 'tags.2.member.key' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)"
    )


def test_recursive_shapes_report_deep_paths(catalog, validators):
    params = {"TableName": "t", "Item": {"pk": {"M": {"k" * 65536: {"S": "v"}}}}}
    err = error_of(validators, op(catalog, "dynamodb", "PutItem"), params)
    assert "' at 'item.pk.member.m' failed to satisfy constraint: Map keys must satisfy constraint: " in err.message
    assert err.message.endswith("[Member must have length less than or equal to 65535]")
    # A valid deep item passes.
    deep = {"L": [{"M": {"a": {"L": [{"S": "x"}, {"N": "1"}]}}}]}
    validators.validate({"TableName": "t", "Item": {"pk": deep}}, op(catalog, "dynamodb", "PutItem"))


@pytest.mark.parametrize(
    ("service", "name", "params"),
    [
        ("sqs", "SendMessage", {"QueueUrl": "http://q", "MessageBody": "hi", "DelaySeconds": 5}),
        ("dynamodb", "Query", {"TableName": "t", "KeyConditionExpression": "pk = :p", "Limit": 10}),
        ("dynamodb", "CreateTable", {"TableName": "my_table-1.0"}),
        ("lambda", "GetFunction", {"FunctionName": "my-function"}),
        ("kinesis", "PutRecord", {"StreamName": "s", "Data": b"x", "PartitionKey": "p"}),
    ],
)
def test_valid_input_passes(catalog, validators, service, name, params):
    validators.validate(params, op(catalog, service, name))


def test_cbor_and_rest_json_use_the_json_wording(catalog, validators):
    err = error_of(validators, op(catalog, "cloudwatch", "PutMetricData"), {}, "smithy-rpc-v2-cbor")
    assert err.code == "ValidationException"
    assert err.message.startswith("1 validation error detected: Value null at 'namespace'")
    err = error_of(validators, op(catalog, "lambda", "GetFunction"), {"FunctionName": ""})
    assert err.code == "ValidationException"
    assert "at 'functionName' failed to satisfy constraint: Member must have length greater than or equal to 1" in (
        err.message
    )


# --------------------------------------------------------------------------- query family


def test_query_services_answer_validation_error(catalog, validators):
    err = error_of(validators, op(catalog, "sts", "AssumeRole"), {"RoleArn": "arn:aws:iam::123456789012:role/x"})
    assert (err.code, err.status_code) == ("ValidationError", 400)
    assert err.message == (
        "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_query_several_errors(catalog, validators):
    params = {"RoleArn": "short", "RoleSessionName": "a b", "DurationSeconds": 10}
    err = error_of(validators, op(catalog, "sts", "AssumeRole"), params, "query")
    assert err.message == (
        "3 validation errors detected: "
        "Value 'short' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; "
        "Value 'a b' at 'roleSessionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*; "
        "Value '10' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
    )


def test_query_length_message(catalog, validators):
    operation = op(catalog, "iam", "CreateRole")
    err = error_of(validators, operation, {"RoleName": "r" * 65, "AssumeRolePolicyDocument": "{}"})
    assert err.message == (
        f"1 validation error detected: Value '{'r' * 65}' at 'roleName' failed to satisfy constraint: "
        "Member must have length less than or equal to 64"
    )
    err = error_of(validators, op(catalog, "sns", "CreateTopic"), {})
    assert (err.code, err.message) == (
        "ValidationError",
        "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null",
    )


def test_sqs_over_query_uses_missing_parameter(catalog, validators):
    operation = op(catalog, "sqs", "CreateQueue")
    err = error_of(validators, operation, {}, "query")
    assert (err.code, err.status_code, err.message) == (
        "MissingParameter",
        400,
        "The request must contain the parameter QueueName.",
    )


def test_ec2_reports_one_missing_parameter(catalog, validators):
    err = error_of(validators, op(catalog, "ec2", "RunInstances"), {})
    assert (err.code, err.message) == ("MissingParameter", "The request must contain the parameter MaxCount")
    # EC2's default checks nothing but presence.
    validators.validate({"MaxCount": -5, "MinCount": 1}, op(catalog, "ec2", "RunInstances"))


# --------------------------------------------------------------------------- rest-xml / S3


def test_s3_missing_payload_body_element_and_header(catalog, validators):
    err = error_of(validators, op(catalog, "s3", "PutBucketTagging"), {"Bucket": "b"})
    assert (err.code, err.message) == ("MissingRequestBodyError", "Request body is empty.")
    # A list left out of the document is an empty list, for the service to judge (S3 takes
    # a <Tagging/> without TagSet as "no tags"); another missing element is MalformedXML.
    validators.validate({"Bucket": "b", "Tagging": {}}, op(catalog, "s3", "PutBucketTagging"))
    err = error_of(
        validators, op(catalog, "s3", "PutBucketOwnershipControls"),
        {"Bucket": "b", "OwnershipControls": {"Rules": [{}]}},
    )
    assert err.code == "MalformedXML"
    assert err.message == "The XML you provided was not well-formed or did not validate against our published schema"
    err = error_of(validators, op(catalog, "s3", "CopyObject"), {"Bucket": "b", "Key": "k"})
    assert (err.code, err.message) == ("InvalidRequest", "Missing required header for this request: x-amz-copy-source")


def test_s3_does_not_validate_lengths_patterns_or_enums(catalog, validators):
    params = {"Bucket": "b", "Key": "k" * 5000, "StorageClass": "NOT_A_CLASS", "Body": b""}
    validators.validate(params, op(catalog, "s3", "PutObject"))
    assert isinstance(validators.for_operation(op(catalog, "s3", "PutObject")), S3Validator)


def test_route53_validates_with_invalid_input(catalog, validators):
    err = error_of(validators, op(catalog, "route53", "GetHostedZone"), {"Id": "x" * 40})
    assert err.code == "InvalidInput"
    assert err.message == (
        f"1 validation error detected: Value '{'x' * 40}' at 'id' failed to satisfy constraint: "
        "Member must have length less than or equal to 32"
    )


# --------------------------------------------------------------------------- hooks


def test_rules_skip_reword_and_disable(catalog):
    operation = op(catalog, "dynamodb", "Scan")
    params = {"TableName": "", "Limit": 0}
    validator = Validator(rules={"Scan.Limit": Rule(skip=True)})
    with pytest.raises(ServiceError) as caught:
        validator.validate(params, operation)
    assert caught.value.message.startswith("1 validation error detected: Value '' at 'tableName'")

    validator = Validator(
        rules={"*.TableName:length": Rule(code="ResourceNotFoundException", message="Requested resource not found: {value}")}
    )
    with pytest.raises(ServiceError) as caught:
        validator.validate(params, operation)
    assert (caught.value.code, caught.value.message) == ("ResourceNotFoundException", "Requested resource not found: ")

    validator = Validator(rules={"Scan": Rule(skip=True)})
    validator.validate(params, operation)
    assert validator.plan(operation) is None

    validator = Validator(rules={"Scan:range": Rule(code="InvalidParameterException")})
    with pytest.raises(ServiceError) as caught:
        validator.validate({"TableName": "t", "Limit": 0}, operation)
    assert caught.value.code == "InvalidParameterException"
    assert caught.value.message.startswith("1 validation error detected: Value '0' at 'limit'")


def test_register_a_service_wording_and_subclass(catalog):
    class Worded(Validator):
        def describe(self, violation: Violation) -> str:
            return f"{violation.member_path} is wrong ({violation.kind})"

    validators = Validators()
    validators.register("sqs", Worded(code="InvalidParameterValue"))
    err = error_of(validators, op(catalog, "sqs", "CreateQueue"), {})
    assert (err.code, err.message) == ("InvalidParameterValue", "1 validation error detected: QueueName is wrong (required)")

    validators.register("cognito-idp", Validator(checks={"required"}, code="InvalidParameterException"))
    validators.validate({"ClientId": "c" * 500, "Username": "u"}, op(catalog, "cognito-idp", "SignUp"))


def test_only_selected_checks_run(catalog):
    operation = op(catalog, "dynamodb", "Scan")
    Validator(checks={"required", "enum"}).validate({"TableName": "", "Limit": 0}, operation)
    with pytest.raises(ValueError):
        Validator(checks={"nonsense"})


def test_plans_are_compiled_once_and_shared(catalog):
    validator = Validator()
    operation = op(catalog, "dynamodb", "PutItem")
    plan = validator.plan(operation)
    assert plan is not None and validator.plan(operation) is plan
    # Shapes shared between operations share their plan.
    other = validator.plan(op(catalog, "dynamodb", "UpdateItem"))
    table = dict(plan.checked)["TableName"]
    assert dict(other.checked)["TableName"] is table
    # An operation with nothing to check has no plan at all.
    assert validator.plan(op(catalog, "sts", "GetCallerIdentity")) is None


def test_violations_expose_paths_for_services(catalog):
    validator = Validator()
    found = validator.violations({"KeySchema": [{"KeyType": "HASH"}]}, op(catalog, "dynamodb", "CreateTable"))
    assert [(v.kind, v.path, v.member_path, v.depth) for v in found] == [
        ("required", "tableName", "TableName", 1),
        ("required", "keySchema.1.member.attributeName", "KeySchema.AttributeName", 2),
    ]


def test_mistyped_values_never_crash(catalog, validators):
    rng = random.Random(7)
    junk = [None, 1, -1, 1.5, float("nan"), "", "x" * 300, b"", [], [None], {}, {"": None}, True, object()]
    for service in ("dynamodb", "sqs", "sts", "s3", "lambda", "ec2"):
        model = catalog.service_model(service)
        for name in model.operation_names[:60]:
            operation = model.operation_model(name)
            shape = operation.input_shape
            if shape is None:
                continue
            for _ in range(3):
                params = {member: rng.choice(junk) for member in shape.members if rng.random() < 0.6}
                try:
                    validators.validate(params, operation)
                except ServiceError:
                    pass


# --------------------------------------------------------------------------- values & patterns


def test_values_render_as_java_prints_them():
    assert render_value(None) == "null"
    assert render_value(True) == "true"
    assert render_value([1, "a", None]) == "[1, a, null]"
    assert render_value({"k": [1.5]}) == "{k=[1.5]}"
    assert render_value(b"abc") == "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]"
    assert [format_number(x) for x in (0.0, 1.0, 1e7, 1.5e-5, 123.25, -2e21, 7)] == [
        "0.0", "1.0", "1.0E7", "1.5E-5", "123.25", "-2.0E21", "7",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("java", "matches", "rejects"),
    [
        ("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*", ["café 12", "日本", ""], ["a#b", "a\tb"]),
        ("[\\P{C}]+", ["abc é"], ["a\x00b"]),
        ("\\p{Print}+", ["Hello World!"], ["é", "a\nb"]),
        ("[\\u0020-\\uD7FF\\uE000-\\uFFFD\\uD800\\uDC00-\\uDBFF\\uDFFF]*", ["ok 😀"], ["\x01"]),
        ("[\\w-_]+", ["a-b_c"], ["a b"]),
        ("[\\w+=,.@-]+", ["Bob_1+=,.@-"], ["Īğ", "名前"]),  # Java's \\w is US-ASCII
        ("\\d+", ["0123"], ["١٢٣"]),
        ("\\Asnap-[0-9a-f]{8}\\z", ["snap-0123abcd"], ["snap-0123abcd\n"]),
        ("^(?i)(true|false)$", ["TRUE", "false"], ["yes"]),
        ("[a-z\\x{60}]+", ["a`b"], ["A"]),
        ("\\QA.B\\E+", ["A.BBB"], ["AxB"]),
        ("(?<name>ab)\\k<name>", ["abab"], ["abba"]),
        ("[\\h]+", [" \t"], ["\n"]),
    ],
)
def test_java_patterns_translate(java, matches, rejects):
    compiled = JavaPatterns().compile(java)
    assert compiled is not None
    for text in matches:
        assert compiled.fullmatch(text), (java, text)
    for text in rejects:
        assert not compiled.fullmatch(text), (java, text)


@pytest.mark.parametrize(
    "java", ["[\\p{Print}&&[^|:/]]+", "^(\\p{LD}|\\p{Punct}| )+$", "[a-z]{2}${1,4}", "a\\", "[abc", "(?<x"]
)
def test_inexpressible_patterns_are_cached_as_unusable(java):
    patterns = JavaPatterns()
    assert patterns.compile(java) is None
    assert patterns.compile(java) is None


def test_every_pattern_of_a_few_models_compiles_or_is_skipped(catalog):
    patterns = JavaPatterns()
    usable = total = 0
    for service in ("iam", "sts", "dynamodb", "lambda", "cognito-idp", "secretsmanager"):
        model = catalog.service_model(service)
        for name in model.shape_names:
            pattern = model.shape_for(name).metadata.get("pattern")
            if pattern:
                total += 1
                usable += patterns.compile(pattern) is not None
    assert total > 100
    assert usable == total


def test_java_hash_set_order_buckets_by_string_hash_then_keeps_insertion_order():
    # "a" hashes to 97 (bucket 1 of 16), "q" to 113 (also bucket 1), "b" to 98 (bucket 2)
    assert java_hash_set_order(["b", "q", "a"]) == ["q", "a", "b"]
    # "Aa" and "BB" share String.hashCode 2112: insertion order decides
    assert java_hash_set_order(["BB", "Aa"]) == ["BB", "Aa"]
    assert java_hash_set_order(["Aa", "BB"]) == ["Aa", "BB"]
    # "Q" (81) and "a" (97) share a bucket of 16 but not of 32, the table 13 values need
    # ("HashSet(Collection)" sizing)
    assert java_hash_set_order(["Q", "a"]) == ["Q", "a"]
    letters = java_hash_set_order(["Q", "a", *"cdefghijklm"])
    assert letters.index("a") < letters.index("Q")


def test_lambda_reports_list_elements_as_never_null(catalog, validators):
    err = error_of(validators, op(catalog, "lambda", "CreateFunction"),
                   {"FunctionName": "f", "Role": "arn:aws:iam::000000000000:role/r", "Code": {}, "Architectures": ["X86_64"]})  # fmt: skip
    assert err.message.endswith("[Member must satisfy enum value set: [x86_64, arm64], Member must not be null]")


def test_sns_missing_arn_parameter(catalog, validators):
    err = error_of(validators, op(catalog, "sns", "Unsubscribe"), {})
    assert (err.code, err.message) == (
        "InvalidParameterException",
        "Invalid parameter: SubscriptionArn Reason: no value for required parameter",
    )


def test_java_hash_table_order_is_api_gateways_order_of_enum_values():
    from cloudtwin.protocol.constraints import java_hash_table_order

    # String.hashCode modulo 32 slots, newest first within a slot (AWS's recorded answers)
    assert java_hash_table_order(["REGIONAL", "EDGE", "PRIVATE"]) == ["PRIVATE", "EDGE", "REGIONAL"]
    assert java_hash_table_order(["add", "remove", "replace", "move", "copy", "test"]) == [
        "add", "remove", "move", "test", "replace", "copy"]


def test_enum_sets_listed_in_aws_hash_table_order(catalog, validators):
    """AWS lists an enum's values in its hash table's order, not the model's (recorded:
    CloudWatch's alarm states, Lambda's starting positions)."""
    err = error_of(validators, op(catalog, "cloudwatch", "SetAlarmState"),
                   {"AlarmName": "a", "StateValue": "BROKEN", "StateReason": "r"})  # fmt: skip
    assert err.message.endswith("Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]")
    err = error_of(validators, op(catalog, "lambda", "CreateEventSourceMapping"),
                   {"FunctionName": "f", "StartingPosition": "NOW"})  # fmt: skip
    assert err.message.endswith("Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]")
