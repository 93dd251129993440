import pytest

from cloudtwin.protocol.errors import ServiceError


@pytest.fixture()
def internal(server):
    return server.app.services.env.internal


def test_calls_a_handler_in_the_target_account_and_region(internal):
    out = internal.call("sts", "GetCallerIdentity", account_id="111111111111", region="cn-north-1")
    assert out == {
        "UserId": "111111111111",
        "Account": "111111111111",
        "Arn": "arn:aws-cn:iam::111111111111:root",
    }


def test_unimplemented_operations_raise_aws_errors(internal):
    with pytest.raises(ServiceError) as caught:
        internal.call("gamelift", "ListFleets", account_id="000000000000", region="us-east-1")
    assert caught.value.code == "NotImplemented"


def test_idempotency_tokens_are_filled_in_as_an_sdk_does(internal, aws_client):
    # Secrets Manager requires ClientRequestToken; SDKs (and the internal client) supply it
    out = internal.call("secretsmanager", "CreateSecret", {"Name": "internal-made", "SecretString": "s"},
                        account_id="000000000000", region="us-east-1")
    assert out["Name"] == "internal-made" and out["VersionId"]
    got = aws_client("secretsmanager").get_secret_value(SecretId="internal-made")
    assert got["SecretString"] == "s"
