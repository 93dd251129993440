"""The console's pages, one module per family of services:

    overview.py    dashboard, request log, clock and reset
    messaging.py   SQS, SNS
    storage.py     S3, DynamoDB
    security.py    KMS, Secrets Manager, SSM Parameter Store, IAM, Cognito user pools
    compute.py     Lambda, CloudWatch Logs
    streams.py     EventBridge, Kinesis
    generic.py     any other implemented service

``SERVICE_PAGES`` maps a botocore service name to its page; the navigation is made from
the registry's implemented services, so a service without an entry here still gets the
generic page.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from cloudtwin.console.pages import compute, messaging, security, storage, streams
from cloudtwin.console.pages.base import Page, ServicePage

__all__ = ["SERVICE_PAGES", "Page", "ServicePage"]

SERVICE_PAGES: Mapping[str, ServicePage] = MappingProxyType(
    {page.service: page for module in (messaging, storage, security, compute, streams) for page in module.PAGES}
)
