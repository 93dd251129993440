"""Schedule expressions of EventBridge rules and EventBridge Scheduler: ``rate()``,
``cron()`` and (Scheduler only) ``at()``, and when they next fall due.

    rate(5 minutes)   rate(1 hour)   rate(2 days)          value 1 takes the singular unit
    cron(Minutes Hours Day-of-month Month Day-of-week Year)
        , - * /   in every field;  ?  in day-of-month or day-of-week (exactly one of them);
        L (last day of month / last <weekday> as 5L), W (nearest weekday, 15W, LW), # (3#2)
        months JAN-DEC, weekdays SUN-SAT (1 = Sunday)
    at(yyyy-mm-ddThh:mm:ss)

``Schedule.next_after(t)`` is the first instant strictly after ``t`` (epoch seconds).
Cron and at() read wall-clock time in ``timezone`` (an IANA name, UTC by default). Around
daylight-saving changes this follows what EventBridge Scheduler documents: a wall-clock
time that does not exist (the hour skipped in spring) is skipped, and a wall-clock time
that happens twice (the hour repeated in autumn) runs once, at its first occurrence.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["Schedule", "ScheduleError", "parse_schedule"]

_MONTHS = {m: i for i, m in enumerate("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split(), 1)}
_DAYS = {d: i for i, d in enumerate("SUN MON TUE WED THU FRI SAT".split(), 1)}
_RATE = re.compile(r"^rate\((\d+) (minutes?|hours?|days?)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_SEARCH_YEARS = 100


class ScheduleError(ValueError):
    """The expression is not valid."""


def _zone(name: str | None) -> ZoneInfo | timezone:
    if not name or name == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"Invalid time zone: {name}") from None


def _field(text: str, low: int, high: int, names: dict[str, int] | None = None) -> frozenset[int]:
    """The values of one cron field made of ``,``-separated items with ranges and steps."""
    values: set[int] = set()

    def number(token: str) -> int:
        token = token.upper()
        if names and token in names:
            return names[token]
        if not token.isdigit():
            raise ScheduleError(token)
        value = int(token)
        if not low <= value <= high:
            raise ScheduleError(token)
        return value

    for item in text.split(","):
        step = 1
        if "/" in item:
            item, step_text = item.split("/", 1)
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleError(step_text)
            step = int(step_text)
        if item == "*":
            start, end = low, high
        elif "-" in item:
            a, b = item.split("-", 1)
            start, end = number(a), number(b)
            if start > end:
                raise ScheduleError(item)
        else:
            start = number(item)
            end = high if step > 1 or "/" in text else start
        values.update(range(start, end + 1, step))
    return frozenset(values)


@dataclass(frozen=True)
class _Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    dom: str  # raw: "?" or a spec with L / W
    months: frozenset[int]
    dow: str
    years: frozenset[int] | None

    @classmethod
    def parse(cls, body: str) -> "_Cron":
        parts = body.split()
        if len(parts) != 6:
            raise ScheduleError(body)
        minute, hour, dom, month, dow, year = parts
        if (dom == "?") == (dow == "?"):
            raise ScheduleError(body)  # exactly one of day-of-month / day-of-week is "?"
        cron = cls(
            _field(minute, 0, 59), _field(hour, 0, 23), dom, _field(month, 1, 12, _MONTHS), dow,
            None if year == "*" else _field(year, 1970, 2199),
        )
        for day in range(1, 32):  # check the day specs once: every weekday of a month, its last days
            probe = date(2024, 1, day)
            cron._dom_ok(probe)
            cron._dow_ok(probe)
        return cron

    def _dom_ok(self, day: date) -> bool:
        spec = self.dom
        if spec in ("?", "*"):
            return True
        last = calendar.monthrange(day.year, day.month)[1]
        for item in spec.split(","):
            if item == "L":
                if day.day == last:
                    return True
            elif item == "LW":
                target = last
                while date(day.year, day.month, target).weekday() >= 5:
                    target -= 1
                if day.day == target:
                    return True
            elif item.endswith("W"):
                n = int(_checked(item[:-1], 1, 31))
                n = min(n, last)
                wd = date(day.year, day.month, n).weekday()
                if wd == 5:
                    n = n - 1 if n > 1 else n + 2
                elif wd == 6:
                    n = n + 1 if n < last else n - 2
                if day.day == n:
                    return True
            elif day.day in _field(item, 1, 31):
                return True
        return False

    def _dow_ok(self, day: date) -> bool:
        spec = self.dow
        if spec in ("?", "*"):
            return True
        aws_day = (day.weekday() + 1) % 7 + 1  # Sunday = 1
        last = calendar.monthrange(day.year, day.month)[1]
        for item in spec.split(","):
            upper = item.upper()
            if "#" in upper:
                wd_text, nth = upper.split("#", 1)
                wd = _DAYS.get(wd_text) or int(_checked(wd_text, 1, 7))
                if aws_day == wd and (day.day - 1) // 7 + 1 == int(_checked(nth, 1, 5)):
                    return True
            elif upper.endswith("L") and upper != "L":
                wd_text = upper[:-1]
                wd = _DAYS.get(wd_text) or int(_checked(wd_text, 1, 7))
                if aws_day == wd and day.day + 7 > last:
                    return True
            elif upper == "L":
                if aws_day == 7:
                    return True
            elif aws_day in _field(item, 1, 7, _DAYS):
                return True
        return False

    def day_ok(self, day: date) -> bool:
        if day.month not in self.months or (self.years is not None and day.year not in self.years):
            return False
        return self._dom_ok(day) and self._dow_ok(day)


def _checked(text: str, low: int, high: int) -> str:
    if not text.isdigit() or not low <= int(text) <= high:
        raise ScheduleError(text)
    return text


@dataclass(frozen=True)
class Schedule:
    """A parsed expression. ``kind`` is ``rate``, ``cron`` or ``at``."""

    expression: str
    kind: str
    zone: ZoneInfo | timezone = timezone.utc
    period: int = 0
    cron: _Cron | None = None
    at: float | None = None

    def next_after(self, after: float, *, anchor: float | None = None) -> float | None:
        """The first instant strictly after ``after``, or None if there is none.

        ``rate()`` counts whole periods from ``anchor`` (when the rule or schedule was made).
        """
        if self.kind == "rate":
            base = after if anchor is None else anchor
            if after < base:
                return base + self.period
            return base + (int((after - base) // self.period) + 1) * self.period
        if self.kind == "at":
            return self.at if self.at is not None and self.at > after else None
        return self._next_cron(after)

    def _next_cron(self, after: float) -> float | None:
        assert self.cron is not None
        cron = self.cron
        local = datetime.fromtimestamp(after, self.zone).replace(tzinfo=None)
        day = local.date()
        end = day.replace(year=min(day.year + _SEARCH_YEARS, 9998))
        hours = sorted(cron.hours)
        minutes = sorted(cron.minutes)
        while day <= end:
            if cron.years is not None and day.year > max(cron.years):
                return None
            if cron.day_ok(day):
                for hour in hours:
                    for minute in minutes:
                        wall = datetime(day.year, day.month, day.day, hour, minute)
                        if wall < local - timedelta(hours=3):
                            continue  # well before: skip the conversion
                        instant = self._instant(wall)
                        if instant is not None and instant > after:
                            return instant
            day += timedelta(days=1)
        return None

    def _instant(self, wall: datetime) -> float | None:
        """Epoch seconds of a wall-clock time in the zone; None if it does not exist (DST gap)."""
        aware = wall.replace(tzinfo=self.zone, fold=0)
        epoch = aware.timestamp()
        back = datetime.fromtimestamp(epoch, self.zone).replace(tzinfo=None)
        if back != wall:
            return None  # in the gap: the clock never shows this time
        return epoch


def parse_schedule(expression: str, *, timezone_name: str | None = None, allow_at: bool = False) -> Schedule:
    """Parse ``expression``; ``ScheduleError`` when it is not valid."""
    zone = _zone(timezone_name)
    text = expression or ""
    match = _RATE.match(text)
    if match:
        value, unit = int(match.group(1)), match.group(2)
        singular = unit.rstrip("s")
        if value <= 0 or (value == 1) != (unit == singular):
            raise ScheduleError(expression)
        return Schedule(text, "rate", zone, period=value * _UNIT_SECONDS[singular])
    if text.startswith("cron(") and text.endswith(")"):
        return Schedule(text, "cron", zone, cron=_Cron.parse(text[5:-1]))
    match = _AT.match(text) if allow_at else None
    if match:
        try:
            wall = datetime.fromisoformat(match.group(1))
        except ValueError:
            raise ScheduleError(expression) from None
        aware = wall.replace(tzinfo=zone)
        return Schedule(text, "at", zone, at=aware.timestamp())
    raise ScheduleError(expression)
