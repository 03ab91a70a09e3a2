"""The demo's backlog: load ``backlog.yaml`` and file each ticket through its helpdesk's own API.

Filing through the vendor API (not by posting to the hub) is the point: the sandbox then fires
its own signed webhook at the hub, exactly as the real helpdesk would.
"""

import importlib.resources
import itertools
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..config import load_yaml, validate
from ..connectors import NAME_PATTERN
from ..errors import ConfigError, HubError
from ..sandbox.driver import TicketRefused, drivers, installed_drivers

DEFAULT_BACKLOG = importlib.resources.files(__package__) / "backlog.yaml"


class DemoError(HubError):
    """Something the demo needs did not start or did not behave; the message says what."""


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flow: str | None = None  # None: whichever flow hands the ticket over
    outcome: Literal["resolved", "escalated", "waiting_approval", "waiting_customer"]


class BacklogTicket(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: The connector whose helpdesk sandbox files it (its driver's ``file_ticket``).
    vendor: str = Field(pattern=NAME_PATTERN.pattern)
    requester: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    subject: str = Field(min_length=1)
    body: str = Field(min_length=1)
    expect: Expectation


class Backlog(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tickets: list[BacklogTicket] = Field(min_length=1)


def load(path=None):
    """The backlog file, validated; a bad one raises ConfigError naming the file and key."""
    path = path or DEFAULT_BACKLOG
    tickets = validate(Backlog, load_yaml(path), path).tickets
    helpdesks = ticket_vendors()
    for number, ticket in enumerate(tickets):
        if ticket.vendor not in helpdesks:
            raise ConfigError(path, f"tickets.{number}.vendor",
                              f"{ticket.vendor!r} is not an installed helpdesk with a sandbox "
                              f"(one of {', '.join(sorted(helpdesks)) or 'none'})")
    return tickets


def ticket_vendors():
    """The installed connectors whose sandbox drivers file tickets."""
    return {name for name, driver in installed_drivers().items() if driver.helpdesk}


def sample(tickets, limit=None):
    """Up to ``limit`` tickets, taken round-robin across expected flows and outcomes, so a
    short demo still shows every kind of ending."""
    if limit is None or limit >= len(tickets):
        return list(tickets)
    groups = {}
    for ticket in tickets:
        groups.setdefault((ticket.expect.flow, ticket.expect.outcome), []).append(ticket)
    interleaved = [t for row in itertools.zip_longest(*groups.values()) for t in row if t is not None]
    return interleaved[:limit]


@dataclass
class Filed:
    """A ticket the demo filed: where it lives at the vendor, and what it was meant to show."""

    ticket: BacklogTicket
    connection_id: str
    remote_id: str


class Filer:
    """Files backlog tickets with the hub's own authorised sessions (the demo's admin)."""

    def __init__(self, hub, connections):
        self.hub, self.connections = hub, connections
        self.drivers = drivers(hub.registry)
        self._sessions = {}

    def session(self, vendor):
        if vendor not in self.connections:
            raise DemoError(f"the backlog has a {vendor} ticket but no {vendor} connection is up "
                            f"(is its plugin installed? connected: {', '.join(sorted(self.connections)) or 'none'})")
        if vendor not in self._sessions:
            self._sessions[vendor] = self.hub.session(self.connections[vendor])
        return self._sessions[vendor]

    def file(self, ticket):
        session = self.session(ticket.vendor)
        try:
            remote_id = self.drivers[ticket.vendor].file_ticket(session, ticket.requester, ticket.subject, ticket.body)
        except TicketRefused as error:
            raise DemoError(f"backlog: {error}") from None
        return Filed(ticket, self.connections[ticket.vendor].id, str(remote_id))
