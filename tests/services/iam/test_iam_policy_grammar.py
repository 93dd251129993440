"""IAM's policy grammar as the API answers it: the first failing pass decides the message,
and documents IAM takes are taken."""

import json

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def iam(aws_client):
    return aws_client("iam")


def _doc(*statements, version="2012-10-17", **top):
    body = dict(top)
    if version is not None:
        body["Version"] = version
    body["Statement"] = list(statements) if len(statements) != 1 else statements[0]
    return json.dumps(body)


def _allow(**extra):
    st = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    st.update(extra)
    return {k: v for k, v in st.items() if v is not None}


@pytest.mark.parametrize(
    "document,message",
    [
        (_doc(_allow(), version=None), "Policy document must be version 2012-10-17 or greater."),
        (_doc(_allow(), version="2008-10-17"), "Policy document must be version 2012-10-17 or greater."),
        (_doc(_allow(Effect=None)), "Syntax errors in policy."),
        (_doc(_allow(Effect="Permit")), "Syntax errors in policy."),
        (_doc(_allow(), Extra="x"), "Syntax errors in policy."),
        (_doc(_allow(Action=None, NotAction="s3:*")), None),
        (_doc(dict(_allow(), NotAction="s3:*")), "Syntax errors in policy."),
        (_doc(_allow(Action=17)), "Syntax errors in policy."),
        (_doc(_allow(Effect="allow")), "The policy failed legacy parsing"),
        (_doc(_allow(Condition={"DateGreaterThan": {"aws:CurrentTime": "not-a-date"}})),
         "The policy failed legacy parsing"),
        (_doc(_allow(Sid="a"), _allow(Sid="a")), "Statement IDs (SID) in a single policy must be unique."),
        (_doc(_allow(Action=[])), "Policy statement must contain actions."),
        (_doc(_allow(Resource="bucket")), 'Resource bucket must be in ARN format or "*".'),
        (_doc(_allow(Resource="arn:aws:iam:us-east-1:123456789012:user/u")),
         "IAM resource arn:aws:iam:us-east-1:123456789012:user/u cannot contain region information."),
        (_doc(_allow(Resource="arn:mycloud:s3:::b")),
         'Partition "mycloud" is not valid for resource "arn:mycloud:s3:::b".'),
        (_doc(_allow(Action="s3GetObject")),
         "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (_doc(_allow(Action="s3:Get:Object")), "Actions/Condition can contain only one colon."),
        (_doc(_allow(Action="s 3:GetObject")), "Vendor s 3 is not valid"),
        (_doc(_allow(Resource=[])), "Policy statement must contain resources."),
        (_doc(_allow(Principal={"AWS": "*"})), "Policy document should not specify a principal."),
        # taken as AWS takes them
        (_doc(_allow(Sid=""), _allow(Sid="")), None),
        (_doc(_allow(Condition={"StringEqualsIfExists": {}})), None),
        (_doc(_allow(Resource=["arn:aws:s3:::b", None])), None),
        (_doc(_allow(Resource="arn:aws:iam::*:root")), None),
        (_doc(_allow(Condition={"Bool": {"aws:SecureTransport": True}})), None),
    ],
)
def test_identity_policy_grammar(iam, document, message):
    if message is None:
        arn = iam.create_policy(PolicyName="ok", PolicyDocument=document)["Policy"]["Arn"]
        iam.delete_policy(PolicyArn=arn)
        return
    with pytest.raises(ClientError) as err:
        iam.create_policy(PolicyName="bad", PolicyDocument=document)
    error = err.value.response["Error"]
    assert (error["Code"], error["Message"]) == ("MalformedPolicyDocument", message)


def test_trust_policy_grammar(iam):
    principal = {"Service": "ec2.amazonaws.com"}
    wrong_action = _doc({"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject"})
    with pytest.raises(ClientError) as err:
        iam.create_role(RoleName="r1", AssumeRolePolicyDocument=wrong_action)
    assert err.value.response["Error"]["Message"].startswith(
        "Trust Policy statement actions can only be sts:AssumeRole")
    fine = _doc({"Effect": "Allow", "Principal": principal,
                 "Action": ["sts:AssumeRole", "sts:TagSession"]})
    assert iam.create_role(RoleName="r1", AssumeRolePolicyDocument=fine)["Role"]["RoleName"] == "r1"
    # a trust policy may leave out Version (2008-10-17); an identity policy may not
    unversioned = json.dumps({"Statement": {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}})
    assert iam.create_role(RoleName="r4", AssumeRolePolicyDocument=unversioned)["Role"]["RoleName"] == "r4"
    # a trust policy's effect may be written in any case
    shouting = json.dumps({"Statement": [{"Effect": "ALLOW", "Principal": principal, "Action": "sts:AssumeRole"}]})
    assert iam.create_role(RoleName="r5", AssumeRolePolicyDocument=shouting)["Role"]["RoleName"] == "r5"


def test_trust_policy_wildcards_must_cover_an_sts_action(iam):
    principal = {"AWS": "arn:aws:iam::123456789012:root"}
    iam.create_role(RoleName="r2", AssumeRolePolicyDocument=_doc(
        {"Effect": "Allow", "Principal": principal, "Action": "sts:Assume*"}))
    with pytest.raises(ClientError):
        iam.create_role(RoleName="r3", AssumeRolePolicyDocument=_doc(
            {"Effect": "Allow", "Principal": principal, "Action": "sts:Get*Token*X"}))


def test_inline_policy_may_leave_out_its_version(iam):
    # SAM's policy templates expand to inline policies without a Version; AWS takes them
    iam.create_role(RoleName="inline", AssumeRolePolicyDocument=_doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
    iam.put_role_policy(RoleName="inline", PolicyName="p", PolicyDocument=_doc(_allow(), version=None))
    assert iam.get_role_policy(RoleName="inline", PolicyName="p")["PolicyDocument"]["Statement"]["Action"] == "s3:GetObject"
    with pytest.raises(ClientError) as err:  # a managed policy may not
        iam.create_policy(PolicyName="m", PolicyDocument=_doc(_allow(), version=None))
    assert err.value.response["Error"]["Message"] == "Policy document must be version 2012-10-17 or greater."


def test_trust_policy_effect_in_any_letter_case(iam):
    trust = _doc({"Effect": "ALLOW", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    assert iam.create_role(RoleName="upper", AssumeRolePolicyDocument=trust)["Role"]["RoleName"] == "upper"
    with pytest.raises(ClientError) as err:  # an identity policy's must be exact
        iam.create_policy(PolicyName="upper", PolicyDocument=_doc(_allow(Effect="ALLOW")))
    assert err.value.response["Error"]["Message"] == "The policy failed legacy parsing"
