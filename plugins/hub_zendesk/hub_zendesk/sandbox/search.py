"""Zendesk's unified search over the seed's tickets, users and groups, and Help Center
full-text search with highlighted snippets.

Terms on different properties are AND'ed; repeated ``key:value`` terms on one property are
OR'ed (``status:open status:pending``, zenpy's ``tags=[...]``), as Zendesk does; ``-`` excludes.
Words and phrases match at the start of a word ("top" finds "topology", not "desktop").
A property the sandbox does not keep, or an operator a property does not take, is refused
(422 ``invalid``) rather than answered with a wrong, empty page.
"""

import datetime
import html
import re

from .records import STATUSES, find
from .search_syntax import compare_date, date_span, invalid, parse, timestamp

KINDS = ("ticket", "user", "group")
#: Lowest first, so ``priority>normal`` is high and urgent.
PRIORITY_ORDER = ("low", "normal", "high", "urgent")
EQUALITY = (":",)
ALL_OPERATORS = (":", "<", ">", "<=", ">=")
#: property -> operators it takes, per kind of record.
PROPERTIES = {
    "ticket": {"status": ALL_OPERATORS, "priority": ALL_OPERATORS, "ticket_type": EQUALITY,
               "requester": EQUALITY, "assignee": EQUALITY, "submitter": EQUALITY, "group": EQUALITY,
               "tags": EQUALITY, "tag": EQUALITY, "subject": EQUALITY, "description": EQUALITY,
               "comment": EQUALITY, "via": EQUALITY, "external_id": EQUALITY,
               "created": ALL_OPERATORS, "updated": ALL_OPERATORS},
    "user": {"email": EQUALITY, "name": EQUALITY, "role": EQUALITY, "external_id": EQUALITY,
             "phone": EQUALITY, "created": ALL_OPERATORS, "updated": ALL_OPERATORS},
    "group": {"name": EQUALITY, "created": ALL_OPERATORS, "updated": ALL_OPERATORS},
}
#: sort_by (API parameter) and order_by (in the query) values -> what is compared.
SORT_FIELDS = {"created_at": "created", "created": "created", "updated_at": "updated", "updated": "updated",
               "commented": "commented", "priority": "priority", "status": "status",
               "ticket_type": "ticket_type"}
WORDS = re.compile(r"[\w']+")


def search_records(data, query, sort_by=None, sort_order=None, me=None, now=None):
    """``[(kind, row)]`` matching ``query``: tickets, users, groups in seed order, or sorted
    by ``sort_by`` / ``order_by:`` (``sort_order`` / ``sort:``, descending by default)."""
    now = now or datetime.datetime.now(datetime.UTC)
    terms = parse(query)
    kinds = [t.value for t in terms if t.key == "type" and not t.negated] or list(KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise invalid(f"type:{unknown[0]} is not searchable here (the sandbox keeps tickets, users and groups)")
    kinds = [k for k in kinds if k not in {t.value for t in terms if t.key == "type" and t.negated}]
    sort_by, sort_order = _sorting(terms, sort_by, sort_order)
    terms = [t for t in terms if t.key not in ("type", "order_by", "sort")]
    _refuse_unsupported(terms, kinds)
    found = []
    for kind, rows in (("ticket", data["tickets"]), ("user", data["users"]), ("group", data["groups"])):
        if kind in kinds:
            found += [(kind, row) for row in rows if _matches(data, kind, row, terms, me, now)]
    if sort_by:
        found = _sorted(found, SORT_FIELDS[sort_by], sort_order)
    return found


def _sorting(terms, sort_by, sort_order):
    inline_by = [t.value for t in terms if t.key == "order_by"]
    inline_order = [t.value for t in terms if t.key == "sort"]
    sort_by = sort_by or (inline_by[-1] if inline_by else None)
    sort_order = sort_order or (inline_order[-1] if inline_order else None) or "desc"
    if sort_by is not None and sort_by not in SORT_FIELDS:
        raise invalid(f"cannot sort by {sort_by!r}; sort by updated_at, created_at, priority, status or ticket_type")
    if sort_order not in ("asc", "desc"):
        raise invalid(f"sort order must be asc or desc, not {sort_order!r}")
    return sort_by, sort_order


def _refuse_unsupported(terms, kinds):
    for term in terms:
        if term.key is None:
            continue
        takes = [PROPERTIES[kind][term.key] for kind in kinds if term.key in PROPERTIES[kind]]
        if not takes:
            raise invalid(f"{term.key!r} is not a property the sandbox searches on {', '.join(kinds)} records")
        if not any(term.op in ops for ops in takes):
            raise invalid(f"{term.key}{term.op} is not supported: {term.key} takes only ':'")
        if term.op != ":" and term.wildcard:
            raise invalid(f"a wildcard cannot be compared with {term.op}")
        if term.key in ("created", "updated") and date_span(term.value, datetime.datetime.now(datetime.UTC)) is None:
            raise invalid(f"{term.value!r} is not a date (YYYY-MM-DD, an ISO 8601 time, or e.g. 4hours)")


def _matches(data, kind, row, terms, me, now):
    """Every group of terms holds: one property's repeated ':' values OR'ed, the rest AND'ed."""
    alternatives = {}
    for term in terms:
        if term.key is not None and term.op == ":" and not term.negated:
            alternatives.setdefault(term.key, []).append(term)
            continue
        held = _term_holds(data, kind, row, term, me, now)
        if held == term.negated:
            return False
    return all(any(_term_holds(data, kind, row, t, me, now) for t in group) for group in alternatives.values())


def _term_holds(data, kind, row, term, me, now):
    if term.key is None:
        if kind == "ticket" and term.value.isdigit() and str(row["id"]) == term.value:
            return True
        if kind == "user" and "@" in term.value and not term.wildcard:
            return row.get("email", "").lower() == term.value  # a bare email is that user
        return _text_has(_text(kind, row), term)
    if term.key not in PROPERTIES[kind]:
        return False  # another kind's property: this record has none of it
    if term.key in ("created", "updated"):
        moment = _moment(kind, row, term.key)
        return moment is not None and compare_date(term.op, moment, date_span(term.value, now))
    return _property_holds(data, kind, row, term, me)


def _property_holds(data, kind, row, term, me):
    key, value = term.key, term.value
    if key == "status":
        return _ordered(term.op, row["status"], value, STATUSES)
    if key == "priority":
        return _ordered(term.op, row.get("priority"), value, PRIORITY_ORDER)
    if key in ("requester", "assignee", "submitter"):
        user_id = row.get(f"{key}_id", row["requester_id"] if key == "submitter" else None)
        return _user_ref(data, user_id, value, me)
    if key in ("tags", "tag"):
        tags = row.get("tags", [])
        return not tags if value == "none" else any(_equal(tag, term) for tag in tags)
    if key == "group":
        group = find(data["groups"], row.get("group_id")) if row.get("group_id") else None
        if value == "none":
            return group is None
        return group is not None and (value == str(group["id"]) or _equal(group["name"].lower(), term))
    if key in ("subject", "description", "comment"):
        comments = row["comments"]
        text = {"subject": row["subject"], "description": comments[0]["body"] if comments else "",
                "comment": " ".join(c["body"] for c in comments)}[key]
        return _text_has(text, term)
    if key == "name":
        return _text_has(row["name"], term)
    field = {"ticket_type": "type", "via": "channel", "email": "email", "role": "role",
             "external_id": "external_id", "phone": "phone"}[key]
    actual = row.get(field) or (row.get("channel", "web") if key == "via" else None)
    if value == "none":
        return actual in (None, "")
    return actual is not None and _equal(str(actual).lower(), term)


def _equal(actual, term):
    return actual.startswith(term.stem) if term.wildcard else actual == term.value


def _ordered(op, actual, wanted, order):
    if op == ":":
        return (actual or "none") == wanted
    if actual not in order or wanted not in order:
        return False
    a, w = order.index(actual), order.index(wanted)
    return {"<": a < w, ">": a > w, "<=": a <= w, ">=": a >= w}[op]


def _user_ref(data, user_id, wanted, me):
    if wanted == "me":
        return me is not None and str(user_id) == str(me)
    user = find(data["users"], user_id) if user_id is not None else None
    if wanted in ("none", "null"):
        return user is None
    return user is not None and wanted in (str(user["id"]), user.get("email", "").lower(), user["name"].lower())


def _text(kind, row):
    if kind == "ticket":
        return " ".join([row["subject"]] + [c["body"] for c in row["comments"]])
    if kind == "user":
        return f"{row['name']} {row.get('email', '')}"
    return f"{row['name']} {row.get('description', '')}"


def _text_has(text, term):
    """A word at the start of a word of ``text``; a phrase as consecutive words."""
    wanted = WORDS.findall(term.stem.lower())
    if not wanted:
        return False
    words = WORDS.findall(text.lower())
    last = len(wanted) - 1
    for start in range(len(words) - last):
        if all(words[start + i] == w for i, w in enumerate(wanted[:last])) and words[start + last].startswith(wanted[last]):
            return True
    return False


def _moment(kind, row, key):
    if kind == "ticket":
        comments = row["comments"]
        stamp = row["created_at"] if key == "created" else (
            row.get("updated_at") or (comments[-1]["created_at"] if comments else row["created_at"]))
    else:
        default = "2025-01-06T09:00:00Z" if kind == "group" or key == "created" else "2026-11-01T09:00:00Z"
        stamp = row.get(f"{key}_at", default)
    return timestamp(stamp)


def _sorted(found, field, order):
    def value(pair):
        kind, row = pair
        if field in ("created", "updated"):
            return _moment(kind, row, field).timestamp()
        if kind != "ticket":
            return None
        if field == "commented":
            comments = row["comments"]
            return timestamp(comments[-1]["created_at"]).timestamp() if comments else None
        if field == "priority":
            return PRIORITY_ORDER.index(row["priority"]) if row.get("priority") in PRIORITY_ORDER else None
        if field == "status":
            return STATUSES.index(row["status"])
        return row.get("type")

    # Records without the field go last whichever way the rest is sorted (Python's sort is
    # stable, so ties keep seed order).
    present = [pair for pair in found if value(pair) is not None]
    absent = [pair for pair in found if value(pair) is None]
    present.sort(key=value, reverse=(order == "desc"))
    return present + absent


# -- Help Center ---------------------------------------------------------------------------------

WORD = re.compile(r"[a-z0-9']+")
STOP_WORDS = frozenset(["a", "an", "and", "are", "do", "does", "for", "how", "i", "in", "is", "it", "my", "of", "on", "or", "the", "to", "what", "when", "where", "why", "with", "you"])


def _plain(markup):
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


def search_articles(data, query, labels):
    """``[(article, snippet)]`` ranked by how many query words the title and body hold."""
    words = [w for w in WORD.findall(query.lower()) if w not in STOP_WORDS]
    ranked = []
    for article in data["articles"]:
        if labels and not set(labels) & set(article.get("label_names", [])):
            continue
        text = f"{article['title']} {_plain(article['body'])}".lower()
        labels_text = " ".join(article.get("label_names", []))
        score = sum(2 * (w in article["title"].lower()) + (w in text) + (w in labels_text) for w in words)
        if words and score == 0:
            continue
        ranked.append((score, article))
    ranked.sort(key=lambda pair: -pair[0])
    return [(article, _snippet(article, words)) for _, article in ranked]


def _snippet(article, words):
    text = " ".join(_plain(article["body"]).split())
    lower = text.lower()
    start = min((lower.find(w) for w in words if w in lower), default=0)
    excerpt = text[max(0, start - 40):start + 160]
    excerpt = html.escape(excerpt)
    for word in sorted(set(words), key=len, reverse=True):
        excerpt = re.sub(rf"\b({re.escape(word)})\b", r"<em>\1</em>", excerpt, flags=re.IGNORECASE)
    return excerpt
