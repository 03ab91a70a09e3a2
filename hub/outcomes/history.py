"""What happened to each agent run, read once from the database: the run, its ticket and
connector, the vendor's events about the ticket, and the run's audit entries.

Everything the KPIs and the statement say is derived from these records, so the two can never
disagree about what a run did.
"""

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlmodel import select

from ..db import session_scope
from ..models import Approval, AuditEntry, Connection, InboundEvent, Run, Ticket

OPEN_STATUSES = ("new", "open", "pending", "on_hold")
DONE_STATUSES = ("solved", "closed")
_CHUNK = 500


def aware(when):
    """SQLite hands datetimes back naive; everything the hub stores is UTC."""
    if when is None:
        return None
    if isinstance(when, str):
        when = datetime.fromisoformat(when.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


@dataclass
class VendorEvent:
    kind: str
    status: str | None
    received_at: datetime  # hub clock
    vendor_at: datetime | None  # vendor clock: when the vendor says the change happened
    public_reply: bool = False  # a public comment from someone other than the requester


@dataclass
class RunRecord:
    run: Run
    ticket: Ticket
    connector: str
    events: list = field(default_factory=list)  # VendorEvent, in the order received
    audit: list = field(default_factory=list)  # AuditEntry, by seq
    approvals: list = field(default_factory=list)

    @property
    def started_at(self):
        """When the ticket was created. The vendor's clock says when the customer wrote; the
        hub saw it later, so a vendor time *after* the hub's first sight is clock skew and the
        hub's own time is used instead (durations are never negative)."""
        hub_seen = aware(self.ticket.created_at)
        vendor = aware(self.ticket.remote_created_at)
        return min(vendor, hub_seen) if vendor else hub_seen

    @property
    def finished_at(self):
        return aware(self.run.finished_at)

    @property
    def channel(self):
        return self.ticket.channel or "web"

    @property
    def priority(self):
        return getattr(self.ticket.priority, "value", self.ticket.priority) or "normal"

    @property
    def state(self):
        return getattr(self.run.state, "value", self.run.state)

    def steps(self, **match):
        for entry in self.audit:
            if entry.kind == "run.step" and all(entry.data.get(k) == v for k, v in match.items()):
                yield entry

    def entries(self, kind):
        return [entry for entry in self.audit if entry.kind == kind]


def _event(row):
    payload = row.payload or {}
    ticket = payload.get("ticket") or {}
    comment = payload.get("comment") or {}
    return VendorEvent(
        kind=row.kind, status=ticket.get("status"), received_at=aware(row.received_at),
        vendor_at=aware(payload.get("occurred_at") or ticket.get("updated_at")),
        public_reply=bool(comment) and comment.get("public", True) and not comment.get("from_requester"),
    )


def _chunks(values):
    values = list(values)
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def load(hub, start, end, cohort="created", connector=None, intent=None, channel=None):
    """Runs whose ``cohort`` time (``created``: the run started; ``finished``) is in [start, end).

    Shadow runs are kept (KPIs report them apart); runs still in progress are kept for the
    ``created`` cohort and have no ``finished_at``.
    """
    column = Run.created_at if cohort == "created" else Run.finished_at
    query = (select(Run, Ticket, Connection.connector)
             .join(Ticket, Ticket.id == Run.ticket_id)
             .join(Connection, Connection.id == Ticket.connection_id)
             .where(column >= start, column < end))
    if connector:
        query = query.where(Connection.connector == connector)
    if intent:
        query = query.where(Run.intent == intent)
    if channel:
        query = query.where(Ticket.channel == channel)
    with session_scope(hub.engine) as session:
        records = {run.id: RunRecord(run, ticket, name) for run, ticket, name in session.exec(query.order_by(Run.created_at))}
        by_ticket = {}
        for record in records.values():
            by_ticket.setdefault((record.ticket.connection_id, record.ticket.remote_id), []).append(record)
        for ids in _chunks(records):
            for entry in session.exec(select(AuditEntry).where(AuditEntry.run_id.in_(ids)).order_by(AuditEntry.seq)):
                records[entry.run_id].audit.append(entry)
            for approval in session.exec(select(Approval).where(Approval.run_id.in_(ids))):
                records[approval.run_id].approvals.append(approval)
        remote_ids = {remote for _, remote in by_ticket}
        for ids in _chunks(remote_ids):
            rows = session.exec(select(InboundEvent).where(InboundEvent.ticket_remote_id.in_(ids))
                                .order_by(InboundEvent.received_at, InboundEvent.id))
            for row in rows:
                for record in by_ticket.get((row.connection_id, row.ticket_remote_id), ()):
                    record.events.append(_event(row))
        session.expunge_all()
    return list(records.values())
