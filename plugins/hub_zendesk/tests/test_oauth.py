"""Zendesk's OAuth as the sandbox serves it and the hub uses it: JSON token requests, 201
answers, rotating refresh tokens."""

import pytest


@pytest.fixture(scope="module")
def short_lived(hub_harness):
    """A sandbox whose access tokens expire after a second: every hub call refreshes first."""
    return hub_harness("zendesk", access_token_ttl=1)


def token_request(harness, body, **kwargs):
    credentials = {"client_id": "hub-zendesk", "client_secret": "zendesk-sandbox-secret"}
    return harness.http.post(f"{harness.server.url}/oauth/tokens", json={**credentials, **body}, **kwargs)


def test_granted_token_looks_like_zendesks(harness, connection):
    token, _ = harness.token(connection)
    assert token["token_type"] == "bearer"
    assert (token["expires_in"], token["refresh_token_expires_in"]) == (1800, 30 * 24 * 3600)
    assert connection.granted_scopes == ["read", "tickets:read", "tickets:write", "users:read", "hc:read",
                                         "webhooks:write"]


def test_refresh_is_a_json_request_answered_201_and_rotates(harness):
    connection = harness.connect()  # its own grant: this test spends the refresh token by hand
    old, _ = harness.token(connection)
    refreshed = token_request(harness, {"grant_type": "refresh_token", "refresh_token": old["refresh_token"]})
    assert refreshed.status_code == 201
    new = refreshed.json()
    assert new["refresh_token"] != old["refresh_token"]
    again = token_request(harness, {"grant_type": "refresh_token", "refresh_token": old["refresh_token"]})
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_form_encoded_token_request_is_refused(harness):
    answer = harness.http.post(f"{harness.server.url}/oauth/tokens", data={
        "grant_type": "refresh_token", "refresh_token": "x", "client_id": "hub-zendesk",
        "client_secret": "zendesk-sandbox-secret"})
    assert answer.status_code == 400 and "JSON" in answer.json()["error_description"]


def test_hub_refreshes_and_stores_each_rotated_token(harness):
    connection = harness.connect()
    first, version = harness.token(connection)
    session = harness.hub.session(connection)
    for _ in range(2):
        current, _ = harness.token(connection)
        harness.control("POST", "tokens/expire", {"access_token": current["access_token"]})
        harness.call("zendesk.list_groups", connection, {}, session=session)
    latest, latest_version = harness.token(connection)
    assert session.refreshes == 2 and latest_version == version + 2
    assert latest["refresh_token"] != first["refresh_token"]
    # Rotation killed the first refresh token at the vendor.
    stale = token_request(harness, {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]})
    assert stale.json()["error"] == "invalid_grant"


def test_short_lived_tokens_are_refreshed_before_use(short_lived):
    connection = short_lived.connect()
    session = short_lived.hub.session(connection)
    short_lived.call("zendesk.list_groups", connection, {}, session=session)
    assert session.refreshes == 1
