"""The inbound event path: store by the vendor's event id, commit, then queue; lease, then finish.

An event is committed to the database before anything is queued, so a crash or a Redis outage
can only delay it: the outbox relay queues whatever is still ``stored``. A redelivered event
hits the unique (connection, event id) constraint and is acknowledged without a second run.

The event row is the unit of work until its consequences are committed: a worker *leases* it
(``processing`` until ``lease_until``), records the ticket, starts or resumes the ticket's run,
and only then marks it ``done``. A worker killed anywhere before that leaves the lease to run
out, and the relay queues the event again; doing an event twice is harmless because every step
is keyed (the ticket and comment by their vendor ids, the run by its ticket). So the states are

    stored -> queued -> processing -> done
                           |  \\-> retrying (the vendor was away; wake_at) -> queued
                           \\-> failed (it cannot be processed; error says why)
"""

import json
import logging
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import and_, exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from .db import session_scope
from .models import InboundEvent, Run, Ticket, utcnow

log = logging.getLogger(__name__)

STORED, QUEUED, PROCESSING, RETRYING, DONE, FAILED = "stored", "queued", "processing", "retrying", "done", "failed"
PROCESS_JOB = "hub.jobs.process_event"
#: The kind of event that must end in a run (or in the agent deciding to leave the ticket alone).
TICKET_CREATED = "ticket.created"


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
            target.enqueue(PROCESS_JOB, event_id, job_id=_job_id(event_id), failure_ttl=7 * 86400)
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
    """Queue every event nobody will otherwise process; returns how many were queued.

    That is an event still ``stored`` (the queue was down), ``queued`` but with no job waiting
    in the queue (Redis lost it, or the worker that took it died before leasing it), ``processing``
    under a lease that ran out (the worker died), or ``retrying`` whose time came.
    """
    now = utcnow()
    cutoff = now - older_than
    with session_scope(hub.engine) as session:
        stored = session.exec(select(InboundEvent.id).where(InboundEvent.state == STORED,
                                                            InboundEvent.received_at < cutoff)).all()
        queued = session.exec(select(InboundEvent.id).where(InboundEvent.state == QUEUED,
                                                            InboundEvent.queued_at < cutoff)).all()
    try:
        # Only a job still in the queue's list will be run. One that a worker took (rq moves it
        # to its intermediate list, then starts it) but did not lease the event for within the
        # cutoff belongs to a worker that died: rq would notice only minutes later.
        waiting = set(queue(hub).get_job_ids()) if queued else set()
        lost = [event_id for event_id in queued if _job_id(event_id) not in waiting]
    except RedisError as error:
        log.warning("relay: queue unavailable: %s", error)
        return 0
    with session_scope(hub.engine) as session:
        if lost:
            session.exec(update(InboundEvent).where(InboundEvent.id.in_(lost), InboundEvent.state == QUEUED)
                         .values(state=STORED))
        dropped = session.exec(select(InboundEvent).where(InboundEvent.state == PROCESSING,
                                                          InboundEvent.lease_until < now)).all()
        for row in dropped:
            if row.attempts >= hub.settings.events.max_attempts:
                row.state, row.error = FAILED, f"{row.attempts} workers stopped while processing it"
                log.error("event %s failed: %s", row.id, row.error)
            else:
                row.state = STORED
            session.add(row)
        woken = session.exec(select(InboundEvent.id).where(InboundEvent.state == RETRYING,
                                                           InboundEvent.wake_at <= now)).all()
        if woken:
            session.exec(update(InboundEvent).where(InboundEvent.id.in_(woken)).values(state=STORED, wake_at=None))
    taken_over = [row.id for row in dropped if row.state == STORED]
    return enqueue(hub, sorted({*stored, *lost, *taken_over, *woken}))


def _job_id(event_id):
    return f"event-{event_id}"


# -- the lease a worker holds while it processes one event -----------------------------------------

def claim(hub, event_id, owner):
    """Lease the event for ``owner``; returns the row, or None when it is done or someone else's.

    A compare-and-set like the runs' leases: two jobs for one event (a redelivery queued twice,
    the relay's copy of a job a slow worker still runs) cannot both hold it.
    """
    now = utcnow()
    with session_scope(hub.engine) as session:
        taken = session.exec(
            update(InboundEvent)
            .where(InboundEvent.id == event_id)
            .where(or_(InboundEvent.state.in_((STORED, QUEUED)),
                       and_(InboundEvent.state == RETRYING, InboundEvent.wake_at <= now),
                       and_(InboundEvent.state == PROCESSING, InboundEvent.lease_until < now)))
            .values(state=PROCESSING, lease_owner=owner, lease_until=now + _lease(hub), wake_at=None,
                    attempts=InboundEvent.attempts + 1)
        )
        if taken.rowcount != 1:
            return None
        return session.get(InboundEvent, event_id)


def renew(hub, event_id, owner):
    """Extend the lease before a step that may take a while; False when it is no longer ours."""
    with session_scope(hub.engine) as session:
        renewed = session.exec(update(InboundEvent)
                               .where(InboundEvent.id == event_id, InboundEvent.state == PROCESSING,
                                      InboundEvent.lease_owner == owner)
                               .values(lease_until=utcnow() + _lease(hub)))
        return renewed.rowcount == 1


def finish(hub, event_id, owner, state, error=None):
    """End the lease with ``done`` or ``failed``; False when the event was no longer ours."""
    with session_scope(hub.engine) as session:
        finished = session.exec(update(InboundEvent)
                                .where(InboundEvent.id == event_id, InboundEvent.lease_owner == owner)
                                .values(state=state, error=error, lease_owner=None, lease_until=None))
        return finished.rowcount == 1


def retry_later(hub, event_id, owner, error):
    """Give the event back to be tried again after a backoff (the vendor was down or busy)."""
    with session_scope(hub.engine) as session:
        row = session.get(InboundEvent, event_id)
        if row is None or row.lease_owner != owner:
            return None
        delay = timedelta(seconds=min(2 ** row.attempts, 300))
        row.state, row.wake_at, row.error = RETRYING, utcnow() + delay, error
        row.lease_owner = row.lease_until = None
        session.add(row)
        return delay


def _lease(hub):
    return timedelta(seconds=hub.settings.events.claim_seconds)


# -- what an operator must hear about --------------------------------------------------------------

def lost_tickets(hub):
    """Ticket-created events older than ``events.lost_after_seconds`` whose ticket has no run.

    A ``done`` event without a run is the agent's decision (the intent is off); any other
    such event is a ticket the agent has not picked up in time: stuck, retrying or failed.
    """
    cutoff = utcnow() - timedelta(seconds=hub.settings.events.lost_after_seconds)
    has_run = exists().where(Ticket.connection_id == InboundEvent.connection_id,
                             Ticket.remote_id == InboundEvent.ticket_remote_id, Run.ticket_id == Ticket.id)
    with session_scope(hub.engine) as session:
        return session.exec(select(func.count()).select_from(InboundEvent).where(
            InboundEvent.kind == TICKET_CREATED, InboundEvent.received_at < cutoff,
            InboundEvent.state != DONE, ~has_run)).one()


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))
