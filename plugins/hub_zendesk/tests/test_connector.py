"""Connector declarations and how Zendesk's error bodies become typed errors."""

import pytest
import requests
from hub.errors import (
    ConnectorError,
    NotFound,
    RateLimited,
    ReconnectNeeded,
    VendorUnavailable,
)

from hub_zendesk.connector import ZendeskConnector

CONNECTOR = ZendeskConnector()


def answer(status, body, content_type="application/json", headers=None):
    response = requests.Response()
    response.status_code = status
    response._content = body.encode()
    response.headers.update({"Content-Type": content_type, **(headers or {})})
    response.reason = "reason"
    return response


def test_production_and_sandbox_urls():
    production = CONNECTOR.provider("brightline")
    assert production.authorize_url == "https://brightline.zendesk.com/oauth/authorizations/new"
    assert production.token_url == "https://brightline.zendesk.com/oauth/tokens"
    assert production.api_base_url == "https://brightline.zendesk.com/api/v2/"
    assert production.token_request_format == "json" and production.pkce
    assert CONNECTOR.provider("127.0.0.1:8703").token_url == "http://127.0.0.1:8703/oauth/tokens"


@pytest.mark.parametrize("typed", ["Brightline", " brightline-eu "])
def test_subdomains_are_normalised(typed):
    assert CONNECTOR.validate_instance(typed) == typed.strip().lower()


@pytest.mark.parametrize("typed", ["bright.line", "-x", "https://brightline.zendesk.com", "127.0.0.1:8703", ""])
def test_anything_else_is_refused(typed):
    with pytest.raises(ValueError, match="is not a subdomain"):
        CONNECTOR.validate_instance(typed)


def test_tools_only_ask_for_declared_scopes():
    from hub_zendesk.tools import TOOLS

    for tool in TOOLS:
        assert set(tool.scopes) <= set(CONNECTOR.scopes), tool.name
        assert tool.input_schema["additionalProperties"] is False


def test_record_invalid_carries_the_field_reasons():
    body = ('{"error":"RecordInvalid","description":"Record validation errors","details":'
            '{"status":[{"description":"Status: closed prevents ticket update","error":"ClosedPreventsUpdate"}]}}')
    with pytest.raises(ConnectorError) as error:
        CONNECTOR.check_response(answer(422, body))
    assert error.value.code == "RecordInvalid"
    assert error.value.message == "Record validation errors: Status: closed prevents ticket update"


def test_typed_errors():
    with pytest.raises(NotFound):
        CONNECTOR.check_response(answer(404, '{"error":"RecordNotFound","description":"Not found"}'))
    with pytest.raises(ReconnectNeeded, match="Couldn't authenticate you"):
        CONNECTOR.check_response(answer(401, '{"error":"Couldn\'t authenticate you"}'))
    with pytest.raises(RateLimited) as limited:
        CONNECTOR.check_response(answer(429, "Number of allowed API requests per minute exceeded", "text/plain",
                                        {"Retry-After": "7"}))
    assert limited.value.retry_after == 7.0 and "per minute exceeded" in limited.value.message
    with pytest.raises(VendorUnavailable):
        CONNECTOR.check_response(answer(503, "<html>down</html>", "text/html"))
    assert CONNECTOR.check_response(answer(200, "{}")) is None


def test_newer_apis_error_list():
    body = '{"errors":[{"code":"InvalidValue","title":"Invalid","detail":"endpoint must be https"}]}'
    assert CONNECTOR.error_message(answer(400, body)) == ("endpoint must be https", "InvalidValue")
