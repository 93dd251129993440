"""Bucket configurations kept by id (analytics, inventory, metrics, intelligent tiering),
replication, lifecycle, website and policy documents: stored, validated and answered as
S3 does (statuses included)."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError


def _error(excinfo) -> tuple[dict, int]:
    response = excinfo.value.response
    return response["Error"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_metrics_configurations_crud_and_pages(s3, bucket):
    for index in range(102):
        config = {"Id": f"m{index:03d}", "Filter": {"Prefix": "logs/"}}
        answer = s3.put_bucket_metrics_configuration(Bucket=bucket, Id=config["Id"], MetricsConfiguration=config)
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204
    first = s3.list_bucket_metrics_configurations(Bucket=bucket)
    assert first["IsTruncated"] and len(first["MetricsConfigurationList"]) == 100
    rest = s3.list_bucket_metrics_configurations(Bucket=bucket, ContinuationToken=first["NextContinuationToken"])
    assert [c["Id"] for c in rest["MetricsConfigurationList"]] == ["m100", "m101"]
    assert rest["ContinuationToken"] == first["NextContinuationToken"] and not rest["IsTruncated"]
    got = s3.get_bucket_metrics_configuration(Bucket=bucket, Id="m001")["MetricsConfiguration"]
    assert got == {"Id": "m001", "Filter": {"Prefix": "logs/"}}
    s3.delete_bucket_metrics_configuration(Bucket=bucket, Id="m001")
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_metrics_configuration(Bucket=bucket, Id="m001")
    assert (_error(excinfo)[0]["Code"], _error(excinfo)[1]) == ("NoSuchConfiguration", 404)


def test_inventory_configuration_is_validated(s3, bucket):
    def config(**changes):
        base = {
            "Id": "inv", "IsEnabled": True, "IncludedObjectVersions": "All",
            "Destination": {"S3BucketDestination": {"Bucket": f"arn:aws:s3:::{bucket}", "Format": "CSV"}},
            "Schedule": {"Frequency": "Daily"},
        }
        base.update(changes)
        return base

    cases = [
        (config(Id="other"), "IdMismatch"),
        (config(Destination={"S3BucketDestination": {"Bucket": bucket, "Format": "CSV"}}), "InvalidS3DestinationBucket"),
        (config(Schedule={"Frequency": "Hourly"}), "MalformedXML"),
        (config(OptionalFields=["Colour"]), "MalformedXML"),
    ]
    for document, code in cases:
        with pytest.raises(ClientError) as excinfo:
            s3.put_bucket_inventory_configuration(Bucket=bucket, Id="inv", InventoryConfiguration=document)
        assert _error(excinfo)[0]["Code"] == code
    s3.put_bucket_inventory_configuration(Bucket=bucket, Id="inv", InventoryConfiguration=config(OptionalFields=["Size"]))
    listed = s3.list_bucket_inventory_configurations(Bucket=bucket)["InventoryConfigurationList"]
    assert listed[0]["OptionalFields"] == ["Size"]


def test_analytics_and_intelligent_tiering_refuse_another_id(s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_analytics_configuration(
            Bucket=bucket, Id="a", AnalyticsConfiguration={"Id": "b", "StorageClassAnalysis": {}})
    assert _error(excinfo)[0]["Code"] == "MalformedXML"
    tiering = {"Id": "t", "Status": "Enabled", "Tierings": [{"Days": 90, "AccessTier": "ARCHIVE_ACCESS"}]}
    s3.put_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="t", IntelligentTieringConfiguration=tiering)
    got = s3.get_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="t")
    assert got["IntelligentTieringConfiguration"] == tiering
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="nope")
    assert _error(excinfo)[0]["Code"] == "NoSuchConfiguration"


def test_replication_needs_versioned_buckets(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.create_bucket(Bucket="replica-target")
    config = {"Role": "arn:aws:iam::000000000000:role/r", "Rules": [{
        "ID": "all", "Priority": 0, "Filter": {}, "Status": "Enabled",
        "Destination": {"Bucket": "arn:aws:s3:::replica-target"},
        "DeleteMarkerReplication": {"Status": "Disabled"},
    }]}
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=config)
    assert _error(excinfo)[0]["Message"] == "Destination bucket must have versioning enabled."
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_replication(Bucket=bucket)
    assert (_error(excinfo)[0]["Code"], _error(excinfo)[1]) == ("ReplicationConfigurationNotFoundError", 404)
    s3.put_bucket_versioning(Bucket="replica-target", VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration=config)
    assert s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Rules"][0]["ID"] == "all"


def test_lifecycle_rules_are_validated(s3, bucket):
    invalid = [
        ({"ID": "r", "Status": "Enabled", "Expiration": {"Days": 1}}, "MalformedXML"),  # no filter
        ({"ID": "r", "Status": "Enabled", "Filter": {"Prefix": "", "ObjectSizeGreaterThan": 5},
          "Expiration": {"Days": 1}}, "MalformedXML"),
        ({"ID": "r", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1, "ExpiredObjectDeleteMarker": True}},
         "MalformedXML"),
        ({"ID": "r", "Status": "Enabled", "Filter": {"And": {"Tags": [
            {"Key": "a", "Value": "1"}, {"Key": "a", "Value": "2"}]}}, "Expiration": {"Days": 1}}, "InvalidRequest"),
        ({"ID": "r", "Status": "Enabled", "Filter": {},
          "Expiration": {"Date": datetime(2030, 1, 1, 2, 0, tzinfo=timezone.utc)}}, "InvalidArgument"),
    ]
    for rule, code in invalid:
        with pytest.raises(ClientError) as excinfo:
            s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [rule]})
        assert _error(excinfo)[0]["Code"] == code, rule


def test_lifecycle_expiration_is_announced_on_objects(s3, bucket):
    s3.put_object(Bucket=bucket, Key="logs/old", Body=b"x")
    answer = s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "expire-logs", "Status": "Enabled", "Filter": {"Prefix": "logs/"}, "Expiration": {"Days": 3}}]})
    assert answer["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert got["TransitionDefaultMinimumObjectSize"] == "all_storage_classes_128K"
    head = s3.head_object(Bucket=bucket, Key="logs/old")
    assert 'rule-id="expire-logs"' in head["Expiration"] and head["Expiration"].startswith('expiry-date="')
    assert "Expiration" in s3.put_object(Bucket=bucket, Key="logs/new", Body=b"y")
    assert "Expiration" not in s3.put_object(Bucket=bucket, Key="other", Body=b"y")


def test_website_configuration_is_validated(s3, bucket):
    cases = [
        ({"IndexDocument": {"Suffix": "a/index.html"}}, "The IndexDocument Suffix is not well formed"),
        ({"ErrorDocument": {"Key": "error.html"}},
         "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty"),
        ({"RedirectAllRequestsTo": {"HostName": "example.com"}, "IndexDocument": {"Suffix": "index.html"}},
         "RedirectAllRequestsTo cannot be provided in conjunction with other Routing Rules."),
        ({"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": [
            {"Redirect": {"ReplaceKeyPrefixWith": "a", "ReplaceKeyWith": "b"}}]},
         "You can only define ReplaceKeyPrefix or ReplaceKey but not both."),
    ]
    for document, message in cases:
        with pytest.raises(ClientError) as excinfo:
            s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=document)
        assert _error(excinfo)[0]["Message"] == message


def test_policy_and_tagging_puts_answer_204(s3, bucket):
    policy = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}]})
    assert s3.put_bucket_policy(Bucket=bucket, Policy=policy)["ResponseMetadata"]["HTTPStatusCode"] == 204
    tagged = s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "a", "Value": "b"}]})
    assert tagged["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={})
    assert _error(excinfo)[0]["Code"] == "IllegalVersioningConfigurationException"


def test_public_access_block_fills_unset_flags(s3, bucket):
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicAcls": True})
    got = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert got == {"BlockPublicAcls": True, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
                   "RestrictPublicBuckets": False}
