"""Platform applications and endpoints, SMS attributes, opt-outs, the SMS sandbox, and what
cloudtwin records as "sent" to protocols it cannot reach."""

from __future__ import annotations

import json
import urllib.request

import pytest
from botocore.exceptions import ClientError


@pytest.fixture
def sns(aws_client):
    return aws_client("sns")


def error(info):
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def control(cloudtwin, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        cloudtwin.endpoint + path, data=data, method="POST" if data else "GET",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def test_platform_application_lifecycle(sns):
    app = sns.create_platform_application(
        Name="mobile", Platform="GCM", Attributes={"PlatformCredential": "secret-key"}
    )["PlatformApplicationArn"]
    assert app == "arn:aws:sns:us-east-1:000000000000:app/GCM/mobile"
    attrs = sns.get_platform_application_attributes(PlatformApplicationArn=app)["Attributes"]
    assert attrs["Enabled"] == "true"
    assert "PlatformCredential" not in attrs  # credentials are never returned
    sns.set_platform_application_attributes(
        PlatformApplicationArn=app, Attributes={"EventEndpointCreated": "arn:aws:sns:us-east-1:000000000000:t"}
    )
    listed = sns.list_platform_applications()["PlatformApplications"]
    assert listed[0]["PlatformApplicationArn"] == app
    assert listed[0]["Attributes"]["EventEndpointCreated"].endswith(":t")
    sns.delete_platform_application(PlatformApplicationArn=app)
    assert sns.list_platform_applications()["PlatformApplications"] == []
    with pytest.raises(ClientError) as info:
        sns.get_platform_application_attributes(PlatformApplicationArn=app)
    assert error(info) == ("NotFound", "PlatformApplication does not exist")


def test_platform_endpoints_and_publish(sns, cloudtwin):
    app = sns.create_platform_application(
        Name="push", Platform="APNS", Attributes={"PlatformCredential": "k", "PlatformPrincipal": "c"}
    )["PlatformApplicationArn"]
    endpoint = sns.create_platform_endpoint(
        PlatformApplicationArn=app, Token="device-1", CustomUserData="user-7"
    )["EndpointArn"]
    assert endpoint.startswith("arn:aws:sns:us-east-1:000000000000:endpoint/APNS/push/")
    again = sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1", CustomUserData="user-7")
    assert again["EndpointArn"] == endpoint
    with pytest.raises(ClientError) as info:
        sns.create_platform_endpoint(PlatformApplicationArn=app, Token="device-1", CustomUserData="other")
    assert error(info) == (
        "InvalidParameter",
        f"Invalid parameter: Token Reason: Endpoint {endpoint} already exists with the same Token, "
        "but different attributes.",
    )
    attrs = sns.get_endpoint_attributes(EndpointArn=endpoint)["Attributes"]
    assert attrs == {"Enabled": "true", "Token": "device-1", "CustomUserData": "user-7"}

    message = json.dumps({"default": "plain", "APNS": json.dumps({"aps": {"alert": "hi"}})})
    message_id = sns.publish(TargetArn=endpoint, Message=message, MessageStructure="json")["MessageId"]
    sent = control(cloudtwin, "/_cloudtwin/sns/messages?protocol=application")["messages"]
    assert sent[-1]["message_id"] == message_id
    assert json.loads(sent[-1]["message"]) == {"aps": {"alert": "hi"}}

    sns.set_endpoint_attributes(EndpointArn=endpoint, Attributes={"Enabled": "false"})
    with pytest.raises(ClientError) as info:
        sns.publish(TargetArn=endpoint, Message="x")
    assert error(info) == ("EndpointDisabled", "Endpoint is disabled")

    listed = sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"]
    assert [e["EndpointArn"] for e in listed] == [endpoint]
    sns.delete_endpoint(EndpointArn=endpoint)
    assert sns.list_endpoints_by_platform_application(PlatformApplicationArn=app)["Endpoints"] == []
    with pytest.raises(ClientError) as info:
        sns.get_endpoint_attributes(EndpointArn=endpoint)
    assert error(info) == ("NotFound", "Endpoint does not exist")


def test_sms_attributes(sns):
    sns.set_sms_attributes(attributes={"DefaultSMSType": "Transactional", "DefaultSenderID": "Twin"})
    assert sns.get_sms_attributes()["attributes"] == {"DefaultSMSType": "Transactional", "DefaultSenderID": "Twin"}
    assert sns.get_sms_attributes(attributes=["DefaultSenderID"])["attributes"] == {"DefaultSenderID": "Twin"}
    with pytest.raises(ClientError) as info:
        sns.set_sms_attributes(attributes={"DefaultSMSType": "Loud"})
    assert error(info) == ("InvalidParameter", "DefaultSMSType is invalid")
    with pytest.raises(ClientError) as info:
        sns.set_sms_attributes(attributes={"DefaultSendID": "Twin"})
    assert error(info) == ("InvalidParameter", "DefaultSendID is not a valid attribute")


def test_opt_out_and_direct_sms(sns, cloudtwin):
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550123")["isOptedOut"] is False
    sns.publish(PhoneNumber="+15555550123", Message="code 1234")
    sent = control(cloudtwin, "/_cloudtwin/sns/messages?protocol=sms")["messages"]
    assert [(m["endpoint"], m["message"]) for m in sent] == [("+15555550123", "code 1234")]

    control(cloudtwin, "/_cloudtwin/sns/opt-outs", {"phoneNumber": "+15555550123"})
    assert sns.check_if_phone_number_is_opted_out(phoneNumber="+15555550123")["isOptedOut"] is True
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == ["+15555550123"]
    sns.publish(PhoneNumber="+15555550123", Message="not sent")
    assert len(control(cloudtwin, "/_cloudtwin/sns/messages?protocol=sms")["messages"]) == 1
    sns.opt_in_phone_number(phoneNumber="+15555550123")
    assert sns.list_phone_numbers_opted_out()["phoneNumbers"] == []


def test_sms_sandbox(sns, cloudtwin):
    assert sns.get_sms_sandbox_account_status()["IsInSandbox"] is True
    sns.create_sms_sandbox_phone_number(PhoneNumber="+15555550199")
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"] == [
        {"PhoneNumber": "+15555550199", "Status": "Pending"}
    ]
    sent = control(cloudtwin, "/_cloudtwin/sns/messages?protocol=sms")["messages"][-1]
    code = sent["attributes"]["OneTimePassword"]
    with pytest.raises(ClientError) as info:
        sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550199", OneTimePassword=f"{(int(code) + 1) % 1_000_000:06d}")
    assert info.value.response["Error"]["Code"] == "VerificationException"
    sns.verify_sms_sandbox_phone_number(PhoneNumber="+15555550199", OneTimePassword=code)
    assert sns.list_sms_sandbox_phone_numbers()["PhoneNumbers"][0]["Status"] == "Verified"
    sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550199")
    with pytest.raises(ClientError) as info:
        sns.delete_sms_sandbox_phone_number(PhoneNumber="+15555550199")
    assert error(info) == ("ResourceNotFound", "Phone number does not exist.")
    assert sns.list_origination_numbers()["PhoneNumbers"] == []


def test_recorded_protocols_receive_topic_messages(sns, cloudtwin):
    topic = sns.create_topic(Name="fanout-recorded")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550111")
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint="arn:aws:lambda:us-east-1:000000000000:function:fn")
    sns.publish(
        TopicArn=topic, MessageStructure="json",
        Message=json.dumps({"default": "everyone", "sms": "short"}),
    )
    sms = control(cloudtwin, "/_cloudtwin/sns/messages?protocol=sms")["messages"]
    assert [m["message"] for m in sms] == ["short"]
    lam = control(cloudtwin, "/_cloudtwin/sns/messages?protocol=lambda")["messages"]
    assert json.loads(lam[0]["message"])["Message"] == "everyone"
    assert lam[0]["topic_arn"] == topic


def test_messages_endpoint_refuses_unknown_protocol(cloudtwin):
    with pytest.raises(urllib.error.HTTPError) as info:
        control(cloudtwin, "/_cloudtwin/sns/messages?protocol=pigeon")
    assert info.value.code == 400
