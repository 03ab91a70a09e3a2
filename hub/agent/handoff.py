"""The internal note a human inherits on escalation: everything the agent saw and did."""

import json

from sqlmodel import select

from ..db import session_scope
from ..models import AuditEntry
from . import reasons

#: Facts the note leaves out: bookkeeping, and what the note states in its own sections.
_HIDDEN = {"ticket", "requester", "entities", "intent", "verified", "customer_reply", "reading", "requests",
           "current", "language", "subject"}
_MAX_FACT_CHARS = 600


def _outcome(request):
    state = request.get("state")
    if state == "done":
        return "answered"
    if state in ("handed_over", "escalated"):
        return f"for a person: {request.get('reason') or request.get('code')}"
    return "not reached"


def _whose(subject):
    if subject.get("kind", "requester") == "requester":
        return ""
    who = ", ".join(str(subject[k]) for k in ("name", "email", "relation") if subject.get(k))
    return f" · concerns {who or 'someone else'}" if subject.get("kind") == "other" else " · whose is unclear"


def steps_taken(hub, run_id):
    """One line per node the run went through, from the audit log."""
    with session_scope(hub.engine) as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.run_id == run_id,
                                                        AuditEntry.kind == "run.step")
                               .order_by(AuditEntry.seq)).all()
    lines = []
    for entry in entries:
        data = entry.data
        detail = f" {data['tool']}" if data.get("tool") else ""
        lines.append(f"{data.get('node')} ({data.get('type')}){detail}: {data.get('outcome')}")
    return lines


def note(hub, run, facts, why, suggestion=None, code=None):
    """The structured handoff note, plain text so every helpdesk shows it as written."""
    intent = facts.get("intent") or {}
    requester = facts.get("requester") or {}
    reading = facts.get("reading") or {}
    verified = "yes" if facts.get("verified") else "no"
    lines = [
        "helpdesk-hub agent handoff",
        "",
        f"Why escalated: {why}",
    ]
    if code:
        lines.append(f"Kind of reason: {reasons.describe(code)} ({code})")
    lines += [
        f"Intent: {intent.get('name') or 'unknown'} (confidence {intent.get('confidence', 0):.2f})"
        f" · flow {run.flow or 'none'} · mode {run.mode}",
        f"Requester: {requester.get('email') or 'unknown'} · identity verified: {verified}",
    ]
    if reading.get("language"):
        lines.append(f"Language: {reading['language']}")
    for hit in reading.get("risks") or ():
        lines.append(f"Risk trigger: {hit['trigger'].replace('_', ' ')} — {hit['phrase']!r}")
    requests = facts.get("requests") or []
    if len(requests) > 1 or any((r.get("subject") or {}).get("kind", "requester") != "requester" for r in requests):
        lines += ["", "Requests in the ticket:"]
        for n, request in enumerate(requests, 1):
            lines.append(f"{n}. {request['intent']} ({request['confidence']:.2f}) — {_outcome(request)}"
                         f"{_whose(request.get('subject') or {})}: {request['text'][:200]!r}")
    entities = {key: value for key, value in (facts.get("entities") or {}).items() if value}
    if entities:
        lines.append("Entities: " + "; ".join(f"{key}: {', '.join(map(str, value))}"
                                              for key, value in entities.items()))
    gathered = {key: value for key, value in facts.items() if key not in _HIDDEN and not key.startswith("_")}
    if gathered:
        lines += ["", "Facts gathered:"]
        for key, value in gathered.items():
            text = json.dumps(value, default=str, ensure_ascii=False)
            if len(text) > _MAX_FACT_CHARS:
                text = text[:_MAX_FACT_CHARS] + " …"
            lines.append(f"- {key}: {text}")
    steps = steps_taken(hub, run.id)
    if steps:
        lines += ["", "Steps taken:"] + [f"{n}. {step}" for n, step in enumerate(steps, 1)]
    lines += ["", f"Suggested next step: {suggestion or 'Read the facts above, then answer the customer.'}",
              f"Agent run: {run.id}"]
    return "\n".join(lines)
