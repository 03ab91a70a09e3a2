"""ServiceNow lookup and action tools, and escalation, over the Table and Service Catalog APIs.

Every function takes a ``hub.tools.ToolCall`` and returns a small JSON dict. Actions are made
safe to repeat: the idempotency key is recorded at the vendor (a work-note marker on the
incident, the correlation_id of a requested item) and looked up before writing again — after
a lost answer too (``hub.writes.once``) — and state changes check the record's current state
first and may be sent twice. ServiceNow has no idempotency keys of its own.
"""

import html
import re
from datetime import timedelta

from hub.errors import ConnectorError, NotFound
from hub.tools import ACTION, LOOKUP, READ_BACK, SAME_STATE, Tool
from hub.writes import once

from . import table
from .connector import SCOPE
from .ingest import priority, status

NAME = "servicenow"

INCIDENT_FIELDS = (
    "sys_id", "number", "short_description", "description", "state", "hold_reason", "priority", "category",
    "contact_type", "caller_id", "caller_id.email", "caller_id.name", "assignment_group", "assignment_group.name",
    "assigned_to.name", "opened_at", "sys_updated_on", "close_code", "close_notes", "resolved_at",
)
USER_FIELDS = ("sys_id", "user_name", "name", "email", "active", "locked_out", "title", "department",
               "manager", "manager.name", "manager.email", "manager.active")
ITEM_FIELDS = ("sys_id", "number", "cat_item.name", "request", "request.number", "requested_for.email", "state",
               "stage", "approval", "opened_at", "correlation_id")
ITEM_STATES = {"-5": "pending", "1": "open", "2": "work_in_progress", "3": "closed_complete",
               "4": "closed_incomplete", "7": "closed_skipped"}
STATE_VALUES = {"new": "1", "in_progress": "2", "on_hold": "3", "canceled": "8"}
HOLD_REASONS = {"awaiting_caller": "1", "awaiting_problem": "3", "awaiting_vendor": "4", "awaiting_change": "5"}
RESOLVED = ("6", "7")
PASSWORD_RESET_ITEM = "Password Reset"
#: How far before the step's first attempt a requested item it made may seem to be, by the
#: instance's clock: the two clocks are never quite the same.
CLOCK_SKEW = timedelta(minutes=2)


def _fields(row):
    return {key: table.value(value) for key, value in row.items()}


def _marker(key):
    return f"helpdesk-hub idempotency key: {key}"


def _incident(call, fields=INCIDENT_FIELDS):
    return _fields(table.record(call.session, "incident", call.arguments["incident"], "INC", fields))


def _incident_result(row):
    return {
        "id": row["sys_id"],
        "number": row["number"],
        "subject": row.get("short_description", ""),
        "status": status(row.get("state", ""), row.get("hold_reason", "")),
        "state": row.get("state", ""),
        "priority": priority(row.get("priority", "")),
        "caller": {"sys_id": row.get("caller_id", ""), "email": row.get("caller_id.email", ""),
                   "name": row.get("caller_id.name", "")},
        "assignment_group": row.get("assignment_group.name", ""),
        "updated_at": row.get("sys_updated_on", ""),
    }


def _user_result(row):
    return {
        "sys_id": row["sys_id"], "user_name": row.get("user_name", ""), "name": row.get("name", ""),
        "email": row.get("email", ""), "active": row.get("active") == "true",
        "locked_out": row.get("locked_out") == "true", "title": row.get("title", ""),
        "department": row.get("department", ""),
    }


def _user(call, email, fields=USER_FIELDS):
    row = table.first(call.session, "sys_user", f"email={table.quote(email)}", fields)
    return _fields(row) if row else None


def _active_user(call, email):
    user = _user(call, email)
    if user is None:
        raise NotFound(NAME, f"No ServiceNow user has the email {email}", 404)
    if user["active"] != "true":
        raise ConnectorError(NAME, f"The ServiceNow user {email} is inactive", code="inactive_user")
    return user


def _journal_has(call, sys_id, text):
    encoded = f"element_id={sys_id}^element=work_notes^valueLIKE{table.quote(text)}"
    return table.first(call.session, "sys_journal_field", encoded, ("sys_id",)) is not None


def _plain_text(markup):
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup or ""))).strip()


# -- lookups ------------------------------------------------------------------------------------


def get_incident(call):
    row = _incident(call)
    entries, _ = table.query(
        call.session, "sys_journal_field",
        f"element_id={row['sys_id']}^elementINcomments,work_notes^ORDERBYsys_created_on",
        ("element", "value", "sys_created_by", "sys_created_on"),
    )
    result = _incident_result(row)
    result.update(
        description=row.get("description", ""),
        category=row.get("category", ""),
        assigned_to=row.get("assigned_to.name", ""),
        opened_at=row.get("opened_at", ""),
        close_code=row.get("close_code", ""),
        close_notes=row.get("close_notes", ""),
        journal=[{
            "kind": "comment" if e["element"] == "comments" else "work_note",
            "public": e["element"] == "comments",
            "text": e["value"], "author": e["sys_created_by"], "created_at": e["sys_created_on"],
        } for e in map(_fields, entries)],
    )
    return result


def list_incidents(call):
    args = call.arguments
    encoded = f"caller_id.email={table.quote(args['email'])}"
    if args.get("active_only"):
        encoded += "^active=true"
    rows, pages = table.query(call.session, "incident", encoded + "^ORDERBYDESCsys_updated_on^ORDERBYnumber",
                              INCIDENT_FIELDS, page_size=args.get("page_size", 20))
    incidents = [_incident_result(_fields(r)) for r in rows]
    return {"incidents": incidents, "count": len(incidents), "pages": pages}


def find_user(call):
    user = _user(call, call.arguments["email"])
    if user is None:
        return {"found": False, "email": call.arguments["email"]}
    return {"found": True, "user": _user_result(user)}


def get_user_manager(call):
    user = _user(call, call.arguments["email"])
    if user is None:
        raise NotFound(NAME, f"No ServiceNow user has the email {call.arguments['email']}", 404)
    manager = None
    if user.get("manager"):
        manager = {"sys_id": user["manager"], "name": user.get("manager.name", ""),
                   "email": user.get("manager.email", ""), "active": user.get("manager.active") == "true"}
    return {"user": _user_result(user), "manager": manager}


def _item_result(row):
    return {
        "id": row["sys_id"], "number": row["number"], "item": row.get("cat_item.name", ""),
        "request": row.get("request.number", ""), "state": ITEM_STATES.get(row.get("state", ""), row.get("state", "")),
        "stage": row.get("stage", ""), "approval": row.get("approval", ""), "opened_at": row.get("opened_at", ""),
    }


def get_request(call):
    request = _fields(table.record(call.session, "sc_request", call.arguments["request"], "REQ", (
        "sys_id", "number", "requested_for.email", "requested_for.name", "request_state", "stage", "approval",
        "opened_at", "active")))
    items, _ = table.query(call.session, "sc_req_item", f"request={request['sys_id']}^ORDERBYnumber", ITEM_FIELDS)
    return {
        "id": request["sys_id"], "number": request["number"],
        "requested_for": {"email": request.get("requested_for.email", ""), "name": request.get("requested_for.name", "")},
        "request_state": request.get("request_state", ""), "stage": request.get("stage", ""),
        "approval": request.get("approval", ""), "opened_at": request.get("opened_at", ""),
        "active": request.get("active") == "true",
        "items": [_item_result(_fields(i)) for i in items],
    }


def list_request_items(call):
    args = call.arguments
    encoded = f"requested_for.email={table.quote(args['email'])}"
    if args.get("active_only"):
        encoded += "^active=true"
    rows, pages = table.query(call.session, "sc_req_item", encoded + "^ORDERBYDESCopened_at^ORDERBYnumber",
                              ITEM_FIELDS, page_size=args.get("page_size", 20))
    items = [_item_result(_fields(r)) for r in rows]
    return {"items": items, "count": len(items), "pages": pages}


ARTICLE_FIELDS = ("sys_id", "number", "short_description", "kb_category", "sys_updated_on", "text")


def _article_result(row, with_body=False):
    result = {"id": row["sys_id"], "number": row["number"], "title": row.get("short_description", ""),
              "category": row.get("kb_category", ""), "updated_at": row.get("sys_updated_on", "")}
    if with_body:
        result["body"] = _plain_text(row.get("text", ""))[:2000]
    return result


def list_articles(call):
    args = call.arguments
    encoded = "workflow_state=published^active=true"
    if args.get("category"):
        encoded += f"^kb_category={table.quote(args['category'])}"
    rows, pages = table.query(call.session, "kb_knowledge", encoded + "^ORDERBYnumber",
                              ARTICLE_FIELDS, page_size=args.get("page_size", 20))
    base = call.connection.api_base_url.rstrip("/")
    articles = []
    for row in rows:
        fields = _fields(row)
        # The full HTML body, for knowledge-base sync; the portal page people can open.
        articles.append(dict(_article_result(fields), body_html=fields.get("text", ""),
                             url=f"{base}/kb_view.do?sysparm_article={fields['number']}"))
    return {"articles": articles, "count": len(articles), "pages": pages}


def search_articles(call):
    words = [w for w in re.findall(r"[\w-]+", call.arguments["query"].lower()) if len(w) > 2]
    if not words:
        raise ConnectorError(NAME, "search_articles: the query needs at least one word of three letters or more",
                             code="empty_query")
    conditions = "^OR".join(f"{column}LIKE{table.quote(w)}" for w in words for column in ("short_description", "text"))
    rows, _ = table.query(call.session, "kb_knowledge", f"workflow_state=published^active=true^{conditions}",
                          ARTICLE_FIELDS)
    articles = [_article_result(_fields(r), with_body=True) for r in rows]

    def hits(article):
        text = f"{article['title']} {article['body']}".lower()
        return sum(word in text for word in words)

    articles.sort(key=lambda a: (-hits(a), a["number"]))
    limited = articles[: call.arguments.get("limit", 5)]
    return {"articles": limited, "count": len(limited)}


# -- actions ------------------------------------------------------------------------------------


def _journal_once(call, row, values, done):
    """PATCH journal ``values`` (which carry the key's marker) unless the marker is there."""
    key = call.idempotency_key

    def find():
        if key and _journal_has(call, row["sys_id"], _marker(key)):
            return dict(done, posted=False, already_posted=True)
        return None

    def write():
        table.patch(call.session, "incident", row["sys_id"], values)
        return dict(done, posted=True, already_posted=False)

    return once(call.session, find, write)[0]


def comment(call):
    """A customer-visible "Additional comment"; the key rides in a companion work note."""
    row = _incident(call, ("sys_id", "number"))
    key = call.idempotency_key
    values = {"comments": call.arguments["text"]}
    if key:
        # Never shown to the caller: the marker lives in the internal journal, written in the
        # same update as the comment so one never exists without the other.
        values["work_notes"] = f"helpdesk-hub posted the additional comment above ({_marker(key)})"
    return _journal_once(call, row, values, {"incident": row["sys_id"], "number": row["number"], "public": True})


def work_note(call):
    row = _incident(call, ("sys_id", "number"))
    key = call.idempotency_key
    text = call.arguments["text"] + (f"\n\n[{_marker(key)}]" if key else "")
    return _journal_once(call, row, {"work_notes": text},
                         {"incident": row["sys_id"], "number": row["number"], "public": False})


def _close_code(call, wanted):
    choices, _ = table.query(call.session, "sys_choice", "name=incident^element=close_code^inactive=false",
                             ("value", "label"))
    choices = [_fields(c) for c in choices]
    for choice in choices:
        if wanted.strip().lower() in (choice["value"].lower(), choice["label"].lower()):
            return choice["value"]
    known = ", ".join(c["label"] for c in choices) or "none defined"
    raise ConnectorError(NAME, f"{wanted!r} is not a resolution code on this instance; choose one of: {known}",
                         code="invalid_close_code")


def resolve(call):
    row = _incident(call, ("sys_id", "number", "state", "close_code"))
    done = {"incident": row["sys_id"], "number": row["number"], "status": "solved"}
    if row["state"] in RESOLVED:
        return dict(done, status=status(row["state"]), close_code=row["close_code"], already_resolved=True)
    code = _close_code(call, call.arguments["close_code"])
    table.patch(call.session, "incident", row["sys_id"],
                {"state": "6", "close_code": code, "close_notes": call.arguments["close_notes"]}, idempotent=True)
    return dict(done, close_code=code, already_resolved=False)


def set_state(call):
    args = call.arguments
    row = _incident(call, ("sys_id", "number", "state", "hold_reason"))
    wanted = STATE_VALUES[args["state"]]
    reason = HOLD_REASONS.get(args.get("hold_reason", ""), "") if wanted == "3" else ""
    done = {"incident": row["sys_id"], "number": row["number"], "state": args["state"]}
    if row["state"] == wanted and row.get("hold_reason", "") == reason:
        return dict(done, status=status(wanted, reason), changed=False)
    values = {"state": wanted}
    if reason:
        values["hold_reason"] = reason
    table.patch(call.session, "incident", row["sys_id"], values, idempotent=True)
    return dict(done, status=status(wanted, reason), changed=True)


def _catalog_item(call, name):
    """The active catalog item named ``name``, or else the one item whose name starts with it
    (people write "Jira" for "Jira access")."""
    item = table.first(call.session, "sc_cat_item", f"active=true^name={table.quote(name)}", ("sys_id", "name"))
    if item is None:
        starting = table.query(call.session, "sc_cat_item", f"active=true^nameSTARTSWITH{table.quote(name)}",
                               ("sys_id", "name"))[0]
        item = starting[0] if len(starting) == 1 else None
    if item is None:
        names = [table.value(i["name"]) for i in table.query(call.session, "sc_cat_item", "active=true^ORDERBYname",
                                                             ("name",))[0]]
        raise NotFound(NAME, f"No active catalog item named {name!r}; available: {', '.join(names)}", 404)
    return _fields(item)


def _ordered(call, encoded):
    row = table.first(call.session, "sc_req_item", encoded, ITEM_FIELDS)
    return _fields(row) if row else None


def _order(call, item, user, variables, reuse_open):
    """Order ``item`` for ``user`` once: an item carrying our key, or (``reuse_open``) an open
    request for the same item and user, is returned instead of ordering again.

    The Service Catalog API takes nothing the requested item keeps, so the key is written on
    the item (its correlation_id) once the order's answer names it. An order whose answer was
    lost left an item without one: the item for this user and catalog item, made since the
    step's first attempt and not claimed by another key, is that order, and is claimed."""
    key = call.idempotency_key
    correlation = f"helpdesk-hub:{key}" if key else None
    for_user = f"cat_item={item['sys_id']}^requested_for={user['sys_id']}"

    def find():
        existing = _ordered(call, f"correlation_id={table.quote(correlation)}") if correlation else None
        if existing is None and reuse_open:
            existing = _ordered(call, f"active=true^{for_user}")
        if existing is None and correlation and call.first_attempt_at:
            since = table.format_time(call.first_attempt_at - CLOCK_SKEW)
            unclaimed = _ordered(call, f"{for_user}^correlation_idISEMPTY^sys_created_on>={since}^ORDERBYsys_created_on")
            if unclaimed is not None:
                existing = _claim(call, unclaimed, correlation)
        return dict(_item_result(existing), ordered=False, already_requested=True) if existing else None

    def write():
        order = table.result(call.session.post(
            f"api/sn_sc/servicecatalog/items/{item['sys_id']}/order_now",
            json={"sysparm_quantity": "1", "sysparm_requested_for": user["sys_id"], "variables": variables},
        ))
        placed = _ordered(call, f"request={order['sys_id']}^cat_item={item['sys_id']}")
        if placed is None:
            raise ConnectorError(NAME, f"{order['number']} was created without a requested item for {item['name']}")
        if correlation:
            placed = _claim(call, placed, correlation)
        return dict(_item_result(placed), ordered=True, already_requested=False)

    return once(call.session, find, write)[0]


def _claim(call, placed, correlation):
    """Write the step's key on the requested item it made (setting a value: safe to resend)."""
    table.patch(call.session, "sc_req_item", placed["sys_id"], {"correlation_id": correlation}, idempotent=True)
    return _ordered(call, f"sys_id={placed['sys_id']}") or placed


def order_catalog_item(call):
    args = call.arguments
    item = _catalog_item(call, args["item"])
    user = _active_user(call, args["email"])
    variables = {"requested_for": user["sys_id"]}
    if args.get("justification"):
        variables["business_justification"] = args["justification"]
    result = _order(call, item, user, variables, reuse_open=True)
    approver = None
    if result["approval"] == "requested" and user.get("manager"):
        approver = {"name": user.get("manager.name", ""), "email": user.get("manager.email", "")}
    return dict(result, requested_for=user["email"], approver=approver)


def reset_password(call):
    """Order the instance's "Password Reset" catalog item for the user (README: instance setup)."""
    item = _catalog_item(call, PASSWORD_RESET_ITEM)
    user = _active_user(call, call.arguments["email"])
    result = _order(call, item, user, {"user": user["sys_id"]}, reuse_open=True)
    return dict(result, user=user["email"])


# -- escalate -----------------------------------------------------------------------------------


def escalate(call):
    """Assign ``group`` (sys_user_group by name) and leave ``note`` as an internal work note.

    One PATCH does both, the note carrying the key's marker: after a lost answer the incident
    is read again, and the group with the marker is the earlier attempt's work."""
    args = call.arguments
    row = _fields(table.record(call.session, "incident", args["ticket_id"], "INC",
                               ("sys_id", "number", "assignment_group", "assignment_group.name")))
    group = table.first(call.session, "sys_user_group", f"active=true^name={table.quote(args['group'])}",
                        ("sys_id", "name"))
    if group is None:
        raise NotFound(NAME, f"No active assignment group named {args['group']!r}", 404)
    group = _fields(group)
    done = {"incident": row["sys_id"], "number": row["number"],
            "assignment_group": {"sys_id": group["sys_id"], "name": group["name"]}}
    key = call.idempotency_key
    reads = iter([row])  # the incident just read serves the first look

    def find():
        current = next(reads, None) or _fields(table.get(call.session, "incident", row["sys_id"],
                                                         ("sys_id", "assignment_group")))
        if key and current.get("assignment_group") == group["sys_id"] and _journal_has(call, row["sys_id"], _marker(key)):
            return dict(done, escalated=False, already_escalated=True)
        return None

    def write():
        note = args["note"] + (f"\n\n[{_marker(key)}]" if key else "")
        # Clearing assigned_to hands the incident to the whole group, as a manual reassignment does.
        table.patch(call.session, "incident", row["sys_id"],
                    {"assignment_group": group["sys_id"], "assigned_to": "", "work_notes": note})
        return dict(done, escalated=True, already_escalated=False)

    return once(call.session, find, write)[0]


# -- declarations -------------------------------------------------------------------------------

_REFERENCE = {"type": "string", "minLength": 1, "maxLength": 64}
_EMAIL = {"type": "string", "minLength": 3, "maxLength": 320, "pattern": r"^[^@\s]+@[^@\s]+$"}
_PAGE = {"type": "integer", "minimum": 1, "maximum": 1000, "default": 20}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 16000}


def _schema(required, **properties):
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": properties}


def _tool(verb, kind, fn, description, schema, sensitive=False, idempotency=""):
    return Tool(name=f"{NAME}.{verb}", connector=NAME, kind=kind, description=description, input_schema=schema,
                scopes=(SCOPE,), permission=f"tool.{kind}", sensitive=sensitive, idempotency=idempotency, fn=fn)


_INCIDENT = dict(incident=dict(_REFERENCE, description="The incident's sys_id or number (INC...)"))

TOOLS = (
    _tool("get_incident", LOOKUP, get_incident, "An incident with its comments and work notes.",
          _schema(["incident"], **_INCIDENT)),
    _tool("list_incidents", LOOKUP, list_incidents, "Incidents raised by a caller (by email), newest change first.",
          _schema(["email"], email=_EMAIL, page_size=_PAGE, active_only={"type": "boolean"})),
    _tool("find_user", LOOKUP, find_user, "A ServiceNow user (sys_user) by email.", _schema(["email"], email=_EMAIL)),
    _tool("get_user_manager", LOOKUP, get_user_manager, "A user's manager, who approves their IT requests.",
          _schema(["email"], email=_EMAIL)),
    _tool("get_request", LOOKUP, get_request, "A Service Catalog request (REQ...) with its requested items.",
          _schema(["request"], request=dict(_REFERENCE, description="The request's sys_id or number (REQ...)"))),
    _tool("list_request_items", LOOKUP, list_request_items, "Requested items (RITM...) for a user, newest first.",
          _schema(["email"], email=_EMAIL, page_size=_PAGE, active_only={"type": "boolean"})),
    _tool("list_articles", LOOKUP, list_articles, "Published knowledge base articles.",
          _schema([], page_size=_PAGE, category={"type": "string", "maxLength": 100})),
    _tool("search_articles", LOOKUP, search_articles, "Published knowledge base articles matching words, best first.",
          _schema(["query"], query={"type": "string", "minLength": 1, "maxLength": 500},
                  limit={"type": "integer", "minimum": 1, "maximum": 20, "default": 5})),
    _tool("comment", ACTION, comment, "Add a customer-visible comment (Additional comments) to an incident.",
          _schema(["incident", "text"], **_INCIDENT, text=_TEXT), idempotency=READ_BACK),
    _tool("work_note", ACTION, work_note, "Add an internal work note to an incident.",
          _schema(["incident", "text"], **_INCIDENT, text=_TEXT), idempotency=READ_BACK),
    _tool("resolve", ACTION, resolve, "Resolve an incident with a resolution code and notes.",
          _schema(["incident", "close_code", "close_notes"], **_INCIDENT,
                  close_code={"type": "string", "minLength": 1, "maxLength": 100,
                              "description": "A close_code choice of the instance, e.g. 'Solution provided'"},
                  close_notes=_TEXT), idempotency=SAME_STATE),
    _tool("set_state", ACTION, set_state, "Move an incident to New, In Progress, On Hold (with a reason) or Canceled.",
          dict(_schema(["incident", "state"], **_INCIDENT, state={"enum": list(STATE_VALUES)},
                       hold_reason={"enum": list(HOLD_REASONS)}),
               **{"if": {"properties": {"state": {"const": "on_hold"}}}, "then": {"required": ["hold_reason"]}}),
          idempotency=SAME_STATE),
    _tool("order_catalog_item", ACTION, order_catalog_item,
          "Order a Service Catalog item (software access) for a user; paid items wait for the manager's approval.",
          _schema(["item", "email"], item={"type": "string", "minLength": 1, "maxLength": 100,
                                           "description": "The catalog item's name, e.g. 'Slack'"},
                  email=_EMAIL, justification={"type": "string", "maxLength": 4000}),
          sensitive=True, idempotency=READ_BACK),
    _tool("reset_password", ACTION, reset_password,
          "Reset a user's password through the instance's 'Password Reset' catalog item (unlocks the account; "
          "the user sets a new password at next login).",
          _schema(["email"], email=_EMAIL), sensitive=True, idempotency=READ_BACK),
)
