"""The policy language on its own: parsing errors and evaluation."""

import json

import pytest

from cloudtwin.services.iam.policy import (
    EvaluationRequest,
    Evaluator,
    PolicyError,
    PrincipalIds,
    evaluate,
    parse_policy,
)


def doc(*statements, version="2012-10-17"):
    return parse_policy(json.dumps({"Version": version, "Statement": list(statements)}))


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def decide(policies, action, resource="*", context=None, **kw):
    request = EvaluationRequest(action, resource, {k.lower(): v for k, v in (context or {}).items()})
    return evaluate(Evaluator(), [(f"p{i}", p) for i, p in enumerate(policies)], request, **kw)


def test_wildcards_in_actions_are_case_insensitive():
    p = doc(allow("s3:Get*"))
    assert decide([p], "s3:GetObject").decision == "allowed"
    assert decide([p], "S3:getobject").decision == "allowed"
    assert decide([p], "s3:PutObject").decision == "implicitDeny"
    assert decide([doc(allow("s3:?etObject"))], "s3:GetObject").allowed
    assert decide([doc(allow("*"))], "anything:AtAll").allowed


def test_resources_match_case_sensitively_with_wildcards():
    p = doc(allow("s3:GetObject", "arn:aws:s3:::bucket/public/*"))
    assert decide([p], "s3:GetObject", "arn:aws:s3:::bucket/public/a/b.txt").allowed
    assert not decide([p], "s3:GetObject", "arn:aws:s3:::bucket/Public/a").allowed
    assert not decide([p], "s3:GetObject", "arn:aws:s3:::bucket/private/a").allowed


def test_explicit_deny_beats_allow():
    d = decide([doc(allow("s3:*")), doc(deny("s3:DeleteBucket"))], "s3:DeleteBucket")
    assert d.decision == "explicitDeny"
    assert [(m.source_id, m.effect) for m in d.matched] == [("p1", "Deny")]
    assert decide([doc(allow("s3:*")), doc(deny("s3:DeleteBucket"))], "s3:ListBucket").allowed


def test_not_action_and_not_resource():
    p = doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert decide([p], "s3:GetObject").allowed
    assert not decide([p], "iam:CreateUser").allowed
    q = doc({"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::safe/*"}, allow("s3:*"))
    assert decide([q], "s3:GetObject", "arn:aws:s3:::safe/x").allowed
    assert decide([q], "s3:GetObject", "arn:aws:s3:::other/x").decision == "explicitDeny"


def test_policy_variables_in_resources():
    p = doc(allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"))
    ctx = {"aws:username": ["bob"]}
    assert decide([p], "s3:GetObject", "arn:aws:s3:::home/bob/f", ctx).allowed
    assert not decide([p], "s3:GetObject", "arn:aws:s3:::home/alice/f", ctx).allowed
    assert not decide([p], "s3:GetObject", "arn:aws:s3:::home/bob/f", {}).allowed  # no value
    default = doc(allow("s3:*", "arn:aws:s3:::home/${aws:username, 'guest'}/*"))
    assert decide([default], "s3:GetObject", "arn:aws:s3:::home/guest/f", {}).allowed
    # Version 2008-10-17 has no variables: the text is literal.
    old = doc(allow("s3:*", "arn:aws:s3:::home/${aws:username}/*"), version="2008-10-17")
    assert not decide([old], "s3:GetObject", "arn:aws:s3:::home/bob/f", ctx).allowed
    assert decide([old], "s3:GetObject", "arn:aws:s3:::home/${aws:username}/f", ctx).allowed


@pytest.mark.parametrize(
    "operator,expected,actual,result",
    [
        ("StringEquals", "a", ["a"], True),
        ("StringEquals", "a", ["A"], False),
        ("StringEqualsIgnoreCase", "a", ["A"], True),
        ("StringNotEquals", "a", ["b"], True),
        ("StringNotEquals", "a", None, True),  # negated operators hold when the key is absent
        ("StringEquals", "a", None, False),
        ("StringLike", "pre*", ["prefix"], True),
        ("StringNotLike", "pre*", ["prefix"], False),
        ("NumericLessThan", "10", ["9"], True),
        ("NumericLessThan", "10", ["10"], False),
        ("NumericGreaterThanEquals", "10", ["10"], True),
        ("NumericEquals", "10", ["ten"], False),
        ("DateGreaterThan", "2020-01-01T00:00:00Z", ["2021-06-01T00:00:00Z"], True),
        ("DateLessThan", "2020-01-01T00:00:00Z", ["1500000000"], True),
        ("Bool", "true", ["true"], True),
        ("Bool", "true", ["false"], False),
        ("IpAddress", "10.0.0.0/8", ["10.1.2.3"], True),
        ("NotIpAddress", "10.0.0.0/8", ["192.168.0.1"], True),
        ("IpAddress", "2001:db8::/32", ["2001:db8::1"], True),
        ("ArnLike", "arn:aws:iam::*:role/admin-*", ["arn:aws:iam::123:role/admin-x"], True),
        ("ArnNotLike", "arn:aws:iam::*:role/admin-*", ["arn:aws:iam::123:role/dev"], True),
        ("ArnEquals", "arn:aws:sns:us-east-1:1:t", ["arn:aws:sns:us-east-1:1:t"], True),
        ("StringEqualsIfExists", "a", None, True),
        ("StringEqualsIfExists", "a", ["b"], False),
        ("Null", "true", None, True),
        ("Null", "false", None, False),
        ("Null", "false", ["x"], True),
        ("ForAllValues:StringEquals", ["a", "b"], ["a", "b"], True),
        ("ForAllValues:StringEquals", ["a", "b"], ["a", "c"], False),
        ("ForAllValues:StringEquals", ["a"], None, True),
        ("ForAnyValue:StringEquals", ["a"], ["c", "a"], True),
        ("ForAnyValue:StringEquals", ["a"], None, False),
        ("BinaryEquals", "QmluYXJ5", ["QmluYXJ5"], True),
    ],
)
def test_condition_operators(operator, expected, actual, result):
    p = doc(allow("s3:GetObject", Condition={operator: {"test:key": expected}}))
    context = {"test:key": actual} if actual is not None else {}
    assert decide([p], "s3:GetObject", "*", context).allowed is result


def test_condition_values_are_ored_keys_and_operators_anded():
    p = doc(allow("s3:*", Condition={
        "StringEquals": {"k:a": ["x", "y"], "k:b": "z"},
        "Bool": {"k:c": "true"},
    }))  # fmt: skip
    ok = {"k:a": ["y"], "k:b": ["z"], "k:c": ["true"]}
    assert decide([p], "s3:X", "*", ok).allowed
    assert not decide([p], "s3:X", "*", {**ok, "k:b": ["q"]}).allowed
    assert not decide([p], "s3:X", "*", {**ok, "k:c": ["false"]}).allowed
    d = decide([p], "s3:X", "*", {"k:a": ["x"]})
    assert set(d.missing_context) == {"k:b", "k:c"}


def test_variables_in_condition_values():
    p = doc(allow("s3:ListBucket", Condition={"StringLike": {"s3:prefix": "${aws:username}/*"}}))
    assert decide([p], "s3:ListBucket", "*", {"aws:username": ["bob"], "s3:prefix": ["bob/x"]}).allowed
    assert not decide([p], "s3:ListBucket", "*", {"aws:username": ["bob"], "s3:prefix": ["al/x"]}).allowed


def test_permissions_boundary_limits_allows():
    identity = [("id", doc(allow("*")))]
    boundary = [("b", doc(allow("s3:*")))]
    ev = Evaluator()
    assert evaluate(ev, identity, EvaluationRequest("s3:GetObject"), boundary=boundary).allowed
    d = evaluate(ev, identity, EvaluationRequest("iam:CreateUser"), boundary=boundary)
    assert d.decision == "implicitDeny"


def test_principals_in_resource_policies():
    p = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:root"]},
        "Action": "sts:AssumeRole"}]}), "trust")  # fmt: skip
    ev = Evaluator()
    inside = PrincipalIds(aws=("arn:aws:iam::111111111111:user/u", "arn:aws:iam::111111111111:root"))
    outside = PrincipalIds(aws=("arn:aws:iam::222222222222:root",))
    assert ev.evaluate([("t", p)], EvaluationRequest("sts:AssumeRole", principal=inside)).allowed
    assert not ev.evaluate([("t", p)], EvaluationRequest("sts:AssumeRole", principal=outside)).allowed
    anyone = parse_policy(json.dumps({"Statement": {"Effect": "Allow", "Principal": "*",
                                                     "Action": "sts:AssumeRole"}}), "trust")
    assert ev.evaluate([("t", anyone)], EvaluationRequest("sts:AssumeRole", principal=outside)).allowed


@pytest.mark.parametrize(
    "text,kind,message",
    [
        ("{not json", "identity", "This policy contains invalid Json"),
        ('{"Version": "2012-10-17"}', "identity", "Syntax errors in policy."),
        ('{"Version": "2012-10-17", "Statement": [{"Action": "s3:*", "Resource": "*"}]}',
         "identity", "Missing required field Effect"),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
         '"Resource": "*", "Principal": "*"}]}',
         "identity", "Policy document should not specify a principal."),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*"}]}',
         "identity", "Policy statement must contain resources."),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*"}]}',
         "identity", "Policy statement must contain actions."),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}',
         "trust", "Missing required field Principal"),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", '
         '"Action": "sts:AssumeRole", "Resource": "*"}]}', "trust", "Has prohibited field Resource."),
        ('{"Version": "2011-01-01", "Statement": []}', "identity",
         "The policy must contain a valid version string"),
        ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", '
         '"Resource": "*", "Condition": {"StringEqualz": {"a:b": "c"}}}]}',
         "identity", "Invalid Condition type : StringEqualz."),
    ],
)
def test_malformed_documents(text, kind, message):
    with pytest.raises(PolicyError) as err:
        parse_policy(text, kind)
    assert str(err.value) == message
