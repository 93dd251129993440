"""What sts needs before its operations run.

The role every assume operation names (``ct-role``) is made in IAM, trusted by the account
(with ``sts:TagSession`` and ``sts:SetSourceIdentity``, which session tags and a source
identity need), by an OpenID Connect provider and by a SAML provider also made in IAM; its
``MaxSessionDuration`` is the 12 hours AWS allows, so every modelled ``DurationSeconds`` fits.

The web identity token is an RS256 JWT signed offline with a throw-away key (issuer
``https://idp.ct.example``, audience ``ct-client``, expiring in 2100); the SAML assertion is
a SAML 2.0 response from the IdP whose metadata (with that key's certificate) registers the
SAML provider. cloudtwin checks neither signature; both documents are
otherwise what AWS reads: issuer, subject, audience, expiry, the Role attribute.
"""

from __future__ import annotations

import base64

from cloudtwin.conformance.resources import ACCOUNT, DROP, ServiceSetup, Step
from cloudtwin.conformance.setups.documents import POLICY

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ct-role"
SAML_PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:saml-provider/ct"
OIDC_PROVIDER_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/idp.ct.example"
IDP = "https://idp.ct.example/saml"

#: Who may assume ``ct-role``, and how.
TRUST_ALL = (
    '{"Version":"2012-10-17","Statement":['
    f'{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{ACCOUNT}:root"}},'
    '"Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"]},'
    f'{{"Effect":"Allow","Principal":{{"Federated":"{OIDC_PROVIDER_ARN}"}},'
    '"Action":["sts:AssumeRoleWithWebIdentity","sts:TagSession"],'
    '"Condition":{"StringEquals":{"idp.ct.example:aud":"ct-client"}}},'
    f'{{"Effect":"Allow","Principal":{{"Federated":"{SAML_PROVIDER_ARN}"}},'
    '"Action":["sts:AssumeRoleWithSAML","sts:TagSession"],'
    '"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}'
)

#: A self-signed certificate (CN=idp.ct.example, RSA 2048, valid to 2099), made offline.
_CERT = (
    "MIICwDCCAaigAwIBAgIUDUX8ZKNZejdHL/2U9S1TL5FCmyIwDQYJKoZIhvcNAQELBQAwGTEXMBUG"
    "A1UEAwwOaWRwLmN0LmV4YW1wbGUwIBcNMjQwMTAxMDAwMDAwWhgPMjA5OTEyMzEwMDAwMDBaMBkx"
    "FzAVBgNVBAMMDmlkcC5jdC5leGFtcGxlMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"
    "u0f+ECsosAPDyJznnmU/GqXlAzp3+hvzZVbo5GAnEC33ixqqcG33ZNaKDEL/vsZi66bygW4KoAC6"
    "FSyjnq3kzKvQrSYa9McdR3ZJ26u9am2e2cuDq6GFcsnchUmKHbfAbgvo0mIbNOhF6L8q64xUi2yd"
    "um7A49sreSRH/+yf0iohDqBiam45rnMytairBukzXR6pMAIdcXsQWRFau7DfVMR3ZWJa6K00onE6"
    "mDrEmOzIgmqwoIdGxAXNyoTWlcsqoMKnmAzwFmDC64mt4vUM1Q4tszX0aWZkixTCSa2QR4CqJnVG"
    "GJFUKwL2Rmekmg7LKOLL5ZDWOFDWHEtjMv0qKwIDAQABMA0GCSqGSIb3DQEBCwUAA4IBAQBStwi6"
    "5lwPnjEWGUYMXgIk4C4TolDnMIONqIrr4QFW9VodlVpMBv+B+uxTBDWUWPuoLdLXINJJy4MjFlCd"
    "QdHytiNQtNoEgAK3vgkQAt3ICQalO6WVaTVcN0NYCiHoQll85UD7vpk6ekF1myzZ9xe4MEePTuGU"
    "xXgq7DVWW0Q9jG3D2He5IZTKMLV2G2Xhqx/VqwdlABH9xhz5QmfVaJgVz8OiuJv4v/THGnG9lVdD"
    "MjLrXZvWnHA03dPe57x2HF1xq919pOy3xBYLO3q155SVJvxl+joKrq/BW7u8iDTU40MV7zjPGEJS"
    "y6XZdGzL9Uipwowsq2cni6K9KIfEcg+L"
)

SAML_METADATA = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{IDP}">'
    '<md:IDPSSODescriptor WantAuthnRequestsSigned="false" '
    'protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
    '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">'
    f'<ds:X509Data><ds:X509Certificate>{_CERT}</ds:X509Certificate></ds:X509Data>'
    '</ds:KeyInfo></md:KeyDescriptor>'
    '<md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>'
    '<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
    'Location="https://idp.ct.example/saml/sso"/>'
    '</md:IDPSSODescriptor></md:EntityDescriptor>'
)

_SAML_RESPONSE = (
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_ct-response" Version="2.0" '
    'IssueInstant="2025-01-01T00:00:00Z" Destination="https://signin.aws.amazon.com/saml">'
    f'<saml:Issuer>{IDP}</saml:Issuer>'
    '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
    '<saml:Assertion ID="_ct-assertion" Version="2.0" IssueInstant="2025-01-01T00:00:00Z">'
    f'<saml:Issuer>{IDP}</saml:Issuer>'
    '<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
    'ct-user</saml:NameID><saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
    '<saml:SubjectConfirmationData NotOnOrAfter="2100-01-01T00:00:00Z" '
    'Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation></saml:Subject>'
    '<saml:Conditions NotBefore="2025-01-01T00:00:00Z" NotOnOrAfter="2100-01-01T00:00:00Z">'
    '<saml:AudienceRestriction><saml:Audience>https://signin.aws.amazon.com/saml</saml:Audience>'
    '</saml:AudienceRestriction></saml:Conditions>'
    '<saml:AuthnStatement AuthnInstant="2025-01-01T00:00:00Z"><saml:AuthnContext>'
    '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport'
    '</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>'
    '<saml:AttributeStatement>'
    '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">'
    f'<saml:AttributeValue>{ROLE_ARN},{SAML_PROVIDER_ARN}</saml:AttributeValue></saml:Attribute>'
    '<saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">'
    '<saml:AttributeValue>ct-user</saml:AttributeValue></saml:Attribute>'
    '</saml:AttributeStatement></saml:Assertion></samlp:Response>'
)
SAML_ASSERTION = base64.b64encode(_SAML_RESPONSE.encode()).decode()

#: RS256, ``{"iss": "https://idp.ct.example", "sub": "ct-user", "aud": "ct-client",
#: "iat": 1735689600, "exp": 4102444800}``, signed offline with a throw-away key.
WEB_IDENTITY_TOKEN = (
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImN0LWtleSJ9.eyJpc3MiOiJodHRwczovL2l"
    "kcC5jdC5leGFtcGxlIiwic3ViIjoiY3QtdXNlciIsImF1ZCI6ImN0LWNsaWVudCIsImlhdCI6MTczNTY"
    "4OTYwMCwiZXhwIjo0MTAyNDQ0ODAwfQ.gK_TJiVI8M_WNWTZNr1Dx-PLEyCS6pxvbkzwP_hBNtjdqtWS"
    "bCrx9mmWeckaNV_RkbsDGrfReZs5veBKQDBNcfh4WdKqYb09KmjgfjbiAPepdhhDD18bDZ_ZLKObdS8h"
    "LqVn9gSxKvEs94TGkOFiZRviDi5pI5Dgsjd_wLsvbxclWMe8puUZr30RgLd1jYZTWzk4dWG_oZeYHCyn"
    "TJxyjFPhw9jtphe1me4tkEhqR_qymfav_EKwlO5Yixi1KRh440-osPIe8-72GRUvfcdWB28orf1HpUP7"
    "WcWB9fvQoWfVVE0hPHQ-fzxAnKRazlZ5I7Gg9WIGUQce1jcpHK9v0g"
)

SETUP = ServiceSetup(
    steps=(
        Step("CreateOpenIDConnectProvider", {"Url": "https://idp.ct.example", "ClientIDList": ["ct-client"],
                                             "ThumbprintList": ["a" * 40]}, service="iam"),
        Step("CreateSAMLProvider", {"Name": "ct", "SAMLMetadataDocument": SAML_METADATA}, service="iam"),
        Step("CreateRole", {"RoleName": "ct-role", "AssumeRolePolicyDocument": TRUST_ALL,
                            "MaxSessionDuration": 43200}, service="iam"),
        Step("CreatePolicy", {"PolicyName": "ct-session-policy", "PolicyDocument": POLICY},
             {"policy_arn": "Policy.Arn"}, service="iam"),
    ),
    members={"RoleArn": ROLE_ARN, "RoleSessionName": "ct-session", "PrincipalArn": SAML_PROVIDER_ARN,
             "Policy": POLICY, "PolicyArns": [{"arn": "{policy_arn}"}],
             "WebIdentityToken": WEB_IDENTITY_TOKEN, "SAMLAssertion": SAML_ASSERTION,
             # An MFA code, an IAM Identity Center context assertion: signed / time-based
             # values a made-up string can never pass (AWS verifies them).
             "SerialNumber": DROP, "TokenCode": DROP, "ProvidedContexts": DROP,
             # Only for OAuth 2.0 access tokens of Login with Amazon / Facebook; AWS says not
             # to send it with an OpenID Connect ID token like the set-up's.
             "ProviderId": DROP},
)

KNOWN_GAPS: dict = {}
