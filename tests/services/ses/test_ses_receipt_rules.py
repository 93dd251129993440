"""Receipt rule sets, rules, the active rule set and IP filters."""

import pytest
from botocore.exceptions import ClientError

ACTION = [{"AddHeaderAction": {"HeaderName": "X-Seen", "HeaderValue": "yes"}}]


def test_rule_sets_and_rules(aws_client):
    ses = aws_client("ses")
    ses.create_receipt_rule_set(RuleSetName="inbound")
    with pytest.raises(ClientError) as exc:
        ses.create_receipt_rule_set(RuleSetName="inbound")
    assert exc.value.response["Error"]["Code"] == "AlreadyExists"
    ses.create_receipt_rule(RuleSetName="inbound", Rule={"Name": "first", "Enabled": True, "Actions": ACTION})
    ses.create_receipt_rule(RuleSetName="inbound", After="first", Rule={"Name": "third", "Recipients": ["a@example.com"]})
    ses.create_receipt_rule(RuleSetName="inbound", After="first", Rule={"Name": "second"})
    described = ses.describe_receipt_rule_set(RuleSetName="inbound")
    assert described["Metadata"]["Name"] == "inbound"
    assert [r["Name"] for r in described["Rules"]] == ["first", "second", "third"]
    assert ses.describe_receipt_rule(RuleSetName="inbound", RuleName="first")["Rule"] == {
        "Name": "first", "Enabled": True, "TlsPolicy": "Optional", "Actions": ACTION, "ScanEnabled": False}
    ses.update_receipt_rule(RuleSetName="inbound", Rule={"Name": "second", "Enabled": True, "ScanEnabled": True})
    assert ses.describe_receipt_rule(RuleSetName="inbound", RuleName="second")["Rule"]["ScanEnabled"] is True
    ses.set_receipt_rule_position(RuleSetName="inbound", RuleName="first", After="third")
    ses.reorder_receipt_rule_set(RuleSetName="inbound", RuleNames=["third", "second", "first"])
    assert [r["Name"] for r in ses.describe_receipt_rule_set(RuleSetName="inbound")["Rules"]] == ["third", "second", "first"]

    ses.clone_receipt_rule_set(RuleSetName="copy", OriginalRuleSetName="inbound")
    ses.delete_receipt_rule(RuleSetName="copy", RuleName="second")
    assert [r["Name"] for r in ses.describe_receipt_rule_set(RuleSetName="copy")["Rules"]] == ["third", "first"]
    assert [s["Name"] for s in ses.list_receipt_rule_sets()["RuleSets"]] == ["copy", "inbound"]  # by name

    assert "Metadata" not in ses.describe_active_receipt_rule_set()
    ses.set_active_receipt_rule_set(RuleSetName="inbound")
    assert ses.describe_active_receipt_rule_set()["Metadata"]["Name"] == "inbound"
    with pytest.raises(ClientError) as exc:
        ses.delete_receipt_rule_set(RuleSetName="inbound")
    assert exc.value.response["Error"]["Code"] == "CannotDelete"
    ses.set_active_receipt_rule_set()
    ses.delete_receipt_rule_set(RuleSetName="inbound")

    for call, kwargs, code, message in (
        (ses.describe_receipt_rule_set, {"RuleSetName": "inbound"}, "RuleSetDoesNotExist", "Rule set does not exist: inbound"),
        (ses.describe_receipt_rule, {"RuleSetName": "copy", "RuleName": "second"}, "RuleDoesNotExist", "Rule does not exist: second"),
        (ses.clone_receipt_rule_set, {"RuleSetName": "x", "OriginalRuleSetName": "nope"}, "RuleSetDoesNotExist", "Rule set does not exist: nope"),
        (ses.set_active_receipt_rule_set, {"RuleSetName": "nope"}, "RuleSetDoesNotExist", "Rule set does not exist: nope"),
    ):
        with pytest.raises(ClientError) as exc:
            call(**kwargs)
        assert exc.value.response["Error"] == {"Type": "Sender", "Code": code, "Message": message}


def test_names_are_checked(aws_client):
    ses = aws_client("ses")
    with pytest.raises(ClientError) as exc:
        ses.create_receipt_rule_set(RuleSetName="-starts-with-a-dash")
    assert exc.value.response["Error"] == {"Type": "Sender", "Code": "ValidationError", "Message": (
        "Value at 'ruleSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_.-]+$")}
    with pytest.raises(ClientError) as exc:
        ses.create_receipt_rule_set(RuleSetName="a" * 65)
    assert exc.value.response["Error"]["Message"] == f"Not a valid ruleSetName: {'a' * 65}"
    ses.create_receipt_rule_set(RuleSetName="ok")
    with pytest.raises(ClientError) as exc:
        ses.create_receipt_rule(RuleSetName="ok", After="missing", Rule={"Name": "r"})
    assert exc.value.response["Error"]["Code"] == "RuleDoesNotExist"


def test_receipt_filters(aws_client):
    ses = aws_client("ses")
    receipt_filter = {"Name": "block", "IpFilter": {"Policy": "Block", "Cidr": "10.0.0.0/8"}}
    ses.create_receipt_filter(Filter=receipt_filter)
    assert ses.list_receipt_filters()["Filters"] == [receipt_filter]
    with pytest.raises(ClientError) as exc:
        ses.create_receipt_filter(Filter=receipt_filter)
    assert exc.value.response["Error"]["Code"] == "AlreadyExists"
    ses.delete_receipt_filter(FilterName="block")
    assert ses.list_receipt_filters()["Filters"] == []
