"""Small helpers of the API Gateway tests (imported by name, as lambda_helpers is)."""

from __future__ import annotations


def lambda_uri(arn: str, region: str = "us-east-1") -> str:
    """The integration URI of a Lambda function."""
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
