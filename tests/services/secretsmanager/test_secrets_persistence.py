"""With --data-dir, secret values survive a restart, and never sit in clear on disk: the data
dir holds them sealed with a KMS data key (and only the ciphertext of that key)."""

import base64
import os

import boto3

from cloudtwin.config import Config
from cloudtwin.testing.server import ServerThread, free_port


def _client(endpoint):
    return boto3.client(
        "secretsmanager", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )


def test_secret_values_survive_a_restart_sealed(tmp_path):
    data_dir = tmp_path / "state"
    text = "correct horse battery staple " + os.urandom(8).hex()
    blob = b"\x00binary secret\xff" + os.urandom(16)
    config = Config(port=free_port(), log_level="warning", data_dir=str(data_dir))
    with ServerThread(config) as server:
        sm = _client(server.endpoint)
        sm.create_secret(Name="app/db", SecretString=text)
        sm.create_secret(Name="app/cert", SecretBinary=blob)
        sm.close()
    on_disk = b"".join(p.read_bytes() for p in data_dir.rglob("*") if p.is_file())
    for clear in (text.encode(), blob, base64.b64encode(blob), base64.b64encode(text.encode())):
        assert clear not in on_disk
    with ServerThread(Config(port=free_port(), log_level="warning", data_dir=str(data_dir))) as server:
        sm = _client(server.endpoint)
        assert sm.get_secret_value(SecretId="app/db")["SecretString"] == text
        assert sm.get_secret_value(SecretId="app/cert")["SecretBinary"] == blob
        sm.close()
