"""A known month of agent work, written straight into the database through the models and
hub.audit (no sandboxes): the figures in the tests are computed by hand from this story.

All times UTC. The contract (CONTRACT below) cuts months in Europe/London (BST = UTC+1 in May).

run ticket connector   priority story
R1  T1     zendesk     normal   05-04 10:00 created, replied and resolved 10:05 (first contact)
R2  T2     zendesk     normal   05-05 09:00 created, asked for a number 09:01, resolved 11:00
R3  T3     zendesk     normal   05-06 12:00 created, resolved 12:10, reopened 05-07 08:00
R4  T4     servicenow  high     05-10 08:00 created, escalated 08:02 (low confidence); nobody
                                answers: misses both SLA targets
R5  T5     servicenow  normal   05-12 14:00 created (vendor clock 3 min fast), approval asked
                                14:01 and granted 14:31, resolved 14:32; a stale "open" event
                                about the agent's reply arrives after the solve (not a reopen)
R6  T6     zendesk     urgent   05-31 22:00 created, resolved 23:30 UTC = 1 June 00:30 London
R7  T7     zendesk     normal   05-20 09:00 created, a tool refused, escalated 09:01; a human
                                replies 10:00 and solves 14:00 (inside the SLA)
R8  T8     zendesk     normal   05-21 09:00 created, shadow mode: decided, did nothing
"""

from datetime import datetime, timedelta, timezone


from hub.db import session_scope
from hub.models import Approval, Connection, ConnectionStatus, InboundEvent, Run, RunState, Ticket

CONTRACT = {
    "currency": "GBP", "timezone": "Europe/London",
    "price_per_resolution": "2.00", "monthly_cap": "5.00", "reopen_window_days": 7,
    "minimum_true_resolution_rate": 0.70,
    "sla": {"first_response_minutes": {"urgent": 15, "high": 60, "normal": 240, "low": 480},
            "resolution_minutes": {"urgent": 240, "high": 480, "normal": 1440, "low": 2880},
            "minimum_compliance": 0.90},
    "credits": {"true_resolution_rate": [{"below": 0.70, "percent": 10}, {"below": 0.50, "percent": 25}],
                "sla_compliance": [{"below": 0.90, "percent": 5}]},
}
AS_OF = datetime(2026, 6, 20, tzinfo=timezone.utc)


def at(text):
    return datetime.fromisoformat(f"2026-{text}").replace(tzinfo=timezone.utc)


class Clock:
    """hub.audit stamps entries with utcnow(); the story sets the time instead."""

    def __init__(self):
        self.now = at("05-01T00:00")

    def __call__(self):
        return self.now


class Story:
    def __init__(self, hub, clock):
        self.hub, self.clock = hub, clock
        self.runs, self.tickets, self.seqs = {}, {}, {}
        self._events = 0
        with session_scope(hub.engine) as session:
            self.connections = {}
            for name in ("zendesk", "servicenow"):
                connection = Connection(connector=name, instance=f"{name}.test", api_base_url=f"https://{name}.test",
                                        status=ConnectionStatus.connected)
                session.add(connection)
                session.flush()
                self.connections[name] = connection.id

    def ticket(self, key, connector, created, priority="normal", channel="web", vendor_skew=timedelta(0), raw=None):
        with session_scope(self.hub.engine) as session:
            ticket = Ticket(connection_id=self.connections[connector], remote_id=key, number=key, subject=key,
                            priority=priority, channel=channel, created_at=at(created),
                            remote_created_at=at(created) + vendor_skew, raw=raw or {})
            session.add(ticket)
            session.flush()
            self.tickets[key] = (ticket.id, connector)
        return ticket.id

    def run(self, key, ticket, intent, started, finished=None, state="resolved", reason=None, flow=None, mode="autonomous"):
        ticket_id, _ = self.tickets[ticket]
        with session_scope(self.hub.engine) as session:
            run = Run(id=key, ticket_id=ticket_id, flow=flow or intent, intent=intent, mode=mode, state=RunState(state),
                      reason=reason, created_at=at(started), finished_at=at(finished) if finished else None)
            session.add(run)
        self.runs[key] = ticket_id
        self.audit(key, started, "run.started", {"flow": flow or intent, "intent": intent})

    def audit(self, run, when, kind, data, actor="agent"):
        self.clock.now = at(when)
        entry = self.hub.audit(kind, data, actor=actor, run_id=run, ticket_id=self.runs[run])
        self.seqs.setdefault(run, []).append(entry.seq)
        return entry.seq

    def step(self, run, when, node, type, outcome, state):
        return self.audit(run, when, "run.step", {"node": node, "type": type, "outcome": outcome, "state": state})

    def event(self, ticket, kind, received, status, vendor_at=None, comment=None):
        self._events += 1
        _, connector = self.tickets[ticket]
        payload = {"ticket": {"remote_id": ticket, "status": status,
                              "updated_at": at(vendor_at).isoformat() if vendor_at else None},
                   "comment": comment, "occurred_at": None}
        with session_scope(self.hub.engine) as session:
            session.add(InboundEvent(connection_id=self.connections[connector], event_id=f"e{self._events}", kind=kind,
                                     ticket_remote_id=ticket, payload=payload, received_at=at(received), state="done"))


def tell(story):
    s = story
    s.ticket("T1", "zendesk", "05-04T10:00", channel="email")
    s.run("R1", "T1", "order_status", "05-04T10:00", "05-04T10:05")
    s.step("R1", "05-04T10:05", "done", "resolve", "resolved", "resolved")
    s.audit("R1", "05-04T10:05", "tool.done", {"tool": "zendesk.set_status", "node": "done:solve"})

    s.ticket("T2", "zendesk", "05-05T09:00")
    s.run("R2", "T2", "cancel_order", "05-05T09:00", "05-05T11:00")
    s.step("R2", "05-05T09:01", "ask_number", "ask", "asked the customer for order_number", "waiting_customer")
    s.audit("R2", "05-05T10:50", "run.resumed", {"by": "customer reply"})
    s.step("R2", "05-05T11:00", "done", "resolve", "resolved", "resolved")

    s.ticket("T3", "zendesk", "05-06T12:00")
    s.run("R3", "T3", "refund_request", "05-06T12:00", "05-06T12:10", flow="refund")
    s.step("R3", "05-06T12:10", "done", "resolve", "resolved", "resolved")
    s.event("T3", "ticket.updated", "05-06T12:11", "solved", vendor_at="05-06T12:10")
    s.event("T3", "ticket.reopened", "05-07T08:00", "open", vendor_at="05-07T08:00")

    s.ticket("T4", "servicenow", "05-10T08:00", priority="high")
    s.run("R4", "T4", "it_problem", "05-10T08:00", "05-10T08:02", state="escalated", flow="handoff",
          reason="confidence 0.41 is below the threshold for it_problem")
    s.step("R4", "05-10T08:02", "escalate", "escalate", "escalated to Service Desk", "escalated")

    skew = timedelta(minutes=3)  # the vendor's clock runs 3 minutes fast
    s.ticket("T5", "servicenow", "05-12T14:00", vendor_skew=skew)
    s.run("R5", "T5", "it_software_access", "05-12T14:00", "05-12T14:32")
    s.audit("R5", "05-12T14:01", "approval.requested", {"node": "approve", "tool": "servicenow.order_item"})
    s.audit("R5", "05-12T14:31", "approval.approved", {"approval": 1}, actor="lead@example.com")
    s.step("R5", "05-12T14:32", "done", "resolve", "resolved", "resolved")
    with session_scope(s.hub.engine) as session:
        session.add(Approval(run_id="R5", node="approve", tool="servicenow.order_item", state="approved",
                             created_at=at("05-12T14:01"), decided_at=at("05-12T14:31"), decided_by="lead@example.com"))
    # Delivered out of order: the solve first, then the update the agent's reply caused before it.
    s.event("T5", "ticket.updated", "05-12T14:33", "solved", vendor_at="05-12T14:35")
    s.event("T5", "ticket.updated", "05-12T14:40", "open", vendor_at="05-12T14:34")

    s.ticket("T6", "zendesk", "05-31T22:00", priority="urgent")
    s.run("R6", "T6", "order_status", "05-31T22:00", "05-31T23:30")
    s.step("R6", "05-31T23:30", "done", "resolve", "resolved", "resolved")

    s.ticket("T7", "zendesk", "05-20T09:00")
    s.run("R7", "T7", "complaint", "05-20T09:00", "05-20T09:01", state="escalated", flow="refund",
          reason="check_order: flow node 'check_order' may not call shopify.refund")
    s.audit("R7", "05-20T09:01", "tool.refused", {"tool": "shopify.refund", "reason": "flow node 'check_order' may not call shopify.refund"})
    s.event("T7", "comment.added", "05-20T10:00", "open", vendor_at="05-20T10:00",
            comment={"body": "Sorry about that", "public": True, "from_requester": False})
    s.event("T7", "ticket.updated", "05-20T14:00", "solved", vendor_at="05-20T14:00")

    s.ticket("T8", "zendesk", "05-21T09:00")
    s.run("R8", "T8", "payment_problem", "05-21T09:00", "05-21T09:01", state="shadowed", mode="shadow", flow="handoff")


def tell_in(hub, config_dir, monkeypatch):
    """The story told into ``hub`` on its own clock, with CONTRACT as the config's contract;
    the hub's clock is real again afterwards (sign-ins after the story happen now)."""
    import yaml

    from hub import audit

    (config_dir / "contract.yaml").write_text(yaml.safe_dump(CONTRACT))
    clock, real = Clock(), audit.utcnow
    monkeypatch.setattr(audit, "utcnow", clock)
    story = Story(hub, clock)
    tell(story)
    monkeypatch.setattr(audit, "utcnow", real)
    return story
