"""The sandbox's HTTP surface: the versioned Admin GraphQL endpoint and the control routes
every connector sandbox adds under ``/_sandbox/`` (webhook samples, record state)."""

import json
import re
from datetime import datetime, timedelta, timezone

import flask
from graphql import GraphQLError, execute, parse, validate

from . import events
from .cost import SINGLE_QUERY_MAX, query_cost
from .graph import GID, Context, Root, parse_gid
from .graphql_errors import shopify_error
from .shop import ORDER_ID_BASE

VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
ROOT = Root()
#: Generic kinds the conformance suite asks for: a Shopify connection hears order events.
GENERIC_KINDS = {"ticket.created": "orders/updated", "ticket.updated": "orders/updated",
                 "comment.added": "orders/updated"}


def throttled_body(requested, status):
    return {
        "errors": [{"message": "Throttled", "extensions": {
            "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
        "extensions": {"cost": {"requestedQueryCost": requested, "actualQueryCost": None, "throttleStatus": status}},
    }


def request_cost(state, body):
    """The cost of the GraphQL request in ``body`` (0 if it does not parse)."""
    try:
        document = parse(body["query"])
        return query_cost(state.schema, document, body.get("operationName"), body.get("variables"))
    except (GraphQLError, KeyError, TypeError):
        return 0


def read_body():
    request = flask.request
    if request.mimetype == "application/graphql":
        return {"query": request.get_data(as_text=True), "variables": {}}
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("query"), str) or not body["query"].strip():
        return None
    variables = body.get("variables")
    if isinstance(variables, str):
        try:
            variables = json.loads(variables or "{}")
        except ValueError:
            return None
    if variables is not None and not isinstance(variables, dict):
        return None
    return {"query": body["query"], "variables": variables or {}, "operationName": body.get("operationName")}


def install(sandbox, state):
    app = sandbox.app

    @app.post("/admin/api/<version>/graphql.json")
    @sandbox.require_token()
    def graphql_endpoint(version):
        if not VERSION.match(version):
            return flask.jsonify(errors="Not Found"), 404
        body = read_body()
        if body is None:
            return flask.jsonify(errors={"query": "Required parameter missing or invalid"}), 400
        try:
            document = parse(body["query"])
        except GraphQLError as error:
            return flask.jsonify(errors=[error.formatted])
        problems = validate(state.schema, document)
        if problems:
            return flask.jsonify(errors=[shopify_error(p, document) for p in problems])
        cost = query_cost(state.schema, document, body.get("operationName"), body["variables"])
        if cost > SINGLE_QUERY_MAX:
            return flask.jsonify(errors=[{
                "message": f"Query cost is {cost}, which exceeds the single query max cost limit ({SINGLE_QUERY_MAX}).",
                "extensions": {"code": "MAX_COST_EXCEEDED", "cost": cost, "maxCost": SINGLE_QUERY_MAX},
            }])
        token = sandbox.current_token()
        granted, status = state.bucket.take(token.client_id, cost)
        if not granted:
            return flask.jsonify(throttled_body(cost, status)), state.throttle_status
        context = Context(shop=state.shop, scopes=frozenset(token.scopes), api_version=version,
                          subscriptions=state.subscriptions)
        with sandbox.lock:
            result = execute(state.schema, document, root_value=ROOT, context_value=context,
                             variable_values=body["variables"], operation_name=body.get("operationName"))
        actual = query_cost(state.schema, document, body.get("operationName"), body["variables"], result.data or {})
        actual = min(actual, cost)
        status = state.bucket.give_back(token.client_id, cost - actual)
        answer = {}
        if result.errors:
            answer["errors"] = [shopify_error(error, document) for error in result.errors]
        answer["data"] = result.data
        answer["extensions"] = {"cost": {"requestedQueryCost": cost, "actualQueryCost": actual, "throttleStatus": status}}
        if context.search:  # fields a query: argument named that Shopify ignores, as Shopify reports them
            answer["extensions"]["search"] = context.search
        state.send(context.events, version, sandbox.oauth.clients.get(token.client_id))
        return flask.jsonify(answer)

    # Endpoints named "sandbox_control.*" share the kit's control routes' exemption from faults.

    @app.post("/_sandbox/webhooks/sample", endpoint="sandbox_control.shopify_webhook_sample")
    def webhook_sample():
        topic, subject, triggered_at = sample_request(state)
        target = sandbox.webhooks.target
        if target is None:
            return flask.jsonify(error="no webhook target configured: POST /_sandbox/webhooks first"), 400
        body = json.dumps(events.payload(state.shop, subject)).encode()
        headers = events.headers(state.shop, topic, state.api_version, triggered_at)
        headers.update({"Content-Type": "application/json"}, **events.sign(body, target["secret"]))
        return flask.jsonify(body=body.decode(), headers=headers)

    @app.post("/_sandbox/webhooks/fire", endpoint="sandbox_control.shopify_webhook_fire")
    def webhook_fire():
        topic, subject, triggered_at = sample_request(state)
        delivery = sandbox.emit(events.payload(state.shop, subject),
                                events.headers(state.shop, topic, state.api_version, triggered_at))
        if delivery is None:
            return flask.jsonify(error="no webhook target configured: POST /_sandbox/webhooks first"), 400
        return flask.jsonify(id=delivery.id, topic=topic), 202

    @app.get("/_sandbox/state/<kind>/<path:remote_id>", endpoint="sandbox_control.shopify_state")
    def record_state(kind, remote_id):
        with sandbox.lock:
            record = find_record(state.shop, kind, remote_id)
            if record is None:
                return flask.jsonify(error=f"no {kind} {remote_id} (kinds: order, customer, return)"), 404
            return flask.jsonify(record)

    @app.errorhandler(SampleError)
    def bad_sample(error):
        return flask.jsonify(error=str(error)), 400


class SampleError(ValueError):
    """A webhook sample/fire request the sandbox cannot build; the message says why."""


def sample_request(state):
    """Read ``{"kind", "ticket_id", "age_seconds"}``: the topic, its subject and trigger time."""
    body = flask.request.get_json(silent=True, force=True) or {}
    if not isinstance(body, dict):
        raise SampleError("the request body must be a JSON object")
    kind = body.get("kind") or "orders/updated"
    topic = GENERIC_KINDS.get(kind, kind)
    if not re.fullmatch(r"(orders|refunds|returns)/[a-z_]+", str(topic)):
        raise SampleError(f"unknown kind {kind!r}: use a Shopify topic (orders/updated, refunds/create, "
                          "returns/request, ...) or one of " + ", ".join(GENERIC_KINDS))
    age = body.get("age_seconds", 0)
    if isinstance(age, bool) or not isinstance(age, (int, float)) or age < 0:
        raise SampleError("'age_seconds' must be a number of seconds >= 0")
    shop = state.shop
    remote_id = body.get("ticket_id")
    order = find_order(shop, remote_id) if remote_id is not None else next(iter(shop.orders.values()))
    if order is None:
        raise SampleError(f"no order {remote_id}")
    if topic.startswith("refunds/"):
        if not order["refunds"]:
            raise SampleError(f"order {order['name']} has no refund to send {topic} for")
        subject = ("refund", order, order["refunds"][-1])
    elif topic.startswith("returns/"):
        if not order["returns"]:
            raise SampleError(f"order {order['name']} has no return to send {topic} for")
        subject = ("return", order, order["returns"][-1])
    else:
        subject = ("order", order)
    return topic, subject, datetime.now(timezone.utc) - timedelta(seconds=age)


def find_order(shop, remote_id):
    """An order by GID, numeric id, or name ("#1001")."""
    text = str(remote_id).strip()
    if GID.match(text):
        number = parse_gid(text, "Order")
        return shop.order(number) if number else None
    if text.isdigit():
        number = int(text)
        return shop.order(number) or shop.order(ORDER_ID_BASE + number)
    return next((o for o in shop.orders.values() if o["name"] == text or o["name"] == f"#{text}"), None)


def find_record(shop, kind, remote_id):
    if kind == "order":
        order = find_order(shop, remote_id)
        if order is None:
            return None
        return dict(order, display_financial_status=shop.financial_status(order),
                    display_fulfillment_status=shop.fulfillment_status(order),
                    total=str(shop.total(order)), refunded=str(shop.refunded(order)))
    number = str(remote_id).rsplit("/", 1)[-1]
    if not number.isdigit():
        return None
    if kind == "customer":
        return shop.customers.get(int(number))
    if kind == "return":
        order, ret = shop.find_return(int(number))
        return dict(ret, order_id=order["id"]) if ret else None
    return None
