"""Documents the set-ups of several services hand over: an allow-all identity policy and a
role trust policy that lets the account assume the role."""

from __future__ import annotations

from cloudtwin.conformance.resources import ACCOUNT

POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'

TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         f'{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},"Action":"sts:AssumeRole"}}]}}')
