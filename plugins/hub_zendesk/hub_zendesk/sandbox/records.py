"""The sandbox's records: seed rows rendered as Zendesk JSON, and ticket creation and update.

Seed rows keep only what varies (see seed.yaml); rendering fills in the rest of Zendesk's
fields. Everything here works on ``sandbox.data`` and must be called under ``sandbox.lock``.
"""

import datetime
import html
import re

from .responses import ApiError, not_found, record_invalid

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")
PRIORITIES = ("urgent", "high", "normal", "low")
TYPES = ("problem", "incident", "question", "task")
AGENT_ROLES = ("agent", "admin")


def now():
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def allocate(data, kind):
    """The next id of ``kind`` (tickets, users, comments, audits): one past the largest in use."""
    counters = data.setdefault("_next_ids", {})
    if kind not in counters:
        existing = {
            "tickets": [t["id"] for t in data["tickets"]],
            "users": [u["id"] for u in data["users"]],
            "comments": [c["id"] for t in data["tickets"] for c in t["comments"]],
            "audits": [c.get("audit_id") or c["id"] for t in data["tickets"] for c in t["comments"]],
        }[kind]
        counters[kind] = max(existing, default=0) + 1
    value = counters[kind]
    counters[kind] += 1
    return value


# -- lookups ---------------------------------------------------------------------------------


def find(rows, record_id):
    for row in rows:
        if str(row["id"]) == str(record_id):
            return row
    return None


def ticket_or_404(data, ticket_id):
    ticket = find(data["tickets"], ticket_id)
    if ticket is None:
        raise not_found()
    return ticket


def user_by_email(data, email):
    email = (email or "").strip().lower()
    return next((u for u in data["users"] if u.get("email", "").lower() == email), None)


def is_agent(data, user_id):
    user = find(data["users"], user_id)
    return user is not None and user.get("role") in AGENT_ROLES


# -- rendering -------------------------------------------------------------------------------


def render_ticket(data, ticket, base):
    comments = ticket["comments"]
    return {
        "url": f"{base}api/v2/tickets/{ticket['id']}.json",
        "id": ticket["id"],
        "external_id": ticket.get("external_id"),
        "via": {"channel": ticket.get("channel", "web"), "source": {"from": {}, "to": {}, "rel": None}},
        "created_at": ticket["created_at"],
        "updated_at": ticket.get("updated_at") or (comments[-1]["created_at"] if comments else ticket["created_at"]),
        "type": ticket.get("type"),
        "subject": ticket["subject"],
        "raw_subject": ticket["subject"],
        "description": comments[0]["body"] if comments else "",
        "priority": ticket.get("priority"),
        "status": ticket["status"],
        "recipient": f"support@{data['account']['subdomain']}.zendesk.com",
        "requester_id": ticket["requester_id"],
        "submitter_id": ticket.get("submitter_id", ticket["requester_id"]),
        "assignee_id": ticket.get("assignee_id"),
        "organization_id": None,
        "group_id": ticket.get("group_id"),
        "collaborator_ids": [],
        "follower_ids": [],
        "email_cc_ids": [],
        "forum_topic_id": None,
        "problem_id": None,
        "has_incidents": False,
        "is_public": any(c["public"] for c in comments),
        "due_at": None,
        "tags": list(ticket.get("tags", [])),
        "custom_fields": [],
        "satisfaction_rating": None,
        "sharing_agreement_ids": [],
        "fields": [],
        "followup_ids": [],
        "ticket_form_id": None,
        "brand_id": None,
        "allow_channelback": False,
        "allow_attachments": True,
        "from_messaging_channel": False,
    }


def render_comment(comment):
    body = comment["body"]
    return {
        "id": comment["id"],
        "type": "Comment",
        "author_id": comment["author_id"],
        "body": body,
        "html_body": f'<div class="zd-comment" dir="auto"><p dir="auto">{html.escape(body)}</p></div>',
        "plain_body": body,
        "public": comment["public"],
        "attachments": [],
        "audit_id": comment.get("audit_id", comment["id"]),
        "via": {"channel": comment.get("channel", "web"), "source": {"from": {}, "to": {}, "rel": None}},
        "metadata": {"system": {}, "custom": dict(comment.get("metadata", {}))},
        "created_at": comment["created_at"],
    }


def render_user(user, base):
    return {
        "id": user["id"],
        "url": f"{base}api/v2/users/{user['id']}.json",
        "name": user["name"],
        "email": user.get("email"),
        "created_at": user.get("created_at", "2025-01-06T09:00:00Z"),
        "updated_at": user.get("updated_at", "2026-11-01T09:00:00Z"),
        "time_zone": user.get("time_zone", "London"),
        "phone": user.get("phone"),
        "shared_phone_number": None,
        "photo": None,
        "locale": "en-US",
        "locale_id": 1,
        "organization_id": None,
        "role": user["role"],
        "verified": bool(user.get("verified", False)),
        "external_id": user.get("external_id"),
        "tags": [],
        "alias": "",
        "active": True,
        "shared": False,
        "shared_agent": False,
        "last_login_at": None,
        "two_factor_auth_enabled": False,
        "signature": None,
        "details": "",
        "notes": "",
        "role_type": None,
        "custom_role_id": None,
        "moderator": user["role"] in AGENT_ROLES,
        "ticket_restriction": None if user["role"] in AGENT_ROLES else "requested",
        "only_private_comments": False,
        "restricted_agent": False,
        "suspended": False,
        "default_group_id": user.get("default_group_id"),
        "report_csv": False,
        "user_fields": {},
    }


def render_group(group, base):
    return {
        "url": f"{base}api/v2/groups/{group['id']}.json",
        "id": group["id"],
        "is_public": True,
        "name": group["name"],
        "description": group.get("description", ""),
        "default": bool(group.get("default", False)),
        "deleted": False,
        "created_at": "2025-01-06T09:00:00Z",
        "updated_at": "2025-01-06T09:00:00Z",
    }


def render_article(article, base, author_id):
    slug = re.sub(r"[^a-z0-9]+", "-", article["title"].lower()).strip("-")
    return {
        "id": article["id"],
        "url": f"{base}api/v2/help_center/en-us/articles/{article['id']}.json",
        "html_url": f"{base}hc/en-us/articles/{article['id']}-{slug}",
        "author_id": author_id,
        "comments_disabled": False,
        "draft": False,
        "promoted": False,
        "position": 0,
        "vote_sum": 0,
        "vote_count": 0,
        "section_id": article["section_id"],
        "created_at": article.get("created_at", article["updated_at"]),
        "updated_at": article["updated_at"],
        "edited_at": article["updated_at"],
        "name": article["title"],
        "title": article["title"],
        "source_locale": "en-us",
        "locale": "en-us",
        "outdated": False,
        "outdated_locales": [],
        "permission_group_id": 1,
        "user_segment_id": None,
        "label_names": list(article.get("label_names", [])),
        "body": article["body"],
    }


# -- writes ----------------------------------------------------------------------------------


def create_ticket(data, fields, author_id):
    """Create a ticket from a ``{"ticket": ...}`` payload; returns (ticket, audit, changes)."""
    comment = fields.get("comment")
    if not isinstance(comment, dict) or not _comment_text(comment):
        raise record_invalid("description", "Description: cannot be blank", "BlankValue")
    requester_id = _requester(data, fields, author_id)
    stamp = now()
    ticket = {
        "id": allocate(data, "tickets"),
        "subject": str(fields.get("subject") or _comment_text(comment)[:60]),
        "status": "new",
        "priority": None,
        "type": None,
        "requester_id": requester_id,
        "submitter_id": author_id,
        "tags": [],
        "channel": "api",
        "created_at": stamp,
        "updated_at": stamp,
        "comments": [],
    }
    if fields.get("external_id") is not None:
        ticket["external_id"] = str(fields["external_id"])
    data["tickets"].append(ticket)
    # The first comment is the requester's own description unless an author is named.
    comment = dict(comment, author_id=comment.get("author_id", requester_id))
    audit, changes = _apply(data, ticket, dict(fields, comment=comment), author_id, creating=True)
    return ticket, audit, changes


def update_ticket(data, ticket, fields, author_id):
    """Apply a ``{"ticket": ...}`` update; returns (audit, changes)."""
    if ticket["status"] == "closed":
        raise record_invalid("status", "Status: closed prevents ticket update", "ClosedPreventsUpdate")
    return _apply(data, ticket, fields, author_id, creating=False)


def _apply(data, ticket, fields, author_id, creating):
    """Validate every change first, then write them all: a refused update changes nothing."""
    updates = {}
    if "subject" in fields:
        updates["subject"] = str(fields["subject"] or "")
    for name, allowed in (("status", STATUSES), ("priority", PRIORITIES), ("type", TYPES)):
        if name in fields:
            value = fields[name]
            if value is not None and value not in allowed:
                raise record_invalid(name, f"{name.capitalize()}: {value!r} is not one of {', '.join(allowed)}")
            if name == "status" and value is None:
                raise record_invalid(name, "Status: cannot be blank", "BlankValue")
            updates[name] = value
    if "group_id" in fields:
        group_id = fields["group_id"]
        if group_id is not None and find(data["groups"], group_id) is None:
            raise record_invalid("group_id", "Group: is invalid")
        updates["group_id"] = int(group_id) if group_id is not None else None
    if "assignee_id" in fields:
        assignee_id = fields["assignee_id"]
        if assignee_id is not None and not is_agent(data, assignee_id):
            raise record_invalid("assignee_id", "Assignee: is not an agent")
        updates["assignee_id"] = int(assignee_id) if assignee_id is not None else None
    tags = list(ticket.get("tags", []))
    if "tags" in fields:
        tags = _tags(fields["tags"], "tags")
    tags += [t for t in _tags(fields.get("additional_tags", []), "additional_tags") if t not in tags]
    removed = set(_tags(fields.get("remove_tags", []), "remove_tags"))
    tags = [t for t in dict.fromkeys(tags) if t not in removed]
    if tags != ticket.get("tags", []):
        updates["tags"] = tags
    comment = fields.get("comment")
    if comment is not None:
        if not isinstance(comment, dict) or not _comment_text(comment):
            raise record_invalid("comment", "Comment: body cannot be blank", "BlankValue")
        comment_author = comment.get("author_id", author_id)
        if find(data["users"], comment_author) is None:
            raise record_invalid("comment", "Comment: author is invalid")
        # An agent's first answer opens a new ticket, as Zendesk does.
        if not creating and ticket["status"] == "new" and "status" not in updates and is_agent(data, comment_author):
            updates["status"] = "open"
    metadata = fields.get("metadata") or {}
    custom = metadata.get("custom", {}) if isinstance(metadata, dict) else {}
    if not isinstance(custom, dict):
        raise record_invalid("metadata", "Metadata: custom must be an object")

    stamp = now()
    audit_id = allocate(data, "audits")
    changes, events = [], []
    for name, value in updates.items():
        previous = ticket.get(name)
        if previous == value:
            continue
        ticket[name] = value
        changes.append((name, previous, value))
        events.append({"id": allocate(data, "audits"), "type": "Create" if creating else "Change",
                       "field_name": name, "value": value,
                       **({} if creating else {"previous_value": previous})})
    if comment is not None:
        stored = {
            "id": allocate(data, "comments"),
            "author_id": int(comment.get("author_id", author_id)),
            "body": _comment_text(comment),
            "public": bool(comment.get("public", True)),
            "created_at": stamp,
            "audit_id": audit_id,
            "channel": "api",
            "metadata": custom,
        }
        ticket["comments"].append(stored)
        changes.append(("comment", None, stored))
        events.insert(0, {"id": stored["id"], "type": "Comment", "author_id": stored["author_id"],
                          "body": stored["body"], "public": stored["public"], "attachments": []})
    ticket["updated_at"] = stamp
    audit = {
        "id": audit_id,
        "ticket_id": ticket["id"],
        "created_at": stamp,
        "author_id": author_id,
        "metadata": {"system": {"client": "helpdesk-hub sandbox", "ip_address": "127.0.0.1"}, "custom": custom},
        "via": {"channel": "api", "source": {"from": {}, "to": {}, "rel": None}},
        "events": events,
    }
    return audit, changes


def _requester(data, fields, author_id):
    if "requester_id" in fields:
        if find(data["users"], fields["requester_id"]) is None:
            raise record_invalid("requester_id", "Requester: is invalid")
        return int(fields["requester_id"])
    requester = fields.get("requester")
    if requester is None:
        return author_id
    if not isinstance(requester, dict) or not requester.get("email"):
        raise record_invalid("requester", "Requester: email is required")
    user = user_by_email(data, requester["email"])
    if user is None:
        user = {"id": allocate(data, "users"), "name": requester.get("name") or requester["email"],
                "email": requester["email"].strip().lower(), "role": "end-user", "verified": False,
                "created_at": now()}
        data["users"].append(user)
    return user["id"]


def _comment_text(comment):
    text = comment.get("body")
    if text is None and comment.get("html_body") is not None:
        text = re.sub(r"<[^>]+>", "", str(comment["html_body"]))
    return str(text or "").strip()


def _tags(value, name):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ApiError(400, "InvalidValue", f"{name} must be a list of strings")
    # Zendesk stores tags lower-case and splits them at spaces.
    return [part.lower() for tag in value for part in tag.split()]
