"""One run as a human reads it: the ticket, the decisions, every step in order, and its effects."""

from sqlmodel import select

from ..db import session_scope
from ..models import Approval, AuditEntry, Connection, Effect, Run, Ticket
from .run_search import RunFilter, row_of, search

#: What each kind of audit entry says in one line on the timeline.
_SUMMARIES = {
    "run.started": lambda d: f"classified as {d.get('intent')} ({d.get('confidence', 0):.2f}"
                             f"{', unsure' if d.get('unsure') else ''}) → flow {d.get('flow')}, mode {d.get('mode')}",
    "run.requester": lambda d: f"requester {d.get('email') or 'unknown'}; the helpdesk "
                               f"{'vouches for' if d.get('vouched') else 'does not vouch for'} them",
    "run.step": lambda d: f"{d.get('node')} ({d.get('type')}): {d.get('outcome')}",
    "run.resumed": lambda d: f"resumed by {d.get('by')}",
    "tool.done": lambda d: f"{d.get('tool')} answered in {d.get('ms')} ms",
    "tool.failed": lambda d: f"{d.get('tool')} failed: {d.get('error')}",
    "tool.refused": lambda d: f"{d.get('tool')} refused: {d.get('reason')}",
    "approval.requested": lambda d: f"approval requested for {d.get('tool')}: {d.get('summary')}",
    "approval.approved": lambda d: f"approved {d.get('tool')}"
                                   + (f" for {d['lowered']['amount']} instead of {d['lowered']['proposed']}"
                                      if d.get("lowered") else "")
                                   + (f" — {d['note']}" if d.get("note") else ""),
    "approval.rejected": lambda d: f"rejected {d.get('tool')}" + (f" — {d['note']}" if d.get("note") else ""),
    "effect.replayed": lambda d: f"{d.get('tool')} already done: result reused",
    "effect.recovering": lambda d: f"{d.get('tool')} started before and not recorded: checking with the vendor "
                                   f"(attempt {d.get('attempt')})",
    "survey.answered": lambda d: f"customer rated {d.get('question')} {d.get('score')}",
}


def summary(entry):
    describe = _SUMMARIES.get(entry.kind)
    try:
        return describe(entry.data) if describe else entry.kind
    except (TypeError, ValueError, KeyError):
        return entry.kind


def recent(hub, limit=100, state=None):
    """The latest runs with their tickets, newest first (the first page of hub.agent.run_search)."""
    return search(hub, RunFilter(state=state), per_page=limit)["runs"]


def timeline(hub, run_id):
    """Everything about one run, or None. Each audit entry says whether its MAC still matches."""
    with session_scope(hub.engine) as session:
        found = session.exec(select(Run, Ticket, Connection).join(Ticket, Ticket.id == Run.ticket_id)
                             .join(Connection, Connection.id == Ticket.connection_id).where(Run.id == run_id)).first()
        if found is None:
            return None
        run, ticket, connection = found
        entries = session.exec(select(AuditEntry).where(AuditEntry.run_id == run_id).order_by(AuditEntry.seq)).all()
        effects = session.exec(select(Effect).where(Effect.run_id == run_id).order_by(Effect.created_at)).all()
        approvals = session.exec(select(Approval).where(Approval.run_id == run_id).order_by(Approval.id)).all()
    steps = [{
        "seq": e.seq, "at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "summary": summary(e),
        "data": e.data,
        "intact": hub.audit_log.intact(e),
    } for e in entries]
    return dict(row_of(run, ticket, connection), facts=run.facts, node=run.node, steps=steps,
                effects=[{"key": f.key, "tool": f.tool, "state": f.state, "attempts": f.attempts,
                          "arguments": f.arguments, "result": f.result} for f in effects],
                approvals=[{"id": a.id, "tool": a.tool, "state": a.state, "decided_by": a.decided_by,
                            "note": a.note} for a in approvals])
