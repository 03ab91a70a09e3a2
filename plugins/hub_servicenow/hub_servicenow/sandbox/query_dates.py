"""The date values encoded queries use: ``javascript:gs.daysAgoStart(3)``,
``javascript:gs.dateGenerate('2026-11-20','00:00:00')``, ``2026-11-20`` — as the instance's
``YYYY-MM-DD HH:MM:SS`` strings (the sandbox instance keeps UTC), and the ``@unit@ago@n`` of
RELATIVEGT/LT. Only a fixed set of GlideSystem functions is known; anything else in a
``javascript:`` value is refused by the caller (None here), never evaluated loosely.
"""

import re
from datetime import datetime, timedelta, timezone

FORMAT = "%Y-%m-%d %H:%M:%S"
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")
CALL = re.compile(r"^javascript:\s*gs\.(?P<name>[A-Za-z]+)\((?P<args>[^()]*)\)\s*;?$")
PERIODS = ("Today", "Yesterday", "Tomorrow", "ThisWeek", "LastWeek", "NextWeek", "ThisMonth", "LastMonth",
           "NextMonth", "ThisQuarter", "LastQuarter", "NextQuarter", "ThisYear", "LastYear", "NextYear")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}


def as_datetime(text):
    """``text`` as a datetime if it is one of the instance's date/time forms, else None."""
    if not isinstance(text, str) or not DATETIME.match(text.strip()):
        return None
    text = text.strip()
    for layout in (FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, layout).replace(tzinfo=timezone.utc)
        except ValueError:
            continue
    return None


def _months(moment, count):
    index = moment.year * 12 + moment.month - 1 + count
    return moment.replace(year=index // 12, month=index % 12 + 1, day=1)


def _period(name, now):
    """``(start, end)`` of Today, LastWeek, ThisQuarter ... (weeks start on Monday, as glide's)."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    offsets = {"Yesterday": -1, "Today": 0, "Tomorrow": 1}
    if name in offsets:
        start = day + timedelta(days=offsets[name])
        return start, start + timedelta(days=1)
    which, unit = re.match(r"(This|Last|Next)(Week|Month|Quarter|Year)", name).groups()
    step = {"This": 0, "Last": -1, "Next": 1}[which]
    if unit == "Week":
        start = day - timedelta(days=day.weekday()) + timedelta(weeks=step)
        return start, start + timedelta(weeks=1)
    month = day.replace(day=1)
    size = {"Month": 1, "Quarter": 3, "Year": 12}[unit]
    if unit == "Quarter":
        month = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    if unit == "Year":
        month = month.replace(month=1)
    start = _months(month, step * size)
    return start, _months(start, size)


def _arguments(text):
    parts = [p.strip().strip("'\"") for p in text.split(",")] if text.strip() else []
    return parts


def evaluate(value, now=None):
    """A query value as the instance compares it: a ``javascript:gs.*()`` call evaluated, a date
    padded to a time; other values unchanged. None: a ``javascript:`` value the sandbox cannot run."""
    now = now or datetime.now(timezone.utc)
    if not value.startswith("javascript:"):
        moment = as_datetime(value)
        return moment.strftime(FORMAT) if moment and len(value.strip()) > 10 else (
            f"{value.strip()} 00:00:00" if moment else value)
    call = CALL.match(value.strip())
    if call is None:
        return None
    moment = _call(call["name"], _arguments(call["args"]), now)
    return None if moment is None else moment.strftime(FORMAT)


def _call(name, args, now):
    last_second = timedelta(seconds=1)
    for period in PERIODS:
        if name == f"beginningOf{period}":
            return _period(period, now)[0] if not args else None
        if name == f"endOf{period}":
            return _period(period, now)[1] - last_second if not args else None
    if name in ("now", "nowDateTime", "nowNoTZ") and not args:
        return now
    if name == "dateGenerate" and len(args) == 2:
        day = as_datetime(args[0])
        if day is None or len(args[0]) != 10:
            return None
        clock = {"start": "00:00:00", "end": "23:59:59"}.get(args[1], args[1])
        return as_datetime(f"{args[0]} {clock}")
    match = re.fullmatch(r"(minutes|hours|days|months)Ago(Start|End)?", name)
    if match and len(args) == 1 and args[0].lstrip("-").isdigit():
        unit, edge, n = match[1], match[2], int(args[0])
        if unit == "months":
            start = _months(now.replace(day=1, hour=0, minute=0, second=0, microsecond=0), -n)
            if edge is None:
                return None  # glide's monthsAgo(n) keeps the day of month; not modelled
            return start if edge == "Start" else _months(start, 1) - last_second
        moment = now - timedelta(seconds=n * UNIT_SECONDS[unit[:-1]])
        floor = {"minutes": dict(second=0, microsecond=0), "hours": dict(minute=0, second=0, microsecond=0),
                 "days": dict(hour=0, minute=0, second=0, microsecond=0)}[unit]
        if edge == "Start":
            return moment.replace(**floor)
        if edge == "End":
            span = {"minutes": 60, "hours": 3600, "days": 86400}[unit]
            return moment.replace(**floor) + timedelta(seconds=span) - last_second
        return moment
    return None


def relative(spec, now=None):
    """``@day@ago@3`` (RELATIVEGT and kin) as the moment it names, or None if unreadable."""
    now = now or datetime.now(timezone.utc)
    parts = spec.split("@")
    if len(parts) != 4 or parts[0] or not parts[3].isdigit():
        return None
    unit, direction, n = parts[1], parts[2], int(parts[3])
    if direction not in ("ago", "ahead"):
        return None
    sign = -1 if direction == "ago" else 1
    if unit in UNIT_SECONDS:
        return (now + timedelta(seconds=sign * n * UNIT_SECONDS[unit])).strftime(FORMAT)
    if unit in ("month", "quarter", "year"):
        months = n * {"month": 1, "quarter": 3, "year": 12}[unit] * sign
        target = _months(now, months)
        return target.replace(day=min(now.day, 28), hour=now.hour, minute=now.minute, second=now.second).strftime(FORMAT)
    return None
