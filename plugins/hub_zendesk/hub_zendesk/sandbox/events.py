"""Zendesk event-subscribed webhooks: the event envelope, its signature, and which events go out.

An event-subscribed webhook POSTs a fixed JSON envelope (``type`` = ``zen:event-type:...``,
``detail`` = the ticket with string ids, ``event`` = what changed) signed as
``base64(HMAC-SHA256(secret, timestamp + body))``.
"""

import base64
import datetime
import hashlib
import hmac
import json
import uuid

from .records import find, is_agent

EVENT_PREFIX = "zen:event-type:"
EVENT_VERSION = "2022-11-06"

#: The ticket change (records._apply's field name) behind each event type we send.
CHANGE_EVENTS = {
    "status": "ticket.status_changed",
    "priority": "ticket.priority_changed",
    "group_id": "ticket.group_assignment_changed",
    "assignee_id": "ticket.agent_assignment_changed",
    "tags": "ticket.tags_changed",
}


def timestamp(when=None):
    when = when or datetime.datetime.now(datetime.UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def signature(secret, stamp, body):
    digest = hmac.new(secret.encode(), stamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_headers(body, secret, when=None):
    stamp = timestamp(when)
    return {
        "X-Zendesk-Webhook-Signature": signature(secret, stamp, body),
        "X-Zendesk-Webhook-Signature-Timestamp": stamp,
    }


def _text(value):
    return None if value is None else str(value)


def _upper(value):
    return None if value is None else str(value).upper()


def ticket_detail(ticket, actor_id):
    """The envelope's ``detail``: Zendesk sends ids as strings and enums in capitals."""
    comments = ticket["comments"]
    return {
        "actor_id": _text(actor_id),
        "assignee_id": _text(ticket.get("assignee_id")),
        "brand_id": None,
        "created_at": ticket["created_at"],
        "custom_status": None,
        "description": comments[0]["body"] if comments else "",
        "external_id": ticket.get("external_id"),
        "form_id": None,
        "group_id": _text(ticket.get("group_id")),
        "id": str(ticket["id"]),
        "is_public": any(c["public"] for c in comments),
        "organization_id": None,
        "priority": _upper(ticket.get("priority")),
        "requester_id": _text(ticket["requester_id"]),
        "status": _upper(ticket["status"]),
        "subject": ticket["subject"],
        "submitter_id": _text(ticket.get("submitter_id", ticket["requester_id"])),
        "tags": list(ticket.get("tags", [])),
        "type": _upper(ticket.get("type")),
        "updated_at": ticket.get("updated_at", ticket["created_at"]),
        "via": {"channel": ticket.get("channel", "web")},
    }


def envelope(account_id, kind, ticket, actor_id, event=None, when=None):
    return {
        "type": EVENT_PREFIX + kind,
        "account_id": account_id,
        "id": str(uuid.uuid4()),
        "time": timestamp(when),
        "zendesk_event_version": EVENT_VERSION,
        "subject": f"zen:ticket:{ticket['id']}",
        "detail": ticket_detail(ticket, actor_id),
        "event": event or {},
    }


def comment_event(data, comment):
    author = find(data["users"], comment["author_id"]) or {}
    return {"comment": {
        "id": str(comment["id"]),
        "body": comment["body"],
        "is_public": comment["public"],
        "author": {"id": str(comment["author_id"]), "is_staff": is_agent(data, comment["author_id"]),
                   "name": author.get("name")},
    }}


def change_events(data, ticket, changes, actor_id):
    """Envelopes for one create or update (``changes`` from records) in the order Zendesk sends."""
    account_id = data["account"]["id"]
    out = []
    for name, previous, value in changes:
        if name == "comment":
            out.append(envelope(account_id, "ticket.comment_added", ticket, actor_id, comment_event(data, value)))
        elif name in CHANGE_EVENTS:
            if name == "tags":
                before, after = previous or [], value or []
                event = {"tags_added": [t for t in after if t not in before],
                         "tags_removed": [t for t in before if t not in after]}
            elif name in ("group_id", "assignee_id"):
                event = {"current": {"id": _text(value)} if value else None,
                         "previous": {"id": _text(previous)} if previous else None}
            else:
                event = {"current": _upper(value), "previous": _upper(previous)}
            out.append(envelope(account_id, CHANGE_EVENTS[name], ticket, actor_id, event))
    return out


def encode(body):
    return json.dumps(body, separators=(",", ":")).encode()
