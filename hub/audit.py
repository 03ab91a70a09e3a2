"""The append-only audit log: a keyed hash chain, anchored outside the database.

Each entry carries an HMAC-SHA256 over its own content and the previous entry's MAC, under a
key kept outside the database (hub.audit_keys), and sequence numbers are contiguous. So
editing, deleting, inserting, reordering or forging an entry breaks the chain at a point
``verify`` reports, even for someone who can write the database and knows the scheme. What the
chain alone cannot show — entries cut from its end, or the whole log replaced — the anchor
shows: signed checkpoints of the head appended to a file outside the database
(hub.audit_anchor) after every ``checkpoint_every_entries``-th entry, every
``checkpoint_every_seconds`` in ``hub serve`` and ``hub worker``, and when a process exits.

Appends are serialised through the single ``audithead`` row, which both SQLite and PostgreSQL
lock on update, so concurrent workers never fork the chain. A checkpoint is written only after
its entry's transaction commits, so it never vouches for an entry that was rolled back.
"""

import atexit
import hashlib
import json
import logging
import os
import threading
import time
import weakref
from datetime import timezone

from sqlalchemy import event, text
from sqlalchemy.orm import Session
from sqlmodel import select

from .audit_anchor import Anchor, Checkpoint
from .audit_keys import AuditKeys, canonical
from .db import session_scope
from .errors import HubError
from .models import AuditEntry, utcnow

log = logging.getLogger(__name__)

GENESIS = "0" * 64
#: session.info key: entries this session appended, checkpointed once it commits.
APPENDED = "hub.audit.appended"
#: Entries a batch of re-signing or verifying holds in memory at once.
BATCH = 1000


def _at(when):
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _content(seq, at, run_id, ticket_id, actor, kind, data, prev_hash) -> list:
    return [seq, _at(at), run_id, ticket_id, actor, kind, data, prev_hash]


def legacy_hash(seq, at, run_id, ticket_id, actor, kind, data, prev_hash) -> str:
    """The unkeyed SHA-256 entries had before the log was keyed; only ``rekey`` accepts it."""
    return hashlib.sha256(canonical(_content(seq, at, run_id, ticket_id, actor, kind, data, prev_hash))).hexdigest()


def _signed(entry) -> list:
    # The tag keeps an entry's MAC from ever being taken for a checkpoint's, and the reverse.
    return ["audit entry", *_content(entry.seq, entry.at, entry.run_id, entry.ticket_id, entry.actor,
                                     entry.kind, entry.data, entry.prev_hash)]


class AuditTampered(HubError):
    """The log does not verify, so it is not touched."""


class AuditLog:
    def __init__(self, engine, keys: AuditKeys, anchor: Anchor, every_entries: int = 10,
                 every_seconds: float = 5.0):
        self.engine, self.keys, self.anchor = engine, keys, anchor
        self.every_entries, self.every_seconds = every_entries, every_seconds
        self._lock = threading.Lock()
        #: The newest entry this process committed, and the newest it has checkpointed.
        self._committed: tuple[int, str] = (0, GENESIS)
        self._anchored_seq = 0
        self._anchoring: threading.Thread | None = None
        _open_logs.add(self)

    @classmethod
    def from_settings(cls, settings, engine, env=None) -> "AuditLog":
        keys = AuditKeys.from_settings(settings, env)
        return cls(engine, keys, Anchor.from_settings(settings, keys),
                   settings.audit.checkpoint_every_entries, settings.audit.checkpoint_every_seconds)

    # -- writing ------------------------------------------------------------------------------

    def append(self, kind, data, actor="agent", run_id=None, ticket_id=None, session=None) -> AuditEntry:
        """Append one entry and return it. Pass ``session`` to join the caller's transaction."""
        if session is None:
            with session_scope(self.engine) as own:
                return self.append(kind, data, actor, run_id, ticket_id, own)
        # Taking the head row's write lock first serialises appenders across processes.
        session.execute(text("UPDATE audithead SET seq = seq WHERE id = 1"))
        seq, prev_hash = session.execute(text("SELECT seq, hash FROM audithead WHERE id = 1")).one()
        entry = AuditEntry(
            seq=seq + 1, at=utcnow(), run_id=run_id, ticket_id=ticket_id, actor=actor, kind=kind,
            data=json.loads(canonical(data)),  # what is signed is exactly what is stored
            prev_hash=prev_hash, key_id=self.keys.newest_id,
        )
        entry.hash = self.keys.sign(_signed(entry))
        session.add(entry)
        session.execute(text("UPDATE audithead SET seq = :seq, hash = :hash WHERE id = 1"),
                        {"seq": entry.seq, "hash": entry.hash})
        session.info.setdefault(APPENDED, []).append((self, entry.seq, entry.hash))
        return entry

    def _on_commit(self, seq: int, entry_hash: str) -> None:
        with self._lock:
            self._committed = max(self._committed, (seq, entry_hash))
        if seq == 1 or seq % self.every_entries == 0:
            self._checkpoint(seq, entry_hash)

    def _checkpoint(self, seq: int, entry_hash: str, rekeyed: bool = False) -> Checkpoint | None:
        try:
            checkpoint = self.anchor.write(seq, entry_hash, rekeyed)
        except OSError as error:
            # The entry is committed either way; a missing checkpoint only widens the window
            # in which the newest entries could be cut unseen. Loud, so someone fixes the disk.
            log.error("audit: cannot write a checkpoint to %s: %s", self.anchor.path, error)
            return None
        with self._lock:
            self._anchored_seq = max(self._anchored_seq, seq)
        return checkpoint

    def anchor_own(self) -> Checkpoint | None:
        """Checkpoint the newest entry this process committed, unless that is done already."""
        with self._lock:
            seq, entry_hash = self._committed
            due = seq > self._anchored_seq
        return self._checkpoint(seq, entry_hash) if due else None

    def anchor_head(self) -> Checkpoint | None:
        """Checkpoint the newest entry in the database (any process's), if the anchor lacks it.

        Only an entry whose MAC verifies is vouched for; and if this process committed a later
        entry than the database now ends with, that one is checkpointed instead, so entries
        cut from the end in the meantime are not covered up.
        """
        with session_scope(self.engine) as session:
            newest = session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1)).first()
        with self._lock:
            own_seq, _ = self._committed
        if newest is None or own_seq > newest.seq:
            return self.anchor_own()
        if not self.keys.verifies(_signed(newest), newest.key_id, newest.hash):
            log.error("audit: entry %s does not verify, so it is not checkpointed: run `hub audit verify`",
                      newest.seq)
            return None
        if newest.seq <= self.anchor.latest_seq():
            return None
        return self._checkpoint(newest.seq, newest.hash)

    def start_anchoring(self) -> None:
        """Checkpoint the head every ``every_seconds`` from a daemon thread (serve, worker)."""
        if self._anchoring is None:
            self._anchoring = threading.Thread(target=self._anchor_forever, daemon=True, name="audit-anchor")
            self._anchoring.start()

    def _anchor_forever(self) -> None:
        while True:
            time.sleep(self.every_seconds)
            try:
                self.anchor_head()
            except Exception as error:  # keep anchoring; the next round may find the database back
                log.error("audit: anchoring failed: %s: %s", type(error).__name__, error)

    # -- checking -----------------------------------------------------------------------------

    def intact(self, entry: AuditEntry) -> bool:
        """Whether one entry's MAC matches its content (the chain around it aside)."""
        return self.keys.verifies(_signed(entry), entry.key_id, entry.hash)

    def verify(self, allow_legacy: bool = False) -> list[str]:
        """Return a list of problems (empty when the log is intact).

        Every entry's MAC, the chain, the head, and the anchor's checkpoints are checked.
        ``allow_legacy`` accepts unkeyed entries whose old SHA-256 still matches (for ``rekey``).
        """
        with session_scope(self.engine) as session:
            return self._verify(session, allow_legacy)

    def _verify(self, session, allow_legacy: bool) -> list[str]:
        checkpoints, problems = self.anchor.read()
        vouched: dict[int, list[Checkpoint]] = {}
        for checkpoint in checkpoints:
            vouched.setdefault(checkpoint.seq, []).append(checkpoint)
        expected_prev, expected_seq = GENESIS, 1
        rewritten = []
        entries = session.exec(select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=BATCH))
        for entry in entries:
            if entry.seq != expected_seq:
                problems.append(f"entry {entry.seq}: expected sequence {expected_seq} (entries missing or inserted)")
            if entry.prev_hash != expected_prev:
                problems.append(f"entry {entry.seq}: does not follow the entry before it")
            problems.extend(self._entry_problems(entry, allow_legacy))
            rewritten += [c for c in vouched.pop(entry.seq, []) if c.hash != entry.hash]
            expected_prev, expected_seq = entry.hash, entry.seq + 1
        last = expected_seq - 1
        head_seq, head_hash = session.execute(text("SELECT seq, hash FROM audithead WHERE id = 1")).one()
        if (head_seq, head_hash) != (last, expected_prev):
            problems.append(f"the chain ends at entry {last} but the head says {head_seq} (entries removed from the end?)")
        problems += [f"entry {c.seq}: differs from the anchor's checkpoint of {c.at} (rewritten)" for c in rewritten]
        beyond = [c for seq, found in vouched.items() if seq > last for c in found]
        if beyond:
            furthest = max(beyond, key=lambda c: c.seq)
            if last == 0:
                problems.append(f"the log is empty but the anchor's checkpoint of {furthest.at} vouches for "
                                f"{furthest.seq} entries (wiped)")
            else:
                problems.append(f"the log ends at entry {last} but the anchor's checkpoint of {furthest.at} "
                                f"vouches for entry {furthest.seq} (entries removed from the end)")
        if last and not checkpoints and not allow_legacy:
            problems.append(f"the anchor {self.anchor.path} holds no checkpoint, so cuts from the end and a "
                            "replaced log cannot be ruled out (anchor deleted, or moved?)")
        return problems

    def _entry_problems(self, entry: AuditEntry, allow_legacy: bool) -> list[str]:
        if entry.key_id is None:
            legacy = legacy_hash(entry.seq, entry.at, entry.run_id, entry.ticket_id, entry.actor, entry.kind,
                                 entry.data, entry.prev_hash)
            if allow_legacy and legacy == entry.hash:
                return []
            if allow_legacy:
                return [f"entry {entry.seq}: content does not match its hash (edited)"]
            return [f"entry {entry.seq}: not signed (written before the log was keyed, or forged): "
                    "run `hub audit rekey` once after upgrading"]
        if entry.key_id not in self.keys:
            return [f"entry {entry.seq}: signed with audit key {entry.key_id}, which is not configured "
                    f"({self.keys.source})"]
        if not self.intact(entry):
            return [f"entry {entry.seq}: content does not match its MAC (edited or forged)"]
        return []

    # -- re-signing ---------------------------------------------------------------------------

    def rekey(self) -> int:
        """Re-sign the log under the newest key; return how many entries changed.

        For unkeyed entries from before the upgrade, and for entries signed with a key about to
        be dropped. Everything is verified first (old entries by their old SHA-256, the rest by
        their MAC, and the anchor) and nothing is changed if anything fails: re-signing must
        not launder a tampered log. Run it with the hub stopped.
        """
        with session_scope(self.engine) as session:
            session.execute(text("UPDATE audithead SET seq = seq WHERE id = 1"))
            problems = self._verify(session, allow_legacy=True)
            if problems:
                more = f" (and {len(problems) - 1} more: see `hub audit verify`)" if len(problems) > 1 else ""
                raise AuditTampered(f"the audit log does not verify, so it was not re-signed: {problems[0]}{more}")
            prev, changed = GENESIS, 0
            for entry in session.exec(select(AuditEntry).order_by(AuditEntry.seq)).all():
                if changed or entry.key_id != self.keys.newest_id or entry.prev_hash != prev:
                    entry.prev_hash, entry.key_id = prev, self.keys.newest_id
                    entry.hash = self.keys.sign(_signed(entry))
                    session.add(entry)
                    changed += 1
                    if changed % BATCH == 0:
                        session.flush()
                prev, head_seq = entry.hash, entry.seq
            if changed:
                session.execute(text("UPDATE audithead SET hash = :hash WHERE id = 1"), {"hash": prev})
        if changed and self.anchor.write(head_seq, prev, rekeyed=True) is None:
            raise HubError(f"re-signed {changed} entries but could not write the anchor {self.anchor.path}")
        return changed


@event.listens_for(Session, "after_commit")
def _checkpoint_committed(session):
    # A savepoint's commit is not durable: wait for the outermost transaction.
    if session.in_nested_transaction():
        return
    for audit_log, seq, entry_hash in session.info.pop(APPENDED, []):
        audit_log._on_commit(seq, entry_hash)


@event.listens_for(Session, "after_transaction_end")
def _forget_rolled_back(session, transaction):
    # Entries of a transaction that ended without committing never happened.
    if transaction.parent is None:
        session.info.pop(APPENDED, None)


#: Every AuditLog of this process, so its last entries are checkpointed when the process leaves.
_open_logs: "weakref.WeakSet[AuditLog]" = weakref.WeakSet()


@atexit.register
def _anchor_at_exit() -> None:
    for audit_log in list(_open_logs):
        audit_log.anchor_own()


def _after_fork_in_child() -> None:
    # A forked worker inherits neither the parent's threads nor a lock one of them may hold.
    for audit_log in list(_open_logs):
        audit_log._lock, audit_log._anchoring = threading.Lock(), None


os.register_at_fork(after_in_child=_after_fork_in_child)


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
