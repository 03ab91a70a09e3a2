"""The refusal rule: a path or method the sandbox does not implement is answered in
ServiceNow's envelope ``{"error": {"message", "detail"}, "status": "failure"}`` — an unknown
URI with 400 as the instance does — never with Flask's HTML."""

import pytest

from hub_servicenow.sandbox import create_sandbox

UNKNOWN_PATHS = ["/", "/nope", "/api/now/nope", "/api/now/v2/nope/x", "/api/sn_sc/nope", "/api/now/table"]
WRONG_METHODS = [("PATCH", "/api/now/table/incident"), ("PUT", "/api/now/table/incident"),
                 ("POST", "/api/now/table/incident/0123456789abcdef0123456789abcdef")]


@pytest.fixture(scope="module")
def client():
    return create_sandbox().app.test_client()


def servicenow_error(answer):
    body = answer.get_json()
    assert answer.is_json and body["status"] == "failure" and set(body["error"]) == {"message", "detail"}
    return body["error"]


@pytest.mark.parametrize("path", UNKNOWN_PATHS)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE"])
def test_unknown_path_does_not_represent_any_resource(client, method, path):
    answer = client.open(path, method=method)
    assert answer.status_code == 400
    assert servicenow_error(answer) == {"message": "Requested URI does not represent any resource", "detail": path}


@pytest.mark.parametrize("method,path", WRONG_METHODS)
def test_wrong_method_is_not_supported(client, method, path):
    answer = client.open(path, method=method)
    assert answer.status_code == 405
    assert servicenow_error(answer)["message"] == "Method not Supported"
