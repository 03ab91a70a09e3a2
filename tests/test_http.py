"""The one HTTP layer: refresh once, persist rotated tokens atomically, retry what is retryable."""

import re
import time

import pytest

from hub import connections
from hub.connections import ConnectError
from hub.db import session_scope
from hub.errors import PluginError, ReconnectNeeded, VendorUnavailable, WriteOutcomeUnknown
from hub.models import Connection, ConnectionStatus


def stored(hub):
    with session_scope(hub.engine) as session:
        row = session.get(Connection, hub.toy_connection.id)
        return (hub.box.decrypt(row.token_ciphertext) if row.token_ciphertext else None), row


def expire_stored_token(hub):
    token, row = stored(hub)
    token["expires_at"] = int(time.time()) - 10
    with session_scope(hub.engine) as session:
        row = session.get(Connection, hub.toy_connection.id)
        row.token_ciphertext = hub.box.encrypt(token)
        session.add(row)


def test_expired_token_is_refreshed_once_and_rotation_persisted(toy):
    expire_stored_token(toy)
    before, row_before = stored(toy)
    session = toy.session(toy.toy_connection)
    assert session.get("/api/things/1").json()["thing"]["id"] == "1"
    session.get("/api/things/1")
    after, row_after = stored(toy)
    assert session.refreshes == 1 and toy.toy_vendor.token_requests == 1
    assert after["refresh_token"] != before["refresh_token"]  # rotated, and the new one kept
    assert row_after.token_version == row_before.token_version + 1


def test_a_401_triggers_one_refresh(toy):
    toy.toy_vendor.access.clear()  # the vendor forgot every access token
    session = toy.session(toy.toy_connection)
    assert session.get("/api/things/1").status_code == 200
    assert session.refreshes == 1


def test_revoked_grant_marks_the_connection(toy):
    toy.toy_vendor.access.clear()
    toy.toy_vendor.refresh.clear()
    with pytest.raises(ReconnectNeeded, match="token refresh refused: invalid_grant"):
        toy.session(toy.toy_connection).get("/api/things/1")
    _, row = stored(toy)
    assert row.status == ConnectionStatus.reconnect_needed and "invalid_grant" in row.status_reason


def test_two_workers_refreshing_share_one_rotation(toy):
    expire_stored_token(toy)
    first, second = toy.session(toy.toy_connection), toy.session(toy.toy_connection)
    first.get("/api/things/1")
    # The second worker still holds the old, now-dead refresh token: it must adopt the first's.
    second.get("/api/things/1")
    assert toy.toy_vendor.token_requests == 1
    assert second.token["access_token"] == first.token["access_token"] == stored(toy)[0]["access_token"]


def test_outage_gives_up_after_max_attempts(toy):
    toy.toy_vendor.faults = [503] * 10
    with pytest.raises(VendorUnavailable, match="injected 503"):
        toy.session(toy.toy_connection).get("/api/things/1")
    assert len(toy.toy_vendor.faults) == 10 - toy.settings.http.max_attempts


def test_unreachable_vendor_is_unavailable(toy):
    toy.toy_vendor.stop()
    with pytest.raises(VendorUnavailable, match="ConnectionError"):
        toy.session(toy.toy_connection).get("/api/things/1")


def test_connect_stores_an_encrypted_token(toy):
    connection, url, state = connections.begin(toy, "toy", toy.toy_connection.instance)
    assert "code_challenge=" in url and f"state={state}" in url
    connected = connections.finish(toy, state, "good-code", {"state": state, "code": "good-code"})
    token, row = stored_of(toy, connected.id)
    assert row.status == ConnectionStatus.connected and row.granted_scopes == ["read", "write"]
    assert token["access_token"] in toy.toy_vendor.access
    assert "oauth_pending" not in row.settings


def stored_of(hub, connection_id):
    with session_scope(hub.engine) as session:
        row = session.get(Connection, connection_id)
        return (hub.box.decrypt(row.token_ciphertext) if row.token_ciphertext else None), row


@pytest.mark.parametrize("case, message", [
    ("state", "state mismatch"),
    ("denied", "did not grant access (access_denied)"),
    ("bad-code", "refused the authorization code (invalid_grant"),
    ("down", "Could not reach Toy Helpdesk"),
])
def test_failed_connect_stores_no_token(toy, case, message):
    connection, _, state = connections.begin(toy, "toy", toy.toy_connection.instance)
    query = {"state": state}
    if case == "state":
        state = "forged"
    if case == "denied":
        query["error"] = "access_denied"
    if case == "down":
        toy.toy_vendor.stop()
    with pytest.raises(ConnectError, match=re.escape(message)):
        connections.finish(toy, state, None if case == "denied" else ("bad" if case == "bad-code" else "good-code"), query)
    token, row = stored_of(toy, connection.id)
    assert token is None and row.status == ConnectionStatus.pending


def test_replayed_callback_is_refused(toy):
    _, _, state = connections.begin(toy, "toy", toy.toy_connection.instance)
    connections.finish(toy, state, "good-code", {})
    with pytest.raises(ConnectError, match="state mismatch"):
        connections.finish(toy, state, "good-code", {})


def test_sandbox_instances_only_in_sandbox_mode(toy):
    connector = toy.connector("toy")
    assert connector.validate_instance("127.0.0.1:8101", sandbox_mode=True) == "127.0.0.1:8101"
    with pytest.raises(ValueError, match="is not a subdomain matching"):
        connector.validate_instance("127.0.0.1:8101", sandbox_mode=False)
    for hostile in ("evil.com/", "10.0.0.1:80", "a b", "", "x" * 100):
        with pytest.raises(ValueError):
            connector.validate_instance(hostile, sandbox_mode=True)


def test_disconnect_deletes_tokens(toy):
    connections.disconnect(toy, toy.toy_connection.id)
    token, row = stored(toy)
    assert token is None and row.status == ConnectionStatus.disconnected


# -- writes: sent again only when that cannot do the effect twice ------------------------------


def test_a_write_whose_answer_is_lost_is_not_sent_again(toy):
    toy.toy_vendor.lost_answers = [503]  # the note is added, then the vendor answers 503
    session = toy.session(toy.toy_connection)
    with pytest.raises(WriteOutcomeUnknown, match="may have been done"):
        session.post("/api/tickets/7/escalate", json={"group": "Tier 2", "note": "why"})
    assert len(toy.toy_vendor.notes) == 1


def test_a_write_the_vendor_refused_before_acting_is_sent_again(toy):
    toy.toy_vendor.faults = [429]  # rate limited: the vendor did nothing
    toy.session(toy.toy_connection).post("/api/tickets/7/escalate", json={"group": "Tier 2", "note": "why"})
    assert len(toy.toy_vendor.notes) == 1 and toy.toy_vendor.faults == []


def test_a_write_to_a_vendor_that_cannot_be_reached_is_sent_again(toy):
    session = toy.session(toy.toy_connection)
    toy.toy_vendor.stop()
    with pytest.raises(VendorUnavailable, match="ConnectionError") as raised:
        session.post("/api/tickets/7/escalate", json={"group": "Tier 2", "note": "why"})
    assert not isinstance(raised.value, WriteOutcomeUnknown)  # refused connections never reached it


def test_a_write_under_the_vendors_idempotency_key_is_sent_again(toy):
    toy.toy_vendor.lost_answers = [503, 502]
    session = toy.session(toy.toy_connection)
    answer = session.post("/api/things", json={"name": "two", "key": "k-1"}, idempotent=True)
    assert answer.json()["thing"]["key"] == "k-1" and len(toy.toy_vendor.things) == 2


def test_once_reads_the_vendor_before_sending_a_lost_write_again(toy):
    toy.toy_vendor.lost_answers = [503]
    result = toy.call("toy.escalate", toy.toy_connection, {"ticket_id": "7", "group": "Tier 2", "note": "why"})
    assert result == {"assigned_to": "Tier 2"}
    assert len(toy.toy_vendor.notes) == 1  # found by its key, not written twice


def test_registering_an_action_that_does_not_say_how_it_stays_one_effect_is_refused():
    from hub.connectors import Connector
    from hub.registry import Registry
    from hub.tools import Tool

    registry = Registry()

    class Acme(Connector):
        name, title, scopes = "acme", "Acme", {"write": "Write"}

    registry._add_connector(Acme(), "acme-plugin")
    with pytest.raises(PluginError, match="acme.post_reply: an action must declare idempotency="):
        registry._add_tool(Tool("acme.post_reply", "acme", "action", "Reply.", scopes=("write",), fn=print),
                           "acme-plugin")
