"""Zendesk's ticket vocabulary mapped onto the hub's (status, priority, ids as strings)."""

from hub import payloads
from hub.ingest import NormalizedTicket
from hub.models import TicketPriority, TicketStatus

STATUS = {
    "new": TicketStatus.new,
    "open": TicketStatus.open,
    "pending": TicketStatus.pending,
    "hold": TicketStatus.on_hold,
    "solved": TicketStatus.solved,
    "closed": TicketStatus.closed,
    # Event payloads also report tickets that are gone; for the hub they are finished.
    "deleted": TicketStatus.closed,
    "archived": TicketStatus.closed,
    "scrubbed": TicketStatus.closed,
}
#: The hub's status names Zendesk spells differently.
TO_ZENDESK_STATUS = {"on_hold": "hold"}


def hub_status(value):
    """Zendesk status (any case: the event API capitalises) -> hub TicketStatus value."""
    if value is None:
        return TicketStatus.new.value
    # Custom statuses always sit in one of the six categories; an unknown word is a live ticket.
    return STATUS.get(str(value).lower(), TicketStatus.open).value


def hub_priority(value):
    try:
        return TicketPriority(str(value).lower()).value
    except ValueError:
        return TicketPriority.normal.value


def _id(value):
    return None if value is None else str(value)


def ticket_summary(ticket):
    """A small JSON dict of an API ticket for tool results."""
    return {
        "id": _id(ticket["id"]),
        "subject": ticket.get("subject") or "",
        "description": ticket.get("description") or "",
        "status": hub_status(ticket.get("status")),
        "priority": hub_priority(ticket.get("priority")),
        "type": ticket.get("type"),
        "requester_id": _id(ticket.get("requester_id")),
        "assignee_id": _id(ticket.get("assignee_id")),
        "group_id": _id(ticket.get("group_id")),
        "tags": list(ticket.get("tags") or []),
        "channel": (ticket.get("via") or {}).get("channel"),
        "created_at": ticket.get("created_at"),
        "updated_at": ticket.get("updated_at"),
    }


def comment_summary(comment):
    return {
        "id": _id(comment["id"]),
        "author_id": _id(comment.get("author_id")),
        "body": comment.get("plain_body") or comment.get("body") or "",
        "public": bool(comment.get("public")),
        "created_at": comment.get("created_at"),
    }


def user_summary(user):
    return {
        "id": _id(user["id"]),
        "name": user.get("name"),
        "email": user.get("email"),
        "verified": bool(user.get("verified")),
        "role": user.get("role"),
        "phone": user.get("phone"),
        "organization_id": _id(user.get("organization_id")),
    }


def ticket_from_detail(detail):
    """A NormalizedTicket from a webhook envelope's ``detail`` (ids arrive as strings).

    Each field is type-checked (hub.payloads): an ill-typed one is a 400 naming it.
    """
    ticket_id = payloads.identifier(detail, "id", "detail", required=True)
    return NormalizedTicket(
        remote_id=ticket_id,
        number=ticket_id,
        subject=payloads.text(detail, "subject", "detail"),
        description=payloads.text(detail, "description", "detail"),
        status=hub_status(payloads.optional_text(detail, "status", "detail")),
        priority=hub_priority(payloads.optional_text(detail, "priority", "detail")),
        channel=payloads.text(payloads.mapping(detail, "via", "detail"), "channel", "detail.via", "web").lower() or "web",
        requester_remote_id=payloads.identifier(detail, "requester_id", "detail"),
        tags=payloads.text_list(detail, "tags", "detail"),
        created_at=payloads.timestamp(detail, "created_at", "detail"),
        updated_at=payloads.timestamp(detail, "updated_at", "detail"),
        raw=detail,
    )
