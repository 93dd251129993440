"""Key material, secrets and SecureStrings survive a restart with a data directory."""

from cloudtwin.clock import Clock
from cloudtwin.config import Config
from cloudtwin.gateway.identity import IdentityRegistry
from cloudtwin.services.registry import ServiceEnvironment, ServiceRegistry
from cloudtwin.specs.catalog import ServiceCatalog
from cloudtwin.state.persistence import SqlitePersistence

ACCOUNT, REGION = "123456789012", "eu-central-1"


def _registry(path):
    env = ServiceEnvironment(
        Config(), ServiceCatalog(), IdentityRegistry(ACCOUNT), clock=Clock(),
        persistence=SqlitePersistence(path),
    )
    return ServiceRegistry(env), env


def test_key_material_and_encrypted_values_survive_a_restart(tmp_path):
    registry, env = _registry(tmp_path)
    call = lambda service, op, params: env.internal.call(service, op, params, account_id=ACCOUNT, region=REGION)  # noqa: E731
    key = call("kms", "CreateKey", {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"})["KeyMetadata"]
    signature = call("kms", "Sign", {"KeyId": key["KeyId"], "Message": b"m", "SigningAlgorithm": "RSASSA_PSS_SHA_256"})["Signature"]
    symmetric = call("kms", "CreateKey", {})["KeyMetadata"]
    call("kms", "RotateKeyOnDemand", {"KeyId": symmetric["KeyId"]})
    blob = call("kms", "Encrypt", {"KeyId": symmetric["KeyId"], "Plaintext": b"kept", "EncryptionContext": {"a": "b"}})["CiphertextBlob"]
    call("secretsmanager", "CreateSecret", {"Name": "s", "SecretString": "value", "ClientRequestToken": "t" * 32})
    call("ssm", "PutParameter", {"Name": "/p", "Value": "hidden", "Type": "SecureString"})
    env.persistence.commit()
    env.persistence.close()

    registry, env = _registry(tmp_path)
    call = lambda service, op, params: env.internal.call(service, op, params, account_id=ACCOUNT, region=REGION)  # noqa: E731
    assert call("kms", "Decrypt", {"CiphertextBlob": blob, "EncryptionContext": {"a": "b"}})["Plaintext"] == b"kept"
    verified = call("kms", "Verify", {"KeyId": key["KeyId"], "Message": b"m", "Signature": signature,
                                      "SigningAlgorithm": "RSASSA_PSS_SHA_256"})
    assert verified["SignatureValid"] is True
    assert call("secretsmanager", "GetSecretValue", {"SecretId": "s"})["SecretString"] == "value"
    assert call("ssm", "GetParameter", {"Name": "/p", "WithDecryption": True})["Parameter"]["Value"] == "hidden"
    assert call("ssm", "GetParametersByPath", {"Path": "/"})["Parameters"][0]["Name"] == "/p"
    env.persistence.close()
