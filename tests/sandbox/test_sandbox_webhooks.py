"""Outbound webhooks to a real local HTTP receiver: signing, retries, order, giving up."""

import base64
import hashlib
import hmac
import json
import socket
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sandbox_toy import TOY, create_toy

SECRET = "hub-webhook-secret"


class Receiver:
    """A plain http.server that answers with scripted statuses and records what it got."""

    def __init__(self, statuses=(), delay=0.0):
        self.statuses = list(statuses)  # consumed one per request; then 200
        self.delay = delay
        self.received = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                time.sleep(receiver.delay)
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/toy/c1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(*args, **kwargs):
        made.append(Receiver(*args, **kwargs))
        return made[-1]

    yield make
    for r in made:
        r.close()


def hub_verifies(headers, body):
    """What the hub's Zendesk-style check does with the toy vendor's signature."""
    timestamp = headers["X-Toy-Signature-Timestamp"]
    expected = hmac.new(SECRET.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return hmac.compare_digest(base64.b64encode(expected).decode(), headers["X-Toy-Signature"])


def configure(server, url):
    answer = requests.post(server.url + "/_sandbox/webhooks", json={"url": url, "secret": SECRET})
    assert answer.json() == {"url": url, "secret_set": True}


def test_signed_delivery_retried_until_accepted(toy, receiver):
    sandbox, server = toy
    hub = receiver(statuses=[500, 503])
    configure(server, hub.url)
    requests.post(
        server.url + "/_sandbox/events",
        json={"body": {"type": "ticket.created", "id": 1}, "headers": {"X-Toy-Event-Id": "ev-1"}},
    )
    assert sandbox.webhooks.wait_until_idle(5)

    assert len(hub.received) == 3
    for headers, body in hub.received:
        assert hub_verifies(headers, body)
        assert headers["X-Toy-Event-Id"] == "ev-1"
        assert headers["Content-Type"] == "application/json"
        assert json.loads(body) == {"type": "ticket.created", "id": 1}
    [delivery] = requests.get(server.url + "/_sandbox/deliveries").json()
    assert delivery["status"] == "delivered"
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 200]
    assert delivery["body"] == {"type": "ticket.created", "id": 1}


def test_a_forged_secret_would_not_verify(toy, receiver):
    sandbox, server = toy
    hub = receiver()
    requests.post(
        server.url + "/_sandbox/webhooks", json={"url": hub.url, "secret": "someone-else"}
    )
    sandbox.emit({"type": "ticket.created"})
    assert sandbox.webhooks.wait_until_idle(5)
    [(headers, body)] = hub.received
    assert not hub_verifies(headers, body)


def test_gives_up_after_the_last_retry(toy, receiver):
    sandbox, server = toy
    hub = receiver(statuses=[500] * 10)
    configure(server, hub.url)
    sandbox.emit({"n": 1})
    assert sandbox.webhooks.wait_until_idle(5)
    [delivery] = requests.get(server.url + "/_sandbox/deliveries").json()
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 1 + len(TOY.webhook_retry_delays)


def test_vendor_may_refuse_to_retry_some_statuses(serve, receiver):
    spec = replace(TOY, webhook_should_retry=lambda status: status is None or status >= 500)
    sandbox = create_toy(spec)
    server = serve(sandbox)
    hub = receiver(statuses=[410])
    configure(server, hub.url)
    sandbox.emit({"n": 1})
    assert sandbox.webhooks.wait_until_idle(5)
    [delivery] = sandbox.webhooks.deliveries()
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 1


def test_unreachable_target_is_recorded_as_connection_errors(toy):
    sandbox, server = toy
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    configure(server, f"http://127.0.0.1:{port}/hooks")
    sandbox.emit({"n": 1})
    assert sandbox.webhooks.wait_until_idle(5)
    [delivery] = sandbox.webhooks.deliveries()
    assert delivery["status"] == "failed"
    assert all(
        a["status_code"] is None and "ConnectionError" in a["error"] for a in delivery["attempts"]
    )


def test_events_arrive_in_order_even_when_one_is_retried(toy, receiver):
    sandbox, server = toy
    hub = receiver(statuses=[500])  # the first event fails once
    configure(server, hub.url)
    for n in range(1, 5):
        sandbox.emit({"n": n})
    assert sandbox.webhooks.wait_until_idle(5)
    assert [json.loads(body)["n"] for _, body in hub.received] == [1, 1, 2, 3, 4]


def test_api_requests_do_not_wait_for_delivery(connected, receiver):
    sandbox, server, session = connected
    hub = receiver(delay=1.0)
    configure(server, hub.url)
    started = time.monotonic()
    answer = session.post(server.url + "/api/v2/tickets", json={"ticket": {"subject": "slow hub"}})
    assert answer.status_code == 201
    assert time.monotonic() - started < 0.5
    assert sandbox.webhooks.wait_until_idle(5)
    [(sent_headers, body)] = hub.received
    assert json.loads(body)["detail"]["subject"] == "slow hub"
    assert sent_headers["X-Toy-Event-Id"] == "3"


def test_no_target_means_nothing_is_sent(toy, receiver):
    sandbox, server = toy
    assert sandbox.emit({"n": 1}) is None
    hub = receiver()
    configure(server, hub.url)
    assert requests.delete(server.url + "/_sandbox/webhooks").status_code == 200
    assert sandbox.emit({"n": 2}) is None
    assert requests.get(server.url + "/_sandbox/deliveries").json() == []


def test_a_failing_signer_is_recorded_not_fatal(serve, receiver):
    def broken_sign(body, secret):
        raise KeyError("no such header")

    sandbox = create_toy(replace(TOY, sign_webhook=broken_sign, webhook_retry_delays=()))
    server = serve(sandbox)
    configure(server, receiver().url)
    sandbox.emit({"n": 1})
    assert sandbox.webhooks.wait_until_idle(5)
    [delivery] = sandbox.webhooks.deliveries()
    assert delivery["status"] == "failed"
    assert delivery["attempts"][0]["error"].startswith("signing failed: KeyError")


def test_stop_interrupts_a_backoff_and_a_later_emit_resumes(serve, receiver):
    sandbox = create_toy(replace(TOY, webhook_retry_delays=(30,)))
    server = serve(sandbox)
    hub = receiver(statuses=[500])
    configure(server, hub.url)
    sandbox.emit({"n": 1})
    deadline = time.monotonic() + 5
    while not sandbox.webhooks.deliveries()[0]["attempts"] and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    sandbox.webhooks.stop()
    assert time.monotonic() - started < 1  # did not sit out the 30 s backoff
    assert sandbox.webhooks.deliveries()[0]["status"] == "pending"
    sandbox.emit({"n": 2})
    assert sandbox.webhooks.wait_until_idle(5)
    assert sandbox.webhooks.deliveries()[1]["status"] == "delivered"
