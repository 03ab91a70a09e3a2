"""One sandbox org and one hub connected to it through the OAuth dance, per test module
(hub.testing's harness); every test starts from the seed.

Helpers are fixtures rather than imports so the suite runs under any pytest import mode
alongside the other connectors' tests."""

import pytest
import requests

@pytest.fixture(scope="module")
def harness(hub_harness):
    return hub_harness("salesforce")


@pytest.fixture(scope="module")
def connection(harness):
    return harness.connect()


@pytest.fixture(autouse=True)
def seeded(request):
    """Restore the seed (tokens survive) before each test that uses the harness."""
    if "harness" in request.fixturenames:
        request.getfixturevalue("harness").control("POST", "reset", {})


@pytest.fixture
def api(harness, connection):
    """A plain requests session holding the hub's access token, based at the REST API root."""
    token, _ = harness.token(connection)
    session = requests.Session()
    session.verify = harness.http.verify
    session.headers["Authorization"] = f"Bearer {token['access_token']}"
    session.base = f"{harness.server.url}/services/data/v67.0/"
    yield session
    session.close()


@pytest.fixture
def soql(api):
    """``soql(query, **headers)`` -> the raw response of GET /query."""
    return lambda query, **headers: api.get(api.base + "query", params={"q": query}, headers=headers)


@pytest.fixture
def error_code():
    """The errorCode of a Salesforce error response (which must be a JSON array)."""

    def code(response):
        body = response.json()
        assert isinstance(body, list), f"Salesforce errors are JSON arrays, not {body!r}"
        return body[0]["errorCode"]

    return code
