"""The node types a flow is made of, each one function from the run's context to the next node.

A node returns ``(next node, outcome)`` or raises: ``Stop`` to wait or finish, ``Escalate`` to
hand the request to people, ``NextRequest`` when its request is answered and the ticket holds
more. Every tool call goes through the hub's guard; every write through the effect ledger.
"""

from sqlmodel import select

from ..db import session_scope
from ..errors import NotFound
from ..i18n import N_, NoTranslation, language_of
from ..models import Approval, RunState
from ..tools import CallContext
from . import effects, expressions, worklist
from .control import Escalate, NextRequest, Stop
from .helpdesk import connection_for, ticket_effect


class Context:
    """One node's view of its run."""

    def __init__(self, hub, run, facts, name, node, flow):
        self.hub, self.run, self.facts, self.name, self.node, self.flow = hub, run, facts, name, node, flow
        self.policy = hub.agent.policy

    @property
    def shadow(self):
        return self.run.mode == "shadow"

    def key(self, suffix=None):
        """This node's key in the effect ledger and the approvals: unique per request of the run."""
        name = worklist.key(self.facts, self.name)
        return f"{self.run.id}:{name}" + (f":{suffix}" if suffix else "")

    def namespace(self):
        return dict(self.facts, policy=self.policy.facts())

    def render(self, template):
        """A text for operators (summaries, reasons): English."""
        return expressions.render(template, self.namespace())

    def render_for_customer(self, template, **values):
        """``template`` in the customer's language (``facts["language"]``; English when it is
        undetermined): its reviewed translation from the catalogues, rendered with the run's
        facts. A text with no usable translation is never sent in English instead: the
        request goes to a person who speaks the language."""
        try:
            return self.hub.agent.messages.render(template, dict(self.namespace(), **values),
                                                  self.facts.get("language"))
        except NoTranslation as missing:
            raise Escalate(f"{missing} (flow {self.flow.name}, node {self.name})",
                           f"Answer the customer in {missing.language}; `hub i18n check` lists what the "
                           "catalogue lacks.", code="language") from None

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
        raise Escalate(f"{tool.name} found nothing: {error}", code="not_found")
    if ctx.node.on_not_found and _empty(result):
        return ctx.node.on_not_found, "nothing found"
    if ctx.node.save:
        ctx.facts[ctx.node.save] = result
    return ctx.node.next, "ok"


def _empty(result):
    """A lookup that answered but found nothing: every value is empty or None."""
    return isinstance(result, dict) and all(value in (None, [], {}, "") for value in result.values())


def knowledge(ctx):
    """Answer from the hub's knowledge base: only a confident answer goes on, with its citations,
    and only from articles in the customer's language."""
    answer = ctx.hub.agent.knowledge.ask(ctx.render(ctx.node.question), language=language_of(ctx.facts.get("language")))
    found = [{"title": hit.title, "url": hit.url, "score": round(hit.score, 3)} for hit in answer.chunks[:3]]
    if answer.refused:
        ctx.facts[ctx.node.save] = {"refused": answer.reason, "closest": found}
        return ctx.node.on_not_found, f"no confident answer ({answer.reason})"
    ctx.facts[ctx.node.save] = {"text": answer.text, "confidence": round(answer.confidence, 3),
                                "citations": [{"title": title, "url": url} for title, url in answer.citations]}
    return ctx.node.next, f"answered with confidence {answer.confidence:.2f}"


def derive(ctx):
    """A fact worked out from others (what a request covers on the order it names): no vendor
    call, so the flow can branch on it and pass it to an action."""
    ctx.facts[ctx.node.save] = expressions.value(ctx.node.value, ctx.namespace())
    return ctx.node.next, f"{ctx.node.save} worked out"


def condition(ctx):
    namespace = ctx.namespace()
    for case in ctx.node.cases:
        if expressions.condition(case.when, namespace):
            return case.next, f"{case.when} → {case.next}"
    return ctx.node.default, f"no case held → {ctx.node.default}"


def verify(ctx):
    """The requester may act on the record the flow looked up: the helpdesk vouches for the
    requester's email, and it is the record owner's — or, where the flow acts for direct
    reports, the owner's manager's (``manager_email``)."""
    requester = ctx.facts.get("requester") or {}
    email = (requester.get("email") or "").strip().lower()
    owner = _email(expressions.value(ctx.node.email, ctx.namespace()))
    manager = _email(expressions.value(ctx.node.manager_email, ctx.namespace())) if ctx.node.manager_email else None
    as_owner, as_manager = bool(email) and email == owner, bool(email) and email == manager
    if (as_owner or as_manager) and requester.get("vouched"):
        ctx.facts["verified"], ctx.facts["verified_as"] = True, "owner" if as_owner else "manager"
        how = "matches the account" if as_owner else f"is the manager of {owner}"
        return ctx.node.next, f"verified: {email} {how}"
    if as_owner or as_manager:
        why = "the helpdesk does not vouch for the requester's email"
    elif manager is not None:
        why = "the requester is neither the account's owner nor the owner's manager"
    else:
        why = "the requester's email does not match the account"
    return ctx.node.on_fail, f"not verified: {why}"


def _email(value):
    return str(value).strip().lower() if value else None


#: What the customer is told when their answer lacked what was asked, by what the ask expects.
NOT_IN_REPLY = {
    "order_numbers": N_("Sorry, we could not find the order number in your reply."),
    "address": N_("Sorry, we could not read a new address in your reply."),
    "profile": N_("Sorry, we could not read the details to change in your reply."),
    "software": N_("Sorry, we could not tell from your reply which application you need."),
}
NOT_IN_REPLY_OTHERWISE = N_("Sorry, we could not find what we asked for in your reply.")
SURVEY = N_("How did we do? Rate this answer: {{ survey_link }}")
#: What an ask node's ``expects`` is called in the reasons operators read.
_EXPECTED = {"order_numbers": "order number", "software": "application name", "emails": "email address",
             "employee_ids": "employee ID", "ticket_numbers": "ticket number"}


def ask(ctx):
    asked = int(ctx.facts.get("_asks", 0))
    expects = _EXPECTED.get(ctx.node.expects, ctx.node.expects.replace("_", " "))
    if asked >= ctx.policy.limits.max_asks_per_run:
        raise Escalate(f"asked the customer {asked} time(s) without getting {expects}",
                       f"Ask the customer for their {expects}.", code="asks")
    question = ctx.render_for_customer(ctx.node.question)
    reply = ctx.facts.get("customer_reply")
    if reply is not None and not ctx.facts.get("entities", {}).get(ctx.node.expects) and _asks_back(reply):
        # "What's your return policy first?": the customer answered with a question of their
        # own. Asking ours again would ignore theirs; a person answers both.
        raise Escalate(f"asked for the {expects}, the customer asked a question back instead",
                       f"Answer the customer's question, then ask for their {expects}.", code="asks")
    if reply is not None and not ctx.facts.get("entities", {}).get(ctx.node.expects):
        # Asked before and the answer did not carry it: say so rather than repeat ourselves.
        sorry = ctx.render_for_customer(NOT_IN_REPLY.get(ctx.node.expects, NOT_IN_REPLY_OTHERWISE))
        question = f"{sorry} {question}"
    if ctx.shadow:
        raise Stop(RunState.shadowed, f"shadow: would ask {question!r}")
    ticket_effect(ctx.hub, ctx.run, ctx.facts, "reply", ctx.key(str(asked + 1)), text=question)
    ctx.facts["_asks"] = asked + 1
    raise Stop(RunState.waiting_customer, f"asked the customer for {ctx.node.expects}")


def _asks_back(reply):
    return "?" in reply or "¿" in reply


def approval(ctx):
    """Pause for a human before the guarded action (when ``when`` holds)."""
    if ctx.node.when and not expressions.condition(ctx.node.when, ctx.namespace()):
        return ctx.node.next, f"not needed: {ctx.node.when} is false"
    guarded = ctx.flow.nodes[ctx.node.action]
    arguments = expressions.render_arguments(guarded.args, ctx.namespace())
    return _approval_gate(ctx, worklist.key(ctx.facts, ctx.name), guarded.tool, arguments,
                          ctx.render(ctx.node.summary), ctx.node.next, ctx.node.on_reject)


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
                   "Decide with the customer what happens instead of the rejected action.", code="rejected")


def action(ctx):
    tool = ctx.hub.registry.tools[ctx.node.tool]
    arguments = ctx.arguments()
    done = int(ctx.facts.get("_actions", 0))
    if done >= ctx.policy.limits.max_actions_per_run:
        raise Escalate(f"the run reached its limit of {done} actions", code="limit")
    if ctx.run.mode == "approval":  # every action waits for a human in this rollout mode
        next_node, outcome = _approval_gate(ctx, f"{worklist.key(ctx.facts, ctx.name)}:approval", tool.name,
                                            arguments, f"{tool.description} — {arguments}", ctx.name, None)
        if next_node != ctx.name:
            return next_node, outcome
    if ctx.shadow:
        if ctx.node.save:
            ctx.facts[ctx.node.save] = {"shadow": True, "arguments": arguments}
        return ctx.node.next, f"shadow: would call {tool.name} {arguments}"
    connection = connection_for(ctx.hub, tool.connector, ctx.facts)
    result, replayed = effects.perform(ctx.hub, ctx.run.id, ctx.key(), tool.name, connection,
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
    text = ctx.render_for_customer(ctx.node.message)
    if ctx.node.draft:
        text = drafted(ctx.hub, ctx.facts, text)
    if ctx.shadow:
        return ctx.node.next, f"shadow: would reply {text!r}"
    ticket_effect(ctx.hub, ctx.run, ctx.facts, "reply", ctx.key(), text=text)
    return ctx.node.next, "replied"


def resolve(ctx):
    """The request is answered. With more requests to go the answer waits for theirs; with a
    request left for a person the ticket is handed over with every answer given; otherwise one
    reply answers them all and the ticket is solved."""
    namespace = ctx.namespace()
    for item in ctx.flow.checklist:
        if not expressions.condition(item.check, namespace):
            raise Escalate(f"compliance checklist item not met: {item.item}", code="flow")
    text = ctx.render_for_customer(ctx.node.message) if ctx.node.message else None
    if text and ctx.node.draft:
        text = drafted(ctx.hub, ctx.facts, text)
    if worklist.next_pending(ctx.facts) is not None:
        raise NextRequest(text)
    if worklist.left(ctx.facts):
        raise NextRequest(text)  # the run hands over what is left, with this answer among the others
    worklist.close_current(ctx.facts, worklist.DONE, answer=text, put_away=False)
    if worklist.several(ctx.facts):
        text = "\n\n".join(worklist.answers(ctx.facts)) or None
    if ctx.shadow:
        raise Stop(RunState.shadowed, f"shadow: would reply {text!r} and solve the ticket")
    if text:
        text += "\n\n" + ctx.render_for_customer(SURVEY, survey_link=_survey_link(ctx.hub, ctx.run.id))
        ticket_effect(ctx.hub, ctx.run, ctx.facts, "reply", ctx.key("reply"), text=text)
    ticket_effect(ctx.hub, ctx.run, ctx.facts, "solve", ctx.key("solve"), text=text)
    raise Stop(RunState.resolved, "resolved")


def _survey_link(hub, run_id):
    from ..outcomes.survey import make_survey_token

    return f"{hub.settings.public_url}/survey/{make_survey_token(hub, run_id)}"


def escalate(ctx):
    reason = ctx.render(ctx.node.reason) if ctx.node.reason else f"flow {ctx.flow.name} hands this request to a person"
    suggestion = ctx.render(ctx.node.suggestion) if ctx.node.suggestion else None
    raise Escalate(reason, suggestion, code=ctx.node.code or "flow")


NODES = {"lookup": lookup, "knowledge": knowledge, "derive": derive, "condition": condition, "verify": verify, "ask": ask,
         "approval": approval, "action": action, "reply": reply, "resolve": resolve, "escalate": escalate}
