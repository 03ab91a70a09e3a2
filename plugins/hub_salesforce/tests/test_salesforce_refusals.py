"""The refusal rule: a path or method the sandbox does not implement is answered as
Salesforce's REST API answers it — a JSON array of ``{"message", "errorCode"}`` — never with
Flask's HTML."""

import pytest

from hub_salesforce.sandbox import create_sandbox

UNKNOWN_PATHS = ["/", "/nope", "/services/data/v67.0/nope", "/services/data/v67.0/sobjects/Case/500/nope/deeper",
                 "/services/apexrest/whatever", "/services/data/v67.0/tooling/nope/x/y"]
WRONG_METHODS = [("PUT", "/services/data/v67.0/sobjects/Case/5005g00000AbCdEAAV"),
                 ("DELETE", "/services/data/v67.0/query"), ("POST", "/services/data/v67.0/limits")]


@pytest.fixture(scope="module")
def client():
    return create_sandbox().app.test_client()


def only_error(answer):
    body = answer.get_json()
    assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"message", "errorCode"}
    return body[0]


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST", "PATCH", "DELETE"])
def test_unknown_path_is_not_found(client, method, path):
    answer = client.open(path, method=method)
    assert answer.status_code == 404 and answer.is_json
    assert only_error(answer)["errorCode"] == "NOT_FOUND"


@pytest.mark.parametrize("method,path", WRONG_METHODS)
def test_wrong_method_is_method_not_allowed_naming_the_allowed(client, method, path):
    answer = client.open(path, method=method)
    assert answer.status_code == 405 and answer.is_json
    error = only_error(answer)
    assert error["errorCode"] == "METHOD_NOT_ALLOWED"
    assert error["message"].startswith(f"HTTP Method '{method}' not allowed. Allowed are ")
    assert "GET" in error["message"] or "PATCH" in error["message"]
