"""``node(id:)``, ``nodes(ids:)`` and ``return(id:)`` through ShopifyAPI's GraphQL client:
a global id reads the object it names, under that object's access scope."""

import json

import pytest
import shopify

from hub_shopify.connector import API_VERSION
from shopify_support import token


@pytest.fixture
def execute(shop):
    sandbox, server = shop
    shopify.ShopifyResource.set_site(f"{server.url}/admin/api/{API_VERSION}")

    def run(query, variables=None, scope=None):
        granted = token(server.url, scope=scope) if scope else token(server.url)
        shopify.ShopifyResource.headers["X-Shopify-Access-Token"] = granted["access_token"]
        return json.loads(shopify.GraphQL().execute(query, variables))

    yield sandbox, run
    shopify.ShopifyResource.clear_session()


NODE = """query($id: ID!) { node(id: $id) { __typename id ... on Order { name } ... on Customer { email }
  ... on Return { name status } } }"""


def test_node_reads_orders_customers_and_returns(execute):
    sandbox, run = execute
    shop = sandbox.shopify.shop
    order = next(iter(shop.orders.values()))
    answer = run(NODE, {"id": f"gid://shopify/Order/{order['id']}"})["data"]["node"]
    assert answer == {"__typename": "Order", "id": f"gid://shopify/Order/{order['id']}", "name": order["name"]}
    customer = run(NODE, {"id": "gid://shopify/Customer/7001"})["data"]["node"]
    assert (customer["__typename"], customer["email"]) == ("Customer", "ada@example.com")
    ret = next(r for o in shop.orders.values() for r in o["returns"])
    found = run(NODE, {"id": f"gid://shopify/Return/{ret['id']}"})["data"]["node"]
    assert (found["__typename"], found["status"]) == ("Return", ret["status"])


def test_return_by_id(execute):
    sandbox, run = execute
    ret = next(r for o in sandbox.shopify.shop.orders.values() for r in o["returns"])
    answer = run("query($id: ID!) { return(id: $id) { id status } }", {"id": f"gid://shopify/Return/{ret['id']}"})
    assert answer["data"]["return"] == {"id": f"gid://shopify/Return/{ret['id']}", "status": ret["status"]}


def test_nodes_keeps_order_and_nulls_the_missing(execute):
    sandbox, run = execute
    order = next(iter(sandbox.shopify.shop.orders.values()))
    answer = run("query($ids: [ID!]!) { nodes(ids: $ids) { id } }",
                 {"ids": ["gid://shopify/Customer/7001", "gid://shopify/Order/1", f"gid://shopify/Order/{order['id']}"]})
    assert answer["data"]["nodes"] == [{"id": "gid://shopify/Customer/7001"}, None,
                                       {"id": f"gid://shopify/Order/{order['id']}"}]


def test_node_keeps_the_kinds_access_scope(execute):
    sandbox, run = execute
    answer = run(NODE, {"id": "gid://shopify/Customer/7001"}, scope="read_orders")
    assert answer["data"]["node"] is None
    assert answer["errors"][0]["extensions"]["code"] == "ACCESS_DENIED"


def test_a_malformed_global_id_is_refused(execute):
    _, run = execute
    answer = run(NODE, {"id": "not-a-gid"})
    assert answer["errors"][0]["message"] == "Invalid global id 'not-a-gid'"
