"""Fixtures: the Zendesk sandbox with a throwaway hub connected to it through real OAuth."""

import logging

import pytest

# The sandbox's werkzeug server logs every request; keep test output to what failed.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@pytest.fixture(scope="module")
def harness(hub_harness):
    """hub.testing's harness: sandbox on a free port, hub on a temp dir, receiver for webhooks."""
    return hub_harness("zendesk", webhook_retry_delays=(0.05, 0.1))


@pytest.fixture(scope="module")
def connection(harness):
    return harness.connect()


@pytest.fixture
def fresh(harness):
    """Restore the seed before the test (tokens and the webhook target survive a reset)."""
    harness.control("POST", "reset")
    return harness


@pytest.fixture
def api(harness, connection):
    """``api(method, path, **kw)``: a raw request to the sandbox with the hub's access token."""
    token, _ = harness.token(connection)

    def send(method, path, token_value=None, **kwargs):
        headers = {"Authorization": f"Bearer {token_value or token['access_token']}", **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else f"{harness.server.url}{path}"
        return harness.http.request(method, url, headers=headers, **kwargs)

    return send
