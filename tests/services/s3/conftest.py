"""Fixtures of the S3 tests: clients in both addressing styles and a fresh bucket."""

from __future__ import annotations

import uuid

import pytest
from botocore.config import Config


@pytest.fixture
def s3(aws_client):
    return aws_client("s3", config=Config(s3={"addressing_style": "path"}))


@pytest.fixture
def s3_virtual(aws_client):
    return aws_client("s3", config=Config(s3={"addressing_style": "virtual"}))


@pytest.fixture
def bucket(s3) -> str:
    name = f"bucket-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name
