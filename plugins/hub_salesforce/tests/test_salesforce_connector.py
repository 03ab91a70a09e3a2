"""What the connector declares: instances, OAuth URLs, the API host from the token, and how
Salesforce's error arrays and 403 REQUEST_LIMIT_EXCEEDED become typed errors."""

import json

import pytest
import requests

from hub.errors import ConnectorError, NotFound, RateLimited, ReconnectNeeded, VendorUnavailable
from hub_salesforce.connector import SalesforceConnector, organization_id

CONNECTOR = SalesforceConnector()


def response(status, body):
    made = requests.Response()
    made.status_code = status
    made._content = json.dumps(body).encode() if not isinstance(body, bytes) else body
    made.headers["Content-Type"] = "application/json"
    return made


@pytest.mark.parametrize("instance, host", [
    ("northwind", "https://northwind.my.salesforce.com"),
    ("login", "https://login.salesforce.com"),
    ("test", "https://test.salesforce.com"),
])
def test_production_providers(instance, host):
    provider = CONNECTOR.provider(CONNECTOR.validate_instance(instance))
    assert provider.authorize_url == f"{host}/services/oauth2/authorize"
    assert provider.token_url == f"{host}/services/oauth2/token"
    assert provider.revoke_url == f"{host}/services/oauth2/revoke"
    assert provider.scopes == ("api", "refresh_token") and provider.pkce


def test_instances_validated():
    assert CONNECTOR.validate_instance(" Northwind ") == "northwind"
    for bad in ("north wind", "evil.com/x", "-north", "127.0.0.1:8443"):
        with pytest.raises(ValueError):
            CONNECTOR.validate_instance(bad)
    assert CONNECTOR.provider(CONNECTOR.validate_instance("127.0.0.1:8443", sandbox_mode=True)).token_url == (
        "https://127.0.0.1:8443/services/oauth2/token")


def test_api_base_url_comes_from_the_token():
    provider = CONNECTOR.provider("login")
    token = {"instance_url": "https://northwind.my.salesforce.com", "id": "https://login.salesforce.com/id/"
             "00D5g00000S0001EAB/0055g00000S0001AAB"}
    assert CONNECTOR.api_base_url(provider, token) == "https://northwind.my.salesforce.com/services/data/v67.0/"
    # No https instance_url: keep what the operator's instance implies rather than trust plain http.
    assert CONNECTOR.api_base_url(provider, {"instance_url": "http://evil.example"}) == provider.api_base_url
    assert organization_id(token) == "00D5g00000S0001EAB"
    assert organization_id({"id": "https://login.salesforce.com/id/nope"}) is None
    assert organization_id({}) is None


def test_error_arrays_become_typed_errors():
    with pytest.raises(RateLimited) as limited:
        CONNECTOR.check_response(response(403, [{"message": "TotalRequests Limit exceeded.",
                                                 "errorCode": "REQUEST_LIMIT_EXCEEDED"}]))
    assert limited.value.retry_after is None and limited.value.message == "TotalRequests Limit exceeded."

    with pytest.raises(ConnectorError) as refused:
        CONNECTOR.check_response(response(403, [{"message": "no access", "errorCode": "INSUFFICIENT_ACCESS"}]))
    assert type(refused.value) is ConnectorError and not refused.value.retryable

    with pytest.raises(ReconnectNeeded):
        CONNECTOR.check_response(response(401, [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]))
    with pytest.raises(NotFound):
        CONNECTOR.check_response(response(404, [{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}]))
    with pytest.raises(VendorUnavailable):
        CONNECTOR.check_response(response(503, [{"message": "down", "errorCode": "SERVER_UNAVAILABLE"}]))

    with pytest.raises(ConnectorError) as invalid:
        CONNECTOR.check_response(response(400, [
            {"message": "Required fields are missing: [ParentId]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["ParentId"]},
            {"message": "second problem", "errorCode": "OTHER"},
        ]))
    assert invalid.value.code == "REQUIRED_FIELD_MISSING"
    assert invalid.value.message == "Required fields are missing: [ParentId] (fields: ParentId); second problem"

    assert CONNECTOR.check_response(response(204, b"")) is None


def test_non_array_error_bodies_still_read():
    assert CONNECTOR.error_message(response(400, {"error": "invalid_grant", "error_description": "expired"})) == (
        "expired", "invalid_grant")
    assert CONNECTOR.error_message(response(502, b"<html>Bad gateway</html>"))[0] == "<html>Bad gateway</html>"
