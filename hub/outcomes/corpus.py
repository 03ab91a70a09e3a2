"""The replay corpus: labelled tickets, one JSON object a line (format in eval/replay/README.md).

A corpus is checked whole before anything runs; the first problem is one line naming the file,
the line number, the key and the reason. Each file is a *split*, named after the file
(``dev``, ``heldout``): ``hub eval`` reports every split apart, so a held-out file that no
tuning ever looks at stays a fair measure.
"""

import json
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from ..config import Strict
from ..connectors import NAME_PATTERN
from ..errors import HubError

OUTCOMES = ("resolved", "escalated", "waiting_approval", "waiting_customer")


class CorpusError(HubError):
    pass


class Label(Strict):
    intent: str = Field(min_length=1)
    #: What a careful human would have the agent end with.
    outcome: Literal[OUTCOMES]
    #: Action tools (vendor writes other than replying, solving or escalating on the ticket
    #: itself) the agent may call for this ticket. Anything else it calls is a wrong action.
    allowed_actions: list[str] = []
    #: Where a resolution leaves the ticket's helpdesk record (checked when given).
    vendor_status: Literal["solved", "open", "new", "pending", "on_hold"] | None = None
    #: Why a careful human hands it over: a code of hub.agent.reasons (``risk:legal`` …).
    reason: str | None = None
    #: The intents of each request, when the ticket holds several.
    requests: list[str] = []
    #: The most money the agent may move for this ticket (order currency); "0.00" for none.
    max_amount: Decimal | None = None
    #: The line-item titles the agent may act on, when the ticket names items.
    items: list[str] | None = None
    #: The orders the ticket is about, and numbers it names that are no order.
    orders: list[str] = []
    unknown_orders: list[str] = []
    #: The vendor records the allowed actions change ("shopify:order:1001" …).
    writes: list[str] = []
    #: Whose record the request is about, when it is not the requester's.
    subject: str | None = None
    note: str = ""

    @model_validator(mode="after")
    def _known_reason(self):
        from ..agent import reasons

        if self.reason and not reasons.valid(self.reason):
            raise ValueError(f"reason: unknown code {self.reason!r}")
        return self


class Item(Strict):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    #: The kind of ticket, for the per-group report (plain, risk, other_person …).
    group: str = "plain"
    language: str = "en"
    #: The connector whose helpdesk the ticket is filed in (checked against the replay world's
    #: helpdesks when ``load`` is given them).
    helpdesk: str = Field(pattern=NAME_PATTERN.pattern)
    requester: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    subject: str
    body: str = Field(min_length=1)
    #: The requester's answers to the agent's questions, one per question, in order.
    reply: str | list[str] | None = None
    label: Label
    #: The file the item came from (``dev``, ``heldout``), set by ``load``.
    split: str = "corpus"

    @property
    def replies(self) -> list[str]:
        return [self.reply] if isinstance(self.reply, str) else list(self.reply or [])


def load_all(paths, known_requesters=None):
    """Items of several files, each file its own split; ids must be unique across them."""
    items, seen = [], {}
    for path in paths:
        for item in load(path, known_requesters):
            if item.id in seen:
                raise CorpusError(f"{path}: id: {item.id!r} is also in {seen[item.id]}")
            seen[item.id] = path
            items.append(item)
    return items


def load(path, known_requesters=None):
    """The corpus items; ``known_requesters`` maps helpdesk → the emails its seed knows."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CorpusError(f"{path}: cannot read the corpus: {error}")
    items, seen = [], set()
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except ValueError as error:
            raise CorpusError(f"{where}: not JSON: {error}")
        if not isinstance(data, dict):
            raise CorpusError(f"{where}: each line must be a JSON object")
        try:
            item = Item.model_validate(dict(data, split=path.stem))
        except ValidationError as error:
            first = error.errors()[0]
            key = ".".join(str(part) for part in first["loc"]) or "item"
            raise CorpusError(f"{where}: {key}: {first['msg']}")
        if item.id in seen:
            raise CorpusError(f"{where}: id: {item.id!r} appears twice")
        seen.add(item.id)
        if known_requesters is not None and item.helpdesk not in known_requesters:
            raise CorpusError(f"{where}: helpdesk: {item.helpdesk!r} is not a helpdesk of the replay world "
                              f"(one of {', '.join(sorted(known_requesters))})")
        known = (known_requesters or {}).get(item.helpdesk)
        if known is not None and item.requester.lower() not in known:
            raise CorpusError(f"{where}: requester: {item.requester} is not a {item.helpdesk} user in the sandbox seed")
        items.append(item)
    if not items:
        raise CorpusError(f"{path}: the corpus has no tickets")
    return items


def sandbox_requesters():
    """Who can write to each sandbox: the replay world's helpdesk users, by helpdesk."""
    from ..testing.world import requesters

    return requesters()
