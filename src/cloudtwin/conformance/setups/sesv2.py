"""What sesv2 needs before its operations run.

Verified identities (the domain ``example.com`` with a policy ``ct-policy``, and the address
``ct@example.com`` that sends), a configuration set ``ct-config`` with a CloudWatch event
destination ``ct-dest``, a contact list ``ct-list`` (topic ``ct-topic``) holding
``contact@example.com``, an email template ``ct-template``, a custom verification email
template ``ct-cvt`` and a suppressed address ``suppressed@example.com``. The contact list is
made only for the operations that use it: an account may hold one (CreateContactList's
variants make their own).
"""

from __future__ import annotations

from cloudtwin.conformance.resources import ServiceSetup, Step

SENDER = "ct@example.com"
CONTACT = "contact@example.com"
SUPPRESSED = "suppressed@example.com"
POLICY = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":'
          '"arn:aws:iam::000000000000:root"},"Action":"ses:SendEmail","Resource":"*"}]}')
#: An account holds one contact list: CreateContactList's variants run without it.
_LIST_OPS = ("GetContactList", "UpdateContactList", "DeleteContactList", "CreateContact", "GetContact",
             "UpdateContact", "DeleteContact", "ListContacts", "SendEmail", "SendBulkEmail")
_CUSTOM_TEMPLATE_OPS = ("GetCustomVerificationEmailTemplate", "UpdateCustomVerificationEmailTemplate",
                        "DeleteCustomVerificationEmailTemplate", "SendCustomVerificationEmail")

SETUP = ServiceSetup(
    steps=(
        Step("CreateEmailIdentity", {"EmailIdentity": "{identity}"}),
        Step("CreateEmailIdentity", {"EmailIdentity": SENDER}),
        Step("CreateEmailIdentityPolicy", {"EmailIdentity": "{identity}", "PolicyName": "ct-policy",
                                           "Policy": POLICY}),
        Step("CreateConfigurationSet", {"ConfigurationSetName": "ct-config"}),
        Step("CreateConfigurationSetEventDestination", {
            "ConfigurationSetName": "ct-config", "EventDestinationName": "ct-dest",
            "EventDestination": {"Enabled": True, "MatchingEventTypes": ["SEND"], "CloudWatchDestination": {
                "DimensionConfigurations": [{"DimensionName": "ct", "DimensionValueSource": "MESSAGE_TAG",
                                             "DefaultDimensionValue": "ct"}]}}}),
        Step("CreateContactList", {"ContactListName": "ct-list", "Topics": [
            {"TopicName": "ct-topic", "DisplayName": "ct", "DefaultSubscriptionStatus": "OPT_IN"}]},
             operations=_LIST_OPS),
        Step("CreateContact", {"ContactListName": "ct-list", "EmailAddress": CONTACT}, operations=_LIST_OPS),
        Step("CreateEmailTemplate", {"TemplateName": "ct-template", "TemplateContent": {
            "Subject": "Hi {{name}}", "Text": "Hello {{name}}"}}),
        Step("CreateCustomVerificationEmailTemplate", {
            "TemplateName": "ct-cvt", "FromEmailAddress": SENDER, "TemplateSubject": "Verify",
            "TemplateContent": "<p>Verify</p>", "SuccessRedirectionURL": "https://example.com/ok",
            "FailureRedirectionURL": "https://example.com/no"}),
        Step("PutSuppressedDestination", {"EmailAddress": SUPPRESSED, "Reason": "BOUNCE"}),
    ),
    members={
        "EmailIdentity": "{identity}", "PolicyName": "ct-policy", "Policy": POLICY,
        "ConfigurationSetName": "ct-config", "EventDestinationName": "ct-dest", "ContactListName": "ct-list",
        "TopicName": "ct-topic", "TemplateName": "ct-template", "TemplateData": '{"name":"ct"}',
        "FromEmailAddress": SENDER, "EmailAddress": CONTACT, "MailFromDomain": "mail.{identity}",
        "ToAddresses": ["to@example.com"],
    },
    names={"EmailIdentity": ("identity", "example.com")},
    overrides={
        "CreateEmailIdentity": {"EmailIdentity": "ct-new-{n}.example.com"},
        "CreateEmailIdentityPolicy": {"PolicyName": "ct-new-{n}"},
        "CreateConfigurationSet": {"ConfigurationSetName": "ct-new-{n}"},
        "CreateConfigurationSetEventDestination": {"EventDestinationName": "ct-new-{n}"},
        "CreateContactList": {"ContactListName": "ct-new-{n}"},
        "CreateContact": {"EmailAddress": "new-{n}@example.com"},
        "CreateEmailTemplate": {"TemplateName": "ct-new-{n}"},
        "CreateCustomVerificationEmailTemplate": {"TemplateName": "ct-new-{n}"},
        **{op: {"TemplateName": "ct-cvt", "EmailAddress": SENDER} for op in _CUSTOM_TEMPLATE_OPS},
        "PutSuppressedDestination": {"EmailAddress": "new-{n}@example.com"},
        **{op: {"EmailAddress": SUPPRESSED} for op in ("GetSuppressedDestination", "DeleteSuppressedDestination")},
    },
)

KNOWN_GAPS: dict[tuple[str, ...], str] = {}
