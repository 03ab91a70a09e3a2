"""The append-only, hash-chained audit log.

Each entry's hash covers its own content and the previous entry's hash, and sequence numbers
are contiguous, so editing, deleting, inserting or reordering any entry breaks the chain at a
point ``verify`` reports. Appends are serialised through the single ``audithead`` row, which
both SQLite and PostgreSQL lock on update, so concurrent workers never fork the chain.
"""

import hashlib
import json
from datetime import timezone

from sqlalchemy import text
from sqlmodel import select

from .db import session_scope
from .models import AuditEntry, utcnow

GENESIS = "0" * 64


def _canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)


def _at(when):
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")


def entry_hash(seq, at, run_id, ticket_id, actor, kind, data, prev_hash):
    body = _canonical([seq, _at(at), run_id, ticket_id, actor, kind, data, prev_hash])
    return hashlib.sha256(body.encode()).hexdigest()


def append(engine, kind, data, actor="agent", run_id=None, ticket_id=None, session=None):
    """Append one entry and return it. Pass ``session`` to join the caller's transaction."""
    if session is None:
        with session_scope(engine) as own:
            return append(engine, kind, data, actor, run_id, ticket_id, own)
    # Taking the head row's write lock first serialises appenders across processes.
    session.execute(text("UPDATE audithead SET seq = seq WHERE id = 1"))
    seq, prev_hash = session.execute(text("SELECT seq, hash FROM audithead WHERE id = 1")).one()
    data = json.loads(_canonical(data))  # what is hashed is exactly what is stored
    at = utcnow()
    entry = AuditEntry(
        seq=seq + 1, at=at, run_id=run_id, ticket_id=ticket_id, actor=actor, kind=kind,
        data=data, prev_hash=prev_hash,
        hash=entry_hash(seq + 1, at, run_id, ticket_id, actor, kind, data, prev_hash),
    )
    session.add(entry)
    session.execute(
        text("UPDATE audithead SET seq = :seq, hash = :hash WHERE id = 1"),
        {"seq": entry.seq, "hash": entry.hash},
    )
    return entry


def verify(engine):
    """Return a list of problems (empty when the chain is intact)."""
    problems = []
    expected_prev, expected_seq = GENESIS, 1
    with session_scope(engine) as session:
        for entry in session.exec(select(AuditEntry).order_by(AuditEntry.seq)):
            if entry.seq != expected_seq:
                problems.append(f"entry {entry.seq}: expected sequence {expected_seq} (entries missing or inserted)")
            if entry.prev_hash != expected_prev:
                problems.append(f"entry {entry.seq}: does not follow the entry before it")
            recomputed = entry_hash(entry.seq, entry.at, entry.run_id, entry.ticket_id, entry.actor,
                                    entry.kind, entry.data, entry.prev_hash)
            if recomputed != entry.hash:
                problems.append(f"entry {entry.seq}: content does not match its hash (edited)")
            expected_prev, expected_seq = entry.hash, entry.seq + 1
        head_seq, head_hash = session.execute(text("SELECT seq, hash FROM audithead WHERE id = 1")).one()
    if (head_seq, head_hash) != (expected_seq - 1, expected_prev):
        problems.append(f"the chain ends at entry {expected_seq - 1} but the head says {head_seq} (entries removed from the end?)")
    return problems


def export(engine, run_id=None):
    """Yield entries as JSON-able dicts, oldest first."""
    with session_scope(engine) as session:
        query = select(AuditEntry).order_by(AuditEntry.seq)
        if run_id:
            query = query.where(AuditEntry.run_id == run_id)
        for entry in session.exec(query):
            row = entry.model_dump()
            row["at"] = _at(entry.at)
            yield row

