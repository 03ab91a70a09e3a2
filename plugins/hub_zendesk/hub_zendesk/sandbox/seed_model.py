"""The seed file's shape, checked when a sandbox starts so a bad seed fails with the key at
fault instead of a KeyError in the middle of a request."""

from typing import Literal

import pydantic

from .records import PRIORITIES, STATUSES, TYPES


class Strict(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")


class Account(Strict):
    id: int
    subdomain: str = pydantic.Field(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    name: str


class User(Strict):
    id: int
    name: str
    email: str = pydantic.Field(pattern=r"^[^@\s]+@[^@\s]+$")
    role: Literal["end-user", "agent", "admin"]
    verified: bool = False
    phone: str | None = None
    time_zone: str = "London"
    default_group_id: int | None = None
    external_id: str | None = None


class Group(Strict):
    id: int
    name: str
    description: str = ""
    default: bool = False


class Comment(Strict):
    id: int
    author_id: int
    body: str = pydantic.Field(min_length=1)
    public: bool = True
    created_at: str


class Ticket(Strict):
    id: int
    subject: str
    status: Literal[STATUSES]
    priority: Literal[PRIORITIES] | None = None
    type: Literal[TYPES] | None = None
    requester_id: int
    submitter_id: int | None = None
    assignee_id: int | None = None
    group_id: int | None = None
    tags: list[str] = []
    channel: str = "web"
    external_id: str | None = None
    created_at: str
    updated_at: str | None = None
    comments: list[Comment] = pydantic.Field(min_length=1)


class Section(Strict):
    id: int
    name: str


class Article(Strict):
    id: int
    section_id: int
    title: str
    body: str
    label_names: list[str] = []
    updated_at: str


class ZendeskSeed(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")

    oauth: dict  # validated by the kit
    account: Account
    users: list[User]
    groups: list[Group]
    tickets: list[Ticket]
    sections: list[Section]
    articles: list[Article]

    @pydantic.model_validator(mode="after")
    def references_resolve(self):
        users = {u.id: u for u in self.users}
        groups = {g.id for g in self.groups}
        for ticket in self.tickets:
            where = f"ticket {ticket.id}"
            if ticket.requester_id not in users:
                raise ValueError(f"{where}: requester_id {ticket.requester_id} is not a seeded user")
            if ticket.group_id is not None and ticket.group_id not in groups:
                raise ValueError(f"{where}: group_id {ticket.group_id} is not a seeded group")
            assignee = users.get(ticket.assignee_id)
            if ticket.assignee_id is not None and (assignee is None or assignee.role == "end-user"):
                raise ValueError(f"{where}: assignee_id {ticket.assignee_id} is not a seeded agent")
            for comment in ticket.comments:
                if comment.author_id not in users:
                    raise ValueError(f"{where}: comment {comment.id} author_id {comment.author_id} is not a seeded user")
        sections = {s.id for s in self.sections}
        for article in self.articles:
            if article.section_id not in sections:
                raise ValueError(f"article {article.id}: section_id {article.section_id} is not a seeded section")
        for kind, ids in (("ticket", [t.id for t in self.tickets]), ("user", list(users)),
                          ("comment", [c.id for t in self.tickets for c in t.comments])):
            if len(ids) != len(set(ids)):
                raise ValueError(f"two {kind}s share an id")
        return self
