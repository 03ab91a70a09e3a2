"""Control routes the connector spec adds to the kit's ``/_sandbox/`` API.

- ``POST /_sandbox/webhooks/sample``: a business-rule delivery built and signed with the
  configured secret, but not sent (``age_seconds`` backdates X-SN-Timestamp).
- ``POST /_sandbox/webhooks/fire``: the same delivery actually sent through the kit's sender
  (signed at send time, as the business rule does).
- ``GET /_sandbox/state/<kind>/<sys_id or number>``: a record as stored, with its journal under
  "comments" (each entry flagged public or internal) and its assignment (group name), so tests
  can see effects at the "vendor".
"""

import time

import flask

from . import business_rule
from .records import TABLES, is_internal, journal_entries

KINDS = {"ticket.created", "comment.added"}
# The spec's generic kinds, and the table names themselves.
STATE_KINDS = {"ticket": "incident", "incident": "incident", "request": "sc_request", "request_item": "sc_req_item",
               "user": "sys_user", **{name: name for name in TABLES}}


class BadControl(ValueError):
    pass


def add_routes(app, sandbox, instance):
    bp = flask.Blueprint("servicenow_control", __name__, url_prefix="/_sandbox")

    @bp.errorhandler(BadControl)
    def bad_control(error):
        return flask.jsonify(error=str(error)), 400

    @bp.post("/webhooks/sample")
    def sample():
        body, age = _delivery(sandbox, instance)
        raw = business_rule.encode(body)
        timestamp_ms = int((time.time() - age) * 1000)
        headers = {"Content-Type": "application/json",
                   **business_rule.sign(raw, sandbox.webhooks.target["secret"], timestamp_ms)}
        return flask.jsonify(body=raw.decode(), headers=headers)

    @bp.post("/webhooks/fire")
    def fire():
        body, _ = _delivery(sandbox, instance)
        delivery = sandbox.emit(business_rule.encode(body))
        return flask.jsonify(id=delivery.id, body=body), 202

    @bp.get("/state/<kind>/<sys_id>")
    def state(kind, sys_id):
        table = STATE_KINDS.get(kind)
        if table is None:
            raise BadControl(f"unknown kind {kind!r}; known: {', '.join(sorted(STATE_KINDS))}")
        with sandbox.lock:
            row = next((r for r in instance.tables[table] if r["sys_id"] == sys_id or r.get("number") == sys_id), None)
            if row is None:
                return flask.jsonify(error=f"no {table} record {sys_id}"), 404
            return flask.jsonify(_state(instance, table, row))

    app.register_blueprint(bp)


def _delivery(sandbox, instance):
    if sandbox.webhooks.target is None:
        raise BadControl("no webhook target configured: POST /_sandbox/webhooks first")
    request = flask.request.get_json(silent=True, force=True) if flask.request.get_data() else {}
    if not isinstance(request, dict):
        raise BadControl("the request body must be a JSON object")
    kind = request.get("kind", "ticket.created")
    if kind not in KINDS:
        raise BadControl(f"'kind' must be one of {', '.join(sorted(KINDS))}")
    age = request.get("age_seconds", 0)
    if isinstance(age, bool) or not isinstance(age, (int, float)) or age < 0:
        raise BadControl("'age_seconds' must be a number >= 0")
    ticket_id = request.get("ticket_id")
    with sandbox.lock:
        incidents = instance.tables["incident"]
        if ticket_id is not None:
            row = next((r for r in incidents if ticket_id in (r["sys_id"], r["number"])), None)
            if row is None:
                raise BadControl(f"no incident {ticket_id!r}")
        elif kind == "comment.added":
            row = next((r for r in incidents if business_rule.latest_comment(instance, r)), None)
        else:
            row = incidents[0]
        if kind == "comment.added":
            comment = business_rule.latest_comment(instance, row)
            if comment is None:
                raise BadControl(f"incident {row['number']} has no additional comments to send")
            return business_rule.event_body(instance, "update", row, comment), age
        return business_rule.event_body(instance, "insert", row), age


def _state(instance, table, row):
    spec = TABLES[table]
    users = {u["user_name"]: u for u in instance.tables["sys_user"]}

    def display(column):
        target = spec.references.get(column)
        found = next((r for r in instance.tables[target] if r["sys_id"] == row.get(column)), None) if target else None
        return found.get(TABLES[target].display) if found else None

    journal = [
        {"element": e["element"], "public": e["element"] == "comments", "body": e["value"],
         "author": users.get(e["sys_created_by"], {}).get("name", e["sys_created_by"]),
         "created_at": e["sys_created_on"]}
        for e in journal_entries(instance.tables, table, row["sys_id"])
    ]
    return {
        "table": table,
        "sys_id": row["sys_id"],
        "number": row.get("number"),
        "record": {column: value for column, value in row.items() if not is_internal(column)},
        "assignment": {"group": display("assignment_group"), "group_id": row.get("assignment_group") or None,
                       "assigned_to": display("assigned_to")},
        "comments": journal,
        "variables": row.get("_variables"),
    }
