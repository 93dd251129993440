"""Host header rules: service, region and S3 bucket hints under the names we answer to."""

from __future__ import annotations

import pytest

from cloudtwin.gateway.host import HostInfo, HostRules, is_region
from cloudtwin.specs.index import ServiceIndex


@pytest.fixture(scope="module")
def rules() -> HostRules:
    return HostRules(ServiceIndex.load(), hostnames=("aws.internal",))


@pytest.mark.parametrize(
    "host,expected",
    [
        ("localhost:4566", HostInfo(known=True)),
        ("localhost", HostInfo(known=True)),
        ("127.0.0.1:4566", HostInfo(known=True)),
        ("localhost.localstack.cloud:4566", HostInfo(known=True)),
        ("sqs.us-east-1.localhost:4566", HostInfo(("sqs",), "us-east-1", known=True)),
        ("sqs.localhost", HostInfo(("sqs",), known=True)),
        ("SQS.US-EAST-1.LOCALHOST:4566", HostInfo(("sqs",), "us-east-1", known=True)),
        ("monitoring.eu-west-1.localhost.localstack.cloud", HostInfo(("cloudwatch",), "eu-west-1", known=True)),
        ("us-west-2.localhost:4566", HostInfo(region="us-west-2", known=True)),
        # service names work too where they differ from the endpoint prefix
        ("cloudwatch.localhost:4566", HostInfo(("cloudwatch",), known=True)),
        # dotted endpoint prefixes, and botocore's host prefixes in front of them
        ("portal.sso.us-east-1.localhost", HostInfo(("sso",), "us-east-1", known=True)),
        ("api.iotsitewise.localhost", HostInfo(("iotsitewise",), known=True)),
        ("data.iotsitewise.us-east-1.localhost", HostInfo(("iotsitewise",), "us-east-1", known=True)),
        # configured host name
        ("sns.ap-south-1.aws.internal:4566", HostInfo(("sns",), "ap-south-1", known=True)),
        ("aws.internal", HostInfo(known=True)),
    ],
)
def test_service_and_region_hints(rules, host, expected):
    assert rules.parse(host) == expected


@pytest.mark.parametrize(
    "host,bucket,region",
    [
        ("s3.localhost:4566", None, None),
        ("s3.us-east-1.localhost:4566", None, "us-east-1"),
        ("my-bucket.s3.localhost:4566", "my-bucket", None),
        ("my-bucket.s3.eu-west-1.localhost", "my-bucket", "eu-west-1"),
        ("my.dotted.bucket.s3.localhost.localstack.cloud:4566", "my.dotted.bucket", None),
        ("us-east-1.s3.localhost", "us-east-1", None),  # a bucket named like a region
        ("b.s3.aws.internal", "b", None),
    ],
)
def test_s3_hosts(rules, host, bucket, region):
    info = rules.parse(host)
    assert (info.services, info.s3, info.bucket, info.region) == (("s3",), True, bucket, region)


def test_unknown_labels_are_a_subdomain_for_the_router_to_judge(rules):
    # A bucket with botocore's virtual addressing against http://localhost:4566, or a host
    # prefix such as S3 Control's account id: nothing here names a service.
    assert rules.parse("my-bucket.localhost:4566") == HostInfo(subdomain="my-bucket", known=True)
    assert rules.parse("123456789012.localhost:4566") == HostInfo(subdomain="123456789012", known=True)


@pytest.mark.parametrize(
    "host",
    ["", "example.com", "sqs.us-east-1.amazonaws.com", "workflows-localhost:4566", "[::1]:4566", "localhostx"],
)
def test_foreign_hosts_give_no_hint(rules, host):
    assert rules.parse(host) == HostInfo()


def test_the_default_names_stay_with_configured_ones():
    rules = HostRules(ServiceIndex.load(), hostnames=("cloud.test",))
    assert rules.parse("sqs.localhost").services == ("sqs",)
    assert rules.parse("sqs.localhost.localstack.cloud").services == ("sqs",)
    assert rules.parse("sqs.cloud.test").services == ("sqs",)
    # a label that names nothing: a subdomain, not a service
    assert rules.parse("sqs.dev.localhost") == HostInfo(subdomain="sqs.dev", known=True)


def test_results_are_cached_per_host(rules):
    assert rules.parse("kms.us-east-1.localhost:4566") is rules.parse("kms.us-east-1.localhost:4566")


@pytest.mark.parametrize("label", ["us-east-1", "eu-central-2", "us-gov-west-1", "cn-north-1", "ap-southeast-5"])
def test_regions(label):
    assert is_region(label)


@pytest.mark.parametrize("label", ["s3", "my-bucket", "us-east", "east-1", "123456789012"])
def test_not_regions(label):
    assert not is_region(label)


def test_an_unsigned_request_acts_in_the_region_its_host_names(endpoint, aws_client):
    """``sqs.eu-west-1.localhost`` with no signature: the queue is made in eu-west-1."""
    import urllib.request

    port = endpoint.rsplit(":", 1)[1]
    request = urllib.request.Request(
        f"{endpoint}/?Action=CreateQueue&QueueName=unsigned-in-eu&Version=2012-11-05",
        headers={"Host": f"sqs.eu-west-1.localhost:{port}"},
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        assert resp.status == 200
    eu = aws_client("sqs", region="eu-west-1").list_queues()["QueueUrls"]
    assert any(url.endswith("/unsigned-in-eu") for url in eu)
    assert "QueueUrls" not in aws_client("sqs", region="us-east-1").list_queues()
