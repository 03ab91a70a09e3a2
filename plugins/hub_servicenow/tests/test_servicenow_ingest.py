"""Inbound events: the signed business-rule POST and polling, through the connected hub."""

import json
import time
from datetime import datetime, timedelta, timezone

import pytest
from hub_servicenow import ingest

from hub import connections
from hub.errors import WebhookRejected

pytestmark = pytest.mark.usefixtures("fresh")

INC1 = "9d385017c611228701d22104cc950101"
INC2 = "9d385017c611228701d22104cc950102"


@pytest.fixture
def hooks(harness, connection):
    harness.point_webhooks_at(connection)
    return harness


def sample(harness, **request):
    body, headers = harness.sample_webhook(**request)
    return body, headers


def rejected(harness, connection, body, headers):
    with pytest.raises(WebhookRejected) as caught:
        harness.ingest(connection, body, headers)
    return caught.value


def test_connecting_configures_the_sandbox_business_rule(harness, connection):
    target = harness.control("GET", "webhooks")
    assert target == {"url": harness.hub.webhook_url(connection), "secret_set": True}
    assert connections.webhook_secret(harness.hub, harness.reload(connection))


def test_created_incident_is_normalised(hooks, connection):
    body, headers = sample(hooks, kind="ticket.created", ticket_id="INC0010001")
    event, = hooks.ingest(connection, body, headers)
    assert (event.kind, event.event_id) == ("ticket.created", f"{INC1}:0")
    ticket = event.ticket
    assert (ticket.remote_id, ticket.number, ticket.status, ticket.priority, ticket.channel) == (
        INC1, "INC0010001", "new", "normal", "email")
    assert (ticket.requester_email, ticket.requester_name) == ("ada@example.com", "Ada Lovelace")
    assert ticket.created_at == datetime(2026, 11, 20, 8, 15, tzinfo=timezone.utc)


def test_caller_comment_is_from_the_requester(hooks, connection):
    event, = hooks.ingest(connection, *sample(hooks, kind="comment.added", ticket_id=INC2))
    assert event.kind == "comment.added" and event.event_id == f"{INC2}:2"
    assert event.comment.public and event.comment.from_requester
    assert event.comment.body == "I still cannot log in to the VPN from my new phone either."
    assert event.comment.author == "Ada Lovelace"


def test_forged_unsigned_stale_and_secretless_deliveries_are_401(hooks, connection):
    body, headers = sample(hooks, kind="ticket.created")
    forged = dict(headers, **{"X-SN-Signature": "c2lnbmF0dXJl"})
    assert rejected(hooks, connection, body, forged).status == 401
    unsigned = {k: v for k, v in headers.items() if k != "X-SN-Signature"}
    assert "missing X-SN-Signature" in rejected(hooks, connection, body, unsigned).reason
    untimed = {k: v for k, v in headers.items() if k != "X-SN-Timestamp"}
    assert rejected(hooks, connection, body, untimed).status == 401
    stale_body, stale_headers = sample(hooks, kind="ticket.created", age_seconds=3600)
    assert "replay" in rejected(hooks, connection, stale_body, stale_headers).reason
    other_body = body.replace(b'"state":"1"', b'"state":"6"')
    assert rejected(hooks, connection, other_body, headers).status == 401
    with pytest.raises(WebhookRejected, match="no signing secret"):
        ingest.events_from_webhook(_request(body, headers), None, 300)


def _request(body, headers):
    from werkzeug.datastructures import Headers

    from hub.ingest import InboundRequest

    return InboundRequest(body=body, headers=Headers(headers))


@pytest.mark.parametrize("body, reason", [
    (b"{not json", "not JSON"),
    (b"[]", "JSON object"),
    (json.dumps({"event": "insert", "table": "incident"}).encode(), "sys_id"),
    (json.dumps({"event": "insert", "table": "problem", "sys_id": "a", "number": "PRB1", "state": "1",
                 "sys_updated_on": "2026-11-26 10:00:00", "sys_mod_count": "0"}).encode(), "problem"),
    (json.dumps({"event": "delete", "table": "incident", "sys_id": "a", "number": "INC1", "state": "1",
                 "sys_updated_on": "2026-11-26 10:00:00", "sys_mod_count": "0"}).encode(), "delete"),
    (json.dumps({"event": "update", "table": "incident", "sys_id": "a", "number": "INC1", "state": "1",
                 "sys_updated_on": "yesterday", "sys_mod_count": "3"}).encode(), "sys_updated_on"),
])
def test_malformed_but_signed_bodies_are_400(hooks, connection, body, reason):
    error = rejected(hooks, connection, body, hooks.sign(body))
    assert error.status == 400 and reason in error.reason


def test_tool_write_reaches_the_hub_through_the_business_rule(hooks, connection):
    seen = len(hooks.deliveries)
    hooks.call("servicenow.comment", connection, {"incident": "INC0010001", "text": "Try IPSec, please."})
    assert hooks.sandbox.webhooks.wait_until_idle(timeout=10)
    delivered = [d for d in hooks.deliveries[seen:] if d[0] == connection.id]
    assert [d[1] for d in delivered] == [200]
    event, = delivered[0][2]
    assert event.kind == "comment.added" and event.event_id == f"{INC1}:1"
    assert event.comment.body == "Try IPSec, please." and not event.comment.from_requester


def test_poll_reads_changes_since_with_the_push_event_ids(harness, connection):
    session = harness.hub.session(connection)
    everything = harness.hub.hook(harness.connector.name, "ingest_poll")(connector=harness.connector, connection=connection,
                                                  session=session, since=None)
    assert len(everything) == 7  # the first poll skips closed incidents (INC0010005)
    assert "INC0010005" not in {e.ticket.number for e in everything}
    updated = [e.ticket.updated_at for e in everything]
    assert updated == sorted(updated)
    assert everything[-1].ticket.number == "INC0010008" and everything[-1].kind == "ticket.created"

    since = datetime.now(timezone.utc) - timedelta(seconds=1)
    assert harness.hub.hook(harness.connector.name, "ingest_poll")(connector=harness.connector, connection=connection,
                                           session=session, since=since + timedelta(seconds=2)) == []
    harness.call("servicenow.set_state", connection, {"incident": INC2, "state": "in_progress"})  # unchanged: no write
    harness.call("servicenow.work_note", connection, {"incident": INC2, "text": "Polled change."})
    changed = harness.hub.hook(harness.connector.name, "ingest_poll")(connector=harness.connector, connection=connection,
                                              session=session, since=since)
    assert [(e.kind, e.event_id) for e in changed] == [("ticket.updated", f"{INC2}:3")]
    assert changed[0].ticket.requester_email == "ada@example.com"
    assert changed[0].ticket.updated_at >= since.replace(microsecond=0)


def test_status_mapping():
    assert [ingest.status(s) for s in ("1", "2", "3", "6", "7", "8", "99")] == [
        "new", "open", "on_hold", "solved", "closed", "closed", "open"]
    assert ingest.status("3", "1") == "pending"  # On Hold, Awaiting Caller
    assert [ingest.priority(p) for p in ("1", "2", "3", "4", "5", "")] == [
        "urgent", "high", "normal", "low", "low", "normal"]


def test_fire_is_delivered_and_accepted(hooks, connection):
    seen = len(hooks.deliveries)
    hooks.control("POST", "webhooks/fire", {"kind": "comment.added", "ticket_id": "INC0010002"})
    deadline = time.time() + 10
    while len(hooks.deliveries) == seen and time.time() < deadline:
        time.sleep(0.05)
    assert hooks.deliveries[seen][1] == 200
