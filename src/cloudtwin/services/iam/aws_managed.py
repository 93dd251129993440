"""The AWS managed policies cloudtwin knows, as data (a small, commonly attached set).

They exist in every account at ``arn:<partition>:iam::aws:policy<path><name>``; their
documents here are faithful in intent (what they allow) though not byte-for-byte AWS's.
"""

from __future__ import annotations

import json
from types import MappingProxyType
from typing import Mapping, NamedTuple


class AwsPolicy(NamedTuple):
    path: str
    document: str
    description: str
    id: str


def _doc(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=4)


def _allow(actions: str | list[str], resource: str = "*") -> dict:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


AWS_MANAGED: Mapping[str, AwsPolicy] = MappingProxyType(
    {
        "AdministratorAccess": AwsPolicy(
            "/", _doc(_allow("*")),
            "Provides full access to AWS services and resources.", "ANPAIWMBCKSKIEE64ZLYK",
        ),
        "ReadOnlyAccess": AwsPolicy(
            "/", _doc(_allow(["*:Get*", "*:List*", "*:Describe*", "*:BatchGet*", "*:Head*"])),
            "Provides read-only access to AWS services and resources.", "ANPAILL3HVNFSB6DCOWYQ",
        ),
        "PowerUserAccess": AwsPolicy(
            "/",
            _doc(
                {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
                 "Resource": "*"},
                _allow(["iam:CreateServiceLinkedRole", "iam:DeleteServiceLinkedRole",
                        "iam:ListRoles", "organizations:DescribeOrganization",
                        "account:ListRegions"]),
            ),
            "Provides full access to AWS services and resources, but does not allow "
            "management of Users and groups.", "ANPAJYRXTHIB4FOVS3ZXS",
        ),
        "IAMFullAccess": AwsPolicy(
            "/", _doc(_allow(["iam:*", "organizations:DescribeAccount"])),
            "Provides full access to IAM via the AWS Management Console.", "ANPAI7XKCFMBPM3QQRRVQ",
        ),
        "IAMReadOnlyAccess": AwsPolicy(
            "/", _doc(_allow(["iam:GenerateCredentialReport", "iam:Get*", "iam:List*",
                              "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy"])),
            "Provides read only access to IAM via the AWS Management Console.",
            "ANPAJKSO7NDY4T57MWDSQ",
        ),
        "AmazonS3FullAccess": AwsPolicy(
            "/", _doc(_allow(["s3:*", "s3-object-lambda:*"])),
            "Provides full access to all buckets via the AWS Management Console.",
            "ANPAIFIR6V6BVTRAHWINE",
        ),
        "AmazonS3ReadOnlyAccess": AwsPolicy(
            "/", _doc(_allow(["s3:Get*", "s3:List*", "s3:Describe*",
                              "s3-object-lambda:Get*", "s3-object-lambda:List*"])),
            "Provides read only access to all buckets via the AWS Management Console.",
            "ANPAIZTJ4DXE7G6AGAE6M",
        ),
        "AmazonSQSFullAccess": AwsPolicy(
            "/", _doc(_allow("sqs:*")),
            "Provides full access to Amazon SQS via the AWS Management Console.",
            "ANPAI65L554VRJ33ECQS6",
        ),
        "AmazonSNSFullAccess": AwsPolicy(
            "/", _doc(_allow("sns:*")),
            "Provides full access to Amazon SNS via the AWS Management Console.",
            "ANPAJWEKLCXXUNT2SOLSG",
        ),
        "AmazonDynamoDBFullAccess": AwsPolicy(
            "/", _doc(_allow("dynamodb:*")),
            "Provides full access to Amazon DynamoDB via the AWS Management Console.",
            "ANPAINUGF2JSOSUY76KYA",
        ),
        "AWSLambda_FullAccess": AwsPolicy(
            "/", _doc(_allow(["lambda:*", "logs:*", "iam:PassRole"])),
            "Grants full access to AWS Lambda service.", "ANPAZKAPJZG4KRHQCC7QM",
        ),
        "AWSLambdaBasicExecutionRole": AwsPolicy(
            "/service-role/",
            _doc(_allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])),
            "Provides write permissions to CloudWatch Logs.", "ANPAJNCQGXC42545SKXIK",
        ),
        "SecretsManagerReadWrite": AwsPolicy(
            "/", _doc(_allow(["secretsmanager:*", "kms:DescribeKey", "kms:ListAliases",
                              "kms:ListKeys"])),
            "Provides read/write access to AWS Secrets Manager via the AWS Management Console.",
            "ANPAJTENXN5WURZD2ZZJS",
        ),
        "AmazonSSMReadOnlyAccess": AwsPolicy(
            "/", _doc(_allow(["ssm:Describe*", "ssm:Get*", "ssm:List*"])),
            "Provides read only access to Amazon SSM.", "ANPAJODSKQGGJTHRYZ5FC",
        ),
    }
)


def aws_policy_arn(partition: str, name: str) -> str:
    return f"arn:{partition}:iam::aws:policy{AWS_MANAGED[name].path}{name}"


def aws_policy_by_arn(arn: str) -> tuple[str, AwsPolicy] | None:
    """The (name, policy) an ``arn:…:iam::aws:policy/...`` ARN names, if cloudtwin knows it."""
    marker = ":iam::aws:policy/"
    at = arn.find(marker)
    if at < 0:
        return None
    name = arn.rsplit("/", 1)[-1]
    policy = AWS_MANAGED.get(name)
    if policy is None or arn[at + len(marker) - 1 :] != policy.path + name:
        return None
    return name, policy


def document_json(text: str) -> dict:
    return json.loads(text)
