"""The monthly pay-for-performance statement, from the audit trail.

A resolution is billed when the run resolved inside the month (cut in the contract's time zone)
and the ticket was not reopened within the contract's window. Each line names the run and the
audit entries that prove it. The cap applies to the sum; credits for missed thresholds are
percentages of the capped sum, listed with the figure that missed. Money is Decimal throughout
and rounded once per line, half up, to the currency's cents.
"""

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import HubError
from . import history, kpis, reopens

CENT = Decimal("0.01")


class BillingError(HubError):
    """A statement that cannot be produced as asked (a bad month or time zone)."""


def month_bounds(month, zone):
    """[start, end) of ``YYYY-MM`` in ``zone``, as UTC datetimes."""
    found = re.fullmatch(r"(\d{4})-(\d{2})", month or "")
    if not found or not 1 <= int(found[2]) <= 12:
        raise BillingError(f"--month must be YYYY-MM, such as 2026-05, not {month!r}")
    year, number = int(found[1]), int(found[2])
    if not 1970 <= year <= 9998:  # year 0 does not exist, and 9999-12 ends past what datetime holds
        raise BillingError(f"--month must be YYYY-MM from 1970-01 to 9998-12, not {month!r}")
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def zone_named(name):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise BillingError(f"--timezone {name!r} is not an IANA time zone such as Europe/London")


def money(amount):
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _evidence(record):
    """The audit entries that prove a resolution: the run's start, its resolving step, and the
    vendor calls that replied and solved."""
    started = [e.seq for e in record.entries("run.started")]
    resolved = [e.seq for e in record.steps(type="resolve", state="resolved")]
    calls = [e.seq for e in record.entries("tool.done") if (e.data.get("node") or "").startswith(_resolve_node(record))]
    return {"run_started": started[:1], "resolved_step": resolved, "tool_calls": calls}


def _resolve_node(record):
    steps = list(record.steps(type="resolve", state="resolved"))
    return steps[-1].data.get("node", "") + ":" if steps else "\0"


def _credit(schedule, value, what):
    """The deepest tier ``value`` falls below, as (percent, why); None when met or unknown."""
    if value is None:
        return None
    hit = None
    for tier in schedule:
        if Decimal(repr(value)) < tier.below:
            hit = tier
    if hit is None:
        return None
    return hit.percent, f"{what} was {Decimal(repr(value)) * 100:.1f}%, below {hit.below * 100:.0f}%"


def statement(hub, contract, month, zone=None, as_of=None):
    """The statement for ``month`` as a JSON-able dict (amounts as strings)."""
    zone = zone or contract.zone
    as_of = as_of or datetime.now(timezone.utc)
    start, end = month_bounds(month, zone)
    records = history.load(hub, start, end, cohort="finished")
    outcomes = kpis.judge_all(records, contract, as_of)
    figures = kpis.summarise(outcomes, contract, as_of)
    price = contract.price_per_resolution

    lines, billed = [], 0
    for outcome in outcomes:
        if outcome.state != "resolved":
            continue
        record, verdict = outcome.record, outcome.verdict
        bill = verdict.status == reopens.VERIFIED
        billed += bill
        lines.append({
            "run_id": record.run.id, "ticket_id": record.ticket.id, "ticket": record.ticket.number or record.ticket.remote_id,
            "connector": record.connector, "intent": record.run.intent,
            "resolved_at": record.finished_at.astimezone(zone).isoformat(timespec="seconds"),
            "status": verdict.status, "billed": bill, "amount": str(money(price) if bill else money(Decimal(0))),
            "why": verdict.reason, "audit_seqs": _evidence(record),
        })
    subtotal = money(price * billed)
    capped = min(subtotal, money(contract.monthly_cap))
    credits = []
    for schedule, value, what in (
        (contract.credits.true_resolution_rate, figures["true_resolution"]["rate"], "true resolution rate"),
        (contract.credits.sla_compliance, figures["sla"]["compliance"], "SLA compliance"),
    ):
        hit = _credit(schedule, value, what)
        if hit:
            percent, why = hit
            credits.append({"percent": str(percent), "amount": str(money(capped * percent / 100)), "why": why})
    total = max(capped - sum((Decimal(c["amount"]) for c in credits), Decimal(0)), Decimal(0))
    pending = figures["true_resolution"]["pending_window"]
    window_closes = end + timedelta(days=contract.reopen_window_days)
    notes = []
    if not records:
        notes.append(f"No agent runs finished in {month} ({zone.key}): nothing to bill.")
    if pending:
        notes.append(f"{pending} resolution(s) are still inside the {contract.reopen_window_days}-day reopen window and "
                     f"are not billed; this statement is provisional until {window_closes.isoformat()}.")
    if capped < subtotal:
        notes.append(f"The monthly cap of {money(contract.monthly_cap)} {contract.currency} applies.")
    return {
        "month": month, "timezone": zone.key, "currency": contract.currency,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "as_of": as_of.isoformat(timespec="seconds"),
        "empty": not records, "provisional": bool(pending),
        "price_per_resolution": str(price),
        "resolutions": {"billed": billed, "reopened": figures["true_resolution"]["reopened"], "pending": pending,
                        "finished_runs": figures["runs"]["finished"]},
        "true_resolution_rate": figures["true_resolution"]["rate"],
        "minimum_true_resolution_rate": str(contract.minimum_true_resolution_rate),
        "sla_compliance": figures["sla"]["compliance"],
        "sla_misses": figures["sla"]["misses"],
        "subtotal": str(subtotal), "cap": str(money(contract.monthly_cap)),
        "cap_reduction": str(subtotal - capped), "after_cap": str(capped),
        "credits": credits, "total": str(money(total)),
        "lines": lines, "notes": notes,
    }


CSV_COLUMNS = ["line", "run_id", "ticket_id", "ticket", "connector", "intent", "resolved_at", "status",
               "billed", "amount", "audit_seqs", "why"]


def to_csv(result):
    """Resolution lines, then the subtotal, cap, credits and total as lines of their own."""
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for line in result["lines"]:
        seqs = line["audit_seqs"]
        writer.writerow(dict({k: line[k] for k in CSV_COLUMNS[1:] if k in line}, line="resolution",
                             billed="yes" if line["billed"] else "no",
                             audit_seqs=" ".join(str(s) for group in seqs.values() for s in group)))
    writer.writerow({"line": "subtotal", "amount": result["subtotal"], "why": f"{result['resolutions']['billed']} × {result['price_per_resolution']}"})
    writer.writerow({"line": "cap", "amount": f"-{result['cap_reduction']}", "why": f"monthly cap {result['cap']}"})
    for credit in result["credits"]:
        writer.writerow({"line": "credit", "amount": f"-{credit['amount']}", "why": f"{credit['percent']}%: {credit['why']}"})
    writer.writerow({"line": "total", "amount": result["total"],
                     "why": " ".join([result["currency"]] + result["notes"])})
    return out.getvalue()
