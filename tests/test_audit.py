"""`hub audit verify` catches every kind of tampering."""

import json
import subprocess
import sys
import threading

import pytest
from sqlalchemy import text

from hub import audit
from hub.db import session_scope
from hub.models import AuditEntry


@pytest.fixture
def chain(hub):
    for n in range(5):
        audit.append(hub.engine, "step", {"n": n}, run_id="run-1", ticket_id=n)
    assert audit.verify(hub.engine) == []
    return hub.engine


def sql(engine, statement, **params):
    with engine.begin() as connection:
        connection.execute(text(statement), params)


def test_edit_is_caught(chain):
    sql(chain, "UPDATE auditentry SET actor = 'mallory' WHERE seq = 3")
    assert audit.verify(chain) == ["entry 3: content does not match its hash (edited)"]


def test_delete_is_caught(chain):
    sql(chain, "DELETE FROM auditentry WHERE seq = 2")
    assert audit.verify(chain) == [
        "entry 3: expected sequence 2 (entries missing or inserted)",
        "entry 3: does not follow the entry before it",
    ]


def test_delete_from_the_end_is_caught(chain):
    sql(chain, "DELETE FROM auditentry WHERE seq = 5")
    assert audit.verify(chain) == ["the chain ends at entry 4 but the head says 5 (entries removed from the end?)"]


def test_insert_is_caught(chain):
    # A forged entry squeezed in between 2 and 3, correctly hashed by someone who knows the scheme.
    sql(chain, "UPDATE auditentry SET seq = seq + 100 WHERE seq >= 3")
    sql(chain, "UPDATE auditentry SET seq = seq - 99 WHERE seq >= 103")
    with session_scope(chain) as session:
        prev = session.get(AuditEntry, 2)
    forged = audit.entry_hash(3, prev.at, "run-1", None, "agent", "refund", {"amount": 999}, prev.hash)
    sql(chain, "INSERT INTO auditentry (seq, at, run_id, actor, kind, data, prev_hash, hash) "
               "VALUES (3, :at, 'run-1', 'agent', 'refund', :data, :prev, :hash)",
        at=prev.at, data=json.dumps({"amount": 999}), prev=prev.hash, hash=forged)
    problems = audit.verify(chain)
    assert "entry 4: does not follow the entry before it" in problems
    assert any("head says 5" in p for p in problems)


def test_reorder_is_caught(chain):
    sql(chain, "UPDATE auditentry SET seq = 100 WHERE seq = 2")
    sql(chain, "UPDATE auditentry SET seq = 2 WHERE seq = 3")
    sql(chain, "UPDATE auditentry SET seq = 3 WHERE seq = 100")
    problems = audit.verify(chain)
    assert "entry 2: does not follow the entry before it" in problems
    assert "entry 2: content does not match its hash (edited)" in problems


def test_concurrent_appends_keep_one_chain(hub):
    def worker(w):
        for n in range(10):
            audit.append(hub.engine, "step", {"worker": w, "n": n})

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert audit.verify(hub.engine) == []
    assert len(list(audit.export(hub.engine))) == 40


def test_cli_verify_and_export(chain, config_dir):
    run = lambda *args: subprocess.run([sys.executable, "-m", "hub", "audit", *args, "--config-dir", str(config_dir)],
                                       capture_output=True, text=True)
    assert run("verify").returncode == 0
    lines = [json.loads(line) for line in run("export", "--run", "run-1").stdout.splitlines()]
    assert [line["data"]["n"] for line in lines] == [0, 1, 2, 3, 4]
    sql(chain, "UPDATE auditentry SET kind = 'nothing' WHERE seq = 1")
    result = run("verify")
    assert result.returncode == 1
    assert result.stderr == "hub: audit: entry 1: content does not match its hash (edited)\n"
