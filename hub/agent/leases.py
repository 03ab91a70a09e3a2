"""One worker at a time per run: a lease taken by compare-and-set and given back when done.

Duplicate jobs for the same run find the lease held and leave; a worker that dies holding it
is replaced once the lease runs out (the relay schedules the run again).
"""

from datetime import timedelta

from sqlalchemy import or_, update

from ..db import session_scope
from ..models import Run, utcnow


def acquire(hub, run_id, owner, seconds):
    now = utcnow()
    with session_scope(hub.engine) as session:
        taken = session.exec(
            update(Run)
            .where(Run.id == run_id)
            .where(or_(Run.lease_owner.is_(None), Run.lease_until < now, Run.lease_owner == owner))
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
        )
        return taken.rowcount == 1


def renew(hub, run_id, owner, seconds):
    with session_scope(hub.engine) as session:
        session.exec(update(Run).where(Run.id == run_id, Run.lease_owner == owner)
                     .values(lease_until=utcnow() + timedelta(seconds=seconds)))


def release(hub, run_id, owner):
    with session_scope(hub.engine) as session:
        session.exec(update(Run).where(Run.id == run_id, Run.lease_owner == owner)
                     .values(lease_owner=None, lease_until=None))
