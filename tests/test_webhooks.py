"""The event path: verify, store by event id, commit, queue; the relay and the worker."""

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlmodel import select

from hub import inbound
from hub.app import create_app
from hub.db import session_scope
from hub.models import Connection, InboundEvent, Ticket
from toy import sign


@pytest.fixture
def setup(toy, redis_url):
    toy.settings.redis_url = redis_url
    with session_scope(toy.engine) as session:
        row = session.get(Connection, toy.toy_connection.id)
        row.webhook_secret_ciphertext = toy.box.encrypt("s3cret")
        session.add(row)
    inbound.queue(toy).empty()
    return toy, create_app(toy).test_client()


def deliver(client, hub, payload, secret="s3cret", connection_id=None):
    body = json.dumps(payload).encode()
    headers = sign(secret, body, datetime.now(timezone.utc).isoformat())
    return client.post(f"/hooks/toy/{connection_id or hub.toy_connection.id}", data=body, headers=headers)


def toy_worker(hub, config_dir, redis_url):
    """One burst of a real `hub worker` process that knows the toy connector."""
    import yaml

    settings = config_dir / "settings.yaml"
    data = yaml.safe_load(settings.read_text())
    data["data_dir"] = str(hub.settings.data_dir)
    settings.write_text(yaml.safe_dump(data))
    env = dict(os.environ, HUB_REDIS_URL=redis_url, PYTHONPATH=str(Path(__file__).parent))
    return subprocess.run([sys.executable, str(Path(__file__).parent / "toy_worker.py"), "--burst",
                           "--config-dir", str(config_dir)], env=env, capture_output=True, text=True, timeout=120)


def stored_events(hub):
    with session_scope(hub.engine) as session:
        return [(e.event_id, e.state) for e in session.exec(select(InboundEvent).order_by(InboundEvent.id))]


def test_signed_event_is_stored_and_queued_once(setup):
    hub, client = setup
    payload = {"id": "evt-1", "ticket": 42, "subject": "Where is order #1001?"}
    first = deliver(client, hub, payload)
    assert first.status_code == 200 and first.get_json() == {"accepted": 1, "duplicates": 0}
    again = deliver(client, hub, payload)  # the vendor redelivers
    assert again.status_code == 200 and again.get_json() == {"accepted": 0, "duplicates": 1}
    assert stored_events(hub) == [("evt-1", "queued")]
    assert inbound.queue(hub).job_ids == [f"event-{1}"]


@pytest.mark.parametrize("path, status", [("/hooks/nope/x", 404), ("/hooks/toy/no-such-connection", 404)])
def test_unknown_connector_or_connection_is_404(setup, path, status):
    _, client = setup
    assert client.post(path, data=b"{}").status_code == status


def test_forged_and_malformed_are_refused_and_nothing_stored(setup):
    hub, client = setup
    assert deliver(client, hub, {"id": "evt-2", "ticket": 1}, secret="wrong").status_code == 401
    body = b"\xff\xfe not json"
    headers = sign("s3cret", body, datetime.now(timezone.utc).isoformat())
    response = client.post(f"/hooks/toy/{hub.toy_connection.id}", data=body, headers=headers)
    assert response.status_code == 400 and response.get_json() == {"error": "body is not JSON"}
    assert stored_events(hub) == []


def test_oversized_body_is_413(setup):
    hub, client = setup
    huge = b"x" * (hub.settings.webhooks.max_body_bytes + 1)
    assert client.post(f"/hooks/toy/{hub.toy_connection.id}", data=huge).status_code == 413


def test_redis_down_loses_nothing_and_the_relay_queues_later(setup, redis_url):
    hub, client = setup
    hub.settings.redis_url = "redis://127.0.0.1:1/0"  # the queue is unreachable
    assert deliver(client, hub, {"id": "evt-3", "ticket": 7}).status_code == 200
    assert stored_events(hub) == [("evt-3", "stored")]
    hub.settings.redis_url = redis_url
    from datetime import timedelta

    assert inbound.relay_events(hub, older_than=timedelta(0)) == 1
    assert stored_events(hub) == [("evt-3", "queued")]


def test_relay_requeues_what_redis_lost(setup):
    hub, client = setup
    deliver(client, hub, {"id": "evt-4", "ticket": 8})
    inbound.queue(hub).connection.flushdb()  # Redis restarted without persistence
    from datetime import timedelta

    assert inbound.relay_events(hub, older_than=timedelta(0)) == 1
    assert inbound.queue(hub).job_ids == ["event-1"]


def test_worker_records_the_ticket_exactly_once(setup, config_dir, redis_url):
    hub, client = setup
    deliver(client, hub, {"id": "evt-5", "ticket": 9, "subject": "Refund please"})
    inbound.queue(hub).enqueue(inbound.process_event, 1, job_id="duplicate-job")  # a duplicate job
    result = toy_worker(hub, config_dir, redis_url)
    assert result.returncode == 0, result.stderr
    assert stored_events(hub) == [("evt-5", "done")]
    with session_scope(hub.engine) as session:
        tickets = session.exec(select(Ticket)).all()
    assert [(t.remote_id, t.subject) for t in tickets] == [("9", "Refund please")]


def test_a_connection_without_a_signing_secret_refuses_deliveries(toy):
    client = create_app(toy).test_client()
    answer = client.post(f"/hooks/toy/{toy.toy_connection.id}", data=b'{"id": "evt-1"}')
    assert answer.status_code == 401 and "no webhook signing secret" in answer.json["error"]


def test_relay_requeues_a_job_a_dead_worker_had_taken(setup):
    """rq moves a job to its intermediate list as a worker takes it; a worker killed before it
    leased the event leaves the job there, still "queued", and nothing would ever run it."""
    from datetime import timedelta

    hub, client = setup
    deliver(client, hub, {"id": "evt-6", "ticket": 10})
    target = inbound.queue(hub)
    target.connection.lmove(target.key, target.intermediate_queue_key)  # taken, then the worker died
    assert target.job_ids == [] and stored_events(hub) == [("evt-6", "queued")]
    assert inbound.relay_events(hub, older_than=timedelta(0)) == 1
    assert target.job_ids == ["event-1"]


def test_a_signed_delivery_the_worker_could_not_process_is_refused_at_the_door(setup):
    """A number where the subject's text belongs used to be acknowledged (200) and then fail in
    the worker, where only the logs saw it; the vendor never retried."""
    hub, client = setup
    answer = deliver(client, hub, {"id": "evt-7", "ticket": 11, "subject": 12345})
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "the delivery could not be read: ticket.subject must be text, not int 12345"}
    assert stored_events(hub) == []


def test_a_signed_delivery_the_connector_cannot_read_is_a_400_not_a_500(setup):
    hub, client = setup
    answer = deliver(client, hub, {"ticket": 12})  # no event id: the toy connector's lookup fails
    assert answer.status_code == 400 and "a field it needs is missing (KeyError: 'id')" in answer.get_json()["error"]
    body = b'{"id": "evt-8", "ticket": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    headers = sign("s3cret", body, datetime.now(timezone.utc).isoformat())
    nested = client.post(f"/hooks/toy/{hub.toy_connection.id}", data=body, headers=headers)
    assert nested.status_code == 400 and nested.get_json()["error"].endswith("nested too deeply")
    assert stored_events(hub) == []


def test_a_polled_event_that_cannot_be_processed_is_reported_and_polled_again(toy, redis_url):
    from hub import polling
    from hub.errors import ConnectorError

    toy.settings.redis_url = redis_url
    toy.toy_vendor.things["2"] = {"id": 2, "name": "a number where the id's text belongs"}
    with pytest.raises(ConnectorError, match=r"1 polled event\(s\) cannot be processed: poll-2: ticket.remote_id"):
        polling.poll_connection(toy, toy.connector("toy"), toy.toy_connection)
    assert stored_events(toy) == [("poll-1", "queued")]  # the readable one is not held back
    with session_scope(toy.engine) as session:
        assert "poll_since" not in session.get(Connection, toy.toy_connection.id).settings  # the window again


def test_lost_tickets_counts_old_ticket_events_without_a_run_the_agent_did_not_decide(toy):
    from datetime import timedelta

    from hub.models import Run, utcnow

    old = utcnow() - timedelta(seconds=toy.settings.events.lost_after_seconds + 1)
    with session_scope(toy.engine) as session:
        ticket = Ticket(connection_id=toy.toy_connection.id, remote_id="with-run")
        session.add(ticket)
        session.flush()
        session.add(Run(ticket_id=ticket.id))
        for number, (remote, state, received) in enumerate([
            ("with-run", inbound.PROCESSING, old),   # a run exists: not lost
            ("decided", inbound.DONE, old),          # done without a run: the intent is off
            ("failed", inbound.FAILED, old),         # lost
            ("stuck", inbound.QUEUED, old),          # lost
            ("fresh", inbound.STORED, utcnow()),     # not old enough to worry about
        ]):
            session.add(InboundEvent(connection_id=toy.toy_connection.id, event_id=f"evt-{number}",
                                     kind=inbound.TICKET_CREATED, ticket_remote_id=remote, state=state,
                                     received_at=received))
        session.add(InboundEvent(connection_id=toy.toy_connection.id, event_id="evt-comment", kind="comment.added",
                                 ticket_remote_id="failed", state=inbound.FAILED, received_at=old))
    assert inbound.lost_tickets(toy) == 2


def test_an_event_workers_keep_dying_on_is_failed_after_max_attempts(toy, redis_url):
    from hub.models import utcnow

    toy.settings.redis_url = redis_url
    expired = utcnow()
    with session_scope(toy.engine) as session:
        for number, attempts in enumerate([toy.settings.events.max_attempts - 1, toy.settings.events.max_attempts]):
            session.add(InboundEvent(connection_id=toy.toy_connection.id, event_id=f"evt-{number}", kind="x",
                                     state=inbound.PROCESSING, lease_owner="dead", lease_until=expired,
                                     attempts=attempts))
    assert inbound.relay_events(toy) == 1  # the one with attempts left is queued again
    assert stored_events(toy) == [("evt-0", "queued"), ("evt-1", "failed")]
    with session_scope(toy.engine) as session:
        assert "workers stopped while processing it" in session.exec(
            select(InboundEvent).where(InboundEvent.event_id == "evt-1")).one().error
