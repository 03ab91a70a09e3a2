"""Work the rq worker does. Each job loads nothing twice: the worker hands over its Hub."""

import logging
import os

from sqlmodel import select

from . import events, logs
from .agent import jobs as agent_jobs
from .agent.engine import TRANSIENT
from .db import session_scope
from .ingest import Event
from .models import Comment, Connection, Ticket, utcnow

log = logging.getLogger(__name__)

#: Set by ``hub worker`` before it forks work horses, so jobs reuse the loaded Hub.
current_hub = None
#: The process whose connection pool the hub's engine may use.
_engine_pid = os.getpid()


def _hub():
    global current_hub, _engine_pid
    if current_hub is None:
        from .runtime import Hub

        current_hub = Hub.load()
    if _engine_pid != os.getpid():
        # A forked work horse must not share pooled database connections with its parent.
        current_hub.engine.dispose(close=False)
        _engine_pid = os.getpid()
    return current_hub


def process_event(event_id):
    """Lease the event, record what it says about its ticket, start or resume the ticket's run,
    and only then mark the event done; the run then advances under its own lease."""
    hub = _hub()
    owner = agent_jobs.owner()
    row = events.claim(hub, event_id, owner)
    if row is None:
        return "skipped: already processed or processing"
    with logs.context(event_id=event_id, connection_id=row.connection_id, event=row.kind):
        return _process(hub, row, owner)


def _process(hub, row, owner):
    run = ticket = None
    try:
        event = confirmed(hub, row)
        if event is not None:
            ticket = upsert_ticket(hub, row.connection_id, event.ticket, event.comment)
            # Narrows the one window in which two workers could both act on this event: a
            # worker that outlived its lease leaves the event to the one that took it over.
            if not events.renew(hub, row.id, owner):
                return "skipped: the lease passed to another worker"
            with logs.context(ticket_id=ticket):
                run = agent_jobs.on_event(hub, row.kind, ticket, event.to_dict())
    except TRANSIENT as error:
        delay = events.retry_later(hub, row.id, owner, f"{type(error).__name__}: {error}")
        log.warning("event %s: the vendor is unavailable, trying again in %s: %s", row.id, delay, error)
        return {"retrying_in": delay.total_seconds() if delay else None}
    except Exception as error:
        events.finish(hub, row.id, owner, events.FAILED, error=f"{type(error).__name__}: {error}"[:2000])
        raise
    events.finish(hub, row.id, owner, events.DONE)
    if run is not None:
        with logs.context(ticket_id=ticket):
            agent_jobs.advance(hub, run)
    return {"ticket": ticket, "run": run}


def confirmed(hub, row):
    """The stored event as the hub may act on it, or None when the vendor has no such thing.

    A vendor that signs its pushes vouches for their content. One that does not (Salesforce's
    Outbound Messages) only tells the hub where to look: the connector reads the ticket and
    comment back from the vendor's API, so a forged message cannot put words in a customer's
    mouth.
    """
    event = Event.from_dict(row.payload)
    with session_scope(hub.engine) as session:
        connection = session.get(Connection, row.connection_id)
    connector = hub.connector(connection.connector)
    if connector.signed_push or event.ticket is None:
        return event
    checked = connector.read_back(hub.session(connection), event)
    if checked is None:
        log.warning("event %s names %s %s, which the vendor does not have: ignored", row.id,
                    connection.connector, event.ticket.remote_id)
    return checked


def upsert_ticket(hub, connection_id, data, comment=None):
    """Create or update the hub's copy of a vendor ticket (a NormalizedTicket) and add the
    event's comment unless known; returns the ticket's id (or None)."""
    if data is None:
        return None
    with session_scope(hub.engine) as session:
        ticket = session.exec(select(Ticket).where(Ticket.connection_id == connection_id,
                                                   Ticket.remote_id == data.remote_id)).first()
        if ticket is None:
            ticket = Ticket(connection_id=connection_id, remote_id=data.remote_id)
        for field in ("subject", "description", "status", "priority", "channel", "number", "tags", "raw"):
            value = getattr(data, field)
            if value not in (None, "", [], {}):
                setattr(ticket, field, value)
        if data.requester_email:
            ticket.requester_email = data.requester_email.lower()
        ticket.remote_created_at = data.created_at or ticket.remote_created_at
        ticket.remote_updated_at = data.updated_at or ticket.remote_updated_at
        ticket.updated_at = utcnow()
        session.add(ticket)
        session.flush()
        if comment is not None:
            known = comment.remote_id and session.exec(select(Comment).where(
                Comment.ticket_id == ticket.id, Comment.remote_id == comment.remote_id)).first()
            if not known:
                session.add(Comment(ticket_id=ticket.id, remote_id=comment.remote_id, body=comment.body,
                                    public=comment.public, author=comment.author, raw=comment.raw))
        return ticket.id
