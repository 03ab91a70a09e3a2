"""What connectors turn inbound vendor traffic into: normalised events.

The connector's ``ingest_webhook`` hook verifies the request and returns a list of
:class:`Event`; the core stores each under the vendor's own event id so a redelivery is
recognised, then queues it for the agent.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime

from .models import utcnow


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
