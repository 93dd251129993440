"""What kms needs before its operations run: one key of each usage, and what the
cryptographic operations must be handed to succeed (a ciphertext, a signature and a MAC made
by the set-up, a peer public key, a KEM ciphertext, a grant and its token).

Keys, by the operations that get them (``overrides``)::

    key_id      SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT  everything else (the default)
    sign_key    ECC_NIST_P256 / SIGN_VERIFY          Sign, Verify, GetPublicKey
    mac_key     HMAC_256 / GENERATE_VERIFY_MAC       GenerateMac, VerifyMac
    agree_key   ECC_NIST_P256 / KEY_AGREEMENT        DeriveSharedSecret (with its own public key)
    kem_key     ML_KEM_768 / ENCAPSULATE_DECAPSULATE Encapsulate, Decapsulate
    ext_key     Origin EXTERNAL (pending import)     GetParametersForImport, ImportKeyMaterial,
                                                     DeleteImportedKeyMaterial
    mrk_key     multi-Region, replicated to us-west-2  ReplicateKey, UpdatePrimaryRegion
    pending_key scheduled for deletion               CancelKeyDeletion

Algorithm members are pinned to the one the operation's key takes, except where a variant is
about them (an enum variant naming ``RSASSA_PSS_SHA_256`` still gets the ECC key, and AWS's
``InvalidKeyUsageException``: a member value cannot depend on another one yet).

The signing key of the shared set-up is ECC (an RSA key pair costs ~0.2 s to make, and the
set-up runs again after every change); ``Sign`` alone gets an RSA key, made only before its
variants (``Step.operations``), because an RSA key takes six of the thirteen signing
algorithms where an ECC one takes one. ``Verify`` keeps the ECC key: its signature is made by
the set-up with one algorithm, so a variant naming another one fails verification either way.
No GetParametersForImport is sent (it makes an RSA wrapping key): ImportKeyMaterial cannot
succeed anyway, its material must be wrapped under that key on the client's side.

``defaults`` give the members AWS needs although the model marks them optional (a grantee, a
ciphertext, a data key size, a grant token to retire); of the members AWS takes one of
(``exclusive``), the one the variant is not about is dropped where both would be sent.
"""

from __future__ import annotations

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import ACCOUNT, DROP, RoundTrip, ServiceSetup, Step
from cloudtwin.conformance.setups.documents import POLICY

ROOT = f"arn:aws:iam::{ACCOUNT}:root"
#: 32 bytes: a RAW message, and a valid SHA-256 digest for a variant about MessageType=DIGEST.
MESSAGE = b"cloudtwin conformance message 32"
#: The region the multi-Region key is replicated to by the set-up (UpdatePrimaryRegion's
#: target), and the one ReplicateKey variants replicate to.
REPLICA = "us-west-2"
NEW_REPLICA = "eu-west-1"

_SIGNING = {"KeyId": "{sign_key}", "SigningAlgorithm": "ECDSA_SHA_256", "Message": MESSAGE,
            "MessageType": "RAW"}
_MAC = {"KeyId": "{mac_key}", "MacAlgorithm": "HMAC_SHA_256", "Message": MESSAGE}
_KEM = {"KeyId": "{kem_key}", "EncapsulationAlgorithm": "ML_KEM"}
_RSA_SIGNING = {**_SIGNING, "KeyId": "{rsa_sign_key}", "SigningAlgorithm": "RSASSA_PSS_SHA_256"}

SETUP = ServiceSetup(
    steps=(
        Step("CreateKey", {}, {"key_id": "KeyMetadata.KeyId", "key_arn": "KeyMetadata.Arn"}),
        Step("CreateAlias", {"AliasName": "{alias}", "TargetKeyId": "{key_id}"}),
        Step("Encrypt", {"KeyId": "{key_id}", "Plaintext": b"hello"}, {"blob": "CiphertextBlob"}),
        Step("CreateGrant", {"KeyId": "{key_id}", "GranteePrincipal": ROOT, "RetiringPrincipal": ROOT,
                             "Operations": ["Encrypt", "Decrypt"]},
             {"grant_id": "GrantId", "grant_token": "GrantToken"}),
        Step("CreateKey", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}, {"sign_key": "KeyMetadata.KeyId"}),
        Step("Sign", _SIGNING, {"signature": "Signature"}),
        Step("CreateKey", {"KeySpec": "RSA_2048", "KeyUsage": "SIGN_VERIFY"},
             {"rsa_sign_key": "KeyMetadata.KeyId"}, operations=("Sign",)),
        Step("CreateKey", {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
             {"mac_key": "KeyMetadata.KeyId"}),
        Step("GenerateMac", _MAC, {"mac": "Mac"}),
        Step("CreateKey", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"},
             {"agree_key": "KeyMetadata.KeyId"}),
        Step("GetPublicKey", {"KeyId": "{agree_key}"}, {"agree_public": "PublicKey"}),
        Step("CreateKey", {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"},
             {"kem_key": "KeyMetadata.KeyId"}),
        Step("Encapsulate", _KEM, {"kem_blob": "SharedSecretCiphertextBlob"}),
        Step("CreateKey", {"Origin": "EXTERNAL"}, {"ext_key": "KeyMetadata.KeyId"}),
        Step("CreateKey", {"MultiRegion": True}, {"mrk_key": "KeyMetadata.KeyId"}),
        Step("ReplicateKey", {"KeyId": "{mrk_key}", "ReplicaRegion": REPLICA}),
        Step("CreateKey", {}, {"pending_key": "KeyMetadata.KeyId"}),
        Step("ScheduleKeyDeletion", {"KeyId": "{pending_key}", "PendingWindowInDays": 7}),
    ),
    members={"KeyId": "{key_id}", "TargetKeyId": "{key_id}", "DestinationKeyId": "{key_id}",
             "SourceKeyId": "{key_id}", "AliasName": "{alias}", "CiphertextBlob": "{blob}",
             "SourceCiphertextBlob": "{blob}", "GrantId": "{grant_id}",
             "GranteePrincipal": ROOT, "RetiringPrincipal": ROOT, "PolicyName": "default",
             "Policy": POLICY, "GrantTokens": ["{grant_token}"],
             # DryRun=true stops every request before its work with DryRunOperationException:
             # the variants not about it run for real (and DryRunModifiers only go with it).
             "DryRun": False, "DryRunModifiers": DROP,
             # An attestation document is signed by the Nitro hypervisor: a made-up one is
             # refused by design, and cloudtwin has no enclave to attest.
             "Recipient": DROP},
    names={"AliasName": ("alias", "alias/ct-key")},
    overrides={
        "CreateAlias": {"AliasName": "alias/ct-new-{n}"},
        # A custom key store needs a CloudHSM cluster or an external key store proxy, neither
        # of which exists locally: where it is optional, an id can only name nothing.
        # CustomerMasterKeySpec is the deprecated twin of KeySpec: AWS refuses both in one
        # request, so it is only sent in the variants about it.
        "CreateKey": {"CustomKeyStoreId": DROP, "XksKeyId": DROP, "Origin": "AWS_KMS", "KeyUsage": "ENCRYPT_DECRYPT",
                      "CustomerMasterKeySpec": DROP},
        "GenerateRandom": {"CustomKeyStoreId": DROP},
        "DescribeCustomKeyStores": {"CustomKeyStoreId": DROP, "CustomKeyStoreName": DROP},
        "Encrypt": {"EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
        # The ciphertext was made without an encryption context: any other one is refused,
        # by design (it is authenticated data).
        "Decrypt": {"EncryptionAlgorithm": "SYMMETRIC_DEFAULT", "EncryptionContext": DROP},
        "ReEncrypt": {"SourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
                      "DestinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT", "SourceEncryptionContext": DROP},
        "Sign": _RSA_SIGNING,
        "Verify": {**_SIGNING, "Signature": "{signature}"},
        "GetPublicKey": {"KeyId": "{sign_key}"},
        "GenerateMac": _MAC,
        "VerifyMac": {**_MAC, "Mac": "{mac}"},
        "DeriveSharedSecret": {"KeyId": "{agree_key}", "KeyAgreementAlgorithm": "ECDH",
                               "PublicKey": "{agree_public}"},
        "Encapsulate": _KEM,
        "Decapsulate": {**_KEM, "SharedSecretCiphertextBlob": "{kem_blob}"},
        "GetParametersForImport": {"KeyId": "{ext_key}"},
        "ImportKeyMaterial": {"KeyId": "{ext_key}"},
        # The pending key has no material yet: a made-up material id can only name nothing.
        "DeleteImportedKeyMaterial": {"KeyId": "{ext_key}", "KeyMaterialId": DROP},
        "ReplicateKey": {"KeyId": "{mrk_key}", "ReplicaRegion": NEW_REPLICA},
        "UpdatePrimaryRegion": {"KeyId": "{mrk_key}", "PrimaryRegion": REPLICA},
        "CancelKeyDeletion": {"KeyId": "{pending_key}"},
        # The model allows 1-365 days; AWS takes 7-30.
        "ScheduleKeyDeletion": {"PendingWindowInDays": 7},
        "RetireGrant": {"GrantToken": "{grant_token}"},
        # AWS takes a KeySpec or a NumberOfBytes, never both (see ``exclusive``).
        "GenerateDataKey": {"NumberOfBytes": DROP},
        "GenerateDataKeyWithoutPlaintext": {"NumberOfBytes": DROP},
        # A grant is for an AWS principal or a service principal, never both; a service
        # principal also needs a SourceArn constraint and a retiring principal.
        "CreateGrant": {"Operations": ["Encrypt", "Decrypt", "GenerateDataKey"], "GranteeServicePrincipal": DROP},
    },
    defaults={
        "CreateGrant": {"GranteePrincipal": ROOT},
        "Decrypt": {"CiphertextBlob": "{blob}"},
        "ReEncrypt": {"CiphertextBlob": "{blob}"},
        "GenerateDataKey": {"KeySpec": "AES_256"},
        "GenerateDataKeyWithoutPlaintext": {"KeySpec": "AES_256"},
        "GenerateRandom": {"NumberOfBytes": 32},
        "RetireGrant": {"GrantToken": "{grant_token}"},
    },
    exclusive=(("KeySpec", "NumberOfBytes"), ("GranteePrincipal", "GranteeServicePrincipal")),
    roundtrips=(
        RoundTrip("encrypt-decrypt",
                  Step("Encrypt", {"KeyId": "{key_id}", "Plaintext": b"round-trip"}, {"rt_blob": "CiphertextBlob"}),
                  Step("Decrypt", {"CiphertextBlob": "{rt_blob}"}), {"Plaintext": b"round-trip"}),
    ),
)

KNOWN_GAPS = {
    ("ListKeyPolicies", "undeclared-error"): (
        "A Marker that ListKeyPolicies never issued: cloudtwin refuses it with "
        "InvalidMarkerException as every other KMS list does; AWS's model declares no marker "
        "error for this operation (it has one policy, 'default'), and what AWS answers is not "
        "documented."),
}


#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = tuple(
    Constraint(op, "AliasName must begin with alias/", "KMS API Reference, CreateAlias AliasName (botocore model)",
               lambda p: isinstance(p.get("AliasName"), str) and not p["AliasName"].startswith("alias/"))
    for op in ("CreateAlias", "DeleteAlias", "UpdateAlias")
) + (
    Constraint("ScheduleKeyDeletion", "PendingWindowInDays must be between 7 and 30, inclusive",
               "KMS API Reference, ScheduleKeyDeletion PendingWindowInDays (botocore model)",
               lambda p: "PendingWindowInDays" in p and not 7 <= int(p["PendingWindowInDays"]) <= 30),
    Constraint("CreateKey", "KeyUsage: a symmetric encryption key (the default KeySpec) is ENCRYPT_DECRYPT",
               "KMS API Reference, CreateKey KeyUsage: 'For symmetric encryption KMS keys, specify ENCRYPT_DECRYPT' "
               "(botocore model)",
               lambda p: p.get("KeyUsage") not in (None, "ENCRYPT_DECRYPT")
               and p.get("KeySpec", p.get("CustomerMasterKeySpec", "SYMMETRIC_DEFAULT")) == "SYMMETRIC_DEFAULT"),
    *(Constraint(op, "MessageType EXTERNAL_MU is the 64-byte representative mu of ML-DSA signing only",
                 "KMS API Reference, Sign/Verify MessageType (botocore model)",
                 lambda p: p.get("MessageType") == "EXTERNAL_MU"
                 and not str(p.get("SigningAlgorithm", "")).startswith("ML_DSA"))
      for op in ("Sign", "Verify")),
)
