"""Reading and writing the Table API through the hub's VendorSession.

Values come back as strings, references as ``{"link", "value"}``; these helpers page with
sysparm_limit/sysparm_offset by following the ``Link: <...>; rel="next"`` header to the end,
escape values put into encoded queries, and convert instance datetimes.
"""

import re
from datetime import datetime, timezone
from urllib.parse import urlsplit

from hub.errors import ConnectorError, NotFound, VendorUnavailable

CONNECTOR = "servicenow"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SYS_ID = re.compile(r"^[0-9a-f]{32}$")
#: Pages are requested at most this large; a tool's page_size asks for smaller ones.
MAX_PAGE = 1000


def path(table, sys_id=None):
    return f"api/now/table/{table}" + (f"/{sys_id}" if sys_id else "")


def quote(value):
    """A value safe inside an encoded query: a caret would start a new condition."""
    return str(value).replace("^", "^^")


def value(field):
    """The raw value of a served field (plain, ``{"link","value"}`` or ``{"display_value","value"}``)."""
    if isinstance(field, dict):
        return field.get("value", "")
    return field if field is not None else ""


def parse_time(text):
    """Instance datetimes are UTC "YYYY-MM-DD HH:MM:SS" with display values off; None if not one."""
    try:
        return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def format_time(when):
    if when.tzinfo is not None:
        when = when.astimezone(timezone.utc)
    return when.strftime(TIME_FORMAT)


def result(response):
    """The ``result`` of an instance answer; a hibernating developer instance or a login page
    answers 200 with HTML, which must not pass for data."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "result" not in body:
        raise VendorUnavailable(CONNECTOR, f"the instance answered {response.status_code} without a JSON result "
                                           f"(is it hibernating?): {response.text[:120]!r}", response.status_code)
    return body["result"]


def get(session, table, sys_id, fields=None):
    params = {"sysparm_fields": ",".join(fields)} if fields else None
    return result(session.get(path(table, sys_id), params=params))


def query(session, table, encoded, fields=None, page_size=MAX_PAGE, limit=None):
    """Every row matching ``encoded`` (or the first ``limit``), page by page; returns (rows, pages)."""
    page_size = min(page_size, limit or page_size)
    params = {"sysparm_query": encoded, "sysparm_limit": str(page_size), "sysparm_offset": "0"}
    if fields:
        params["sysparm_fields"] = ",".join(fields)
    rows, pages, url = [], 0, path(table)
    while url:
        response = session.get(url, params=params)
        rows.extend(result(response))
        pages += 1
        if limit is not None and len(rows) >= limit:
            return rows[:limit], pages
        # The next link carries every parameter itself (absolute, pointing at the instance).
        url = response.links.get("next", {}).get("url")
        params = None
        if url and urlsplit(url).netloc != urlsplit(session.base_url).netloc:
            # Never send the instance's bearer token to a host a response header names.
            raise ConnectorError(CONNECTOR, f"the instance's next-page link points elsewhere: {url}")
    return rows, pages


def first(session, table, encoded, fields=None):
    rows, _ = query(session, table, encoded, fields, limit=1)
    return rows[0] if rows else None


def record(session, table, reference, number_prefix, fields=None):
    """A row by sys_id or by its number (INC..., REQ...); NotFound when there is none."""
    reference = reference.strip()
    if SYS_ID.match(reference):
        return get(session, table, reference, fields)
    if number_prefix and reference.upper().startswith(number_prefix):
        found = first(session, table, f"number={quote(reference.upper())}", fields)
        if found:
            return found
        raise NotFound(CONNECTOR, f"No {table} record with number {reference}", 404)
    raise NotFound(CONNECTOR, f"{reference!r} is neither a sys_id nor a {number_prefix} number", 404)


def patch(session, table, sys_id, values, idempotent=False):
    """PATCH a record; ``idempotent`` when ``values`` only set fields (journal fields such as
    comments and work_notes append an entry each time, so a PATCH with one is not)."""
    return result(session.patch(path(table, sys_id), json=values, idempotent=idempotent))
