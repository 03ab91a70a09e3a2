"""The Salesforce tools: lookups over Cases, Contacts, queues and Knowledge; actions on Cases.

Every call goes through ``call.session`` (the hub's VendorSession, based at
``{instance_url}/services/data/v67.0/``). Writes send ``Sforce-Auto-Assign: FALSE``: left at
its default (TRUE) the org's assignment rules would run on every update and could move a case
the agent just escalated. Salesforce has no idempotency keys, so actions look at the case
first: a comment carrying the call's key marker, or a status already set, means the work is done.
A comment whose answer was lost is looked for again before it is posted again
(``hub.writes.once``); status and owner changes set values and may be sent twice.
"""

import re

from hub.errors import ConnectorError, NotFound
from hub.tools import ACTION, LOOKUP, READ_BACK, SAME_STATE, Tool
from hub.writes import once

from .normalize import case_summary, truthy
from .queries import query_all, soql_string, sosl_terms, strip_attributes

CONNECTOR = "salesforce"
NO_AUTO_ASSIGN = {"Sforce-Auto-Assign": "FALSE"}
CASE_FIELDS = ("Id", "CaseNumber", "Subject", "Description", "Status", "Priority", "Origin", "Type",
               "ContactId", "AccountId", "ContactEmail", "SuppliedEmail", "SuppliedName", "OwnerId",
               "IsEscalated", "IsClosed", "ClosedDate", "CreatedDate", "LastModifiedDate")
ARTICLE_FIELDS = ("Id", "KnowledgeArticleId", "ArticleNumber", "Title", "UrlName", "Summary", "Answer__c",
                  "LastPublishedDate")
COMMENT_LIMIT = 4000  # CaseComment.CommentBody holds 4,000 bytes

RECORD_ID = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")
SALESFORCE_ID = {"type": "string", "pattern": "^" + RECORD_ID.pattern + "$",
                 "description": "A 15- or 18-character Salesforce record id."}
EMAIL = {"type": "string", "minLength": 3, "maxLength": 254}
PAGE_SIZE = {"type": "integer", "minimum": 1, "maximum": 2000,
             "description": "Records per query batch (Sforce-Query-Options batchSize); every page is read."}
LANGUAGE = {"type": "string", "pattern": "^[a-z]{2}(_[A-Z]{2})?$", "description": "Knowledge language, e.g. en_US."}
BODY = {"type": "string", "minLength": 1, "maxLength": COMMENT_LIMIT - 100}


def schema(properties, required=()):
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


def marker(key):
    """What a comment written for idempotency key ``key`` ends with."""
    return f"[hub:{key}]"


# -- lookups ------------------------------------------------------------------------------------


def get_case(call):
    case_id = call.arguments["case_id"]
    record = call.session.get(f"sobjects/Case/{case_id}", params={"fields": ",".join(CASE_FIELDS)}).json()
    return {"case": dict(case_summary(record), comments=[comment_summary(c) for c in case_comments(call, case_id)])}


def list_cases(call):
    email = soql_string(call.arguments["email"])
    records, pages = query_all(
        call.session,
        f"SELECT {', '.join(CASE_FIELDS)} FROM Case WHERE ContactEmail = {email} OR SuppliedEmail = {email} "
        "ORDER BY CreatedDate DESC",
        call.arguments.get("page_size"),
    )
    return {"cases": [case_summary(r) for r in records], "total": len(records), "pages": pages}


def find_contact(call):
    records, _ = query_all(
        call.session,
        "SELECT Id, Name, FirstName, LastName, Email, Phone, Title, AccountId, Account.Name FROM Contact "
        f"WHERE Email = {soql_string(call.arguments['email'])} ORDER BY CreatedDate LIMIT 10",
    )
    if not records:
        return {"found": False, "contact": None, "matches": 0}
    first = strip_attributes(records[0])
    return {
        "found": True,
        "matches": len(records),  # Salesforce allows several contacts per email: the oldest wins
        "contact": {
            "id": first["Id"], "name": first.get("Name"), "email": first.get("Email"), "phone": first.get("Phone"),
            "title": first.get("Title"), "account_id": first.get("AccountId"),
            "account_name": (first.get("Account") or {}).get("Name"),
        },
    }


def list_queues(call):
    records, _ = query_all(call.session, "SELECT Id, Name, DeveloperName, Email FROM Group WHERE Type = 'Queue' ORDER BY Name")
    return {"queues": [{"id": r["Id"], "name": r.get("Name"), "developer_name": r.get("DeveloperName"),
                        "email": r.get("Email")} for r in records]}


def search_articles(call):
    terms = sosl_terms(call.arguments["query"])
    if terms is None:
        return {"articles": [], "total": 0}
    limit = call.arguments.get("limit", 5)
    language = soql_string(call.arguments.get("language", "en_US"))
    found = call.session.get("search", params={"q": (
        f"FIND {{{terms}}} IN ALL FIELDS RETURNING Knowledge__kav({', '.join(ARTICLE_FIELDS)} "
        f"WHERE PublishStatus = 'Online' AND Language = {language} LIMIT {limit})"
    )}).json()
    articles = [article_summary(r) for r in found.get("searchRecords", [])]
    return {"articles": articles, "total": len(articles)}


def list_articles(call):
    language = soql_string(call.arguments.get("language", "en_US"))
    records, pages = query_all(
        call.session,
        f"SELECT {', '.join(ARTICLE_FIELDS)} FROM Knowledge__kav "
        f"WHERE PublishStatus = 'Online' AND Language = {language} ORDER BY Title",
        call.arguments.get("page_size"),
    )
    return {"articles": [article_summary(r) for r in records], "total": len(records), "pages": pages}


# -- actions ------------------------------------------------------------------------------------


def comment(call):
    return post_comment(call, call.arguments["case_id"], call.arguments["body"], public=True)


def add_note(call):
    return post_comment(call, call.arguments["case_id"], call.arguments["body"], public=False)


def set_status(call):
    case_id, status = call.arguments["case_id"], call.arguments["status"]
    current = call.session.get(f"sobjects/Case/{case_id}", params={"fields": "Id,Status"}).json()
    if current.get("Status") == status:
        return {"case_id": current["Id"], "status": status, "changed": False}
    call.session.patch(f"sobjects/Case/{case_id}", json={"Status": status}, headers=NO_AUTO_ASSIGN, idempotent=True)
    return {"case_id": current["Id"], "status": status, "changed": True}


def escalate(call):
    """Give the case to a queue (by DeveloperName or Name), flag it escalated, and leave the
    handoff as an internal comment."""
    case_id, group = call.arguments["ticket_id"], call.arguments["group"]
    if not RECORD_ID.fullmatch(case_id):
        # The core's escalate schema takes any string; this one goes into a URL path.
        raise ConnectorError(CONNECTOR, f"{case_id!r} is not a Salesforce Case id")
    name = soql_string(group)
    queues, _ = query_all(call.session, "SELECT Id, Name, DeveloperName FROM Group WHERE Type = 'Queue' "
                                        f"AND (DeveloperName = {name} OR Name = {name}) LIMIT 1")
    if not queues:
        raise NotFound(CONNECTOR, f"no queue with DeveloperName or Name {group!r}: see salesforce.list_queues")
    queue = queues[0]
    call.session.patch(f"sobjects/Case/{case_id}", json={"OwnerId": queue["Id"], "IsEscalated": True},
                       headers=NO_AUTO_ASSIGN, idempotent=True)
    note = post_comment(call, case_id, call.arguments["note"], public=False)
    return {"case_id": case_id, "queue": {"id": queue["Id"], "name": queue.get("Name"),
                                          "developer_name": queue.get("DeveloperName")},
            "escalated": True, "note_id": note["comment_id"], "note_created": note["created"]}


def post_comment(call, case_id, body, public):
    key = call.idempotency_key

    def find():
        if not key:
            return None
        for existing in case_comments(call, case_id):
            if marker(key) in (existing.get("CommentBody") or ""):
                return {"comment_id": existing["Id"], "case_id": case_id, "public": truthy(existing.get("IsPublished")),
                        "created": False}
        return None

    def write():
        created = call.session.post("sobjects/CaseComment", json={
            "ParentId": case_id, "CommentBody": f"{body}\n\n{marker(key)}" if key else body, "IsPublished": public,
        }).json()
        return {"comment_id": created["id"], "case_id": case_id, "public": public, "created": True}

    return once(call.session, find, write)[0]


# -- shapes -------------------------------------------------------------------------------------


def case_comments(call, case_id):
    records, _ = query_all(call.session, "SELECT Id, CommentBody, IsPublished, CreatedById, CreatedDate "
                                         f"FROM CaseComment WHERE ParentId = {soql_string(case_id)} ORDER BY CreatedDate")
    return records


def comment_summary(record):
    return {"id": record["Id"], "body": record.get("CommentBody"), "public": truthy(record.get("IsPublished")),
            "author_id": record.get("CreatedById"), "created_at": record.get("CreatedDate")}


def article_summary(record):
    return {"id": record["Id"], "article_id": record.get("KnowledgeArticleId"), "number": record.get("ArticleNumber"),
            "title": record.get("Title"), "url_name": record.get("UrlName"), "summary": record.get("Summary"),
            "body_html": record.get("Answer__c"), "published_at": record.get("LastPublishedDate")}


def _tool(verb, kind, fn, description, input_schema, idempotency=""):
    return Tool(name=f"{CONNECTOR}.{verb}", connector=CONNECTOR, kind=kind, description=description,
                input_schema=input_schema, scopes=("api",), idempotency=idempotency, fn=fn)


TOOLS = (
    _tool("get_case", LOOKUP, get_case, "A Case with its CaseComments (public and internal).",
          schema({"case_id": SALESFORCE_ID}, ["case_id"])),
    _tool("list_cases", LOOKUP, list_cases, "Every Case whose contact or web-to-case email is this address, newest first.",
          schema({"email": EMAIL, "page_size": PAGE_SIZE}, ["email"])),
    _tool("find_contact", LOOKUP, find_contact, "The Contact with this email address, with its Account.",
          schema({"email": EMAIL}, ["email"])),
    _tool("list_queues", LOOKUP, list_queues, "The queues cases can be assigned to.", schema({})),
    _tool("search_articles", LOOKUP, search_articles, "Published Knowledge articles matching the words of a question.",
          schema({"query": {"type": "string", "minLength": 2, "maxLength": 500},
                  "limit": {"type": "integer", "minimum": 1, "maximum": 20}, "language": LANGUAGE}, ["query"])),
    _tool("list_articles", LOOKUP, list_articles, "Every published Knowledge article in a language.",
          schema({"page_size": PAGE_SIZE, "language": LANGUAGE})),
    _tool("comment", ACTION, comment, "Reply to the customer: a published (public) CaseComment.",
          schema({"case_id": SALESFORCE_ID, "body": BODY}, ["case_id", "body"]), READ_BACK),
    _tool("add_note", ACTION, add_note, "Leave an internal CaseComment (not published to the customer).",
          schema({"case_id": SALESFORCE_ID, "body": BODY}, ["case_id", "body"]), READ_BACK),
    _tool("set_status", ACTION, set_status, "Set the Case Status picklist value (e.g. Working, Closed).",
          schema({"case_id": SALESFORCE_ID, "status": {"type": "string", "minLength": 1, "maxLength": 40}},
                 ["case_id", "status"]), SAME_STATE),
)
