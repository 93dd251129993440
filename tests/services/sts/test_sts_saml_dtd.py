"""AssumeRoleWithSAML refuses assertions that carry a DTD (no entity is ever expanded)."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

METADATA = (
    '<?xml version="1.0"?><EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" '
    'entityID="https://idp.example.com/"><IDPSSODescriptor '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
    + "<!-- " + "padding " * 120 + "-->"
    + "</IDPSSODescriptor></EntityDescriptor>"
)


def assertion(role_arn: str, provider_arn: str, encoding: str) -> str:
    xml = f"""<?xml version="1.0" encoding="{encoding.upper()}"?>
<!DOCTYPE r [<!ENTITY who "EVILNAME">]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
 xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">
 <saml:Assertion><saml:Issuer>https://idp.example.com/</saml:Issuer>
  <saml:Subject><saml:NameID>&who;</saml:NameID></saml:Subject>
  <saml:AttributeStatement>
   <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><saml:AttributeValue>{role_arn},{provider_arn}</saml:AttributeValue></saml:Attribute>
   <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><saml:AttributeValue>&who;</saml:AttributeValue></saml:Attribute>
  </saml:AttributeStatement>
 </saml:Assertion></samlp:Response>"""
    return base64.b64encode(xml.encode(encoding)).decode()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_saml_assertion_with_dtd_is_an_invalid_identity_token(aws_client, encoding):
    iam = aws_client("iam")
    provider = iam.create_saml_provider(SAMLMetadataDocument=METADATA, Name="dtd-idp")[
        "SAMLProviderArn"
    ]
    role = iam.create_role(
        RoleName="saml-dtd",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": provider},
            "Action": "sts:AssumeRoleWithSAML",
        }]}),
    )["Role"]
    with pytest.raises(ClientError) as err:
        aws_client("sts").assume_role_with_saml(
            RoleArn=role["Arn"], PrincipalArn=provider,
            SAMLAssertion=assertion(role["Arn"], provider, encoding),
        )
    assert err.value.response["Error"]["Code"] == "InvalidIdentityToken"
    assert "EVILNAME" not in str(err.value.response)
    assert aws_client("iam").get_role(RoleName="saml-dtd")["Role"]["Arn"] == role["Arn"]
