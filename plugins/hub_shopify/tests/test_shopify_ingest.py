"""Webhook verification and normalisation, on deliveries the sandbox builds and signs."""

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest
import requests
from werkzeug.datastructures import Headers

from hub.errors import WebhookRejected
from hub.ingest import InboundRequest
from hub.models import Connection
from hub_shopify import ingest

from shopify_support import CLIENT_SECRET

PRODUCTION = Connection(id="c1", connector="shopify", instance="northwind-outfitters", api_base_url="x")
SANDBOX = Connection(id="c2", connector="shopify", instance="127.0.0.1:9", api_base_url="x")


@pytest.fixture
def sample(shop):
    """``sample(kind, ticket_id=None, age_seconds=0) -> (body bytes, headers)`` from the sandbox."""
    sandbox, server = shop
    requests.post(f"{server.url}/_sandbox/webhooks", json={"url": "http://127.0.0.1:9/hooks", "secret": CLIENT_SECRET})

    def build(kind="orders/updated", ticket_id=None, age_seconds=0):
        request = {"kind": kind, "age_seconds": age_seconds}
        if ticket_id is not None:
            request["ticket_id"] = ticket_id
        answer = requests.post(f"{server.url}/_sandbox/webhooks/sample", json=request)
        assert answer.status_code == 200, answer.text
        return answer.json()["body"].encode(), answer.json()["headers"]

    return build


def deliver(body, headers, connection=PRODUCTION, secret=CLIENT_SECRET):
    return ingest.events(connection, InboundRequest(body=body, headers=Headers(headers)), secret)


def signed(body):
    return base64.b64encode(hmac.new(CLIENT_SECRET.encode(), body, hashlib.sha256).digest()).decode()


def test_order_event_is_normalised_without_a_ticket(sample):
    body, headers = sample("orders/updated", ticket_id="1014")
    [event] = deliver(body, headers)
    assert event.kind == "order.updated" and event.ticket is None and event.comment is None
    assert event.event_id == "body-sha256:" + hashlib.sha256(body).hexdigest()
    assert event.raw["shopify_event_id"] == headers["X-Shopify-Event-Id"]
    assert event.raw["order_id"] == "gid://shopify/Order/5600000001014"
    assert event.raw["payload"]["name"] == "#1014"
    assert event.raw["shop"] == "northwind-outfitters.myshopify.com"
    assert event.occurred_at is not None


def test_refund_and_return_topics_name_their_order(sample):
    [refund] = deliver(*sample("refunds/create", ticket_id="1035"))
    assert refund.kind == "refund.created" and refund.raw["order_id"] == "gid://shopify/Order/5600000001035"
    [requested] = deliver(*sample("returns/request", ticket_id="1037"))
    assert requested.kind == "return.requested" and requested.raw["order_id"] == "gid://shopify/Order/5600000001037"


def test_a_redelivery_carries_the_same_event_id(sample):
    body, headers = sample()
    assert [e.event_id for e in deliver(body, headers)] == [e.event_id for e in deliver(body, headers)]


def test_tampered_body_is_rejected(sample):
    body, headers = sample()
    document = json.loads(body)
    document["total_price"] = "0.00"
    with pytest.raises(WebhookRejected) as caught:
        deliver(json.dumps(document).encode(), headers)
    assert caught.value.status == 401


def test_unsigned_and_wrongly_signed_are_rejected(sample):
    body, headers = sample()
    unsigned = {k: v for k, v in headers.items() if k != "X-Shopify-Hmac-Sha256"}
    for attempt in (lambda: deliver(body, unsigned), lambda: deliver(body, headers, secret="another-app")):
        with pytest.raises(WebhookRejected) as caught:
            attempt()
        assert caught.value.status == 401


def test_without_a_stored_secret_nothing_is_accepted(sample):
    body, headers = sample()
    with pytest.raises(WebhookRejected, match="reconnect"):
        deliver(body, headers, secret=None)


def test_malformed_bodies_are_400(sample):
    _, headers = sample()
    for body in (b'{"id": 5600000001014, "name"', b"[1, 2]"):
        with pytest.raises(WebhookRejected) as caught:
            deliver(body, dict(headers, **{"X-Shopify-Hmac-Sha256": signed(body)}))
        assert caught.value.status == 400 and caught.value.reason


def test_a_replay_under_new_unsigned_ids_is_the_same_event(sample):
    # Issue #13 item 9: the headers are not signed, so a captured body re-sent with a fresh
    # X-Shopify-Event-Id (or none at all) must still be recognised as the delivery it is.
    body, headers = sample()
    [original] = deliver(body, headers)
    replayed = dict(headers, **{"X-Shopify-Event-Id": "a-brand-new-id", "X-Shopify-Webhook-Id": "another"})
    without_ids = {k: v for k, v in headers.items() if k not in ("X-Shopify-Event-Id", "X-Shopify-Webhook-Id")}
    assert [e.event_id for e in deliver(body, replayed)] == [original.event_id]
    assert [e.event_id for e in deliver(body, without_ids)] == [original.event_id]


def test_a_different_signed_body_is_a_different_event(sample):
    first, headers = sample(ticket_id="1014")
    second, _ = sample(ticket_id="1035")
    [a] = deliver(first, headers)
    [b] = deliver(second, dict(headers, **{"X-Shopify-Hmac-Sha256": signed(second)}))
    assert a.event_id != b.event_id


def test_missing_topic_is_400(sample):
    body, headers = sample()
    with pytest.raises(WebhookRejected, match="X-Shopify-Topic") as caught:
        deliver(body, {k: v for k, v in headers.items() if k != "X-Shopify-Topic"})
    assert caught.value.status == 400


def test_another_shops_delivery_is_rejected(sample):
    body, headers = sample()
    forged = dict(headers, **{"X-Shopify-Shop-Domain": "someone-else.myshopify.com"})
    with pytest.raises(WebhookRejected, match="someone-else") as caught:
        deliver(body, forged)
    assert caught.value.status == 401
    # A sandbox connection has no shop name to compare with.
    assert deliver(body, forged, connection=SANDBOX)


def test_triggered_at_bounds_only_what_retries_cannot_explain(sample):
    body, headers = sample(age_seconds=3 * 3600)  # a retry three hours later: genuine
    assert deliver(body, headers)
    body, headers = sample(age_seconds=6 * 3600)  # beyond Shopify's 4-hour retry window
    with pytest.raises(WebhookRejected, match="retry window") as caught:
        deliver(body, headers)
    assert caught.value.status == 401
    future = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
    with pytest.raises(WebhookRejected):
        deliver(body, dict(headers, **{"X-Shopify-Triggered-At": future}))
    with pytest.raises(WebhookRejected) as caught:
        deliver(body, dict(headers, **{"X-Shopify-Triggered-At": "yesterday"}))
    assert caught.value.status == 400


def test_sample_refuses_what_it_cannot_build(sample, shop):
    _, server = shop
    for request, reason in (({"kind": "tickets/exploded"}, "unknown kind"),
                            ({"kind": "refunds/create", "ticket_id": "1001"}, "no refund"),
                            ({"ticket_id": "424242"}, "no order"),
                            ({"age_seconds": -1}, "age_seconds")):
        answer = requests.post(f"{server.url}/_sandbox/webhooks/sample", json=request)
        assert answer.status_code == 400 and reason in answer.json()["error"]
