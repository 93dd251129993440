"""The sign-in flows beyond the password: SRP through a real client library (pycognito's
AWSSRP), refresh tokens, the temporary password's NEW_PASSWORD_REQUIRED, sign-up and
forgotten passwords with the codes shown at /_cloudtwin/cognito/codes, sign-out and
revocation."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError
from cognito_helpers import PASSWORD, codes, sign_in
from pycognito.aws_srp import AWSSRP


def test_srp_sign_in_with_pycognito(idp, pool, client_id, user):
    srp = AWSSRP(username="alice", password=PASSWORD, pool_id=pool["Id"], client_id=client_id, client=idp)
    tokens = srp.authenticate_user()["AuthenticationResult"]
    assert idp.get_user(AccessToken=tokens["AccessToken"])["Username"] == "alice"


def test_srp_with_a_wrong_password_and_a_client_secret(idp, pool, user):
    created = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="secret", GenerateSecret=True,
                                          ExplicitAuthFlows=["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])  # fmt: skip
    cid, secret = created["UserPoolClient"]["ClientId"], created["UserPoolClient"]["ClientSecret"]
    good = AWSSRP(username="alice", password=PASSWORD, pool_id=pool["Id"], client_id=cid, client=idp, client_secret=secret)
    assert good.authenticate_user()["AuthenticationResult"]["IdToken"]
    bad = AWSSRP(username="alice", password="Wrong0ne!", pool_id=pool["Id"], client_id=cid, client=idp, client_secret=secret)
    with pytest.raises(ClientError) as err:
        bad.authenticate_user()
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Incorrect username or password."}


def test_choice_based_user_auth(idp, pool, user):
    cid = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="choice",
                                      ExplicitAuthFlows=["ALLOW_USER_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]  # fmt: skip
    direct = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH",
                               AuthParameters={"USERNAME": "alice", "PREFERRED_CHALLENGE": "PASSWORD", "PASSWORD": PASSWORD})  # fmt: skip
    assert direct["AuthenticationResult"]["AccessToken"]
    select = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "alice"})
    assert select["ChallengeName"] == "SELECT_CHALLENGE" and select["AvailableChallenges"] == ["PASSWORD", "PASSWORD_SRP"]
    done = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SELECT_CHALLENGE", Session=select["Session"],
                                         ChallengeResponses={"USERNAME": "alice", "ANSWER": "PASSWORD", "PASSWORD": PASSWORD})  # fmt: skip
    assert done["AuthenticationResult"]["IdToken"]
    with pytest.raises(ClientError) as err:
        idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PASSWORD})
    assert err.value.response["Error"]["Message"] == "USER_PASSWORD_AUTH flow not enabled for this client"


def test_refresh_token_auth_and_revocation(idp, pool, client_id, user):
    first = sign_in(idp, client_id)["AuthenticationResult"]
    again = idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                              AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})["AuthenticationResult"]  # fmt: skip
    assert "RefreshToken" not in again and again["AccessToken"] != first["AccessToken"]
    fresh = idp.get_tokens_from_refresh_token(RefreshToken=first["RefreshToken"], ClientId=client_id)
    assert idp.get_user(AccessToken=fresh["AuthenticationResult"]["AccessToken"])["Username"] == "alice"
    idp.revoke_token(Token=first["RefreshToken"], ClientId=client_id)
    for token in (first["AccessToken"], again["AccessToken"]):
        with pytest.raises(ClientError) as err:
            idp.get_user(AccessToken=token)
        assert err.value.response["Error"]["Message"] == "Access Token has been revoked"
    with pytest.raises(ClientError) as err:
        idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": first["RefreshToken"]})  # fmt: skip
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Invalid Refresh Token"}


def test_global_sign_out_revokes_every_token(idp, pool, client_id, user):
    one = sign_in(idp, client_id)["AuthenticationResult"]
    idp.global_sign_out(AccessToken=one["AccessToken"])
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken=one["AccessToken"])
    assert err.value.response["Error"]["Message"] == "Access Token has been revoked"
    with pytest.raises(ClientError):
        idp.initiate_auth(ClientId=client_id, AuthFlow="REFRESH_TOKEN_AUTH",
                          AuthParameters={"REFRESH_TOKEN": one["RefreshToken"]})  # fmt: skip
    assert idp.get_user(AccessToken=sign_in(idp, client_id)["AuthenticationResult"]["AccessToken"])


def test_temporary_password_needs_a_new_one(idp, pool, client_id, endpoint):
    idp.admin_create_user(UserPoolId=pool["Id"], Username="bob",
                          UserAttributes=[{"Name": "email", "Value": "bob@example.com"}])  # fmt: skip
    sent = codes(endpoint, pool=pool["Id"], username="bob")
    assert [c["kind"] for c in sent] == ["TEMPORARY_PASSWORD"] and sent[0]["destination"] == "bob@example.com"
    temporary = sent[0]["code"]
    challenge = sign_in(idp, client_id, "bob", temporary)
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    assert json.loads(challenge["ChallengeParameters"]["userAttributes"]) == {"email": "bob@example.com"}
    with pytest.raises(ClientError) as err:
        idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
                                      ChallengeResponses={"USERNAME": "bob", "NEW_PASSWORD": "short"})  # fmt: skip
    assert err.value.response["Error"] == {"Code": "InvalidPasswordException",
                                           "Message": "Password did not conform with policy: Password not long enough"}  # fmt: skip
    done = idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "bob", "NEW_PASSWORD": "N3w-password"})  # fmt: skip
    assert done["AuthenticationResult"]["AccessToken"]
    assert idp.admin_get_user(UserPoolId=pool["Id"], Username="bob")["UserStatus"] == "CONFIRMED"


def test_temporary_password_expires(idp, pool, client_id, cloudtwin_client):
    idp.admin_create_user(UserPoolId=pool["Id"], Username="late", TemporaryPassword="Temp0rary!", MessageAction="SUPPRESS")
    cloudtwin_client.advance(7 * 86400 + 1)
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "late", "Temp0rary!")
    assert err.value.response["Error"]["Message"] == "Temporary password has expired and must be reset by an administrator."


def test_sign_up_confirm_with_the_code(idp, pool, client_id, endpoint):
    out = idp.sign_up(ClientId=client_id, Username="carol", Password=PASSWORD,
                      UserAttributes=[{"Name": "email", "Value": "carol@example.com"}])  # fmt: skip
    assert out["UserConfirmed"] is False
    assert out["CodeDeliveryDetails"] == {"Destination": "c***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id, "carol")
    assert err.value.response["Error"] == {"Code": "UserNotConfirmedException", "Message": "User is not confirmed."}
    with pytest.raises(ClientError) as err:
        idp.sign_up(ClientId=client_id, Username="carol", Password=PASSWORD)
    assert err.value.response["Error"] == {"Code": "UsernameExistsException", "Message": "User already exists"}
    [code] = codes(endpoint, username="carol", kind="SIGN_UP")
    with pytest.raises(ClientError) as err:
        idp.confirm_sign_up(ClientId=client_id, Username="carol", ConfirmationCode="000000" if code["code"] != "000000" else "111111")
    assert err.value.response["Error"] == {"Code": "CodeMismatchException",
                                           "Message": "Invalid verification code provided, please try again."}  # fmt: skip
    idp.confirm_sign_up(ClientId=client_id, Username="carol", ConfirmationCode=code["code"])
    user = idp.admin_get_user(UserPoolId=pool["Id"], Username="carol")
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
    assert sign_in(idp, client_id, "carol")["AuthenticationResult"]


def test_without_auto_verification_sign_up_sends_no_code(idp):
    pool_id = idp.create_user_pool(PoolName="manual")["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app")["UserPoolClient"]["ClientId"]
    out = idp.sign_up(ClientId=cid, Username="dora", Password=PASSWORD, UserAttributes=[{"Name": "email", "Value": "d@example.com"}])
    assert out["UserConfirmed"] is False and "CodeDeliveryDetails" not in out
    with pytest.raises(ClientError) as err:
        idp.resend_confirmation_code(ClientId=cid, Username="dora")
    assert err.value.response["Error"] == {"Code": "InvalidParameterException",
                                           "Message": "Cannot resend codes. Auto verification not turned on."}  # fmt: skip
    idp.admin_confirm_sign_up(UserPoolId=pool_id, Username="dora")
    assert idp.admin_get_user(UserPoolId=pool_id, Username="dora")["UserStatus"] == "CONFIRMED"


def test_sign_up_password_policy(idp, pool, client_id):
    for password, reason in (("alllowercase1!", "Password must have uppercase characters"),
                             ("NoNumbers!!", "Password must have numeric characters"),
                             ("NoSymbols123", "Password must have symbol characters")):  # fmt: skip
        with pytest.raises(ClientError) as err:
            idp.sign_up(ClientId=client_id, Username="dave", Password=password)
        assert err.value.response["Error"] == {"Code": "InvalidPasswordException",
                                               "Message": f"Password did not conform with policy: {reason}"}  # fmt: skip


def test_forgot_password(idp, pool, client_id, user, endpoint, cloudtwin_client):
    out = idp.forgot_password(ClientId=client_id, Username="alice")
    assert out["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    [code] = codes(endpoint, username="alice", kind="FORGOT_PASSWORD")
    idp.confirm_forgot_password(ClientId=client_id, Username="alice", ConfirmationCode=code["code"], Password="Changed-1")
    assert sign_in(idp, client_id, password="Changed-1")["AuthenticationResult"]
    idp.forgot_password(ClientId=client_id, Username="alice")
    code = codes(endpoint, username="alice", kind="FORGOT_PASSWORD")[-1]
    cloudtwin_client.advance(3601)
    with pytest.raises(ClientError) as err:
        idp.confirm_forgot_password(ClientId=client_id, Username="alice", ConfirmationCode=code["code"], Password="Changed-2")
    assert err.value.response["Error"]["Code"] == "ExpiredCodeException"


def test_forgot_password_needs_a_verified_address(idp, pool, client_id):
    idp.admin_create_user(UserPoolId=pool["Id"], Username="unverified", MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": "u@example.com"}])  # fmt: skip
    with pytest.raises(ClientError) as err:
        idp.forgot_password(ClientId=client_id, Username="unverified")
    assert err.value.response["Error"] == {
        "Code": "InvalidParameterException",
        "Message": "Cannot reset password for the user as there is no registered/verified email or phone_number"}


def test_attribute_verification_and_change_password(idp, pool, client_id, user, endpoint):
    access = sign_in(idp, client_id)["AuthenticationResult"]["AccessToken"]
    out = idp.update_user_attributes(AccessToken=access, UserAttributes=[{"Name": "email", "Value": "new@example.com"}])
    assert out["CodeDeliveryDetailsList"][0]["AttributeName"] == "email"
    [code] = codes(endpoint, username="alice", kind="VERIFY:email")
    idp.verify_user_attribute(AccessToken=access, AttributeName="email", Code=code["code"])
    attrs = {a["Name"]: a["Value"] for a in idp.get_user(AccessToken=access)["UserAttributes"]}
    assert attrs["email"] == "new@example.com" and attrs["email_verified"] == "true"
    with pytest.raises(ClientError) as err:
        idp.change_password(AccessToken=access, PreviousPassword="Wrong0ne!", ProposedPassword="Another-1")
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"
    idp.change_password(AccessToken=access, PreviousPassword=PASSWORD, ProposedPassword="Another-1")
    assert sign_in(idp, client_id, password="Another-1")["AuthenticationResult"]


def test_disabled_user_cannot_sign_in(idp, pool, client_id, user):
    idp.admin_disable_user(UserPoolId=pool["Id"], Username="alice")
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id)
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "User is disabled."}


def test_malformed_sign_in_input_gets_aws_errors_not_500s(idp, pool, client_id, user):
    for auth in ({"USERNAME": "alice", "SRP_A": "not-hex"}, {"USERNAME": "alice", "SRP_A": "0"}):
        with pytest.raises(ClientError) as err:
            idp.initiate_auth(ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=auth)
        assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as err:
        idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses={
            "USERNAME": "alice", "PASSWORD_CLAIM_SECRET_BLOCK": "!!", "PASSWORD_CLAIM_SIGNATURE": "é", "TIMESTAMP": "x"})
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"
    with pytest.raises(ClientError) as err:
        idp.respond_to_auth_challenge(ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED", Session="n" * 40,
                                      ChallengeResponses={"USERNAME": "alice", "NEW_PASSWORD": PASSWORD})  # fmt: skip
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Invalid session for the user."}
    with pytest.raises(ClientError) as err:
        idp.list_users(UserPoolId=pool["Id"], PaginationToken="bogus")
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as err:
        idp.get_user(AccessToken="not.a.jwt")
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Invalid Access Token"}


def test_prevent_user_existence_errors(idp, pool):
    cid = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="quiet", PreventUserExistenceErrors="ENABLED",
                                      ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]  # fmt: skip
    with pytest.raises(ClientError) as err:
        sign_in(idp, cid, "ghost")
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Incorrect username or password."}
    assert idp.forgot_password(ClientId=cid, Username="ghost@example.com")["CodeDeliveryDetails"]["DeliveryMedium"] == "EMAIL"
    with pytest.raises(ClientError) as err:
        idp.confirm_sign_up(ClientId=cid, Username="ghost", ConfirmationCode="123456")
    assert err.value.response["Error"]["Code"] == "CodeMismatchException"


def test_repeated_wrong_passwords_lock_the_user_out_for_a_while(idp, pool, client_id, user, cloudtwin_client):
    for _ in range(5):
        with pytest.raises(ClientError) as err:
            sign_in(idp, client_id, password="Wrong0ne!")
        assert err.value.response["Error"]["Message"] == "Incorrect username or password."
    with pytest.raises(ClientError) as err:
        sign_in(idp, client_id)
    assert err.value.response["Error"] == {"Code": "NotAuthorizedException", "Message": "Password attempts exceeded"}
    cloudtwin_client.advance(2)
    assert sign_in(idp, client_id)["AuthenticationResult"]


def test_remembered_device_signs_in_with_device_srp_and_skips_mfa(idp, pool, client_id, user):
    from pycognito.aws_srp import generate_hash_device

    idp.update_user_pool(UserPoolId=pool["Id"], AutoVerifiedAttributes=["email"],
                         DeviceConfiguration={"ChallengeRequiredOnNewDevice": True, "DeviceOnlyRememberedOnUserPrompt": False})  # fmt: skip
    first = AWSSRP(username="alice", password=PASSWORD, pool_id=pool["Id"], client_id=client_id, client=idp).authenticate_user()
    device = first["AuthenticationResult"]["NewDeviceMetadata"]
    device_password, verifier = generate_hash_device(device["DeviceGroupKey"], device["DeviceKey"])
    access = first["AuthenticationResult"]["AccessToken"]
    confirmed = idp.confirm_device(AccessToken=access, DeviceKey=device["DeviceKey"], DeviceSecretVerifierConfig=verifier,
                                   DeviceName="laptop")  # fmt: skip
    assert confirmed["UserConfirmationNecessary"] is False
    listed = idp.list_devices(AccessToken=access)["Devices"]
    assert [d["DeviceKey"] for d in listed] == [device["DeviceKey"]]
    assert {"Name": "device_name", "Value": "laptop"} in listed[0]["DeviceAttributes"]
    idp.set_user_pool_mfa_config(UserPoolId=pool["Id"], MfaConfiguration="OPTIONAL",
                                 EmailMfaConfiguration={"Message": "{####}", "Subject": "Code"})  # fmt: skip
    idp.admin_set_user_mfa_preference(UserPoolId=pool["Id"], Username="alice",
                                      EmailMfaSettings={"Enabled": True, "PreferredMfa": True})  # fmt: skip
    assert sign_in(idp, client_id)["ChallengeName"] == "EMAIL_OTP"
    remembered = AWSSRP(username="alice", password=PASSWORD, pool_id=pool["Id"], client_id=client_id, client=idp,
                        device_key=device["DeviceKey"], device_group_key=device["DeviceGroupKey"],
                        device_password=device_password).authenticate_user()  # fmt: skip
    assert remembered["AuthenticationResult"]["AccessToken"] and "NewDeviceMetadata" not in remembered["AuthenticationResult"]
    wrong = AWSSRP(username="alice", password=PASSWORD, pool_id=pool["Id"], client_id=client_id, client=idp,
                   device_key=device["DeviceKey"], device_group_key=device["DeviceGroupKey"], device_password="nope")  # fmt: skip
    with pytest.raises(ClientError) as err:
        wrong.authenticate_user()
    assert err.value.response["Error"]["Code"] == "NotAuthorizedException"
    idp.admin_forget_device(UserPoolId=pool["Id"], Username="alice", DeviceKey=device["DeviceKey"])
    assert idp.admin_list_devices(UserPoolId=pool["Id"], Username="alice")["Devices"] == []


def test_passwordless_sign_up_and_email_code_sign_in(idp, endpoint):
    pool_id = idp.create_user_pool(PoolName="passwordless", AutoVerifiedAttributes=["email"], Policies={
        "SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})["UserPool"]["Id"]  # fmt: skip
    cid = idp.create_user_pool_client(UserPoolId=pool_id, ClientName="app", ExplicitAuthFlows=["ALLOW_USER_AUTH"])[
        "UserPoolClient"]["ClientId"]  # fmt: skip
    idp.sign_up(ClientId=cid, Username="gina", UserAttributes=[{"Name": "email", "Value": "gina@example.com"}])
    [code] = codes(endpoint, username="gina", kind="SIGN_UP")
    idp.confirm_sign_up(ClientId=cid, Username="gina", ConfirmationCode=code["code"])
    select = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH", AuthParameters={"USERNAME": "gina"})
    assert select["AvailableChallenges"] == ["EMAIL_OTP"]
    challenge = idp.initiate_auth(ClientId=cid, AuthFlow="USER_AUTH",
                                  AuthParameters={"USERNAME": "gina", "PREFERRED_CHALLENGE": "EMAIL_OTP"})  # fmt: skip
    assert challenge["ChallengeName"] == "EMAIL_OTP"
    assert challenge["ChallengeParameters"]["CODE_DELIVERY_DESTINATION"] == "g***@e***"
    sent = codes(endpoint, username="gina", kind="EMAIL_OTP")[-1]
    done = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="EMAIL_OTP", Session=challenge["Session"],
                                         ChallengeResponses={"USERNAME": "gina", "EMAIL_OTP_CODE": sent["code"]})  # fmt: skip
    assert done["AuthenticationResult"]["AccessToken"]
