"""Signed checkpoints of the audit chain's head, kept where the database's operator cannot write.

A chain kept only in its database can be cut short (delete the newest entries, move the head
back) or replaced wholesale by anyone who can write that database. So every so often the hub
appends a checkpoint — the sequence number and hash of an entry it just committed, the time,
and an HMAC under the audit key — to a file outside the database, one JSON object a line.
``hub audit verify`` then knows how long the chain was and what it said at each checkpoint.

The file is only ever opened for appending, under an exclusive lock so processes never
interleave lines. Checkpoints from several processes may land slightly out of order; each is
checked on its own. A ``rekeyed`` checkpoint (written by ``hub audit rekey``) supersedes the
ones before it, whose hashes the re-signing replaced.
"""

import fcntl
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .audit_keys import AuditKeys

FILE_NAME = "audit.anchor"
#: Enough of the file's end to hold its last few lines.
TAIL_BYTES = 8192


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    hash: str
    at: str
    rekeyed: bool = False
    line: int = 0  # its line in the file, for messages


def _signed(seq: int, entry_hash: str, at: str, rekeyed: bool) -> list:
    # The tag keeps a checkpoint's MAC from ever being taken for an entry's, and the reverse.
    return ["audit checkpoint", seq, entry_hash, at, rekeyed]


class Anchor:
    def __init__(self, path: Path, keys: AuditKeys):
        self.path, self.keys = Path(path), keys

    @classmethod
    def from_settings(cls, settings, keys: AuditKeys) -> "Anchor":
        return cls(settings.audit.anchor_path or Path(settings.data_dir) / FILE_NAME, keys)

    def write(self, seq: int, entry_hash: str, rekeyed: bool = False) -> Checkpoint:
        """Append one checkpoint (in the kernel's hands on return, so it outlives this process)."""
        at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        kid = self.keys.newest_id
        record = {"seq": seq, "hash": entry_hash, "at": at, "rekeyed": rekeyed, "key_id": kid,
                  "mac": self.keys.sign(_signed(seq, entry_hash, at, rekeyed), kid)}
        line = json.dumps(record, separators=(",", ":")).encode() + b"\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            # A process that died mid-line left no newline: start afresh so this line reads.
            if os.fstat(fd).st_size and os.pread(fd, 1, os.fstat(fd).st_size - 1) != b"\n":
                line = b"\n" + line
            os.write(fd, line)
            # Not synced for every checkpoint (that halves append throughput): the entry's own
            # commit is durable first, so a power cut can lose checkpoints, never make one
            # vouch for an entry the database lost. A re-signing replaces every hash: synced.
            if rekeyed:
                os.fsync(fd)
        finally:
            os.close(fd)
        return Checkpoint(seq, entry_hash, at, rekeyed)

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> tuple[list[Checkpoint], list[str]]:
        """The checkpoints that count (since the last re-signing), and problems with the file."""
        checkpoints, problems = [], []
        if not self.path.exists():
            return checkpoints, problems
        with open(self.path, "rb") as handle:
            for number, raw in enumerate(handle, 1):
                if not raw.strip():
                    continue
                checkpoint = self._parse(raw, number)
                if checkpoint is None:
                    problems.append(f"anchor {self.path} line {number}: not a checkpoint signed by a configured "
                                    "audit key (forged or damaged)")
                elif checkpoint.rekeyed:
                    # Everything before it vouched for hashes the re-signing replaced, perhaps
                    # under a key since dropped.
                    checkpoints, problems = [checkpoint], []
                else:
                    checkpoints.append(checkpoint)
        return checkpoints, problems

    def latest_seq(self) -> int:
        """The highest sequence number among the last lines: what is already vouched for."""
        if not self.path.exists():
            return 0
        with open(self.path, "rb") as handle:
            size = handle.seek(0, os.SEEK_END)
            handle.seek(max(0, size - TAIL_BYTES))
            lines = handle.read().splitlines()[1:] if size > TAIL_BYTES else handle.read().splitlines()
        return max((c.seq for c in map(self._parse, lines) if c is not None), default=0)

    def _parse(self, raw: bytes, number: int = 0) -> Checkpoint | None:
        try:
            record = json.loads(raw)
            seq, entry_hash, at, rekeyed = record["seq"], record["hash"], record["at"], record["rekeyed"]
        except (ValueError, TypeError, KeyError):
            return None
        if not (isinstance(seq, int) and isinstance(entry_hash, str) and isinstance(at, str)
                and isinstance(rekeyed, bool)):
            return None
        if not self.keys.verifies(_signed(seq, entry_hash, at, rekeyed), record.get("key_id"), record.get("mac")):
            return None
        return Checkpoint(seq, entry_hash, at, rekeyed, number)
