"""SOQL's date literals (``TODAY``, ``LAST_N_DAYS:30``, ``THIS_MONTH`` ...) as spans of time.

Each literal names a half-open span ``[start, end)`` in the org's time zone (the sandbox org's
is UTC); a comparison reads it the way Salesforce does: ``= TODAY`` is within the span,
``> TODAY`` after its end, ``< TODAY`` before its start, ``>=`` / ``<=`` include it. Weeks start
on Sunday (the en_US locale). Fiscal-period literals need a fiscal year the sandbox org has not
set up; they, and any name not listed here, are refused.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone


@dataclass(frozen=True)
class Span:
    start: datetime
    end: datetime

    def compare(self, moment, operator):
        return {"=": self.start <= moment < self.end, "!=": not self.start <= moment < self.end,
                "<": moment < self.start, "<=": moment < self.end,
                ">": moment >= self.end, ">=": moment >= self.start}[operator]


def _months(moment, count):
    """The first of the month ``count`` months after ``moment``'s month."""
    index = moment.year * 12 + moment.month - 1 + count
    return moment.replace(year=index // 12, month=index % 12 + 1, day=1)


def _starts(now):
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=(day.weekday() + 1) % 7)  # back to Sunday
    month = day.replace(day=1)
    quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    year = month.replace(month=1)
    return day, week, month, quarter, year


def _unit_span(unit, start_of_current, offset, count):
    """``count`` units beginning ``offset`` units from the current one."""
    if unit == "day":
        return Span(start_of_current + timedelta(days=offset), start_of_current + timedelta(days=offset + count))
    if unit == "week":
        return Span(start_of_current + timedelta(weeks=offset), start_of_current + timedelta(weeks=offset + count))
    months = {"month": 1, "quarter": 3, "year": 12}[unit]
    return Span(_months(start_of_current, offset * months), _months(start_of_current, (offset + count) * months))


UNITS = ("day", "week", "month", "quarter", "year")


def span(name, now=None):
    """The span ``name`` (``TODAY``, ``LAST_N_DAYS:7``) denotes at ``now``, or None if it is no
    literal the sandbox knows."""
    now = now or datetime.now(timezone.utc)
    starts = dict(zip(UNITS, _starts(now)))
    word, _, number = name.upper().partition(":")
    if number:
        if not number.isdigit():
            return None
        n = int(number)
        for unit in UNITS:
            plural = unit.upper() + "S"
            if word == f"LAST_N_{plural}":
                if unit == "day":  # the past n days and today (Salesforce's LAST_N_DAYS includes today)
                    return Span(starts["day"] - timedelta(days=n), starts["day"] + timedelta(days=1))
                return _unit_span(unit, starts[unit], -n, n)
            if word == f"NEXT_N_{plural}":
                return _unit_span(unit, starts[unit], 1, n)
            if word == f"N_{plural}_AGO":
                return _unit_span(unit, starts[unit], -n, 1)
        return None
    fixed = {"YESTERDAY": ("day", -1), "TODAY": ("day", 0), "TOMORROW": ("day", 1)}
    for unit in ("week", "month", "quarter", "year"):
        fixed.update({f"LAST_{unit.upper()}": (unit, -1), f"THIS_{unit.upper()}": (unit, 0),
                      f"NEXT_{unit.upper()}": (unit, 1)})
    if word in fixed:
        unit, offset = fixed[word]
        return _unit_span(unit, starts[unit], offset, 1)
    if word == "LAST_90_DAYS":
        return Span(starts["day"] - timedelta(days=90), starts["day"] + timedelta(days=1))
    if word == "NEXT_90_DAYS":
        return _unit_span("day", starts["day"], 1, 90)
    return None
