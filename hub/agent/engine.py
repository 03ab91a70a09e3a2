"""Runs: one ticket through one flow, node by node, until it resolves, escalates or waits.

Every node's outcome is committed (the run's node, state and facts) and audited before the next
node starts, so a run can stop anywhere — a worker killed, a vendor down, a human to wait for —
and carry on from where it was. Writes go through the effect ledger (exactly once); every tool
call goes through the hub's guard (node, role and scope checks, and the audit of the call).
"""

import logging
from datetime import timedelta

from sqlmodel import select

from .. import logs, metrics
from ..db import session_scope
from ..errors import (ConnectorError, NotFound, RateLimited, ReconnectNeeded, ToolRefused,
                      VendorUnavailable)
from ..models import Approval, Connection, ConnectionStatus, Run, RunState, Ticket, utcnow
from ..tools import CallContext
from ..understanding.entities import extract
from . import effects, expressions, handoff, leases
from .expressions import ExpressionError

log = logging.getLogger(__name__)

FINISHED = (RunState.resolved, RunState.escalated, RunState.shadowed, RunState.failed)
#: Vendor trouble that passes: the run waits and tries the same node again.
TRANSIENT = (RateLimited, VendorUnavailable, ReconnectNeeded)


class Stop(Exception):
    """Ends the current node with a new run state (waiting, finished)."""

    def __init__(self, state, reason=None):
        super().__init__(reason)
        self.state, self.reason = state, reason


class Escalate(Exception):
    """The run cannot go on by itself: hand the ticket to humans, saying why."""

    def __init__(self, reason, suggestion=None):
        super().__init__(reason)
        self.reason, self.suggestion = reason, suggestion


# -- starting and resuming -----------------------------------------------------------------------

def start(hub, ticket_id):
    """Open a run for a new ticket; returns its id, or None when the agent leaves the ticket alone."""
    agent = hub.agent
    with session_scope(hub.engine) as session:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return None
        connector = session.get(Connection, ticket.connection_id).connector
    # Classifying takes milliseconds but is no reason to hold a transaction open.
    text = f"{ticket.subject}\n\n{ticket.description}".strip()
    intent, confidence, unsure, entities, source = agent.understand(text)
    flow = agent.flow_for_intent.get(intent) if not unsure else None
    mode = agent.policy.mode_for(intent)
    if mode == "off":
        hub.audit("run.skipped", {"intent": intent, "confidence": confidence, "reason": "intent is off"},
                  actor="agent", ticket_id=ticket_id)
        return None
    facts = {
        "ticket": {"id": ticket.id, "remote_id": ticket.remote_id, "number": ticket.number,
                   "subject": ticket.subject, "description": ticket.description,
                   "channel": ticket.channel, "connector": connector},
        "requester": None,  # asked of the helpdesk by the first step (it may be down: then we wait)
        "entities": entities,
        "intent": {"name": intent, "confidence": round(confidence, 4), "unsure": unsure, "source": source},
        "verified": False,
        "customer_reply": None,  # what the requester answered to an ask node, once they do
    }
    attempt = agent.addresses_the_agent(text)
    chosen = None if attempt else (flow or agent.fallback_flow())
    run = Run(ticket_id=ticket_id, flow=chosen.name if chosen else None, intent=intent,
              confidence=confidence, mode=mode, node=chosen.start if chosen else None, facts=facts)
    if attempt:
        run.reason = f"the ticket tries to instruct the agent ({attempt!r}); a person should read it"
    elif flow is None:
        run.reason = (f"confidence {confidence:.2f} is below the threshold for {intent}" if unsure
                      else f"no flow handles intent {intent}")
    with session_scope(hub.engine) as session:
        active = session.exec(select(Run.id).where(Run.ticket_id == ticket_id)).first()
        if active is not None:  # another event for the same ticket got here first
            return active
        session.add(run)
        run_id = run.id
    hub.audit("run.started", {"flow": run.flow, "intent": intent, "confidence": confidence, "unsure": unsure,
                              "intent_source": source, "mode": mode, "entities": entities,
                              "why_this_flow": run.reason or f"intent {intent}"},
              actor="agent", run_id=run_id, ticket_id=ticket_id)
    return run_id


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
        identity = hub.pm.hook.auth_verify_requester(
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
    """A public comment from the requester: resume the run that asked. Returns its id or None."""
    with session_scope(hub.engine) as session:
        run = session.exec(select(Run).where(Run.ticket_id == ticket_id,
                                             Run.state == RunState.waiting_customer)).first()
        if run is None:
            return None
        facts = dict(run.facts)
        answer = extract(text).to_dict()
        entities = dict(facts.get("entities") or {})
        for key, values in answer.items():
            if values:  # the answer's values first: it is what the customer just told us
                entities[key] = values + [v for v in entities.get(key, []) if v not in values]
        facts["entities"], facts["customer_reply"] = entities, text[:4000]
        flow = hub.agent.flows[run.flow]
        run.node = flow.nodes[run.node].next
        run.state, run.facts, run.updated_at = RunState.running, facts, utcnow()
        session.add(run)
        run_id = run.id
    hub.audit("run.resumed", {"by": "customer reply", "entities": answer}, actor="agent",
              run_id=run_id, ticket_id=ticket_id)
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
                _finish_escalated(hub, run, dict(run.facts), f"the run took more than {runs_policy.max_steps} steps")
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
    if run.flow is None or run.node is None:
        return _finish_escalated(hub, run, facts, run.reason or "no flow for this ticket")
    node_name = run.node
    node = hub.agent.flows[run.flow].nodes[node_name]
    record = {"node": node_name, "type": node.type, "tool": node.tool}
    try:
        if facts.get("requester") is None:
            facts["requester"] = _requester(hub, run.ticket_id)
            hub.audit("run.requester", facts["requester"], actor="agent", run_id=run.id, ticket_id=run.ticket_id)
            _fill_requester_email(hub, run.ticket_id, facts["requester"]["email"])
        next_node, outcome = NODES[node.type](Context(hub, run, facts, node_name, node))
    except Stop as stop:
        return _save(hub, run, facts, record, node=node_name, state=stop.state, outcome=stop.reason,
                     finished=stop.state in FINISHED)
    except TRANSIENT as error:
        return _retry_later(hub, run, facts, record, error)
    except Escalate as escalation:
        _save(hub, run, facts, record, node=node_name, state=RunState.running, outcome=f"escalating: {escalation.reason}")
        return _finish_escalated(hub, run, facts, escalation.reason, escalation.suggestion)
    except (ToolRefused, ConnectorError, ExpressionError) as error:
        _save(hub, run, facts, record, node=node_name, state=RunState.running, outcome=f"error: {error}")
        return _finish_escalated(hub, run, facts, f"{node_name}: {error}")
    except Exception as error:  # a bug must not leave the run to be retried forever: a human takes it
        log.exception("run %s, node %s", run.id, node_name)
        _save(hub, run, facts, record, node=node_name, state=RunState.running,
              outcome=f"internal error: {type(error).__name__}: {error}")
        return _finish_escalated(hub, run, facts, f"{node_name}: internal error ({type(error).__name__}: {error})")
    facts.pop("_retries", None)  # the vendor answered: the next trouble starts a fresh backoff
    return _save(hub, run, facts, record, node=next_node, state=RunState.running, outcome=outcome)


def _save(hub, run, facts, record, node, state, outcome, finished=False, reason=None):
    with session_scope(hub.engine) as session:
        row = session.get(Run, run.id)
        row.node, row.state, row.facts, row.steps = node, state, facts, row.steps + 1
        row.updated_at = utcnow()
        if reason:
            row.reason = reason
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
                                 f"{policy.max_attempts} times: {error}")
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


def _finish_escalated(hub, run, facts, reason, suggestion=None):
    """Hand the ticket to humans: assignment plus the handoff note. Shadow runs only record it."""
    with session_scope(hub.engine) as session:
        run = session.get(Run, run.id)
    connector_name = facts["ticket"]["connector"]
    group = hub.agent.policy.escalation_groups.get(connector_name)
    record = {"node": "escalate", "type": "escalate", "tool": f"{connector_name}.escalate"}
    if run.mode == "shadow":
        return _save(hub, run, facts, record, node=None, state=RunState.shadowed, finished=True, reason=reason,
                     outcome=f"shadow: would escalate to {group!r}: {reason}")
    if not group:
        return _save(hub, run, facts, record, node=None, state=RunState.failed, finished=True, reason=reason,
                     outcome=f"cannot escalate: policy names no escalation group for {connector_name}")
    note = handoff.note(hub, run, facts, reason, suggestion)
    try:
        _ticket_effect(hub, run, facts, "escalate", f"{run.id}:escalate", note=note, group=group)
    except TRANSIENT as error:
        return _retry_later(hub, run, facts, record, error)
    except (ToolRefused, ConnectorError) as error:
        return _save(hub, run, facts, record, node=None, state=RunState.failed, finished=True,
                     reason=f"{reason}; escalation failed: {error}", outcome=f"escalation failed: {error}")
    return _save(hub, run, facts, record, node=None, state=RunState.escalated, finished=True, reason=reason,
                 outcome=f"escalated to {group}: {reason}")


# -- nodes ---------------------------------------------------------------------------------------

class Context:
    """One node's view of its run."""

    def __init__(self, hub, run, facts, name, node):
        self.hub, self.run, self.facts, self.name, self.node = hub, run, facts, name, node
        self.policy = hub.agent.policy

    @property
    def shadow(self):
        return self.run.mode == "shadow"

    def namespace(self):
        return dict(self.facts, policy=self.policy.facts())

    def render(self, template):
        return expressions.render(template, self.namespace())

    def arguments(self):
        return expressions.render_arguments(self.node.args, self.namespace())

    def call_context(self, tool_name):
        return CallContext(run_id=self.run.id, ticket_id=self.run.ticket_id, node=self.name,
                           allowed_tools=frozenset({tool_name}), actor="agent", role="agent")


def lookup(ctx):
    tool = ctx.hub.registry.tools[ctx.node.tool]
    connection = connection_for(ctx.hub, tool.connector, ctx.facts)
    arguments = ctx.arguments()
    try:
        result = ctx.hub.call(tool.name, connection, arguments, context=ctx.call_context(tool.name))
    except NotFound as error:
        if ctx.node.on_not_found:
            return ctx.node.on_not_found, f"not found: {error}"
        raise Escalate(f"{tool.name} found nothing: {error}")
    if ctx.node.on_not_found and _empty(result):
        return ctx.node.on_not_found, "nothing found"
    if ctx.node.save:
        ctx.facts[ctx.node.save] = result
    return ctx.node.next, "ok"


def _empty(result):
    """A lookup that answered but found nothing: every value is empty or None."""
    return isinstance(result, dict) and all(value in (None, [], {}, "") for value in result.values())


def knowledge(ctx):
    """Answer from the hub's knowledge base: only a confident answer goes on, with its citations."""
    answer = ctx.hub.agent.knowledge.ask(ctx.render(ctx.node.question))
    found = [{"title": hit.title, "url": hit.url, "score": round(hit.score, 3)} for hit in answer.chunks[:3]]
    if answer.refused:
        ctx.facts[ctx.node.save] = {"refused": answer.reason, "closest": found}
        return ctx.node.on_not_found, f"no confident answer ({answer.reason})"
    ctx.facts[ctx.node.save] = {"text": answer.text, "confidence": round(answer.confidence, 3),
                                "citations": [{"title": title, "url": url} for title, url in answer.citations]}
    return ctx.node.next, f"answered with confidence {answer.confidence:.2f}"


def condition(ctx):
    namespace = ctx.namespace()
    for case in ctx.node.cases:
        if expressions.condition(case.when, namespace):
            return case.next, f"{case.when} → {case.next}"
    return ctx.node.default, f"no case held → {ctx.node.default}"


def verify(ctx):
    """The requester is who the account says: the helpdesk vouches for the requester's email
    and it matches the email on the order or account the flow looked up."""
    expected = expressions.value(ctx.node.email, ctx.namespace())
    requester = ctx.facts.get("requester") or {}
    email = (requester.get("email") or "").strip().lower()
    matches = bool(expected) and bool(email) and str(expected).strip().lower() == email
    if matches and requester.get("vouched"):
        ctx.facts["verified"] = True
        return ctx.node.next, f"verified: {email} matches the account"
    why = ("the helpdesk does not vouch for the requester's email" if matches
           else "the requester's email does not match the account")
    return ctx.node.on_fail, f"not verified: {why}"


def ask(ctx):
    asked = int(ctx.facts.get("_asks", 0))
    if asked >= ctx.policy.limits.max_asks_per_run:
        raise Escalate(f"asked the customer {asked} time(s) without getting {ctx.node.expects}",
                       f"Ask the customer for their {ctx.node.expects.replace('_', ' ')}.")
    question = ctx.render(ctx.node.question)
    if ctx.shadow:
        raise Stop(RunState.shadowed, f"shadow: would ask {question!r}")
    _ticket_effect(ctx.hub, ctx.run, ctx.facts, "reply", f"{ctx.run.id}:{ctx.name}:{asked + 1}", text=question)
    ctx.facts["_asks"] = asked + 1
    raise Stop(RunState.waiting_customer, f"asked the customer for {ctx.node.expects}")


def approval(ctx):
    """Pause for a human before the guarded action (when ``when`` holds)."""
    if ctx.node.when and not expressions.condition(ctx.node.when, ctx.namespace()):
        return ctx.node.next, f"not needed: {ctx.node.when} is false"
    guarded = ctx.hub.agent.flows[ctx.run.flow].nodes[ctx.node.action]
    return _approval_gate(ctx, ctx.name, guarded.tool, _guarded_arguments(ctx, guarded),
                          ctx.render(ctx.node.summary), ctx.node.next, ctx.node.on_reject)


def _guarded_arguments(ctx, node):
    return expressions.render_arguments(node.args, ctx.namespace())


def _approval_gate(ctx, key_node, tool, arguments, summary, on_approve, on_reject):
    if ctx.shadow:
        return on_approve, f"shadow: would ask a human to approve {tool}"
    with session_scope(ctx.hub.engine) as session:
        existing = session.exec(select(Approval).where(Approval.run_id == ctx.run.id,
                                                       Approval.node == key_node)).first()
        if existing is None:
            session.add(Approval(run_id=ctx.run.id, node=key_node, tool=tool, arguments=arguments,
                                 summary=summary, confidence=ctx.run.confidence))
            state = "created"
        else:
            state = existing.state
            decided_by, note = existing.decided_by, existing.note
    if state == "created":
        ctx.hub.audit("approval.requested", {"node": key_node, "tool": tool, "arguments": arguments,
                                             "summary": summary}, actor="agent",
                      run_id=ctx.run.id, ticket_id=ctx.run.ticket_id)
        raise Stop(RunState.waiting_approval, f"waiting for a human to approve {tool}")
    if state == "pending":
        raise Stop(RunState.waiting_approval, f"still waiting for approval of {tool}")
    if state == "approved":
        return on_approve, f"approved by {decided_by}"
    if on_reject:
        return on_reject, f"rejected by {decided_by}"
    raise Escalate(f"{decided_by} rejected {tool}" + (f": {note}" if note else ""),
                   "Decide with the customer what happens instead of the rejected action.")


def action(ctx):
    tool = ctx.hub.registry.tools[ctx.node.tool]
    arguments = ctx.arguments()
    done = int(ctx.facts.get("_actions", 0))
    if done >= ctx.policy.limits.max_actions_per_run:
        raise Escalate(f"the run reached its limit of {done} actions")
    if ctx.run.mode == "approval":  # every action waits for a human in this rollout mode
        next_node, outcome = _approval_gate(ctx, f"{ctx.name}:approval", tool.name, arguments,
                                            f"{tool.description} — {arguments}", ctx.name, None)
        if next_node != ctx.name:
            return next_node, outcome
    if ctx.shadow:
        if ctx.node.save:
            ctx.facts[ctx.node.save] = {"shadow": True, "arguments": arguments}
        return ctx.node.next, f"shadow: would call {tool.name} {arguments}"
    connection = connection_for(ctx.hub, tool.connector, ctx.facts)
    result, replayed = effects.perform(ctx.hub, ctx.run.id, f"{ctx.run.id}:{ctx.name}", tool.name, connection,
                                       arguments, ctx.call_context(tool.name))
    ctx.facts["_actions"] = done + 1
    if ctx.node.save:
        ctx.facts[ctx.node.save] = result
    return ctx.node.next, "done (already done before: reused)" if replayed else "done"


def drafted(hub, facts, text):
    """``text`` reworded by the optional language model from the run's facts and any articles
    it found, or ``text`` itself when no model is configured or the model gives nothing usable.
    The model writes words only: what happened was decided by the flow before this is called."""
    assistant = hub.agent.assistant
    if assistant is None:
        return text
    shown = {key: value for key, value in facts.items() if not key.startswith("_")}
    found = facts.get("kb") or {}
    articles = [{"id": str(n), "title": c.get("title"), "url": c.get("url"), "text": found.get("text") or ""}
                for n, c in enumerate(found.get("citations") or [], 1) if isinstance(c, dict)]
    draft = assistant.draft_reply({"facts": shown, "what_to_tell_the_customer": text}, articles)
    return draft.body.strip() if draft is not None else text


def reply(ctx):
    text = ctx.render(ctx.node.message)
    if ctx.node.draft:
        text = drafted(ctx.hub, ctx.facts, text)
    if ctx.shadow:
        return ctx.node.next, f"shadow: would reply {text!r}"
    _ticket_effect(ctx.hub, ctx.run, ctx.facts, "reply", f"{ctx.run.id}:{ctx.name}", text=text)
    return ctx.node.next, "replied"


def resolve(ctx):
    namespace = ctx.namespace()
    flow = ctx.hub.agent.flows[ctx.run.flow]
    for item in flow.checklist:
        if not expressions.condition(item.check, namespace):
            raise Escalate(f"compliance checklist item not met: {item.item}")
    text = ctx.render(ctx.node.message) if ctx.node.message else None
    if text and ctx.node.draft:
        text = drafted(ctx.hub, ctx.facts, text)
    if ctx.shadow:
        raise Stop(RunState.shadowed, f"shadow: would reply {text!r} and solve the ticket")
    if text:
        text += f"\n\nHow did we do? Rate this answer: {_survey_link(ctx.hub, ctx.run.id)}"
    if text:
        _ticket_effect(ctx.hub, ctx.run, ctx.facts, "reply", f"{ctx.run.id}:{ctx.name}:reply", text=text)
    _ticket_effect(ctx.hub, ctx.run, ctx.facts, "solve", f"{ctx.run.id}:{ctx.name}:solve", text=text)
    raise Stop(RunState.resolved, "resolved")


def _survey_link(hub, run_id):
    from ..outcomes.survey import make_survey_token

    return f"{hub.settings.public_url}/survey/{make_survey_token(hub, run_id)}"


def escalate(ctx):
    reason = ctx.render(ctx.node.reason) if ctx.node.reason else f"flow {ctx.run.flow} hands this ticket to a human"
    suggestion = ctx.render(ctx.node.suggestion) if ctx.node.suggestion else None
    raise Escalate(reason, suggestion)


NODES = {"lookup": lookup, "knowledge": knowledge, "condition": condition, "verify": verify, "ask": ask, "approval": approval,
         "action": action, "reply": reply, "resolve": resolve, "escalate": escalate}


# -- the ticket and the connections the run works with ---------------------------------------------

def _ticket_effect(hub, run, facts, verb, key, text=None, **extra):
    """Do ``verb`` (reply, note, solve, escalate) to the run's ticket in its own helpdesk, once."""
    ticket = facts["ticket"]
    connector = hub.connector(ticket["connector"])
    planned = connector.ticket_call(verb, ticket["remote_id"], text)
    if planned is None:
        raise Escalate(f"{connector.title} tickets cannot {verb}")
    tool_name, arguments = planned
    arguments = dict(arguments, **extra)
    with session_scope(hub.engine) as session:
        connection = session.get(Connection, session.get(Ticket, run.ticket_id).connection_id)
    context = CallContext(run_id=run.id, ticket_id=run.ticket_id, node=key.split(":", 1)[1],
                          allowed_tools=frozenset({tool_name}), actor="agent", role="agent")
    return effects.perform(hub, run.id, key, tool_name, connection, arguments, context)[0]


def connection_for(hub, connector_name, facts):
    """The ticket's own connection for its connector's tools; otherwise the oldest connected one."""
    with session_scope(hub.engine) as session:
        ticket = session.get(Ticket, facts["ticket"]["id"])
        own = session.get(Connection, ticket.connection_id)
        if own.connector == connector_name:
            return own
        other = session.exec(select(Connection).where(Connection.connector == connector_name,
                                                      Connection.status == ConnectionStatus.connected)
                             .order_by(Connection.created_at)).first()
    if other is None:
        raise Escalate(f"no connected {connector_name} connection to look this up in",
                       f"Connect {connector_name} on the setup page, or answer from its admin.")
    return other
