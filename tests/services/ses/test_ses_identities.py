"""Identities: verification, listing and paging, DKIM, notification settings, MAIL FROM,
sending authorization policies and their errors."""

import json

import pytest
from botocore.exceptions import ClientError
from ses_helpers import kept


def _error(excinfo):
    return excinfo.value.response["Error"]


def test_verify_list_and_delete(aws_client):
    ses = aws_client("ses")
    ses.verify_email_identity(EmailAddress="a@example.com")
    ses.verify_email_address(EmailAddress="b@example.com")
    token = ses.verify_domain_identity(Domain="example.org")["VerificationToken"]
    assert len(token) == 44
    assert ses.list_identities()["Identities"] == ["a@example.com", "b@example.com", "example.org"]
    assert ses.list_identities(IdentityType="Domain")["Identities"] == ["example.org"]
    first = ses.list_identities(MaxItems=2)
    assert first["Identities"] == ["a@example.com", "b@example.com"]
    assert ses.list_identities(MaxItems=2, NextToken=first["NextToken"])["Identities"] == ["example.org"]
    assert ses.list_verified_email_addresses()["VerifiedEmailAddresses"] == ["a@example.com", "b@example.com"]
    attributes = ses.get_identity_verification_attributes(Identities=["a@example.com", "example.org", "unknown.com"])
    assert attributes["VerificationAttributes"] == {
        "a@example.com": {"VerificationStatus": "Success"},
        "example.org": {"VerificationStatus": "Success", "VerificationToken": token},
    }
    ses.delete_identity(Identity="a@example.com")
    ses.delete_verified_email_address(EmailAddress="b@example.com")
    assert ses.list_identities()["Identities"] == ["example.org"]
    with pytest.raises(ClientError) as exc:
        ses.verify_email_identity(EmailAddress="not-an-address")
    assert _error(exc)["Code"] == "InvalidParameterValue"


def test_dkim(aws_client):
    ses = aws_client("ses")
    tokens = ses.verify_domain_dkim(Domain="example.org")["DkimTokens"]
    assert len(tokens) == 3 and all(len(t) == 32 for t in tokens)
    ses.verify_email_identity(EmailAddress="a@example.org")
    attributes = ses.get_identity_dkim_attributes(Identities=["example.org", "a@example.org"])["DkimAttributes"]
    assert attributes["example.org"] == {"DkimEnabled": True, "DkimVerificationStatus": "Success", "DkimTokens": tokens}
    assert attributes["a@example.org"]["DkimEnabled"] is True
    ses.set_identity_dkim_enabled(Identity="example.org", DkimEnabled=False)
    assert ses.get_identity_dkim_attributes(Identities=["example.org"])["DkimAttributes"]["example.org"]["DkimEnabled"] is False


def test_notification_attributes(aws_client):
    ses = aws_client("ses")
    ses.verify_email_identity(EmailAddress="a@example.com")
    topic = aws_client("sns").create_topic(Name="bounces")["TopicArn"]
    ses.set_identity_notification_topic(Identity="a@example.com", NotificationType="Bounce", SnsTopic=topic)
    ses.set_identity_notification_topic(Identity="a@example.com", NotificationType="Complaint", SnsTopic=topic)
    ses.set_identity_headers_in_notifications_enabled(Identity="a@example.com", NotificationType="Complaint", Enabled=True)
    ses.set_identity_feedback_forwarding_enabled(Identity="a@example.com", ForwardingEnabled=False)
    attributes = ses.get_identity_notification_attributes(Identities=["a@example.com"])["NotificationAttributes"]
    assert attributes["a@example.com"] == {
        "BounceTopic": topic, "ComplaintTopic": topic, "ForwardingEnabled": False,
        "HeadersInBounceNotificationsEnabled": False, "HeadersInComplaintNotificationsEnabled": True,
        "HeadersInDeliveryNotificationsEnabled": False,
    }
    ses.set_identity_notification_topic(Identity="a@example.com", NotificationType="Bounce")
    assert "BounceTopic" not in ses.get_identity_notification_attributes(Identities=["a@example.com"])["NotificationAttributes"]["a@example.com"]
    with pytest.raises(ClientError) as exc:
        ses.set_identity_headers_in_notifications_enabled(Identity="unknown@example.com", NotificationType="Bounce", Enabled=True)
    assert _error(exc) == {"Type": "Sender", "Code": "MessageRejected", "Message": "Identity unknown@example.com is not verified or does not exist."}
    with pytest.raises(ClientError) as exc:  # SES's own check, not the model's enum
        ses.set_identity_headers_in_notifications_enabled(Identity="a@example.com", NotificationType="Nope", Enabled=True)
    assert _error(exc)["Code"] == "InvalidParameterValue"
    assert _error(exc)["Message"].startswith("Invalid notification type: Nope.")


def test_mail_from_and_policies(aws_client):
    ses = aws_client("ses")
    ses.verify_domain_identity(Domain="example.org")
    ses.set_identity_mail_from_domain(Identity="example.org", MailFromDomain="bounce.example.org", BehaviorOnMXFailure="RejectMessage")
    assert ses.get_identity_mail_from_domain_attributes(Identities=["example.org"])["MailFromDomainAttributes"] == {
        "example.org": {"MailFromDomain": "bounce.example.org", "MailFromDomainStatus": "Success", "BehaviorOnMXFailure": "RejectMessage"}}
    with pytest.raises(ClientError) as exc:
        ses.set_identity_mail_from_domain(Identity="example.org", MailFromDomain="elsewhere.com")
    assert _error(exc)["Code"] == "InvalidParameterValue"

    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "123456789012"},
                                                                  "Action": "ses:SendEmail", "Resource": "*"}]})
    ses.put_identity_policy(Identity="example.org", PolicyName="p1", Policy=policy)
    assert ses.list_identity_policies(Identity="example.org")["PolicyNames"] == ["p1"]
    assert ses.get_identity_policies(Identity="example.org", PolicyNames=["p1", "p2"])["Policies"] == {"p1": policy}
    with pytest.raises(ClientError) as exc:
        ses.put_identity_policy(Identity="example.org", PolicyName="p2", Policy="{not json")
    assert _error(exc)["Code"] == "InvalidPolicy"
    ses.delete_identity_policy(Identity="example.org", PolicyName="p1")
    assert ses.list_identity_policies(Identity="example.org")["PolicyNames"] == []


def test_templates(aws_client):
    ses = aws_client("ses")
    template = {"TemplateName": "t1", "SubjectPart": "s", "TextPart": "t", "HtmlPart": "h"}
    ses.create_template(Template=template)
    with pytest.raises(ClientError) as exc:
        ses.create_template(Template=template)
    assert _error(exc)["Code"] == "AlreadyExists"
    assert ses.get_template(TemplateName="t1")["Template"] == template
    ses.update_template(Template={**template, "SubjectPart": "new"})
    assert ses.get_template(TemplateName="t1")["Template"]["SubjectPart"] == "new"
    ses.create_template(Template={"TemplateName": "t2", "SubjectPart": "s"})
    first = ses.list_templates(MaxItems=1)
    assert [t["Name"] for t in first["TemplatesMetadata"]] == ["t1"]
    assert [t["Name"] for t in ses.list_templates(NextToken=first["NextToken"])["TemplatesMetadata"]] == ["t2"]
    ses.delete_template(TemplateName="t1")
    with pytest.raises(ClientError) as exc:
        ses.get_template(TemplateName="t1")
    assert _error(exc) == {"Type": "Sender", "Code": "TemplateDoesNotExist", "Message": "Template t1 does not exist."}


def test_custom_verification_emails(aws_client, cloudtwin_endpoint):
    ses = aws_client("ses")
    template = {"TemplateName": "verify", "FromEmailAddress": "admin@example.com", "TemplateSubject": "Please verify",
                "TemplateContent": "<p>Click</p>", "SuccessRedirectionURL": "https://example.com/ok",
                "FailureRedirectionURL": "https://example.com/ko"}
    with pytest.raises(ClientError) as exc:
        ses.create_custom_verification_email_template(**template)
    assert _error(exc)["Code"] == "FromEmailAddressNotVerified"
    ses.verify_email_identity(EmailAddress="admin@example.com")
    ses.create_custom_verification_email_template(**template)
    with pytest.raises(ClientError) as exc:
        ses.create_custom_verification_email_template(**template)
    assert _error(exc)["Code"] == "CustomVerificationEmailTemplateAlreadyExists"
    got = ses.get_custom_verification_email_template(TemplateName="verify")
    assert {k: got[k] for k in template} == template
    ses.update_custom_verification_email_template(TemplateName="verify", TemplateSubject="Verify now")
    listed = ses.list_custom_verification_email_templates()["CustomVerificationEmailTemplates"]
    assert listed == [{k: v for k, v in template.items() if k != "TemplateContent"} | {"TemplateSubject": "Verify now"}]

    message_id = ses.send_custom_verification_email(EmailAddress="new@example.net", TemplateName="verify")["MessageId"]
    assert "new@example.net" in ses.list_identities(IdentityType="EmailAddress")["Identities"]
    [message] = kept(cloudtwin_endpoint)
    assert message["Id"] == message_id and message["Subject"] == "Verify now"
    assert message["Destination"] == {"ToAddresses": ["new@example.net"]} and message["Body"]["html_part"] == "<p>Click</p>"
    ses.delete_custom_verification_email_template(TemplateName="verify")
    with pytest.raises(ClientError) as exc:
        ses.send_custom_verification_email(EmailAddress="x@example.net", TemplateName="verify")
    assert _error(exc)["Code"] == "CustomVerificationEmailTemplateDoesNotExist"
