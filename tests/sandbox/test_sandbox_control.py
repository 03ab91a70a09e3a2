"""The /_sandbox/ control API: faults, token expiry and revocation, reset."""

import time

import pytest
import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from sandbox_toy import create_toy

from hub.sandbox import ControlRequestError


def control(server, method, path, **kwargs):
    return requests.request(method, f"{server.url}/_sandbox{path}", **kwargs)


def test_rate_limit_fault_uses_the_vendor_response_then_clears(connected):
    _, server, session = connected
    assert (
        control(server, "POST", "/faults", json={"rate_limit": 2, "retry_after": 7}).status_code
        == 200
    )
    for _ in range(2):
        answer = session.get(server.url + "/api/v2/tickets")
        assert answer.status_code == 429
        assert answer.headers["Retry-After"] == "7"
        assert answer.text == "Number of allowed API requests per minute exceeded"
    assert session.get(server.url + "/api/v2/tickets").status_code == 200
    assert control(server, "GET", "/faults").json()["injected"] == {
        "rate_limit": 2,
        "server_error": 0,
        "lost_answer": 0,
        "dropped_answer": 0,
    }


def tickets(sandbox):
    return [t["subject"] for t in sandbox.data["tickets"]]


def test_a_lost_answer_fault_does_the_write_then_answers_the_vendors_5xx(connected):
    sandbox, server, session = connected
    control(server, "POST", "/faults", json={"lost_answer": 1, "server_error_status": 502})
    assert session.get(server.url + "/api/v2/tickets").status_code == 200  # reads keep their answers
    answer = session.post(server.url + "/api/v2/tickets", json={"ticket": {"subject": "Lost"}})
    assert answer.status_code == 502 and answer.json()["error"] == "Service unavailable"
    assert tickets(sandbox).count("Lost") == 1  # done, all the same
    assert session.post(server.url + "/api/v2/tickets", json={"ticket": {"subject": "Kept"}}).status_code == 201
    assert control(server, "GET", "/faults").json()["injected"]["lost_answer"] == 1


def test_a_dropped_answer_fault_does_the_write_then_hangs_up(connected):
    sandbox, server, session = connected
    control(server, "POST", "/faults", json={"dropped_answer": 1})
    with pytest.raises(requests.ConnectionError):
        session.post(server.url + "/api/v2/tickets", json={"ticket": {"subject": "Dropped"}})
    assert tickets(sandbox).count("Dropped") == 1
    assert control(server, "GET", "/faults").json()["injected"]["dropped_answer"] == 1


def test_a_refused_write_has_no_answer_to_lose(connected):
    sandbox, server, session = connected
    control(server, "POST", "/faults", json={"lost_answer": 1})
    answer = session.post(server.url + "/api/v2/tickets", json={})  # no "ticket": the vendor fails it
    assert answer.status_code >= 400 and control(server, "GET", "/faults").json()["injected"]["lost_answer"] == 0


def test_lost_answer_percent_repeats_with_its_seed(connected):
    sandbox, server, session = connected

    def lost_in_forty():
        control(server, "POST", "/faults", json={"lost_answer_percent": 20, "seed": 7})
        statuses = [session.post(server.url + "/api/v2/tickets", json={"ticket": {"subject": str(n)}}).status_code
                    for n in range(40)]
        control(server, "DELETE", "/faults")
        return [n for n, status in enumerate(statuses) if status == 503]

    first = lost_in_forty()
    assert 2 <= len(first) <= 16 and lost_in_forty() == first


@pytest.mark.parametrize("setting, value", [("lost_answer_percent", 101), ("dropped_answer", -1), ("seed", "x")])
def test_lost_answer_settings_out_of_range_are_refused(connected, setting, value):
    _, server, _ = connected
    answer = control(server, "POST", "/faults", json={setting: value})
    assert answer.status_code == 400 and setting in answer.json()["error"]


def test_server_error_fault_and_faults_spare_control_and_oauth_routes(connected):
    _, server, session = connected
    control(server, "POST", "/faults", json={"server_error": 1, "server_error_status": 502})
    # Neither the control API nor the token endpoint consume the pending fault.
    assert control(server, "GET", "/").status_code == 200
    session.refresh_token(server.url + "/oauth/tokens")
    answer = session.get(server.url + "/api/v2/tickets")
    assert answer.status_code == 502
    assert answer.json()["error"] == "Service unavailable"
    assert session.get(server.url + "/api/v2/tickets").status_code == 200


def test_latency_is_added_to_each_api_request(connected):
    _, server, session = connected
    control(server, "POST", "/faults", json={"latency_ms": 300})
    for _ in range(2):
        started = time.monotonic()
        assert session.get(server.url + "/api/v2/tickets").status_code == 200
        assert time.monotonic() - started >= 0.3
    control(server, "DELETE", "/faults")
    started = time.monotonic()
    session.get(server.url + "/api/v2/tickets")
    assert time.monotonic() - started < 0.3


@pytest.mark.parametrize(
    "body, message",
    [
        ({"rate_limt": 1}, "unknown fault setting 'rate_limt'"),
        ({"rate_limit": -1}, "rate_limit must be a whole number"),
        (
            {"server_error_status": 404},
            "server_error_status must be a whole number from 500 to 599",
        ),
        ({"latency_ms": "slow"}, "latency_ms must be a whole number"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_bad_fault_settings_are_refused_with_a_clear_message(toy, body, message):
    _, server = toy
    answer = control(server, "POST", "/faults", json=body)
    assert answer.status_code == 400
    assert message in answer.json()["error"]
    assert control(server, "GET", "/faults").json()["rate_limit"] == 0


def test_expire_one_token_then_refresh_works(connected):
    _, server, session = connected
    other = OAuth2Session(token=dict(session.token))  # same token, used elsewhere
    answer = control(
        server, "POST", "/tokens/expire", json={"access_token": session.token["access_token"]}
    )
    assert answer.json() == {"expired": 1}
    stale = session.get(server.url + "/api/v2/tickets")
    assert stale.status_code == 401 and stale.json()["reason"] == "expired"
    assert other.get(server.url + "/api/v2/tickets").status_code == 401
    session.refresh_token(server.url + "/oauth/tokens")
    assert session.get(server.url + "/api/v2/tickets").status_code == 200


def test_expire_all_counts_every_token(connected):
    _, server, session = connected
    assert control(server, "POST", "/tokens/expire").json() == {"expired": 1}
    assert control(server, "POST", "/tokens/expire", json={"access_token": "nope"}).json() == {
        "expired": 0
    }


def test_revoked_tokens_cannot_be_refreshed(connected):
    _, server, session = connected
    assert control(
        server, "POST", "/tokens/revoke", json={"token": session.token["refresh_token"]}
    ).json() == {"revoked": 1}
    denied = session.get(server.url + "/api/v2/tickets")
    assert denied.status_code == 401 and denied.json()["reason"] == "revoked"
    with pytest.raises(OAuthError) as error:
        session.refresh_token(server.url + "/oauth/tokens")
    assert error.value.error == "invalid_grant"


def test_reset_restores_seed_and_optionally_drops_tokens(connected):
    sandbox, server, session = connected
    created = session.post(server.url + "/api/v2/tickets", json={"ticket": {"subject": "new"}})
    assert created.status_code == 201
    control(server, "POST", "/faults", json={"rate_limit": 5})
    seen = []
    sandbox.on_reset(lambda: seen.append("reset"))

    assert control(server, "POST", "/reset").json() == {"reset": True, "tokens_dropped": False}
    tickets = session.get(server.url + "/api/v2/tickets").json()["tickets"]
    assert [t["id"] for t in tickets] == [1, 2]
    assert seen == ["reset"]

    control(server, "POST", "/reset", json={"tokens": True})
    assert session.get(server.url + "/api/v2/tickets").status_code == 401
    assert control(server, "POST", "/reset", json={"tokens": "yes"}).status_code == 400


def test_describe_names_vendor_and_oauth_urls(toy):
    _, server = toy
    info = control(server, "GET", "/").json()
    assert info["vendor"] == "toy"
    assert info["oauth"]["token_url"] == server.url + "/oauth/tokens"
    clients = {client["client_id"]: client for client in info["oauth"]["clients"]}
    assert sorted(clients) == ["hub-confidential", "hub-public", "hub-service"]
    assert clients["hub-confidential"]["client_secret"] == "confidential-secret"
    assert clients["hub-public"]["client_secret"] is None
    assert info["oauth"]["user"]["username"] == "ada.admin"
    assert info["webhooks"] is None


def test_malformed_control_bodies_are_400(toy):
    _, server = toy
    assert control(server, "POST", "/tokens/revoke", data="{not json").status_code == 400
    assert control(server, "POST", "/tokens/expire", json={"access_token": 5}).status_code == 400
    assert (
        control(server, "POST", "/webhooks", json={"url": "not a url"}).json()["error"]
        == "'url' must be an absolute http(s) URL"
    )
    assert control(server, "POST", "/events", json={"body": {}}).status_code == 400  # no target yet


def test_vendor_control_routes_are_exempt_from_faults_and_share_error_handling(serve):
    sandbox = create_toy()

    @sandbox.control_route("/state/<kind>/<int:ticket_id>")
    def state(kind, ticket_id):
        if kind != "ticket":
            raise ControlRequestError(f"the toy keeps tickets, not {kind!r}")
        return {"ticket": sandbox.data["tickets"][ticket_id - 1]}

    server = serve(sandbox)
    control(server, "POST", "/faults", json={"rate_limit": 1, "server_error": 1})
    assert control(server, "GET", "/state/ticket/2").json() == {
        "ticket": {"id": 2, "subject": "Refund please", "status": "pending"}
    }
    answer = control(server, "GET", "/state/order/2")
    assert answer.status_code == 400
    assert answer.json() == {"error": "the toy keeps tickets, not 'order'"}
    assert control(server, "GET", "/faults").json()["rate_limit"] == 1  # nothing consumed
