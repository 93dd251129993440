"""The guarded JSON reader (``cloudtwin.protocol.documents``), and every service's answer to a
document nested 1,000 deep in each parameter that carries one: the service's own 400, never a
500; the server keeps serving and what was stored before is still there."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any, Callable

import pytest
from botocore.exceptions import ClientError

from cloudtwin.protocol.documents import MAX_DEPTH, DocumentError, nesting_depth, plain_object, read_json
from cloudtwin.protocol.json import load_json
from cloudtwin.protocol.malformed import InvalidInput

DEEP = "[" * 1000 + "]" * 1000  # 2 KB
DEEP_IN_POLICY = '{"Version":"2012-10-17","Statement":' + DEEP + "}"
PYTHON_WORDING = ("recursion", "Expecting", "line 1 column", "char ", "Traceback")

# -- the reader ---------------------------------------------------------------------------------


def test_plain_object_reads_the_common_body_and_leaves_the_rest_to_read_json():
    assert plain_object(b'{"a": [1, "x", null, true], "b": {}}') == {"a": [1, "x", None, True], "b": {}}
    assert plain_object(b"{}") == {}
    for body in (
        b"", b"[1]", b' {"a": 1}', b'{"a": 1} {}', b'{"a": NaN}', b'{"a": 1', b'{"a": "\xff"}',
        '{"a": 1}'.encode("utf-16-le"), b'{"a":' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}",
    ):
        assert plain_object(body) is None, body
    # What it leaves, load_json still answers: the value, or the client's error.
    assert load_json(b' {"a": 1} ') == {"a": 1}
    with pytest.raises(InvalidInput):
        load_json(b'{"a": NaN}')


def test_reads_json_of_any_kind():
    assert read_json('{"a": [1, "x", null, true]}') == {"a": [1, "x", None, True]}
    assert read_json(b'{"a": 1}') == {"a": 1}
    assert read_json("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


@pytest.mark.parametrize(
    "text",
    [
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        DEEP,
        DEEP_IN_POLICY,
        '{"a":' * 5000 + "1" + "}" * 5000,
        "[" * 100_000,  # unbalanced, never closed
        "NaN",
        '{"n": Infinity}',
        "[-Infinity]",
        "{not json",
        "",
        "1" * 10_000,  # more digits than Python converts
        b"\xff\xfe\x00",
    ],
    ids=lambda v: repr(v[:12]),
)
def test_refuses_what_is_not_a_bounded_json_document(text):
    with pytest.raises(DocumentError) as caught:
        read_json(text)
    assert not any(word in caught.value.reason for word in PYTHON_WORDING)


def test_brackets_inside_strings_do_not_count():
    text = json.dumps({"a": "[" * 5000, "b": ['"\\', "{"]})
    assert read_json(text)["a"] == "[" * 5000


def test_nesting_depth_walks_without_recursion():
    deep: list = []
    for _ in range(100_000):
        deep = [deep]
    assert nesting_depth(deep) == 100_001
    assert nesting_depth(deep, stop_past=10) == 11
    assert nesting_depth({"a": [1, {"b": []}], "c": "[[["}) == 4
    assert nesting_depth("text") == 0


def test_a_json_body_nested_too_deep_is_a_serialization_problem_in_plain_words():
    with pytest.raises(InvalidInput) as caught:
        load_json(DEEP.encode() * 3)
    assert "not valid JSON" in caught.value.message
    assert not any(word in caught.value.message for word in PYTHON_WORDING)


# -- every parameter that carries a document ----------------------------------------------------


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@dataclass
class Case:
    service: str
    call: Callable[[Any, dict, str], Any]
    code: str
    document: str | None = None  # None: the 1,000-deep array, bare or as a policy's Statement
    status: int = 400


POLICY = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "*", "Resource": "*"}],
})
IDENTITY = json.dumps({
    "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}],
})
TRUST = json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
})


def _sqs(c, ctx):
    dlq = c.create_queue(QueueName="dead")["QueueUrl"]
    ctx["dlq_arn"] = c.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    ctx["queue"] = c.create_queue(QueueName="jobs", Attributes={
        "Policy": POLICY,
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": ctx["dlq_arn"], "maxReceiveCount": 3}),
    })["QueueUrl"]
    c.send_message(QueueUrl=ctx["queue"], MessageBody="kept")
    before = c.get_queue_attributes(QueueUrl=ctx["queue"], AttributeNames=["All"])["Attributes"]

    def check():
        after = c.get_queue_attributes(QueueUrl=ctx["queue"], AttributeNames=["All"])["Attributes"]
        assert {k: after[k] for k in ("Policy", "RedrivePolicy")} == {k: before[k] for k in ("Policy", "RedrivePolicy")}
        assert c.receive_message(QueueUrl=ctx["queue"])["Messages"][0]["Body"] == "kept"
        assert [u.rsplit("/", 1)[1] for u in c.list_queues()["QueueUrls"]] == ["dead", "jobs"]

    return check


def _sns(c, ctx):
    ctx["topic"] = c.create_topic(Name="news", Attributes={"Policy": POLICY})["TopicArn"]
    ctx["sub"] = c.subscribe(
        TopicArn=ctx["topic"], Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:inbox",
        Attributes={"FilterPolicy": '{"kind": ["a"]}'}, ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    before = c.get_subscription_attributes(SubscriptionArn=ctx["sub"])["Attributes"]["FilterPolicy"]
    policy = c.get_topic_attributes(TopicArn=ctx["topic"])["Attributes"]["Policy"]

    def check():
        assert c.get_topic_attributes(TopicArn=ctx["topic"])["Attributes"]["Policy"] == policy
        assert c.get_subscription_attributes(SubscriptionArn=ctx["sub"])["Attributes"]["FilterPolicy"] == before
        assert [t["TopicArn"] for t in c.list_topics()["Topics"]] == [ctx["topic"]]

    return check


def _s3(c, ctx):
    c.create_bucket(Bucket="kept-bucket")
    c.put_bucket_policy(Bucket="kept-bucket", Policy=POLICY)
    c.put_object(Bucket="kept-bucket", Key="k", Body=b"kept")

    def check():
        assert json.loads(c.get_bucket_policy(Bucket="kept-bucket")["Policy"]) == json.loads(POLICY)
        assert c.get_object(Bucket="kept-bucket", Key="k")["Body"].read() == b"kept"

    return check


def _kms(c, ctx):
    ctx["key"] = c.create_key(Description="kept")["KeyMetadata"]["KeyId"]
    policy = c.get_key_policy(KeyId=ctx["key"], PolicyName="default")["Policy"]
    blob = c.encrypt(KeyId=ctx["key"], Plaintext=b"kept")["CiphertextBlob"]

    def check():
        assert c.get_key_policy(KeyId=ctx["key"], PolicyName="default")["Policy"] == policy
        assert c.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"
        assert [k["KeyId"] for k in c.list_keys()["Keys"]] == [ctx["key"]]

    return check


def _secretsmanager(c, ctx):
    c.create_secret(Name="kept", SecretString="s3cret")
    c.put_resource_policy(SecretId="kept", ResourcePolicy=POLICY)

    def check():
        assert c.get_secret_value(SecretId="kept")["SecretString"] == "s3cret"
        assert json.loads(c.get_resource_policy(SecretId="kept")["ResourcePolicy"]) == json.loads(POLICY)

    return check


def _iam(c, ctx):
    c.create_user(UserName="kept")
    c.create_group(GroupName="kept")
    c.create_role(RoleName="kept", AssumeRolePolicyDocument=TRUST)
    c.put_user_policy(UserName="kept", PolicyName="p", PolicyDocument=IDENTITY)
    ctx["policy_arn"] = c.create_policy(PolicyName="kept", PolicyDocument=IDENTITY)["Policy"]["Arn"]

    def check():
        assert json.loads(json.dumps(c.get_user_policy(UserName="kept", PolicyName="p")["PolicyDocument"])) == json.loads(IDENTITY)
        assert c.get_role(RoleName="kept")["Role"]["AssumeRolePolicyDocument"] == json.loads(TRUST)
        assert [p["PolicyName"] for p in c.list_policies(Scope="Local")["Policies"]] == ["kept"]
        assert [v["VersionId"] for v in c.list_policy_versions(PolicyArn=ctx["policy_arn"])["Versions"]] == ["v1"]
        assert [r["RoleName"] for r in c.list_roles()["Roles"]] == ["kept"]

    return check


def _sts(c, ctx):
    return lambda: None  # STS stores nothing a refused call could spoil; the server still answers


def _ssm(c, ctx):
    c.put_parameter(Name="/kept", Value="v1", Type="String")

    def check():
        assert c.get_parameter(Name="/kept")["Parameter"]["Value"] == "v1"
        assert [p["Name"] for p in c.describe_parameters()["Parameters"]] == ["/kept"]

    return check


def _dynamodb(c, ctx):
    c.create_table(
        TableName="kept", KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"},
    )
    c.put_item(TableName="kept", Item={"pk": {"S": "a"}, "v": {"S": "kept"}})

    def check():
        assert c.get_item(TableName="kept", Key={"pk": {"S": "a"}})["Item"]["v"] == {"S": "kept"}

    return check


SETUP = {
    "sqs": _sqs, "sns": _sns, "s3": _s3, "kms": _kms, "secretsmanager": _secretsmanager, "iam": _iam,
    "sts": _sts, "ssm": _ssm, "dynamodb": _dynamodb, "dynamodbstreams": _dynamodb,
}
ROLE = "arn:aws:iam::000000000000:role/kept"
TOKEN_DEEP = "[" * 600 + "]" * 600  # tokens have length limits; still far past the reader's

CASES = {
    # SQS
    "sqs-CreateQueue-Policy": Case("sqs", lambda c, x, d: c.create_queue(QueueName="new", Attributes={"Policy": d}), "InvalidAttributeValue"),
    "sqs-SetQueueAttributes-Policy": Case("sqs", lambda c, x, d: c.set_queue_attributes(QueueUrl=x["queue"], Attributes={"Policy": d}), "InvalidAttributeValue"),
    "sqs-SetQueueAttributes-RedrivePolicy": Case("sqs", lambda c, x, d: c.set_queue_attributes(QueueUrl=x["queue"], Attributes={"RedrivePolicy": d}), "InvalidParameterValue"),
    "sqs-SetQueueAttributes-RedriveAllowPolicy": Case("sqs", lambda c, x, d: c.set_queue_attributes(QueueUrl=x["queue"], Attributes={"RedriveAllowPolicy": d}), "InvalidParameterValue"),
    "sqs-CreateQueue-RedrivePolicy": Case("sqs", lambda c, x, d: c.create_queue(QueueName="new", Attributes={"RedrivePolicy": d}), "InvalidParameterValue"),
    "sqs-CancelMessageMoveTask-TaskHandle": Case("sqs", lambda c, x, d: c.cancel_message_move_task(TaskHandle=_b64(d)), "InvalidParameterValue", status=400),
    # SNS
    "sns-CreateTopic-Policy": Case("sns", lambda c, x, d: c.create_topic(Name="other", Attributes={"Policy": d}), "InvalidParameter"),
    "sns-SetTopicAttributes-Policy": Case("sns", lambda c, x, d: c.set_topic_attributes(TopicArn=x["topic"], AttributeName="Policy", AttributeValue=d), "InvalidParameter"),
    "sns-SetTopicAttributes-DeliveryPolicy": Case("sns", lambda c, x, d: c.set_topic_attributes(TopicArn=x["topic"], AttributeName="DeliveryPolicy", AttributeValue=d), "InvalidParameter"),
    "sns-PutDataProtectionPolicy": Case("sns", lambda c, x, d: c.put_data_protection_policy(ResourceArn=x["topic"], DataProtectionPolicy=d), "InvalidParameter"),
    "sns-Subscribe-FilterPolicy": Case("sns", lambda c, x, d: c.subscribe(TopicArn=x["topic"], Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:000000000000:other", Attributes={"FilterPolicy": d}), "InvalidParameter"),
    "sns-SetSubscriptionAttributes-FilterPolicy": Case("sns", lambda c, x, d: c.set_subscription_attributes(SubscriptionArn=x["sub"], AttributeName="FilterPolicy", AttributeValue=d), "InvalidParameter"),
    "sns-SetSubscriptionAttributes-RedrivePolicy": Case("sns", lambda c, x, d: c.set_subscription_attributes(SubscriptionArn=x["sub"], AttributeName="RedrivePolicy", AttributeValue=d), "InvalidParameter"),
    "sns-Publish-MessageStructure": Case("sns", lambda c, x, d: c.publish(TopicArn=x["topic"], Message=d, MessageStructure="json"), "InvalidParameter"),
    "sns-Publish-StringArrayAttribute": Case("sns", lambda c, x, d: c.publish(TopicArn=x["topic"], Message="m", MessageAttributes={"a": {"DataType": "String.Array", "StringValue": d}}), "ParameterValueInvalid"),
    # S3
    "s3-PutBucketPolicy": Case("s3", lambda c, x, d: c.put_bucket_policy(Bucket="kept-bucket", Policy=d), "MalformedPolicy"),
    # KMS
    "kms-CreateKey-Policy": Case("kms", lambda c, x, d: c.create_key(Policy=d), "MalformedPolicyDocumentException"),
    "kms-PutKeyPolicy": Case("kms", lambda c, x, d: c.put_key_policy(KeyId=x["key"], PolicyName="default", Policy=d), "MalformedPolicyDocumentException"),
    # Secrets Manager
    "secretsmanager-PutResourcePolicy": Case("secretsmanager", lambda c, x, d: c.put_resource_policy(SecretId="kept", ResourcePolicy=d), "MalformedPolicyDocumentException"),
    "secretsmanager-ValidateResourcePolicy": Case("secretsmanager", lambda c, x, d: c.validate_resource_policy(ResourcePolicy=d), "MalformedPolicyDocumentException"),
    # IAM
    "iam-CreatePolicy": Case("iam", lambda c, x, d: c.create_policy(PolicyName="other", PolicyDocument=d), "MalformedPolicyDocument"),
    "iam-CreatePolicyVersion": Case("iam", lambda c, x, d: c.create_policy_version(PolicyArn=x["policy_arn"], PolicyDocument=d), "MalformedPolicyDocument"),
    "iam-PutUserPolicy": Case("iam", lambda c, x, d: c.put_user_policy(UserName="kept", PolicyName="p", PolicyDocument=d), "MalformedPolicyDocument"),
    "iam-PutGroupPolicy": Case("iam", lambda c, x, d: c.put_group_policy(GroupName="kept", PolicyName="p", PolicyDocument=d), "MalformedPolicyDocument"),
    "iam-PutRolePolicy": Case("iam", lambda c, x, d: c.put_role_policy(RoleName="kept", PolicyName="p", PolicyDocument=d), "MalformedPolicyDocument"),
    "iam-CreateRole": Case("iam", lambda c, x, d: c.create_role(RoleName="other", AssumeRolePolicyDocument=d), "MalformedPolicyDocument"),
    "iam-UpdateAssumeRolePolicy": Case("iam", lambda c, x, d: c.update_assume_role_policy(RoleName="kept", PolicyDocument=d), "MalformedPolicyDocument"),
    "iam-SimulateCustomPolicy": Case("iam", lambda c, x, d: c.simulate_custom_policy(PolicyInputList=[d], ActionNames=["s3:GetObject"]), "MalformedPolicyDocument"),
    # STS
    "sts-AssumeRole-Policy": Case("sts", lambda c, x, d: c.assume_role(RoleArn=ROLE, RoleSessionName="sess", Policy=d), "MalformedPolicyDocument"),
    "sts-GetFederationToken-Policy": Case("sts", lambda c, x, d: c.get_federation_token(Name="fed", Policy=d), "MalformedPolicyDocument"),
    "sts-AssumeRoleWithWebIdentity-Token": Case("sts", lambda c, x, d: c.assume_role_with_web_identity(
        RoleArn=ROLE, RoleSessionName="sess",
        WebIdentityToken="eyJhbGciOiJub25lIn0." + base64.urlsafe_b64encode(d.encode()).decode().rstrip("=") + ".sig",
    ), "InvalidIdentityToken"),
    "sts-DecodeAuthorizationMessage": Case("sts", lambda c, x, d: c.decode_authorization_message(EncodedMessage=_b64(d)), "InvalidAuthorizationMessageException"),
    # SSM
    "ssm-PutParameter-Policies": Case("ssm", lambda c, x, d: c.put_parameter(Name="/other", Value="v", Type="String", Tier="Advanced", Policies=d), "InvalidPolicyTypeException"),
    # DynamoDB and its streams: pagination tokens and iterators
    "dynamodb-ExecuteStatement-NextToken": Case("dynamodb", lambda c, x, d: c.execute_statement(Statement='SELECT * FROM "kept"', NextToken=_b64(d)), "ValidationException", TOKEN_DEEP),
    "dynamodbstreams-GetRecords-ShardIterator": Case("dynamodbstreams", lambda c, x, d: c.get_records(ShardIterator=base64.urlsafe_b64encode(d.encode()).decode()), "ValidationException", TOKEN_DEEP),
}


@pytest.mark.parametrize("bare", [False, True], ids=["in-a-policy", "bare"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_deeply_nested_document_gets_the_services_400(aws_client, name, bare):
    case = CASES[name]
    client = aws_client(case.service)
    setup_client = aws_client("dynamodb") if case.service == "dynamodbstreams" else client
    if case.service == "sts":
        aws_client("iam").create_role(RoleName="kept", AssumeRolePolicyDocument=TRUST)
    ctx: dict[str, Any] = {}
    check = SETUP[case.service](setup_client, ctx)
    document = case.document or (DEEP if bare else DEEP_IN_POLICY)
    with pytest.raises(ClientError) as caught:
        case.call(client, ctx, document)
    error = caught.value.response["Error"]
    assert (error["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (case.code, case.status)
    assert not any(word in error.get("Message", "") for word in PYTHON_WORDING)
    check()
    assert aws_client("sts").get_caller_identity()["Account"] == "000000000000"


def test_a_message_body_nested_too_deep_just_does_not_match_a_body_filter(aws_client):
    sns, sqs = aws_client("sns"), aws_client("sqs")
    queue = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    topic = sns.create_topic(Name="news")["TopicArn"]
    sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=arn,
        Attributes={"FilterPolicy": '{"kind": ["a"]}', "FilterPolicyScope": "MessageBody", "RawMessageDelivery": "true"},
    )
    sns.publish(TopicArn=topic, Message='{"kind": "a", "deep": ' + DEEP + "}")
    sns.publish(TopicArn=topic, Message='{"kind": "a"}')
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])]
    assert bodies == ['{"kind": "a"}']


def test_the_control_api_refuses_a_nested_body_and_resets_nothing(aws_client, endpoint):
    import urllib.error
    import urllib.request

    sqs = aws_client("sqs")
    sqs.create_queue(QueueName="kept")
    request = urllib.request.Request(
        endpoint + "/_cloudtwin/reset", data=('{"services":' + DEEP + "}").encode(),
        headers={"Content-Type": "application/json"}, method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    text = caught.value.read().decode()
    assert "not valid JSON" in text and not any(word in text for word in PYTHON_WORDING)
    assert [u.rsplit("/", 1)[1] for u in sqs.list_queues()["QueueUrls"]] == ["kept"]
