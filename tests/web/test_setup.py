"""Connecting through the setup pages against a real sandbox (no browser: see test_browser.py)."""

import time

import pytest
from sqlalchemy import text
from sqlmodel import select

from web_helpers import begin_connect, consent, csrf_of, start_sandbox


def connections(hub):
    from hub.db import session_scope
    from hub.models import Connection

    with session_scope(hub.engine) as session:
        return list(session.exec(select(Connection)))


@pytest.fixture
def zendesk(monkeypatch):
    server = start_sandbox("zendesk", monkeypatch)
    yield server
    server.stop()


def instance_of(server):
    return f"127.0.0.1:{server.port}"


def connect(client, server, name="zendesk"):
    callback = consent(begin_connect(client, name, instance_of(server)))
    response = client.get(callback)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def test_connect_stores_the_token_encrypted_and_shows_scopes(client_as, web_hub, zendesk):
    client = client_as("admin")
    location = connect(client, zendesk)
    [connection] = connections(web_hub)
    assert connection.status.value == "connected"
    assert location == f"/connections/{connection.id}"
    token = web_hub.box.decrypt(connection.token_ciphertext)
    with web_hub.engine.connect() as db:
        stored = db.execute(text("SELECT token_ciphertext FROM connection")).scalar_one()
    assert token["access_token"] not in stored and token["refresh_token"] not in stored
    assert "access_token" not in stored  # not even the JSON keys: the whole document is sealed
    page = client.get(location).get_data(as_text=True)
    for scope in connection.granted_scopes:
        assert f'data-scope="{scope}"' in page
    assert "connected" in page


def test_missing_scopes_are_warned_about(client_as, web_hub, zendesk):
    from hub.db import session_scope
    from hub.models import Connection
    from hub.web.setup import needed_scopes

    client = client_as("admin")
    connect(client, zendesk)
    [connection] = connections(web_hub)
    needed = needed_scopes(web_hub, "zendesk")
    assert needed, "the zendesk tools declare scopes"
    with session_scope(web_hub.engine) as session:
        row = session.get(Connection, connection.id)
        row.granted_scopes = needed[1:]
        session.add(row)
    page = client.get(f"/connections/{connection.id}").get_data(as_text=True)
    assert "Missing scopes: " + needed[0] in page
    from hub import scopes

    assert scopes.needed(web_hub, "zendesk")[needed[0]][0] in page  # says what needs it


def test_state_from_another_browser_session_is_refused(client_as, web_hub, zendesk):
    starter, other = client_as("admin"), client_as("admin")
    callback = consent(begin_connect(starter, "zendesk", instance_of(zendesk)))
    response = other.get(callback)  # same operator, different browser: not its state
    assert response.status_code == 400
    assert "state mismatch" in response.get_data(as_text=True)
    [connection] = connections(web_hub)
    assert connection.token_ciphertext is None
    assert other.get("/connections/callback?state=made-up&code=x").status_code == 400


def test_denied_consent_stores_nothing(client_as, web_hub, zendesk):
    client = client_as("admin")
    response = client.get(consent(begin_connect(client, "zendesk", instance_of(zendesk)), "deny"))
    assert response.status_code == 400
    assert "did not grant access" in response.get_data(as_text=True)
    assert all(c.token_ciphertext is None for c in connections(web_hub))


def test_replayed_callback_is_refused(client_as, web_hub, zendesk):
    client = client_as("admin")
    callback = consent(begin_connect(client, "zendesk", instance_of(zendesk)))
    assert client.get(callback).status_code == 302
    [connection] = connections(web_hub)
    version = connection.token_version
    response = client.get(callback)
    assert response.status_code == 400
    assert connections(web_hub)[0].token_version == version  # nothing new stored


def test_expired_code_says_what_to_do(client_as, web_hub, monkeypatch):
    server = start_sandbox("zendesk", monkeypatch, code_ttl=1)
    try:
        client = client_as("admin")
        callback = consent(begin_connect(client, "zendesk", instance_of(server)))
        time.sleep(1.5)
        response = client.get(callback)
    finally:
        server.stop()
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "refused the authorization code" in body
    assert "start again from Connect" in body
    assert all(c.token_ciphertext is None for c in connections(web_hub))


def test_vendor_down_during_exchange(client_as, web_hub, monkeypatch):
    server = start_sandbox("zendesk", monkeypatch)
    client = client_as("admin")
    callback = consent(begin_connect(client, "zendesk", instance_of(server)))
    server.stop()  # the consent page answered; the token endpoint is gone
    response = client.get(callback)
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "Could not reach Zendesk" in body
    assert all(c.token_ciphertext is None for c in connections(web_hub))


def test_arbitrary_hosts_are_refused(client_as, web_hub):
    client = client_as("admin")
    page = client.get("/connectors").get_data(as_text=True)
    response = client.post("/connectors/zendesk/connect",
                           data={"instance": "evil.example.com:443", "csrf_token": csrf_of(page)},
                           follow_redirects=True)
    assert "is not a subdomain: the name before .zendesk.com" in response.get_data(as_text=True)
    assert connections(web_hub) == []


def test_sandbox_hosts_only_in_sandbox_mode(client_as, web_hub):
    web_hub.settings.sandbox_mode = False
    client = client_as("admin")
    page = client.get("/connectors").get_data(as_text=True)
    client.post("/connectors/zendesk/connect", data={"instance": "127.0.0.1:9", "csrf_token": csrf_of(page)})
    assert connections(web_hub) == []


def test_reconnect_keeps_the_id_and_disconnect_deletes_tokens(client_as, web_hub, zendesk):
    client = client_as("admin")
    connect(client, zendesk)
    [connection] = connections(web_hub)
    page = client.get(f"/connections/{connection.id}").get_data(as_text=True)
    response = client.post(f"/connections/{connection.id}/reconnect", data={"csrf_token": csrf_of(page)})
    assert client.get(consent(response.headers["Location"])).status_code == 302
    [again] = connections(web_hub)
    assert again.id == connection.id and again.token_version > connection.token_version
    client.post(f"/connections/{connection.id}/disconnect", data={"csrf_token": csrf_of(page)})
    [gone] = connections(web_hub)
    assert gone.status.value == "disconnected" and gone.token_ciphertext is None


def test_connections_json_reports_scopes(client_as, web_hub, zendesk):
    from hub.web.setup import needed_scopes

    client = client_as("admin")
    connect(client, zendesk)
    [listed] = client.get("/api/connections").json["connections"]
    assert listed["status"] == "connected"
    assert listed["scopes"]["needed"] == needed_scopes(web_hub, "zendesk")
    assert listed["scopes"]["missing"] == [s for s in listed["scopes"]["needed"] if s not in listed["scopes"]["granted"]]


def test_vendor_webhooks_are_not_asked_for_a_csrf_token(app):
    response = app.test_client().post("/hooks/zendesk/nosuchconnection", data=b"{}")
    assert response.status_code == 404  # reached the webhook endpoint, not refused as a form


def test_shopify_callback_with_a_forged_hmac_is_refused(client_as, web_hub, monkeypatch):
    import re

    server = start_sandbox("shopify", monkeypatch)
    try:
        client = client_as("admin")
        callback = consent(begin_connect(client, "shopify", instance_of(server)))
        assert "hmac=" in callback
        forged = re.sub(r"hmac=[0-9a-f]+", "hmac=" + "0" * 64, callback)
        response = client.get(forged)
    finally:
        server.stop()
    assert response.status_code == 400
    assert "failed its signature check" in response.get_data(as_text=True)
    assert all(c.token_ciphertext is None for c in connections(web_hub))
