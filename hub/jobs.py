"""Work the rq worker does. Each job loads nothing twice: the worker hands over its Hub."""

import logging
import os
from datetime import datetime

from sqlmodel import select

from . import events, logs
from .agent import jobs as agent_jobs
from .db import session_scope
from .ingest import NormalizedComment, NormalizedTicket
from .models import Comment, Ticket, utcnow

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
    """Record what the event says about its ticket; the agent run starts from here."""
    hub = _hub()
    row = events.claim(hub, event_id)
    if row is None:
        return "skipped: already processed or processing"
    with logs.context(event_id=event_id, connection_id=row.connection_id, event=row.kind):
        return _process(hub, event_id, row)


def _process(hub, event_id, row):
    try:
        payload = row.payload
        ticket = upsert_ticket(hub, row.connection_id, payload.get("ticket"), payload.get("comment"))
    except Exception:
        events.finish(hub, event_id, events.FAILED)
        raise
    events.finish(hub, event_id, events.DONE)
    # After the event is done: a run is committed before it acts, and the run relay (not the
    # event relay) takes over if this worker dies from here on.
    with logs.context(ticket_id=ticket):
        run = agent_jobs.on_event(hub, row.kind, ticket, payload)
    return {"ticket": ticket, "run": run}


def _when(value):
    """Event payloads are stored as JSON, so their timestamps come back as ISO-8601 text."""
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def upsert_ticket(hub, connection_id, ticket_data, comment_data=None):
    """Create or update the hub's copy of a vendor ticket; returns its id (or None)."""
    if not ticket_data:
        return None
    data = NormalizedTicket(**ticket_data)
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
        ticket.remote_created_at = _when(data.created_at) or ticket.remote_created_at
        ticket.remote_updated_at = _when(data.updated_at) or ticket.remote_updated_at
        ticket.updated_at = utcnow()
        session.add(ticket)
        session.flush()
        if comment_data:
            comment = NormalizedComment(**comment_data)
            known = comment.remote_id and session.exec(select(Comment).where(
                Comment.ticket_id == ticket.id, Comment.remote_id == comment.remote_id)).first()
            if not known:
                session.add(Comment(ticket_id=ticket.id, remote_id=comment.remote_id, body=comment.body,
                                    public=comment.public, author=comment.author, raw=comment.raw))
        return ticket.id
