"""`hub audit verify` catches tampering by someone who can write the database (issue #13, item 5).

The insider here has the database and knows the scheme, but not the audit key (kept outside
the database) and cannot write the anchor file; the last tests give them the key too.
"""

import hashlib
import hmac
import json
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import text

from hub import audit
from hub.audit import AuditLog, AuditTampered, legacy_hash
from hub.audit_anchor import Anchor
from hub.audit_keys import AuditKeys, canonical, key_id
from hub.db import session_scope
from hub.models import AuditEntry

KEY_A = "a" * 16 + "-first-audit-key-of-32+"
KEY_B = "b" * 16 + "-second-audit-key-of-32"


def sql(engine, statement, **params):
    with engine.begin() as connection:
        return connection.execute(text(statement), params)


def entry(engine, seq):
    with session_scope(engine) as session:
        return session.get(AuditEntry, seq)


def anchored_seqs(log):
    return [c.seq for c in log.anchor.read()[0]]


@pytest.fixture
def log(hub):
    return hub.audit_log


@pytest.fixture
def chain(log):
    """Five entries, the head checkpointed as `hub serve` would within seconds."""
    for n in range(5):
        log.append("step", {"n": n}, run_id="run-1", ticket_id=n)
    assert log.anchor_head().seq == 5
    assert log.verify() == []
    return log


def test_entries_are_signed_with_a_key_outside_the_database(chain, config_dir, tmp_path):
    first = entry(chain.engine, 1)
    assert first.key_id == chain.keys.newest_id
    assert first.hash != legacy_hash(first.seq, first.at, first.run_id, first.ticket_id, first.actor,
                                     first.kind, first.data, first.prev_hash)
    key_file = tmp_path / "var" / "audit.keys"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert key_file.read_text().strip() not in json.dumps(list(audit.export(chain.engine)))


def test_edit_is_caught(chain):
    sql(chain.engine, "UPDATE auditentry SET actor = 'mallory' WHERE seq = 3")
    assert chain.verify() == ["entry 3: content does not match its MAC (edited or forged)"]


def test_edit_and_rehash_without_the_key_is_caught(chain):
    # The insider recomputes every hash from entry 3 on with the old unkeyed scheme and moves the head.
    prev = entry(chain.engine, 2).hash
    for seq in range(3, 6):
        row = entry(chain.engine, seq)
        data = {"n": 99} if seq == 3 else row.data
        forged = legacy_hash(seq, row.at, row.run_id, row.ticket_id, row.actor, row.kind, data, prev)
        sql(chain.engine, "UPDATE auditentry SET data = :data, prev_hash = :prev, hash = :hash WHERE seq = :seq",
            data=json.dumps(data), prev=prev, hash=forged, seq=seq)
        prev = forged
    sql(chain.engine, "UPDATE audithead SET hash = :hash", hash=prev)
    problems = chain.verify()
    assert [p for p in problems if "MAC" in p] == [f"entry {n}: content does not match its MAC (edited or forged)"
                                                  for n in (3, 4, 5)]
    assert any("differs from the anchor's checkpoint" in p for p in problems)


def test_unsigned_entry_is_refused(chain):
    # Claiming an entry predates keying (no key id) does not get it accepted.
    row = entry(chain.engine, 5)
    forged = legacy_hash(5, row.at, row.run_id, row.ticket_id, row.actor, row.kind, row.data, row.prev_hash)
    sql(chain.engine, "UPDATE auditentry SET key_id = NULL, hash = :hash WHERE seq = 5", hash=forged)
    sql(chain.engine, "UPDATE audithead SET hash = :hash", hash=forged)
    assert "entry 5: not signed (written before the log was keyed, or forged): run `hub audit rekey` once " \
           "after upgrading" in chain.verify()


def test_delete_is_caught(chain):
    sql(chain.engine, "DELETE FROM auditentry WHERE seq = 2")
    assert chain.verify() == [
        "entry 3: expected sequence 2 (entries missing or inserted)",
        "entry 3: does not follow the entry before it",
    ]


def test_delete_from_the_end_and_moving_the_head_back_is_caught(chain):
    third = entry(chain.engine, 3)
    sql(chain.engine, "DELETE FROM auditentry WHERE seq > 3")
    sql(chain.engine, "UPDATE audithead SET seq = 3, hash = :hash", hash=third.hash)
    [problem] = chain.verify()
    assert problem.startswith("the log ends at entry 3 but the anchor's checkpoint of ")
    assert problem.endswith(" vouches for entry 5 (entries removed from the end)")


def test_wiping_everything_is_caught(chain):
    sql(chain.engine, "DELETE FROM auditentry")
    sql(chain.engine, "UPDATE audithead SET seq = 0, hash = :hash", hash=audit.GENESIS)
    [problem] = chain.verify()
    assert problem.startswith("the log is empty but the anchor's checkpoint of ")
    assert problem.endswith("vouches for 5 entries (wiped)")


def test_forged_approval_appended_is_caught(chain):
    last = entry(chain.engine, 5)
    data = {"approval": 7, "tool": "shopify.refund", "by": "boss@example.com"}
    guess = hmac.new(b"a guessed key", canonical(["audit entry", 6, last.at.isoformat(), "run-1", None,
                                                  "boss@example.com", "approval.approved", data, last.hash]),
                     hashlib.sha256).hexdigest()
    sql(chain.engine, "INSERT INTO auditentry (seq, at, run_id, actor, kind, data, prev_hash, hash, key_id) "
                      "VALUES (6, :at, 'run-1', 'boss@example.com', 'approval.approved', :data, :prev, :hash, :kid)",
        at=last.at, data=json.dumps(data), prev=last.hash, hash=guess, kid=last.key_id)
    sql(chain.engine, "UPDATE audithead SET seq = 6, hash = :hash", hash=guess)
    assert chain.verify() == ["entry 6: content does not match its MAC (edited or forged)"]


def test_insert_is_caught(chain):
    sql(chain.engine, "UPDATE auditentry SET seq = seq + 100 WHERE seq >= 3")
    sql(chain.engine, "UPDATE auditentry SET seq = seq - 99 WHERE seq >= 103")
    prev = entry(chain.engine, 2)
    sql(chain.engine, "INSERT INTO auditentry (seq, at, run_id, actor, kind, data, prev_hash, hash, key_id) "
                      "VALUES (3, :at, 'run-1', 'agent', 'refund', :data, :prev, :hash, :kid)",
        at=prev.at, data=json.dumps({"amount": 999}), prev=prev.hash, hash="f" * 64, kid=prev.key_id)
    problems = chain.verify()
    assert "entry 3: content does not match its MAC (edited or forged)" in problems
    assert "entry 4: does not follow the entry before it" in problems
    assert any("head says 5" in p for p in problems)


def test_reorder_is_caught(chain):
    sql(chain.engine, "UPDATE auditentry SET seq = 100 WHERE seq = 2")
    sql(chain.engine, "UPDATE auditentry SET seq = 2 WHERE seq = 3")
    sql(chain.engine, "UPDATE auditentry SET seq = 3 WHERE seq = 100")
    problems = chain.verify()
    assert "entry 2: does not follow the entry before it" in problems
    assert "entry 2: content does not match its MAC (edited or forged)" in problems


def test_a_forged_or_damaged_anchor_line_is_reported(chain):
    line = json.loads(chain.anchor.path.read_text().splitlines()[-1])
    with open(chain.anchor.path, "a") as handle:
        handle.write(json.dumps(dict(line, seq=500)) + "\n")  # a bigger number, the old MAC
    [problem] = chain.verify()
    assert problem.endswith("not a checkpoint signed by a configured audit key (forged or damaged)")


def test_a_deleted_anchor_is_reported(chain):
    chain.anchor.path.unlink()
    [problem] = chain.verify()
    assert "holds no checkpoint" in problem


def test_someone_with_the_key_cannot_rewrite_what_the_anchor_vouches_for(chain, tmp_path):
    # The key alone (not the anchor): re-sign entry 2 onwards with the real key, move the head.
    stolen = AuditKeys.from_settings(chain_settings(tmp_path), env={})
    prev = entry(chain.engine, 1).hash
    for seq in range(2, 6):
        row = entry(chain.engine, seq)
        row.actor, row.prev_hash = "mallory" if seq == 2 else row.actor, prev
        row.hash = stolen.sign(audit._signed(row))
        sql(chain.engine, "UPDATE auditentry SET actor = :actor, prev_hash = :prev, hash = :hash WHERE seq = :seq",
            actor=row.actor, prev=row.prev_hash, hash=row.hash, seq=seq)
        prev = row.hash
    sql(chain.engine, "UPDATE audithead SET hash = :hash", hash=prev)
    [problem] = chain.verify()
    assert problem.startswith("entry 5: differs from the anchor's checkpoint of ") and problem.endswith("(rewritten)")


def chain_settings(tmp_path):
    class Settings:
        data_dir = tmp_path / "var"
    return Settings


def test_checkpoints_every_n_entries_and_at_exit(hub):
    log = AuditLog(hub.engine, hub.audit_log.keys, hub.audit_log.anchor, every_entries=3)
    for n in range(7):
        log.append("step", {"n": n})
    assert anchored_seqs(log) == [1, 3, 6]
    audit._anchor_at_exit()  # what atexit runs
    assert anchored_seqs(log) == [1, 3, 6, 7]
    assert log.verify() == []


def test_a_process_leaving_writes_the_last_checkpoint(hub, config_dir):
    script = ("from hub.runtime import Hub; import sys; hub = Hub.load(sys.argv[1], env={}); "
              "[hub.audit('step', {'n': n}) for n in range(4)]")
    subprocess.run([sys.executable, "-c", script, str(config_dir)], check=True)
    assert anchored_seqs(hub.audit_log) == [1, 4]
    assert hub.audit_log.verify() == []


def test_the_head_is_checkpointed_every_few_seconds(hub):
    log = AuditLog(hub.engine, hub.audit_log.keys, hub.audit_log.anchor, every_entries=1000, every_seconds=0.05)
    other = AuditLog(hub.engine, hub.audit_log.keys, hub.audit_log.anchor, every_entries=1000)
    for n in range(3):
        other.append("step", {"n": n})  # another process's entries
    log.start_anchoring()
    deadline = time.monotonic() + 10
    while log.anchor.latest_seq() < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert log.anchor.latest_seq() == 3


def test_the_head_is_not_checkpointed_when_it_does_not_verify(chain):
    chain.append("step", {"n": 5})
    sql(chain.engine, "UPDATE auditentry SET actor = 'mallory' WHERE seq = 6")
    assert chain.anchor_head() is None
    assert chain.anchor.latest_seq() == 5


def test_entries_cut_before_the_periodic_checkpoint_are_still_vouched_for(chain):
    chain.append("step", {"n": 5})
    fifth = entry(chain.engine, 5)
    sql(chain.engine, "DELETE FROM auditentry WHERE seq = 6")
    sql(chain.engine, "UPDATE audithead SET seq = 5, hash = :hash", hash=fifth.hash)
    assert chain.anchor_head().seq == 6  # this process knows it committed entry 6
    assert any("vouches for entry 6" in p for p in chain.verify())


def test_a_rolled_back_entry_is_never_checkpointed(log):
    log.every_entries = 1
    with pytest.raises(RuntimeError):
        with session_scope(log.engine) as session:
            log.append("step", {"n": "rolled back"}, session=session)
            raise RuntimeError("the caller's transaction fails")
    assert anchored_seqs(log) == []
    log.append("step", {"n": "kept"})
    assert anchored_seqs(log) == [1]
    assert log.verify() == []


def test_rotation_keeps_old_entries_verifiable_and_rekey_moves_them(config_dir):
    from hub.db import upgrade
    from hub.runtime import Hub

    old = Hub.load(config_dir, env={"HUB_AUDIT_KEYS": KEY_A})
    upgrade(old.engine)
    for n in range(3):
        old.audit("step", {"n": n})
    rotated = Hub.load(config_dir, env={"HUB_AUDIT_KEYS": f"{KEY_B},{KEY_A}"})
    rotated.audit("step", {"n": 3})
    assert [entry(rotated.engine, n).key_id for n in (1, 4)] == [key_id(KEY_A.encode()), key_id(KEY_B.encode())]
    assert rotated.audit_log.verify() == []
    dropped = Hub.load(config_dir, env={"HUB_AUDIT_KEYS": KEY_B})
    assert f"entry 1: signed with audit key {key_id(KEY_A.encode())}, which is not configured (HUB_AUDIT_KEYS)" \
           in dropped.audit_log.verify()
    assert rotated.audit_log.rekey() == 4
    assert dropped.audit_log.verify() == []
    assert rotated.audit_log.rekey() == 0


def test_legacy_entries_are_verified_and_re_signed_by_rekey(log):
    insert_legacy_chain(log.engine, 4)
    assert all("not signed (written before the log was keyed" in p for p in log.verify()[:4])
    assert log.rekey() == 4
    assert log.verify() == []
    assert [c.rekeyed for c in log.anchor.read()[0]] == [True]
    log.append("step", {"n": "after"})
    assert log.verify() == []


def test_rekey_refuses_a_tampered_legacy_log(log):
    insert_legacy_chain(log.engine, 4)
    sql(log.engine, "UPDATE auditentry SET actor = 'mallory' WHERE seq = 2")
    with pytest.raises(AuditTampered, match="not re-signed: entry 2: content does not match its hash"):
        log.rekey()
    assert entry(log.engine, 3).key_id is None


def test_rekey_refuses_a_log_cut_short(chain, hub):
    sql(chain.engine, "DELETE FROM auditentry WHERE seq = 5")
    sql(chain.engine, "UPDATE audithead SET seq = 4, hash = :hash", hash=entry(chain.engine, 4).hash)
    with pytest.raises(AuditTampered, match="entries removed from the end"):
        chain.rekey()


def insert_legacy_chain(engine, count):
    """Entries as the unkeyed log wrote them before the upgrade."""
    from hub.models import utcnow

    prev = audit.GENESIS
    for seq in range(1, count + 1):
        at, data = utcnow(), {"n": seq}
        digest = legacy_hash(seq, at, "run-1", None, "agent", "step", data, prev)
        sql(engine, "INSERT INTO auditentry (seq, at, run_id, actor, kind, data, prev_hash, hash) "
                    "VALUES (:seq, :at, 'run-1', 'agent', 'step', :data, :prev, :hash)",
            seq=seq, at=at, data=json.dumps(data), prev=prev, hash=digest)
        prev = digest
    sql(engine, "UPDATE audithead SET seq = :seq, hash = :hash", seq=count, hash=prev)


def test_concurrent_appends_keep_one_chain(log):
    log.every_entries = 3

    def worker(w):
        for n in range(10):
            log.append("step", {"worker": w, "n": n})

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert log.verify() == []
    assert len(list(audit.export(log.engine))) == 40
    assert sorted(anchored_seqs(log)) == [1] + list(range(3, 41, 3))


def test_anchor_path_is_configurable(hub, tmp_path):
    hub.settings.audit.anchor_path = tmp_path / "elsewhere" / "hub.anchor"
    anchor = Anchor.from_settings(hub.settings, hub.audit_log.keys)
    anchor.write(1, "0" * 64)
    assert anchor.latest_seq() == 1 and (tmp_path / "elsewhere" / "hub.anchor").exists()


def test_cli_verify_rekey_and_export(chain, config_dir):
    run = lambda *args: subprocess.run([sys.executable, "-m", "hub", "audit", *args, "--config-dir", str(config_dir)],
                                       capture_output=True, text=True)
    assert run("verify").returncode == 0
    lines = [json.loads(line) for line in run("export", "--run", "run-1").stdout.splitlines()]
    assert [line["data"]["n"] for line in lines] == [0, 1, 2, 3, 4]
    assert run("rekey").stdout == "hub: audit log already signed with the newest key\n"
    sql(chain.engine, "DELETE FROM auditentry WHERE seq > 2")
    sql(chain.engine, "UPDATE audithead SET seq = 2, hash = :hash", hash=entry(chain.engine, 2).hash)
    result = run("verify")
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("hub: audit: the log ends at entry 2 but the anchor's checkpoint of ")
    refused = run("rekey")
    assert refused.returncode == 2 and "not re-signed" in refused.stderr
