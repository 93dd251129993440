"""Functions invoked by the services cloudtwin has, each gated by the function's resource
policy as AWS does: SNS subscriptions, and Secrets Manager rotation (the four steps)."""

from __future__ import annotations

import json

from lambda_helpers import eventually

RECORD_TO_QUEUE = """
import json, boto3
def handler(event, context):
    sqs = boto3.client("sqs")
    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName="triggered")["QueueUrl"], MessageBody=json.dumps(event))
"""


def _received(sqs, url):
    return eventually(lambda: sqs.receive_message(QueueUrl=url).get("Messages"), 30)


def test_sns_invokes_a_subscribed_function_with_the_sns_event(lam, deploy, aws_client):
    sqs, sns = aws_client("sqs"), aws_client("sns")
    url = sqs.create_queue(QueueName="triggered")["QueueUrl"]
    arn = deploy("on-sns", {"app.py": RECORD_TO_QUEUE})["FunctionArn"]
    topic = sns.create_topic(Name="news")["TopicArn"]
    lam.add_permission(FunctionName="on-sns", StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic)  # fmt: skip
    sub = sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)["SubscriptionArn"]
    sns.publish(TopicArn=topic, Message="hello", Subject="greeting",
                MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}})  # fmt: skip
    event = json.loads(_received(sqs, url)[0]["Body"])
    record = event["Records"][0]
    assert record["EventSource"] == "aws:sns" and record["EventSubscriptionArn"] == sub
    assert record["Sns"]["Message"] == "hello" and record["Sns"]["Subject"] == "greeting"
    assert record["Sns"]["TopicArn"] == topic
    assert record["Sns"]["MessageAttributes"]["kind"] == {"Type": "String", "Value": "test"}


def test_sns_does_not_invoke_a_function_whose_policy_does_not_allow_it(lam, deploy, aws_client, endpoint):
    import urllib.request

    sqs, sns = aws_client("sqs"), aws_client("sns")
    url = sqs.create_queue(QueueName="triggered")["QueueUrl"]
    arn = deploy("closed", {"app.py": RECORD_TO_QUEUE})["FunctionArn"]
    topic = sns.create_topic(Name="closed-news")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=arn)
    sns.publish(TopicArn=topic, Message="nobody hears this")

    def failed():
        with urllib.request.urlopen(f"{endpoint}/_cloudtwin/sns/deliveries?topic={topic}", timeout=5) as resp:
            doc = json.loads(resp.read())
        records = doc if isinstance(doc, list) else doc.get("deliveries", [])
        return [r for r in records if r["status"] in ("failed", "retrying", "dead-lettered")]

    assert eventually(failed, 10)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


ROTATOR = """
import json, boto3
def handler(event, context):
    sm = boto3.client("secretsmanager")
    arn, token, step = event["SecretId"], event["ClientRequestToken"], event["Step"]
    # As AWS's rotation templates do: the token must already be a version staged for rotation.
    stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
    if token not in stages or ("AWSPENDING" not in stages[token] and "AWSCURRENT" not in stages[token]):
        raise ValueError("Secret version %s has no stage for rotation" % token)
    if step == "createSecret":
        try:
            sm.get_secret_value(SecretId=arn, VersionId=token, VersionStage="AWSPENDING")
        except sm.exceptions.ResourceNotFoundException:
            value = json.loads(sm.get_secret_value(SecretId=arn, VersionStage="AWSCURRENT")["SecretString"])
            value["password"] = sm.get_random_password(ExcludePunctuation=True)["RandomPassword"]
            sm.put_secret_value(SecretId=arn, ClientRequestToken=token, SecretString=json.dumps(value),
                                VersionStages=["AWSPENDING"])
    elif step == "finishSecret":
        stages = sm.describe_secret(SecretId=arn)["VersionIdsToStages"]
        current = next(v for v, s in stages.items() if "AWSCURRENT" in s)
        if current != token:
            sm.update_secret_version_stage(SecretId=arn, VersionStage="AWSCURRENT", MoveToVersionId=token,
                                           RemoveFromVersionId=current)
"""


def test_secrets_manager_rotation_runs_the_four_steps(lam, deploy, aws_client):
    sm = aws_client("secretsmanager")
    secret = sm.create_secret(Name="db-password", SecretString=json.dumps({"user": "app", "password": "old"}))
    arn = deploy("rotator", {"app.py": ROTATOR}, Timeout=30)["FunctionArn"]
    from botocore.exceptions import ClientError
    import pytest

    with pytest.raises(ClientError) as err:  # no permission for Secrets Manager yet
        sm.rotate_secret(SecretId="db-password", RotationLambdaARN=arn, RotationRules={"AutomaticallyAfterDays": 30})
    assert err.value.response["Error"]["Code"] == "AccessDeniedException"
    lam.add_permission(FunctionName="rotator", StatementId="sm", Action="lambda:InvokeFunction",
                       Principal="secretsmanager.amazonaws.com")  # fmt: skip
    rotated = sm.rotate_secret(SecretId="db-password", RotationLambdaARN=arn,
                               RotationRules={"AutomaticallyAfterDays": 30})  # fmt: skip

    def done():
        stages = sm.describe_secret(SecretId="db-password")["VersionIdsToStages"]
        return stages.get(rotated["VersionId"]) == ["AWSCURRENT"] and stages

    stages = eventually(done, 60)
    assert stages[secret["VersionId"]] == ["AWSPREVIOUS"]
    value = json.loads(sm.get_secret_value(SecretId="db-password")["SecretString"])
    assert value["user"] == "app" and value["password"] != "old"
    assert "LastRotatedDate" in sm.describe_secret(SecretId="db-password")


def test_s3_notifications_invoke_a_function_its_policy_lets_s3_invoke(lam, deploy, aws_client):
    import pytest
    from botocore.exceptions import ClientError

    sqs, s3 = aws_client("sqs"), aws_client("s3")
    url = sqs.create_queue(QueueName="triggered")["QueueUrl"]
    arn = deploy("on-upload", {"app.py": RECORD_TO_QUEUE})["FunctionArn"]
    s3.create_bucket(Bucket="uploads-bucket")
    config = {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
                                                "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".csv"}]}}}]}
    with pytest.raises(ClientError) as err:  # S3 may not invoke the function yet
        s3.put_bucket_notification_configuration(Bucket="uploads-bucket", NotificationConfiguration=config)
    assert err.value.response["Error"]["Code"] == "InvalidArgument"
    lam.add_permission(FunctionName="on-upload", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::uploads-bucket")  # fmt: skip
    s3.put_bucket_notification_configuration(Bucket="uploads-bucket", NotificationConfiguration=config)
    s3.put_object(Bucket="uploads-bucket", Key="skip.txt", Body=b"no")
    s3.put_object(Bucket="uploads-bucket", Key="data/rows.csv", Body=b"a,b")
    event = json.loads(_received(sqs, url)[0]["Body"])
    record = event["Records"][0]
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["s3"]["bucket"]["name"] == "uploads-bucket" and record["s3"]["object"]["key"] == "data/rows.csv"
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # the .txt upload matched no filter
