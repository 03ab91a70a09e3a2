"""Zendesk lookup and action tools: ``fn(call) -> dict`` plus their declarations.

Every request goes through ``call.session`` (refresh, retries and error typing live there).
Comments are written through the ticket update, as Zendesk requires; replies and notes carry
the hub's idempotency key in the audit's custom metadata, which Zendesk copies onto the
comment, so a repeated call finds its earlier comment instead of posting twice. Zendesk has
no idempotency keys of its own: after a lost answer the comments are read again before the
update is sent again (``hub.writes.once``). Status and tag changes set values and may be sent
twice.
"""

from urllib.parse import urlsplit

from hub.errors import ConnectorError
from hub.tools import ACTION, LOOKUP, READ_BACK, SAME_STATE, Tool
from hub.writes import once

from .connector import document, member
from .normalize import (
    TO_ZENDESK_STATUS,
    comment_summary,
    hub_status,
    ticket_summary,
    user_summary,
)

CONNECTOR = "zendesk"
#: Where the idempotency key travels: ticket.metadata.custom[IDEMPOTENCY_FIELD].
IDEMPOTENCY_FIELD = "hub_idempotency_key"
MAX_PAGE = 100

TICKET_ID = {"type": "string", "pattern": "^[0-9]+$", "description": "Zendesk ticket id"}
EMAIL = {"type": "string", "minLength": 3, "maxLength": 320, "pattern": "^[^@\\s]+@[^@\\s]+$"}
STATUSES = ["new", "open", "pending", "hold", "on_hold", "solved", "closed"]


def _schema(required=(), **properties):
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": properties}


# -- reading helpers ---------------------------------------------------------------------------


def follow(call, path, key, page_size=MAX_PAGE, limit=1000):
    """Items under ``key`` across cursor pages, following ``links.next`` as Zendesk gives it.

    Returns ``(items, pages, truncated)``; stops after ``limit`` items.
    """
    session = call.session
    origin = _origin(session.url(path))
    answer = document(session.get(path, params={"page[size]": page_size}))
    items, pages = list(answer.get(key) or []), 1
    while (answer.get("meta") or {}).get("has_more") and len(items) < limit:
        next_url = (answer.get("links") or {}).get("next")
        if not next_url:
            break
        # The bearer token goes wherever the link points: never off the vendor's own host.
        if _origin(next_url) != origin:
            raise ConnectorError(CONNECTOR, f"refusing to follow a pagination link off {origin}: {next_url}")
        answer = document(session.get(next_url))
        items += answer.get(key) or []
        pages += 1
    return items[:limit], pages, len(items) > limit or bool((answer.get("meta") or {}).get("has_more"))


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _ticket(call, ticket_id):
    return member(call.session.get(f"tickets/{ticket_id}"), "ticket")


def _user_by_email(call, email):
    users = document(call.session.get("users/search", params={"query": email})).get("users") or []
    wanted = email.strip().lower()
    return next((u for u in users if (u.get("email") or "").lower() == wanted), None)


def _groups(call):
    groups, _, _ = follow(call, "groups", "groups")
    return groups


# -- lookups -----------------------------------------------------------------------------------


def get_ticket(call):
    ticket_id = call.arguments["ticket_id"]
    ticket = _ticket(call, ticket_id)
    comments, _, _ = follow(call, f"tickets/{ticket_id}/comments", "comments")
    return {"ticket": ticket_summary(ticket), "comments": [comment_summary(c) for c in comments]}


def list_tickets(call):
    args = call.arguments
    page_size, limit = args.get("page_size", MAX_PAGE), args.get("limit", 100)
    email = args.get("requester_email")
    if email:
        user = _user_by_email(call, email)
        if user is None:
            return {"tickets": [], "count": 0, "pages": 0, "truncated": False, "requester": None}
        path = f"users/{user['id']}/tickets/requested"
    else:
        user, path = None, "tickets"
    tickets, pages, truncated = follow(call, path, "tickets", page_size=page_size, limit=limit)
    result = {"tickets": [ticket_summary(t) for t in tickets], "count": len(tickets), "pages": pages,
              "truncated": truncated}
    if email:
        result["requester"] = user_summary(user)
    return result


def find_user(call):
    user = _user_by_email(call, call.arguments["email"])
    return {"found": user is not None, "user": user_summary(user) if user else None}


def list_groups(call):
    return {"groups": [{"id": str(g["id"]), "name": g["name"], "description": g.get("description") or "",
                        "default": bool(g.get("default"))} for g in _groups(call)]}


def search_articles(call):
    args = call.arguments
    limit = args.get("limit", 5)
    answer = document(call.session.get("help_center/articles/search",
                                       params={"query": args["query"], "per_page": limit}))
    return {"articles": [{
        "id": str(a["id"]),
        "title": a.get("title") or a.get("name") or "",
        "url": a.get("html_url"),
        "snippet": a.get("snippet") or "",
        "section_id": str(a.get("section_id")) if a.get("section_id") is not None else None,
        "labels": list(a.get("label_names") or []),
    } for a in (answer.get("results") or [])[:limit]]}


def list_articles(call):
    args = call.arguments
    articles, pages, truncated = follow(call, "help_center/articles", "articles",
                                        page_size=args.get("page_size", MAX_PAGE), limit=args.get("limit", 1000))
    # Shaped for hub.knowledge's CallableSource: id, title, url, body_html, updated_at.
    published = [{
        "id": str(a["id"]),
        "title": a.get("title") or a.get("name") or "",
        "url": a.get("html_url") or "",
        "body_html": a.get("body") or "",
        "updated_at": a.get("updated_at"),
        "section_id": str(a.get("section_id")) if a.get("section_id") is not None else None,
        "labels": list(a.get("label_names") or []),
    } for a in articles if not a.get("draft")]
    return {"articles": published, "count": len(published), "pages": pages, "truncated": truncated}


# -- actions -----------------------------------------------------------------------------------


def _earlier_comment(call, ticket_id):
    """The comment an earlier run of this very call left, found by its idempotency key."""
    if not call.idempotency_key:
        return None
    comments, _, _ = follow(call, f"tickets/{ticket_id}/comments", "comments")
    for comment in comments:
        custom = (comment.get("metadata") or {}).get("custom") or {}
        if custom.get(IDEMPOTENCY_FIELD) == call.idempotency_key:
            return comment
    return None


def _update(call, ticket_id, fields, idempotent=False):
    """PUT the ticket; ``idempotent`` when ``fields`` only set values (no comment is added)."""
    if call.idempotency_key:
        fields = dict(fields, metadata={"custom": {IDEMPOTENCY_FIELD: call.idempotency_key}})
    response = call.session.put(f"tickets/{ticket_id}", json={"ticket": fields}, idempotent=idempotent)
    member(response, "ticket")  # every caller reads the updated ticket
    return document(response)


def _new_comment(answer):
    """The Comment event in an update's audit: how Zendesk tells the new comment's id."""
    events = (answer.get("audit") or {}).get("events") or []
    return next((e for e in events if isinstance(e, dict) and e.get("type") == "Comment"), None)


def _comment(call, public):
    ticket_id, body = call.arguments["ticket_id"], call.arguments["body"]

    def find():
        earlier = _earlier_comment(call, ticket_id)
        if earlier is None:
            return None
        ticket = _ticket(call, ticket_id)
        return {"ticket_id": ticket_id, "comment_id": str(earlier["id"]), "public": bool(earlier.get("public")),
                "status": hub_status(ticket.get("status")), "duplicate": True}

    def write():
        answer = _update(call, ticket_id, {"comment": {"body": body, "public": public}})
        comment = _new_comment(answer) or {}
        return {"ticket_id": ticket_id, "comment_id": str(comment["id"]) if comment.get("id") else None,
                "public": public, "status": hub_status(answer["ticket"].get("status")), "duplicate": False}

    return once(call.session, find, write)[0]


def reply(call):
    return _comment(call, public=True)


def add_note(call):
    return _comment(call, public=False)


def set_status(call):
    ticket_id = call.arguments["ticket_id"]
    wanted = TO_ZENDESK_STATUS.get(call.arguments["status"], call.arguments["status"])
    current = _ticket(call, ticket_id).get("status")
    if current == wanted:
        return {"ticket_id": ticket_id, "status": hub_status(current), "changed": False}
    answer = _update(call, ticket_id, {"status": wanted}, idempotent=True)
    return {"ticket_id": ticket_id, "status": hub_status(answer["ticket"].get("status")), "previous": hub_status(current),
            "changed": True}


def set_tags(call):
    args = call.arguments
    ticket_id, tags, mode = args["ticket_id"], args["tags"], args.get("mode", "replace")
    field = {"replace": "tags", "add": "additional_tags", "remove": "remove_tags"}[mode]
    before = _ticket(call, ticket_id).get("tags") or []
    answer = _update(call, ticket_id, {field: tags}, idempotent=True)  # tags are a set
    after = answer["ticket"].get("tags") or []
    return {"ticket_id": ticket_id, "tags": after, "changed": sorted(before) != sorted(after)}


def escalate(call):
    """Assign the ticket to the group named ``group`` and leave ``note`` as an internal note."""
    args = call.arguments
    ticket_id, name = args["ticket_id"], args["group"].strip()
    groups = _groups(call)
    group = next((g for g in groups if g["name"].strip().lower() == name.lower()), None)
    if group is None:
        known = ", ".join(sorted(g["name"] for g in groups)) or "none"
        raise ConnectorError(CONNECTOR, f"no group named {name!r} in Zendesk (groups: {known})")
    seen = {}  # what the last look found: the update then adds the note only if it is missing

    def find():
        seen["note"] = earlier = _earlier_comment(call, ticket_id)
        if earlier is not None and str(_ticket(call, ticket_id).get("group_id")) == str(group["id"]):
            return {"ticket_id": ticket_id, "group_id": str(group["id"]), "group": group["name"],
                    "note_id": str(earlier["id"]), "duplicate": True}
        return None

    def write():
        earlier = seen["note"]
        fields = {"group_id": group["id"], "assignee_id": None}
        if earlier is None:
            fields["comment"] = {"body": args["note"], "public": False}
        answer = _update(call, ticket_id, fields, idempotent=earlier is not None)
        note = _new_comment(answer) or earlier or {}
        return {"ticket_id": ticket_id, "group_id": str(answer["ticket"].get("group_id")), "group": group["name"],
                "note_id": str(note["id"]) if note.get("id") else None, "duplicate": False}

    return once(call.session, find, write)[0]


# -- declarations ------------------------------------------------------------------------------


def _tool(fn, kind, description, schema, scopes, **extra):
    return Tool(name=f"{CONNECTOR}.{fn.__name__}", connector=CONNECTOR, kind=kind, description=description,
                input_schema=schema, scopes=scopes, fn=fn,
                permission="tool.lookup" if kind == LOOKUP else "tool.action", **extra)


PAGING = {
    "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "description": "items per request"},
    "limit": {"type": "integer", "minimum": 1, "maximum": 1000, "description": "stop after this many items"},
}

TOOLS = (
    _tool(get_ticket, LOOKUP, "A ticket with its public replies and internal notes.",
          _schema(["ticket_id"], ticket_id=TICKET_ID), ("tickets:read",)),
    _tool(list_tickets, LOOKUP, "Tickets, newest pages followed to the end; only one requester's when "
          "requester_email is given.",
          _schema(requester_email=EMAIL, **PAGING), ("tickets:read", "users:read")),
    _tool(find_user, LOOKUP, "The Zendesk user with this email: name, role, whether the email is verified.",
          _schema(["email"], email=EMAIL), ("users:read",)),
    _tool(list_groups, LOOKUP, "Groups tickets can be assigned to.", _schema(), ("read",)),
    _tool(search_articles, LOOKUP, "Help Center articles matching a question, best first, with snippets.",
          _schema(["query"], query={"type": "string", "minLength": 2, "maxLength": 500},
                  limit={"type": "integer", "minimum": 1, "maximum": 25}), ("hc:read",)),
    _tool(list_articles, LOOKUP, "Every published Help Center article with its HTML body (knowledge base sync).",
          _schema(**PAGING), ("hc:read",)),
    _tool(reply, ACTION, "Post a public reply the requester sees.",
          _schema(["ticket_id", "body"], ticket_id=TICKET_ID, body={"type": "string", "minLength": 1, "maxLength": 65000}),
          ("tickets:read", "tickets:write"), idempotency=READ_BACK),
    _tool(add_note, ACTION, "Add an internal note only agents see.",
          _schema(["ticket_id", "body"], ticket_id=TICKET_ID, body={"type": "string", "minLength": 1, "maxLength": 65000}),
          ("tickets:read", "tickets:write"), idempotency=READ_BACK),
    _tool(set_status, ACTION, "Change the ticket's status (hold and on_hold mean the same).",
          _schema(["ticket_id", "status"], ticket_id=TICKET_ID, status={"enum": STATUSES}),
          ("tickets:read", "tickets:write"), idempotency=SAME_STATE),
    _tool(set_tags, ACTION, "Replace the ticket's tags, or add or remove some.",
          _schema(["ticket_id", "tags"], ticket_id=TICKET_ID,
                  tags={"type": "array", "maxItems": 50,
                        "items": {"type": "string", "pattern": "^[^\\s]{1,80}$"}},
                  mode={"enum": ["replace", "add", "remove"]}),
          ("tickets:read", "tickets:write"), idempotency=SAME_STATE),
)
