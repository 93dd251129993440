"""S3's CloudFormation resource handlers, checked through S3's API."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from cloudtwin.deployment.handler import UpdateNeedsReplacement
from cloudtwin.protocol.errors import ServiceError


def test_bucket_with_generated_name_and_configurations(handlers, aws_client):
    s3, sqs = aws_client("s3"), aws_client("sqs")
    url = sqs.create_queue(QueueName="events")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bucket = handlers.create("AWS::S3::Bucket", {
        "VersioningConfiguration": {"Status": "Enabled"},
        "NotificationConfiguration": {"QueueConfigurations": [{
            "Event": "s3:ObjectCreated:*", "Queue": queue_arn,
            "Filter": {"S3Key": {"Rules": [{"Name": "suffix", "Value": ".txt"}]}},
        }]},
        "CorsConfiguration": {"CorsRules": [{"AllowedMethods": ["GET"], "AllowedOrigins": ["*"], "MaxAge": "60"}]},
        "LifecycleConfiguration": {"Rules": [{"Id": "expire", "Status": "Enabled", "Prefix": "tmp/", "ExpirationInDays": 1}]},
        "WebsiteConfiguration": {"IndexDocument": "index.html", "ErrorDocument": "error.html"},
        "Tags": [{"Key": "team", "Value": "a"}],
    }, logical_id="MyBucket")
    name = bucket.physical_id
    assert name.startswith("test-stack-mybucket-") and name == name.lower() and len(name) <= 63
    assert bucket.attributes == {
        "Arn": f"arn:aws:s3:::{name}",
        "DomainName": f"{name}.s3.amazonaws.com",
        "DualStackDomainName": f"{name}.s3.dualstack.us-east-1.amazonaws.com",
        "RegionalDomainName": f"{name}.s3.us-east-1.amazonaws.com",
        "WebsiteURL": f"http://{name}.s3-website-us-east-1.amazonaws.com",
    }
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    notification = s3.get_bucket_notification_configuration(Bucket=name)["QueueConfigurations"][0]
    assert notification["QueueArn"] == queue_arn
    assert notification["Filter"]["Key"]["FilterRules"] == [{"Name": "Suffix", "Value": ".txt"}]
    assert s3.get_bucket_cors(Bucket=name)["CORSRules"][0]["MaxAgeSeconds"] == 60
    rule = s3.get_bucket_lifecycle_configuration(Bucket=name)["Rules"][0]
    assert rule["Expiration"] == {"Days": 1} and rule["Filter"] == {"Prefix": "tmp/"}
    assert s3.get_bucket_website(Bucket=name)["IndexDocument"] == {"Suffix": "index.html"}
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
    assert tags["team"] == "a" and tags["aws:cloudformation:stack-name"] == "test-stack"

    s3.put_object(Bucket=name, Key="a.txt", Body=b"x")
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages")

    props = {k: v for k, v in bucket.properties.items() if k not in ("CorsConfiguration", "WebsiteConfiguration")}
    props["VersioningConfiguration"] = {"Status": "Suspended"}
    updated = handlers.update(bucket, props)
    assert updated.physical_id == name
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Suspended"
    with pytest.raises(ClientError):
        s3.get_bucket_cors(Bucket=name)
    with pytest.raises(ClientError):
        s3.get_bucket_website(Bucket=name)
    with pytest.raises(UpdateNeedsReplacement):
        handlers.update(updated, {**props, "BucketName": "another"})

    with pytest.raises(ServiceError) as err:  # not empty: AWS refuses too
        handlers.delete(updated)
    assert err.value.code == "BucketNotEmpty"


def test_empty_bucket_deleted_and_policy(handlers, aws_client):
    s3 = aws_client("s3")
    bucket = handlers.create("AWS::S3::Bucket", {"BucketName": "named-bucket"})
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::named-bucket/*",
    }]}
    bucket_policy = handlers.create("AWS::S3::BucketPolicy", {"Bucket": "named-bucket", "PolicyDocument": policy})
    assert bucket_policy.physical_id == "named-bucket"
    assert json.loads(s3.get_bucket_policy(Bucket="named-bucket")["Policy"]) == policy
    handlers.delete(bucket_policy)
    with pytest.raises(ClientError):
        s3.get_bucket_policy(Bucket="named-bucket")
    handlers.delete(bucket)
    assert "named-bucket" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    handlers.delete(bucket)


def test_stack_bucket_outputs_and_policy(stack, aws_client):
    template = {
        "Resources": {
            "Bucket": {"Type": "AWS::S3::Bucket", "Properties": {"VersioningConfiguration": {"Status": "Enabled"}}},
            "Policy": {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "Bucket"}, "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                                                        "Resource": {"Fn::Sub": "${Bucket.Arn}/*"}}]}}},
        },
        "Outputs": {k: {"Value": {"Fn::GetAtt": ["Bucket", k]}}
                    for k in ("Arn", "DomainName", "RegionalDomainName", "WebsiteURL")} | {"Name": {"Value": {"Ref": "Bucket"}}},
    }  # fmt: skip
    _, out = stack(template, name="Site")
    name = out["Name"]
    assert name.startswith("site-bucket-") and name == name.lower()
    assert out["Arn"] == f"arn:aws:s3:::{name}" and out["RegionalDomainName"] == f"{name}.s3.us-east-1.amazonaws.com"
    s3 = aws_client("s3")
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    assert json.loads(s3.get_bucket_policy(Bucket=name)["Policy"])["Statement"][0]["Resource"] == f"arn:aws:s3:::{name}/*"
