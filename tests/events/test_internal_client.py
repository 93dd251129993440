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
