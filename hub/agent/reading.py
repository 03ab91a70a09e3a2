"""Judgement before action: what a ticket says, read once before any flow node runs.

A ticket is more than one intent. Reading it gives the language it is written in; every request
in it, each with its intent and calibrated confidence, its entities, and whose account, order or
employee record it concerns; whether a risk trigger fires; and whether the text tries to
instruct the agent. ``hub.agent.plan`` turns a reading into what the run will do.

The parts of reading (language detection, request splitting, subjects, risk triggers, the
injection check) live in ``hub.understanding``; a ``Reader`` is handed the ones to use, so the
agent, ``hub eval``'s dry run and the tests all read the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

from ..understanding.actions import negates_action
from ..understanding.entities import extract
from ..understanding.stance import stance_of

#: What ``understand`` answers for a piece of text: intent, confidence, unsure, source, and
#: optionally why it is unsure.
Understood = tuple

#: Entity lists a later request may borrow from the whole ticket when it names none itself
#: ("Where is order 1014? Also, can I change its address?"), but only when the ticket names
#: exactly one: with several, guessing which one "it" is would be acting on a guess.
BORROWED = ("order_numbers", "emails", "employee_ids", "ticket_numbers")


#: A request about the requester's own records: every key a flow may read, so templates can
#: write ``subject.name or subject.relation`` without tripping over a missing key.
NOBODY_ELSE = {"kind": "requester", "name": None, "email": None, "relation": None, "evidence": None}


@dataclass(frozen=True)
class Request:
    """One thing the ticket asks for."""

    text: str
    intent: str
    confidence: float
    unsure: bool
    source: str
    entities: dict
    subject: dict = field(default_factory=lambda: dict(NOBODY_ELSE))
    #: The request argues against its own action ("don't refund …"): nothing acts on it.
    negated: bool = False
    #: Why the reading is unsure, in words for the handoff note.
    doubt: str | None = None
    #: ``{"kind", "phrase"}`` when the request does not ask for its action now: it asks how or
    #: whether ("question"), hangs on a time to come ("conditional"), is taken back
    #: ("retracted") or asks to undo the action ("reversed") — hub.understanding.stance.
    stance: dict | None = None


@dataclass(frozen=True)
class Reading:
    language: str
    language_supported: bool
    requests: tuple[Request, ...]
    risks: tuple[dict, ...] = ()  # {"trigger", "phrase"}, one per trigger that fired
    instruction: str | None = None  # the phrase that tries to instruct the agent

    def to_fact(self) -> dict:
        """What the run keeps (and the audit log shows) of the reading, requests apart."""
        return {"language": self.language, "language_supported": self.language_supported,
                "risks": [dict(hit) for hit in self.risks], "instruction": self.instruction}


@dataclass
class Reader:
    """Reads tickets with the given parts; a part left out is not looked for.

    ``understand(text) -> (intent, confidence, unsure, source)`` is the only required part:
    without a splitter the whole ticket is one request, without a subject reader every request
    is the requester's own, and so on.
    """

    understand: Callable[[str], Understood]
    language: Callable[[str], object] | None = None  # text -> LanguageGuess(code, confidence, supported)
    split: Callable[..., list] | None = None  # (text, classify) -> [RequestSpan(text, start, end)]
    subject: Callable[..., object] | None = None  # (text, requester_email, requester_name) -> Subject
    risks: Callable[[str], list] | None = None  # text -> [RiskHit(trigger, phrase, language)]
    #: text -> the part of it that asks for something (hub.understanding.requests.asking_part)
    asking: Callable[[str], str] | None = None
    instruction: Callable[[str], str | None] | None = None

    def read(self, text: str, requester_email: str | None = None, requester_name: str | None = None,
             subject: str = "") -> Reading:
        """Read a ticket: ``text`` is its body, ``subject`` its subject line.

        The subject line sums the ticket up ("Order and a complaint"): it belongs to a ticket
        with one request, and is left out of each request of a ticket with several, where it
        would only blur what each one asks.
        """
        body = text or ""
        text = f"{subject}\n\n{body}".strip() if subject else body
        understand = _memoised(self.understand)  # the splitter and the requests ask about the same pieces
        language, supported = self._language(text)
        classify = lambda piece: understand(piece)[:3]  # noqa: E731 - the splitter's (intent, confidence, unsure)
        spans = [span for span in self.split(body, classify=classify) if span.text.strip()] if self.split else []
        # Each request with the text after it, where a writer may take the request back.
        pieces = [(span.text, body[span.end:]) for span in spans] if len(spans) >= 2 else [(text, "")]
        hint = language if supported and language != "und" else None
        whole = extract(text, language=hint).to_dict()
        requests = _carry_subjects([self._request(piece, following, whole, understand, hint, requester_email,
                                                  requester_name) for piece, following in pieces])
        risks = tuple({"trigger": hit.trigger, "phrase": hit.phrase} for hit in (self.risks(text) if self.risks else ()))
        instruction = self.instruction(text) if self.instruction else None
        return Reading(language, supported, requests, risks, instruction)

    def read_reply(self, text: str) -> Reading:
        """A customer's answer to a question: screened like a ticket, read as one request."""
        text = text or ""
        language, supported = self._language(text)
        risks = tuple({"trigger": hit.trigger, "phrase": hit.phrase} for hit in (self.risks(text) if self.risks else ()))
        instruction = self.instruction(text) if self.instruction else None
        return Reading(language, supported, (), risks, instruction)

    def _language(self, text):
        if self.language is None:
            return "und", True
        guess = self.language(text)
        # "und" (emoji, digits, a greeting) is no reason to turn anyone away: the request decides.
        return guess.code, bool(guess.supported or guess.code == "und")

    def _request(self, piece, following, whole, understand, language, requester_email, requester_name):
        intent, confidence, unsure, source, *why = understand(piece)
        if unsure and self.asking is not None:
            intent, confidence, unsure, source, why = self._read_the_ask(piece, understand, intent, confidence, source, why)
        entities = extract(piece, language=language).to_dict()
        for key in BORROWED:
            if not entities.get(key) and len(whole.get(key) or ()) == 1:
                entities[key] = list(whole[key])
        subject = dict(NOBODY_ELSE)
        if self.subject is not None:
            found = self.subject(piece, requester_email=requester_email, requester_name=requester_name)
            subject = {key: asdict(found).get(key) for key in NOBODY_ELSE}
        stance = stance_of(piece, intent, following)
        return Request(text=piece, intent=intent, confidence=float(confidence), unsure=bool(unsure), source=source,
                       entities=entities, subject=subject, negated=negates_action(piece, intent),
                       doubt=(why[0] if why else None) if unsure else None,
                       stance={"kind": stance.kind, "phrase": stance.phrase} if stance else None)


    def _read_the_ask(self, piece, understand, intent, confidence, source, why):
        """A long ticket whose story blurs its request ("the cap has a tear along the brim, looks
        like it got caught in the warehouse… Could you refund the $29 for the cap?") is read
        again on the sentences that ask. That reading stands only when it is sure *and* names the
        intent the whole text leaned to: it sharpens a reading, never changes it."""
        part = self.asking(piece)
        if not part or part.strip() == piece.strip():
            return intent, confidence, True, source, why
        a_intent, a_confidence, a_unsure, a_source, *_ = understand(part)
        if a_unsure or a_intent != intent:
            return intent, confidence, True, source, why
        return a_intent, a_confidence, False, a_source, []


def _carry_subjects(requests):
    """A request that says nothing of whose it is, beside one of the same intent that is for
    someone else, is for them too: "Slack for our new starter. And Zoom please." The careful
    reading — it hands over rather than acting on the requester."""
    carried = list(requests)
    for i, request in enumerate(carried):
        if request.subject.get("kind") != "requester" or request.subject.get("evidence"):
            continue
        near = [r for r in carried[max(0, i - 1):i + 2] if r is not request and r.intent == request.intent
                and r.subject.get("kind") != "requester"]
        if near:
            carried[i] = replace(request, subject=dict(near[0].subject))
    return tuple(carried)


def _memoised(function):
    known = {}

    def remembered(text):
        if text not in known:
            known[text] = function(text)
        return known[text]

    return remembered
