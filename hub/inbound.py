"""The inbound path, from a received webhook to the agent's run, in the order it runs.

1. ``hub.receipt.receive`` (the web route and the conformance harness) verifies and stores a
   delivery; ``hub.polling.poll`` stores what it polls. Both then call :func:`enqueue`.
2. :func:`enqueue` queues one rq job per stored event: :func:`process_event`.
3. :func:`process_event` (in ``hub worker``) leases the event (:func:`claim`), reads it back when
   its vendor does not sign (:func:`confirmed`), records the ticket (:func:`upsert_ticket`),
   starts or resumes the ticket's run (:func:`on_event`), marks the event done (:func:`finish`)
   and advances the run in the same process (:func:`advance`).
4. A run that waits (a retry, an approval) is queued again by :func:`schedule` as the rq job
   :func:`run_job`, which advances it under its own lease.
5. The relays every worker runs, :func:`relay_events` and :func:`relay_runs`, queue again what a
   dead worker, a Redis outage or a retry left behind.

Jobs are queued by function reference, never by name. They reach the worker's Hub through
:func:`worker_hub`: ``hub worker`` runs a :class:`SimpleHubWorker` (:class:`HubWorker` with
``--fork``), which holds the Hub it loaded once and makes itself current (a context variable)
for each job it performs.

Store by the vendor's event id, commit, then queue; lease, then finish.

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

import contextvars
import json
import logging
import os
import socket
import uuid
from datetime import timedelta

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker
from sqlalchemy import and_, exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from . import logs
from .agent import engine
from .agent.engine import TRANSIENT
from .db import session_scope
from .ingest import Event
from .models import Comment, Connection, InboundEvent, Run, RunState, Ticket, utcnow

log = logging.getLogger(__name__)

STORED, QUEUED, PROCESSING, RETRYING, DONE, FAILED = "stored", "queued", "processing", "retrying", "done", "failed"
#: The kind of event that must end in a run (or in the agent deciding to leave the ticket alone).
TICKET_CREATED = "ticket.created"


# -- the worker and its Hub ------------------------------------------------------------------------

#: The HubWorker performing the current job (unset outside a job).
_performing = contextvars.ContextVar("hub_worker", default=None)


class _HoldsHub:
    """What both worker classes add to rq's: the Hub, made current for each job performed."""

    def __init__(self, *args, hub=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub = hub
        self._engine_pid = os.getpid()  # the process whose connection pool the engine may use

    def perform_job(self, *args, **kwargs):
        current = _performing.set(self)
        try:
            return super().perform_job(*args, **kwargs)
        finally:
            _performing.reset(current)

    def hub_for_job(self):
        if self._engine_pid != os.getpid():
            # A forked work horse must not share pooled database connections with its parent.
            self.hub.engine.dispose(close=False)
            self._engine_pid = os.getpid()
        return self.hub


class HubWorker(_HoldsHub, Worker):
    """An rq worker that holds the Hub ``hub worker`` loaded once, for the jobs it performs.

    This one runs each job in a forked work horse (``hub worker --fork``); :class:`SimpleHubWorker`
    runs them in the worker process itself. Either way a job reaches the Hub through
    :func:`worker_hub`.
    """


class SimpleHubWorker(_HoldsHub, SimpleWorker):
    """Like :class:`HubWorker`, but performs each job in the worker process itself (``hub worker``)."""


def worker_hub():
    """The Hub of the :class:`HubWorker` performing this job; the one accessor rq jobs use."""
    worker = _performing.get()
    if worker is None or worker.hub is None:
        raise RuntimeError("this job runs only under `hub worker` (a hub.inbound.HubWorker), which holds the Hub")
    return worker.hub_for_job()


def queue(hub):
    redis = Redis.from_url(hub.settings.redis_url, socket_timeout=2, socket_connect_timeout=2)
    return Queue(hub.settings.queue_name, connection=redis)


def queue_depth(hub):
    """How many jobs wait in the hub's queue (the ``hub_queue_depth`` gauge)."""
    return queue(hub).count


# -- 1-2. a received event is stored, then queued ----------------------------------------------------

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


def enqueue(hub, event_ids):
    """Queue committed events; on a Redis failure leave them for the relay. Returns how many queued."""
    if not event_ids:
        return 0
    try:
        target = queue(hub)
        for event_id in event_ids:
            target.enqueue(process_event, event_id, job_id=_job_id(event_id), failure_ttl=7 * 86400)
    except RedisError as error:
        log.warning("queue unavailable, %d event(s) left for the relay: %s", len(event_ids), error)
        return 0
    # One conditional UPDATE: a worker may already have taken (or finished) an event between
    # the enqueue and here, and reading rows first would let this overwrite its state.
    with session_scope(hub.engine) as session:
        session.exec(update(InboundEvent).where(InboundEvent.id.in_(event_ids), InboundEvent.state == STORED)
                     .values(state=QUEUED, queued_at=utcnow()))
    return len(event_ids)


def _job_id(event_id):
    return f"event-{event_id}"


# -- 3. the worker processes an event under its lease ----------------------------------------------

def process_event(event_id):
    """Lease the event, record what it says about its ticket, start or resume the ticket's run,
    and only then mark the event done; the run then advances under its own lease."""
    return handle_event(worker_hub(), event_id)


def handle_event(hub, event_id):
    """:func:`process_event` with the Hub given (tests, and any caller outside a worker)."""
    owner_ = owner()
    row = claim(hub, event_id, owner_)
    if row is None:
        return "skipped: already processed or processing"
    with logs.context(event_id=event_id, connection_id=row.connection_id, event=row.kind):
        return _process(hub, row, owner_)


def _process(hub, row, owner):
    run = ticket = None
    try:
        event = confirmed(hub, row)
        if event is not None:
            ticket = upsert_ticket(hub, row.connection_id, event.ticket, event.comment)
            # Narrows the one window in which two workers could both act on this event: a
            # worker that outlived its lease leaves the event to the one that took it over.
            if not renew(hub, row.id, owner):
                return "skipped: the lease passed to another worker"
            with logs.context(ticket_id=ticket):
                run = on_event(hub, row.kind, ticket, event.to_dict())
    except TRANSIENT as error:
        delay = retry_later(hub, row.id, owner, f"{type(error).__name__}: {error}")
        log.warning("event %s: the vendor is unavailable, trying again in %s: %s", row.id, delay, error)
        return {"retrying_in": delay.total_seconds() if delay else None}
    except Exception as error:
        finish(hub, row.id, owner, FAILED, error=f"{type(error).__name__}: {error}"[:2000])
        raise
    finish(hub, row.id, owner, DONE)
    if run is not None:
        with logs.context(ticket_id=ticket):
            advance(hub, run)
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


def on_event(hub, kind, ticket_id, payload):
    """What an ingested event means to the agent: a new ticket starts a run, a customer's answer
    resumes the run that asked. Returns the id of the run to advance, or None.

    Called again for the same event after a worker died, it finds the run it made the first
    time (``engine.start`` keeps one run per ticket) or nothing waiting any more, so the event
    causes what it causes once.
    """
    if ticket_id is None:
        return None
    if kind == "ticket.created":
        return engine.start(hub, ticket_id)
    if kind in ("comment.added", "ticket.comment_added"):
        comment = payload.get("comment") or {}
        if comment.get("public", True) and engine.written_by_requester(hub, ticket_id, comment):
            return engine.customer_replied(hub, ticket_id, comment.get("body") or "")
    return None


def advance(hub, run_id):
    """Advance a run in this process, as far as it goes (its lease keeps others out)."""
    return engine.advance(hub, run_id, owner())


def owner():
    """Who holds a lease: this process, on this host, this time (a restarted worker is someone else)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


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


# -- 4. a run waits and is queued again ------------------------------------------------------------

def schedule(hub, run_id):
    """Queue the run; if Redis is away the relay queues it later. Returns True when queued."""
    try:
        queue(hub).enqueue(run_job, run_id, failure_ttl=7 * 86400)
        return True
    except RedisError as error:
        log.warning("queue unavailable; run %s left for the relay: %s", run_id, error)
        return False


def run_job(run_id):
    """rq entry point: advance one run as far as it goes."""
    return advance(worker_hub(), run_id)


# -- 5. the relays ---------------------------------------------------------------------------------

def relay_events(hub, older_than=timedelta(seconds=5)):
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


def relay_runs(hub, stale_after=timedelta(seconds=30)):
    """Queue runs whose retry time came, and runs a worker dropped (its lease ran out)."""
    now = utcnow()
    with session_scope(hub.engine) as session:
        due = session.exec(select(Run).where(Run.state == RunState.retrying, Run.wake_at <= now)).all()
        for run in due:
            run.state, run.wake_at, run.updated_at = RunState.running, None, now
            session.add(run)
        dropped = session.exec(select(Run.id).where(
            Run.state == RunState.running,
            or_(Run.lease_until < now, and_(Run.lease_until.is_(None), Run.updated_at < now - stale_after)),
        )).all()
    ids = [run.id for run in due] + list(dropped)
    for run_id in ids:
        schedule(hub, run_id)
    return ids


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
