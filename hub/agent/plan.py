"""What a run does with a reading: which requests go through which flow, which go to a person.

Before any node runs, a ticket is handed to a person whole when
- the text tries to instruct the agent, a risk trigger fires, or it is written in a language
  the agent does not answer in;
- any request is unsure, argues against its own action, takes it back or makes it hang on a time
  to come ("if it hasn't come by Friday, cancel it"): nothing acts on a guess.
Otherwise every request gets a step: the flow for its intent *in the world of the ticket's
helpdesk* (customers or employees), or a hand-over with the reason — the request concerns
someone the flow may not act for, belongs to the other world, or its intent is off. A flow that
takes one value at a time (``for_each``) gets one step per value. The run works through the
steps in order and resolves the ticket only when every one was answered. A request that asks how
or whether an action is done ("how do I cancel an order?") is answered as the question it is, by
the flow that answers from the knowledge base — never by doing it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..understanding.actions import ACTING, actions_named
from ..understanding.folding import fold
from ..understanding.money import find_amounts
from ..understanding.shares import share_asked
from .reading import Reading, Request

#: Rollout modes from the most to the least cautious: a run with several requests works in the
#: most cautious mode any of them has.
CAUTION = ("shadow", "approval", "autonomous")


@dataclass
class Step:
    """One request as the run will treat it: a flow to run, or a hand-over."""

    request: Request
    flow: str | None = None
    entities: dict = field(default_factory=dict)
    code: str | None = None  # why it goes to a person (hub.agent.reasons), when it does
    reason: str | None = None
    #: The intent the step is answered as, when not the one read: a question about cancelling
    #: is answered as a how-to question (its rollout mode is that of the answering flow's intent).
    answered_as: str | None = None

    @property
    def intent(self) -> str:
        return self.answered_as or self.request.intent

    def to_fact(self) -> dict:
        request = self.request
        return {"text": request.text[:2000], "intent": request.intent, "confidence": round(request.confidence, 4),
                "unsure": request.unsure, "source": request.source, "entities": self.entities or request.entities,
                "subject": request.subject, "stance": request.stance, "answered_as": self.answered_as,
                "flow": self.flow, "code": self.code, "reason": self.reason,
                "state": "pending" if self.flow else "handed_over", "answer": None}


@dataclass
class Plan:
    steps: list[Step]
    mode: str
    #: Set when the whole ticket goes to a person before any node runs.
    code: str | None = None
    reason: str | None = None

    @property
    def runnable(self) -> list[int]:
        return [i for i, step in enumerate(self.steps) if step.flow]


def make_plan(reading: Reading, *, flows: dict, by_intent: dict, policy, audience: str) -> Plan:
    """``by_intent`` maps ``(intent, audience)`` to a flow (hub.agent.flows.flows_by_intent)."""
    requests = list(reading.requests)
    gate = _gate(reading, policy, by_intent)
    if gate:
        return Plan([Step(r) for r in requests], _mode([Step(r) for r in requests], policy), *gate)
    steps = []
    for request in requests:
        steps += _steps(request, flows, by_intent, policy, audience)
    mode = _mode(steps, policy)
    if steps and not any(step.flow for step in steps):  # nothing the agent can do: one hand-over
        reason = steps[0].reason if len(steps) == 1 else "; ".join(f"{n}. {s.reason}" for n, s in enumerate(steps, 1))
        return Plan(steps, mode, steps[0].code, reason)
    return Plan(steps, mode)


def screen_reply(reading: Reading, policy) -> tuple[str, str] | None:
    """The gates a customer's answer passes before the run goes on (no language or intent check:
    "1016" is a fine answer in any language)."""
    if reading.instruction or reading.risks:
        return _gate(reading, policy)
    return None


def _gate(reading, policy, by_intent=None):
    """(code, reason) when the whole ticket must reach a person before anything runs."""
    if reading.instruction:
        return "injection", f"the ticket tries to instruct the agent ({reading.instruction!r}); a person should read it"
    enabled = policy.enabled_risk_triggers()
    risks = [hit for hit in reading.risks if enabled is None or hit["trigger"] in enabled]
    if risks:
        named = "; ".join(f"{hit['trigger'].replace('_', ' ')} ({hit['phrase']!r})" for hit in risks)
        return f"risk:{risks[0]['trigger']}", f"risk trigger: {named}"
    if not reading.language_supported:
        return "language", f"written in a language the agent does not answer in ({reading.language})"
    # Someone else's request that no flow would carry out for them goes to a person for that
    # reason, whether or not the agent is sure what it asks.
    unsure = [r for r in reading.requests if (r.unsure or (r.source != "llm" and r.confidence < policy.threshold_for(r.intent)))
              and not _for_someone_no_flow_serves(r, by_intent)]
    if unsure:
        r = unsure[0]
        why = r.doubt or f"confidence {r.confidence:.2f} is below the threshold for {r.intent}"
        if len(reading.requests) > 1:
            return "unsure", f"the agent is not confident what one of the {len(reading.requests)} requests asks ({why}): {r.text[:120]!r}"
        return "unsure", why
    for r in reading.requests:
        kind = (r.stance or {}).get("kind")
        action = r.intent.replace("_", " ")
        if kind == "retracted":
            return "contradiction", f"the ticket asks for {action} and then takes it back ({r.stance['phrase']!r}): {r.text[:120]!r}"
        if kind == "conditional":
            return "conditional", (f"the {action} request is to be carried out only if something that has not happened yet does "
                                   f"({r.stance['phrase']!r}); a person should follow it up: {r.text[:120]!r}")
    negated = [r for r in reading.requests if r.negated]
    if negated:
        r = negated[0]
        same = [o for o in reading.requests if o.intent == r.intent and not o.negated]
        if same:
            return "contradiction", f"the ticket asks both for and against {r.intent.replace('_', ' ')}: {r.text[:120]!r}"
        return "unsure", f"the ticket speaks against the action it seems to ask for ({r.intent}): {r.text[:120]!r}"
    return None


def _for_someone_no_flow_serves(request, by_intent):
    """Someone else's request whose (best-guess) intent no flow may carry out for them."""
    if (request.subject or {}).get("kind", "requester") == "requester" or by_intent is None:
        return False
    flows = [flow for (intent, _), flow in (by_intent or {}).items() if intent == request.intent]
    return not any({"anyone", "owner", "direct_report"} & set(flow.acts_for) for flow in flows)


def _steps(request, flows, by_intent, policy, audience):
    if (request.stance or {}).get("kind") == "question":
        return [_answered_as_question(request, flows, policy, audience)]
    if (request.stance or {}).get("kind") == "reversed":
        return [Step(request, code="no_flow", reason=f"the request asks to undo what the {request.intent.replace('_', ' ')} "
                                                     f"flow does ({request.stance['phrase']!r}); no flow undoes it")]
    flow = by_intent.get((request.intent, audience))
    kind = (request.subject or {}).get("kind", "requester")
    if policy.mode_for(request.intent) == "off":
        return [Step(request, code="no_flow", reason=f"the agent is switched off for {request.intent}")]
    if flow is None and kind != "requester" and any(intent == request.intent for intent, _ in by_intent):
        # Someone else's request, and no flow of this world acts for them: that is the reason
        # a person needs, more than which helpdesk it came through.
        return [Step(request, code="third_party", reason=_concerns(request.subject)
                     + f"; no flow for this helpdesk's {audience} acts on it")]
    if flow is None:
        other = next((f for (intent, aud), f in by_intent.items() if intent == request.intent and aud != audience), None)
        if other is not None:
            return [Step(request, code="audience",
                         reason=f"{request.intent.replace('_', ' ')} is handled for {other.audience} only, and this "
                                f"ticket comes from a helpdesk for {audience}")]
        return [Step(request, code="no_flow", reason=f"no flow handles intent {request.intent}")]
    if kind != "requester" and "anyone" not in flow.acts_for:
        if "owner" in flow.acts_for and flow.found_by and not request.entities.get(flow.found_by):
            return [Step(request, code="third_party", reason=_concerns(request.subject)
                         + f", and names no {flow.found_by.replace('_', ' ')[:-1]} to check whose it is")]
        if not {"owner", "direct_report"} & set(flow.acts_for):
            return [Step(request, code="third_party", reason=_concerns(request.subject)
                         + f"; the {flow.name} flow acts only on the requester's own records")]
    for_each = flow.for_each
    named = request.entities.get(flow.found_by) or () if flow.found_by else ()
    if len(named) > 1 and for_each != flow.found_by and request.intent in ACTING:
        if actions_named(request.text) - {request.intent} or _sized(request.text):
            # "Storniere 1001 und erstatte 1016" read as one request: taking the first order
            # would drop the other's request, and taking each would cancel 1016 too. A sum or
            # a share ("$29", "half") is of one order, not of each.
            return [Step(request, code="unsure", reason=f"the request names {len(named)} {flow.found_by.replace('_', ' ')} "
                         f"({', '.join(map(str, named))}) and more than one action or a sum; which is meant for what is a "
                         "person's call")]
        for_each = flow.found_by  # "cancel 1001 and 1016": two cancellations, each checked
    values = request.entities.get(for_each) if for_each else None
    if values and len(values) > 1:
        return [Step(request, flow=flow.name, entities=dict(request.entities, **{for_each: [value]}))
                for value in values]
    return [Step(request, flow=flow.name, entities=request.entities)]


def _sized(text):
    return find_amounts(fold(text)) or share_asked(text)


def _answered_as_question(request, flows, policy, audience):
    """"How do I cancel an order?" asks for an answer, not a cancellation: the flow that answers
    from the knowledge base takes it, in its own intent's rollout mode; without one, a person."""
    action = request.intent.replace("_", " ")
    answering = next((f for f in flows.values() if f.nodes[f.start].type == "knowledge" and f.intents
                      and f.audience in (audience, "any") and policy.mode_for(f.intents[0]) != "off"), None)
    if answering is None:
        return Step(request, code="no_flow", reason=f"the ticket asks how or whether {action} is done "
                                                    f"({request.stance['phrase']!r}), and no flow answers questions")
    return Step(request, flow=answering.name, entities=request.entities, answered_as=answering.intents[0])


def _mode(steps, policy):
    return _most_cautious([policy.mode_for(s.intent) for s in steps if policy.mode_for(s.intent) != "off"])


def _concerns(subject):
    who = subject.get("name") or subject.get("email") or subject.get("relation")
    if subject.get("kind") == "unclear":
        return "it is not clear whose account or order the request concerns"
    return f"the request concerns someone else ({who})" if who else "the request concerns someone else"


def _most_cautious(modes):
    known = [m for m in modes if m in CAUTION]
    return min(known, key=CAUTION.index) if known else (modes[0] if modes else "shadow")
