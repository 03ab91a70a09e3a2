"""The refusal rule: a path or method the sandbox does not implement is answered as Zendesk
answers it (JSON ``{"error": "InvalidEndpoint", "description"}``), never with Flask's HTML."""

import pytest

from hub_zendesk.sandbox import create_sandbox

UNKNOWN_PATHS = ["/", "/nope", "/api/v2/nope", "/api/v2/tickets/101/nope", "/api/v2/tickets/abc",
                 "/api/v2/help_center/articles/1/nope.json", "/api/v3/tickets"]
WRONG_METHODS = [("PATCH", "/api/v2/tickets"), ("DELETE", "/api/v2/groups"), ("POST", "/api/v2/search"),
                 ("PUT", "/api/v2/users/372000001001.json"), ("POST", "/api/v2/help_center/articles")]


@pytest.fixture(scope="module")
def client():
    return create_sandbox().app.test_client()


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_unknown_path_is_invalid_endpoint(client, method, path):
    answer = client.open(path, method=method)
    assert answer.status_code == 404
    assert answer.is_json and answer.get_json() == {"error": "InvalidEndpoint", "description": "Not found"}


@pytest.mark.parametrize("method,path", WRONG_METHODS)
def test_wrong_method_is_refused_in_zendesk_json(client, method, path):
    answer = client.open(path, method=method)
    assert answer.status_code == 405 and answer.is_json
    assert answer.get_json()["error"] == "InvalidEndpoint"
