"""The AWS SDK for JavaScript v3 against cloudtwin: S3 (the default settings the README
documents), DynamoDB's DocumentClient, SQS and SNS, in the node project beside this file
(versions pinned by its package-lock.json), run with node's own test runner.

``npm ci`` runs when ``node_modules`` is missing or was installed from another lockfile
(it is kept, git-ignored, between runs). Skipped only when node or npm is not installed.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
MODULES = HERE / "node_modules"
STAMP = MODULES / ".cloudtwin-lock-sha256"

NODE, NPM = shutil.which("node"), shutil.which("npm")
pytestmark = pytest.mark.skipif(not (NODE and NPM), reason="node and npm are not installed")


def _install() -> None:
    digest = hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    done = subprocess.run(
        [NPM, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, f"npm ci failed:\n{done.stdout}\n{done.stderr}"
    STAMP.write_text(digest)


def test_javascript_sdk_v3(endpoint: str) -> None:
    _install()
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("AWS_") and key not in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")
    }
    env.update(
        AWS_ENDPOINT_URL=endpoint, AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
        AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        NO_PROXY="*", NODE_NO_WARNINGS="1",
    )
    files = sorted(str(p.name) for p in HERE.glob("*.test.mjs"))
    assert len(files) >= 3
    done = subprocess.run(
        [NODE, "--test", "--test-reporter=spec", *files], cwd=HERE, env=env,
        capture_output=True, text=True, timeout=300,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "ℹ fail 0" in output and "ℹ pass 0" not in output, output
