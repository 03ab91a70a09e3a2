"""Zendesk's two pagination styles over an in-memory list, with links pointing at the sandbox.

Cursor pagination (``page[size]``, ``page[after]``/``page[before]``) answers ``meta`` and
``links``; without ``page[size]`` the legacy offset style (``page``, ``per_page``) answers
``next_page``/``previous_page``/``count``. Both build absolute URLs from the request's own host
so clients that follow links verbatim (zenpy) stay on the sandbox.
"""

import base64
import binascii
import json
from urllib.parse import urlencode

import flask

from .responses import ApiError

MAX_CURSOR_PAGE = 100
MAX_OFFSET_PAGE = 100
#: Zendesk refuses offset pages reaching past 10,000 records (since 2023-08-15).
OFFSET_RECORD_LIMIT = 10_000


def wants_cursor():
    return "page[size]" in flask.request.args or "page[after]" in flask.request.args or (
        "page[before]" in flask.request.args
    )


def paginate(items, key):
    """Answer one page of ``items`` under ``key`` in whichever style the request asked for."""
    return cursor_page(items, key) if wants_cursor() else offset_page(items, key)


def cursor_page(items, key):
    args = flask.request.args
    size = _whole(args.get("page[size]", "100"), "page[size]", 1, MAX_CURSOR_PAGE)
    if args.get("page[before]"):
        end = _decode(args["page[before]"], "page[before]")
        start = max(0, end - size)
    else:
        start = _decode(args["page[after]"], "page[after]") if args.get("page[after]") else 0
        end = start + size
    start, end = min(start, len(items)), min(end, len(items))
    has_more = end < len(items)
    after, before = _encode(end), _encode(start)
    return {
        key: items[start:end],
        "meta": {"has_more": has_more, "after_cursor": after, "before_cursor": before},
        "links": {
            "prev": _link({"page[size]": size, "page[before]": before}) if start > 0 else None,
            "next": _link({"page[size]": size, "page[after]": after}) if has_more else None,
        },
    }


def offset_page(items, key):
    args = flask.request.args
    page = _whole(args.get("page", "1"), "page", 1, None)
    per_page = _whole(args.get("per_page", "100"), "per_page", 1, MAX_OFFSET_PAGE)
    if page * per_page > OFFSET_RECORD_LIMIT:
        raise ApiError(400, "InvalidPaginationParameter",
                       f"Offset pagination is limited to {OFFSET_RECORD_LIMIT} records; use cursor pagination")
    start = (page - 1) * per_page
    end = start + per_page
    return {
        key: items[start:end],
        "next_page": _link({"page": page + 1, "per_page": per_page}) if end < len(items) else None,
        "previous_page": _link({"page": page - 1, "per_page": per_page}) if page > 1 else None,
        "count": len(items),
    }


def _link(paging):
    """This request's URL with its paging parameters replaced."""
    kept = [(k, v) for k, v in flask.request.args.items(multi=True) if not k.startswith("page") and k != "per_page"]
    query = urlencode(kept + list(paging.items()))
    return f"{flask.request.host_url.rstrip('/')}{flask.request.path}?{query}"


def _whole(text, name, low, high):
    try:
        value = int(text)
    except (TypeError, ValueError):
        raise ApiError(400, "InvalidPaginationParameter", f"{name} must be a whole number, not {text!r}")
    if value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ApiError(400, "InvalidPaginationParameter", f"{name} must be {limit}, not {value}")
    return value


def _encode(position):
    raw = json.dumps({"o": position}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor, name):
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position = json.loads(raw)["o"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise ApiError(400, "InvalidPaginationParameter", f"{name} is not a cursor this API issued")
    if not isinstance(position, int) or position < 0:
        raise ApiError(400, "InvalidPaginationParameter", f"{name} is not a cursor this API issued")
    return position
