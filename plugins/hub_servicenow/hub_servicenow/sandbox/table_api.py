"""The Table API: ``/api/now/[v1|v2/]table/{table}[/{sys_id}]``.

``{"result": ...}`` envelopes, 201 + Location on insert, 204 on delete, sysparm_* parameters,
plain ``column=value`` filters, and offset paging with an RFC 5988 ``Link`` header
(first/prev/next/last, absolute URLs back to this server) plus ``X-Total-Count``.
"""

from urllib.parse import urlencode

import flask

from .instance import ApiError
from .query import Evaluator, parse
from .records import Renderer

PREFIXES = ("/api/now/table", "/api/now/v1/table", "/api/now/v2/table")
DEFAULT_LIMIT = 10000


def add_routes(app, sandbox, instance, protected):
    for number, prefix in enumerate(PREFIXES):
        app.add_url_rule(f"{prefix}/<table>", f"table_list_{number}",
                         protected(lambda table: list_rows(sandbox, instance, table)), methods=["GET"])
        app.add_url_rule(f"{prefix}/<table>", f"table_insert_{number}",
                         protected(lambda table: insert_row(sandbox, instance, table)), methods=["POST"])
        app.add_url_rule(f"{prefix}/<table>/<sys_id>", f"table_get_{number}",
                         protected(lambda table, sys_id: get_row(sandbox, instance, table, sys_id)), methods=["GET"])
        app.add_url_rule(f"{prefix}/<table>/<sys_id>", f"table_update_{number}",
                         protected(lambda table, sys_id: update_row(sandbox, instance, table, sys_id)),
                         methods=["PATCH", "PUT"])
        app.add_url_rule(f"{prefix}/<table>/<sys_id>", f"table_delete_{number}",
                         protected(lambda table, sys_id: delete_row(sandbox, instance, table, sys_id)),
                         methods=["DELETE"])


def renderer(instance):
    args = flask.request.args
    mode = args.get("sysparm_display_value", "false").lower()
    if mode not in ("true", "false", "all"):
        mode = "false"
    links = args.get("sysparm_exclude_reference_link", "false").lower() != "true"
    return Renderer(instance.tables, flask.request.host_url, mode, links)


def requested_fields():
    fields = [f.strip() for f in flask.request.args.get("sysparm_fields", "").split(",") if f.strip()]
    return fields or None


def list_rows(sandbox, instance, table):
    args = flask.request.args
    limit = _whole_number("sysparm_limit", DEFAULT_LIMIT, minimum=1)
    offset = _whole_number("sysparm_offset", 0, minimum=0)
    # Plain column=value parameters filter too (``?active=true&state=1``).
    filters = [f"{key}={value}" for key, value in args.items() if not key.startswith("sysparm_")]
    encoded = "^".join([args.get("sysparm_query", "")] + filters) if filters else args.get("sysparm_query", "")
    with sandbox.lock:
        instance.table(table)
        matched = Evaluator(instance.tables).select(table, parse(encoded))
        page = matched[offset:offset + limit]
        draw = renderer(instance)
        fields = requested_fields()
        result = [draw.row(table, row, fields) for row in page]
    response = flask.jsonify(result=result)
    total = len(matched)
    response.headers["X-Total-Count"] = str(total)
    if args.get("sysparm_suppress_pagination_header", "false").lower() != "true":
        response.headers["Link"] = _link_header(offset, limit, total)
    return response


def _link_header(offset, limit, total):
    def url(at):
        params = dict(flask.request.args)
        params.update(sysparm_limit=str(limit), sysparm_offset=str(at))
        return f"{flask.request.base_url}?{urlencode(params)}"

    links = [(url(0), "first")]
    if offset > 0:
        links.append((url(max(0, offset - limit)), "prev"))
    if offset + limit < total:
        links.append((url(offset + limit), "next"))
    links.append((url(((total - 1) // limit) * limit if total else 0), "last"))
    return ",".join(f'<{target}>;rel="{rel}"' for target, rel in links)


def get_row(sandbox, instance, table, sys_id):
    with sandbox.lock:
        row = instance.get(table, sys_id)
        return flask.jsonify(result=renderer(instance).row(table, row, requested_fields()))


def insert_row(sandbox, instance, table):
    values = _json_body()
    with sandbox.lock:
        row = instance.insert(table, values, flask.g.sn_user, _input_display_value())
        result = renderer(instance).row(table, row, requested_fields())
    response = flask.jsonify(result=result)
    response.status_code = 201
    response.headers["Location"] = f"{flask.request.host_url}api/now/table/{table}/{row['sys_id']}"
    return response


def update_row(sandbox, instance, table, sys_id):
    values = _json_body()
    with sandbox.lock:
        row = instance.update(table, sys_id, values, flask.g.sn_user, _input_display_value())
        return flask.jsonify(result=renderer(instance).row(table, row, requested_fields()))


def delete_row(sandbox, instance, table, sys_id):
    with sandbox.lock:
        instance.delete(table, sys_id)
    return "", 204


def _input_display_value():
    return flask.request.args.get("sysparm_input_display_value", "false").lower() == "true"


def _json_body():
    body = flask.request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise ApiError(400, "Exception while reading request", "The payload is not valid JSON")
    return body


def _whole_number(name, default, minimum):
    text = flask.request.args.get(name)
    if text in (None, ""):
        return default
    try:
        value = int(text)
    except ValueError:
        raise ApiError(400, f"Invalid value for {name}", f"{text!r} is not a whole number")
    if value < minimum:
        raise ApiError(400, f"Invalid value for {name}", f"must be at least {minimum}")
    return value
