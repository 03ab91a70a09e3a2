"""What the demo's tickets have come to, read from the hub's database: the live progress line,
the wait for the backlog to settle, and the final flow × outcome table."""

import time
from collections import Counter
from dataclasses import dataclass, field

from rq.job import JobStatus
from sqlmodel import select

from .. import inbound
from ..db import session_scope
from ..models import InboundEvent, Run, RunState, Ticket
from .backlog import DemoError

#: Columns of the summary, in the order a reader follows a ticket.
OUTCOMES = ("resolved", "escalated", "waiting_approval", "waiting_customer", "shadowed", "failed", "unfinished",
            "no run")
HEADINGS = {"waiting_approval": "awaiting approval", "waiting_customer": "awaiting customer",
            "unfinished": "still running"}
UNFINISHED = {RunState.running, RunState.retrying}
NO_RUN = "(no run)"


@dataclass
class Outcome:
    """One filed ticket as the hub sees it now."""

    filed: object  # backlog.Filed
    ticket_id: int | None = None
    run: Run | None = None

    @property
    def received(self):
        return self.ticket_id is not None

    @property
    def state(self):
        if self.run is None:
            return None
        return "unfinished" if self.run.state in UNFINISHED else self.run.state.value

    @property
    def flow(self):
        if self.run is None:
            return NO_RUN
        return self.run.flow or f"({self.run.intent or 'no intent'})"


@dataclass
class Snapshot:
    outcomes: list
    events_pending: int
    events_stale: list = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def __post_init__(self):
        self.counts = Counter(o.state or ("no run" if o.received else "not received") for o in self.outcomes)
        self.counts["received"] = sum(o.received for o in self.outcomes)

    @property
    def busy(self):
        """Work the hub still has in hand: tickets not yet recorded, events not yet processed,
        runs not yet at a stop."""
        return self.counts["not received"] + self.events_pending + self.counts["unfinished"]

    def line(self, elapsed):
        c = self.counts
        return (f"demo: {elapsed:4.0f}s  received {c['received']}/{len(self.outcomes)}  running {c['unfinished']}  "
                f"resolved {c['resolved']}  escalated {c['escalated']}  awaiting approval {c['waiting_approval']}  "
                f"awaiting customer {c['waiting_customer']}  failed {c['failed']}")

    def key(self):
        return (tuple(sorted(self.counts.items())), self.events_pending)


def snapshot(hub, filed):
    """Where each filed ticket stands: recorded or not, and its latest run."""
    wanted = {(f.connection_id, f.remote_id): f for f in filed}
    connection_ids = {f.connection_id for f in filed}
    with session_scope(hub.engine) as session:
        tickets = session.exec(select(Ticket.id, Ticket.connection_id, Ticket.remote_id)
                               .where(Ticket.connection_id.in_(connection_ids))).all()
        ticket_ids = {(connection, remote): ticket for ticket, connection, remote in tickets}
        latest = {}
        for run in session.exec(select(Run).where(Run.ticket_id.in_(list(ticket_ids.values())))
                                .order_by(Run.created_at)).all():
            latest[run.ticket_id] = run  # a later run of the same ticket supersedes the earlier
        unprocessed = session.exec(select(InboundEvent.id, InboundEvent.state).where(
            InboundEvent.connection_id.in_(connection_ids), InboundEvent.state.in_((inbound.STORED, inbound.QUEUED, inbound.PROCESSING, inbound.RETRYING)))).all()
    pending, stale = _in_hand(hub, unprocessed)
    outcomes = []
    for key, item in wanted.items():
        ticket_id = ticket_ids.get(key)
        outcomes.append(Outcome(item, ticket_id, latest.get(ticket_id)))
    return Snapshot(outcomes, pending, stale)


def _in_hand(hub, unprocessed):
    """``(pending, stale)``: events still to process, and events the database calls queued
    although their job already ran (the row's state was written after a fast worker finished)."""
    stale = []
    queued = [event_id for event_id, state in unprocessed if state == "queued"]
    if queued:
        target = inbound.queue(hub)
        for event_id in queued:
            job = target.fetch_job(f"event-{event_id}")
            if job is not None and job.get_status(refresh=False) in (JobStatus.FINISHED, JobStatus.FAILED):
                stale.append(event_id)
    return len(unprocessed) - len(stale), stale


def wait_until_settled(hub, filed, timeout, say=print, check=None, quiet_seconds=3.0, every=1.0):
    """Print a progress line each second until nothing is in hand and nothing has changed for
    ``quiet_seconds``; return the last Snapshot. ``check()`` runs each round (dead workers)."""
    started = time.monotonic()
    last_key, quiet_since = None, started
    while True:
        if check:
            check()
        now = time.monotonic()
        current = snapshot(hub, filed)
        if current.key() != last_key:
            last_key, quiet_since = current.key(), now
        say(current.line(now - started))
        if current.busy == 0 and now - quiet_since >= quiet_seconds:
            return current
        if now - started > timeout:
            raise DemoError(_not_settled(current, timeout))
        time.sleep(max(0.0, every - (time.monotonic() - now)))


def _not_settled(current, timeout):
    c = current.counts
    parts = []
    if c["not received"]:
        parts.append(f"{c['not received']} ticket(s) never reached the hub (see the sandboxes' /_sandbox/deliveries)")
    if current.events_pending:
        parts.append(f"{current.events_pending} event(s) still unprocessed (are the workers running?)")
    if c["unfinished"]:
        parts.append(f"{c['unfinished']} run(s) still running or retrying")
    return f"the backlog did not settle within {timeout:.0f}s: " + "; ".join(parts or ["it kept changing"])


def table(current):
    """The flow × outcome table, with totals, as a list of lines."""
    cells = Counter()
    for outcome in current.outcomes:
        if outcome.received:
            cells[outcome.flow, outcome.state or "no run"] += 1
    flows = sorted({flow for flow, _ in cells}, key=lambda f: (f.startswith("("), f))
    columns = [c for c in OUTCOMES if any(cells[f, c] for f in flows)] or ["resolved", "escalated"]
    headings = [HEADINGS.get(c, c) for c in columns] + ["total"]
    width = max([len("flow"), len("total")] + [len(f) for f in flows])
    widths = [max(len(h), 5) for h in headings]

    def row(name, values):
        return "  ".join([name.ljust(width)] + [str(v).rjust(w) for v, w in zip(values, widths)])

    header = row("flow", headings)
    lines = [header, "-" * len(header)]
    for flow in flows:
        values = [cells[flow, c] for c in columns]
        lines.append(row(flow, values + [sum(values)]))
    totals = [sum(cells[f, c] for f in flows) for c in columns]
    lines += ["-" * len(header), row("total", totals + [sum(totals)])]
    missing = sum(not o.received for o in current.outcomes)
    if missing:
        lines.append(f"({missing} filed ticket(s) never reached the hub)")
    return lines


def expected_state(expect, approved):
    """The state the backlog expects; an approved action goes on to resolve."""
    return "resolved" if approved and expect.outcome == "waiting_approval" else expect.outcome


def surprises(current, approved=False):
    """Filed tickets whose flow or outcome differs from what the backlog expected."""
    found = []
    for outcome in current.outcomes:
        expect = outcome.filed.ticket.expect
        if outcome.state != expected_state(expect, approved) or expect.flow not in (None, outcome.flow):
            found.append(outcome)
    return found


def describe_surprise(outcome, approved=False):
    ticket, expect = outcome.filed.ticket, outcome.filed.ticket.expect
    wanted = f"{expect.flow or 'any flow'}/{expected_state(expect, approved)}"
    got = f"{outcome.flow}/{outcome.state or ('no run' if outcome.received else 'not received')}"
    reason = (outcome.run.reason or "").strip().replace("\n", " ") if outcome.run else ""
    return (f"{ticket.vendor} {outcome.filed.remote_id} ({ticket.requester}, {ticket.subject!r}): "
            f"expected {wanted}, got {got}" + (f" — {reason[:160]}" if reason else ""))
