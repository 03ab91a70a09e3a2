"""Service Catalog API: ``POST /api/sn_sc/servicecatalog/items/{sys_id}/order_now``.

Ordering creates a request (sc_request, REQ...) and its requested item (sc_req_item, RITM...).
What happens next is the catalog item's workflow, stated in the seed: ``_approval: manager``
waits for the requested-for user's manager; ``_fulfilment: password_reset`` is fulfilled at
once by flagging the user's password for reset (and unlocking the account), the way a customer's
"Password Reset" catalog item with a fulfilment flow behaves.
"""

import flask

from .instance import ApiError

PATHS = ("/api/sn_sc/servicecatalog/items/<sys_id>/order_now", "/api/sn_sc/v1/servicecatalog/items/<sys_id>/order_now")


def add_routes(app, sandbox, instance, protected):
    for number, path in enumerate(PATHS):
        app.add_url_rule(path, f"catalog_order_now_{number}",
                         protected(lambda sys_id: order_now(sandbox, instance, sys_id)), methods=["POST"])


def order_now(sandbox, instance, sys_id):
    body = flask.request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise ApiError(400, "Exception while reading request", "The payload is not valid JSON")
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        raise ApiError(400, "Invalid variables", "'variables' must be an object of variable name to value")
    quantity = str(body.get("sysparm_quantity", "1"))
    if not quantity.isdigit() or int(quantity) < 1:
        raise ApiError(400, "Invalid quantity", f"sysparm_quantity must be a positive whole number, not {quantity!r}")
    user = flask.g.sn_user
    with sandbox.lock:
        item = next((i for i in instance.tables["sc_cat_item"] if i["sys_id"] == sys_id and i["active"] == "true"), None)
        if item is None:
            raise ApiError(404, "Catalog item not found", f"No active catalog item with sys_id {sys_id}")
        requested_for = instance.user_by_id(body.get("sysparm_requested_for") or user["sys_id"])
        if requested_for is None or requested_for["active"] != "true":
            raise ApiError(400, "Invalid requested for", "sysparm_requested_for is not an active user")
        reset_user = None
        if item.get("_fulfilment") == "password_reset":
            reset_user = instance.user_by_id(variables.get("user") or requested_for["sys_id"])
            if reset_user is None:
                raise ApiError(400, "Invalid variables", f"'user' {variables.get('user')!r} is not a sys_user")
        needs_approval = item.get("_approval") == "manager"
        common = {"requested_for": requested_for["sys_id"], "short_description": item["name"],
                  "approval": "requested" if needs_approval else "approved"}
        request = instance.insert("sc_request", dict(
            common, price=item["price"],
            request_state="requested" if needs_approval else "in_process",
            stage="requested" if needs_approval else "fulfillment",
        ), user)
        request_item = instance.insert("sc_req_item", dict(
            common, request=request["sys_id"], cat_item=item["sys_id"], quantity=quantity, price=item["price"],
            stage="waiting_for_approval" if needs_approval else "fulfillment",
            description="\n".join(f"{name}: {value}" for name, value in variables.items()),
        ), user)
        request_item["_variables"] = dict(variables)
        if reset_user is not None:
            _reset_password(instance, reset_user["sys_id"], request, request_item, user)
    return flask.jsonify(result={
        "sys_id": request["sys_id"],
        "number": request["number"],
        "request_number": request["number"],
        "request_id": request["sys_id"],
        "table": "sc_request",
    })


def _reset_password(instance, user_id, request, request_item, actor):
    instance.update("sys_user", user_id, {"password_needs_reset": "true", "locked_out": "false"}, actor)
    instance.update("sc_req_item", request_item["sys_id"],
                    {"state": "3", "stage": "complete", "active": "false"}, actor)
    instance.update("sc_request", request["sys_id"],
                    {"state": "3", "request_state": "closed_complete", "stage": "closed_complete", "active": "false"},
                    actor)
