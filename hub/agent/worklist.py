"""A run's requests, one after another, and which facts belong to which.

A ticket may hold several requests (hub.agent.plan). The run keeps them in ``facts["requests"]``
and works on one at a time, ``facts["current"]``. What every request shares — the ticket, the
requester, the reading, the run's counters — stays; what a flow gathers for one request (the
order it looked up, whether the requester owns it) is put away with that request when the run
moves on, so the next flow starts clean and never reads another request's order.

Runs started before tickets were split have no ``requests``: they are one request, as before.
"""

from __future__ import annotations

from .reading import NOBODY_ELSE

#: Facts every request of a run shares. Everything else belongs to the current request.
SHARED = frozenset({"ticket", "requester", "reading", "requests", "current", "language",
                    "_asks", "_actions", "_handover"})
#: Request states: waiting its turn, answered, or left for a person (planned or on the way).
PENDING, DONE, HANDED_OVER, ESCALATED = "pending", "done", "handed_over", "escalated"


def begin(facts: dict, requests: list[dict]) -> int | None:
    """Keep ``requests`` (plan steps as facts) and start on the first the agent can work on."""
    facts["requests"] = requests
    first = next((i for i, r in enumerate(requests) if r["state"] == PENDING), None)
    if first is not None:
        _enter(facts, first)
    elif requests:
        facts.setdefault("entities", requests[0]["entities"])
        facts.setdefault("intent", _intent(requests[0]))
    return first


def current(facts: dict) -> dict | None:
    requests = facts.get("requests")
    if not requests or facts.get("current") is None:
        return None
    return requests[facts["current"]]


def next_pending(facts: dict) -> int | None:
    requests = facts.get("requests") or []
    here = facts.get("current")
    start = -1 if here is None else here
    return next((i for i in range(start + 1, len(requests)) if requests[i]["state"] == PENDING), None)


def close_current(facts: dict, state: str, answer: str | None = None, code: str | None = None,
                  reason: str | None = None, put_away: bool = True) -> None:
    """Mark the current request ``state`` and, when the run moves on to another request
    (``put_away``), keep its flow's facts with it."""
    request = current(facts)
    if request is None:
        return
    request.update(state=state, answer=answer)
    if code:
        request.update(code=code, reason=reason)
    if put_away:
        request["facts"] = {key: value for key, value in facts.items()
                            if key not in SHARED and not key.startswith("_") and key not in _ENTERED}


def move_to(facts: dict, index: int) -> dict:
    """Start request ``index``: drop the previous request's facts, set this one's."""
    for key in [key for key in facts if key not in SHARED]:
        del facts[key]
    return _enter(facts, index)


#: What entering a request sets: flows read the request's own words as ``request_text``.
_ENTERED = ("entities", "intent", "subject", "verified", "customer_reply", "request_text")


def _enter(facts, index):
    request = facts["requests"][index]
    request["state"] = PENDING
    facts.update(current=index, entities=request["entities"], intent=_intent(request),
                 subject=dict(NOBODY_ELSE, **(request.get("subject") or {})), verified=False, customer_reply=None,
                 request_text=request["text"])
    return request


def _intent(request):
    return {"name": request["intent"], "confidence": request["confidence"], "unsure": request["unsure"],
            "source": request["source"]}


def answers(facts: dict) -> list[str]:
    """What the customer is told about the requests answered so far, in the ticket's order."""
    return [r["answer"] for r in facts.get("requests") or () if r["state"] == DONE and r.get("answer")]


def left(facts: dict) -> list[dict]:
    """Requests a person must finish: handed over by the plan, or escalated on the way."""
    return [r for r in facts.get("requests") or () if r["state"] in (HANDED_OVER, ESCALATED)]


def several(facts: dict) -> bool:
    return len(facts.get("requests") or ()) > 1


def key(facts: dict, node: str) -> str:
    """The node's name in effect and approval keys: the first request's as before, later
    requests' prefixed with their number, so two refunds in one ticket are two effects."""
    index = facts.get("current") or 0
    return node if index == 0 else f"r{index + 1}.{node}"
