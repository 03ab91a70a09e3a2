"""The approvals queue: actions a run proposed and a human must allow before they happen.

Each item says what an approver needs to decide: the customer's words, the proposed action, the
rule that asked for approval and, where the flow allows it (an approval node's
``adjustable_amount``), the amount an approver may lower. A lower amount is written into that
fact in the same transaction that approves, while the run waits: the run reads it when it
resumes, so the guarded action pays it — once, through the effect ledger like any action — and
the reply tells the customer that amount.
"""

import copy
import re
from decimal import Decimal, InvalidOperation

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
        return [describe(hub, approval, run, ticket) for approval, run, ticket in rows]


def get(hub, approval_id):
    with session_scope(hub.engine) as session:
        row = session.exec(select(Approval, Run, Ticket)
                           .join(Run, Run.id == Approval.run_id)
                           .join(Ticket, Ticket.id == Run.ticket_id)
                           .where(Approval.id == approval_id)).first()
        if row is None:
            raise ApprovalError(f"no approval {approval_id}")
        return describe(hub, *row)


#: Approval keys of a later request of the ticket carry its number (hub.agent.worklist.key).
_REQUEST_PREFIX = re.compile(r"^r[0-9]+\.")
#: The gate an action node opens itself in the ``approval`` rollout mode (hub.agent.nodes.action).
_MODE_GATE = ":approval"


def _flow_node(hub, approval, run):
    """The flow's approval node behind ``approval``, or None (a mode gate, a flow since removed)."""
    if approval.node.endswith(_MODE_GATE):
        return None
    try:
        flow = hub.agent.flows[run.flow]
    except (KeyError, TypeError):
        return None
    node = flow.nodes.get(_REQUEST_PREFIX.sub("", approval.node))
    return node if node is not None and node.type == "approval" else None


def rule(hub, approval, run):
    """Why this action waits for a person, in a sentence."""
    if approval.node.endswith(_MODE_GATE):
        return (f"The intent {run.intent or 'of this ticket'} is in approval mode: every action it takes "
                "waits for a person (Policy and flows page).")
    node = _flow_node(hub, approval, run)
    name = _REQUEST_PREFIX.sub("", approval.node)
    if node is None:
        return f"Flow {run.flow or '—'}, node {name}."
    if not node.when:
        return f"Flow {run.flow}, node {name}: this action always waits for a person."
    limits = hub.agent.policy.facts().get("limits", {})
    named = sorted(set(re.findall(r"policy\.limits\.([a-z_]+)", node.when)))
    values = ", ".join(f"{limit} is {limits[limit]}" for limit in named if limit in limits)
    return f"Flow {run.flow}, node {name}: a person approves when {node.when}" + (f" ({values})." if values else ".")


def _money_at(facts, path):
    value = facts
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    if not isinstance(value, dict):
        return None
    try:
        amount = Decimal(str(value.get("amount")))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    # Written as money is (115.50, not 115.5), keeping any finer places the currency has.
    places = max(2, -amount.as_tuple().exponent)
    return {"amount": str(amount.quantize(Decimal(1).scaleb(-places))), "currency": value.get("currency")}


def adjustable(hub, approval, run):
    """``(path, money)``: the amount an approver may lower on this approval, or None."""
    node = _flow_node(hub, approval, run)
    if node is None or not node.adjustable_amount:
        return None
    money = _money_at(run.facts or {}, node.adjustable_amount)
    return (node.adjustable_amount, money) if money is not None else None


def lower_amount(text, proposed):
    """``text`` as an amount above zero and at most ``proposed``, in the proposed amount's cents."""
    try:
        amount = Decimal(str(text).strip().replace(",", "."))
    except InvalidOperation:
        raise ApprovalError(f"{text!r} is not an amount; write it like 12.50") from None
    limit = Decimal(proposed["amount"])
    places = max(2, -limit.as_tuple().exponent)
    if not amount.is_finite() or amount <= 0:
        raise ApprovalError("an approved amount is above zero; reject the action to pay nothing")
    if amount > limit:
        raise ApprovalError(f"{amount} is more than the {limit} {proposed.get('currency') or ''} proposed: "
                            "an approver may lower an amount, never raise it")
    if -amount.as_tuple().exponent > places:
        raise ApprovalError(f"{amount} has more decimals than the currency: write it like {limit}")
    return amount.quantize(Decimal(1).scaleb(-places))


def _with_amount(facts, path, amount):
    facts = copy.deepcopy(facts)
    target = facts
    for part in path.split(".")[:-1]:
        target = target[part]
    target[path.split(".")[-1]] = dict(target[path.split(".")[-1]], amount=str(amount))
    return facts


def describe(hub, approval, run, ticket):
    """What an approver needs to decide: the customer's words, the proposed call and the rule that
    asked, the amount they may lower, the facts behind it, the confidence."""
    can_lower = adjustable(hub, approval, run)
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
        "rule": rule(hub, approval, run),
        "tool_description": getattr(hub.registry.tools.get(approval.tool), "description", None),
        "adjustable_amount": can_lower[1] if can_lower else None,
        "run": {"id": run.id, "flow": run.flow, "intent": run.intent, "mode": run.mode,
                "state": run.state.value, "facts": run.facts},
        "ticket": {"id": ticket.id, "remote_id": ticket.remote_id, "number": ticket.number,
                   "subject": ticket.subject, "requester_email": ticket.requester_email,
                   "description": ticket.description, "customer_reply": (run.facts or {}).get("customer_reply")},
    }


def decide(hub, approval_id, approve, actor, note=None, amount=None):
    """Approve or reject; the run resumes on a worker either way. Deciding twice is refused.

    ``amount`` approves less than proposed, where the flow allows it (:func:`adjustable`)."""
    lowered = None
    with session_scope(hub.engine) as session:
        approval = session.get(Approval, approval_id, with_for_update=True)
        if approval is None:
            raise ApprovalError(f"no approval {approval_id}")
        if approval.state != "pending":
            raise ApprovalError(f"approval {approval_id} was already {approval.state} by {approval.decided_by}")
        run = session.get(Run, approval.run_id, with_for_update=True)
        if amount is not None and str(amount).strip():
            if not approve:
                raise ApprovalError("an amount goes with approve; a rejection pays nothing")
            if run.state != RunState.waiting_approval:
                raise ApprovalError(f"the run is {run.state.value.replace('_', ' ')}, no longer waiting: "
                                    "its amount cannot change now")
            found = adjustable(hub, approval, run)
            if found is None:
                raise ApprovalError(f"the amount of {approval.tool} cannot be changed here: approve or reject it")
            path, proposed = found
            value = lower_amount(amount, proposed)
            if value < Decimal(proposed["amount"]):
                # The run waits (no worker touches it) and resumes only after this commits.
                run.facts = _with_amount(run.facts, path, value)
                session.add(run)
                lowered = {"amount": str(value), "proposed": proposed["amount"], "currency": proposed.get("currency")}
        approval.state = "approved" if approve else "rejected"
        approval.decided_by, approval.decided_at, approval.note = actor, utcnow(), note
        session.add(approval)
        if run.state == RunState.waiting_approval:
            run.state, run.updated_at = RunState.running, utcnow()
            session.add(run)
        run_id, ticket_id = run.id, run.ticket_id
    hub.audit(f"approval.{approval.state}", {"approval": approval_id, "tool": approval.tool,
                                              "node": approval.node, "note": note,
                                              **({"lowered": lowered} if lowered else {})},
              actor=actor, run_id=run_id, ticket_id=ticket_id)
    schedule(hub, run_id)  # a lost enqueue is picked up by the run relay
    return approval.state
