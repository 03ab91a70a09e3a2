"""The refusal rule: a path or method the sandbox does not implement is answered as Shopify's
router answers it — 404 ``{"errors": "Not Found"}`` — never with Flask's HTML."""

import pytest

from hub_shopify.sandbox import create_sandbox

UNKNOWN_PATHS = ["/", "/nope", "/admin/api/2026-07/orders.json", "/admin/api/2026-07/nope/1.json",
                 "/admin/api/2026-07/graphql.json/extra", "/admin/nope"]


@pytest.fixture(scope="module")
def client():
    return create_sandbox().app.test_client()


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_unknown_path_is_not_found(client, method, path):
    answer = client.open(path, method=method)
    assert answer.status_code == 404
    assert answer.is_json and answer.get_json() == {"errors": "Not Found"}


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_graphql_endpoint_takes_only_post(client, method):
    answer = client.open("/admin/api/2026-07/graphql.json", method=method)
    assert answer.status_code == 404
    assert answer.is_json and answer.get_json() == {"errors": "Not Found"}
