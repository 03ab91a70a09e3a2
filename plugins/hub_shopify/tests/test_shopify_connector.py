"""ShopifyConnector: instances, OAuth facts, callback signatures, and how Shopify's answers
(taken from the running sandbox) become the hub's typed errors."""

import time

import pytest
import requests
import shopify

from hub.config import ClientCredentials
from hub.errors import ConnectorError, NotFound, RateLimited, ReconnectNeeded, VendorUnavailable
from hub_shopify.connector import API_VERSION, ShopifyConnector, throttle_wait
from hub_shopify.sandbox import create_sandbox

from shopify_support import CLIENT_ID, CLIENT_SECRET, TODAY, authorize, graphql, token

CONNECTOR = ShopifyConnector()
CREDENTIALS = ClientCredentials(client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
ORDERS = "query { orders(first: 3) { nodes { id name } } }"


def test_instances_accepted_and_refused():
    assert CONNECTOR.validate_instance("Northwind-Outfitters") == "northwind-outfitters"
    assert CONNECTOR.validate_instance("northwind-outfitters.myshopify.com") == "northwind-outfitters"
    assert CONNECTOR.validate_instance("https://northwind-outfitters.myshopify.com/") == "northwind-outfitters"
    assert CONNECTOR.validate_instance("127.0.0.1:8701", sandbox_mode=True) == "127.0.0.1:8701"
    for bad in ("", "-shop", "evil.com/x", "127.0.0.1:8701", "a" * 64):
        with pytest.raises(ValueError, match="Shop"):
            CONNECTOR.validate_instance(bad)


def test_provider_for_a_real_shop_and_the_sandbox():
    real = CONNECTOR.provider("acme")
    assert real.authorize_url == "https://acme.myshopify.com/admin/oauth/authorize"
    assert real.token_url == "https://acme.myshopify.com/admin/oauth/access_token?expiring=1"
    assert real.api_base_url == f"https://acme.myshopify.com/admin/api/{API_VERSION}"
    assert (real.scope_separator, real.token_header, real.pkce, real.revoke_url) == (
        ",", "X-Shopify-Access-Token", False, None)
    assert set(real.scopes) == set(CONNECTOR.scopes)
    assert CONNECTOR.provider("127.0.0.1:8701").api_base_url == f"http://127.0.0.1:8701/admin/api/{API_VERSION}"


def test_implied_read_scopes_are_expanded(shop):
    _, server = shop
    granted = token(server.url)["scope"]
    assert granted == "write_orders,read_customers,write_returns"  # as Shopify lists them
    assert CONNECTOR.granted_scopes(CONNECTOR.provider("acme"), {"scope": granted}) == [
        "read_customers", "read_orders", "read_returns", "write_orders", "write_returns"]


# -- the OAuth callback's hmac -------------------------------------------------------------


def test_sandbox_callback_verifies(shop):
    _, server = shop
    query = authorize(server.url)
    CONNECTOR.verify_callback(query, CREDENTIALS)
    shopify.Session.setup(api_key=CLIENT_ID, secret=CLIENT_SECRET)
    assert shopify.Session.validate_hmac(query)  # Shopify's own client agrees


def test_tampered_or_unsigned_callback_is_refused(shop):
    _, server = shop
    query = authorize(server.url)
    with pytest.raises(ValueError, match="does not match"):
        CONNECTOR.verify_callback(dict(query, shop="evil.myshopify.com"), CREDENTIALS)
    with pytest.raises(ValueError, match="no hmac"):
        CONNECTOR.verify_callback({k: v for k, v in query.items() if k != "hmac"}, CREDENTIALS)
    with pytest.raises(ValueError, match="does not match"):
        CONNECTOR.verify_callback(query, ClientCredentials(client_id=CLIENT_ID, client_secret="other"))


def test_day_old_callback_is_refused():
    shopify.Session.setup(api_key=CLIENT_ID, secret=CLIENT_SECRET)
    query = {"code": "abc", "shop": "acme.myshopify.com", "state": "s", "timestamp": str(int(time.time()) - 90000)}
    query["hmac"] = shopify.Session.calculate_hmac(query)  # signed by Shopify's client, not ours
    with pytest.raises(ValueError, match="more than a day"):
        CONNECTOR.verify_callback(query, CREDENTIALS)
    query["timestamp"] = str(int(time.time()))
    query["hmac"] = shopify.Session.calculate_hmac(query)
    CONNECTOR.verify_callback(query, CREDENTIALS)


def test_delimiters_in_values_cannot_shift_pairs():
    shopify.Session.setup(api_key=CLIENT_ID, secret=CLIENT_SECRET)
    query = {"code": "a&state=b", "shop": "x%y=z.myshopify.com", "timestamp": str(int(time.time()))}
    query["hmac"] = shopify.Session.calculate_hmac(query)
    CONNECTOR.verify_callback(query, CREDENTIALS)
    with pytest.raises(ValueError):
        CONNECTOR.verify_callback(dict(query, code="a", state="b"), CREDENTIALS)


# -- Shopify's answers, from the sandbox ---------------------------------------------------------


@pytest.mark.parametrize("status", [200, 429])
def test_throttled_becomes_rate_limited_with_the_buckets_wait(status):
    sandbox = create_sandbox(today=TODAY, bucket_size=40, restore_rate=10, throttle_status=status)
    with sandbox.serve() as server:
        access = token(server.url)["access_token"]
        query = "query { orders(first: 5) { nodes { id name } } }"  # requested cost 2 + 5 x 1 = 7
        for _ in range(5):
            graphql(server.url, access, query)
        response = graphql(server.url, access, "query { orders(first: 30) { nodes { id } } }")  # 32
        assert response.status_code == status
        with pytest.raises(RateLimited) as caught:
            CONNECTOR.check_response(response)
    body = response.json()
    bucket = body["extensions"]["cost"]["throttleStatus"]
    assert body["extensions"]["cost"]["requestedQueryCost"] == 32
    assert caught.value.code == "THROTTLED"
    assert caught.value.retry_after == pytest.approx((32 - bucket["currentlyAvailable"]) / 10)


def test_throttle_wait_needs_the_numbers():
    assert throttle_wait({}) is None
    status = {"maximumAvailable": 1000.0, "currentlyAvailable": 40, "restoreRate": 50.0}
    assert throttle_wait({"extensions": {"cost": {"requestedQueryCost": 140, "throttleStatus": status}}}) == 2.0
    assert throttle_wait({"extensions": {"cost": {"requestedQueryCost": 10, "throttleStatus": status}}}) == 0.02


def test_bad_token_needs_reconnect_with_shopifys_message(shop):
    _, server = shop
    with pytest.raises(ReconnectNeeded, match=r"\[API\] Invalid API key or access token"):
        CONNECTOR.check_response(graphql(server.url, "not-a-token", ORDERS))


def test_missing_scope_is_access_denied(shop):
    _, server = shop
    access = token(server.url, scope="read_customers")["access_token"]
    response = graphql(server.url, access, ORDERS)
    assert response.status_code == 200
    with pytest.raises(ConnectorError) as caught:
        CONNECTOR.check_response(response)
    assert caught.value.code == "ACCESS_DENIED" and "read_orders" in caught.value.message
    assert not caught.value.retryable


def test_server_errors_are_retryable(shop):
    _, server = shop
    access = token(server.url)["access_token"]
    requests.post(f"{server.url}/_sandbox/faults", json={"server_error": 1, "server_error_status": 502})
    with pytest.raises(VendorUnavailable) as caught:
        CONNECTOR.check_response(graphql(server.url, access, ORDERS))
    assert caught.value.status == 502 and caught.value.retryable


def test_schema_mistakes_and_bad_versions(shop):
    _, server = shop
    access = token(server.url)["access_token"]
    with pytest.raises(ConnectorError, match="nonsense"):
        CONNECTOR.check_response(graphql(server.url, access, "query { orders(first: 1) { nonsense } }"))
    with pytest.raises(ConnectorError, match="single query max cost"):
        CONNECTOR.check_response(graphql(server.url, access, "query { orders(first: 250) { nodes { lineItems("
                                                             "first: 250) { nodes { id } } } } }"))
    with pytest.raises(NotFound):
        CONNECTOR.check_response(graphql(server.url, access, ORDERS, version="2026-13"))
    missing = requests.post(f"{server.url}/admin/api/{API_VERSION}/graphql.json", json={"variables": {}},
                            headers={"X-Shopify-Access-Token": access})
    assert missing.status_code == 400
    with pytest.raises(ConnectorError, match="query: Required parameter missing or invalid"):
        CONNECTOR.check_response(missing)
