"""A small subset of Zendesk's search syntax, enough for what clients ask of it:
``type:ticket requester:maya.chen@example.com status<solved``, ``type:user email:x``, a bare
email, words; and Help Center full-text search with highlighted snippets.
"""

import html
import re
import shlex

from .records import STATUSES, find
from .responses import ApiError

CONDITION = re.compile(r"^(?P<key>[a-z_]+)(?P<op><=|>=|:|<|>)(?P<value>.+)$")
KINDS = ("ticket", "user", "group")


def parse(query):
    """Split a query into ``[(key, op, value)]``; bare words come back as ``(None, None, word)``."""
    try:
        tokens = shlex.split(query)
    except ValueError:
        raise ApiError(400, "InvalidSearchParameter", "The query has an unbalanced quote")
    terms = []
    for token in tokens:
        match = CONDITION.match(token)
        if match and not token.startswith("http"):
            terms.append((match["key"], match["op"], match["value"].lower()))
        else:
            terms.append((None, None, token.lower()))
    return terms


def search_records(data, query):
    """``[(kind, row)]`` matching every term of ``query``, tickets then users then groups."""
    terms = parse(query)
    kinds = [value for key, _, value in terms if key == "type"] or list(KINDS)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ApiError(400, "InvalidSearchParameter", f"type:{unknown[0]} is not searchable here")
    terms = [t for t in terms if t[0] != "type"]
    found = []
    for kind, rows, matches in (("ticket", data["tickets"], _ticket_matches),
                                ("user", data["users"], _user_matches),
                                ("group", data["groups"], _group_matches)):
        if kind in kinds:
            found += [(kind, row) for row in rows if all(matches(data, row, term) for term in terms)]
    return found


def _compare(op, actual, wanted, order=None):
    if op == ":":
        return actual == wanted
    if order is None or actual not in order or wanted not in order:
        return False
    a, w = order.index(actual), order.index(wanted)
    return {"<": a < w, ">": a > w, "<=": a <= w, ">=": a >= w}[op]


def _user_ref(data, user_id, wanted):
    user = find(data["users"], user_id) if user_id is not None else None
    if wanted in ("none", "null"):
        return user is None
    return user is not None and wanted in (str(user["id"]), user.get("email", "").lower(), user["name"].lower())


def _ticket_matches(data, ticket, term):
    key, op, value = term
    if key is None:
        text = " ".join([ticket["subject"]] + [c["body"] for c in ticket["comments"]]).lower()
        return value in text
    if key == "status":
        return _compare(op, ticket["status"], value, STATUSES)
    if key == "priority":
        return _compare(op, ticket.get("priority") or "", value, ("low", "normal", "high", "urgent"))
    if key in ("requester", "assignee", "submitter"):
        return _user_ref(data, ticket.get(f"{key}_id"), value)
    if key in ("tags", "tag"):
        return value in ticket.get("tags", [])
    if key == "group":
        group = find(data["groups"], ticket.get("group_id")) if ticket.get("group_id") else None
        return group is not None and value in (str(group["id"]), group["name"].lower())
    if key in ("subject", "description"):
        return value in ticket["subject"].lower()
    return False


def _user_matches(data, user, term):
    key, _, value = term
    email = user.get("email", "").lower()
    if key is None:
        # A bare email is an exact match, as /users/search?query=<email> is.
        return email == value if "@" in value else value in user["name"].lower() or value in email
    if key == "email":
        return email == value
    if key == "name":
        return value in user["name"].lower()
    if key == "role":
        return user["role"] == value
    return False


def _group_matches(data, group, term):
    key, _, value = term
    return (key in (None, "name")) and value in group["name"].lower()


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
