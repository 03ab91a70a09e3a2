"""Where the agent meets the queue: rq jobs, scheduling, and the relay that loses no run."""

import logging
import os
import socket
import uuid
from datetime import timedelta

from redis.exceptions import RedisError
from sqlalchemy import and_, or_
from sqlmodel import select

from .. import events
from ..db import session_scope
from ..models import Run, RunState, utcnow
from . import engine

log = logging.getLogger(__name__)

RUN_JOB = "hub.agent.jobs.run_job"


def owner():
    """Who holds a lease: this process, on this host, this time (a restarted worker is someone else)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def schedule(hub, run_id):
    """Queue the run; if Redis is away the relay queues it later. Returns True when queued."""
    try:
        events.queue(hub).enqueue(RUN_JOB, run_id, failure_ttl=7 * 86400)
        return True
    except RedisError as error:
        log.warning("queue unavailable; run %s left for the relay: %s", run_id, error)
        return False


def run_job(run_id):
    """rq entry point: advance one run as far as it goes."""
    from ..jobs import _hub

    return engine.advance(_hub(), run_id, owner())


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


def relay(hub, stale_after=timedelta(seconds=30)):
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
