"""Resolution KPIs from runs, tickets, vendor events and the audit trail.

``compute(hub, start, end, ...)`` returns one JSON-able dict for a date range and optional
filters; the dashboard, ``hub kpis`` and the monthly statement all read the same figures.
Rates are fractions of the runs whose outcome is known; every figure says what it counted.
"""

import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone

import numpy

from . import history, reopens, survey
from .contract import PRIORITIES

REPLY_STEPS = {("reply", "replied"), ("resolve", "resolved")}

#: Escalation reasons carry specifics (amounts, confidences, node names); these group them.
REASON_GROUPS = [
    (r"below the threshold", "low confidence"),
    (r"no flow handles", "no flow for the intent"),
    (r"checklist", "compliance checklist not met"),
    (r"rejected", "approval rejected"),
    (r"asked the customer", "no usable answer from the customer"),
    (r"found nothing|not found", "nothing found"),
    (r"from the vendor|escalation failed", "vendor unavailable"),
    (r"may not call|lacks permission|not granted scope|is (reconnect_needed|disconnected|pending)", "policy refusal"),
    (r"limit of \d+ actions|more than \d+ steps", "run limits"),
    (r"no connected \w+ connection", "missing connection"),
]


def reason_group(run):
    """What a hand-over is counted under: the run's reason code (``risk:legal`` is "risk trigger:
    legal"), or, for runs recorded before codes, a group read from its reason's words."""
    if getattr(run, "escalation", None):
        from ..agent.reasons import describe

        return describe(run.escalation)
    reason = run.reason or ""
    for pattern, group in REASON_GROUPS:
        if re.search(pattern, reason):
            return group
    return f"handed over by flow {run.flow}" if run.flow else "other"


def minutes(delta):
    return delta.total_seconds() / 60


def spread(values):
    """Median and p90 (linear interpolation) of a list of numbers, rounded; None when empty."""
    if not values:
        return {"count": 0, "median": None, "p90": None}
    return {"count": len(values), "median": round(float(numpy.median(values)), 2),
            "p90": round(float(numpy.percentile(values, 90)), 2)}


def rate(part, whole):
    return None if not whole else round(part / whole, 4)


class Outcome:
    """One run's outcome, judged once."""

    def __init__(self, record, window, as_of):
        self.record = record
        self.state = record.state
        self.verdict = reopens.judge(record, window, as_of) if self.state == "resolved" else None
        self.asked = any(True for _ in record.steps(type="ask", state="waiting_customer"))

    @property
    def finished(self):
        return self.state in ("resolved", "escalated", "failed")

    @property
    def known(self):
        """Finished, and not a resolution whose reopen window is still open."""
        return self.finished and not (self.verdict and self.verdict.status == reopens.PENDING)

    @property
    def true_resolution(self):
        return bool(self.verdict) and self.verdict.status == reopens.VERIFIED


def first_response_at(record):
    """The first public answer the customer saw: the agent's reply, question or resolution
    (hub clock), or a human's public comment seen through the vendor's events."""
    times = [history.aware(e.at) for e in record.audit if e.kind == "run.step"
             and ((e.data.get("type"), e.data.get("outcome")) in REPLY_STEPS
                  or (e.data.get("type") == "ask" and e.data.get("state") == "waiting_customer"))]
    times += [e.received_at for e in record.events if e.public_reply and e.received_at >= record.started_at]
    return min(times) if times else None


def resolved_at(record):
    if record.state == "resolved":
        return record.finished_at
    times = [e.received_at for e in record.events if e.status in history.DONE_STATUSES
             and e.kind != "ticket.created" and e.received_at >= history.aware(record.run.created_at)]
    return min(times) if times else None


def sla(outcomes, contract, as_of):
    """First response and resolution against the contract's per-priority targets.

    A ticket not yet answered (or solved) whose target has not passed is pending and left out,
    unless it already missed the other target; a target that passed unmet is a miss.
    """
    counted = compliant = 0
    misses, by_priority = [], {p: {"tickets": 0, "compliant": 0} for p in PRIORITIES}
    checks = (("first response", contract.sla.first_response_minutes, first_response_at),
              ("resolution", contract.sla.resolution_minutes, resolved_at))
    for outcome in outcomes:
        record = outcome.record
        if outcome.state == "shadowed":
            continue  # humans handled these tickets start to finish; the agent only watched
        results, pending = [], False
        for name, targets, when in checks:
            target = timedelta(minutes=targets.minutes(record.priority))
            at = when(record)
            if at is None and as_of - record.started_at <= target:
                pending = True
                continue
            took = (at or as_of) - record.started_at
            results.append((name, took <= target, took, target))
        if pending and all(ok for _, ok, _, _ in results):
            continue
        counted += 1
        priority = record.priority if record.priority in PRIORITIES else "normal"
        by_priority[priority]["tickets"] += 1
        missed = [(name, took, target) for name, ok, took, target in results if not ok]
        if missed:
            misses.append({"run_id": record.run.id, "ticket_id": record.ticket.id, "priority": priority,
                           "missed": [f"{name}: {minutes(took):.0f} min against {minutes(target):.0f}"
                                      for name, took, target in missed]})
        else:
            compliant += 1
            by_priority[priority]["compliant"] += 1
    for row in by_priority.values():
        row["compliance"] = rate(row["compliant"], row["tickets"])
    return {"tickets": counted, "compliant": compliant, "compliance": rate(compliant, counted),
            "by_priority": by_priority, "misses": misses}


def containment(outcomes, key):
    table = defaultdict(lambda: {"finished": 0, "contained": 0})
    for outcome in outcomes:
        if outcome.known:
            row = table[key(outcome.record) or "unknown"]
            row["finished"] += 1
            row["contained"] += outcome.true_resolution
    return {name: dict(row, rate=rate(row["contained"], row["finished"])) for name, row in sorted(table.items())}


def approvals(records):
    waits, decided = [], Counter()
    pending = 0
    for record in records:
        for approval in record.approvals:
            if approval.state == "pending" or approval.decided_at is None:
                pending += 1
                continue
            decided[approval.state] += 1
            waits.append(minutes(history.aware(approval.decided_at) - history.aware(approval.created_at)))
    return {"pending": pending, "approved": decided["approved"], "rejected": decided["rejected"],
            "turnaround_minutes": spread(waits)}


def denials(records):
    entries = [e for record in records for e in record.entries("tool.refused")]
    return {"count": len(entries),
            "by_tool": dict(Counter(e.data.get("tool") for e in entries).most_common()),
            "by_reason": dict(Counter(_denial_group(e.data.get("reason") or "") for e in entries).most_common()),
            "audit_seqs": [e.seq for e in entries]}


def _denial_group(reason):
    # Refusal reasons name connections and nodes; the kind of refusal is what to chart.
    for pattern, group in ((r"may not call", "tool not allowed at this node"), (r"lacks permission", "role lacks permission"),
                           (r"not granted scope", "scope not granted"), (r"^connection .* is ", "connection not connected")):
        if re.search(pattern, reason):
            return group
    return "arguments invalid"


def judge_all(records, contract, as_of):
    window = timedelta(days=contract.reopen_window_days)
    return [Outcome(record, window, as_of) for record in records]


def summarise(outcomes, contract, as_of):
    """Every KPI over already-judged outcomes."""
    records = [o.record for o in outcomes]
    finished = [o for o in outcomes if o.finished]
    known = [o for o in outcomes if o.known]
    states = Counter(o.state for o in outcomes)
    verdicts = Counter(o.verdict.status for o in outcomes if o.verdict)
    verified = [o for o in known if o.true_resolution]
    escalated = [o for o in finished if o.state == "escalated"]
    return {
        "runs": {"total": len(outcomes), "finished": len(finished), "shadowed": states["shadowed"],
                 "in_progress": len(outcomes) - len(finished) - states["shadowed"],
                 "by_state": dict(sorted(states.items()))},
        "true_resolution": {
            "verified": verdicts[reopens.VERIFIED], "reopened": verdicts[reopens.REOPENED],
            "pending_window": verdicts[reopens.PENDING], "known_outcomes": len(known),
            "rate": rate(len(verified), len(known)), "reopen_window_days": contract.reopen_window_days,
        },
        "first_contact_resolution": {
            "count": sum(not o.asked for o in verified),
            "rate": rate(sum(not o.asked for o in verified), len(known)),
        },
        "escalation": {
            "count": len(escalated), "failed": states["failed"], "rate": rate(len(escalated), len(finished)),
            "reasons": dict(Counter(reason_group(o.record.run) for o in escalated).most_common()),
        },
        "mttr_minutes": spread([minutes(o.record.finished_at - o.record.started_at)
                                for o in finished if o.state == "resolved"]),
        "sla": sla(outcomes, contract, as_of),
        "containment": {
            "by_intent": containment(outcomes, lambda r: r.run.intent),
            "by_connector": containment(outcomes, lambda r: r.connector),
            "by_channel": containment(outcomes, lambda r: r.channel),
        },
        "approvals": approvals(records),
        "policy_denials": denials(records),
        "satisfaction": dict(survey.scores(records), vendor=survey.vendor_ratings(records)),
    }


def compute(hub, start, end, contract, connector=None, intent=None, channel=None, as_of=None, cohort="created"):
    """The KPIs for runs started (``cohort="created"``) or finished in [start, end)."""
    as_of = as_of or datetime.now(timezone.utc)
    filters = {"connector": connector, "intent": intent, "channel": channel}
    outcomes = judge_all(history.load(hub, start, end, cohort=cohort, **filters), contract, as_of)
    return _figures(outcomes, contract, as_of, start, end, cohort, filters)


def daily(hub, start, end, contract, zone, as_of=None, **filters):
    """Per-day volume, true resolution rate, MTTR median and CSAT, days cut in ``zone``: the
    dashboard's trend charts."""
    as_of = as_of or datetime.now(timezone.utc)
    return _by_day(judge_all(history.load(hub, start, end, **filters), contract, as_of), contract, zone, as_of)


def compute_with_daily(hub, start, end, contract, zone, as_of=None, **filters):
    """``(compute(...), daily(...))`` from one read of the history: the dashboard's cards and trends."""
    as_of = as_of or datetime.now(timezone.utc)
    filters = {"connector": None, "intent": None, "channel": None, **filters}
    outcomes = judge_all(history.load(hub, start, end, **filters), contract, as_of)
    return (_figures(outcomes, contract, as_of, start, end, "created", filters),
            _by_day(outcomes, contract, zone, as_of))


def _figures(outcomes, contract, as_of, start, end, cohort, filters):
    result = summarise(outcomes, contract, as_of)
    result["period"] = {"start": start.isoformat(), "end": end.isoformat(), "cohort": cohort, "as_of": as_of.isoformat(),
                        "filters": filters}
    return result


def _by_day(outcomes, contract, zone, as_of):
    days = defaultdict(list)
    for outcome in outcomes:
        days[history.aware(outcome.record.run.created_at).astimezone(zone).date()].append(outcome)
    series = []
    for day in sorted(days):
        figures = summarise(days[day], contract, as_of)
        series.append({"date": day.isoformat(), "runs": figures["runs"]["total"],
                       "true_resolution_rate": figures["true_resolution"]["rate"],
                       "mttr_median_minutes": figures["mttr_minutes"]["median"],
                       "csat": figures["satisfaction"]["csat"]["score"]})
    return series
