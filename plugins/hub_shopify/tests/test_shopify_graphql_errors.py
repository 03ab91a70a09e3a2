"""A GraphQL request the schema refuses is answered as Shopify words it (graphql-ruby's
messages and extensions.code), not graphql-core's — through ShopifyAPI's GraphQL client."""

import json

import pytest
import shopify

from hub_shopify.connector import API_VERSION
from shopify_support import token


@pytest.fixture
def execute(shop):
    sandbox, server = shop
    shopify.ShopifyResource.set_site(f"{server.url}/admin/api/{API_VERSION}")
    shopify.ShopifyResource.headers["X-Shopify-Access-Token"] = token(server.url)["access_token"]
    client = shopify.GraphQL()
    yield lambda query, variables=None: json.loads(client.execute(query, variables))
    shopify.ShopifyResource.clear_session()


@pytest.mark.parametrize("query,code,message", [
    ("{ foo }", "undefinedField", "Field 'foo' doesn't exist on type 'QueryRoot'"),
    ("{ order { id } }", "missingRequiredArguments", "Field 'order' is missing required arguments: id"),
    ("{ orders(foo: 1) { nodes { id } } }", "argumentNotAccepted", "Field 'orders' doesn't accept argument 'foo'"),
    ("{ shop }", "selectionMismatch", "Field must have selections (field 'shop' returns Shop but has no selections. "
                                      "Did you mean 'shop { ... }'?)"),
    ("{ shop { name { x } } }", "selectionMismatch", "Selections can't be made on scalars (field 'name' returns "
                                                     "String but has selections [...])"),
    ('{ orders(first: "abc") { nodes { id } } }', "argumentLiteralsIncompatible",
     "Argument 'first' on Field 'orders' has an invalid value (\"abc\"). Expected type 'Int'."),
    ("query($x: Int) { shop { name } }", "variableNotUsed", "Variable $x is declared by anonymous query but not used"),
    ("{ orders(first: $y) { nodes { id } } }", "variableNotDefined",
     "Variable $y is used by anonymous query but not declared"),
    ("{ ...X }", "useAndDefineFragment", "Fragment X was used, but not defined"),
    ("{ shop @foo { name } }", "undefinedDirective", "Directive @foo is not defined"),
])
def test_validation_errors_carry_shopifys_code_and_message(execute, query, code, message):
    answer = execute(query)
    assert "data" not in answer
    first = answer["errors"][0]
    assert first["extensions"]["code"] == code and first["message"] == message
    assert first["locations"][0]["line"] == 1


def test_a_variable_of_the_wrong_type_is_invalid_variable(execute):
    answer = execute("query($n: Int!) { orders(first: $n) { nodes { id } } }", {"n": "many"})
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "INVALID_VARIABLE"
    assert error["message"] == "Variable $n of type Int! was provided invalid value"
    assert error["extensions"]["problems"][0]["explanation"]
