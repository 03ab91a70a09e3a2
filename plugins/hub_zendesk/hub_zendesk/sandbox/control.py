"""The control routes the connector spec adds to the kit's ``/_sandbox/`` API:
sample and fire signed webhook deliveries, and read a ticket's state for tests."""

import flask
from hub.sandbox.control import BLUEPRINT

from . import records
from .outbox import SAMPLE_KINDS


class BadControlRequest(ValueError):
    """The control request is malformed; the message says what is expected."""


def add_control_routes(sandbox, outbox):
    app = sandbox.app

    def control(rule, methods):
        # An endpoint named inside the kit's control blueprint is exempt from injected faults,
        # like the kit's own /_sandbox/ routes.
        def decorator(view):
            def answer(**kwargs):
                try:
                    return view(**kwargs)
                except BadControlRequest as error:
                    return flask.jsonify(error=str(error)), 400

            app.add_url_rule(rule, f"{BLUEPRINT}.zendesk_{view.__name__}", answer, methods=methods)
            return view

        return decorator

    def delivery_request():
        body = flask.request.get_json(silent=True, force=True) if flask.request.get_data() else {}
        if not isinstance(body, dict):
            raise BadControlRequest("the request body must be a JSON object")
        kind = body.get("kind", "ticket.created")
        if kind not in SAMPLE_KINDS:
            raise BadControlRequest(f"'kind' must be one of {', '.join(SAMPLE_KINDS)}")
        age = body.get("age_seconds", 0)
        if isinstance(age, bool) or not isinstance(age, int) or age < 0:
            raise BadControlRequest("'age_seconds' must be a whole number >= 0")
        target = sandbox.webhooks.target
        if target is None or not target["secret"]:
            raise BadControlRequest("no signed webhook target: POST /_sandbox/webhooks with url and secret first")
        ticket_id = body.get("ticket_id") or sandbox.data["tickets"][0]["id"]
        ticket = records.find(sandbox.data["tickets"], ticket_id)
        if ticket is None:
            raise BadControlRequest(f"no ticket {ticket_id!r} in the sandbox")
        return kind, ticket, age

    @control("/_sandbox/webhooks/sample", ["POST"])
    def webhook_sample():
        with sandbox.lock:
            kind, ticket, age = delivery_request()
            body, headers = outbox.sample(kind, ticket, age)
        return flask.jsonify(body=body.decode(), headers=headers)

    @control("/_sandbox/webhooks/fire", ["POST"])
    def webhook_fire():
        with sandbox.lock:
            kind, ticket, age = delivery_request()
            delivery = outbox.fire(kind, ticket, age)
        return flask.jsonify(id=delivery.id, body=delivery.body.decode()), 202

    @control("/_sandbox/state/<kind>/<remote_id>", ["GET"])
    def record_state(kind, remote_id):
        if kind not in ("ticket", "tickets"):
            raise BadControlRequest(f"the Zendesk sandbox keeps tickets, not {kind!r}")
        with sandbox.lock:
            data = sandbox.data
            ticket = records.find(data["tickets"], remote_id)
            if ticket is None:
                return flask.jsonify(error=f"no ticket {remote_id}"), 404
            state = records.render_ticket(data, ticket, flask.request.host_url)
            group = records.find(data["groups"], ticket.get("group_id")) if ticket.get("group_id") else None
            assignee = records.find(data["users"], ticket.get("assignee_id")) if ticket.get("assignee_id") else None
            state["assignment"] = {
                "group": group["name"] if group else None,
                "group_id": group["id"] if group else None,
                "assignee": assignee["name"] if assignee else None,
                "assignee_id": assignee["id"] if assignee else None,
            }
            state["comments"] = [
                dict(records.render_comment(c), internal=not c["public"],
                     author_name=(records.find(data["users"], c["author_id"]) or {}).get("name"))
                for c in ticket["comments"]
            ]
        return flask.jsonify(state)
