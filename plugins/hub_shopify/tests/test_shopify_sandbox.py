"""The Shopify sandbox speaks like Shopify: tokens, costs and throttling, idempotent refunds,
search and pagination, validation errors, webhooks on changes, and its control routes."""

import threading

import flask
import pytest
import requests
from werkzeug.datastructures import Headers

from hub.http import RetryPolicy
from hub.ingest import InboundRequest
from hub.models import Connection
from hub.sandbox import serve_app
from hub_shopify import ingest
from hub_shopify.sandbox import create_sandbox

from shopify_support import (
    CLIENT_ID, CLIENT_SECRET, HUB_SANDBOX_OPTIONS, REDIRECT, TODAY, authorize, graphql, token)

ORDER_GID = "gid://shopify/Order/56000000010{}"
REFUND = """
mutation Refund($input: RefundInput!, $key: String!) {
  refundCreate(input: $input) @idempotent(key: $key) {
    refund { id totalRefundedSet { presentmentMoney { amount currencyCode } } }
    userErrors { field message }
  }
}
"""
REFUND_WITHOUT_KEY = """
mutation Refund($input: RefundInput!) {
  refundCreate(input: $input) { refund { id } userErrors { field message } }
}
"""
PAYMENTS = "query($id: ID!) { order(id: $id) { transactions(first: 5) { id kind gateway } } }"


@pytest.fixture
def access(shop):
    _, server = shop
    return server.url, token(server.url)["access_token"]


def refund_input(base, access_token, number, amount):
    order_id = ORDER_GID.format(number)
    sale = graphql(base, access_token, PAYMENTS, {"id": order_id}).json()["data"]["order"]["transactions"][0]
    return {"orderId": order_id, "currency": None, "transactions": [
        {"orderId": order_id, "parentId": sale["id"], "amount": amount, "gateway": sale["gateway"], "kind": "REFUND"}]}


def data(response):
    body = response.json()
    assert response.status_code == 200 and "errors" not in body, body
    return body["data"]


# -- tokens ----------------------------------------------------------------------------------


def test_expiring_token_refreshes_and_rotates(shop):
    _, server = shop
    issued = token(server.url, expiring=True)
    assert issued["expires_in"] == 3600 and issued["refresh_token_expires_in"] > 0
    assert "token_type" not in issued
    url = f"{server.url}/admin/oauth/access_token"
    refresh = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "grant_type": "refresh_token",
               "refresh_token": issued["refresh_token"]}
    renewed = requests.post(url, data=refresh).json()
    assert renewed["access_token"] != issued["access_token"] and renewed["refresh_token"] != issued["refresh_token"]
    assert requests.post(url, data=refresh).json()["error"] == "invalid_grant"  # rotated away
    assert graphql(server.url, issued["access_token"], "{ shop { name } }").status_code == 401
    assert data(graphql(server.url, renewed["access_token"], "{ shop { name } }"))["shop"]["name"]


def test_without_expiring_the_offline_token_never_expires(shop):
    sandbox, server = shop
    issued = token(server.url, expiring=False)
    assert set(issued) == {"access_token", "scope"}
    stored = sandbox.oauth.store.find_access(issued["access_token"])
    assert stored.access_expires_at == float("inf") and not stored.refresh_usable()


def test_token_request_as_json(shop):
    _, server = shop
    callback = authorize(server.url)
    answer = requests.post(f"{server.url}/admin/oauth/access_token", json={
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "code": callback["code"], "expiring": 1,
        "grant_type": "authorization_code", "redirect_uri": REDIRECT})
    assert answer.status_code == 200 and answer.json()["expires_in"] == 3600


def test_scopes_as_shopify_lists_them_or_in_full(shop):
    _, server = shop
    assert token(server.url)["scope"] == "write_orders,read_customers,write_returns"
    sandbox = create_sandbox(today=TODAY, omit_implied_scopes=False)
    with sandbox.serve() as plain:
        assert token(plain.url)["scope"] == "read_orders,write_orders,read_customers,read_returns,write_returns"


# -- cost and throttling ------------------------------------------------------------------------


def test_cost_is_reported_and_spent(access):
    base, access_token = access
    body = graphql(base, access_token, "query { orders(first: 10) { nodes { id lineItems(first: 5) "
                                       "{ nodes { id } } } } }").json()
    cost = body["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 10 * (1 + 2 + 5 * 1)
    assert cost["actualQueryCost"] < cost["requestedQueryCost"]  # orders have fewer than 5 lines
    status = cost["throttleStatus"]
    assert status["maximumAvailable"] == 2000.0 and status["restoreRate"] == 100.0
    assert status["currentlyAvailable"] <= 2000 - cost["actualQueryCost"] + 1


def test_bucket_refills_at_the_restore_rate():
    sandbox = create_sandbox(today=TODAY, bucket_size=30, restore_rate=200)
    with sandbox.serve() as server:
        access_token = token(server.url)["access_token"]
        query = "query { orders(first: 25) { nodes { id } } }"  # 27 requested and actual
        assert "errors" not in graphql(server.url, access_token, query).json()
        throttled = graphql(server.url, access_token, query).json()
        assert throttled["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert throttled["extensions"]["cost"]["actualQueryCost"] is None
        wait = (27 - throttled["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]) / 200
        threading.Event().wait(wait + 0.02)
        assert "errors" not in graphql(server.url, access_token, query).json()


def test_hub_session_waits_what_the_bucket_says(hub_harness):
    harness = hub_harness("shopify", **HUB_SANDBOX_OPTIONS, restore_rate=1000)
    connection = harness.connect()
    session = harness.hub.session(connection)
    waits = []
    session.policy = RetryPolicy(max_attempts=3, max_wait=5, sleep=lambda s: (waits.append(s), threading.Event().wait(s)))
    token_value, _ = harness.token(connection)
    client = harness.sandbox.oauth.store.find_access(token_value["access_token"]).client_id
    bucket = harness.sandbox.shopify.bucket
    granted, _ = bucket.take(client, bucket.peek(client)["currentlyAvailable"])  # another job emptied it
    assert granted
    order = harness.call("shopify.get_order", connection, {"order_id": "5600000001011"}, session=session)
    assert order["name"] == "#1011"
    assert len(waits) <= 2 and waits[0] == pytest.approx(0.462, abs=0.05)  # its requested cost / 1000 per s


def test_injected_rate_limit_answers_with_bucket_numbers(access):
    base, access_token = access
    requests.post(f"{base}/_sandbox/faults", json={"rate_limit": 1, "retry_after": 2})
    body = graphql(base, access_token, "query { orders(first: 100) { nodes { id } } }").json()  # cost 102
    assert body["errors"][0]["extensions"]["code"] == "THROTTLED"
    cost = body["extensions"]["cost"]
    assert (cost["requestedQueryCost"] - cost["throttleStatus"]["currentlyAvailable"]) / 100 == 1.02
    assert "errors" not in graphql(base, access_token, "{ shop { name } }").json()


# -- refunds ---------------------------------------------------------------------------------------


def test_refund_needs_an_idempotency_key_from_2026_04(access):
    base, access_token = access
    refund = refund_input(base, access_token, 25, "5.00")
    refused = graphql(base, access_token, REFUND_WITHOUT_KEY, {"input": refund}).json()
    assert "@idempotent" in refused["errors"][0]["message"] and refused["data"]["refundCreate"] is None
    older = graphql(base, access_token, REFUND_WITHOUT_KEY, {"input": refund}, version="2025-10")
    assert data(older)["refundCreate"]["refund"]["id"]


def test_same_key_same_refund_and_no_double_refund(shop, access):
    sandbox, _ = shop
    base, access_token = access
    refund = refund_input(base, access_token, 25, "12.50")
    first = data(graphql(base, access_token, REFUND, {"input": refund, "key": "k-1"}))["refundCreate"]["refund"]
    again = data(graphql(base, access_token, REFUND, {"input": refund, "key": "k-1"}))["refundCreate"]["refund"]
    assert first == again and first["totalRefundedSet"]["presentmentMoney"]["amount"] == "12.5"
    assert len(sandbox.shopify.shop.order(5600000001025)["refunds"]) == 1
    reused = graphql(base, access_token, REFUND, {"input": dict(refund, note="other"), "key": "k-1"}).json()
    assert reused["errors"][0]["extensions"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len(sandbox.shopify.shop.order(5600000001025)["refunds"]) == 1


def test_refund_validation_user_errors(access):
    base, access_token = access
    over = refund_input(base, access_token, 25, "5000.00")
    errors = data(graphql(base, access_token, REFUND, {"input": over, "key": "over"}))["refundCreate"]["userErrors"]
    assert errors[0]["field"] == ["transactions"] and "refundable amount" in errors[0]["message"]
    wrong_gateway = refund_input(base, access_token, 25, "1.00")
    wrong_gateway["transactions"][0]["gateway"] = "bogus"
    errors = data(graphql(base, access_token, REFUND, {"input": wrong_gateway, "key": "gw"}))["refundCreate"]["userErrors"]
    assert errors[0]["field"] == ["transactions", "0", "gateway"]
    unknown = dict(over, orderId="gid://shopify/Order/1")
    errors = data(graphql(base, access_token, REFUND, {"input": unknown, "key": "nf"}))["refundCreate"]["userErrors"]
    assert errors == [{"field": ["orderId"], "message": "Order does not exist"}]


# -- orders, search, pagination ----------------------------------------------------------------------


def names(response):
    return [node["name"] for node in data(response)["orders"]["nodes"]]


@pytest.mark.parametrize("search, expected", [
    ('name:"#1014"', ["#1014"]),
    ("name:1014", ["#1014"]),
    ("email:edsger@example.com", ["#1006", "#1031"]),
    ("financial_status:refunded", ["#1030", "#1031", "#1032", "#1033", "#1034"]),
    ("status:cancelled", ["#1030", "#1031", "#1032"]),
    ("fulfillment_status:partial", ["#1010", "#1011", "#1012", "#1013"]),
    # The seed's own unshipped orders, then those appended for the money replay files (1201 and up).
    ("fulfillment_status:unshipped -status:cancelled created_at:>=2026-11-18",
     ["#1001", "#1002", "#1005", "#1006", "#1041", "#1042", "#1202", "#1203", "#1204", "#1209", "#1210", "#1221", "#1224", "#1231", "#1238", "#1242", "#1252", "#1253", "#1254", "#1260", "#1271", "#1273", "#1275", "#1280", "#1283", "#1287", "#1289"]),
])
def test_order_search(access, search, expected):
    base, access_token = access
    query = "query($q: String) { orders(first: 50, query: $q) { nodes { name } } }"
    assert names(graphql(base, access_token, query, {"q": search})) == expected


def test_pagination_forwards_and_backwards(access):
    base, access_token = access
    query = """query($first: Int, $after: String, $last: Int, $before: String) {
      orders(first: $first, after: $after, last: $last, before: $before, sortKey: CREATED_AT, reverse: true) {
        edges { cursor node { name } } pageInfo { hasNextPage hasPreviousPage endCursor startCursor } } }"""
    seen, after = [], None
    while True:
        page = data(graphql(base, access_token, query, {"first": 10, "after": after}))["orders"]
        seen += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 127 and seen[0] == "#1042"
    back = data(graphql(base, access_token, query, {"last": 3, "before": after}))["orders"]
    assert [e["node"]["name"] for e in back["edges"]] == seen[116:119] and back["pageInfo"]["hasPreviousPage"]
    for variables, message in (({}, "first or last"), ({"first": 251}, "between 0 and 250"),
                               ({"first": 1, "after": "bm90LWEtY3Vyc29y"}, "Invalid cursor")):
        assert message in graphql(base, access_token, query, variables).json()["errors"][0]["message"]


def test_customers_and_order_details(access):
    base, access_token = access
    found = data(graphql(base, access_token, """{ customerByIdentifier(identifier: {emailAddress: "grace@example.com"})
      { displayName numberOfOrders orders(first: 5) { nodes { name } } } }"""))["customerByIdentifier"]
    assert found == {"displayName": "Grace Hopper", "numberOfOrders": "1", "orders": {"nodes": [{"name": "#1019"}]}}
    listed = data(graphql(base, access_token, '{ customers(first: 5, query: "email:grace@example.com") '
                                              "{ nodes { id email } } }"))["customers"]["nodes"]
    assert listed == [{"id": "gid://shopify/Customer/7002", "email": "grace@example.com"}]
    order = data(graphql(base, access_token, """query($id: ID!) { order(id: $id) {
      currencyCode presentmentCurrencyCode totalPriceSet { shopMoney { amount currencyCode }
      presentmentMoney { amount currencyCode } } } }""", {"id": ORDER_GID.format(11)}))["order"]
    assert order["presentmentCurrencyCode"] == "EUR" and order["currencyCode"] == "USD"
    assert order["totalPriceSet"]["shopMoney"] == {"amount": "227.34", "currencyCode": "USD"}  # 210.50 x 1.08


# -- returns, cancellation, address -------------------------------------------------------------------


def test_return_request_then_approval(access):
    base, access_token = access
    request = """mutation($input: ReturnRequestInput!) { returnRequest(input: $input) {
      return { id status } userErrors { field message code } } }"""
    item = {"fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/1000122", "quantity": 1,
            "returnReason": "SIZE_TOO_SMALL", "customerNote": "Tight"}
    requested = data(graphql(base, access_token, request, {"input": {"orderId": ORDER_GID.format(25),
                                                                      "returnLineItems": [item]}}))
    ret = requested["returnRequest"]["return"]
    assert ret["status"] == "REQUESTED"
    again = data(graphql(base, access_token, request, {"input": {"orderId": ORDER_GID.format(25),
                                                                  "returnLineItems": [item]}}))
    assert again["returnRequest"]["userErrors"][0]["code"] == "INVALID"  # nothing left to return
    approve = """mutation($id: ID!) { returnApproveRequest(input: {id: $id}) { return { status } userErrors { code } } }"""
    assert data(graphql(base, access_token, approve, {"id": ret["id"]}))["returnApproveRequest"]["return"]["status"] == "OPEN"
    assert data(graphql(base, access_token, approve, {"id": ret["id"]}))["returnApproveRequest"]["userErrors"][0]["code"] == "INVALID_STATE"


def test_cancel_rules(access):
    base, access_token = access
    cancel = """mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, restock: true,
      refundMethod: {originalPaymentMethodsRefund: true}) { job { done } orderCancelUserErrors { message code } } }"""
    for number, message in ((19, "fulfillments"), (30, "already been cancelled")):
        errors = data(graphql(base, access_token, cancel, {"id": ORDER_GID.format(number)}))["orderCancel"]
        assert errors["job"] is None and message in errors["orderCancelUserErrors"][0]["message"]
    done = data(graphql(base, access_token, cancel, {"id": ORDER_GID.format(41)}))["orderCancel"]
    assert done["job"]["done"]
    status = data(graphql(base, access_token, "query($id: ID!) { order(id: $id) { displayFinancialStatus cancelReason } }",
                          {"id": ORDER_GID.format(41)}))["order"]
    assert status == {"displayFinancialStatus": "VOIDED", "cancelReason": "CUSTOMER"}  # only authorized: voided


def test_scope_is_checked_per_field(shop):
    _, server = shop
    access_token = token(server.url, scope="read_orders")["access_token"]
    body = graphql(server.url, access_token, "query($id: ID!) { order(id: $id) { name customer { id } } }",
                   {"id": ORDER_GID.format(11)}).json()
    assert body["data"]["order"]["customer"] is None
    assert body["errors"][0]["extensions"]["code"] == "ACCESS_DENIED" and body["errors"][0]["path"] == ["order", "customer"]


# -- webhooks -----------------------------------------------------------------------------------------


@pytest.fixture
def receiver():
    """A real HTTP endpoint standing in for the hub; records every delivery."""
    received = []
    app = flask.Flask("receiver")

    @app.post("/hooks/shopify/c1")
    def hook():
        received.append((flask.request.get_data(), dict(flask.request.headers)))
        return "", 200

    server = serve_app(app)
    yield server.url + "/hooks/shopify/c1", received
    server.stop()


def test_changes_are_delivered_signed_to_subscribed_topics_only(shop, access, receiver):
    sandbox, _ = shop
    base, access_token = access
    url, received = receiver
    subscribe = """mutation($topic: WebhookSubscriptionTopic!, $uri: String!) {
      webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
        webhookSubscription { id topic } userErrors { message } } }"""
    created = data(graphql(base, access_token, subscribe, {"topic": "REFUNDS_CREATE", "uri": url}))
    assert created["webhookSubscriptionCreate"]["webhookSubscription"]["topic"] == "REFUNDS_CREATE"
    again = data(graphql(base, access_token, subscribe, {"topic": "REFUNDS_CREATE", "uri": url}))
    assert "already been taken" in again["webhookSubscriptionCreate"]["userErrors"][0]["message"]
    refund = refund_input(base, access_token, 25, "3.00")
    data(graphql(base, access_token, REFUND, {"input": refund, "key": "hook"}))
    assert sandbox.webhooks.wait_until_idle(10)
    assert [headers["X-Shopify-Topic"] for _, headers in received] == ["refunds/create"]  # not orders/updated
    body, headers = received[0]
    connection = Connection(id="c1", connector="shopify", instance="northwind-outfitters", api_base_url="x")
    [event] = ingest.events(connection, InboundRequest(body=body, headers=Headers(headers)), CLIENT_SECRET)
    assert event.kind == "refund.created" and event.raw["payload"]["transactions"][0]["amount"] == "3.00"
    assert Headers(headers)["X-Shopify-API-Version"] == "2026-07"
    sandbox.reset()  # subscriptions are app configuration: they survive a seed reset
    assert data(graphql(base, access_token, "{ webhookSubscriptions(first: 5) { nodes { topic } } }"))[
        "webhookSubscriptions"]["nodes"] == [{"topic": "REFUNDS_CREATE"}]


# -- control routes -----------------------------------------------------------------------------------


def test_state_routes(shop):
    _, server = shop
    order = requests.get(f"{server.url}/_sandbox/state/order/{ORDER_GID.format(39)}").json()
    assert order["name"] == "#1039" and order["returns"][0]["status"] == "OPEN"
    assert requests.get(f"{server.url}/_sandbox/state/order/1039").json()["id"] == order["id"]
    assert requests.get(f"{server.url}/_sandbox/state/customer/7001").json()["email"] == "ada@example.com"
    return_id = order["returns"][0]["id"]
    assert requests.get(f"{server.url}/_sandbox/state/return/{return_id}").json()["order_id"] == order["id"]
    assert requests.get(f"{server.url}/_sandbox/state/ticket/1").status_code == 404


def test_seed_dates_follow_the_pinned_today():
    sandbox = create_sandbox(today="2027-01-10")
    order = sandbox.shopify.shop.order(5600000001001)
    assert order["created_at"].startswith("2027-01-0")


def test_hub_sandbox_discovers_it():
    from hub.sandbox import Sandbox, discover

    factory = discover()["shopify"]
    assert isinstance(factory(today=TODAY), Sandbox)


def test_control_routes_are_never_faulted(shop):
    _, server = shop
    requests.post(f"{server.url}/_sandbox/webhooks", json={"url": "http://127.0.0.1:9/h", "secret": "s"})
    requests.post(f"{server.url}/_sandbox/faults", json={"rate_limit": 3, "server_error": 3})
    assert requests.post(f"{server.url}/_sandbox/webhooks/sample", json={}).status_code == 200
    assert requests.get(f"{server.url}/_sandbox/state/order/1001").status_code == 200
    assert not any(requests.get(f"{server.url}/_sandbox/faults").json()["injected"].values())
