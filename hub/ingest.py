"""What connectors turn inbound vendor traffic into: normalised events.

The connector's ``ingest_webhook`` hook verifies the request and returns a list of
:class:`Event`; the core checks each (:func:`check`: a delivery the worker could not process
is refused while the vendor can still hear it), stores it under the vendor's own event id so a
redelivery is recognised, then queues it for the agent.
"""

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime

from .models import TicketPriority, TicketStatus, utcnow


@dataclass(frozen=True)
class InboundRequest:
    """An inbound HTTP request exactly as received: signatures are over the raw bytes."""

    body: bytes
    headers: dict  # case-insensitive mapping (werkzeug Headers in the web app)
    query: dict = field(default_factory=dict)
    method: str = "POST"
    received_at: datetime = field(default_factory=utcnow)

    def header(self, name, default=None):
        return self.headers.get(name, default)


@dataclass
class NormalizedTicket:
    remote_id: str
    subject: str = ""
    description: str = ""
    status: str = "new"  # a hub.models.TicketStatus value
    priority: str = "normal"  # a hub.models.TicketPriority value
    channel: str = "web"
    number: str | None = None
    requester_email: str | None = None
    requester_name: str | None = None
    requester_remote_id: str | None = None
    tags: list = field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    raw: dict = field(default_factory=dict)


@dataclass
class NormalizedComment:
    body: str
    public: bool = True
    remote_id: str | None = None
    author: str | None = None
    #: True when the ticket's requester wrote it (the agent resumes runs waiting on an answer);
    #: None when the event does not say, and the connector's ``comment_by_requester`` decides.
    from_requester: bool | None = False
    created_at: datetime | None = None
    raw: dict = field(default_factory=dict)


@dataclass
class Event:
    """One vendor event: a ticket appeared or changed, or someone commented."""

    event_id: str  # the vendor's own id for this delivery's event: the de-duplication key
    kind: str  # "ticket.created", "ticket.updated", "comment.added", "ticket.reopened", …
    ticket: NormalizedTicket | None = None
    comment: NormalizedComment | None = None
    occurred_at: datetime | None = None
    raw: dict = field(default_factory=dict)

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, data):
        """The event back from its stored form (JSON: timestamps are ISO-8601 text there)."""
        ticket, comment = data.get("ticket"), data.get("comment")
        return cls(
            event_id=data["event_id"], kind=data["kind"],
            ticket=NormalizedTicket(**_with_times(ticket, NormalizedTicket)) if ticket else None,
            comment=NormalizedComment(**_with_times(comment, NormalizedComment)) if comment else None,
            occurred_at=_time(data.get("occurred_at")), raw=data.get("raw") or {},
        )


def _time(value):
    if isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


def _with_times(data, kind):
    known = {f.name for f in fields(kind)}
    return {key: _time(value) if key.endswith("_at") else value for key, value in data.items() if key in known}


# -- what the worker will need: checked before the delivery is acknowledged ------------------------

_TEXT, _OPTIONAL_TEXT, _OPTIONAL_TIME = (str,), (str, type(None)), (datetime, type(None))
_TICKET_TYPES = {
    "remote_id": _TEXT, "subject": _TEXT, "description": _TEXT, "status": _TEXT, "priority": _TEXT,
    "channel": _TEXT, "number": _OPTIONAL_TEXT, "requester_email": _OPTIONAL_TEXT,
    "requester_name": _OPTIONAL_TEXT, "requester_remote_id": _OPTIONAL_TEXT, "tags": (list,),
    "created_at": _OPTIONAL_TIME, "updated_at": _OPTIONAL_TIME, "raw": (dict,),
}
_COMMENT_TYPES = {
    "body": _TEXT, "public": (bool,), "remote_id": _OPTIONAL_TEXT, "author": _OPTIONAL_TEXT,
    "from_requester": (bool, type(None)), "created_at": _OPTIONAL_TIME, "raw": (dict,),
}
_STATUSES = {status.value for status in TicketStatus}
_PRIORITIES = {priority.value for priority in TicketPriority}


def check(event):
    """Raise ValueError naming the field when ``event`` is not what the hub can store and act on.

    Connectors build events from vendor payloads; a signed payload with a number where text
    belongs must be refused at the door (400), where the vendor sees it, not fail in a worker.
    """
    if not isinstance(event, Event):
        raise ValueError(f"the connector returned {type(event).__name__}, not a hub.ingest.Event")
    if not isinstance(event.event_id, str) or not event.event_id.strip():
        raise ValueError(f"the event id must be non-empty text, not {event.event_id!r}")
    if not isinstance(event.kind, str) or not event.kind:
        raise ValueError(f"the event kind must be non-empty text, not {event.kind!r}")
    _check_types("occurred_at", event.occurred_at, _OPTIONAL_TIME)
    if event.ticket is not None:
        _check_fields("ticket", event.ticket, NormalizedTicket, _TICKET_TYPES)
        if not event.ticket.remote_id.strip():
            raise ValueError("ticket.remote_id is empty: the event must name its ticket")
        if event.ticket.status not in _STATUSES:
            raise ValueError(f"ticket.status {event.ticket.status!r} is not one of {', '.join(sorted(_STATUSES))}")
        if event.ticket.priority not in _PRIORITIES:
            raise ValueError(f"ticket.priority {event.ticket.priority!r} is not one of {', '.join(sorted(_PRIORITIES))}")
        if not all(isinstance(tag, str) for tag in event.ticket.tags):
            raise ValueError("ticket.tags must be a list of text")
    if event.comment is not None:
        if event.ticket is None:
            raise ValueError("a comment event must name its ticket")
        _check_fields("comment", event.comment, NormalizedComment, _COMMENT_TYPES)


def _check_fields(name, value, kind, types):
    if not isinstance(value, kind):
        raise ValueError(f"{name} must be a {kind.__name__}, not {type(value).__name__}")
    for field_name, allowed in types.items():
        _check_types(f"{name}.{field_name}", getattr(value, field_name), allowed)


def _check_types(name, value, allowed):
    if not isinstance(value, allowed):
        wanted = " or ".join("none" if t is type(None) else {"str": "text"}.get(t.__name__, t.__name__)
                             for t in allowed)
        raise ValueError(f"{name} must be {wanted}, not {type(value).__name__} {_short(value)}")


def _short(value):
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
