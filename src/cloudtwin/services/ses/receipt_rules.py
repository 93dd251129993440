"""Receipt rule sets, their rules, the active rule set and IP receipt filters: stored and
described as AWS does (cloudtwin receives no mail). Handlers mixed into the provider."""

from __future__ import annotations

import copy
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.ses.errors import already_exists, invalid_value, rule_missing, rule_set_missing
from cloudtwin.services.ses.models import RuleSet, SesStore
from cloudtwin.services.ses.paging import page

if TYPE_CHECKING:  # pragma: no cover
    from cloudtwin.gateway.context import RequestContext

Params = dict[str, Any]
ACTIVE = "active-rule-set"
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def _check_name(member: str, name: str) -> None:
    """AWS's checks of rule set, rule and filter names (``member``: the wire name)."""
    if not _NAME.match(name) or not name[0].isalnum() or not name[-1].isalnum():
        raise ServiceError(
            "ValidationError",
            f"Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9_.-]+$",
        )
    if len(name) > 64:
        raise ServiceError("ValidationError", f"Not a valid {member}: {name}")


def rule_set(store: SesStore, name: str) -> RuleSet:
    found = store.rule_sets.get(name)
    if found is None:
        raise rule_set_missing(name)
    return found


def metadata(rules: RuleSet) -> Params:
    return {"Name": rules.name, "CreatedTimestamp": datetime.fromtimestamp(rules.created, timezone.utc)}


def _rule(params: Params) -> Params:
    rule = copy.deepcopy(params["Rule"])
    _check_name("rule.name", rule["Name"])
    rule.setdefault("Enabled", False)
    rule.setdefault("TlsPolicy", "Optional")
    rule.setdefault("ScanEnabled", False)
    return rule


def _position(rules: RuleSet, after: str | None) -> int:
    if not after:
        return 0
    index = rules.index(after)
    if index < 0:
        raise rule_missing(after)
    return index + 1


class ReceiptRuleOperations:
    def create_receipt_rule_set(self, ctx: "RequestContext", params: Params) -> Params:
        name = params["RuleSetName"]
        _check_name("ruleSetName", name)
        if name in ctx.store.rule_sets:
            raise already_exists(f"Rule set already exists: {name}")
        ctx.store.rule_sets[name] = RuleSet(name=name, created=ctx.clock.now())
        return {}

    def clone_receipt_rule_set(self, ctx: "RequestContext", params: Params) -> Params:
        original = rule_set(ctx.store, params["OriginalRuleSetName"])
        name = params["RuleSetName"]
        _check_name("ruleSetName", name)
        if name in ctx.store.rule_sets:
            raise already_exists(f"Rule set already exists: {name}")
        ctx.store.rule_sets[name] = RuleSet(name=name, created=ctx.clock.now(), rules=copy.deepcopy(original.rules))
        return {}

    def delete_receipt_rule_set(self, ctx: "RequestContext", params: Params) -> Params:
        name = params["RuleSetName"]
        if ctx.store.settings.get(ACTIVE) == name:
            raise ServiceError("CannotDeleteException", f"Cannot delete active rule set: {name}")
        ctx.store.rule_sets.pop(name, None)
        return {}

    def list_receipt_rule_sets(self, ctx: "RequestContext", params: Params) -> Params:
        sets = [metadata(r) for _, r in sorted(ctx.store.rule_sets.items())]
        chunk, token = page(sets, params.get("NextToken"), None, default=100)
        return {"RuleSets": chunk, **({"NextToken": token} if token else {})}

    def describe_receipt_rule_set(self, ctx: "RequestContext", params: Params) -> Params:
        rules = rule_set(ctx.store, params["RuleSetName"])
        return {"Metadata": metadata(rules), "Rules": copy.deepcopy(rules.rules)}

    def set_active_receipt_rule_set(self, ctx: "RequestContext", params: Params) -> Params:
        name = params.get("RuleSetName")
        if name:
            rule_set(ctx.store, name)
            ctx.store.settings[ACTIVE] = name
        else:
            ctx.store.settings.pop(ACTIVE, None)
        return {}

    def describe_active_receipt_rule_set(self, ctx: "RequestContext", params: Params) -> Params:
        name = ctx.store.settings.get(ACTIVE)
        rules = ctx.store.rule_sets.get(name) if name else None
        if rules is None:
            return {}
        return {"Metadata": metadata(rules), "Rules": copy.deepcopy(rules.rules)}

    # -- rules --------------------------------------------------------------------------------

    def create_receipt_rule(self, ctx: "RequestContext", params: Params) -> Params:
        rules = rule_set(ctx.store, params["RuleSetName"])
        rule = _rule(params)
        position = _position(rules, params.get("After"))
        if rules.index(rule["Name"]) >= 0:
            raise already_exists(f"Rule already exists: {rule['Name']}")
        rules.rules.insert(position, rule)
        ctx.store.rule_sets.save(rules.name)
        return {}

    def update_receipt_rule(self, ctx: "RequestContext", params: Params) -> Params:
        rules = rule_set(ctx.store, params["RuleSetName"])
        rule = _rule(params)
        index = rules.index(rule["Name"])
        if index < 0:
            raise rule_missing(rule["Name"])
        rules.rules[index] = rule
        ctx.store.rule_sets.save(rules.name)
        return {}

    def delete_receipt_rule(self, ctx: "RequestContext", params: Params) -> Params:
        rules = rule_set(ctx.store, params["RuleSetName"])
        rules.rules = [r for r in rules.rules if r["Name"] != params["RuleName"]]
        ctx.store.rule_sets.save(rules.name)
        return {}

    def describe_receipt_rule(self, ctx: "RequestContext", params: Params) -> Params:
        rules = rule_set(ctx.store, params["RuleSetName"])
        index = rules.index(params["RuleName"])
        if index < 0:
            raise rule_missing(params["RuleName"])
        return {"Rule": copy.deepcopy(rules.rules[index])}

    def set_receipt_rule_position(self, ctx: "RequestContext", params: Params) -> Params:
        rules = rule_set(ctx.store, params["RuleSetName"])
        index = rules.index(params["RuleName"])
        if index < 0:
            raise rule_missing(params["RuleName"])
        rule = rules.rules.pop(index)
        rules.rules.insert(_position(rules, params.get("After")), rule)
        ctx.store.rule_sets.save(rules.name)
        return {}

    def reorder_receipt_rule_set(self, ctx: "RequestContext", params: Params) -> Params:
        rules = rule_set(ctx.store, params["RuleSetName"])
        order = params["RuleNames"]
        for name in order:
            if rules.index(name) < 0:
                raise rule_missing(name)
        if len(set(order)) != len(rules.rules):
            raise invalid_value("Rule names must list every rule of the rule set once.")
        rules.rules = [rules.rules[rules.index(name)] for name in order]
        ctx.store.rule_sets.save(rules.name)
        return {}

    # -- IP filters ---------------------------------------------------------------------------

    def create_receipt_filter(self, ctx: "RequestContext", params: Params) -> Params:
        receipt_filter = params["Filter"]
        _check_name("filter.name", receipt_filter["Name"])
        if receipt_filter["Name"] in ctx.store.filters:
            raise already_exists(f"Filter already exists: {receipt_filter['Name']}")
        ctx.store.filters[receipt_filter["Name"]] = copy.deepcopy(receipt_filter)
        return {}

    def delete_receipt_filter(self, ctx: "RequestContext", params: Params) -> Params:
        ctx.store.filters.pop(params["FilterName"], None)
        return {}

    def list_receipt_filters(self, ctx: "RequestContext", params: Params) -> Params:
        return {"Filters": [copy.deepcopy(f) for f in ctx.store.filters.values()]}
