"""Shopify's search syntax in the sandbox: OR, AND, NOT / -, parentheses, single and double
quotes, ranges, prefixes; fields a resource is not searched by are ignored with Shopify's
warning; what is not the grammar is refused (BAD_REQUEST) — never read some other way.
Through ShopifyAPI's GraphQL client, and property-tested on the matcher."""

import json
from datetime import datetime

import pytest
import shopify
from hypothesis import given, settings
from hypothesis import strategies as st

from hub_shopify.connector import API_VERSION
from hub_shopify.sandbox import create_sandbox
from hub_shopify.sandbox.graph import order_fields, order_free_text
from hub_shopify.sandbox.search import Matcher, bad_request
from shopify_support import TODAY, token

ORDERS = """query($q: String) { orders(first: 250, query: $q) { nodes { name email createdAt
  displayFinancialStatus } } }"""


@pytest.fixture
def graphql(shop):
    sandbox, server = shop
    shopify.ShopifyResource.set_site(f"{server.url}/admin/api/{API_VERSION}")
    shopify.ShopifyResource.headers["X-Shopify-Access-Token"] = token(server.url)["access_token"]
    client = shopify.GraphQL()
    yield lambda q: json.loads(client.execute(ORDERS, {"q": q}))
    shopify.ShopifyResource.clear_session()


def names(answer):
    assert "errors" not in answer, answer["errors"]
    return sorted(o["name"] for o in answer["data"]["orders"]["nodes"])


def test_or_is_either(graphql):
    assert names(graphql("name:#1001 OR name:#1002")) == ["#1001", "#1002"]


def test_not_and_minus_are_the_complement(graphql):
    everything = names(graphql(None))
    paid = names(graphql("financial_status:paid"))
    assert paid and names(graphql("NOT financial_status:paid")) == sorted(set(everything) - set(paid))
    assert names(graphql("-financial_status:paid")) == names(graphql("NOT financial_status:paid"))


def test_single_and_double_quotes_mean_the_same(graphql):
    single = names(graphql("email:'ada@example.com'"))
    assert single and single == names(graphql('email:"ada@example.com"')) == names(graphql("email:ada@example.com"))


def test_parentheses_group(graphql):
    grouped = names(graphql("(name:#1001 OR name:#1002 OR name:#1003) -financial_status:paid"))
    unpaid = set(names(graphql("-financial_status:paid")))
    assert grouped == sorted({"#1001", "#1002", "#1003"} & unpaid)


def test_date_range(graphql):
    answer = graphql("created_at:>='2026-11-01' created_at:<'2026-11-10'")
    found = answer["data"]["orders"]["nodes"]
    assert found
    every = graphql(None)["data"]["orders"]["nodes"]
    # 2026-11-01 midnight in the shop's zone (America/New_York, EDT) is 04:00 UTC; 11-10 (EST) is 05:00.
    expected = sorted(o["name"] for o in every if "2026-11-01T04:00:00Z" <= o["createdAt"] < "2026-11-10T05:00:00Z")
    assert names(answer) == expected


def test_a_field_orders_are_not_searched_by_is_ignored_with_shopifys_warning(graphql):
    answer = graphql("no_such_field:1 name:#1001")
    assert names(answer) == ["#1001"]
    [report] = answer["extensions"]["search"]
    assert report["path"] == ["orders"] and report["query"] == "no_such_field:1 name:#1001"
    assert report["warnings"] == [{"field": "no_such_field", "message": "Invalid search field for this query."}]


@pytest.mark.parametrize("query", ["name:'#1001", "(name:#1001 OR name:#1002", "name:#1001 OR", "created_at:>soon",
                                   "name:"])
def test_what_is_not_the_grammar_is_refused(graphql, query):
    answer = graphql(query)
    assert answer["data"] is None or answer["data"]["orders"] is None
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST" and error["message"].startswith("Invalid search query")


# -- properties of the matcher, on the seeded shop ----------------------------------------------

SHOP = create_sandbox(today=TODAY).shopify.shop
FIELDS, FREE = order_fields(SHOP), order_free_text(SHOP)
ATOMS = ["financial_status:paid", "financial_status:refunded", "fulfillment_status:shipped", "status:open",
         "status:cancelled", "tag:vip", "email:ada@example.com", "email:'grace@example.com'", "name:#1001",
         "name:>#1020", "created_at:<'2026-11-10'", 'created_at:>="2026-11-15"', "customer_id:7001"]


def matching(query):
    found = Matcher(query, FIELDS, FREE, SHOP.info["timezone"])
    return {o["id"] for o in SHOP.orders.values() if found(o)}


EVERY = matching(None)
TREES = st.recursive(st.sampled_from(ATOMS).map(lambda a: (a, matching(a))),
                     lambda inner: st.one_of(
                         st.tuples(inner, inner).map(lambda p: (f"({p[0][0]} OR {p[1][0]})", p[0][1] | p[1][1])),
                         st.tuples(inner, inner).map(lambda p: (f"({p[0][0]} AND {p[1][0]})", p[0][1] & p[1][1])),
                         st.tuples(inner, inner).map(lambda p: (f"({p[0][0]} {p[1][0]})", p[0][1] & p[1][1])),
                         inner.map(lambda p: (f"NOT {p[0]}", EVERY - p[1])),
                         inner.map(lambda p: (f"-{p[0]}", EVERY - p[1]))),
                     max_leaves=6)


@settings(max_examples=120, deadline=None)
@given(TREES)
def test_boolean_structure_is_set_algebra(tree):
    query, expected = tree
    assert matching(query) == expected


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(ATOMS), st.sampled_from(ATOMS), st.sampled_from(ATOMS))
def test_and_binds_tighter_than_or(a, b, c):
    assert matching(f"{a} OR {b} {c}") == matching(a) | (matching(b) & matching(c))
    assert matching(f"{a} {b} OR {c}") == (matching(a) & matching(b)) | matching(c)


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=datetime(2026, 10, 1).date(), max_value=datetime(2026, 12, 1).date()))
def test_date_comparisons_split_the_orders(day):
    before, on, after = (matching(f"created_at:{op}'{day}'") for op in ("<", "", ">="))
    assert before | after == EVERY and not before & after
    assert on <= after


def test_bad_request_is_shopify_shaped():
    error = bad_request("x")
    assert error.extensions == {"code": "BAD_REQUEST"}
