"""The CDK: ``cdk bootstrap`` and ``cdk deploy`` / ``cdk destroy`` of a sample app (a queue, a
table, a Python function from a file asset, a topic with a queue subscription) by the npm
``aws-cdk`` CLI pointed at cloudtwin with ``AWS_ENDPOINT_URL``; the app is used in between.

The app's cloud assembly is checked in (``cdk_app/``, synthesized once with aws-cdk-lib), so only
the CLI is needed: from ``CLOUDTWIN_CDK``, ``~/.cache/cloudtwin-cdk`` (where .ci/run installs it)
or the PATH. The bootstrap is the CLI's standard one, unmodified (its container assets
repository is in cloudtwin's ECR)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

APP = Path(__file__).with_name("cdk_app")


def _cli() -> str:
    for candidate in (os.environ.get("CLOUDTWIN_CDK"), str(Path.home() / ".cache/cloudtwin-cdk/node_modules/.bin/cdk"),
                      shutil.which("cdk")):  # fmt: skip
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("the npm aws-cdk CLI is not installed (.ci/run installs it into ~/.cache/cloudtwin-cdk)")


def test_cdk_bootstrap_deploy_use_destroy(cloudtwin, aws_client, tmp_path):
    cdk = _cli()
    env = dict(os.environ, AWS_ENDPOINT_URL=cloudtwin.endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
               AWS_REGION="us-east-1", AWS_DEFAULT_REGION="us-east-1", CDK_DISABLE_VERSION_CHECK="1")  # fmt: skip

    def run(*args: str) -> str:
        done = subprocess.run([cdk, *args, "--no-notices"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        return done.stdout

    run("bootstrap", "aws://000000000000/us-east-1")
    assert aws_client("ssm").get_parameter(Name="/cdk-bootstrap/hnb659fds/version")["Parameter"]["Value"]
    repository = "cdk-hnb659fds-container-assets-000000000000-us-east-1"
    assert aws_client("ecr").describe_repositories(repositoryNames=[repository])["repositories"][0]["imageTagMutability"] == "IMMUTABLE"

    assembly = tmp_path / "cdk.out"
    shutil.copytree(APP, assembly, ignore=shutil.ignore_patterns("README.txt"))
    run("deploy", "--app", str(assembly), "--require-approval", "never")
    cfn = aws_client("cloudformation")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in cfn.describe_stacks(StackName="SampleApp")["Stacks"][0]["Outputs"]}

    answer = aws_client("lambda").invoke(FunctionName=outputs["FunctionName"])
    assert json.loads(answer["Payload"].read()) == {"ok": True}  # the asset's code, from the bootstrap bucket
    item = aws_client("dynamodb").get_item(TableName=outputs["TableName"], Key={"pk": {"S": "hello"}})
    assert item["Item"] == {"pk": {"S": "hello"}}
    aws_client("sns").publish(TopicArn=outputs["TopicArn"], Message="through the subscription")
    messages = aws_client("sqs").receive_message(QueueUrl=outputs["QueueUrl"], WaitTimeSeconds=5)["Messages"]
    assert json.loads(messages[0]["Body"])["Message"] == "through the subscription"

    run("destroy", "--app", str(assembly), "--force")
    assert aws_client("lambda").list_functions()["Functions"] == []
