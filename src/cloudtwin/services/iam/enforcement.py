"""Naming a request for IAM: its action (``sqs:CreateQueue``) and the resource it acts on.

The action prefix is the service's signing name, except where IAM uses another one. The
resource ARN is derived from the parameters that name a resource (a queue URL, a bucket,
a table, any ``...Arn`` member); where none does, it is ``*`` (coarse, but a policy with
``"Resource": "*"`` still decides correctly).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

#: Services whose IAM action prefix is not their signing name.
_ACTION_PREFIX = {
    "monitoring": "cloudwatch",
    "email": "ses",
    "execute-api": "apigateway",
}

_NAME_ARNS: dict[str, tuple[tuple[str, str], ...]] = {
    # service: ((parameter, ARN template), ...) with {p} partition, {r} region, {a} account, {v} value
    "sqs": (("QueueName", "arn:{p}:sqs:{r}:{a}:{v}"),),
    "s3": (("Bucket", "arn:{p}:s3:::{v}"),),
    "dynamodb": (("TableName", "arn:{p}:dynamodb:{r}:{a}:table/{v}"),),
    "lambda": (("FunctionName", "arn:{p}:lambda:{r}:{a}:function:{v}"),),
    "sns": (("Name", "arn:{p}:sns:{r}:{a}:{v}"),),
    "iam": (
        ("UserName", "arn:{p}:iam::{a}:user/{v}"),
        ("RoleName", "arn:{p}:iam::{a}:role/{v}"),
        ("GroupName", "arn:{p}:iam::{a}:group/{v}"),
    ),
    "secretsmanager": (("SecretId", "arn:{p}:secretsmanager:{r}:{a}:secret:{v}"),),
    "ssm": (("Name", "arn:{p}:ssm:{r}:{a}:parameter/{v}"),),
    "kms": (("KeyId", "arn:{p}:kms:{r}:{a}:key/{v}"),),
}


def action_prefix(signing_name: str) -> str:
    return _ACTION_PREFIX.get(signing_name, signing_name)


def resource_arn(
    service: str, params: dict[str, Any], partition: str, region: str, account: str
) -> str:
    """The ARN of the resource a request acts on, or ``*``."""
    url = params.get("QueueUrl")
    if isinstance(url, str) and url:
        parts = urlparse(url).path.strip("/").split("/")
        if len(parts) == 2:
            return f"arn:{partition}:sqs:{region}:{parts[0]}:{parts[1]}"
    for name, value in params.items():
        if name.endswith("Arn") and isinstance(value, str) and value.startswith("arn:"):
            return value
    for name, template in _NAME_ARNS.get(service, ()):
        value = params.get(name)
        if isinstance(value, str) and value:
            if value.startswith("arn:"):
                return value
            if service == "s3" and isinstance(params.get("Key"), str):
                value = f"{value}/{params['Key']}"
            if service == "ssm":
                value = value.lstrip("/")
            return template.format(p=partition, r=region, a=account, v=value)
    return "*"
