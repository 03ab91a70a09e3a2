"""What the connector declares: instances, OAuth endpoints, error and rate-limit signals."""

import time
from types import SimpleNamespace

import pytest
import requests
from hub_servicenow.plugin import CONNECTOR

from hub.errors import ConnectorError, RateLimited, ReconnectNeeded


def response(status, body=b"", headers=None):
    answer = requests.Response()
    answer.status_code, answer._content, answer.reason = status, body, "Reason"
    answer.headers.update(headers or {})
    return answer


def test_production_and_sandbox_endpoints():
    production = CONNECTOR.provider(CONNECTOR.validate_instance(" Acme-Dev "))
    assert production.authorize_url == "https://acme-dev.service-now.com/oauth_auth.do"
    assert production.token_url == "https://acme-dev.service-now.com/oauth_token.do"
    assert production.revoke_url == "https://acme-dev.service-now.com/oauth_revoke_token.do"
    assert production.api_base_url == "https://acme-dev.service-now.com/"
    assert production.scopes == ("useraccount",) and production.pkce
    sandbox = CONNECTOR.provider(CONNECTOR.validate_instance("127.0.0.1:8701", sandbox_mode=True))
    assert sandbox.token_url == "http://127.0.0.1:8701/oauth_token.do"


@pytest.mark.parametrize("typed", ["acme", "ACME", "acme.service-now.com", "https://acme.service-now.com/"])
def test_instance_name_or_its_address(typed):
    assert CONNECTOR.validate_instance(typed) == "acme"


@pytest.mark.parametrize("typed", ["acme.example.com", "-acme", "127.0.0.1:8701", "a" * 64, "", "http://acme.service-now.com"])
def test_instances_outside_the_pattern_are_refused(typed):
    with pytest.raises(ValueError, match="instance name: the name before .service-now.com"):
        CONNECTOR.validate_instance(typed)


def test_error_envelope_becomes_the_message():
    body = b'{"error":{"message":"Operation Failed","detail":"Data Policy Exception"},"status":"failure"}'
    with pytest.raises(ConnectorError) as caught:
        CONNECTOR.check_response(response(403, body))
    assert caught.value.message == "Operation Failed: Data Policy Exception" and caught.value.status == 403
    with pytest.raises(ReconnectNeeded, match="User Not Authenticated"):
        CONNECTOR.check_response(response(401, b'{"error":{"message":"User Not Authenticated","detail":null}}'))
    assert CONNECTOR.error_message(response(502, b"<html>Bad gateway</html>"))[0] == "<html>Bad gateway</html>"
    assert CONNECTOR.check_response(response(200, b'{"result":[]}')) is None


def test_rate_limit_wait_from_retry_after_or_reset():
    with pytest.raises(RateLimited) as caught:
        CONNECTOR.check_response(response(429, b"{}", {"Retry-After": "3"}))
    assert caught.value.retry_after == 3
    reset = str(int(time.time()) + 20)
    with pytest.raises(RateLimited) as caught:
        CONNECTOR.check_response(response(429, b"{}", {"X-RateLimit-Reset": reset}))
    assert 15 <= caught.value.retry_after <= 20


def test_production_subscribe_only_generates_a_secret():
    production = SimpleNamespace(instance="acme")
    # No HTTP at all for a real instance: the admin pastes the secret into the business rule.
    first = CONNECTOR.subscribe(None, "https://hub.example.com/hooks/servicenow/c1", production, None)
    second = CONNECTOR.subscribe(None, "https://hub.example.com/hooks/servicenow/c1", production, None)
    assert len(first) >= 40 and first != second


def test_an_html_page_is_not_data():
    from hub_servicenow import table

    from hub.errors import VendorUnavailable

    hibernating = response(200, b"<html><body>Your instance is hibernating</body></html>")
    with pytest.raises(VendorUnavailable, match="hibernating"):
        table.result(hibernating)
    assert table.result(response(200, b'{"result": {"sys_id": "x"}}')) == {"sys_id": "x"}
