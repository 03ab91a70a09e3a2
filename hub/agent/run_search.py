"""Finding runs: the filters and search of the runs page, a page at a time or all of them.

One query serves the page, its JSON and its CSV export, so the three always list the same runs.
"""

from dataclasses import dataclass

from sqlalchemy import String, cast, func, or_
from sqlmodel import select

from ..db import session_scope
from ..models import Connection, Contact, Run, RunState, Ticket

STATES = [state.value for state in RunState]
PER_PAGE = 50
MAX_PER_PAGE = 500
#: The shortest start of a run id the search box takes for one (shorter is a ticket or order).
RUN_ID_PREFIX = 8
#: Rows fetched at a time while exporting, so a long export never holds every run in memory.
EXPORT_BATCH = 500


class SearchError(ValueError):
    """A filter value the runs cannot be searched by; the message says what is accepted."""


@dataclass(frozen=True)
class RunFilter:
    """What the operator asked for. ``text`` is one search box: a requester (part of an email
    address or name), a ticket number or vendor id, an order number (with or without ``#``),
    or the start of a run id (eight characters or more)."""

    state: str | None = None
    connector: str | None = None
    text: str | None = None

    @classmethod
    def from_args(cls, args):
        state = (args.get("state") or "").strip() or None
        if state is not None and state not in STATES:
            raise SearchError(f"state must be one of {', '.join(STATES)}")
        connector = (args.get("connector") or "").strip() or None
        text = (args.get("q") or "").strip() or None
        return cls(state=state, connector=connector, text=text)

    def as_args(self):
        """The query-string arguments that ask for this filter again (for links and export)."""
        return {name: value for name, value in (("state", self.state), ("connector", self.connector),
                                                ("q", self.text)) if value}


def page_number(args, name="page"):
    raw = (args.get(name) or "1").strip()
    if not raw.isdigit() or int(raw) < 1:
        raise SearchError(f"{name} must be a whole number from 1, not {raw!r}")
    return int(raw)


def _text_matches(text):
    """Where a run matches the search box. Ticket and order numbers match whole (searching
    "10" should not list every ticket with a 10 in it); requesters match in part."""
    lowered = text.lower()
    order = text.lstrip("#")
    conditions = [
        func.lower(Ticket.requester_email).contains(lowered, autoescape=True),
        func.lower(Contact.name).contains(lowered, autoescape=True),
        func.lower(Ticket.number) == lowered,
        func.lower(Ticket.remote_id) == lowered,
    ]
    if len(lowered) >= RUN_ID_PREFIX:  # "42" is a ticket; a run id is 32 hex digits, copied
        conditions.append(Run.id.startswith(lowered, autoescape=True))
    if order:
        # An order is whatever the run gathered about it — the entities read from the ticket
        # (order_numbers: ["#1001"]) and the orders looked up — so it is looked for as a whole
        # JSON string among the run's facts, written either way.
        facts = cast(Run.facts, String)
        conditions += [facts.contains(f'"{order}"', autoescape=True),
                       facts.contains(f'"#{order}"', autoescape=True)]
    return or_(*conditions)


def _query(run_filter):
    query = (select(Run, Ticket, Connection, Contact)
             .join(Ticket, Ticket.id == Run.ticket_id)
             .join(Connection, Connection.id == Ticket.connection_id)
             .outerjoin(Contact, Contact.id == Ticket.requester_id))
    if run_filter.state:
        query = query.where(Run.state == run_filter.state)
    if run_filter.connector:
        query = query.where(Connection.connector == run_filter.connector)
    if run_filter.text:
        query = query.where(_text_matches(run_filter.text))
    return query


def _newest_first(query):
    return query.order_by(Run.created_at.desc(), Run.id.desc())


def search(hub, run_filter=RunFilter(), page=1, per_page=PER_PAGE):
    """One page of the runs that match, newest first, with how many match in all."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    query = _query(run_filter)
    with session_scope(hub.engine) as session:
        total = session.exec(select(func.count()).select_from(query.subquery())).one()
        rows = session.exec(_newest_first(query).offset((page - 1) * per_page).limit(per_page)).all()
        runs = [row_of(*row) for row in rows]
    pages = max(1, -(-total // per_page))
    return {"runs": runs, "total": total, "page": page, "pages": pages, "per_page": per_page}


def every(hub, run_filter=RunFilter()):
    """Every run that matches, newest first, fetched a batch at a time."""
    offset = 0
    while True:
        with session_scope(hub.engine) as session:
            rows = session.exec(_newest_first(_query(run_filter)).offset(offset).limit(EXPORT_BATCH)).all()
            batch = [row_of(*row) for row in rows]
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        offset += EXPORT_BATCH


def connectors_in_use(hub):
    """The connectors that have connections, for the helpdesk filter."""
    with session_scope(hub.engine) as session:
        return sorted(set(session.exec(select(Connection.connector).distinct()).all()))


def row_of(run, ticket, connection=None, contact=None):
    """One run as the list shows it."""
    return {"id": run.id, "state": run.state.value, "flow": run.flow, "intent": run.intent,
            "confidence": run.confidence, "mode": run.mode, "reason": run.reason,
            "created_at": run.created_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "helpdesk": ({"connector": connection.connector, "instance": connection.instance,
                          "connection_id": connection.id} if connection is not None else None),
            "ticket": {"id": ticket.id, "remote_id": ticket.remote_id, "number": ticket.number,
                       "subject": ticket.subject, "requester_email": ticket.requester_email,
                       "requester_name": contact.name if contact is not None and contact.name else None}}
