"""SES's CloudFormation resource handlers, checked through its API."""

import json

from ses_helpers import received, topic_to_queue


def test_stack_identity_template_and_configuration_set(stack, aws_client):
    topic, queue = topic_to_queue(aws_client, "stack-events")
    _, out = stack({
        "Resources": {
            "Domain": {"Type": "AWS::SES::EmailIdentity", "Properties": {
                "EmailIdentity": "example.org", "MailFromAttributes": {"MailFromDomain": "mail.example.org"}}},
            "Sender": {"Type": "AWS::SES::EmailIdentity", "Properties": {"EmailIdentity": "noreply@example.com"}},
            "Welcome": {"Type": "AWS::SES::Template", "Properties": {"Template": {
                "TemplateName": "welcome", "SubjectPart": "Hi {{name}}", "TextPart": "Welcome"}}},
            "Set": {"Type": "AWS::SES::ConfigurationSet", "Properties": {"Name": "tracked"}},
            "ToSns": {"Type": "AWS::SES::ConfigurationSetEventDestination", "Properties": {
                "ConfigurationSetName": {"Ref": "Set"}, "EventDestination": {
                    "Name": "to-sns", "Enabled": True, "MatchingEventTypes": ["send"],
                    "SnsDestination": {"TopicARN": topic}}}},
        },
        "Outputs": {"Identity": {"Value": {"Ref": "Domain"}}, "Dkim": {"Value": {"Fn::GetAtt": ["Domain", "DkimDNSTokenName1"]}},
                    "Template": {"Value": {"Ref": "Welcome"}}, "Set": {"Value": {"Ref": "Set"}}},
    })
    ses = aws_client("ses")
    assert out["Identity"] == "example.org" and out["Template"] == "welcome" and out["Set"] == "tracked"
    tokens = ses.get_identity_dkim_attributes(Identities=["example.org"])["DkimAttributes"]["example.org"]["DkimTokens"]
    assert out["Dkim"] == f"{tokens[0]}._domainkey.example.org"
    assert ses.get_identity_mail_from_domain_attributes(Identities=["example.org"])["MailFromDomainAttributes"]["example.org"]["MailFromDomain"] == "mail.example.org"
    assert ses.get_template(TemplateName="welcome")["Template"]["SubjectPart"] == "Hi {{name}}"
    received(aws_client, queue)
    ses.send_templated_email(Source="noreply@example.com", Destination={"ToAddresses": ["a@example.net"]},
                             Template="welcome", TemplateData='{"name": "Ann"}', ConfigurationSetName="tracked")
    [event] = received(aws_client, queue)
    assert json.loads(event["Message"])["eventType"] == "Send"

    cloudformation = aws_client("cloudformation")
    cloudformation.delete_stack(StackName="stack")
    cloudformation.get_waiter("stack_delete_complete").wait(StackName="stack", WaiterConfig={"Delay": 1})
    assert ses.list_identities()["Identities"] == [] and ses.list_templates()["TemplatesMetadata"] == []
    assert ses.list_configuration_sets()["ConfigurationSets"] == []


def test_stack_receipt_rules(stack, aws_client):
    stack({"Resources": {
        "Set": {"Type": "AWS::SES::ReceiptRuleSet", "Properties": {"RuleSetName": "inbound"}},
        "First": {"Type": "AWS::SES::ReceiptRule", "Properties": {"RuleSetName": {"Ref": "Set"}, "Rule": {
            "Name": "first", "Enabled": "true", "ScanEnabled": True, "Recipients": ["example.com"],
            "Actions": [{"AddHeaderAction": {"HeaderName": "X-A", "HeaderValue": "1"}}]}}},
        "Second": {"Type": "AWS::SES::ReceiptRule", "Properties": {"RuleSetName": {"Ref": "Set"}, "After": {"Ref": "First"},
                                                                   "Rule": {"Name": "second"}}},
        "Block": {"Type": "AWS::SES::ReceiptFilter", "Properties": {"Filter": {"Name": "block", "IpFilter": {
            "Policy": "Block", "Cidr": "10.0.0.0/8"}}}},
    }})
    ses = aws_client("ses")
    rules = ses.describe_receipt_rule_set(RuleSetName="inbound")["Rules"]
    assert [r["Name"] for r in rules] == ["first", "second"]
    assert rules[0]["Enabled"] is True and rules[0]["ScanEnabled"] is True and rules[0]["Recipients"] == ["example.com"]
    assert ses.list_receipt_filters()["Filters"] == [{"Name": "block", "IpFilter": {"Policy": "Block", "Cidr": "10.0.0.0/8"}}]
    cloudformation = aws_client("cloudformation")
    cloudformation.delete_stack(StackName="stack")
    cloudformation.get_waiter("stack_delete_complete").wait(StackName="stack", WaiterConfig={"Delay": 1})
    assert ses.list_receipt_rule_sets()["RuleSets"] == [] and ses.list_receipt_filters()["Filters"] == []
