"""The replay corpus: labelled tickets, one JSON object a line (format in docs/outcomes.md).

A corpus is checked whole before anything runs; the first problem is one line naming the file,
the line number, the key and the reason.
"""

import json
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, model_validator

from ..config import Strict
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
    note: str = ""


class Item(Strict):
    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    helpdesk: Literal["zendesk", "servicenow"]
    requester: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    subject: str
    body: str = Field(min_length=1)
    #: The requester's answer if the agent asks them something (Zendesk only).
    reply: str | None = None
    label: Label

    @model_validator(mode="after")
    def _reply_where_answers_arrive(self):
        if self.reply and self.helpdesk != "zendesk":
            raise ValueError("reply: the replay answers questions on Zendesk tickets only")
        return self


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
            item = Item.model_validate(data)
        except ValidationError as error:
            first = error.errors()[0]
            key = ".".join(str(part) for part in first["loc"]) or "item"
            raise CorpusError(f"{where}: {key}: {first['msg']}")
        if item.id in seen:
            raise CorpusError(f"{where}: id: {item.id!r} appears twice")
        seen.add(item.id)
        known = (known_requesters or {}).get(item.helpdesk)
        if known is not None and item.requester.lower() not in known:
            raise CorpusError(f"{where}: requester: {item.requester} is not a {item.helpdesk} user in the sandbox seed")
        items.append(item)
    if not items:
        raise CorpusError(f"{path}: the corpus has no tickets")
    return items


def sandbox_requesters():
    """Who can write to each sandbox: Zendesk's shoppers and ServiceNow's active users."""
    import yaml
    from hub_servicenow import sandbox as servicenow_sandbox

    from ..testing.world import SHOPPERS

    seed = yaml.safe_load((Path(servicenow_sandbox.__file__).parent / "seed.yaml").read_text())
    users = seed["tables"]["sys_user"]
    return {"zendesk": {s["email"] for s in SHOPPERS},
            "servicenow": {u["email"] for u in users if u.get("email") and str(u.get("active", "true")) != "false"}}
