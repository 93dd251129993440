"""Every operation answers: one without a handler gets an AWS-shaped 501 in its protocol."""

import pytest
from botocore.exceptions import ClientError

# (service, wire protocol botocore uses for it, operation, kwargs)
CASES = [
    ("athena", "json", "list_work_groups", {}),
    ("redshift", "query", "describe_clusters", {}),
    ("ec2", "ec2", "describe_volumes", {}),
    ("s3", "rest-xml", "get_bucket_metadata_table_configuration", {"Bucket": "some-bucket"}),
    ("lambda", "rest-json", "list_capacity_providers", {}),
    ("eventbridgev2", "smithy-rpc-v2-cbor", "list_event_buses", {}),
    ("cloudwatch", "json", "list_alarm_mute_rules", {}),
    ("dynamodb", "json", "list_bulk_operations", {}),
    ("iam", "query", "list_organizations_features", {}),
    ("route53", "rest-xml", "list_hosted_zones", {}),
    ("appsync", "rest-json", "list_graphql_apis", {}),
]


@pytest.mark.parametrize("service,protocol,operation,kwargs", CASES, ids=[c[0] for c in CASES])
def test_unimplemented_operation_is_an_aws_shaped_501(aws_client, service, protocol, operation, kwargs):
    client = aws_client(service)
    assert client.meta.service_model.resolved_protocol == protocol
    with pytest.raises(ClientError) as caught:
        getattr(client, operation)(**kwargs)
    response = caught.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["Error"]["Code"] == "NotImplemented"
    op_name = client.meta.method_to_api_mapping[operation]
    assert op_name in response["Error"]["Message"]
    assert service in response["Error"]["Message"]


def test_server_keeps_serving_after_errors(aws_client):
    for _ in range(3):
        with pytest.raises(ClientError):
            aws_client("athena").list_work_groups()
    assert aws_client("sts").get_caller_identity()["Account"] == "000000000000"
