"""What cognito-idp needs before its operations run.

A user pool ``ct-pool`` (remembering devices) with an app client that allows the password,
refresh-token and user-auth flows, a confirmed user ``ct-user`` with a permanent password,
signed in once (its access and refresh tokens, and the device key of that sign-in,
confirmed), in a group ``ct-group``; a resource server, an OIDC identity provider
``ct-idp``, a domain and a user import job. For the operations that need them: a user who
signed up and is not confirmed (``ct-pending``), an invited user signing in with a temporary
password (the NEW_PASSWORD_REQUIRED challenge's session), and a second pool without a domain.
Members naming those resources get their identifiers; passwords and attributes get values the
pool's default policy and schema take.
"""

from __future__ import annotations

import base64

from cloudtwin.conformance.constraints import Constraint
from cloudtwin.conformance.resources import ACCOUNT, DROP, Choose, RoundTrip, ServiceSetup, Step
from cloudtwin.services.cognito_idp.srp import G, N

_PASSWORD = "Ct-Passw0rd!"
_NEW_PASSWORD = "Ct-Passw0rd!2"
_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/ct-cognito-role"
_FLOWS = ["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
          "ALLOW_USER_SRP_AUTH", "ALLOW_USER_AUTH", "ALLOW_CUSTOM_AUTH"]
_OIDC = {"client_id": "ct-client", "client_secret": "ct-secret", "authorize_scopes": "openid",
         "oidc_issuer": "https://issuer.example.com", "attributes_request_method": "GET"}
_VERIFIER = {"PasswordVerifier": base64.b64encode(b"ct-verifier").decode(),
             "Salt": base64.b64encode(b"ct-salt").decode()}
_LOGIN = {"USERNAME": "{user}", "PASSWORD": _PASSWORD}
#: A client's SRP public value A = g^a mod N (RFC 5054's 3072-bit group, as Cognito uses).
_SRP_A = format(pow(G, 0x5EED, N), "x")
#: The auth parameters each flow takes (the flows a sign-in by password cannot make drop them).
_AUTH_PARAMETERS = Choose("AuthFlow", {
    "USER_PASSWORD_AUTH": _LOGIN, "ADMIN_USER_PASSWORD_AUTH": _LOGIN, "ADMIN_NO_SRP_AUTH": _LOGIN,
    "REFRESH_TOKEN_AUTH": {"REFRESH_TOKEN": "{refresh_token}"}, "REFRESH_TOKEN": {"REFRESH_TOKEN": "{refresh_token}"},
    "USER_AUTH": {"USERNAME": "{user}", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": _PASSWORD},
    "USER_SRP_AUTH": {"USERNAME": "{user}", "SRP_A": _SRP_A},
}, _LOGIN)

#: Operations answering the challenge of a sign-in in progress.
_CHALLENGE_OPERATIONS = ("RespondToAuthChallenge", "AdminRespondToAuthChallenge")
#: The answer to that challenge: "Each challenge has its own required response parameters" and the
#: session of the previous response (RespondToAuthChallenge, ChallengeResponses and Session).
_CHALLENGE_ANSWER = {"Session": "{challenge_session}",
                     "ChallengeResponses": {"USERNAME": "ct-invited", "NEW_PASSWORD": _NEW_PASSWORD}}
#: Operations on a user who is not confirmed yet.
_PENDING_USER_OPERATIONS = ("AdminConfirmSignUp", "ConfirmSignUp", "ResendConfirmationCode")

SETUP = ServiceSetup(
    steps=(
        Step("CreateUserPool", {"PoolName": "ct-pool", "AutoVerifiedAttributes": ["email"], "DeviceConfiguration": {
            "ChallengeRequiredOnNewDevice": False, "DeviceOnlyRememberedOnUserPrompt": False}},
             {"pool_id": "UserPool.Id", "pool_arn": "UserPool.Arn"}),
        Step("CreateUserPoolClient", {"UserPoolId": "{pool_id}", "ClientName": "ct-client",
                                      "ExplicitAuthFlows": _FLOWS}, {"client_id": "UserPoolClient.ClientId"}),
        Step("AdminCreateUser", {"UserPoolId": "{pool_id}", "Username": "{user}", "MessageAction": "SUPPRESS",
                                 "UserAttributes": [{"Name": "email", "Value": "ct@example.com"},
                                                    {"Name": "email_verified", "Value": "true"}]}),
        Step("AdminSetUserPassword", {"UserPoolId": "{pool_id}", "Username": "{user}", "Password": _PASSWORD,
                                      "Permanent": True}),
        Step("AdminInitiateAuth", {"UserPoolId": "{pool_id}", "ClientId": "{client_id}",
                                   "AuthFlow": "ADMIN_USER_PASSWORD_AUTH", "AuthParameters": _LOGIN},
             {"access_token": "AuthenticationResult.AccessToken", "refresh_token": "AuthenticationResult.RefreshToken",
              "device_key": "AuthenticationResult.NewDeviceMetadata.DeviceKey"}),
        Step("ConfirmDevice", {"AccessToken": "{access_token}", "DeviceKey": "{device_key}",
                               "DeviceSecretVerifierConfig": _VERIFIER, "DeviceName": "ct-device"}),
        Step("CreateGroup", {"UserPoolId": "{pool_id}", "GroupName": "ct-group"}),
        Step("AdminAddUserToGroup", {"UserPoolId": "{pool_id}", "Username": "{user}", "GroupName": "ct-group"}),
        Step("CreateResourceServer", {"UserPoolId": "{pool_id}", "Identifier": "https://ct.example.com",
                                      "Name": "ct-rs", "Scopes": [{"ScopeName": "read", "ScopeDescription": "read"}]}),
        Step("CreateIdentityProvider", {"UserPoolId": "{pool_id}", "ProviderName": "ct-idp", "ProviderType": "OIDC",
                                        "ProviderDetails": _OIDC, "IdpIdentifiers": ["ct-idp-id"]}),
        Step("CreateUserPoolDomain", {"UserPoolId": "{pool_id}", "Domain": "{domain}"}),
        # a pool has one domain: CreateUserPoolDomain makes one for a second pool
        Step("CreateUserPool", {"PoolName": "ct-pool2"}, {"pool2_id": "UserPool.Id"},
             operations=("CreateUserPoolDomain",)),
        # a user who signed up and is not confirmed yet
        Step("SignUp", {"ClientId": "{client_id}", "Username": "ct-pending", "Password": _PASSWORD,
                        "UserAttributes": [{"Name": "email", "Value": "ct-pending@example.com"}]},
             operations=_PENDING_USER_OPERATIONS),
        # a user signing in with a temporary password: the NEW_PASSWORD_REQUIRED challenge's session
        Step("AdminCreateUser", {"UserPoolId": "{pool_id}", "Username": "ct-invited", "MessageAction": "SUPPRESS",
                                 "TemporaryPassword": _PASSWORD}, operations=_CHALLENGE_OPERATIONS),
        Step("AdminInitiateAuth", {"UserPoolId": "{pool_id}", "ClientId": "{client_id}",
                                   "AuthFlow": "ADMIN_USER_PASSWORD_AUTH",
                                   "AuthParameters": {"USERNAME": "ct-invited", "PASSWORD": _PASSWORD}},
             {"challenge_session": "Session"}, operations=_CHALLENGE_OPERATIONS),
        Step("CreateUserImportJob", {"UserPoolId": "{pool_id}", "JobName": "ct-job",
                                     "CloudWatchLogsRoleArn": _ROLE_ARN}, {"job_id": "UserImportJob.JobId"}),
    ),
    members={
        "UserPoolId": "{pool_id}", "ClientId": "{client_id}", "Username": "{user}", "GroupName": "ct-group",
        "ProviderName": "ct-idp", "ProviderDetails": _OIDC, "IdpIdentifier": "ct-idp-id",
        "IdpIdentifiers": DROP, "Identifier": "https://ct.example.com", "Domain": "{domain}",
        "JobId": "{job_id}", "AccessToken": "{access_token}", "RefreshToken": "{refresh_token}",
        "DeviceKey": "{device_key}", "ResourceArn": "{pool_arn}", "Password": _PASSWORD,
        "PreviousPassword": _PASSWORD, "ProposedPassword": _NEW_PASSWORD, "TemporaryPassword": _NEW_PASSWORD,
        "AuthParameters": _AUTH_PARAMETERS, "SecretHash": DROP, "ClientSecret": DROP, "Session": DROP,
        "UserContextData": DROP, "ContextData": DROP, "AnalyticsMetadata": DROP, "ClientMetadata": DROP,
        "ValidationData": DROP, "UserAttributes": [{"Name": "email", "Value": "ct@example.com"}],
        "UserAttributeNames": ["email"], "AttributeName": "email", "AttributesToGet": ["email"],
        "DeviceSecretVerifierConfig": _VERIFIER, "RoleArn": _ROLE_ARN, "CloudWatchLogsRoleArn": _ROLE_ARN,
        "Tags": {"team": "ct"}, "UserPoolTags": {"team": "ct"}, "TagKeys": ["team"],
        "PaginationToken": DROP, "Filter": DROP, "LambdaConfig": DROP, "EmailConfiguration": DROP,
        "SmsConfiguration": DROP, "CustomDomainConfig": DROP,
    },
    names={"Username": ("user", "ct-user"), "Domain": ("domain", "ct-domain-0")},
    overrides={
        "CreateUserPool": {"PoolName": "ct-new-{n}"},
        "CreateUserPoolClient": {"ClientName": "ct-new-{n}"},
        "AdminCreateUser": {"Username": "ct-new-{n}", "MessageAction": "SUPPRESS"},
        "SignUp": {"Username": "ct-new-{n}"},
        "CreateGroup": {"GroupName": "ct-new-{n}"},
        "CreateResourceServer": {"Identifier": "ct-new-{n}"},
        "CreateIdentityProvider": {"ProviderName": "ct-new-{n}", "ProviderType": "OIDC"},
        "CreateUserPoolDomain": {"Domain": "ct-new-{n}", "UserPoolId": "{pool2_id}"},
        **{op: {"Username": "ct-pending"} for op in _PENDING_USER_OPERATIONS},
        **{op: {"ChallengeName": "NEW_PASSWORD_REQUIRED", **_CHALLENGE_ANSWER} for op in _CHALLENGE_OPERATIONS},
        "AddCustomAttributes": {"CustomAttributes": [{"Name": "ctnew{n}", "AttributeDataType": "String"}]},
    },
    # "Each AuthFlow has linked AuthParameters that you must submit" (InitiateAuth, AuthFlow)
    defaults={
        **{op: {"AuthParameters": _AUTH_PARAMETERS} for op in ("InitiateAuth", "AdminInitiateAuth")},
        # the signed-in user's own operations act on the user its access token names
        **{op: {"AccessToken": "{access_token}"} for op in (
            "GetDevice", "ForgetDevice", "AssociateSoftwareToken", "VerifySoftwareToken")},
        **{op: _CHALLENGE_ANSWER for op in _CHALLENGE_OPERATIONS},
        # "Required if the user has a password" (ChangePassword, PreviousPassword)
        "ChangePassword": {"PreviousPassword": _PASSWORD},
        # "The password must comply with the password requirements of your user pool ... You can only
        # create a passwordless user when passwordless sign-in is available" (SignUp, Password)
        "SignUp": {"Password": _PASSWORD},
        # confirming a device records its SRP verifier (ConfirmDevice)
        "ConfirmDevice": {"DeviceSecretVerifierConfig": _VERIFIER},
    },
    exclusive=(("AccessToken", "Session"),),
    roundtrips=(
        RoundTrip("tags",
                  Step("TagResource", {"ResourceArn": "{pool_arn}", "Tags": {"team": "ct"}}),
                  Step("ListTagsForResource", {"ResourceArn": "{pool_arn}"}), {"Tags.team": "ct"}),
        RoundTrip("group",
                  Step("UpdateGroup", {"UserPoolId": "{pool_id}", "GroupName": "ct-group", "Description": "ct"}),
                  Step("GetGroup", {"UserPoolId": "{pool_id}", "GroupName": "ct-group"}),
                  {"Group.Description": "ct"}),
    ),
)

_STANDARD_SCHEMA_GAP = (
    "Every pool's schema holds the standard attribute phone_number_verified (Amazon Cognito Developer Guide, "
    "User pool attributes: standard attributes), 21 characters, and AWS lists it in SchemaAttributes; the model "
    "gives SchemaAttributeType's Name the custom-attribute bound (CustomAttributeNameType, max 20)")
#: (DescribeUserPool shows the same once the baseline records its variants reaching a pool.)
KNOWN_GAPS = {
    ("CreateUserPool", "bad-output"): _STANDARD_SCHEMA_GAP,
}

#: The AuthParameters each flow documents as required (InitiateAuth / AdminInitiateAuth,
#: AuthParameters documentation: "USER_SRP_AUTH: USERNAME (required), SRP_A (required)"...).
_REQUIRED_AUTH_PARAMETERS = {
    "USER_AUTH": ("USERNAME",), "USER_SRP_AUTH": ("USERNAME", "SRP_A"), "USER_PASSWORD_AUTH": ("USERNAME", "PASSWORD"),
    "ADMIN_USER_PASSWORD_AUTH": ("USERNAME", "PASSWORD"), "ADMIN_NO_SRP_AUTH": ("USERNAME", "PASSWORD"),
    "REFRESH_TOKEN_AUTH": ("REFRESH_TOKEN",), "REFRESH_TOKEN": ("REFRESH_TOKEN",), "CUSTOM_AUTH": ("USERNAME",),
}


def _missing_auth_parameters(params) -> bool:
    given = params.get("AuthParameters") or {}
    return any(not given.get(key) for key in _REQUIRED_AUTH_PARAMETERS.get(params.get("AuthFlow"), ()))


#: The standard attributes of every pool (Amazon Cognito Developer Guide, User pool attributes,
#: "Standard attributes": OpenID Connect's claims) and the prefixes of the others.
_STANDARD_ATTRIBUTES = frozenset((
    "address", "birthdate", "email", "email_verified", "family_name", "gender", "given_name", "locale",
    "middle_name", "name", "nickname", "phone_number", "phone_number_verified", "picture", "preferred_username",
    "profile", "sub", "updated_at", "website", "zoneinfo"))


def _unknown_attribute(params) -> bool:
    for attribute in params.get("UserAttributes") or ():
        name = attribute.get("Name") if isinstance(attribute, dict) else None
        if isinstance(name, str) and name not in _STANDARD_ATTRIBUTES and not name.startswith(("custom:", "dev:")):
            return True
    return False


def _oauth_without_opt_in(params) -> bool:
    return bool(params.get("AllowedOAuthFlows")) and params.get("AllowedOAuthFlowsUserPoolClient") is not True


#: Documented constraints the model leaves out (:mod:`cloudtwin.conformance.constraints`).
CONSTRAINTS = (
    *(Constraint(op, "UserAttributes: a name is a standard attribute or carries the custom: prefix",
                 f"{op}, UserAttributes documentation (botocore model): \"For custom attributes, you must prepend "
                 "the custom: prefix to the attribute name\"; Amazon Cognito Developer Guide, User pool "
                 "attributes (the standard attributes)", _unknown_attribute)
      for op in ("AdminCreateUser", "AdminUpdateUserAttributes", "UpdateUserAttributes", "SignUp")),
    *(Constraint(op, "AllowedOAuthFlows: AllowedOAuthFlowsUserPoolClient must be true to configure them",
                 f"{op}, AllowedOAuthFlowsUserPoolClient documentation (botocore model): \"This parameter must "
                 "have a value of true before you can configure ... AllowedOAuthFlows\"", _oauth_without_opt_in)
      for op in ("CreateUserPoolClient", "UpdateUserPoolClient")),
    *(Constraint(op, "a PaginationToken is the one a previous answer returned",
                 f"{op}, PaginationToken documentation (botocore model): \"The pagination token is an identifier "
                 "that you can present in an additional API request with the same parameters\"",
                 lambda p: p.get("PaginationToken") not in (None, ""))
      for op in ("AdminListDevices", "ListDevices", "ListUserImportJobs", "ListUsers")),
    # the set-up's pool has no Lambda triggers (cloudtwin runs them; a set-up would need three functions)
    *(Constraint(op, "AuthFlow CUSTOM_AUTH runs the user pool's custom authentication challenge Lambda triggers",
                 f"{op}, AuthFlow documentation (botocore model): \"CUSTOM_AUTH: Custom authentication with Lambda "
                 "triggers\"; the pool the set-up makes has none", lambda p: p.get("AuthFlow") == "CUSTOM_AUTH")
      for op in ("InitiateAuth", "AdminInitiateAuth")),
    *(Constraint(op, "ManagedLoginVersion is 1 (hosted UI, classic) or 2 (managed login)",
                 f"{op}, ManagedLoginVersion documentation (botocore model): \"A value of 1 indicates hosted UI "
                 "(classic) and a version of 2 indicates managed login\"",
                 lambda p: p.get("ManagedLoginVersion") not in (None, 1, 2))
      for op in ("CreateUserPoolDomain", "UpdateUserPoolDomain")),
    *(Constraint(op, "AuthParameters: the parameters its AuthFlow requires (USERNAME, PASSWORD, SRP_A...)",
                 f"{op}, AuthParameters documentation (botocore model): \"USER_SRP_AUTH: USERNAME (required) SRP_A "
                 "(required); USER_PASSWORD_AUTH: USERNAME (required) PASSWORD (required)...\"",
                 _missing_auth_parameters) for op in ("InitiateAuth", "AdminInitiateAuth")),
    Constraint("InitiateAuth", "AuthFlow: ADMIN_USER_PASSWORD_AUTH and ADMIN_NO_SRP_AUTH are flows of AdminInitiateAuth",
               "InitiateAuth, AuthFlow documentation (botocore model): \"ADMIN_USER_PASSWORD_AUTH is a flow type of "
               "AdminInitiateAuth and isn't valid for InitiateAuth. ADMIN_NO_SRP_AUTH is a legacy server-side "
               "username-password flow and isn't valid for InitiateAuth\"",
               lambda p: p.get("AuthFlow") in ("ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH")),
)
