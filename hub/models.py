"""The normalised data model connectors map to and from.

Every vendor object keeps its ``remote_id`` (the vendor's own id, as a string) and the
``raw`` vendor payload it came from, so nothing the vendor said is lost in translation.
"""

import uuid
from datetime import datetime
from enum import Enum

from sqlalchemy import JSON, Column, DateTime, Text, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel

from .clock import utcnow  # noqa: F401  (hub.models.utcnow is what the rest of the hub imports)


def new_id():
    return uuid.uuid4().hex


def _json(default=dict):
    return Field(default_factory=default, sa_column=Column(JSON, nullable=False))


def _enum(enum, default):
    # Stored as plain strings: portable across SQLite and PostgreSQL, and adding a value later
    # needs no ALTER TYPE migration.
    return Field(default=default, sa_type=SAEnum(enum, native_enum=False, length=32,
                                                 values_callable=lambda e: [m.value for m in e]))


def _when(**kw):
    return Field(default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, **kw))


class TicketStatus(str, Enum):
    new = "new"
    open = "open"
    pending = "pending"  # waiting on the requester
    on_hold = "on_hold"  # waiting on a third party
    solved = "solved"
    closed = "closed"


class TicketPriority(str, Enum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class ConnectionStatus(str, Enum):
    pending = "pending"  # OAuth started, not finished
    connected = "connected"
    reconnect_needed = "reconnect_needed"
    disconnected = "disconnected"


class Connection(SQLModel, table=True):
    """One OAuth-connected vendor instance."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    connector: str = Field(index=True, max_length=40)
    instance: str = Field(max_length=255)
    api_base_url: str = Field(max_length=500)
    status: ConnectionStatus = _enum(ConnectionStatus, ConnectionStatus.pending)
    status_reason: str | None = Field(default=None, sa_column=Column(Text))
    granted_scopes: list = _json(list)
    #: The OAuth token JSON, encrypted at rest (hub.secrets); never stored in clear.
    token_ciphertext: str | None = Field(default=None, sa_column=Column(Text))
    #: Bumped on every token write so a rotated refresh token is never overwritten by a stale one.
    token_version: int = 0
    webhook_secret_ciphertext: str | None = Field(default=None, sa_column=Column(Text))
    #: For vendors that do not sign their pushes: the secret the webhook URL's path must carry
    #: (hub.connections.hook_token), encrypted at rest.
    hook_token_ciphertext: str | None = Field(default=None, sa_column=Column(Text))
    settings: dict = _json()
    created_at: datetime = _when()
    updated_at: datetime = _when()


class Account(SQLModel, table=True):
    """An organisation or company account at a vendor."""

    __table_args__ = (UniqueConstraint("connection_id", "remote_id"),)
    id: int | None = Field(default=None, primary_key=True)
    connection_id: str = Field(foreign_key="connection.id", index=True)
    remote_id: str = Field(max_length=255)
    name: str = ""
    domain: str | None = None
    raw: dict = _json()


class Contact(SQLModel, table=True):
    """A customer or end user: whoever raises tickets or places orders."""

    __table_args__ = (UniqueConstraint("connection_id", "remote_id"),)
    id: int | None = Field(default=None, primary_key=True)
    connection_id: str = Field(foreign_key="connection.id", index=True)
    remote_id: str = Field(max_length=255)
    name: str = ""
    email: str | None = Field(default=None, index=True, max_length=320)
    phone: str | None = None
    account_id: int | None = Field(default=None, foreign_key="account.id")
    raw: dict = _json()


class Team(SQLModel, table=True):
    """A group, queue or assignment group that tickets are routed to."""

    __table_args__ = (UniqueConstraint("connection_id", "remote_id"),)
    id: int | None = Field(default=None, primary_key=True)
    connection_id: str = Field(foreign_key="connection.id", index=True)
    remote_id: str = Field(max_length=255)
    name: str = ""
    raw: dict = _json()


class Ticket(SQLModel, table=True):
    """A ticket, incident or case."""

    __table_args__ = (UniqueConstraint("connection_id", "remote_id"),)
    id: int | None = Field(default=None, primary_key=True)
    connection_id: str = Field(foreign_key="connection.id", index=True)
    remote_id: str = Field(max_length=255)
    number: str | None = None  # the vendor's human-facing number (INC0010001, 00001026)
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    description: str = Field(default="", sa_column=Column(Text, nullable=False))
    status: TicketStatus = _enum(TicketStatus, TicketStatus.new)
    priority: TicketPriority = _enum(TicketPriority, TicketPriority.normal)
    channel: str = "web"
    language: str | None = Field(default=None, max_length=8)  # detected when the agent reads it
    requester_id: int | None = Field(default=None, foreign_key="contact.id")
    requester_email: str | None = Field(default=None, index=True, max_length=320)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    tags: list = _json(list)
    remote_created_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    remote_updated_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    raw: dict = _json()
    created_at: datetime = _when()
    updated_at: datetime = _when()


class Comment(SQLModel, table=True):
    """A public reply or an internal note on a ticket."""

    id: int | None = Field(default=None, primary_key=True)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    remote_id: str | None = Field(default=None, max_length=255)
    body: str = Field(default="", sa_column=Column(Text, nullable=False))
    public: bool = True
    author: str | None = None
    remote_created_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    raw: dict = _json()


class InboundEvent(SQLModel, table=True):
    """A vendor event as received, kept so a redelivery is recognised and nothing is lost."""

    __table_args__ = (UniqueConstraint("connection_id", "event_id"),)
    id: int | None = Field(default=None, primary_key=True)
    connection_id: str = Field(foreign_key="connection.id", index=True)
    event_id: str = Field(max_length=255)  # the vendor's own event id: the de-duplication key
    kind: str = Field(max_length=80)  # ticket.created, ticket.updated, comment.added …
    ticket_remote_id: str | None = Field(default=None, max_length=255)
    payload: dict = _json()  # the normalised event
    raw: str = Field(default="", sa_column=Column(Text, nullable=False))
    # stored, queued, processing, retrying, done, failed (hub.inbound: done only once what the
    # event causes, such as the ticket's run, is committed)
    state: str = Field(default="stored", index=True, max_length=20)
    received_at: datetime = _when()
    queued_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    # The worker processing the event holds it until lease_until; a killed worker's event is
    # queued again once that passes (hub.inbound.relay_events).
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    wake_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))  # retrying
    attempts: int = 0  # workers that took the event
    error: str | None = Field(default=None, sa_column=Column(Text))  # why it is retrying or failed


class AuditEntry(SQLModel, table=True):
    """One step in the append-only, keyed hash-chained audit log (see hub.audit)."""

    seq: int | None = Field(default=None, primary_key=True)
    at: datetime = _when()
    run_id: str | None = Field(default=None, index=True, max_length=64)
    ticket_id: int | None = Field(default=None, index=True)
    actor: str = Field(max_length=320)  # "agent", "system" or an operator's email
    kind: str = Field(max_length=80)
    data: dict = _json()
    prev_hash: str = Field(max_length=64)
    #: HMAC-SHA256 (hex) of the entry and ``prev_hash`` under the audit key ``key_id``.
    hash: str = Field(max_length=64, unique=True)
    #: Which audit key signed it (hub.audit_keys); None only on entries from before keying.
    key_id: str | None = Field(default=None, max_length=16)


class AuditHead(SQLModel, table=True):
    """The chain's latest sequence number and hash: one row, locked by every append."""

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(default="0" * 64, max_length=64)


class RunState(str, Enum):
    running = "running"
    waiting_customer = "waiting_customer"  # an ask node put a question on the ticket
    waiting_approval = "waiting_approval"  # an approval node or the approval rollout mode
    retrying = "retrying"  # the vendor was down or rate-limiting; a job is scheduled
    resolved = "resolved"
    escalated = "escalated"
    shadowed = "shadowed"  # shadow mode: decided and recorded, nothing done
    failed = "failed"


class Run(SQLModel, table=True):
    """One agent run over one ticket: where it is in its flow and what it knows."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    ticket_id: int = Field(foreign_key="ticket.id", index=True)
    flow: str | None = Field(default=None, max_length=80)
    intent: str | None = Field(default=None, max_length=80)
    confidence: float | None = None
    mode: str = Field(default="autonomous", max_length=20)  # off, shadow, approval, autonomous
    state: RunState = _enum(RunState, RunState.running)
    node: str | None = Field(default=None, max_length=80)  # the node to run next
    facts: dict = _json()  # everything gathered: entities, lookups, the verified identity
    steps: int = 0
    reason: str | None = Field(default=None, sa_column=Column(Text))  # why it escalated or failed
    #: The kind of reason, for counting: ``risk:legal``, ``third_party``, ``unsure``, ``flow`` …
    #: (hub.agent.reasons lists them).
    escalation: str | None = Field(default=None, max_length=60, index=True)
    # One worker at a time advances a run: it holds the lease until it stops or the lease runs
    # out (a killed worker), after which the relay schedules the run again.
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    wake_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), index=True))
    created_at: datetime = _when()
    updated_at: datetime = _when()
    finished_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class Effect(SQLModel, table=True):
    """The exactly-once ledger: one row per action a run takes, keyed by run and node.

    The row is committed as ``started`` before the vendor is called and ``done`` after, so a
    worker that dies in between leaves a trace the next attempt checks before acting again.
    """

    key: str = Field(primary_key=True, max_length=160)  # "<run id>:<node>"
    run_id: str = Field(foreign_key="run.id", index=True)
    tool: str = Field(max_length=120)
    arguments: dict = _json()
    state: str = Field(default="started", max_length=20)  # started, done, failed
    result: dict = _json()
    attempts: int = 0
    created_at: datetime = _when()
    done_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))


class Approval(SQLModel, table=True):
    """A proposed action waiting for a human: what, why (the facts) and how sure."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(foreign_key="run.id", index=True)
    node: str = Field(max_length=80)
    tool: str = Field(max_length=120)
    arguments: dict = _json()
    summary: str = Field(default="", sa_column=Column(Text, nullable=False))
    confidence: float | None = None
    state: str = Field(default="pending", index=True, max_length=20)  # pending, approved, rejected
    decided_by: str | None = Field(default=None, max_length=320)
    decided_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True)))
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = _when()
from . import accounts  # noqa: E402,F401  (operator and API token tables live beside their logic)
