"""What iam needs before its operations run.

A user, a role, a group and a managed policy exist before every operation; what only some
operations read or remove is made for them alone (``Step.operations``): the inline and
attached policies before Get/Delete*Policy and Detach*Policy, the group membership before
RemoveUserFromGroup, a login profile, an SSH key, a server and a signing certificate, a
service-specific credential, SAML and OIDC providers, an account alias, an access-advisor
job, a service-linked role's deletion task. So DeleteUser/DeleteRole/DeletePolicy... meet a
bare resource, as the operations that remove what hangs on one meet it laden.

The documents AWS parses are real: an ECDSA (P-256) certificate with its private key (the
server certificate; loading an RSA private key checks it for ~100 ms, and the set-up is
sent again after every change), two RSA certificates (the root's signing certificate, so
uploading the first is no duplicate, and the one SAML metadata carries), SSH public keys.
They were generated once, offline, with ``cryptography``: self-signed, valid 2025-2054.
"""

from __future__ import annotations

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import ACCOUNT, RoundTrip, ServiceSetup, Step
from cloudtwin.conformance.setups.documents import POLICY, TRUST

CERT_A = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBLzCB1qADAgECAhRE8Ymb4KFeY+TYcQtVYK83BobUnjAKBggqhkjOPQQDAjAX\n"
    "MRUwEwYDVQQDDAxjdC1hLmV4YW1wbGUwIBcNMjUwMTAxMDAwMDAwWhgPMjA1NDEy\n"
    "MjUwMDAwMDBaMBcxFTATBgNVBAMMDGN0LWEuZXhhbXBsZTBZMBMGByqGSM49AgEG\n"
    "CCqGSM49AwEHA0IABN+d77wBC+jDHU/0YSKqGWiiIkoLvkYFZbM2DCgq5lmKVDFs\n"
    "FEOxVSsFbNY0VQUgHcW1FR34cb+OW5F6+SFdQaEwCgYIKoZIzj0EAwIDSAAwRQIh\n"
    "AJvQUi/V3FPZoUAImRF4/uYBsp108IAy/gGLW+MrEPaFAiBrys4JPnQtuRs/626x\n"
    "YlMrDz8+FvO07GsTa06Umbx7jQ==\n"
    "-----END CERTIFICATE-----\n"
)

KEY_A = (
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEII7ZcntHFC6SQ+afL73FLWUGja7NDxOAb8ZsEvrLs2RqoAoGCCqGSM49\n"
    "AwEHoUQDQgAE353vvAEL6MMdT/RhIqoZaKIiSgu+RgVlszYMKCrmWYpUMWwUQ7FV\n"
    "KwVs1jRVBSAdxbUVHfhxv45bkXr5IV1BoQ==\n"
    "-----END EC PRIVATE KEY-----\n"
)

CERT_B = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIICvDCCAaSgAwIBAgIUf2zIBPey1yh75DsoU1T9FMJZuMgwDQYJKoZIhvcNAQEL\n"
    "BQAwFzEVMBMGA1UEAwwMY3QtYi5leGFtcGxlMCAXDTI1MDEwMTAwMDAwMFoYDzIw\n"
    "NTQxMjI1MDAwMDAwWjAXMRUwEwYDVQQDDAxjdC1iLmV4YW1wbGUwggEiMA0GCSqG\n"
    "SIb3DQEBAQUAA4IBDwAwggEKAoIBAQDVfYxU67Z64rMVrwqXDuFTgRh0ILBRxH1R\n"
    "zZVxcccjFZtx81hknbWWuTWyhVkVJLM6nHEm4P5pnxhaRXiOP/m0xEKRNBvZocAx\n"
    "z+PcETEtnbDZY/URsTYo5752EEtUu/kKwY1LPDsCxJPfqav8piK+J1HxrRr9rE3x\n"
    "r87k8Sc4Wyux4QAbyzFPTZlHt4/cST/tMfjx0HZAzL5uAED0czEXy5iBLPkmBiGW\n"
    "lxbNWvM+CxhvhClBH1N/JXmFwpzVGvIp2kdB14hbETs1Ei5cT2nkWiAgKFXeX2UH\n"
    "B41FHtvj0mY+XO48zOzldj79NveeY6/kDPwODMZWcoMh9T8lxeOHAgMBAAEwDQYJ\n"
    "KoZIhvcNAQELBQADggEBAFE1HUtstiqFuZ8tMh8kRCtdULeDpuJX1KCI+0kAQUtU\n"
    "99EW1EcQBhuCawbEceuU+iR9//A0c2sEJl0DpQjElXEm5p5mlu2pCM2tE0Af3HUT\n"
    "ztnml3NsmfOuIbwcXV/fLFDuVSAU40xfJT0dVbei3NSpe20fnMkiEWv1HKHReySd\n"
    "2vPZ/CmsD5A+fx2mUJd2HUwIcdVJ+QMnNQDqG75rgOvS9OGvAMXi4FslzSuU7xxW\n"
    "SpaD0NLaVWlVp51gwZz3NJz0K9L1UoVhaG/0WrMwbGaV5razJKIwur8r1QJnLIOr\n"
    "Dnw/imjcWrE4LXzqFQwjcM1uihzalGAoJZflHbFddl4=\n"
    "-----END CERTIFICATE-----\n"
)

CERT_C = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIICvDCCAaSgAwIBAgIUdHdSiy4uJfwu0w9jfkzj1GdeZk0wDQYJKoZIhvcNAQEL\n"
    "BQAwFzEVMBMGA1UEAwwMY3QtYy5leGFtcGxlMCAXDTI1MDEwMTAwMDAwMFoYDzIw\n"
    "NTQxMjI1MDAwMDAwWjAXMRUwEwYDVQQDDAxjdC1jLmV4YW1wbGUwggEiMA0GCSqG\n"
    "SIb3DQEBAQUAA4IBDwAwggEKAoIBAQCuRuWSUulKPPXBqWApcVvnBElG0aqJRrzb\n"
    "xyZFo9I7ZxbGH8HjH2XGUT9tfmDft0TYC+242fj/ZfipS/da4xUll6xn70PsxGOQ\n"
    "CxNbLMOTfjngkjZk7L+emq3ZCjQN+vPCbNxW8FNWiohCmWIMRcEFeiDLpPSvwbA6\n"
    "SCSKtAeG4Ea60FP7zsEwsTAnxacg5XU3gKslxaZ6SyEgXecGIlDkvVqiXW4hCDpT\n"
    "pSEFkLeHL675pBHYWf3XLXGaBi//fbLtxHFSuhxYrfULLb8y8joM7fqACCTHVTCD\n"
    "iAA6yZahef1udG5Ck20sng9v9TPcNiPupcgW+kJkoWyFCrngBLZfAgMBAAEwDQYJ\n"
    "KoZIhvcNAQELBQADggEBAC2sy8HZIRWJbylbCIL384Hx0oi8bTqFxYEhRs2QP8xZ\n"
    "ynfX7hyRJnUuKo+ScIjl931yXeywdt/OWLmhNI2hDHOHzhrddTbYel/g+ouC9sSu\n"
    "vtm+VyzZH5IOjarlC+T3uIEoYqwyQxt/SmLFDgXmUXhpG9BKeq+q0NQk73rUwlvO\n"
    "s/6/30DYOiRjWWl8jt2aq2Mzevm2YfClNnvA0Dvo6+16ExNeN0VBu8i+cf3sh3P4\n"
    "SOWcwTRbtM3bFECp67/Q074regROCYwD18SLQEx0Z3IelywDkTixCDNElFuGz9GS\n"
    "7X1cRmtw0Ni6U8OLR0HT4JgTPMgJ/AyCblqnorzRDms=\n"
    "-----END CERTIFICATE-----\n"
)

KEY_C = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEArkblklLpSjz1walgKXFb5wRJRtGqiUa828cmRaPSO2cWxh/B\n"
    "4x9lxlE/bX5g37dE2AvtuNn4/2X4qUv3WuMVJZesZ+9D7MRjkAsTWyzDk3454JI2\n"
    "ZOy/npqt2Qo0DfrzwmzcVvBTVoqIQpliDEXBBXogy6T0r8GwOkgkirQHhuBGutBT\n"
    "+87BMLEwJ8WnIOV1N4CrJcWmekshIF3nBiJQ5L1aol1uIQg6U6UhBZC3hy+u+aQR\n"
    "2Fn91y1xmgYv/32y7cRxUrocWK31Cy2/MvI6DO36gAgkx1Uwg4gAOsmWoXn9bnRu\n"
    "QpNtLJ4Pb/Uz3DYj7qXIFvpCZKFshQq54AS2XwIDAQABAoIBAEVGc00l3gwfjUUN\n"
    "EeeHYxPClWosP9DPqJToZeM6yn/Ia7oXt5eTzH33n/HjUZi8HgaPP1DCfILxQtXx\n"
    "F4MuTyKhVuv9pQ+BxV3luSz970Q64cDN/gdCQK1IKSDkOGryPWEkqrV4VHhLGvz2\n"
    "QY5FUAPgVxb8HDOdF3MjaDsmcvN+nBtpGQEbMhX/ZVhp2zzR3u7DE+RobD81ZtkB\n"
    "FHfkPTUz8+0MPHC4vkj/6HEHLDJZN5q45UO4h+QlNqSr/9XlRRP2gTJjMSFebxFT\n"
    "qeE5EKqNKpicYNAtOyOCmjJv5Az8/awnnrJXbSrxVdUltRSSIg8pkBoYDr6IjuTb\n"
    "OU87KdkCgYEA7jJoTCpMmRQIny83tQx7wC4ZSbdJrY5BvlU1oVmlVeMbHvChfWhA\n"
    "Dwduqx40qH6wIAPha8Tj2wWoTf20LQ4CZliWGWdf28Nkd+0bczwbKtwlTT7sKdpX\n"
    "2C09YMqPtez737rFyGJqd5bp4ShIvlyNcDaTgMeG6KigIBRWoaxSWYUCgYEAu012\n"
    "dk9PZiMmOB4/lutBw2rEuDzJYc7TJpwbX+ltc/sRWrAwkhvp5RjV/t8UT3uJl5au\n"
    "LfI6nlDlIU/whh0NkAq+e4XvctydZWrZ/Jf40NU9BAchhzf34NM7o8MGyHQYwU7i\n"
    "kxtOiERXmBnTcyW2I5XWmOqG6FiX6TRQ8JDPw5MCgYBLvX2KknyuxD8FlvcIu8Jx\n"
    "1na2CPEFndFr2x5lguLez4slKHDBNq//12YqRT2LQlVwqKs6IG4vi7n7qqtrFCRR\n"
    "NOPtigBiGdxNgfiTiM4+r6ewy0w+9q2uEJyOtXpC5+sjNfmEAT9HbZZKwQt4dGeJ\n"
    "AeGfNlLAkjXwXWc6m1fIHQKBgFjTW6Kv6g+eC7oBXlbMKtvp/nEBIt/nnetpjPHn\n"
    "WajvIEPJ2r7vzfR/2ryMPq2TAKWLJ/9SKMp7wq4Roxd3H7932O3rjqsCRQKbsdVA\n"
    "nRcsiUsntpbRzBQrGNWI3+agaD0ElB7/jDbDcmcHmGe7Mq2dma/bSS9XFHPcA6aS\n"
    "hnVRAoGBAKgrt3msW0gjp4NzqEKq4pBunmIs+u34pDFiU/aEAciUdG8gozq75VUT\n"
    "S1yt9E5HsZt1ona/ATGdTsRRkR2hxFOnrJkr05LfQwFIXhFBWIcUw1FeOqNlZ561\n"
    "F882GEhY5oR8ZkJikp8QGKN2xfPoMsRQQaAZ33obHE4zjjhc7GJM\n"
    "-----END RSA PRIVATE KEY-----\n"
)

SSH_A = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCWjdkRld8u5V3Z4QolTk0p5u7TPyMYFPsJDyPmPNzzEniqRgwP"
    "fIqXGT6PgLUHnbNmWB3ZMuXzxD5qQ7qboW06DuaMsbnOODrJ8JF/zKSQmaaWfhmPuWqGOUCZmHnZKePiuNQaWNNu"
    "Ttepy7LPgIlaqIMLbvZDna27SU7vy8xQS+GumVzpLSOa4Up35r24glZdOpOfunceBgbJG9WXWpHzlJX4C3Qb13o1"
    "sblobWlcPu/pzvjar1NiWytASqxHqvIPravPirnP7n5BHBUrLNrFRwI5nX/D6NxN0iBqV7TwsOM8UPJZ7qXu+P3O"
    "bzmnfrgSEybdLNzwT7Gi7oDdTUfN"
)

SSH_B = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQClf3SA6TA9qNo6Ndrkpl1omBj8UXq3kAI2ByjQZ+v6ExKzMvj6"
    "R6H2bYv9xo3V9IbZjTX2GSV5XhZpEEsx0u0WV+Am5OAzcV8B0xnAPA5ILBIH7i3noykTSoAumdtb8jKWA0vp0CBq"
    "c+XPGzzx0l3tiAx+J3ScFmoiqsFe+SMC/+tTwPwjQ4DGvINW3U9nAEWnw5ewPeD2ibmMYZX8qEpObzawguA7hetx"
    "MuzI/fEQafzkz0StgwVCeYLE3x4iwU83UfhIvMQIZ8dnbI973IX4r5aKxh+MlDyfijDyVe8aJj4z9CPGKwsdL3nF"
    "U1lNIaNP3lfdYeOLm9U+mMUT597r"
)

#: The base64 body of CERT_C, as SAML metadata carries it.
_SAML_CERT = "".join(CERT_C.strip().splitlines()[1:-1])

#: An IdP's SAML 2.0 metadata (AWS needs an EntityDescriptor with an IDPSSODescriptor whose
#: signing key is an X.509 certificate; the model wants at least 1,000 characters).
SAML_METADATA = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" '
    'xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.ct.example/saml">'
    '<md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
    '<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>'
    f"{_SAML_CERT}"
    "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"
    "<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>"
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
    'Location="https://idp.ct.example/saml/sso"/>'
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
    'Location="https://idp.ct.example/saml/sso"/>'
    "</md:IDPSSODescriptor></md:EntityDescriptor>"
)

_IAM = f"arn:aws:iam::{ACCOUNT}"
_BUCKET = "arn:aws:s3:::ct-bucket"
#: A bucket policy letting the account list the bucket (SimulateCustomPolicy's ResourcePolicy).
RESOURCE_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
    f'{{"AWS":"{_IAM}:root"}},"Action":"s3:ListBucket","Resource":"{_BUCKET}"}}]}}'
)

#: The documents of PolicyInputList & co.: they allow reading the bucket's objects, not the
#: simulated ``s3:ListBucket``, so no statement of theirs matches. AWS reports a matching
#: input document's SourcePolicyType as "IAM Policy", outside the model's enum (KNOWN_GAPS):
#: the simulations here show the user's own policies and the resource policy deciding.
INPUT_POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
    f'"Resource":"{_BUCKET}/*"}}]}}'
)

SETUP = ServiceSetup(
    steps=(
        Step("CreateUser", {"UserName": "{user}"}),
        Step("CreateRole", {"RoleName": "{role}", "AssumeRolePolicyDocument": TRUST}),
        Step("CreateGroup", {"GroupName": "{group}"}),
        Step("CreatePolicy", {"PolicyName": "{policy_name}", "PolicyDocument": POLICY},
             {"policy_arn": "Policy.Arn"}),
        Step("CreatePolicyVersion", {"PolicyArn": "{policy_arn}", "PolicyDocument": POLICY},
             operations=("DeletePolicyVersion",)),
        # The root's own key: AccessKeyId is mostly sent without UserName, and then AWS
        # looks the key up among the caller's (the root's) keys.
        Step("CreateAccessKey", {}, {"access_key": "AccessKey.AccessKeyId"},
             operations=("UpdateAccessKey", "DeleteAccessKey", "GetAccessKeyLastUsed")),
        Step("CreateInstanceProfile", {"InstanceProfileName": "{profile}"},
             operations=("AddRoleToInstanceProfile", "DeleteInstanceProfile", "GetInstanceProfile",
                         "ListInstanceProfileTags", "RemoveRoleFromInstanceProfile",
                         "TagInstanceProfile", "UntagInstanceProfile")),
        Step("AddRoleToInstanceProfile", {"InstanceProfileName": "{profile}", "RoleName": "{role}"},
             operations=("RemoveRoleFromInstanceProfile",)),
        Step("AddUserToGroup", {"GroupName": "{group}", "UserName": "{user}"},
             operations=("RemoveUserFromGroup",)),
        Step("PutUserPolicy", {"UserName": "{user}", "PolicyName": "{policy_name}",
                               "PolicyDocument": POLICY},
             operations=("GetUserPolicy", "DeleteUserPolicy")),
        Step("PutRolePolicy", {"RoleName": "{role}", "PolicyName": "{policy_name}",
                               "PolicyDocument": POLICY},
             operations=("GetRolePolicy", "DeleteRolePolicy")),
        Step("PutGroupPolicy", {"GroupName": "{group}", "PolicyName": "{policy_name}",
                                "PolicyDocument": POLICY},
             operations=("GetGroupPolicy", "DeleteGroupPolicy")),
        Step("AttachUserPolicy", {"UserName": "{user}", "PolicyArn": "{policy_arn}"},
             operations=("DetachUserPolicy",)),
        Step("AttachRolePolicy", {"RoleName": "{role}", "PolicyArn": "{policy_arn}"},
             operations=("DetachRolePolicy",)),
        Step("AttachGroupPolicy", {"GroupName": "{group}", "PolicyArn": "{policy_arn}"},
             operations=("DetachGroupPolicy",)),
        Step("CreateOpenIDConnectProvider", {"Url": "https://oidc.ct.example", "ClientIDList": ["ct"],
                                             "ThumbprintList": ["a" * 40]},
             {"oidc_arn": "OpenIDConnectProviderArn"},
             operations=("AddClientIDToOpenIDConnectProvider", "DeleteOpenIDConnectProvider",
                         "GetOpenIDConnectProvider", "ListOpenIDConnectProviderTags",
                         "RemoveClientIDFromOpenIDConnectProvider", "TagOpenIDConnectProvider",
                         "UntagOpenIDConnectProvider", "UpdateOpenIDConnectProviderThumbprint")),
        Step("CreateSAMLProvider", {"Name": "ct-saml", "SAMLMetadataDocument": SAML_METADATA},
             {"saml_arn": "SAMLProviderArn"},
             operations=("DeleteSAMLProvider", "GetSAMLProvider", "ListSAMLProviderTags",
                         "TagSAMLProvider", "UntagSAMLProvider", "UpdateSAMLProvider")),
        Step("CreateVirtualMFADevice", {"VirtualMFADeviceName": "ct-mfa"},
             {"serial": "VirtualMFADevice.SerialNumber"},
             operations=("DeactivateMFADevice", "DeleteVirtualMFADevice", "EnableMFADevice",
                         "GetMFADevice", "ListMFADeviceTags", "ResyncMFADevice", "TagMFADevice",
                         "UntagMFADevice")),
        Step("CreateLoginProfile", {"UserName": "{user}", "Password": "Ct-Passw0rd!"},
             operations=("GetLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile")),
        Step("UploadServerCertificate", {"ServerCertificateName": "{server_cert}",
                                         "CertificateBody": CERT_A, "PrivateKey": KEY_A},
             operations=("DeleteServerCertificate", "GetServerCertificate",
                         "ListServerCertificateTags", "TagServerCertificate",
                         "UntagServerCertificate", "UpdateServerCertificate")),
        # The root's, like the access key: CertificateId is mostly sent without UserName.
        Step("UploadSigningCertificate", {"CertificateBody": CERT_B},
             {"signing_cert": "Certificate.CertificateId"},
             operations=("UpdateSigningCertificate", "DeleteSigningCertificate")),
        Step("UploadSSHPublicKey", {"UserName": "{user}", "SSHPublicKeyBody": SSH_B},
             {"ssh_key": "SSHPublicKey.SSHPublicKeyId"},
             operations=("GetSSHPublicKey", "UpdateSSHPublicKey", "DeleteSSHPublicKey")),
        Step("CreateServiceSpecificCredential", {"UserName": "{user}",
                                                 "ServiceName": "codecommit.amazonaws.com"},
             {"service_credential": "ServiceSpecificCredential.ServiceSpecificCredentialId"},
             operations=("ResetServiceSpecificCredential", "UpdateServiceSpecificCredential",
                         "DeleteServiceSpecificCredential")),
        Step("CreateAccountAlias", {"AccountAlias": "{alias}"},
             operations=("DeleteAccountAlias",)),
        Step("GenerateServiceLastAccessedDetails", {"Arn": f"{_IAM}:user/{{user}}"},
             {"job_id": "JobId"},
             operations=("GetServiceLastAccessedDetails",
                         "GetServiceLastAccessedDetailsWithEntities")),
        Step("CreateServiceLinkedRole", {"AWSServiceName": "elasticbeanstalk.amazonaws.com"},
             {"linked_role": "Role.RoleName"},
             operations=("GetServiceLinkedRoleDeletionStatus",)),
        Step("DeleteServiceLinkedRole", {"RoleName": "{linked_role}"},
             {"deletion_task": "DeletionTaskId"},
             operations=("GetServiceLinkedRoleDeletionStatus",)),
    ),
    names={"UserName": ("user", "ct-user"), "RoleName": ("role", "ct-role"),
           "GroupName": ("group", "ct-group"), "InstanceProfileName": ("profile", "ct-profile"),
           "PolicyName": ("policy_name", "ct-policy"),
           "ServerCertificateName": ("server_cert", "ct-cert"),
           "AccountAlias": ("alias", "ct-alias")},
    members={"UserName": "{user}", "RoleName": "{role}", "GroupName": "{group}",
             "PolicyArn": "{policy_arn}", "PolicyName": "{policy_name}", "PolicyDocument": POLICY,
             "AssumeRolePolicyDocument": TRUST, "AccessKeyId": "{access_key}",
             "InstanceProfileName": "{profile}", "OpenIDConnectProviderArn": "{oidc_arn}",
             "SerialNumber": "{serial}", "VersionId": "v1", "DefaultVersionId": "v1",
             "PermissionsBoundary": "{policy_arn}",
             "ServerCertificateName": "{server_cert}", "CertificateBody": CERT_A,
             "PrivateKey": KEY_A, "CertificateChain": CERT_A, "CertificateId": "{signing_cert}",
             "SSHPublicKeyBody": SSH_A, "SSHPublicKeyId": "{ssh_key}",
             "ServiceName": "codecommit.amazonaws.com",
             "ServiceSpecificCredentialId": "{service_credential}",
             "SAMLProviderArn": "{saml_arn}", "SAMLMetadataDocument": SAML_METADATA,
             "AddPrivateKey": KEY_C, "AccountAlias": "{alias}",
             "AWSServiceName": "autoscaling.amazonaws.com", "DeletionTaskId": "{deletion_task}",
             "JobId": "{job_id}", "Arn": f"{_IAM}:user/{{user}}", "ServiceNamespace": "iam",
             "ServiceNamespaces": ["iam"],
             # Simulation and context keys: the user's own policies, real documents.
             "PolicySourceArn": f"{_IAM}:user/{{user}}", "CallerArn": f"{_IAM}:user/{{user}}",
             "PolicyInputList": [INPUT_POLICY], "PermissionsBoundaryPolicyInputList": [INPUT_POLICY],
             "ServiceControlPolicyInputList": [INPUT_POLICY], "ResourcePolicy": RESOURCE_POLICY,
             "ResourceArns": [_BUCKET], "ActionNames": ["s3:ListBucket"],
             "ResourceOwner": f"{_IAM}:root",
             "ContextEntries": [{"ContextKeyName": "aws:username", "ContextKeyValues": ["ct-user"],
                                 "ContextKeyType": "string"}]},
    overrides={"CreateUser": {"UserName": "ct-new-{n}"}, "CreateRole": {"RoleName": "ct-new-{n}"},
               "CreateGroup": {"GroupName": "ct-new-{n}"},
               "CreatePolicy": {"PolicyName": "ct-new-{n}"},
               "CreateInstanceProfile": {"InstanceProfileName": "ct-new-{n}"},
               "CreateSAMLProvider": {"Name": "ct-new-{n}"},
               "CreateOpenIDConnectProvider": {"Url": "https://ct-new-{n}.example"},
               "UploadServerCertificate": {"ServerCertificateName": "ct-new-{n}"},
               "CreateAccountAlias": {"AccountAlias": "ct-new-{n}"},
               "UpdateAssumeRolePolicy": {"PolicyDocument": TRUST},
               # The second version is the one that may go.
               "DeletePolicyVersion": {"VersionId": "v2"},
               },
    # Without UserName, these act on the caller: the harness signs as the account's root,
    # which AWS gives no login profile (but through an AssumeRoot session) nor
    # service-specific credentials, so it needs the user named.
    defaults={op: {"UserName": "{user}"} for op in (
        "CreateLoginProfile", "GetLoginProfile", "DeleteLoginProfile",
        "ResetServiceSpecificCredential", "UpdateServiceSpecificCredential",
        "DeleteServiceSpecificCredential")},
    roundtrips=(
        RoundTrip("user-path",
                  Step("CreateUser", {"UserName": "ct-rt", "Path": "/rt/"}),
                  Step("GetUser", {"UserName": "ct-rt"}), {"User.Path": "/rt/"}),
    ),
)

KNOWN_GAPS = {
    ("*", "wrong-code", "type"): (
        "A wrong-typed integer/boolean (MaxItems='not-a-number') is refused by the query "
        "protocol layer with InvalidParameterValue before IAM sees it; the harness expects "
        "ValidationError/InvalidInput. Which code AWS's query front end gives IAM for a "
        "non-numeric integer is not documented; a protocol-layer question, not IAM's."),
    ("UploadSSHPublicKey", "bad-output"): (
        "Fingerprint is the key's MD5 digest as AWS documents it, 16 colon-separated hex "
        "pairs: 47 characters, where the model's publicKeyFingerprintType says exactly 48. "
        "No 48-character rendering of an MD5 digest exists to return instead."),
    ("GetSSHPublicKey", "bad-output"): (
        "Fingerprint is the key's MD5 digest, 16 colon-separated hex pairs (47 characters); "
        "the model's publicKeyFingerprintType says exactly 48."),
    ("CreateVirtualMFADevice", "bad-output"): (
        "A Path at its 512-character maximum: the serial number is the device's ARN, path "
        "included, so it exceeds the model's 256 for SerialNumber. What AWS answers for a "
        "path that long (refusal or a shortened serial) is not documented."),
}


#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = tuple(
    Constraint(op, "CertificateBody is a certificate in PEM-encoded format",
               "IAM API Reference, UploadServerCertificate/UploadSigningCertificate CertificateBody (botocore model)",
               lambda p: isinstance(p.get("CertificateBody"), str) and "-----BEGIN" not in p["CertificateBody"])
    for op in ("UploadServerCertificate", "UploadSigningCertificate")
)
