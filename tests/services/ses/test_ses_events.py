"""A configuration set's SNS event destination and an identity's notification topic really
receive SES's events, through cloudtwin's SNS (here into an SQS queue)."""

import json

import pytest
from botocore.exceptions import ClientError
from ses_helpers import SIMPLE, kept, received, topic_to_queue

SENDER = "sender@example.com"
RECIPIENT = "recipient@example.net"


def test_configuration_set_events_reach_sns(aws_client):
    ses = aws_client("ses")
    ses.verify_email_identity(EmailAddress=SENDER)
    topic, queue = topic_to_queue(aws_client, "ses-events")
    ses.create_configuration_set(ConfigurationSet={"Name": "tracked"})
    ses.create_configuration_set_event_destination(ConfigurationSetName="tracked", EventDestination={
        "Name": "to-sns", "Enabled": True, "MatchingEventTypes": ["send", "delivery", "bounce"],
        "SNSDestination": {"TopicARN": topic}})
    [validation] = received(aws_client, queue)
    assert validation["Message"] == "Successfully validated SNS topic for Amazon SES event publishing."

    message_id = ses.send_email(Source=SENDER, Destination={"ToAddresses": [RECIPIENT]}, Message=SIMPLE,
                                ConfigurationSetName="tracked", Tags=[{"Name": "custom-tag", "Value": "tag-value"}])["MessageId"]
    envelopes = received(aws_client, queue)
    assert [e["Subject"] for e in envelopes] == ["Amazon SES Email Event Notification"] * 2
    send, delivery = (json.loads(e["Message"]) for e in envelopes)
    assert send["eventType"] == "Send" and send["send"] == {}
    mail = send["mail"]
    assert mail["messageId"] == message_id and mail["source"] == SENDER and mail["destination"] == [RECIPIENT]
    assert mail["sourceArn"] == f"arn:aws:ses:us-east-1:000000000000:identity/{SENDER}"
    assert mail["sendingAccountId"] == "000000000000" and mail["headersTruncated"] is False
    assert [h["name"] for h in mail["headers"]] == ["From", "To", "Subject", "MIME-Version", "Content-Type"]
    assert mail["headers"][4]["value"].startswith("multipart/alternative;")
    assert mail["commonHeaders"] == {"from": [SENDER], "to": [RECIPIENT], "messageId": message_id, "subject": "Hello"}
    assert mail["tags"]["ses:operation"] == ["SendEmail"] and mail["tags"]["ses:configuration-set"] == ["tracked"]
    assert mail["tags"]["custom-tag"] == ["tag-value"] and mail["tags"]["ses:from-domain"] == ["example.com"]
    assert "ses:outgoing-ip" not in mail["tags"]
    assert delivery["eventType"] == "Delivery" and delivery["delivery"]["recipients"] == [RECIPIENT]
    assert "ses:outgoing-ip" in delivery["mail"]["tags"]

    # a disabled destination, or a send without the set, publishes nothing
    ses.update_configuration_set_event_destination(ConfigurationSetName="tracked", EventDestination={
        "Name": "to-sns", "Enabled": False, "MatchingEventTypes": ["send"], "SNSDestination": {"TopicARN": topic}})
    received(aws_client, queue)
    ses.send_email(Source=SENDER, Destination={"ToAddresses": [RECIPIENT]}, Message=SIMPLE, ConfigurationSetName="tracked")
    ses.send_email(Source=SENDER, Destination={"ToAddresses": [RECIPIENT]}, Message=SIMPLE)
    assert received(aws_client, queue) == []


def test_identity_delivery_notifications(aws_client):
    ses = aws_client("ses")
    ses.verify_email_identity(EmailAddress=SENDER)
    topic, queue = topic_to_queue(aws_client, "ses-notifications")
    ses.set_identity_notification_topic(Identity=SENDER, NotificationType="Delivery", SnsTopic=topic)
    ses.set_identity_headers_in_notifications_enabled(Identity=SENDER, NotificationType="Delivery", Enabled=True)
    message_id = ses.send_raw_email(RawMessage={"Data": f"From: {SENDER}\nTo: {RECIPIENT}\nSubject: s\n\nx"})["MessageId"]
    [envelope] = received(aws_client, queue)
    notification = json.loads(envelope["Message"])
    assert notification["notificationType"] == "Delivery"
    assert notification["mail"]["messageId"] == message_id and notification["mail"]["tags"]["ses:operation"] == ["SendRawEmail"]
    assert notification["mail"]["commonHeaders"]["subject"] == "s"
    assert notification["delivery"]["recipients"] == [RECIPIENT]


def test_configuration_set_errors(aws_client):
    ses = aws_client("ses")
    destination = {"Name": "d", "Enabled": True, "MatchingEventTypes": ["send"],
                   "SNSDestination": {"TopicARN": "arn:aws:sns:us-east-1:000000000000:nowhere"}}
    with pytest.raises(ClientError) as exc:
        ses.create_configuration_set_event_destination(ConfigurationSetName="absent", EventDestination=destination)
    assert exc.value.response["Error"] == {"Type": "Sender", "Code": "ConfigurationSetDoesNotExist",
                                           "Message": "Configuration set <absent> does not exist."}
    ses.create_configuration_set(ConfigurationSet={"Name": "cs"})
    with pytest.raises(ClientError) as exc:
        ses.create_configuration_set(ConfigurationSet={"Name": "cs"})
    assert exc.value.response["Error"]["Code"] == "ConfigurationSetAlreadyExists"
    with pytest.raises(ClientError) as exc:
        ses.create_configuration_set_event_destination(ConfigurationSetName="cs", EventDestination=destination)
    assert exc.value.response["Error"]["Code"] == "InvalidSNSDestination"
    topic, _ = topic_to_queue(aws_client, "cs-topic")
    destination["SNSDestination"]["TopicARN"] = topic
    ses.create_configuration_set_event_destination(ConfigurationSetName="cs", EventDestination=destination)
    with pytest.raises(ClientError) as exc:
        ses.create_configuration_set_event_destination(ConfigurationSetName="cs", EventDestination=destination)
    assert exc.value.response["Error"]["Code"] == "EventDestinationAlreadyExists"
    with pytest.raises(ClientError) as exc:
        ses.delete_configuration_set_event_destination(ConfigurationSetName="cs", EventDestinationName="other")
    assert exc.value.response["Error"]["Code"] == "EventDestinationDoesNotExist"
    described = ses.describe_configuration_set(ConfigurationSetName="cs", ConfigurationSetAttributeNames=["eventDestinations"])
    assert described["ConfigurationSet"] == {"Name": "cs"} and described["EventDestinations"] == [destination]
    assert ses.list_configuration_sets()["ConfigurationSets"] == [{"Name": "cs"}]
    ses.delete_configuration_set_event_destination(ConfigurationSetName="cs", EventDestinationName="d")
    ses.delete_configuration_set(ConfigurationSetName="cs")
    with pytest.raises(ClientError) as exc:
        ses.send_email(Source=SENDER, Destination={"ToAddresses": [RECIPIENT]}, Message=SIMPLE, ConfigurationSetName="cs")
    assert exc.value.response["Error"]["Code"] == "ConfigurationSetDoesNotExist"


def test_mailbox_simulator_bounces_and_complaints(aws_client):
    ses = aws_client("ses")
    ses.verify_domain_identity(Domain="example.com")
    events_topic, events_queue = topic_to_queue(aws_client, "sim-events")
    bounces_topic, bounces_queue = topic_to_queue(aws_client, "sim-bounces")
    complaints_topic, complaints_queue = topic_to_queue(aws_client, "sim-complaints")
    ses.set_identity_notification_topic(Identity="example.com", NotificationType="Bounce", SnsTopic=bounces_topic)
    ses.set_identity_notification_topic(Identity="example.com", NotificationType="Complaint", SnsTopic=complaints_topic)
    ses.create_configuration_set(ConfigurationSet={"Name": "sim"})
    ses.create_configuration_set_event_destination(ConfigurationSetName="sim", EventDestination={
        "Name": "all", "Enabled": True, "MatchingEventTypes": ["bounce", "complaint", "delivery"],
        "SNSDestination": {"TopicARN": events_topic}})
    received(aws_client, events_queue)

    to = ["bounce@simulator.amazonses.com", "complaint+label@simulator.amazonses.com", "success@simulator.amazonses.com"]
    message_id = ses.send_email(Source=SENDER, Destination={"ToAddresses": to}, Message=SIMPLE, ConfigurationSetName="sim")["MessageId"]

    kinds = {json.loads(e["Message"])["eventType"]: json.loads(e["Message"]) for e in received(aws_client, events_queue)}
    assert sorted(kinds) == ["Bounce", "Complaint", "Delivery"]
    assert kinds["Delivery"]["delivery"]["recipients"] == to[1:]
    bounce = kinds["Bounce"]["bounce"]
    assert (bounce["bounceType"], bounce["bounceSubType"]) == ("Permanent", "General")
    assert bounce["bouncedRecipients"] == [{"emailAddress": to[0], "action": "failed", "status": "5.1.1",
                                            "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]
    assert kinds["Complaint"]["complaint"]["complainedRecipients"] == [{"emailAddress": to[1]}]

    [bounced] = received(aws_client, bounces_queue)
    notification = json.loads(bounced["Message"])
    assert notification["notificationType"] == "Bounce" and notification["mail"]["messageId"] == message_id
    assert "headers" not in notification["mail"]
    [complained] = received(aws_client, complaints_queue)
    assert json.loads(complained["Message"])["notificationType"] == "Complaint"

    [point] = ses.get_send_statistics()["SendDataPoints"]
    assert (point["DeliveryAttempts"], point["Bounces"], point["Complaints"]) == (3, 1, 1)


def test_a_template_that_cannot_render_is_accepted_and_reported(aws_client, cloudtwin_endpoint):
    ses = aws_client("ses")
    ses.verify_email_identity(EmailAddress=SENDER)
    topic, queue = topic_to_queue(aws_client, "rendering")
    ses.create_configuration_set(ConfigurationSet={"Name": "r"})
    ses.create_configuration_set_event_destination(ConfigurationSetName="r", EventDestination={
        "Name": "d", "Enabled": True, "MatchingEventTypes": ["renderingFailure", "send"], "SNSDestination": {"TopicARN": topic}})
    received(aws_client, queue)
    ses.create_template(Template={"TemplateName": "needs-name", "SubjectPart": "Hi {{name}}", "TextPart": "x"})
    message_id = ses.send_templated_email(Source=SENDER, Destination={"ToAddresses": [RECIPIENT]}, Template="needs-name",
                                          TemplateData='{"other": 1}', ConfigurationSetName="r")["MessageId"]
    [envelope] = received(aws_client, queue)
    event = json.loads(envelope["Message"])
    assert event["eventType"] == "Rendering Failure" and event["mail"]["messageId"] == message_id
    assert event["failure"] == {"errorMessage": "Attribute 'name' is not present in the rendering data.", "templateName": "needs-name"}
    [message] = kept(cloudtwin_endpoint)
    assert message["Id"] == message_id and message["RenderingFailure"] == event["failure"]["errorMessage"]
    assert ses.get_send_quota()["SentLast24Hours"] == 0.0


def test_at_most_fifty_recipients(aws_client):
    ses = aws_client("ses")
    ses.verify_email_identity(EmailAddress=SENDER)
    with pytest.raises(ClientError) as exc:
        ses.send_email(Source=SENDER, Destination={"ToAddresses": [f"r{i}@example.net" for i in range(51)]}, Message=SIMPLE)
    assert exc.value.response["Error"] == {"Type": "Sender", "Code": "InvalidParameterValue", "Message": "Recipient count exceeds 50."}
    ses.send_email(Source=SENDER, Destination={"ToAddresses": [f"r{i}@example.net" for i in range(50)]}, Message=SIMPLE)
