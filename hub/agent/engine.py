"""Runs: one ticket, read once, through one flow per request, node by node, until it
resolves, escalates or waits.

Every node's outcome is committed (the run's node, state and facts) and audited before the next
node starts, so a run can stop anywhere — a worker killed, a vendor down, a human to wait for —
and carry on from where it was. Writes go through the effect ledger (exactly once); every tool
call goes through the hub's guard (node, role and scope checks, and the audit of the call).
The node types are in hub.agent.nodes; a ticket's requests and their facts in hub.agent.worklist.
"""

import logging
from datetime import timedelta

from sqlmodel import select

from .. import logs, metrics
from ..db import session_scope
from ..errors import ConnectorError, RateLimited, ReconnectNeeded, ToolRefused, VendorUnavailable
from ..i18n import N_, NoTranslation
from ..models import Connection, Run, RunState, Ticket, utcnow
from . import handoff, leases, worklist
from .answers import answer_entities
from .control import Escalate, NextRequest, Stop
from .expressions import ExpressionError
from .helpdesk import ticket_effect
from .nodes import NODES, Context

log = logging.getLogger(__name__)

FINISHED = (RunState.resolved, RunState.escalated, RunState.shadowed, RunState.failed)
#: Vendor trouble that passes: the run waits and tries the same node again.
TRANSIENT = (RateLimited, VendorUnavailable, ReconnectNeeded)
#: What the customer is told when some requests were answered and the rest goes to a person.
PARTLY_ANSWERED = N_("A colleague will pick up the rest of your message and get back to you here.")


# -- starting and resuming -----------------------------------------------------------------------

def start(hub, ticket_id):
    """Read a new ticket and open its run; returns its id, or None when the agent leaves it alone."""
    agent = hub.agent
    with session_scope(hub.engine) as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return None
        connector = session.get(Connection, ticket.connection_id).connector
        requester_email = ticket.requester_email
    # Reading takes milliseconds but is no reason to hold a transaction open.
    reading = agent.read(ticket.description or "", requester_email=requester_email, subject=ticket.subject or "")
    plan = agent.plan(reading, agent.policy.audience_of(connector))
    primary = reading.requests[0]
    if all(agent.policy.mode_for(r.intent) == "off" for r in reading.requests):
        hub.audit("run.skipped", {"intent": primary.intent, "confidence": primary.confidence,
                                  "reason": "intent is off"}, actor="agent", ticket_id=ticket_id)
        return None
    facts = {
        "ticket": {"id": ticket.id, "remote_id": ticket.remote_id, "number": ticket.number,
                   "subject": ticket.subject, "description": ticket.description,
                   "channel": ticket.channel, "connector": connector},
        "requester": None,  # asked of the helpdesk by the first step (it may be down: then we wait)
        "reading": reading.to_fact(),
        "language": reading.language,
    }
    requests = [step.to_fact() for step in plan.steps]
    if plan.code:  # the whole ticket goes to a person before anything runs
        for request in requests:
            request["state"] = worklist.HANDED_OVER
    first = worklist.begin(facts, requests)
    flow = agent.flows[plan.steps[first].flow] if first is not None else None
    run = Run(ticket_id=ticket_id, flow=flow.name if flow else None, intent=primary.intent,
              confidence=primary.confidence, mode=plan.mode, node=flow.start if flow else None, facts=facts,
              reason=plan.reason, escalation=plan.code)
    with session_scope(hub.engine) as session:
        active = session.exec(select(Run.id).where(Run.ticket_id == ticket_id)).first()
        if active is not None:  # another event for the same ticket got here first
            return active
        session.add(run)
        row = session.get(Ticket, ticket_id)
        row.language = reading.language
        session.add(row)
        run_id = run.id
    hub.audit("run.started", {"flow": run.flow, "intent": primary.intent, "confidence": primary.confidence,
                              "unsure": primary.unsure, "intent_source": primary.source, "mode": run.mode,
                              "entities": primary.entities, "reading": reading.to_fact(),
                              "requests": [{k: r[k] for k in ("intent", "confidence", "flow", "subject", "state",
                                                              "code", "reason")} for r in facts["requests"]],
                              "why_this_flow": run.reason or f"intent {primary.intent}"},
              actor="agent", run_id=run_id, ticket_id=ticket_id)
    return run_id


def _language(facts):
    """The ticket's language as an entity reader's hint, when the agent answers in it."""
    language = (facts.get("reading") or {}).get("language")
    return language if language in ("en", "de", "fr", "es") else None


def _requester(hub, ticket_id):
    """Who the helpdesk vouches the requester is (``auth_verify_requester``).

    A helpdesk that is down or rate-limiting raises, and the run waits; any other failure
    leaves the requester unverified, which only ever makes the agent more careful.
    """
    with session_scope(hub.engine) as session:
        ticket = session.get(Ticket, ticket_id)
        connection = session.get(Connection, ticket.connection_id)
    identity = None
    try:
        identity = hub.hook(connection.connector, "auth_verify_requester")(
            connector=hub.connector(connection.connector), connection=connection,
            session=hub.session(connection), ticket=ticket)
    except TRANSIENT:
        raise
    except Exception as error:
        log.warning("auth_verify_requester for ticket %s failed: %s", ticket.id, error)
    email = (getattr(identity, "email", None) or ticket.requester_email or "").lower() or None
    # The helpdesk's own record of who asked is the authority; a ticket that names someone
    # else as requester than that record is not vouched for.
    vouched = bool(identity and identity.verified and identity.email
                   and identity.email.lower() == (ticket.requester_email or identity.email).lower())
    return {"email": email, "name": getattr(identity, "name", None), "vouched": vouched,
            "source": getattr(identity, "source", None) or connection.connector}


def _fill_requester_email(hub, ticket_id, email):
    """Webhooks of some helpdesks name the requester only by id; keep the email the helpdesk gave."""
    if not email:
        return
    with session_scope(hub.engine) as session:
        ticket = session.get(Ticket, ticket_id)
        if not ticket.requester_email:
            ticket.requester_email = email
            session.add(ticket)


def written_by_requester(hub, ticket_id, comment):
    """Whether the ticket's requester wrote ``comment``: the event says so, or, where a vendor's
    event does not, its connector asks the vendor. A helpdesk that is down raises, so the event
    is retried; any other failure reads as "not the requester" and resumes nothing."""
    if comment.get("from_requester") is not None:
        return bool(comment["from_requester"])
    with session_scope(hub.engine) as session:
        waiting = session.exec(select(Run.id).where(Run.ticket_id == ticket_id,
                                                    Run.state == RunState.waiting_customer)).first()
        if waiting is None:  # nothing would resume: spare the vendor the question
            return False
        ticket = session.get(Ticket, ticket_id)
        connection = session.get(Connection, ticket.connection_id)
    try:
        return bool(hub.connector(connection.connector).comment_by_requester(hub.session(connection), ticket, comment))
    except TRANSIENT:
        raise
    except Exception as error:
        log.warning("comment_by_requester for ticket %s failed: %s", ticket_id, error)
        return False


def customer_replied(hub, ticket_id, text):
    """A public comment from the requester: resume the run that asked. Returns its id or None.

    The answer is screened like a ticket (a risk trigger or an attempt to instruct the agent
    hands the ticket to a person) and read in the light of the question: a bare "1016" answers
    "which order?". An answer without what was asked goes back to the question, which asks
    again or, past ``max_asks_per_run``, hands over.
    """
    screening = hub.agent.screen(text)
    with session_scope(hub.engine) as session:
        run = session.exec(select(Run).where(Run.ticket_id == ticket_id,
                                             Run.state == RunState.waiting_customer)).first()
        if run is None:
            return None
        facts = dict(run.facts)
        node = hub.agent.flows[run.flow].nodes[run.node]
        answer = answer_entities(text, node.expects, _language(facts))
        entities = dict(facts.get("entities") or {})
        for key, values in answer.items():
            if values:  # the answer's values first: it is what the customer just told us
                entities[key] = values + [v for v in entities.get(key, []) if v not in values]
        facts["entities"], facts["customer_reply"] = entities, text[:4000]
        if screening is not None:
            facts["_handover"] = {"code": screening[0], "reason": f"in the customer's reply: {screening[1]}"}
        elif node.expects not in answer or entities.get(node.expects):
            # Values entities do not carry (an address in labelled lines) are read by the flow.
            run.node = node.next
        run.state, run.facts, run.updated_at = RunState.running, facts, utcnow()
        session.add(run)
        run_id = run.id
    hub.audit("run.resumed", {"by": "customer reply", "entities": answer,
                              "answered": bool(entities.get(node.expects)) if node.expects in answer else None,
                              "screening": screening and {"code": screening[0], "reason": screening[1]}},
              actor="agent", run_id=run_id, ticket_id=ticket_id)
    return run_id


# -- advancing -----------------------------------------------------------------------------------

def advance(hub, run_id, owner):
    """Run nodes until the run waits or finishes. Returns the run's state, or "busy"."""
    with logs.context(run_id=run_id):
        return _advance(hub, run_id, owner)


def _advance(hub, run_id, owner):
    agent = hub.agent
    runs_policy = agent.policy.runs
    if not leases.acquire(hub, run_id, owner, runs_policy.lease_seconds):
        return "busy"
    try:
        while True:
            with session_scope(hub.engine) as session:
                run = session.get(Run, run_id)
            if run.state != RunState.running:
                return run.state.value
            if run.steps >= runs_policy.max_steps:
                _finish_escalated(hub, run, dict(run.facts), f"the run took more than {runs_policy.max_steps} steps",
                                  code="limit")
                continue
            _step(hub, run)
            leases.renew(hub, run_id, owner, runs_policy.lease_seconds)
    finally:
        leases.release(hub, run_id, owner)


def _step(hub, run):
    with logs.context(ticket_id=run.ticket_id, flow=run.flow, node=run.node):
        _run_node(hub, run)


def _run_node(hub, run):
    facts = dict(run.facts)
    handover = facts.get("_handover")  # kept until handed over: a vendor hiccup retries it
    if handover:
        return _finish_escalated(hub, run, facts, handover["reason"], code=handover["code"])
    if run.flow is None or run.node is None:
        return _finish_escalated(hub, run, facts, run.reason or "no flow for this ticket",
                                 code=run.escalation or "no_flow")
    node_name = run.node
    flow = hub.agent.flows[run.flow]
    node = flow.nodes[node_name]
    record = {"node": node_name, "type": node.type, "tool": node.tool}
    try:
        if facts.get("requester") is None:
            facts["requester"] = _requester(hub, run.ticket_id)
            hub.audit("run.requester", facts["requester"], actor="agent", run_id=run.id, ticket_id=run.ticket_id)
            _fill_requester_email(hub, run.ticket_id, facts["requester"]["email"])
        next_node, outcome = NODES[node.type](Context(hub, run, facts, node_name, node, flow))
    except Stop as stop:
        return _save(hub, run, facts, record, node=node_name, state=stop.state, outcome=stop.reason,
                     finished=stop.state in FINISHED)
    except TRANSIENT as error:
        return _retry_later(hub, run, facts, record, error)
    except NextRequest as answered:
        _save(hub, run, facts, record, node=node_name, state=RunState.running, outcome="answered")
        worklist.close_current(facts, worklist.DONE, answer=answered.answer)
        return _next_request(hub, run, facts)
    except Escalate as escalation:
        _save(hub, run, facts, record, node=node_name, state=RunState.running, outcome=f"escalating: {escalation.reason}")
        return _request_escalated(hub, run, facts, escalation.reason, escalation.suggestion, escalation.code)
    except (ToolRefused, ConnectorError, ExpressionError) as error:
        _save(hub, run, facts, record, node=node_name, state=RunState.running, outcome=f"error: {error}")
        code = "refused" if isinstance(error, ToolRefused) else "vendor" if isinstance(error, ConnectorError) else "internal"
        return _request_escalated(hub, run, facts, f"{node_name}: {error}", None, code)
    except Exception as error:  # a bug must not leave the run to be retried forever: a human takes it
        log.exception("run %s, node %s", run.id, node_name)
        _save(hub, run, facts, record, node=node_name, state=RunState.running,
              outcome=f"internal error: {type(error).__name__}: {error}")
        return _finish_escalated(hub, run, facts, f"{node_name}: internal error ({type(error).__name__}: {error})",
                                 code="internal")
    facts.pop("_retries", None)  # the vendor answered: the next trouble starts a fresh backoff
    return _save(hub, run, facts, record, node=next_node, state=RunState.running, outcome=outcome)


def _request_escalated(hub, run, facts, reason, suggestion, code):
    """The current request goes to a person: on to the next request, or hand the ticket over."""
    if code == "not_verified" and (facts.get("subject") or {}).get("kind") == "other":
        # The requester said it is someone else's, and the vendor's record agrees.
        code = "third_party"
    if not worklist.several(facts):
        worklist.close_current(facts, worklist.ESCALATED, code=code, reason=reason, put_away=False)
        return _finish_escalated(hub, run, facts, reason, suggestion, code=code)
    worklist.close_current(facts, worklist.ESCALATED, code=code, reason=reason)
    return _next_request(hub, run, facts, suggestion)


def _next_request(hub, run, facts, suggestion=None):
    """Start the next request the agent can work on, or end the run: solved when every request
    was answered (the resolve node did that), handed over with every answer when some were not."""
    following = worklist.next_pending(facts)
    if following is not None:
        request = worklist.move_to(facts, following)
        flow = hub.agent.flows[request["flow"]]
        return _save(hub, run, facts, {"node": flow.start, "type": "request", "tool": None}, node=flow.start,
                     state=RunState.running, flow=flow.name,
                     outcome=f"request {following + 1} of {len(facts['requests'])}: {request['intent']} → {flow.name}")
    left = worklist.left(facts)
    codes = {r.get("code") for r in left}
    answered = worklist.answers(facts)
    code = "several" if answered or len(codes) > 1 else (left[0].get("code") or "flow")
    reasons = "; ".join(f"request {facts['requests'].index(r) + 1} ({r['intent']}): {r.get('reason')}" for r in left)
    done = len(facts["requests"]) - len(left)
    reason = f"{done} of {len(facts['requests'])} requests answered; left for a person: {reasons}" if done else reasons
    return _finish_escalated(hub, run, facts, reason, suggestion, code=code)


def _save(hub, run, facts, record, node, state, outcome, finished=False, reason=None, code=None, flow=None):
    with session_scope(hub.engine) as session:
        row = session.get(Run, run.id)
        row.node, row.state, row.facts, row.steps = node, state, facts, row.steps + 1
        row.updated_at = utcnow()
        if flow:
            row.flow = run.flow = flow
        if reason:
            row.reason = reason
        if code:
            row.escalation = code
        if finished:
            row.finished_at, row.wake_at = utcnow(), None
        session.add(row)
    if finished:
        metrics.run_finished(run.flow, state.value)
    log.info("%s node %s: %s -> %s", record["type"], record["node"], str(outcome)[:300], state.value)
    hub.audit("run.step", dict(record, outcome=outcome, state=state.value, next=node if not finished else None),
              actor="agent", run_id=run.id, ticket_id=run.ticket_id)


def _retry_later(hub, run, facts, record, error):
    policy = hub.agent.policy.runs
    attempts = int(facts.get("_retries", 0)) + 1
    if attempts > policy.max_attempts:
        facts.pop("_retries", None)
        _save(hub, run, facts, record, node=run.node, state=RunState.running,
              outcome=f"gave up after {policy.max_attempts} attempts: {error}")
        return _finish_escalated(hub, run, facts, f"{error.__class__.__name__} from the vendor "
                                 f"{policy.max_attempts} times: {error}", code="vendor")
    delay = min(policy.retry_max_seconds, policy.retry_base_seconds * 2 ** (attempts - 1))
    if isinstance(error, RateLimited) and error.retry_after:
        delay = max(delay, float(error.retry_after))
    facts["_retries"] = attempts
    with session_scope(hub.engine) as session:
        row = session.get(Run, run.id)
        row.state, row.facts, row.wake_at, row.updated_at = RunState.retrying, facts, utcnow() + timedelta(seconds=delay), utcnow()
        session.add(row)
    hub.audit("run.step", dict(record, outcome=f"retry {attempts} in {delay:.0f}s: {type(error).__name__}: {error}",
                               state=RunState.retrying.value, next=run.node),
              actor="agent", run_id=run.id, ticket_id=run.ticket_id)


def _partly_answered(hub, facts):
    """The closing line for answers sent before a hand-over, in the customer's language; left
    out rather than sent in English when the catalogue lacks it (the answers are theirs already)."""
    try:
        return [hub.agent.messages.render(PARTLY_ANSWERED, {}, facts.get("language"))]
    except NoTranslation:
        return []


def _finish_escalated(hub, run, facts, reason, suggestion=None, code="flow"):
    """Hand the ticket to people: what was answered goes to the customer, then assignment plus
    the handoff note. Shadow runs only record it."""
    with session_scope(hub.engine) as session:
        run = session.get(Run, run.id)
    connector_name = facts["ticket"]["connector"]
    group = hub.agent.policy.escalation_groups.get(connector_name)
    record = {"node": "escalate", "type": "escalate", "tool": f"{connector_name}.escalate"}
    if run.mode == "shadow":
        return _save(hub, run, facts, record, node=None, state=RunState.shadowed, finished=True, reason=reason,
                     code=code, outcome=f"shadow: would escalate to {group!r}: {reason}")
    if not group:
        return _save(hub, run, facts, record, node=None, state=RunState.failed, finished=True, reason=reason,
                     code=code, outcome=f"cannot escalate: policy names no escalation group for {connector_name}")
    note = handoff.note(hub, run, facts, reason, suggestion, code)
    try:
        answered = worklist.answers(facts)
        if answered:  # tell the customer what is done before a person takes the rest
            ticket_effect(hub, run, facts, "reply", f"{run.id}:answered",
                          text="\n\n".join(answered + _partly_answered(hub, facts)))
        ticket_effect(hub, run, facts, "escalate", f"{run.id}:escalate", note=note, group=group)
    except TRANSIENT as error:
        return _retry_later(hub, run, facts, record, error)
    except (ToolRefused, ConnectorError, Escalate) as error:
        return _save(hub, run, facts, record, node=None, state=RunState.failed, finished=True, code=code,
                     reason=f"{reason}; escalation failed: {error}", outcome=f"escalation failed: {error}")
    return _save(hub, run, facts, record, node=None, state=RunState.escalated, finished=True, reason=reason,
                 code=code, outcome=f"escalated to {group}: {reason}")
