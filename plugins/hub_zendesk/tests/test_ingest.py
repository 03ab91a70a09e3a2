"""Webhook verification and normalisation: signed deliveries in, hub events out."""

import base64
import datetime
import hashlib
import hmac
import json

import pytest
from hub.errors import WebhookRejected
from hub.ingest import InboundRequest
from werkzeug.datastructures import Headers

from hub_zendesk.ingest import ingest

SECRET = "dGhpc19zZWNyZXRfaXNfZm9yX3Rlc3Rpbmdfb25seQ=="  # Zendesk's documented test secret


def stamp(seconds_ago=0):
    when = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=seconds_ago)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def delivery(envelope, secret=SECRET, seconds_ago=0, raw=None):
    """A request signed as Zendesk documents it: base64(HMAC-SHA256(secret, timestamp + body))."""
    body = raw if raw is not None else json.dumps(envelope).encode()
    timestamp = stamp(seconds_ago)
    signature = base64.b64encode(hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest())
    return InboundRequest(body=body, headers=Headers({
        "Content-Type": "application/json",
        "X-Zendesk-Webhook-Signature": signature.decode(),
        "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
    }))


def envelope(kind="ticket.created", event=None, **detail):
    return {
        "type": f"zen:event-type:{kind}",
        "account_id": 88888888,
        "id": "01HNGRQ3KX9ZEB8VJ0Q1W7T2AC",
        "time": "2026-11-26T10:00:00Z",
        "zendesk_event_version": "2022-11-06",
        "subject": "zen:ticket:104",
        "detail": {"id": "104", "subject": "Password reset link has expired", "status": "NEW",
                   "priority": "HIGH", "requester_id": "372000001004", "tags": ["password_reset"],
                   "via": {"channel": "email"}, "created_at": "2026-11-22T07:55:00Z", **detail},
        "event": event or {},
    }


def rejected(request, secret=SECRET, max_age=300):
    with pytest.raises(WebhookRejected) as caught:
        ingest(request, secret, max_age)
    return caught.value


def test_ticket_created_is_normalised():
    [event] = ingest(delivery(envelope()), SECRET, 300)
    assert (event.event_id, event.kind) == ("01HNGRQ3KX9ZEB8VJ0Q1W7T2AC", "ticket.created")
    ticket = event.ticket
    assert (ticket.remote_id, ticket.status, ticket.priority, ticket.channel) == ("104", "new", "high", "email")
    assert ticket.requester_remote_id == "372000001004"
    assert ticket.created_at == datetime.datetime(2026, 11, 22, 7, 55, tzinfo=datetime.UTC)
    assert event.occurred_at.isoformat() == "2026-11-26T10:00:00+00:00"


def test_comment_from_the_requester():
    comment = {"comment": {"id": "9100000030", "body": "Still can't sign in", "is_public": True,
                           "author": {"id": "372000001004", "is_staff": False, "name": "Liam O'Brien"}}}
    [event] = ingest(delivery(envelope("ticket.comment_added", comment)), SECRET, 300)
    assert event.kind == "comment.added"
    assert (event.comment.body, event.comment.public, event.comment.from_requester) == ("Still can't sign in", True, True)
    assert event.comment.author == "Liam O'Brien"


def test_agent_note_is_not_from_the_requester():
    note = {"comment": {"id": "1", "body": "checked", "is_public": False,
                        "author": {"id": "372000000101", "is_staff": True, "name": "Priya Natarajan"}}}
    [event] = ingest(delivery(envelope("ticket.comment_added", note)), SECRET, 300)
    assert (event.comment.public, event.comment.from_requester) == (False, False)


def test_solved_to_open_is_a_reopening():
    [event] = ingest(delivery(envelope("ticket.status_changed", {"current": "OPEN", "previous": "SOLVED"},
                                       status="OPEN")), SECRET, 300)
    assert (event.kind, event.ticket.status) == ("ticket.reopened", "open")
    [event] = ingest(delivery(envelope("ticket.status_changed", {"current": "HOLD", "previous": "OPEN"},
                                       status="HOLD")), SECRET, 300)
    assert (event.kind, event.ticket.status) == ("ticket.updated", "on_hold")


def test_nanosecond_event_time_and_deleted_ticket():
    payload = dict(envelope("ticket.status_changed", {"current": "DELETED", "previous": "OPEN"}, status="DELETED"),
                   time="2025-01-08T14:25:30.123456789Z")
    [event] = ingest(delivery(payload), SECRET, 300)
    assert event.ticket.status == "closed"
    assert event.occurred_at == datetime.datetime(2025, 1, 8, 14, 25, 30, 123456, tzinfo=datetime.UTC)


def test_events_about_other_things_are_accepted_and_ignored():
    user_event = {"type": "zen:event-type:user.created", "id": "01HN00000000000000000000US",
                  "detail": {"id": "372000009999"}, "event": {}}
    assert ingest(delivery(user_event), SECRET, 300) == []


def test_forged_signature_is_401():
    error = rejected(delivery(envelope(), secret="someone-elses-secret"))
    assert error.status == 401 and "does not match" in error.reason


def test_tampered_body_is_401():
    request = delivery(envelope())
    tampered = InboundRequest(body=request.body.replace(b'"NEW"', b'"SOLVED"'), headers=request.headers)
    assert rejected(tampered).status == 401


@pytest.mark.parametrize("header", ["X-Zendesk-Webhook-Signature", "X-Zendesk-Webhook-Signature-Timestamp"])
def test_missing_signature_header_is_401(header):
    request = delivery(envelope())
    headers = Headers(request.headers)
    del headers[header]
    error = rejected(InboundRequest(body=request.body, headers=headers))
    assert error.status == 401 and header in error.reason


def test_no_stored_secret_is_401():
    error = rejected(delivery(envelope()), secret=None)
    assert error.status == 401 and "reconnect" in error.reason


@pytest.mark.parametrize("seconds_ago", [301, -301])
def test_stale_or_future_timestamp_is_401(seconds_ago):
    error = rejected(delivery(envelope(), seconds_ago=seconds_ago), max_age=300)
    assert error.status == 401 and "replay" in error.reason


@pytest.mark.parametrize("raw, reason", [
    (b'{"type": "zen:event-type:ticket.created", "id": ', "not JSON"),
    (b"[1, 2]", "not a JSON object"),
    (b'{"type": "zen:event-type:ticket.created", "detail": {"id": "1"}}', "'id'"),
    (b'{"type": "zen:event-type:ticket.created", "id": "x"}', "detail"),
    (b'{"type": "zen:event-type:ticket.comment_added", "id": "x", "detail": {"id": "1"}, "event": {}}', "comment"),
    (b"\xff\xfe", "not JSON"),
])
def test_malformed_body_correctly_signed_is_400(raw, reason):
    error = rejected(delivery(None, raw=raw))
    assert error.status == 400 and reason in error.reason


def test_sandbox_delivery_reaches_the_hub_and_is_accepted(harness, connection):
    """A real reply at the sandbox makes it send ticket.comment_added to the hub's webhook URL,
    signed with the secret the connector obtained when it subscribed."""
    seen = len(harness.deliveries)
    harness.call("zendesk.add_note", connection, {"ticket_id": "109", "body": "Battery replacement ordered."})
    assert harness.sandbox.webhooks.wait_until_idle(timeout=10)
    answered = harness.deliveries[seen:]
    assert answered and all(status == 200 for _, status, _ in answered), answered
    events = [event for _, _, events in answered for event in events]
    assert [(e.kind, e.ticket.remote_id, e.comment.body, e.comment.public) for e in events] == [
        ("comment.added", "109", "Battery replacement ordered.", False)]
