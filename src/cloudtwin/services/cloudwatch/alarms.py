"""Alarm evaluation on the virtual clock: metric alarms (static thresholds, M out of N,
missing-data treatment, metric math), composite alarm rules, state transitions with AWS's
reason texts, and the history they leave.

A metric alarm is evaluated every ``min(Period, 60)`` seconds of virtual time over its last
``EvaluationPeriods`` complete periods; a composite alarm whenever one of its children
changes state. Every state change goes to :class:`~cloudtwin.services.cloudwatch.actions`
for the alarm's actions.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime, timezone
from typing import Any, Callable

from cloudtwin.protocol.errors import ServiceError
from cloudtwin.services.cloudwatch import queries
from cloudtwin.services.cloudwatch.expressions import Series
from cloudtwin.services.cloudwatch.metrics import aligned_start, query_series
from cloudtwin.services.cloudwatch.models import Alarm, CloudWatchStore, HistoryItem

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
COMPARISONS: dict[str, tuple[str, Callable[[float, float], bool]]] = {
    "GreaterThanOrEqualToThreshold": ("greater than or equal to", lambda v, t: v >= t),
    "GreaterThanThreshold": ("greater than", lambda v, t: v > t),
    "LessThanThreshold": ("less than", lambda v, t: v < t),
    "LessThanOrEqualToThreshold": ("less than or equal to", lambda v, t: v <= t),
}
ANOMALY_COMPARISONS = ("LessThanLowerOrGreaterThanUpperThreshold", "LessThanLowerThreshold", "GreaterThanUpperThreshold")


def iso_millis(epoch: float) -> str:
    """``2026-12-07T02:31:05.123+0000``: the timestamps of alarm data and notifications."""
    moment = datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def _reason_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%d/%m/%y %H:%M:%S")


def _number(value: float) -> str:
    return repr(float(value))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class Evaluator:
    """Evaluates the alarms of every store, and records transitions."""

    def __init__(self, on_transition: Callable[[CloudWatchStore, Alarm, str, str, float], None]) -> None:
        #: Called as ``on_transition(store, alarm, old_state, old_reason_json, now)``.
        self.on_transition = on_transition

    # -- metric alarms --------------------------------------------------------------------

    def due(self, store: CloudWatchStore, now: float) -> int:
        evaluated = 0
        for alarm in list(store.alarms.values()):
            if alarm.kind != "MetricAlarm" or alarm.next_evaluation > now:
                continue
            self.evaluate(store, alarm, now)
            evaluated += 1
        return evaluated

    def _window(self, alarm: Alarm) -> int:
        config = alarm.config
        if config.get("Period"):
            return int(config["Period"])
        periods = [m["MetricStat"]["Period"] for m in config.get("Metrics", []) if m.get("MetricStat")]
        periods += [m["Period"] for m in config.get("Metrics", []) if m.get("Period")]
        return int(min(periods)) if periods else 60

    def datapoints(self, store: CloudWatchStore, alarm: Alarm, now: float) -> tuple[list[float], dict[float, float]]:
        """The periods evaluated (newest first) and the values they have."""
        config = alarm.config
        period = self._window(alarm)
        count = int(config.get("EvaluationPeriods", 1))
        end = math.floor(now / period) * period
        start = end - count * period
        slots = [end - (i + 1) * period for i in range(count)]
        if config.get("MetricName"):
            stat = config.get("Statistic") or config.get("ExtendedStatistic")
            stamps, values = query_series(
                store, config.get("Namespace", ""), config["MetricName"], config.get("Dimensions"),
                start, end, period, stat, config.get("Unit"),
            )  # fmt: skip
            return slots, dict(zip(stamps, values))
        metrics = config.get("Metrics") or []
        try:
            results = queries.evaluate_queries(store, metrics, start, end)
        except ServiceError:
            return slots, {}
        chosen = next((m for m in metrics if m.get("ReturnData", True) and m["Id"] in results), None)
        value = results.get(chosen["Id"]) if chosen else None
        if isinstance(value, list):
            value = value[0] if value else None
        points = value.points if isinstance(value, Series) else {}
        return slots, {aligned_start(t, period): v for t, v in points.items() if not math.isnan(v)}

    def evaluate(self, store: CloudWatchStore, alarm: Alarm, now: float) -> None:
        config = alarm.config
        period = self._window(alarm)
        alarm.next_evaluation = now + min(period, 60)
        store.alarms.save(alarm.name)
        if config.get("ComparisonOperator") in ANOMALY_COMPARISONS:
            return  # anomaly models are stored, not trained: the state is left as it is
        slots, values = self.datapoints(store, alarm, now)
        evaluation = int(config.get("EvaluationPeriods", 1))
        needed = int(config.get("DatapointsToAlarm") or evaluation)
        treat = config.get("TreatMissingData") or "missing"
        text, compare = COMPARISONS[config["ComparisonOperator"]]
        threshold = float(config.get("Threshold", 0.0))
        present = [(t, values[t]) for t in slots if t in values]
        missing_count = len(slots) - len(present)
        reason_data: dict[str, Any] = {"version": "1.0", "queryDate": iso_millis(now)}
        if present:
            reason_data["startDate"] = iso_millis(min(t for t, _ in present))
        if config.get("Unit"):
            reason_data["unit"] = config["Unit"]
        if config.get("Statistic"):
            reason_data["statistic"] = config["Statistic"]
        elif config.get("ExtendedStatistic"):
            reason_data["statistic"] = config["ExtendedStatistic"]
        reason_data["period"] = period
        reason_data["recentDatapoints"] = [v for _, v in sorted(present)]
        reason_data["threshold"] = threshold
        reason_data["evaluatedDatapoints"] = [
            {"timestamp": iso_millis(t), **({"sampleCount": 1.0, "value": values[t]} if t in values else {})}
            for t in slots
        ]
        if not present:
            if treat == "ignore":
                return
            if treat == "missing":
                new = "INSUFFICIENT_DATA"
                reason = f"Insufficient Data: {_plural(len(slots), 'datapoint')} {'was' if len(slots) == 1 else 'were'} unknown."
            else:
                new = "ALARM" if treat == "breaching" else "OK"
                label = "Breaching" if treat == "breaching" else "NonBreaching"
                reason = (
                    f"Threshold Crossed: no datapoints were received for {_plural(len(slots), 'period')} and "
                    f"{len(slots)} missing datapoint{'' if len(slots) == 1 else 's'} "
                    f"{'was' if len(slots) == 1 else 'were'} treated as [{label}]."
                )
            self.transition(store, alarm, new, reason, json.dumps(reason_data), now)
            return
        breaching = sum(1 for _, v in present if compare(v, threshold))
        if treat == "breaching":
            breaching += missing_count
        considered = len(present) + (missing_count if treat in ("breaching", "notBreaching") else 0)
        new = "ALARM" if breaching >= needed else "OK"
        if new == "OK" and considered < needed and treat in ("missing", "ignore"):
            if treat == "ignore" or alarm.state != "INSUFFICIENT_DATA":
                return
        shown = ", ".join(f"{_number(v)} ({_reason_time(t)})" for t, v in present)
        total = len(slots)
        if new == "ALARM":
            counted = breaching
            verb = text
            transition = f"minimum {_plural(needed, 'datapoint')} for OK -> ALARM transition"
        else:
            counted = considered - breaching if treat != "breaching" else len(present) - breaching
            verb = f"not {text}"
            transition = f"minimum {_plural(total - needed + 1, 'datapoint')} for ALARM -> OK transition"
        reason = (
            f"Threshold Crossed: {counted} out of the last {total} datapoints "
            f"[{shown}] {'was' if counted == 1 else 'were'} {verb} the threshold ({_number(threshold)}) ({transition})."
        )
        self.transition(store, alarm, new, reason, json.dumps(reason_data), now)

    # -- transitions ------------------------------------------------------------------------

    def transition(self, store: CloudWatchStore, alarm: Alarm, new: str, reason: str, data: str | None, now: float,
                   *, force: bool = False) -> bool:  # fmt: skip
        """Move ``alarm`` to ``new``; True when its state changed. ``force`` (SetAlarmState)
        records the reason even when the state stays."""
        if new == alarm.state and not force:
            return False
        old_state, old_reason = alarm.state, {"value": alarm.state, "reason": alarm.reason, "timestamp": alarm.state_updated,
                                              "data": alarm.reason_data}  # fmt: skip
        changed = new != alarm.state
        alarm.state, alarm.reason, alarm.reason_data = new, reason, data
        alarm.state_updated = now
        if changed:
            alarm.state_transitioned = now
        store.alarms[alarm.name] = alarm
        if changed:
            add_history(
                store, alarm, now, "StateUpdate", f"Alarm updated from {old_state} to {new}",
                json.dumps({
                    "version": "1.0",
                    "oldState": {"stateValue": old_state, "stateReason": old_reason["reason"]},
                    "newState": {"stateValue": new, "stateReason": reason,
                                 **({"stateReasonData": json.loads(data)} if data else {})},
                }),
            )  # fmt: skip
            self.on_transition(store, alarm, old_state, json.dumps(old_reason), now)
            self.composites(store, alarm, now)
        return changed

    # -- composite alarms ---------------------------------------------------------------------

    def composites(self, store: CloudWatchStore, child: Alarm, now: float) -> None:
        for alarm in list(store.alarms.values()):
            if alarm.kind == "CompositeAlarm" and alarm.name != child.name and references_alarm(alarm, child):
                self.evaluate_composite(store, alarm, now, child)

    def evaluate_composite(self, store: CloudWatchStore, alarm: Alarm, now: float, trigger: Alarm | None = None) -> None:
        try:
            rule = parse_rule(alarm.config["AlarmRule"])
        except ValueError:
            return
        result = rule_value(rule, store)
        new = "ALARM" if result else "OK"
        if new == alarm.state:
            return
        if trigger is None or not references_alarm(alarm, trigger):
            trigger = next((store.alarms[n] for n in rule_names(rule) if n in store.alarms), None)
        triggering = []
        reason = f"Composite alarm rule evaluated to {new}"
        if trigger is not None:
            triggering.append({"arn": trigger.arn, "state": {"value": trigger.state, "timestamp": iso_millis(trigger.state_transitioned)}})
            when = datetime.fromtimestamp(trigger.state_transitioned, timezone.utc).strftime("%A %d %B, %Y %H:%M:%S UTC")
            reason = f"{trigger.arn} transitioned to {trigger.state} at {when}"
        self.transition(store, alarm, new, reason, json.dumps({"triggeringAlarms": triggering}), now)


#: How long alarm history is kept (AWS: 30 days).
HISTORY_RETENTION = 30 * 86400


def add_history(store: CloudWatchStore, alarm: Alarm, now: float, kind: str, summary: str, data: str) -> None:
    store.history_seq += 1
    store.history[store.history_seq] = HistoryItem(alarm.name, alarm.kind, now, kind, summary, data, store.history_seq)
    expired = []
    for seq, item in store.history.items():  # oldest first
        if item.timestamp >= now - HISTORY_RETENTION:
            break
        expired.append(seq)
    for seq in expired:
        del store.history[seq]


# -- AlarmRule: ALARM(x) / OK(x) / INSUFFICIENT_DATA(x), TRUE/FALSE, AND, OR, NOT, ( ) -------------

_RULE_TOKEN = re.compile(
    r'\s*(?:(?P<fn>ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*(?P<arg>"[^"]*"|[^\s()"]+)\s*\)'
    r"|(?P<kw>AND|OR|NOT|TRUE|FALSE)\b|(?P<paren>[()]))"
)


def parse_rule(text: str) -> Any:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _RULE_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise ValueError(f"Syntax error at position {pos + 1}")
        if match.group("fn"):
            tokens.append(("state", f"{match.group('fn')}|{match.group('arg').strip(chr(34))}"))
        elif match.group("kw"):
            tokens.append(("kw", match.group("kw")))
        else:
            tokens.append(("paren", match.group("paren")))
        pos = match.end()
    position = [0]

    def peek() -> tuple[str, str] | None:
        return tokens[position[0]] if position[0] < len(tokens) else None

    def expr() -> Any:
        node = term()
        while peek() == ("kw", "OR"):
            position[0] += 1
            node = ("OR", node, term())
        return node

    def term() -> Any:
        node = factor()
        while peek() == ("kw", "AND"):
            position[0] += 1
            node = ("AND", node, factor())
        return node

    def factor() -> Any:
        token = peek()
        if token is None:
            raise ValueError("Unexpected end of rule")
        position[0] += 1
        if token == ("kw", "NOT"):
            return ("NOT", factor())
        if token == ("paren", "("):
            node = expr()
            if peek() != ("paren", ")"):
                raise ValueError("Missing closing parenthesis")
            position[0] += 1
            return node
        if token[0] == "state":
            state, name = token[1].split("|", 1)
            return ("STATE", state, name)
        if token[0] == "kw" and token[1] in ("TRUE", "FALSE"):
            return ("CONST", token[1] == "TRUE")
        raise ValueError(f"Unexpected token {token[1]}")

    node = expr()
    if peek() is not None:
        raise ValueError(f"Unexpected token {peek()[1]}")  # type: ignore[index]
    return node


def _alarm_name(reference: str) -> str:
    return reference.split(":alarm:", 1)[1] if ":alarm:" in reference else reference


def rule_names(node: Any) -> list[str]:
    if node[0] == "STATE":
        return [_alarm_name(node[2])]
    if node[0] == "CONST":
        return []
    return [name for child in node[1:] for name in rule_names(child)]


def rule_value(node: Any, store: CloudWatchStore) -> bool:
    kind = node[0]
    if kind == "STATE":
        alarm = store.alarms.get(_alarm_name(node[2]))
        return alarm is not None and alarm.state == node[1]
    if kind == "CONST":
        return node[1]
    if kind == "NOT":
        return not rule_value(node[1], store)
    if kind == "AND":
        return rule_value(node[1], store) and rule_value(node[2], store)
    return rule_value(node[1], store) or rule_value(node[2], store)


def references_alarm(composite: Alarm, child: Alarm) -> bool:
    try:
        return child.name in rule_names(parse_rule(composite.config["AlarmRule"]))
    except ValueError:
        return False
