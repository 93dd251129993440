"""The control plane: pools (password policy, schema, MFA and Lambda config), app clients
(secrets, flows, token validity units), groups, users, domains, resource servers; AWS's
errors for what does not exist."""

from __future__ import annotations

import jwt
import pytest
from botocore.exceptions import ClientError
from cognito_helpers import PASSWORD, sign_in


def test_pool_settings_and_schema(idp):
    pool = idp.create_user_pool(
        PoolName="shop", Policies={"PasswordPolicy": {"MinimumLength": 12, "RequireSymbols": False}},
        Schema=[{"Name": "tenant", "AttributeDataType": "String", "Mutable": True},
                {"Name": "email", "AttributeDataType": "String", "Required": True}],
        UserPoolTags={"team": "web"},
    )["UserPool"]  # fmt: skip
    assert pool["Id"].startswith("us-east-1_") and len(pool["Id"].split("_")[1]) == 9
    assert pool["Arn"] == f"arn:aws:cognito-idp:us-east-1:000000000000:userpool/{pool['Id']}"
    policy = pool["Policies"]["PasswordPolicy"]
    assert policy["MinimumLength"] == 12 and policy["RequireSymbols"] is False and policy["RequireUppercase"] is True
    names = {a["Name"]: a for a in pool["SchemaAttributes"]}
    assert "custom:tenant" in names and names["email"]["Required"] is True and "sub" in names
    described = idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]
    assert described["Name"] == "shop" and described["MfaConfiguration"] == "OFF"
    assert idp.list_tags_for_resource(ResourceArn=pool["Arn"])["Tags"] == {"team": "web"}
    idp.add_custom_attributes(UserPoolId=pool["Id"], CustomAttributes=[{"Name": "plan", "AttributeDataType": "String"}])
    names = {a["Name"] for a in idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["SchemaAttributes"]}
    assert "custom:plan" in names
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool["Id"], Username="nomail")
    assert err.value.response["Error"]["Code"] == "InvalidParameterException"
    assert [p["Id"] for p in idp.list_user_pools(MaxResults=10)["UserPools"]] == [pool["Id"]]
    idp.delete_user_pool(UserPoolId=pool["Id"])
    with pytest.raises(ClientError) as err:
        idp.describe_user_pool(UserPoolId=pool["Id"])
    assert err.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": f"User pool {pool['Id']} does not exist."}


def test_clients_and_token_validity_units(idp, pool, user):
    created = idp.create_user_pool_client(
        UserPoolId=pool["Id"], ClientName="short", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        AccessTokenValidity=5, IdTokenValidity=10, TokenValidityUnits={"AccessToken": "minutes", "IdToken": "minutes"},
    )["UserPoolClient"]  # fmt: skip
    assert "ClientSecret" not in created
    result = sign_in(idp, created["ClientId"])["AuthenticationResult"]
    assert result["ExpiresIn"] == 300
    claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 600
    updated = idp.update_user_pool_client(UserPoolId=pool["Id"], ClientId=created["ClientId"], ClientName="renamed")
    assert updated["UserPoolClient"]["ClientName"] == "renamed"
    listed = idp.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=10)["UserPoolClients"]
    assert listed == [{"ClientId": created["ClientId"], "UserPoolId": pool["Id"], "ClientName": "renamed"}]
    idp.delete_user_pool_client(UserPoolId=pool["Id"], ClientId=created["ClientId"])
    with pytest.raises(ClientError) as err:
        idp.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=created["ClientId"])
    assert err.value.response["Error"] == {"Code": "ResourceNotFoundException",
                                           "Message": f"User pool client {created['ClientId']} does not exist."}  # fmt: skip
    with pytest.raises(ClientError) as err:
        sign_in(idp, created["ClientId"])
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_groups_and_users(idp, pool, user):
    idp.create_group(UserPoolId=pool["Id"], GroupName="staff", Description="employees", Precedence=2)
    with pytest.raises(ClientError) as err:
        idp.create_group(UserPoolId=pool["Id"], GroupName="staff")
    assert err.value.response["Error"] == {"Code": "GroupExistsException", "Message": "A group with the name already exists."}
    idp.admin_add_user_to_group(UserPoolId=pool["Id"], Username=user, GroupName="staff")
    assert [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool["Id"], Username=user)["Groups"]] == ["staff"]
    assert [u["Username"] for u in idp.list_users_in_group(UserPoolId=pool["Id"], GroupName="staff")["Users"]] == ["alice"]
    idp.admin_remove_user_from_group(UserPoolId=pool["Id"], Username=user, GroupName="staff")
    assert idp.list_users_in_group(UserPoolId=pool["Id"], GroupName="staff")["Users"] == []
    with pytest.raises(ClientError) as err:
        idp.get_group(UserPoolId=pool["Id"], GroupName="nope")
    assert err.value.response["Error"] == {"Code": "ResourceNotFoundException", "Message": "Group not found."}
    with pytest.raises(ClientError) as err:
        idp.admin_create_user(UserPoolId=pool["Id"], Username="alice")
    assert err.value.response["Error"] == {"Code": "UsernameExistsException", "Message": "User account already exists"}
    idp.admin_create_user(UserPoolId=pool["Id"], Username="bob", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "bob@example.org"}])  # fmt: skip
    found = idp.list_users(UserPoolId=pool["Id"], Filter='email ^= "bob"')["Users"]
    assert [u["Username"] for u in found] == ["bob"] and found[0]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    idp.admin_update_user_attributes(UserPoolId=pool["Id"], Username="bob", UserAttributes=[{"Name": "name", "Value": "Bob"}])
    attrs = {a["Name"]: a["Value"] for a in idp.admin_get_user(UserPoolId=pool["Id"], Username="bob")["UserAttributes"]}
    assert attrs["name"] == "Bob"
    idp.admin_delete_user(UserPoolId=pool["Id"], Username="bob")
    with pytest.raises(ClientError) as err:
        idp.admin_get_user(UserPoolId=pool["Id"], Username="bob")
    assert err.value.response["Error"] == {"Code": "UserNotFoundException", "Message": "User does not exist."}


def test_email_as_username(idp):
    pool_id = idp.create_user_pool(PoolName="by-mail", UsernameAttributes=["email"])["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])[
        "UserPoolClient"]["ClientId"]  # fmt: skip
    created = idp.admin_create_user(UserPoolId=pool_id, Username="ann@example.com", MessageAction="SUPPRESS")["User"]
    assert created["Username"] != "ann@example.com"  # a generated id; the address is the email attribute
    idp.admin_set_user_password(UserPoolId=pool_id, Username="ann@example.com", Password=PASSWORD, Permanent=True)
    claims = jwt.decode(sign_in(idp, cid, "ann@example.com")["AuthenticationResult"]["IdToken"],
                        options={"verify_signature": False})  # fmt: skip
    assert claims["email"] == "ann@example.com" and claims["cognito:username"] == created["Username"]


def test_domains_and_resource_servers(idp, pool):
    idp.create_user_pool_domain(UserPoolId=pool["Id"], Domain="my-app")
    desc = idp.describe_user_pool_domain(Domain="my-app")["DomainDescription"]
    assert desc["UserPoolId"] == pool["Id"] and desc["Status"] == "ACTIVE"
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["Domain"] == "my-app"
    assert idp.describe_user_pool_domain(Domain="unknown")["DomainDescription"] == {}
    server = idp.create_resource_server(UserPoolId=pool["Id"], Identifier="api", Name="API",
                                        Scopes=[{"ScopeName": "read", "ScopeDescription": "r"}])["ResourceServer"]  # fmt: skip
    assert server["Scopes"] == [{"ScopeName": "read", "ScopeDescription": "r"}]
    assert [s["Identifier"] for s in idp.list_resource_servers(UserPoolId=pool["Id"], MaxResults=10)["ResourceServers"]] == ["api"]
    idp.delete_user_pool_domain(UserPoolId=pool["Id"], Domain="my-app")


def test_domain_managed_login_version_is_one_or_two(idp, pool):
    with pytest.raises(ClientError) as refused:
        idp.create_user_pool_domain(UserPoolId=pool["Id"], Domain="my-zero", ManagedLoginVersion=0)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    answer = idp.create_user_pool_domain(UserPoolId=pool["Id"], Domain="my-two", ManagedLoginVersion=2)
    assert answer["ManagedLoginVersion"] == 2
    assert idp.describe_user_pool_domain(Domain="my-two")["DomainDescription"]["ManagedLoginVersion"] == 2
    with pytest.raises(ClientError) as refused:
        idp.update_user_pool_domain(UserPoolId=pool["Id"], Domain="my-two", ManagedLoginVersion=3)
    assert refused.value.response["Error"]["Code"] == "InvalidParameterException"
    assert idp.describe_user_pool_domain(Domain="my-two")["DomainDescription"]["ManagedLoginVersion"] == 2


def test_mfa_config(idp, pool):
    out = idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration="OPTIONAL",
                                       SoftwareTokenMfaConfiguration={"Enabled": True})  # fmt: skip
    assert out["MfaConfiguration"] == "OPTIONAL" and out["SoftwareTokenMfaConfiguration"] == {"Enabled": True}
    assert idp.get_user_pool_mfa_config(UserPoolId=pool["Id"])["MfaConfiguration"] == "OPTIONAL"


def test_identity_providers_are_stored(idp, pool):
    created = idp.create_identity_provider(
        UserPoolId=pool["Id"], ProviderName="Corp", ProviderType="OIDC", IdpIdentifiers=["corp"],
        ProviderDetails={"client_id": "x", "client_secret": "y", "authorize_scopes": "openid", "oidc_issuer": "https://idp.test"},
        AttributeMapping={"email": "email"},
    )["IdentityProvider"]  # fmt: skip
    assert created["ProviderType"] == "OIDC" and created["AttributeMapping"] == {"email": "email"}
    with pytest.raises(ClientError) as err:
        idp.create_identity_provider(UserPoolId=pool["Id"], ProviderName="Corp", ProviderType="OIDC", ProviderDetails={})
    assert err.value.response["Error"]["Code"] == "DuplicateProviderException"
    assert idp.get_identity_provider_by_identifier(UserPoolId=pool["Id"], IdpIdentifier="corp")["IdentityProvider"]["ProviderName"] == "Corp"
    idp.update_identity_provider(UserPoolId=pool["Id"], ProviderName="Corp", AttributeMapping={"email": "mail"})
    assert idp.describe_identity_provider(UserPoolId=pool["Id"], ProviderName="Corp")["IdentityProvider"]["AttributeMapping"] == {"email": "mail"}
    assert [p["ProviderName"] for p in idp.list_identity_providers(UserPoolId=pool["Id"])["Providers"]] == ["Corp"]
    idp.delete_identity_provider(UserPoolId=pool["Id"], ProviderName="Corp")
    with pytest.raises(ClientError) as err:
        idp.describe_identity_provider(UserPoolId=pool["Id"], ProviderName="Corp")
    assert err.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_stored_settings_csv_header_and_signing_certificate(idp, pool, client_id, user):
    from cryptography import x509

    idp.set_ui_customization(UserPoolId=pool["Id"], CSS=".banner { color: red }")
    assert idp.get_ui_customization(UserPoolId=pool["Id"], ClientId=client_id)["UICustomization"]["CSS"] == ".banner { color: red }"
    idp.set_risk_configuration(UserPoolId=pool["Id"], RiskExceptionConfiguration={"BlockedIPRangeList": ["192.0.2.0/24"]})
    risk = idp.describe_risk_configuration(UserPoolId=pool["Id"])["RiskConfiguration"]
    assert risk["RiskExceptionConfiguration"] == {"BlockedIPRangeList": ["192.0.2.0/24"]}
    logs = [{"LogLevel": "ERROR", "EventSource": "userNotification",
             "CloudWatchLogsConfiguration": {"LogGroupArn": "arn:aws:logs:us-east-1:000000000000:log-group:cognito"}}]  # fmt: skip
    idp.set_log_delivery_configuration(UserPoolId=pool["Id"], LogConfigurations=logs)
    assert idp.get_log_delivery_configuration(UserPoolId=pool["Id"])["LogDeliveryConfiguration"]["LogConfigurations"] == logs
    header = idp.get_csv_header(UserPoolId=pool["Id"])["CSVHeader"]
    assert header[0] == "name" and "cognito:username" in header
    pem = idp.get_signing_certificate(UserPoolId=pool["Id"])["Certificate"]
    cert = x509.load_pem_x509_certificate(f"-----BEGIN CERTIFICATE-----\n{pem}\n-----END CERTIFICATE-----\n".encode())
    assert pool["Id"] in cert.subject.rfc4514_string()
    factors = idp.admin_get_user_auth_factors(UserPoolId=pool["Id"], Username=user)
    assert factors["ConfiguredUserAuthFactors"] == ["PASSWORD"]
    assert "_UiCustomization" not in idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]


def test_user_import_job(idp, pool, client_id, endpoint):
    import csv
    import io
    import urllib.request

    header = idp.get_csv_header(UserPoolId=pool["Id"])["CSVHeader"]
    job = idp.create_user_import_job(UserPoolId=pool["Id"], JobName="first",
                                     CloudWatchLogsRoleArn="arn:aws:iam::000000000000:role/import")["UserImportJob"]  # fmt: skip
    assert job["Status"] == "Created" and job["PreSignedUrl"].startswith(f"{endpoint}/{pool['Id']}/import/")
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header)
    writer.writeheader()
    for name in ("erin", "frank", ""):
        writer.writerow({**{h: "" for h in header}, "cognito:username": name, "email": f"{name}@example.com",
                         "email_verified": "true", "cognito:mfa_enabled": "false"})  # fmt: skip
    request = urllib.request.Request(job["PreSignedUrl"], data=out.getvalue().encode(), method="PUT",
                                     headers={"Content-Type": "text/csv"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=5) as resp:
        assert resp.status == 200
    done = idp.start_user_import_job(UserPoolId=pool["Id"], JobId=job["JobId"])["UserImportJob"]
    assert (done["Status"], done["ImportedUsers"], done["FailedUsers"]) == ("Succeeded", 2, 1)
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="erin")
    assert user["UserStatus"] == "RESET_REQUIRED"
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "erin", PASSWORD)
    assert err.value.response["Error"] == {"Code": "PasswordResetRequiredException",
                                           "Message": "Password reset required for the user"}  # fmt: skip
    assert [j["JobId"] for j in idp.list_user_import_jobs(UserPoolId=pool["Id"], MaxResults=10)["UserImportJobs"]] == [job["JobId"]]
