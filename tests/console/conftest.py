"""Helpers for the console's tests: plain HTTP to ``/_cloudtwin/ui/...`` (server-side
tests, which run everywhere), and headless Chromium for the browser tests."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest


@dataclass
class Answer:
    status: int
    headers: Any
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def visible(self) -> str:
        """The page's text as a reader sees it: tags dropped, entities decoded."""
        return unescape(re.sub(r"<[^>]+>", " ", self.text))


def fetch(endpoint: str, path: str, *, method: str = "GET", body: Any = None, headers: dict | None = None) -> Answer:
    data = json.dumps(body).encode() if body is not None else None
    hdrs = {"Content-Type": "application/json"} if method == "POST" else {}
    hdrs.update(headers or {})
    request = urllib.request.Request(f"{endpoint}/_cloudtwin/ui{path}", data=data, method=method, headers=hdrs)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


@pytest.fixture
def ui(endpoint: str):
    """``ui("/sqs")`` -> the page's :class:`Answer`; ``ui("/sqs/send", method="POST", body={...})``."""

    def call(path: str = "", **kwargs: Any) -> Answer:
        return fetch(endpoint, path, **kwargs)

    return call
