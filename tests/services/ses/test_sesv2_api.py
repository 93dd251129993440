"""The SES v2 API over the same resources as v1: identities, sending, templates,
configuration sets and the account."""

import json

import pytest
from botocore.exceptions import ClientError
from ses_helpers import kept, received, topic_to_queue


def test_identities_shared_with_v1(aws_client):
    v2, v1 = aws_client("sesv2"), aws_client("ses")
    created = v2.create_email_identity(EmailIdentity="example.org", Tags=[{"Key": "team", "Value": "mail"}])
    assert created["IdentityType"] == "DOMAIN" and created["VerifiedForSendingStatus"] is True
    assert created["DkimAttributes"]["SigningEnabled"] is True and len(created["DkimAttributes"]["Tokens"]) == 3
    v2.create_email_identity(EmailIdentity="a@example.com")
    with pytest.raises(ClientError) as exc:
        v2.create_email_identity(EmailIdentity="a@example.com")
    assert exc.value.response["Error"]["Code"] == "AlreadyExistsException"
    assert v1.list_identities()["Identities"] == ["example.org", "a@example.com"]
    v1.verify_email_identity(EmailAddress="b@example.com")
    names = [i["IdentityName"] for i in v2.list_email_identities()["EmailIdentities"]]
    assert names == ["example.org", "a@example.com", "b@example.com"]
    got = v2.get_email_identity(EmailIdentity="example.org")
    assert got["VerificationStatus"] == "SUCCESS" and got["Tags"] == [{"Key": "team", "Value": "mail"}]
    assert got["FeedbackForwardingStatus"] is True and got["Policies"] == {}
    v2.delete_email_identity(EmailIdentity="b@example.com")
    assert "b@example.com" not in v1.list_identities()["Identities"]
    with pytest.raises(ClientError) as exc:
        v2.get_email_identity(EmailIdentity="b@example.com")
    assert exc.value.response["Error"]["Code"] == "NotFoundException"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    v2.create_email_identity(EmailIdentity="example.net", DkimSigningAttributes={"NextSigningKeyLength": "RSA_1024_BIT"})
    dkim = v2.get_email_identity(EmailIdentity="example.net")["DkimAttributes"]
    assert (dkim["CurrentSigningKeyLength"], dkim["NextSigningKeyLength"]) == ("RSA_2048_BIT", "RSA_1024_BIT")


def test_send_simple_raw_and_template(aws_client, cloudtwin_endpoint):
    v2 = aws_client("sesv2")
    v2.create_email_identity(EmailIdentity="from@example.com")
    destination = {"ToAddresses": ["to@example.net"]}
    simple = v2.send_email(FromEmailAddress="from@example.com", Destination=destination, Content={"Simple": {
        "Subject": {"Data": "simple"}, "Body": {"Text": {"Data": "text"}}}})["MessageId"]
    raw = v2.send_email(Destination=destination, Content={"Raw": {"Data": b"From: from@example.com\nSubject: raw\n\nbody"}})["MessageId"]
    v2.create_email_template(TemplateName="t", TemplateContent={"Subject": "Hi {{n}}", "Text": "x"})
    templated = v2.send_email(FromEmailAddress="from@example.com", Destination=destination, Content={"Template": {
        "TemplateName": "t", "TemplateData": '{"n": "Ann"}'}})["MessageId"]
    subjects = {m["Id"]: m["Subject"] for m in kept(cloudtwin_endpoint)}
    assert subjects == {simple: "simple", raw: "raw", templated: "Hi Ann"}
    assert v2.get_account()["SendQuota"]["SentLast24Hours"] == 3.0
    with pytest.raises(ClientError) as exc:
        v2.send_email(FromEmailAddress="stranger@example.com", Destination=destination, Content={"Simple": {
            "Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}})
    assert exc.value.response["Error"]["Code"] == "MessageRejected"


def test_templates_and_configuration_sets(aws_client):
    v2, v1 = aws_client("sesv2"), aws_client("ses")
    v2.create_email_template(TemplateName="t1", TemplateContent={"Subject": "s", "Html": "<p>h</p>"})
    assert v1.get_template(TemplateName="t1")["Template"] == {"TemplateName": "t1", "SubjectPart": "s", "HtmlPart": "<p>h</p>"}
    v2.update_email_template(TemplateName="t1", TemplateContent={"Subject": "new"})
    assert v2.get_email_template(TemplateName="t1")["TemplateContent"] == {"Subject": "new"}
    assert [t["TemplateName"] for t in v2.list_email_templates()["TemplatesMetadata"]] == ["t1"]
    v2.delete_email_template(TemplateName="t1")
    with pytest.raises(ClientError) as exc:
        v2.delete_email_template(TemplateName="t1")
    assert exc.value.response["Error"]["Code"] == "NotFoundException"

    v2.create_configuration_set(ConfigurationSetName="cs", SendingOptions={"SendingEnabled": False},
                                Tags=[{"Key": "k", "Value": "v"}])
    got = v2.get_configuration_set(ConfigurationSetName="cs")
    assert got["SendingOptions"] == {"SendingEnabled": False} and got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert v2.list_configuration_sets()["ConfigurationSets"] == ["cs"]
    assert v1.list_configuration_sets()["ConfigurationSets"] == [{"Name": "cs"}]
    v2.delete_configuration_set(ConfigurationSetName="cs")
    with pytest.raises(ClientError) as exc:
        v2.get_configuration_set(ConfigurationSetName="cs")
    assert exc.value.response["Error"]["Code"] == "NotFoundException"


def test_event_destinations_attributes_policies_and_bulk(aws_client, cloudtwin_endpoint):
    v2, v1 = aws_client("sesv2"), aws_client("ses")
    topic, queue = topic_to_queue(aws_client, "v2-events")
    v2.create_email_identity(EmailIdentity="example.com")
    v2.create_configuration_set(ConfigurationSetName="cs")
    v2.create_configuration_set_event_destination(ConfigurationSetName="cs", EventDestinationName="sns", EventDestination={
        "Enabled": True, "MatchingEventTypes": ["SEND", "RENDERING_FAILURE"], "SnsDestination": {"TopicArn": topic}})
    v2.create_configuration_set_event_destination(ConfigurationSetName="cs", EventDestinationName="firehose", EventDestination={
        "MatchingEventTypes": ["DELIVERY"], "KinesisFirehoseDestination": {
            "IamRoleArn": "arn:aws:iam::000000000000:role/r", "DeliveryStreamArn": "arn:aws:firehose:us-east-1:000000000000:deliverystream/s"}})
    destinations = v2.get_configuration_set_event_destinations(ConfigurationSetName="cs")["EventDestinations"]
    assert destinations[0] == {"Name": "sns", "Enabled": True, "MatchingEventTypes": ["SEND", "RENDERING_FAILURE"],
                               "SnsDestination": {"TopicArn": topic}}
    assert destinations[1]["KinesisFirehoseDestination"]["IamRoleArn"] == "arn:aws:iam::000000000000:role/r"
    assert v1.describe_configuration_set(ConfigurationSetName="cs", ConfigurationSetAttributeNames=["eventDestinations"])[
        "EventDestinations"][0]["MatchingEventTypes"] == ["send", "renderingFailure"]
    received(aws_client, queue)

    # the identity's default configuration set applies to its sends
    v2.put_email_identity_configuration_set_attributes(EmailIdentity="example.com", ConfigurationSetName="cs")
    assert v2.get_email_identity(EmailIdentity="example.com")["ConfigurationSetName"] == "cs"
    v2.create_email_template(TemplateName="bulk", TemplateContent={"Subject": "Hi {{n}}", "Text": "x"})
    results = v2.send_bulk_email(FromEmailAddress="me@example.com", DefaultContent={"Template": {"TemplateName": "bulk", "TemplateData": '{"n": 0}'}},
                                 BulkEmailEntries=[
        {"Destination": {"ToAddresses": ["a@example.net"]}, "ReplacementEmailContent": {"ReplacementTemplate": {"ReplacementTemplateData": '{"n": 1}'}}},
        {"Destination": {"ToAddresses": ["b@example.net"]}},
    ])["BulkEmailEntryResults"]
    assert [r["Status"] for r in results] == ["SUCCESS", "SUCCESS"]
    assert sorted(m["Subject"] for m in kept(cloudtwin_endpoint)) == ["Hi 0", "Hi 1"]
    assert [json.loads(e["Message"])["eventType"] for e in received(aws_client, queue)] == ["Send", "Send"]

    v2.put_email_identity_mail_from_attributes(EmailIdentity="example.com", MailFromDomain="bounce.example.com", BehaviorOnMxFailure="REJECT_MESSAGE")
    v2.put_email_identity_feedback_attributes(EmailIdentity="example.com", EmailForwardingEnabled=True)
    v2.put_email_identity_dkim_attributes(EmailIdentity="example.com", SigningEnabled=False)
    got = v2.get_email_identity(EmailIdentity="example.com")
    assert got["MailFromAttributes"] == {"MailFromDomain": "bounce.example.com", "MailFromDomainStatus": "SUCCESS", "BehaviorOnMxFailure": "REJECT_MESSAGE"}
    assert got["DkimAttributes"]["SigningEnabled"] is False

    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "ses:SendEmail", "Resource": "*"}]})
    v2.create_email_identity_policy(EmailIdentity="example.com", PolicyName="p", Policy=policy)
    with pytest.raises(ClientError) as exc:
        v2.create_email_identity_policy(EmailIdentity="example.com", PolicyName="p", Policy=policy)
    assert exc.value.response["Error"]["Code"] == "AlreadyExistsException"
    assert v2.get_email_identity_policies(EmailIdentity="example.com")["Policies"] == {"p": policy}
    v2.delete_email_identity_policy(EmailIdentity="example.com", PolicyName="p")
    with pytest.raises(ClientError) as exc:
        v2.update_email_identity_policy(EmailIdentity="example.com", PolicyName="p", Policy=policy)
    assert exc.value.response["Error"]["Code"] == "NotFoundException"

    v2.put_account_sending_attributes(SendingEnabled=False)
    assert v2.get_account()["SendingEnabled"] is False
    v2.delete_configuration_set_event_destination(ConfigurationSetName="cs", EventDestinationName="sns")
    assert [d["Name"] for d in v2.get_configuration_set_event_destinations(ConfigurationSetName="cs")["EventDestinations"]] == ["firehose"]
    arn = "arn:aws:ses:us-east-1:000000000000:configuration-set/cs"
    v2.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
    v2.untag_resource(ResourceArn=arn, TagKeys=["a"])
    assert v2.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "b", "Value": "2"}]


def test_eventbridge_destination_receives_events(aws_client):
    v2, events, sqs = aws_client("sesv2"), aws_client("events"), aws_client("sqs")
    queue = sqs.create_queue(QueueName="ses-bus")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = events.describe_event_bus()["Arn"]
    events.put_rule(Name="ses", EventPattern=json.dumps({"source": ["aws.ses"]}))
    events.put_targets(Rule="ses", Targets=[{"Id": "q", "Arn": queue_arn}])
    v2.create_email_identity(EmailIdentity="me@example.com")
    v2.create_configuration_set(ConfigurationSetName="bus")
    v2.create_configuration_set_event_destination(ConfigurationSetName="bus", EventDestinationName="eb", EventDestination={
        "Enabled": True, "MatchingEventTypes": ["SEND", "BOUNCE"], "EventBridgeDestination": {"EventBusArn": bus}})
    v2.send_email(FromEmailAddress="me@example.com", Destination={"ToAddresses": ["bounce@simulator.amazonses.com"]},
                  ConfigurationSetName="bus", Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}})
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]
    bodies = sorted((json.loads(m["Body"]) for m in messages), key=lambda e: e["detail-type"])
    assert [e["detail-type"] for e in bodies] == ["Email Bounced", "Email Sent"]
    assert bodies[0]["source"] == "aws.ses" and bodies[0]["detail"]["bounce"]["bounceType"] == "Permanent"
    assert bodies[1]["resources"] == ["arn:aws:ses:us-east-1:000000000000:configuration-set/bus"]


def test_custom_verification_and_configuration_set_options(aws_client, cloudtwin_endpoint):
    v2 = aws_client("sesv2")
    v2.create_email_identity(EmailIdentity="admin@example.com")
    v2.create_custom_verification_email_template(
        TemplateName="v", FromEmailAddress="admin@example.com", TemplateSubject="Verify", TemplateContent="<p>go</p>",
        SuccessRedirectionURL="https://example.com/ok", FailureRedirectionURL="https://example.com/ko",
        Tags=[{"Key": "k", "Value": "v"}])
    got = v2.get_custom_verification_email_template(TemplateName="v")
    assert got["TemplateSubject"] == "Verify" and got["Tags"] == [{"Key": "k", "Value": "v"}]
    assert [t["TemplateName"] for t in v2.list_custom_verification_email_templates()["CustomVerificationEmailTemplates"]] == ["v"]
    message_id = v2.send_custom_verification_email(EmailAddress="user@example.net", TemplateName="v")["MessageId"]
    assert [m["Id"] for m in kept(cloudtwin_endpoint)] == [message_id]
    assert v2.get_email_identity(EmailIdentity="user@example.net")["VerificationStatus"] == "SUCCESS"
    v2.delete_custom_verification_email_template(TemplateName="v")
    with pytest.raises(ClientError) as exc:
        v2.get_custom_verification_email_template(TemplateName="v")
    assert exc.value.response["Error"]["Code"] == "NotFoundException"

    v2.create_configuration_set(ConfigurationSetName="opts")
    v2.put_configuration_set_tracking_options(ConfigurationSetName="opts", CustomRedirectDomain="track.example.com")
    v2.put_configuration_set_tracking_options(ConfigurationSetName="opts", CustomRedirectDomain="click.example.com")
    v2.put_configuration_set_delivery_options(ConfigurationSetName="opts", TlsPolicy="REQUIRE")
    v2.put_configuration_set_reputation_options(ConfigurationSetName="opts", ReputationMetricsEnabled=True)
    v2.put_configuration_set_sending_options(ConfigurationSetName="opts", SendingEnabled=False)
    got = v2.get_configuration_set(ConfigurationSetName="opts")
    assert got["TrackingOptions"] == {"CustomRedirectDomain": "click.example.com"}
    assert got["DeliveryOptions"] == {"TlsPolicy": "REQUIRE"}
    assert got["ReputationOptions"] == {"ReputationMetricsEnabled": True} and got["SendingOptions"] == {"SendingEnabled": False}


def test_suppression_list_bounces_sends(aws_client):
    v2, ses = aws_client("sesv2"), aws_client("ses")
    topic, queue = topic_to_queue(aws_client, "suppressed")
    v2.create_email_identity(EmailIdentity="me@example.com")
    ses.set_identity_notification_topic(Identity="me@example.com", NotificationType="Bounce", SnsTopic=topic)
    v2.put_suppressed_destination(EmailAddress="Gone@Example.net", Reason="BOUNCE")
    got = v2.get_suppressed_destination(EmailAddress="gone@example.net")["SuppressedDestination"]
    assert got["EmailAddress"] == "Gone@Example.net" and got["Reason"] == "BOUNCE"
    assert [s["EmailAddress"] for s in v2.list_suppressed_destinations(Reasons=["BOUNCE"])["SuppressedDestinationSummaries"]] == ["Gone@Example.net"]
    assert v2.list_suppressed_destinations(Reasons=["COMPLAINT"])["SuppressedDestinationSummaries"] == []

    ses.send_email(Source="me@example.com", Destination={"ToAddresses": ["gone@example.net", "here@example.net"]},
                   Message={"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}})
    [envelope] = received(aws_client, queue)
    bounce = json.loads(envelope["Message"])["bounce"]
    assert bounce["bounceSubType"] == "OnAccountSuppressionList"
    assert [r["emailAddress"] for r in bounce["bouncedRecipients"]] == ["gone@example.net"]

    v2.delete_suppressed_destination(EmailAddress="gone@example.net")
    with pytest.raises(ClientError) as exc:
        v2.get_suppressed_destination(EmailAddress="gone@example.net")
    assert exc.value.response["Error"]["Code"] == "NotFoundException"
    v2.put_account_suppression_attributes(SuppressedReasons=["BOUNCE"])
    assert v2.get_account()["SuppressionAttributes"]["SuppressedReasons"] == ["BOUNCE"]


def test_contact_lists_and_contacts(aws_client):
    v2 = aws_client("sesv2")
    topics = [{"TopicName": "news", "DisplayName": "News", "DefaultSubscriptionStatus": "OPT_IN"},
              {"TopicName": "offers", "DisplayName": "Offers", "DefaultSubscriptionStatus": "OPT_OUT"}]
    v2.create_contact_list(ContactListName="customers", Topics=topics, Description="all of them")
    with pytest.raises(ClientError) as exc:
        v2.create_contact_list(ContactListName="second")
    assert exc.value.response["Error"]["Code"] == "LimitExceededException"
    got = v2.get_contact_list(ContactListName="customers")
    assert got["Topics"] == topics and got["Description"] == "all of them"
    assert [c["ContactListName"] for c in v2.list_contact_lists()["ContactLists"]] == ["customers"]

    v2.create_contact(ContactListName="customers", EmailAddress="ann@example.net",
                      TopicPreferences=[{"TopicName": "offers", "SubscriptionStatus": "OPT_IN"}], AttributesData='{"tier": "gold"}')
    v2.create_contact(ContactListName="customers", EmailAddress="bob@example.net", UnsubscribeAll=True)
    with pytest.raises(ClientError) as exc:
        v2.create_contact(ContactListName="customers", EmailAddress="ann@example.net")
    assert exc.value.response["Error"]["Code"] == "AlreadyExistsException"
    with pytest.raises(ClientError) as exc:
        v2.create_contact(ContactListName="customers", EmailAddress="cy@example.net", TopicPreferences=[{"TopicName": "nope", "SubscriptionStatus": "OPT_IN"}])
    assert exc.value.response["Error"]["Code"] == "BadRequestException"
    ann = v2.get_contact(ContactListName="customers", EmailAddress="ann@example.net")
    assert ann["AttributesData"] == '{"tier": "gold"}' and ann["TopicDefaultPreferences"] == [
        {"TopicName": "news", "SubscriptionStatus": "OPT_IN"}, {"TopicName": "offers", "SubscriptionStatus": "OPT_OUT"}]
    opted_in = v2.list_contacts(ContactListName="customers", Filter={"FilteredStatus": "OPT_IN", "TopicFilter": {"TopicName": "offers"}})
    assert [c["EmailAddress"] for c in opted_in["Contacts"]] == ["ann@example.net"]
    opted_out = v2.list_contacts(ContactListName="customers", Filter={"FilteredStatus": "OPT_OUT", "TopicFilter": {
        "TopicName": "news", "UseDefaultIfPreferenceUnavailable": True}})
    assert [c["EmailAddress"] for c in opted_out["Contacts"]] == ["bob@example.net"]
    v2.update_contact(ContactListName="customers", EmailAddress="bob@example.net", UnsubscribeAll=False)
    assert v2.get_contact(ContactListName="customers", EmailAddress="bob@example.net")["UnsubscribeAll"] is False
    v2.delete_contact(ContactListName="customers", EmailAddress="bob@example.net")
    with pytest.raises(ClientError) as exc:
        v2.get_contact(ContactListName="customers", EmailAddress="bob@example.net")
    assert exc.value.response["Error"]["Code"] == "NotFoundException"

    v2.create_email_identity(EmailIdentity="news@example.com")
    with pytest.raises(ClientError) as exc:
        v2.send_email(FromEmailAddress="news@example.com", Destination={"ToAddresses": ["ann@example.net"]},
                      ListManagementOptions={"ContactListName": "other"},
                      Content={"Simple": {"Subject": {"Data": "s"}, "Body": {"Text": {"Data": "t"}}}})
    assert exc.value.response["Error"]["Code"] == "NotFoundException"
    v2.delete_contact_list(ContactListName="customers")
    assert v2.list_contact_lists()["ContactLists"] == []


def test_cloudwatch_destination_dimensions_in_each_versions_names(aws_client):
    """v2 names a dimension's value source MESSAGE_TAG, v1 messageTag: each API takes and
    answers its own names for the same destination."""
    v2, v1 = aws_client("sesv2"), aws_client("ses")
    v2.create_configuration_set(ConfigurationSetName="dims")
    dimension = {"DimensionName": "campaign", "DimensionValueSource": "MESSAGE_TAG", "DefaultDimensionValue": "none"}
    v2.create_configuration_set_event_destination(
        ConfigurationSetName="dims", EventDestinationName="cw",
        EventDestination={"Enabled": True, "MatchingEventTypes": ["SEND"],
                          "CloudWatchDestination": {"DimensionConfigurations": [dimension]}})
    got = v2.get_configuration_set_event_destinations(ConfigurationSetName="dims")["EventDestinations"][0]
    assert got["CloudWatchDestination"]["DimensionConfigurations"] == [dimension]
    described = v1.describe_configuration_set(ConfigurationSetName="dims", ConfigurationSetAttributeNames=["eventDestinations"])
    assert described["EventDestinations"][0]["CloudWatchDestination"]["DimensionConfigurations"][0][
        "DimensionValueSource"] == "messageTag"
