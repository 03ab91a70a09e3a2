"""Background refresh, refresh-token rotation and reconnect against a short-lived sandbox token."""

import requests
from sqlmodel import select

from web_helpers import begin_connect, consent, csrf_of, start_sandbox


def only_connection(hub):
    from hub.db import session_scope
    from hub.models import Connection

    with session_scope(hub.engine) as session:
        [connection] = session.exec(select(Connection)).all()
        return connection


def stored_token(hub):
    return hub.box.decrypt(only_connection(hub).token_ciphertext)


def test_refresh_rotation_and_reconnect(client_as, web_hub, monkeypatch):
    from hub.web.refresh import refresh_expiring

    # 60 s lives inside the default refresh-ahead window (300 s) but outside the session's leeway.
    server = start_sandbox("zendesk", monkeypatch, access_token_ttl=60)
    try:
        client = client_as("admin")
        assert client.get(consent(begin_connect(client, "zendesk", f"127.0.0.1:{server.port}"))).status_code == 302
        first = stored_token(web_hub)
        version = only_connection(web_hub).token_version

        assert refresh_expiring(web_hub, ahead_seconds=0) == {"refreshed": [], "reconnect_needed": [], "failed": []}
        outcome = refresh_expiring(web_hub)
        connection = only_connection(web_hub)
        assert outcome["refreshed"] == [connection.id]
        second = stored_token(web_hub)
        assert second["access_token"] != first["access_token"]
        assert second["refresh_token"] != first["refresh_token"]  # Zendesk rotates refresh tokens
        assert connection.token_version == version + 1

        # The rotated-away refresh token is dead at the vendor; the stored one works.
        token_url = f"{server.url}/oauth/tokens"
        credentials = {"grant_type": "refresh_token", "client_id": "hub-zendesk",
                       "client_secret": "zendesk-sandbox-secret"}
        dead = requests.post(token_url, json=dict(credentials, refresh_token=first["refresh_token"]))
        assert dead.status_code in (400, 401) and dead.json()["error"] == "invalid_grant"

        # The vendor revokes the grant: the next pass marks the connection and the page says so.
        requests.post(f"{server.url}/_sandbox/tokens/revoke", json={}).raise_for_status()
        assert refresh_expiring(web_hub)["reconnect_needed"] == [connection.id]
        assert only_connection(web_hub).status.value == "reconnect_needed"
        page = client.get(f"/connections/{connection.id}").get_data(as_text=True)
        assert "Reconnect to keep using it" in page

        # Reconnect keeps the connection id and brings it back.
        response = client.post(f"/connections/{connection.id}/reconnect", data={"csrf_token": csrf_of(page)})
        assert client.get(consent(response.headers["Location"])).status_code == 302
        again = only_connection(web_hub)
        assert again.id == connection.id and again.status.value == "connected"
    finally:
        server.stop()


def test_vendor_down_during_refresh_is_retried_later(client_as, web_hub, monkeypatch):
    from hub.web.refresh import refresh_expiring

    server = start_sandbox("zendesk", monkeypatch, access_token_ttl=60)
    client = client_as("admin")
    assert client.get(consent(begin_connect(client, "zendesk", f"127.0.0.1:{server.port}"))).status_code == 302
    server.stop()
    connection = only_connection(web_hub)
    assert refresh_expiring(web_hub)["failed"] == [connection.id]
    assert only_connection(web_hub).status.value == "connected"  # a passing outage is not a dead grant
