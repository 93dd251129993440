"""The AWS CLI's high-level commands (`aws s3 cp/sync/ls/rm`) against cloudtwin."""

import os
import subprocess
import sys

import pytest


@pytest.fixture
def aws(endpoint, tmp_path):
    env = dict(os.environ)
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
    )

    def run(*args: str) -> str:
        out = subprocess.run(
            [sys.executable, "-m", "awscli", *args, "--endpoint-url", endpoint],
            capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    return run


def test_cp_sync_ls_rm(aws, s3, tmp_path):
    s3.create_bucket(Bucket="cli-bucket")  # each CLI start costs ~1 s: only what matters runs in it
    src = tmp_path / "src"
    (src / "nested").mkdir(parents=True)
    (src / "a.txt").write_bytes(b"alpha")
    (src / "nested" / "b.txt").write_bytes(b"beta" * 1000)
    big = src / "big.bin"
    big.write_bytes(os.urandom(9 * 1024 * 1024))  # multipart in the CLI (8 MiB threshold)
    aws("s3", "cp", str(src / "a.txt"), "s3://cli-bucket/single/a.txt")
    assert s3.get_object(Bucket="cli-bucket", Key="single/a.txt")["Body"].read() == b"alpha"
    aws("s3", "sync", str(src), "s3://cli-bucket/synced")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="cli-bucket", Prefix="synced/")["Contents"])
    assert keys == ["synced/a.txt", "synced/big.bin", "synced/nested/b.txt"]
    assert s3.head_object(Bucket="cli-bucket", Key="synced/big.bin")["ETag"].endswith('-2"')
    listing = aws("s3", "ls", "s3://cli-bucket/synced/")
    assert "PRE nested/" in listing and "a.txt" in listing
    dest = tmp_path / "dest"
    aws("s3", "sync", "s3://cli-bucket/synced", str(dest))
    assert (dest / "nested" / "b.txt").read_bytes() == b"beta" * 1000
    assert (dest / "big.bin").read_bytes() == big.read_bytes()
