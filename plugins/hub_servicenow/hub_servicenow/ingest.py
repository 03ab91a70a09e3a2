"""Inbound ServiceNow events: the signed business-rule POST, and polling the Table API.

Signature convention (ours; ServiceNow has none natively, see README):
``X-SN-Signature = base64(HMAC-SHA256(secret, X-SN-Timestamp + "." + raw body))`` with
X-SN-Timestamp in epoch milliseconds. Both ways an incident change becomes an Event whose id is
``sys_id:sys_mod_count``, so the same change pushed and polled is stored once.
"""

from hub import payloads
from hub.errors import WebhookRejected
from hub.ingest import Event, NormalizedComment, NormalizedTicket
from hub.models import TicketPriority, TicketStatus
from hub.signatures import hmac_sha256_base64, require_fresh, require_signature

from . import table

SIGNATURE = "X-SN-Signature"
TIMESTAMP = "X-SN-Timestamp"

# Baseline incident states; On Hold splits by reason: waiting on the caller is "pending".
STATES = {"1": TicketStatus.new, "2": TicketStatus.open, "3": TicketStatus.on_hold, "6": TicketStatus.solved,
          "7": TicketStatus.closed, "8": TicketStatus.closed}
AWAITING_CALLER = "1"
PRIORITIES = {"1": TicketPriority.urgent, "2": TicketPriority.high, "3": TicketPriority.normal,
              "4": TicketPriority.low, "5": TicketPriority.low}
CHANNELS = {"email": "email", "phone": "phone", "chat": "chat", "virtual_agent": "chat", "self-service": "web"}

REQUIRED = ("event", "table", "sys_id", "number", "state", "sys_updated_on", "sys_mod_count")
#: Fields the business rule may leave out; text when present.
OPTIONAL = ("hold_reason", "priority", "short_description", "description", "contact_type", "caller_name",
            "sys_created_on")
IDS = ("sys_id", "number", "sys_mod_count", "caller_id")
COMMENT_OPTIONAL = ("author_name", "created_on")
COMMENT_IDS = ("sys_id", "author_sys_id")
#: What the poller reads: the business rule's fields, the caller dot-walked in the same request.
POLL_FIELDS = ("sys_id", "number", "state", "hold_reason", "priority", "short_description", "description",
               "contact_type", "caller_id", "caller_id.email", "caller_id.name", "sys_created_on",
               "sys_updated_on", "sys_mod_count")


def status(state, hold_reason=""):
    if state == "3" and hold_reason == AWAITING_CALLER:
        return TicketStatus.pending.value
    return STATES.get(state, TicketStatus.open).value


def priority(value):
    return PRIORITIES.get(value, TicketPriority.normal).value


def ticket(fields):
    """A NormalizedTicket from business-rule fields (the poller reads the same names)."""
    return NormalizedTicket(
        remote_id=fields["sys_id"],
        number=fields.get("number") or None,
        subject=fields.get("short_description") or "",
        description=fields.get("description") or "",
        status=status(fields.get("state") or "", fields.get("hold_reason") or ""),
        priority=priority(fields.get("priority") or ""),
        channel=CHANNELS.get(fields.get("contact_type") or "", "web"),
        requester_email=fields.get("caller_email") or None,
        requester_name=fields.get("caller_name") or None,
        requester_remote_id=fields.get("caller_id") or None,
        created_at=table.parse_time(fields.get("sys_created_on")),
        updated_at=table.parse_time(fields.get("sys_updated_on")),
        raw=dict(fields),
    )


def verify(request, secret, max_age_seconds):
    """Raise WebhookRejected (401) unless the request carries our fresh, valid signature."""
    if not secret:
        raise WebhookRejected("no signing secret is configured for this connection")
    timestamp = request.header(TIMESTAMP)
    if not timestamp:
        raise WebhookRejected(f"missing {TIMESTAMP} header")
    expected = hmac_sha256_base64(secret, timestamp.encode() + b"." + request.body)
    require_signature(request.header(SIGNATURE), expected, SIGNATURE)
    require_fresh(timestamp, max_age_seconds, now=request.received_at, header=TIMESTAMP)


def parse(body):
    """The business rule's JSON, checked; WebhookRejected(400) says what is wrong."""
    payload = payloads.json_object(body)
    missing = [key for key in REQUIRED if not isinstance(payload.get(key), str) or not payload[key]]
    if missing:
        raise WebhookRejected(f"missing or non-string field(s): {', '.join(missing)}", status=400)
    if payload["table"] != "incident":
        raise WebhookRejected(f"table {payload['table']!r} is not one the hub handles (incident)", status=400)
    if payload["event"] not in ("insert", "update"):
        raise WebhookRejected(f"event must be 'insert' or 'update', not {payload['event']!r}", status=400)
    if table.parse_time(payload["sys_updated_on"]) is None:
        raise WebhookRejected("sys_updated_on must be 'YYYY-MM-DD HH:MM:SS'", status=400)
    for key in OPTIONAL:
        payloads.text(payload, key, "the incident")
    for key in IDS:
        payloads.identifier(payload, key, "the incident", numbers=False)
    payloads.email(payload, "caller_email", "the incident")
    comment = payload.get("comment")
    if comment is not None and (not isinstance(comment, dict) or not isinstance(comment.get("value"), str)):
        raise WebhookRejected("comment must be an object with a string 'value'", status=400)
    for key in COMMENT_OPTIONAL if comment else ():
        payloads.text(comment, key, "comment")
    for key in COMMENT_IDS if comment else ():
        payloads.identifier(comment, key, "comment", numbers=False)
    return payload


def events_from_webhook(request, secret, max_age_seconds):
    verify(request, secret, max_age_seconds)
    return [event(parse(request.body))]


def event(payload):
    normalized = ticket(payload)
    event_id = f"{payload['sys_id']}:{payload['sys_mod_count']}"
    comment = payload.get("comment")
    if comment:
        author_id = comment.get("author_sys_id") or None
        return Event(
            event_id=event_id, kind="comment.added", ticket=normalized,
            comment=NormalizedComment(
                body=comment["value"], public=True, remote_id=comment.get("sys_id") or None,
                author=comment.get("author_name") or None,
                from_requester=bool(author_id) and author_id == payload.get("caller_id"),
                created_at=table.parse_time(comment.get("created_on")),
                raw=dict(comment),
            ),
            occurred_at=normalized.updated_at, raw=payload,
        )
    kind = "ticket.created" if payload["event"] == "insert" else "ticket.updated"
    return Event(event_id=event_id, kind=kind, ticket=normalized, occurred_at=normalized.updated_at, raw=payload)


def poll(session, since):
    """Incidents created or changed at or after ``since``, oldest change first. The first poll
    (``since`` None) reads the active incidents only, not the instance's closed history."""
    condition = f"sys_updated_on>={table.format_time(since)}^" if since else "active=true^"
    rows, _ = table.query(session, "incident", condition + "ORDERBYsys_updated_on", POLL_FIELDS)
    events = []
    for row in rows:
        fields = {key: table.value(value) for key, value in row.items()}
        fields["caller_email"] = fields.pop("caller_id.email", "")
        fields["caller_name"] = fields.pop("caller_id.name", "")
        fields["event"] = "insert" if fields.get("sys_mod_count") == "0" else "update"
        events.append(event(fields))
    return events
