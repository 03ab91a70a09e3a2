"""The connector-specific control routes every sandbox offers the conformance suite:

- ``POST /_sandbox/webhooks/sample`` builds a delivery the hub should accept, without sending it;
- ``POST /_sandbox/webhooks/fire`` delivers one through the kit's sender (``comment.added``
  takes an optional ``body``: what the case contact writes);
- ``GET /_sandbox/state/case/<id>`` shows a case with its comments and owner.

Deliveries are Outbound Messages (``"format": "outbound_message"``, the default) or the
emulator-only JSON change event (``"format": "change_event"``, ticket kinds only).
"""

import flask

from . import ids, outbound, records

KINDS = ("ticket.created", "ticket.updated", "comment.added")
FORMATS = ("outbound_message", "change_event")
CUSTOMER_COMMENT = "Any update on this? I still need help."


class BadControlRequest(ValueError):
    pass


def install(sandbox, org):
    app = sandbox.app

    # Endpoint names in the kit's "sandbox_control" namespace make Flask count these routes as
    # part of the kit's control blueprint, so injected faults skip them like the kit's own.
    def route(rule, name, **options):
        def decorator(view):
            app.add_url_rule(rule, f"sandbox_control.salesforce_{name}", view, **options)
            return view
        return decorator

    @route("/_sandbox/webhooks/sample", "sample", methods=["POST"])
    def sample():
        try:
            body, headers = build(sandbox, org, _request(), store=False)
        except BadControlRequest as error:
            return flask.jsonify(error=str(error)), 400
        return flask.jsonify(body=body.decode("utf-8"), headers=headers)

    @route("/_sandbox/webhooks/fire", "fire", methods=["POST"])
    def fire():
        try:
            if sandbox.webhooks.target is None:
                raise BadControlRequest("no webhook target configured: POST /_sandbox/webhooks first")
            body, headers = build(sandbox, org, _request(), store=True)
        except BadControlRequest as error:
            return flask.jsonify(error=str(error)), 400
        delivery = sandbox.emit(body, headers)
        return flask.jsonify(id=delivery.id, body=body.decode("utf-8"), headers=headers), 202

    @route("/_sandbox/state/<kind>/<record_id>", "state", methods=["GET"])
    def state(kind, record_id):
        if kind.lower() != "case":
            return flask.jsonify(error=f"the Salesforce sandbox keeps state for 'case', not {kind!r}"), 404
        with sandbox.lock:
            case = org.get("Case", record_id)
            if case is None:
                return flask.jsonify(error=f"no Case {record_id}"), 404
            comments = [c for c in org.records("CaseComment") if ids.same(c["ParentId"], case["Id"])]
            owner = org.get_any(case.get("OwnerId")) or {}
            owner_type = org.object_of(case.get("OwnerId"))
            return flask.jsonify(
                kind="case",
                id=case["Id"],
                record=case,
                comments=[{"id": c["Id"], "body": c.get("CommentBody"), "public": bool(c.get("IsPublished")),
                           "created_by": c.get("CreatedById"), "created_at": c.get("CreatedDate")}
                          for c in sorted(comments, key=lambda c: c["CreatedDate"])],
                assignment={
                    "owner_id": case.get("OwnerId"),
                    "owner_type": "Queue" if owner.get("Type") == "Queue" else owner_type,
                    "group": owner.get("DeveloperName") if owner.get("Type") == "Queue" else None,
                    "name": owner.get("Name"),
                    "escalated": bool(case.get("IsEscalated")),
                },
            )


def _request():
    body = flask.request.get_json(silent=True, force=True) if flask.request.get_data() else {}
    if not isinstance(body, dict):
        raise BadControlRequest("the request body must be a JSON object")
    return body


def build(sandbox, org, body, store):
    """``(body bytes, headers)`` of one delivery described by the control request ``body``."""
    kind = body.get("kind", "ticket.created")
    if kind not in KINDS:
        raise BadControlRequest(f"'kind' must be one of {', '.join(KINDS)}")
    form = body.get("format", "outbound_message")
    if form not in FORMATS:
        raise BadControlRequest(f"'format' must be one of {', '.join(FORMATS)}")
    age = body.get("age_seconds", 0)
    if isinstance(age, bool) or not isinstance(age, (int, float)) or age < 0:
        raise BadControlRequest("'age_seconds' must be a number of seconds >= 0")
    with sandbox.lock:
        case = _case(org, body.get("ticket_id"))
        if form == "change_event":
            if kind == "comment.added":
                raise BadControlRequest("Change Data Capture has no CaseComment events: use an Outbound Message")
            change = "CREATE" if kind == "ticket.created" else "UPDATE"
            return outbound.change_event(org, dict(case), change, age_seconds=age), dict(outbound.JSON_HEADERS)
        # Outbound Messages carry no timestamp of their own: age_seconds has nothing to
        # backdate (Salesforce retries them for up to 24 hours).
        if kind == "comment.added":
            text = body.get("body", CUSTOMER_COMMENT)
            if not isinstance(text, str) or not text.strip() or len(text) > 4000:
                raise BadControlRequest("'body' must be a comment of 1 to 4000 characters")
            comment = _customer_comment(org, case, store, text)
            message = outbound.outbound_message(org, flask.request.host_url, "CaseComment", [comment], created=True)
        elif kind == "ticket.created":
            message = outbound.outbound_message(org, flask.request.host_url, "Case", [case], created=True)
        else:
            # An "on edit" rule fires as the case is saved: it was modified just now.
            edited = dict(case, LastModifiedDate=records.now())
            message = outbound.outbound_message(org, flask.request.host_url, "Case", [edited])
    return message, dict(outbound.SOAP_HEADERS)


def _case(org, ticket_id):
    if ticket_id is None:
        cases = org.records("Case")
        if not cases:
            raise BadControlRequest("the org has no cases")
        return cases[0]
    if not isinstance(ticket_id, str):
        raise BadControlRequest("'ticket_id' must be a Case id string")
    case = org.get("Case", ticket_id)
    if case is None:
        raise BadControlRequest(f"no Case {ticket_id}")
    return case


def _customer_comment(org, case, store, text):
    """A public comment from the case contact's Experience Cloud user (or the API user)."""
    author = next((u["Id"] for u in org.records("User")
                   if case.get("ContactId") and ids.same(u.get("ContactId"), case["ContactId"])), org.api_user_id)
    comment = {"Id": ids.new_id("00a"), "ParentId": case["Id"], "CommentBody": text,
               "IsPublished": True, "CreatedById": author, "CreatedDate": records.now(), "IsDeleted": False}
    if store:
        comment["LastModifiedDate"] = comment["SystemModstamp"] = comment["CreatedDate"]
        org.records("CaseComment").append(comment)
    return comment

