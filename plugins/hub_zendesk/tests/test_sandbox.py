"""The sandbox's Zendesk behaviour that neither zenpy nor the tools exercise on their own:
pagination edges, error bodies, webhook registration and signed delivery, rate limits, seed."""

import base64
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest
import yaml
from hub.sandbox import Token

from hub_zendesk.sandbox import create_sandbox


def test_cursor_links_point_at_the_sandbox_and_cover_every_ticket(api, harness):
    ids, url, pages = [], "/api/v2/tickets?page[size]=6", 0
    while url:
        page = api("GET", url).json()
        ids += [t["id"] for t in page["tickets"]]
        url = page["links"]["next"] if page["meta"]["has_more"] else None
        pages += 1
        assert url is None or url.startswith(harness.server.url + "/api/v2/tickets?")
    assert (ids, pages) == (list(range(101, 116)), 3)


def test_previous_link_walks_back(api):
    first = api("GET", "/api/v2/tickets?page[size]=5").json()
    second = api("GET", first["links"]["next"]).json()
    back = api("GET", second["links"]["prev"]).json()
    assert [t["id"] for t in back["tickets"]] == [t["id"] for t in first["tickets"]]


def test_offset_pagination_without_page_size(api, harness):
    page = api("GET", "/api/v2/tickets.json?per_page=10").json()
    assert (len(page["tickets"]), page["count"], page["previous_page"]) == (10, 15, None)
    assert page["next_page"] == f"{harness.server.url}/api/v2/tickets.json?page=2&per_page=10"
    assert len(api("GET", page["next_page"]).json()["tickets"]) == 5


@pytest.mark.parametrize("query, message", [
    ("page[size]=101", "page[size] must be from 1 to 100"),
    ("page[size]=2&page[after]=not-a-cursor", "page[after] is not a cursor"),
    ("page=101&per_page=100", "Offset pagination is limited"),
])
def test_bad_paging_is_400(api, query, message):
    answer = api("GET", f"/api/v2/tickets?{query}")
    assert answer.status_code == 400
    assert answer.json()["error"] == "InvalidPaginationParameter" and message in answer.json()["description"]


def test_error_bodies(api, harness):
    assert api("GET", "/api/v2/tickets", token_value="wrong").json() == {"error": "Couldn't authenticate you"}
    assert api("GET", "/api/v2/nothing-here").json() == {"error": "InvalidEndpoint", "description": "Not found"}
    bad = api("PUT", "/api/v2/tickets/101", json={"ticket": {"comment": {"body": "  "}}})
    assert bad.status_code == 422
    assert bad.json()["details"] == {"comment": [{"description": "Comment: body cannot be blank", "error": "BlankValue"}]}
    assert api("PUT", "/api/v2/tickets/101", data="{oops", headers={"Content-Type": "application/json"}).status_code == 400
    unknown_group = api("PUT", "/api/v2/tickets/101", json={"ticket": {"group_id": 1, "status": "solved"}})
    assert unknown_group.status_code == 422
    # A refused update changes nothing.
    assert harness.vendor_state("ticket", "101")["status"] == "open"


def test_rate_limit_headers(api):
    first = api("GET", "/api/v2/groups")
    second = api("GET", "/api/v2/groups")
    assert first.headers["X-Rate-Limit"] == "700"
    assert int(second.headers["X-Rate-Limit-Remaining"]) < int(first.headers["X-Rate-Limit-Remaining"])


def test_enforced_plan_limit_answers_429_with_retry_after():
    sandbox = create_sandbox(requests_per_minute=2, enforce_rate_limit=True)
    client = sandbox.app.test_client()
    token = _token(sandbox)
    answers = [client.get("/api/v2/groups", headers={"Authorization": f"Bearer {token}"}) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert 1 <= int(answers[2].headers["Retry-After"]) <= 60
    assert answers[2].get_data(as_text=True) == "Number of allowed API requests per minute exceeded"


def _token(sandbox):
    """An access token minted in the sandbox's own store (these tests are not about OAuth)."""
    now = time.time()
    token = Token(access_token="t0k3n", refresh_token=None, client_id="hub-zendesk", user=sandbox.oauth.user,
                  scope="read write", issued_at=now, access_expires_at=now + 60, refresh_expires_at=None)
    sandbox.oauth.store.add_token(token)
    return token.access_token


class Receiver(http.server.BaseHTTPRequestHandler):
    received = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook"
    server.shutdown()
    server.server_close()


def test_registered_webhook_delivers_subscribed_events_signed_with_its_secret(fresh, api, receiver):
    created = api("POST", "/api/v2/webhooks", json={"webhook": {
        "name": "test", "endpoint": receiver, "http_method": "POST", "request_format": "json",
        "status": "active", "subscriptions": ["zen:event-type:ticket.status_changed"]}})
    assert created.status_code == 201
    hook = created.json()["webhook"]
    assert "secret" not in hook
    secret = api("GET", f"/api/v2/webhooks/{hook['id']}/signing_secret").json()["signing_secret"]
    assert secret["algorithm"] == "SHA256"

    # A comment (not subscribed) and a status change (subscribed) in one update.
    api("PUT", "/api/v2/tickets/113", json={"ticket": {"status": "solved", "comment": {"body": "Applied."}}})
    assert fresh.sandbox.webhooks.wait_until_idle(timeout=10)
    [(headers, body)] = Receiver.received
    timestamp = headers["X-Zendesk-Webhook-Signature-Timestamp"]
    expected = base64.b64encode(hmac.new(secret["secret"].encode(), timestamp.encode() + body, hashlib.sha256).digest())
    assert headers["X-Zendesk-Webhook-Signature"] == expected.decode()
    assert headers["X-Zendesk-Webhook-Id"] == hook["id"]
    event = json.loads(body)
    assert event["type"] == "zen:event-type:ticket.status_changed"
    assert event["event"] == {"current": "SOLVED", "previous": "PENDING"}
    assert event["detail"]["id"] == "113" and event["detail"]["requester_id"] == "372000001003"

    assert api("DELETE", f"/api/v2/webhooks/{hook['id']}").status_code == 204
    assert fresh.control("GET", "webhooks") is None


def test_webhook_validation(api):
    answer = api("POST", "/api/v2/webhooks", json={"webhook": {
        "name": "x", "endpoint": "not a url", "subscriptions": ["zen:event-type:ticket.created"]}})
    assert answer.status_code == 422 and "endpoint" in answer.json()["details"]


def test_sample_backdates_and_state_shows_internal_notes(fresh, connection):
    fresh.point_webhooks_at(connection)
    body, headers = fresh.sample_webhook("comment.added", "105", age_seconds=900)
    assert b'"zen:event-type:ticket.comment_added"' in body
    assert headers["X-Zendesk-Webhook-Signature-Timestamp"] < fresh.sample_webhook()[1]["X-Zendesk-Webhook-Signature-Timestamp"]
    state = fresh.vendor_state("ticket", "105")
    assert [c["internal"] for c in state["comments"]] == [False, True]
    assert fresh.http.get(f"{fresh.server.url}/_sandbox/state/order/1").status_code == 400


def test_control_routes_are_exempt_from_faults(fresh):
    fresh.faults(server_error=1)
    assert fresh.vendor_state("ticket", "101")["id"] == 101
    assert fresh.control("GET", "faults")["server_error"] == 1
    fresh.clear_faults()


def test_seed_covers_the_helpdesk():
    seed = create_sandbox().data
    assert len(seed["tickets"]) == 15
    assert {t["status"] for t in seed["tickets"]} == {"new", "open", "pending", "hold", "solved", "closed"}
    assert {g["name"] for g in seed["groups"]} >= {"Tier 2", "Billing", "IT Service Desk"}
    assert len(seed["articles"]) >= 8
    requesters = {t["requester_id"] for t in seed["tickets"]}
    assert requesters <= {u["id"] for u in seed["users"] if u["role"] == "end-user"}
    assert seed["oauth"]["user"]["id"] in {u["id"] for u in seed["users"] if u["role"] == "admin"}


def test_hub_sandbox_finds_the_zendesk_sandbox():
    from hub.sandbox import discover

    factory = discover()["zendesk"]
    assert factory().spec.name == "zendesk"


@pytest.mark.parametrize("change, message", [
    (lambda seed: seed["tickets"][0].update(status="waiting"), "tickets.0.status"),
    (lambda seed: seed["tickets"][0].update(requester_id=1), "requester_id 1 is not a seeded user"),
    (lambda seed: seed["tickets"][1].update(assignee_id=372000001001), "is not a seeded agent"),
    (lambda seed: seed["articles"][0].pop("title"), "articles.0.title"),
])
def test_a_bad_seed_names_what_is_wrong(tmp_path, change, message):
    from importlib.resources import files

    from hub.sandbox import SeedError

    seed = yaml.safe_load((files("hub_zendesk.sandbox") / "seed.yaml").read_text())
    change(seed)
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(seed))
    with pytest.raises(SeedError, match=message.replace(".", r"[.\[\]]*")):
        create_sandbox(seed=path)
