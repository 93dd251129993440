"""Sending: verified sources, the kept messages (``/_cloudtwin/ses/messages``), templates,
raw messages, the quota counter and AWS's checks on tags and sources."""

import email

import pytest
from botocore.exceptions import ClientError
from ses_helpers import SIMPLE, clear, kept

SENDER = "sender@example.com"


@pytest.fixture
def ses(aws_client):
    client = aws_client("ses")
    client.verify_email_identity(EmailAddress=SENDER)
    return client


def _error(excinfo):
    return excinfo.value.response["Error"]


def test_send_email_is_kept_and_read_back(ses, cloudtwin_endpoint):
    message_id = ses.send_email(Source=SENDER, Destination={"ToAddresses": ["to@example.net"], "CcAddresses": ["cc@example.net"]},
                                Message=SIMPLE)["MessageId"]
    assert message_id.startswith("0100") and message_id.endswith("-000000") and len(message_id) == 60
    [message] = kept(cloudtwin_endpoint)
    assert message["Id"] == message_id and message["Source"] == SENDER
    assert message["Destination"] == {"ToAddresses": ["to@example.net"], "CcAddresses": ["cc@example.net"]}
    assert message["Subject"] == "Hello"
    assert message["Body"] == {"text_part": "plain body", "html_part": "<p>html body</p>"}
    assert kept(cloudtwin_endpoint, f"?id={message_id}") == [message]
    assert kept(cloudtwin_endpoint, "?email=other@example.com") == []
    assert kept(cloudtwin_endpoint, f"?email={SENDER}") == [message]
    assert clear(cloudtwin_endpoint) == 204
    assert kept(cloudtwin_endpoint) == []


def test_a_domain_identity_lets_its_addresses_send(aws_client):
    ses = aws_client("ses")
    ses.verify_domain_identity(Domain="example.org")
    assert ses.send_email(Source="Someone <anyone@mail.example.org>", Destination={"ToAddresses": ["x@example.net"]},
                          Message=SIMPLE)["MessageId"]


def test_unverified_source_is_rejected(ses, cloudtwin_endpoint):
    with pytest.raises(ClientError) as exc:
        ses.send_email(Source="stranger@example.com", Destination={"ToAddresses": ["to@example.net"]}, Message=SIMPLE)
    assert _error(exc) == {
        "Type": "Sender", "Code": "MessageRejected",
        "Message": "Email address is not verified. The following identities failed the check in region US-EAST-1: stranger@example.com",
    }
    assert kept(cloudtwin_endpoint) == []


@pytest.mark.parametrize("name,value,message", [
    ("bad:name", "v", "Invalid tag name <bad:name>: only alphanumeric ASCII characters, '_',  '-' are allowed."),
    ("n", "bad:value", "Invalid tag value <bad:value>: only alphanumeric ASCII characters, '_',  '-' , '.', '@' are allowed."),
    ("n" * 256, "v", "Tag name cannot exceed 255 characters."),
    ("n", "v" * 256, "Tag value cannot exceed 255 characters."),
    ("", "v", "The tag name must be specified."),
    ("n", "", "The tag value must be specified."),
])
def test_tags_are_checked_before_the_source(aws_client, name, value, message):
    with pytest.raises(ClientError) as exc:
        aws_client("ses").send_email(Source="unverified@example.com", Destination={"ToAddresses": ["to@example.net"]},
                                     Message=SIMPLE, Tags=[{"Name": name, "Value": value}])
    assert _error(exc) == {"Type": "Sender", "Code": "InvalidParameterValue", "Message": message}


def test_templated_email_renders(ses, cloudtwin_endpoint):
    ses.create_template(Template={"TemplateName": "welcome", "SubjectPart": "Hi {{name}}",
                                  "TextPart": "Dear {{name}} of {{team.name}}", "HtmlPart": "<b>{{name}}</b>"})
    ses.send_templated_email(Source=SENDER, Destination={"ToAddresses": ["to@example.net"]}, Template="welcome",
                             TemplateData='{"name": "Ann & Bob", "team": {"name": "ops"}}')
    [message] = kept(cloudtwin_endpoint)
    assert message["Subject"] == "Hi Ann & Bob"
    assert message["Body"] == {"text_part": "Dear Ann & Bob of ops", "html_part": "<b>Ann &amp; Bob</b>"}
    assert message["Template"] == "welcome" and message["TemplateData"] == '{"name": "Ann & Bob", "team": {"name": "ops"}}'
    with pytest.raises(ClientError) as exc:
        ses.send_templated_email(Source=SENDER, Destination={"ToAddresses": ["to@example.net"]}, Template="missing", TemplateData="{}")
    assert _error(exc)["Code"] == "TemplateDoesNotExist"


def test_bulk_templated_email(ses, cloudtwin_endpoint):
    ses.create_template(Template={"TemplateName": "bulk", "SubjectPart": "For {{who}}", "TextPart": "x"})
    status = ses.send_bulk_templated_email(Source=SENDER, Template="bulk", DefaultTemplateData='{"who": "all"}', Destinations=[
        {"Destination": {"ToAddresses": ["a@example.net"]}, "ReplacementTemplateData": '{"who": "a"}'},
        {"Destination": {"ToAddresses": ["b@example.net"]}},
    ])["Status"]
    assert [s["Status"] for s in status] == ["Success", "Success"]
    assert sorted(m["Subject"] for m in kept(cloudtwin_endpoint)) == ["For a", "For all"]


def test_raw_email_is_read_for_its_headers(ses, cloudtwin_endpoint):
    raw = f"From: Sender <{SENDER}>\nTo: a@example.net, b@example.net\nSubject: raw one\n\nthe body\n"
    message_id = ses.send_raw_email(RawMessage={"Data": raw})["MessageId"]
    [message] = kept(cloudtwin_endpoint)
    assert message["Id"] == message_id and message["Source"] == f"Sender <{SENDER}>"
    assert message["Destination"] == {"ToAddresses": ["a@example.net", "b@example.net"]}
    assert message["Subject"] == "raw one" and message["Body"]["text_part"] == "the body\n"
    assert message["RawData"] == raw
    with pytest.raises(ClientError) as exc:
        ses.send_raw_email(RawMessage={"Data": "From: stranger@example.com\nTo: a@example.net\n\nx"})
    assert _error(exc)["Code"] == "MessageRejected"


def test_sent_counter_moves_and_ages_out(ses, cloudtwin_client):
    assert ses.get_send_quota()["SentLast24Hours"] == 0.0
    ses.send_email(Source=SENDER, Destination={"ToAddresses": ["a@example.net", "b@example.net"]}, Message=SIMPLE)
    ses.send_raw_email(RawMessage={"Data": f"From: {SENDER}\nTo: c@example.net\nSubject: s\n\nx"})
    quota = ses.get_send_quota()
    assert (quota["Max24HourSend"], quota["MaxSendRate"], quota["SentLast24Hours"]) == (200.0, 1.0, 3.0)
    assert sum(p["DeliveryAttempts"] for p in ses.get_send_statistics()["SendDataPoints"]) == 3
    cloudtwin_client.advance(24 * 3600 + 1)
    assert ses.get_send_quota()["SentLast24Hours"] == 0.0
    assert sum(p["DeliveryAttempts"] for p in ses.get_send_statistics()["SendDataPoints"]) == 3
    cloudtwin_client.advance(14 * 24 * 3600)  # statistics cover two weeks
    ses.send_email(Source=SENDER, Destination={"ToAddresses": ["d@example.net"]}, Message=SIMPLE)
    assert [p["DeliveryAttempts"] for p in ses.get_send_statistics()["SendDataPoints"]] == [1]


def test_account_sending_can_be_paused(ses):
    ses.update_account_sending_enabled(Enabled=False)
    assert ses.get_account_sending_enabled()["Enabled"] is False
    with pytest.raises(ClientError) as exc:
        ses.send_email(Source=SENDER, Destination={"ToAddresses": ["a@example.net"]}, Message=SIMPLE)
    assert _error(exc)["Code"] == "AccountSendingPausedException"


def test_test_render_template(ses):
    ses.create_template(Template={"TemplateName": "r", "SubjectPart": "S {{a}}", "TextPart": "T {{a}}"})
    rendered = email.message_from_string(ses.test_render_template(TemplateName="r", TemplateData='{"a": "1"}')["RenderedTemplate"])
    assert rendered["Subject"] == "S 1" and rendered.get_payload().strip() == "T 1"
    with pytest.raises(ClientError) as exc:
        ses.test_render_template(TemplateName="r", TemplateData='{"b": "1"}')
    assert _error(exc) == {"Type": "Sender", "Code": "MissingRenderingAttribute", "Message": "Attribute 'a' is not present in the rendering data."}
    with pytest.raises(ClientError) as exc:
        ses.test_render_template(TemplateName="r", TemplateData="not json")
    assert _error(exc)["Code"] == "InvalidRenderingParameter"


def test_templates_render_handlebars_blocks(ses, cloudtwin_endpoint):
    ses.create_template(Template={
        "TemplateName": "order", "SubjectPart": "{{#if vip}}VIP {{/if}}order {{order.id}}",
        "TextPart": "{{#each items}}{{@index}}. {{name}} x{{qty}}{{#unless @last}}, {{/unless}}{{/each}}",
        "HtmlPart": "{{! a comment }}{{#with customer}}<p>{{name}}</p>{{{signature}}}{{/with}}{{#each none}}x{{else}}none{{/each}}",
    })
    data = ('{"vip": true, "order": {"id": 7}, "items": [{"name": "pen", "qty": 2}, {"name": "ink", "qty": 1}],'
            ' "customer": {"name": "<Ann>", "signature": "<b>A</b>"}, "none": []}')
    ses.send_templated_email(Source=SENDER, Destination={"ToAddresses": ["to@example.net"]}, Template="order", TemplateData=data)
    [message] = kept(cloudtwin_endpoint)
    assert message["Subject"] == "VIP order 7"
    assert message["Body"] == {"text_part": "0. pen x2, 1. ink x1", "html_part": "<p>&lt;Ann&gt;</p><b>A</b>none"}
    ses.create_template(Template={"TemplateName": "broken", "SubjectPart": "{{#if x}}open", "TextPart": "t"})
    with pytest.raises(ClientError) as exc:
        ses.test_render_template(TemplateName="broken", TemplateData="{}")
    assert _error(exc) == {"Type": "Sender", "Code": "InvalidTemplate", "Message": "Template broken is invalid: Unclosed block: if"}
    # sending it is accepted, but nothing is sent (a Rendering Failure)
    message_id = ses.send_templated_email(Source=SENDER, Destination={"ToAddresses": ["to@example.net"]}, Template="broken", TemplateData="{}")["MessageId"]
    assert kept(cloudtwin_endpoint, f"?id={message_id}")[0]["RenderingFailure"] == "Template broken is invalid: Unclosed block: if"


def test_addresses_without_a_domain_are_refused(ses):
    for source, to in (("no-domain", "to@example.net"), (SENDER, "no-domain")):
        with pytest.raises(ClientError) as exc:
            ses.send_email(Source=source, Destination={"ToAddresses": [to]}, Message=SIMPLE)
        assert _error(exc) == {"Type": "Sender", "Code": "InvalidParameterValue", "Message": "Missing final '@domain'"}
