"""Identities, templates, configuration sets, the sent-message count, and SES v2's
suppression list and contact lists survive a kill with ``--data-dir``."""

from __future__ import annotations

import signal

import boto3

from cloudtwin.testing.server import free_port, start_process


def _ses(port, service="ses"):
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")


def test_state_survives_a_kill(tmp_path):
    port = free_port()
    proc = start_process(port, "--data-dir", str(tmp_path))
    try:
        ses = _ses(port)
        ses.verify_email_identity(EmailAddress="kept@example.com")
        ses.verify_domain_dkim(Domain="example.org")
        ses.create_template(Template={"TemplateName": "kept", "SubjectPart": "Hi {{n}}"})
        ses.create_configuration_set(ConfigurationSet={"Name": "kept"})
        ses.send_templated_email(Source="kept@example.com", Destination={"ToAddresses": ["a@example.net"]},
                                 Template="kept", TemplateData='{"n": 1}')
        v2 = _ses(port, "sesv2")
        v2.put_suppressed_destination(EmailAddress="gone@example.net", Reason="BOUNCE")
        v2.create_contact_list(ContactListName="kept")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    proc = start_process(port, "--data-dir", str(tmp_path))
    try:
        ses = _ses(port)
        assert ses.list_identities()["Identities"] == ["kept@example.com", "example.org"]
        assert ses.get_identity_dkim_attributes(Identities=["example.org"])["DkimAttributes"]["example.org"]["DkimEnabled"] is True
        assert ses.get_template(TemplateName="kept")["Template"]["SubjectPart"] == "Hi {{n}}"
        assert ses.list_configuration_sets()["ConfigurationSets"] == [{"Name": "kept"}]
        assert ses.get_send_quota()["SentLast24Hours"] == 1.0
        v2 = _ses(port, "sesv2")
        assert v2.get_suppressed_destination(EmailAddress="gone@example.net")["SuppressedDestination"]["Reason"] == "BOUNCE"
        assert [c["ContactListName"] for c in v2.list_contact_lists()["ContactLists"]] == ["kept"]
    finally:
        proc.terminate()
        proc.wait(10)
