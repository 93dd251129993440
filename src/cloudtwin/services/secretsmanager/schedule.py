"""Rotation schedules: ``AutomaticallyAfterDays``, ``rate(...)`` and ``cron(...)`` expressions,
evaluated against the virtual clock to give the next rotation time.

Cron expressions are AWS's six fields — minutes hours day-of-month month day-of-week year —
with ``*``, ``?``, lists, ranges, ``/`` steps, month and day names, and ``L`` (last day of
the month) in day-of-month. Day-of-week counts 1 = SUN … 7 = SAT, as in AWS.
"""

from __future__ import annotations

import calendar
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from cloudtwin.protocol.errors import ServiceError

DAY = 86400.0
_RATE = re.compile(r"^rate\(\s*(\d+)\s+(hour|hours|day|days)\s*\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_MONTHS = {m.upper(): i for i, m in enumerate(calendar.month_abbr) if m}
_DAYS = {name: i + 1 for i, name in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}


def _invalid() -> ServiceError:
    return ServiceError("InvalidParameterException", "Invalid ScheduleExpression format.")


def check_rules(rules: dict[str, Any]) -> None:
    """Refuse rotation rules AWS refuses, before anything is stored."""
    days = rules.get("AutomaticallyAfterDays")
    expression = rules.get("ScheduleExpression")
    if days is not None and expression is not None:
        raise ServiceError(
            "InvalidParameterException",
            "You can't specify both AutomaticallyAfterDays and ScheduleExpression.",
        )
    if days is None and expression is None:
        raise ServiceError(
            "InvalidParameterException",
            "You must specify either AutomaticallyAfterDays or ScheduleExpression.",
        )
    if days is not None and not 1 <= days <= 1000:
        raise ServiceError(
            "InvalidParameterException", "AutomaticallyAfterDays must be between 1 and 1000."
        )
    if expression is not None:
        next_rotation(rules, 0.0)
    duration = rules.get("Duration")
    if duration is not None and not re.fullmatch(r"[1-9]\d*h", duration):
        raise ServiceError("InvalidParameterException", "Invalid Duration format.")


def next_rotation(rules: dict[str, Any], after: float) -> float:
    """The start of the next rotation window strictly after ``after`` (epoch seconds)."""
    days = rules.get("AutomaticallyAfterDays")
    if days is not None:
        return after + days * DAY
    expression = (rules.get("ScheduleExpression") or "").strip()
    match = _RATE.match(expression)
    if match:
        count, unit = int(match.group(1)), match.group(2)
        if count < 1:
            raise _invalid()
        if unit.startswith("hour"):
            if count < 4:
                raise ServiceError(
                    "InvalidParameterException", "The rotation interval must be at least 4 hours."
                )
            return after + count * 3600.0
        if count > 1000:
            raise _invalid()
        return after + count * DAY
    match = _CRON.match(expression)
    if not match:
        raise _invalid()
    return Cron(match.group(1)).next_after(after)


class Cron:
    def __init__(self, text: str) -> None:
        fields = text.split()
        if len(fields) != 6:
            raise _invalid()
        minute, hour, dom, month, dow, year = fields
        self.minutes = _parse(minute, 0, 59, {})
        self.hours = _parse(hour, 0, 23, {})
        self.last_day = dom.upper() == "L"
        self.dom = None if dom in ("?", "*") or self.last_day else _parse(dom, 1, 31, {})
        self.months = _parse(month, 1, 12, _MONTHS)
        self.dow = None if dow in ("?", "*") else _parse(dow, 1, 7, _DAYS)
        self.years = None if year == "*" else _parse(year, 1970, 2199, {})
        if dom != "?" and dow != "?" and not (dom == "*" and dow == "*"):
            if dom != "*" and dow != "*":
                raise _invalid()

    def _day_matches(self, day: datetime) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        if self.last_day and day.day != calendar.monthrange(day.year, day.month)[1]:
            return False
        if self.dom is not None and day.day not in self.dom:
            return False
        # Python: Monday = 0; AWS: Sunday = 1.
        if self.dow is not None and (day.weekday() + 1) % 7 + 1 not in self.dow:
            return False
        return True

    def next_after(self, after: float) -> float:
        start = datetime.fromtimestamp(after, timezone.utc)
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)
        for _ in range(366 * 6):
            if self._day_matches(day):
                for hour in self.hours:
                    for minute in self.minutes:
                        moment = day.replace(hour=hour, minute=minute)
                        if moment.timestamp() > after:
                            return moment.timestamp()
            day += timedelta(days=1)
        raise _invalid()


def _parse(text: str, low: int, high: int, names: dict[str, int]) -> list[int]:
    values: set[int] = set()
    for part in text.upper().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = _number(step_text, names)
            if step < 1:
                raise _invalid()
        if part in ("*", ""):
            first, last = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            first, last = _number(a, names), _number(b, names)
        else:
            first = _number(part, names)
            last = high if step > 1 else first
        if not low <= first <= last <= high:
            raise _invalid()
        values.update(range(first, last + 1, step))
    return sorted(values)


def _number(text: str, names: dict[str, int]) -> int:
    if text in names:
        return names[text]
    if not text.isdigit():
        raise _invalid()
    return int(text)
