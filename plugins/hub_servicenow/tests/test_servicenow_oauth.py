"""OAuth against the sandbox's /oauth_*.do endpoints: lifetimes, rotation, revocation."""

import pytest
import requests

from hub import connections
from hub.errors import ReconnectNeeded
from hub.models import ConnectionStatus


def refresh_at_sandbox(harness, refresh_token):
    client = harness.connector.sandbox_credentials()
    return requests.post(f"{harness.server.url}/oauth_token.do", data={
        "grant_type": "refresh_token", "refresh_token": refresh_token, **client})


def test_connect_grants_useraccount_with_the_instance_lifetime(harness, connection):
    assert connection.granted_scopes == ["useraccount"]
    token, _ = harness.token(connection)
    assert token["token_type"] == "Bearer" and token["expires_in"] == 1799 and token["refresh_token"]


def test_expired_token_is_refreshed_and_the_refresh_token_rotated(harness):
    connection = harness.connect()
    first, version = harness.token(connection)
    harness.control("POST", "tokens/expire", {"access_token": first["access_token"]})
    session = harness.hub.session(connection)
    harness.call("servicenow.find_user", connection, {"email": "ada@example.com"}, session=session)
    assert session.refreshes == 1
    rotated, after = harness.token(connection)
    assert after == version + 1 and rotated["refresh_token"] != first["refresh_token"]
    # The refresh token the hub gave up is dead at the sandbox; the stored one still works.
    assert refresh_at_sandbox(harness, first["refresh_token"]).json()["error"] == "invalid_grant"
    assert refresh_at_sandbox(harness, rotated["refresh_token"]).status_code == 200


def test_disconnect_revokes_at_the_instance(harness):
    connection = harness.connect()
    token, _ = harness.token(connection)
    connections.disconnect(harness.hub, connection.id)
    stored = harness.reload(connection)
    assert stored.status == ConnectionStatus.disconnected
    assert stored.status_reason is None  # the sandbox confirmed the revocation
    assert refresh_at_sandbox(harness, token["refresh_token"]).json()["error"] == "invalid_grant"


def test_revoked_grant_marks_the_connection(harness):
    connection = harness.connect()
    harness.control("POST", "tokens/revoke", {"token": harness.token(connection)[0]["access_token"]})
    with pytest.raises(ReconnectNeeded):
        harness.call("servicenow.find_user", connection, {"email": "ada@example.com"})
    assert harness.reload(connection).status == ConnectionStatus.reconnect_needed


def test_short_instance_token_lifespan(hub_harness):
    short = hub_harness("servicenow", access_token_ttl=45)
    connection = short.connect()
    assert short.token(connection)[0]["expires_in"] == 45
    short.call("servicenow.find_user", connection, {"email": "ada@example.com"})
