"""Zendesk webhook deliveries: verify the signature and freshness, then normalise the event.

An event-subscribed webhook signs ``timestamp + raw body`` with its signing secret:
``X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret, ts + body))`` and sends the
timestamp in ``X-Zendesk-Webhook-Signature-Timestamp``. Nothing is fetched from Zendesk here:
the envelope's ``detail`` is the ticket as it stood when the event happened.
"""

from hub import payloads
from hub.errors import WebhookRejected
from hub.ingest import Event, NormalizedComment
from hub.signatures import hmac_sha256_base64, require_fresh, require_signature

from .normalize import hub_status, ticket_from_detail

SIGNATURE = "X-Zendesk-Webhook-Signature"
TIMESTAMP = "X-Zendesk-Webhook-Signature-Timestamp"
PREFIX = "zen:event-type:"

#: Zendesk ticket event type -> hub event kind; other ticket.* events are "ticket.updated".
KINDS = {"ticket.created": "ticket.created", "ticket.comment_added": "comment.added"}
REOPENED_FROM = ("solved", "closed")


def verify(request, secret, max_age_seconds):
    """Raise WebhookRejected (401) unless the delivery is signed with ``secret`` and fresh."""
    if not secret:
        raise WebhookRejected("no signing secret is stored for this connection; reconnect it to register the webhook")
    stamp = request.header(TIMESTAMP)
    if not stamp:
        raise WebhookRejected(f"missing {TIMESTAMP} header")
    expected = hmac_sha256_base64(secret, stamp.encode() + request.body)
    require_signature(request.header(SIGNATURE), expected, SIGNATURE)
    # After the signature, so a forgery is reported as one whatever its timestamp; the
    # timestamp is signed, so a replayed delivery cannot be freshened.
    require_fresh(stamp, max_age_seconds, now=request.received_at, header=TIMESTAMP)


def parse(body):
    """The envelope as a dict, or WebhookRejected(400) saying what is wrong with it."""
    envelope = payloads.json_object(body)
    for key in ("id", "type"):
        if not isinstance(envelope.get(key), str) or not envelope[key]:
            raise WebhookRejected(f"the event has no {key!r} string", status=400)
    if envelope["type"].startswith(PREFIX + "ticket.") and not isinstance(envelope.get("detail"), dict):
        raise WebhookRejected("a ticket event without a 'detail' object", status=400)
    return envelope


def events_from(envelope):
    """The hub events one Zendesk envelope stands for (none for events the hub ignores)."""
    zendesk_type = envelope["type"].removeprefix(PREFIX)
    if not zendesk_type.startswith("ticket."):
        return []  # user, organisation, … events: accepted, nothing for the agent to do
    if len(envelope["id"]) > payloads.MAX_ID_LENGTH:
        raise payloads.malformed(f"the event id is longer than {payloads.MAX_ID_LENGTH} characters")
    ticket = ticket_from_detail(envelope["detail"])
    change = payloads.mapping(envelope, "event", "the event")
    kind = KINDS.get(zendesk_type, "ticket.updated")
    if zendesk_type == "ticket.status_changed" and _reopened(change):
        kind = "ticket.reopened"
    comment = None
    if kind == "comment.added":
        comment = _comment(change, ticket.requester_remote_id)
    return [Event(
        event_id=envelope["id"],
        kind=kind,
        ticket=ticket,
        comment=comment,
        occurred_at=payloads.timestamp(envelope, "time", "the event"),
        raw=envelope,
    )]


def _reopened(change):
    previous, current = change.get("previous"), change.get("current")
    return (isinstance(previous, str) and hub_status(previous) in REOPENED_FROM
            and isinstance(current, str) and hub_status(current) not in REOPENED_FROM)


def _comment(change, requester_id):
    comment = change.get("comment")
    if not isinstance(comment, dict) or not isinstance(comment.get("body"), str):
        raise WebhookRejected("a comment_added event without event.comment.body", status=400)
    author = payloads.mapping(comment, "author", "event.comment")
    author_id = payloads.identifier(author, "id", "event.comment.author")
    return NormalizedComment(
        body=comment["body"],
        public=payloads.flag(comment, "is_public", "event.comment", default=True),
        remote_id=payloads.identifier(comment, "id", "event.comment"),
        author=payloads.optional_text(author, "name", "event.comment.author") or author_id,
        from_requester=author_id is not None and author_id == requester_id,
        raw=comment,
    )


def ingest(request, secret, max_age_seconds):
    verify(request, secret, max_age_seconds)
    return events_from(parse(request.body))
