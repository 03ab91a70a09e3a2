"""The inbound event path: store by the vendor's event id, commit, then queue.

An event is committed to the database before anything is queued, so a crash or a Redis outage
can only delay it: the outbox relay queues whatever is still ``stored``. A redelivered event
hits the unique (connection, event id) constraint and is acknowledged without a second run.
"""

import json
import logging
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .db import session_scope
from .models import InboundEvent, utcnow

log = logging.getLogger(__name__)

STORED, QUEUED, PROCESSING, DONE, FAILED = "stored", "queued", "processing", "done", "failed"
PROCESS_JOB = "hub.jobs.process_event"


def store(hub, connection, events, raw_body):
    """Insert each event unless already known; return ``(new_ids, duplicates)``."""
    new_ids, duplicates = [], 0
    raw = raw_body.decode("utf-8", errors="replace")
    for event in events:
        try:
            with session_scope(hub.engine) as session:
                row = InboundEvent(
                    connection_id=connection.id, event_id=str(event.event_id)[:255], kind=event.kind[:80],
                    ticket_remote_id=event.ticket.remote_id if event.ticket else None,
                    payload=_jsonable(event.to_dict()), raw=raw,
                )
                session.add(row)
                session.flush()
                new_ids.append(row.id)
        except IntegrityError:
            duplicates += 1
    return new_ids, duplicates


def queue(hub):
    redis = Redis.from_url(hub.settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    return Queue(hub.settings.queue_name, connection=redis)


def enqueue(hub, event_ids):
    """Queue committed events; on a Redis failure leave them for the relay. Returns how many queued."""
    if not event_ids:
        return 0
    try:
        target = queue(hub)
        for event_id in event_ids:
            target.enqueue(PROCESS_JOB, event_id, job_id=f"event-{event_id}", failure_ttl=7 * 86400)
    except RedisError as error:
        log.warning("queue unavailable, %d event(s) left for the relay: %s", len(event_ids), error)
        return 0
    # One conditional UPDATE: a worker may already have taken (or finished) an event between
    # the enqueue and here, and reading rows first would let this overwrite its state.
    with session_scope(hub.engine) as session:
        session.exec(update(InboundEvent).where(InboundEvent.id.in_(event_ids), InboundEvent.state == STORED)
                     .values(state=QUEUED, queued_at=utcnow()))
    return len(event_ids)


def relay(hub, older_than=timedelta(seconds=5)):
    """Queue events the queue missed: still ``stored``, or ``queued`` but lost by Redis."""
    cutoff = utcnow() - older_than
    with session_scope(hub.engine) as session:
        stored = session.exec(select(InboundEvent.id).where(InboundEvent.state == STORED,
                                                            InboundEvent.received_at < cutoff)).all()
        queued = session.exec(select(InboundEvent.id).where(InboundEvent.state == QUEUED,
                                                            InboundEvent.queued_at < cutoff)).all()
    try:
        target = queue(hub)
        # A queued event whose job Redis no longer has (a restart without persistence) is lost.
        lost = [event_id for event_id in queued if target.fetch_job(f"event-{event_id}") is None]
    except RedisError as error:
        log.warning("relay: queue unavailable: %s", error)
        return 0
    if lost:
        with session_scope(hub.engine) as session:
            for row in session.exec(select(InboundEvent).where(InboundEvent.id.in_(lost))):
                row.state = STORED
                session.add(row)
    return enqueue(hub, list(stored) + lost)


def claim(hub, event_id):
    """Move an event to ``processing`` exactly once; returns the row, or None if someone else has it."""
    with session_scope(hub.engine) as session:
        row = session.get(InboundEvent, event_id, with_for_update=True)
        if row is None or row.state not in (STORED, QUEUED):
            return None
        row.state = PROCESSING
        session.add(row)
        return row


def finish(hub, event_id, state):
    with session_scope(hub.engine) as session:
        row = session.get(InboundEvent, event_id)
        row.state = state
        session.add(row)


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))
