"""The approvals queue: actions a run proposed and a human must allow before they happen."""

from sqlmodel import select

from ..db import session_scope
from ..errors import HubError
from ..models import Approval, Run, RunState, Ticket, utcnow
from ..inbound import schedule


class ApprovalError(HubError):
    """The approval does not exist or was already decided."""


def pending(hub, limit=200):
    """Pending approvals, oldest first, each with its run and ticket for display."""
    with session_scope(hub.engine) as session:
        rows = session.exec(select(Approval, Run, Ticket)
                            .join(Run, Run.id == Approval.run_id)
                            .join(Ticket, Ticket.id == Run.ticket_id)
                            .where(Approval.state == "pending")
                            .order_by(Approval.id).limit(limit)).all()
        return [describe(approval, run, ticket) for approval, run, ticket in rows]


def get(hub, approval_id):
    with session_scope(hub.engine) as session:
        row = session.exec(select(Approval, Run, Ticket)
                           .join(Run, Run.id == Approval.run_id)
                           .join(Ticket, Ticket.id == Run.ticket_id)
                           .where(Approval.id == approval_id)).first()
        if row is None:
            raise ApprovalError(f"no approval {approval_id}")
        return describe(*row)


def describe(approval, run, ticket):
    """What an approver needs to decide: the proposed call, the facts behind it, the confidence."""
    return {
        "id": approval.id,
        "state": approval.state,
        "created_at": approval.created_at.isoformat(),
        "tool": approval.tool,
        "arguments": approval.arguments,
        "summary": approval.summary,
        "confidence": approval.confidence,
        "node": approval.node,
        "decided_by": approval.decided_by,
        "decided_at": approval.decided_at.isoformat() if approval.decided_at else None,
        "note": approval.note,
        "run": {"id": run.id, "flow": run.flow, "intent": run.intent, "mode": run.mode,
                "state": run.state.value, "facts": run.facts},
        "ticket": {"id": ticket.id, "remote_id": ticket.remote_id, "number": ticket.number,
                   "subject": ticket.subject, "requester_email": ticket.requester_email},
    }


def decide(hub, approval_id, approve, actor, note=None):
    """Approve or reject; the run resumes on a worker either way. Deciding twice is refused."""
    with session_scope(hub.engine) as session:
        approval = session.get(Approval, approval_id, with_for_update=True)
        if approval is None:
            raise ApprovalError(f"no approval {approval_id}")
        if approval.state != "pending":
            raise ApprovalError(f"approval {approval_id} was already {approval.state} by {approval.decided_by}")
        run = session.get(Run, approval.run_id)
        approval.state = "approved" if approve else "rejected"
        approval.decided_by, approval.decided_at, approval.note = actor, utcnow(), note
        session.add(approval)
        if run.state == RunState.waiting_approval:
            run.state, run.updated_at = RunState.running, utcnow()
            session.add(run)
        run_id, ticket_id = run.id, run.ticket_id
    hub.audit(f"approval.{approval.state}", {"approval": approval_id, "tool": approval.tool,
                                              "node": approval.node, "note": note},
              actor=actor, run_id=run_id, ticket_id=ticket_id)
    schedule(hub, run_id)  # a lost enqueue is picked up by the run relay
    return approval.state
