"""Shopify's own Python client (ShopifyAPI) against the sandbox: its GraphQL client, its
session (which sets X-Shopify-Access-Token), and its OAuth callback check."""

import json
import urllib.error

import pytest
import shopify

from hub_shopify.connector import API_VERSION

from shopify_support import CLIENT_ID, CLIENT_SECRET, authorize, token

ORDERS_PAGE = """
query Orders($first: Int!, $after: String) {
  orders(first: $first, after: $after) {
    edges { cursor node { id name displayFulfillmentStatus } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


@pytest.fixture
def client(shop):
    """ShopifyAPI pointed at the sandbox the way its docs allow: a site and a token header."""
    sandbox, server = shop
    access_token = token(server.url)["access_token"]
    shopify.ShopifyResource.set_site(f"{server.url}/admin/api/{API_VERSION}")
    shopify.ShopifyResource.headers["X-Shopify-Access-Token"] = access_token
    yield sandbox, server, shopify.GraphQL()
    shopify.ShopifyResource.clear_session()


def run(graphql, query, variables=None, operation_name=None):
    return json.loads(graphql.execute(query, variables, operation_name))


def test_client_reads_shop_and_follows_every_page(client):
    _, _, graphql = client
    assert run(graphql, "{ shop { name myshopifyDomain currencyCode } }")["data"]["shop"] == {
        "name": "Northwind Outfitters", "myshopifyDomain": "northwind-outfitters.myshopify.com", "currencyCode": "USD"}
    names, after = [], None
    while True:
        page = run(graphql, ORDERS_PAGE, {"first": 15, "after": after}, "Orders")["data"]["orders"]
        names += [edge["node"]["name"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(names) == 127 and names[0] == "#1001"


def test_client_finds_order_by_name_with_tracking(client):
    _, _, graphql = client
    query = """query($q: String!) { orders(first: 1, query: $q) { nodes { name displayFulfillmentStatus
      fulfillments(first: 5) { displayStatus trackingInfo(first: 3) { company number url } } } } }"""
    [order] = run(graphql, query, {"q": "name:#1020"})["data"]["orders"]["nodes"]
    assert order["displayFulfillmentStatus"] == "FULFILLED"
    assert order["fulfillments"][0]["displayStatus"] == "OUT_FOR_DELIVERY"
    assert order["fulfillments"][0]["trackingInfo"][0]["company"] == "DHL Express"


def test_client_refund_with_idempotency_key(client):
    sandbox, _, graphql = client
    order_id = "gid://shopify/Order/5600000001026"
    sale = run(graphql, "query($id: ID!) { order(id: $id) { transactions(first: 3) { id gateway } } }",
               {"id": order_id})["data"]["order"]["transactions"][0]
    mutation = """mutation($input: RefundInput!) {
      refundCreate(input: $input) @idempotent(key: "6d3e4f1c-contract") { refund { id } userErrors { message } } }"""
    refund_input = {"orderId": order_id, "note": "contract", "transactions": [
        {"orderId": order_id, "parentId": sale["id"], "amount": "7.25", "gateway": sale["gateway"], "kind": "REFUND"}]}
    first = run(graphql, mutation, {"input": refund_input})["data"]["refundCreate"]
    again = run(graphql, mutation, {"input": refund_input})["data"]["refundCreate"]
    assert first["userErrors"] == [] and first["refund"]["id"] == again["refund"]["id"]
    assert len(sandbox.shopify.shop.order(5600000001026)["refunds"]) == 1


def test_client_sees_401_for_a_bad_token(client, capsys):
    _, _, graphql = client
    graphql.headers["X-Shopify-Access-Token"] = "revoked"
    with pytest.raises(urllib.error.HTTPError) as caught:
        graphql.execute("{ shop { name } }")
    assert caught.value.code == 401
    assert "Invalid API key or access token" in capsys.readouterr().out  # the client prints the body


def test_client_session_sets_the_token_header(shop):
    """shopify.Session builds "<first label of the shop>.<myshopify_domain>": with the domain
    "0.0.1" and the shop "127" that is the loopback sandbox, so the session path is real too."""
    _, server = shop
    access_token = token(server.url)["access_token"]
    shopify.Session.setup(api_key=CLIENT_ID, secret=CLIENT_SECRET, protocol="http", myshopify_domain="0.0.1",
                          port=server.port)
    try:
        session = shopify.Session("127.myshopify.com", API_VERSION, access_token)
        shopify.ShopifyResource.activate_session(session)
        data = json.loads(shopify.GraphQL().execute("{ shop { myshopifyDomain } }"))["data"]
        assert data["shop"]["myshopifyDomain"] == "northwind-outfitters.myshopify.com"
    finally:
        shopify.ShopifyResource.clear_session()
        shopify.Session.setup(protocol="https", myshopify_domain="myshopify.com", port=None)


def test_client_validates_the_sandboxs_callback(shop):
    _, server = shop
    shopify.Session.setup(api_key=CLIENT_ID, secret=CLIENT_SECRET)
    callback = authorize(server.url)
    assert shopify.Session.validate_params(callback)  # hmac and the one-day timestamp window
    assert not shopify.Session.validate_params(dict(callback, shop="evil.myshopify.com"))
