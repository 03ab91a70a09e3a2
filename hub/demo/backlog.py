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
from ..errors import HubError

DEFAULT_BACKLOG = importlib.resources.files(__package__) / "backlog.yaml"
TICKET_VENDORS = ("zendesk", "servicenow", "salesforce")


class DemoError(HubError):
    """Something the demo needs did not start or did not behave; the message says what."""


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    flow: str | None = None  # None: whichever flow hands the ticket over
    outcome: Literal["resolved", "escalated", "waiting_approval", "waiting_customer"]


class BacklogTicket(BaseModel):
    model_config = ConfigDict(extra="forbid")
    vendor: Literal[TICKET_VENDORS]
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
    return validate(Backlog, load_yaml(path), path).tickets


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
        self._sessions = {}

    def session(self, vendor):
        if vendor not in self.connections:
            raise DemoError(f"the backlog has a {vendor} ticket but no {vendor} connection is up "
                            f"(is its plugin installed? connected: {', '.join(sorted(self.connections)) or 'none'})")
        if vendor not in self._sessions:
            self._sessions[vendor] = self.hub.session(self.connections[vendor])
        return self._sessions[vendor]

    def file(self, ticket):
        remote_id = getattr(self, f"_{ticket.vendor}")(self.session(ticket.vendor), ticket)
        return Filed(ticket, self.connections[ticket.vendor].id, str(remote_id))

    @staticmethod
    def _zendesk(session, ticket):
        answer = session.post("tickets.json", json={"ticket": {
            "subject": ticket.subject, "comment": {"body": ticket.body},
            "requester": {"email": ticket.requester}}})
        return answer.json()["ticket"]["id"]

    @staticmethod
    def _servicenow(session, ticket):
        found = session.get("api/now/table/sys_user", params={
            "sysparm_query": f"email={ticket.requester}", "sysparm_fields": "sys_id", "sysparm_limit": 1,
        }).json()["result"]
        if not found:
            raise DemoError(f"backlog: {ticket.requester} is not a ServiceNow user, so cannot raise an incident")
        answer = session.post("api/now/table/incident", json={
            "caller_id": found[0]["sys_id"], "short_description": ticket.subject,
            "description": ticket.body, "contact_type": "self-service"})
        return answer.json()["result"]["sys_id"]

    @staticmethod
    def _salesforce(session, ticket):
        email = ticket.requester.replace("\\", "\\\\").replace("'", "\\'")
        found = session.get("query", params={"q": f"SELECT Id FROM Contact WHERE Email = '{email}'"}).json()
        case = {"Subject": ticket.subject, "Description": ticket.body, "Origin": "Web"}
        if found.get("records"):
            case["ContactId"] = found["records"][0]["Id"]
        else:  # web-to-case from someone the org does not know
            case["SuppliedEmail"] = ticket.requester
        return session.post("sobjects/Case", json=case).json()["id"]
