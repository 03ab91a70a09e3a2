"""Shopify webhook deliveries: verified against the raw body, normalised into order events.

Shopify signs only the body (``X-Shopify-Hmac-Sha256`` = base64 HMAC-SHA256 with the app's
client secret). No header is signed, so nothing taken from one can tell a replay from a new
delivery: a captured body re-sent with a fresh ``X-Shopify-Event-Id`` would pass for a new
event. The de-duplication key is therefore the digest of the signed body itself — Shopify's
retries re-send the same body, and a replay under any headers is the same body — and the
headers' ids are kept in ``raw`` for reference. ``X-Shopify-Triggered-At`` (unsigned) only
bounds how old a delivery may plausibly be. Shopify has no tickets, so every event here
carries ``ticket=None``.
"""

import hashlib
from datetime import datetime, timedelta, timezone

from hub import payloads
from hub.errors import WebhookRejected
from hub.ingest import Event
from hub.signatures import hmac_sha256_base64, parse_timestamp, require_signature

from .connector import MYSHOPIFY_SUFFIX

SIGNATURE = "X-Shopify-Hmac-Sha256"

#: Shopify retries a failed delivery 8 times over 4 hours, re-sending the original
#: Triggered-At: anything older than this (plus an hour's slack) cannot be a genuine delivery.
RETRY_WINDOW = timedelta(hours=5)

#: Topic header -> the hub's event kind. Other topics become "shopify.<resource>.<verb>".
KINDS = {
    "orders/create": "order.created",
    "orders/updated": "order.updated",
    "orders/paid": "order.paid",
    "orders/fulfilled": "order.fulfilled",
    "orders/cancelled": "order.cancelled",
    "fulfillments/create": "fulfillment.created",
    "fulfillments/update": "fulfillment.updated",
    "refunds/create": "refund.created",
    "returns/request": "return.requested",
    "returns/approve": "return.approved",
    "returns/decline": "return.declined",
    "returns/cancel": "return.cancelled",
    "returns/close": "return.closed",
    "returns/reopen": "return.reopened",
    "app/uninstalled": "app.uninstalled",
}


def events(connection, request, secret, now=None):
    """Return the delivery as one ``Event``, or raise ``WebhookRejected`` (401 / 400)."""
    if not secret:
        raise WebhookRejected("no signing secret is stored for this connection: reconnect it")
    require_signature(request.header(SIGNATURE), hmac_sha256_base64(secret, request.body), SIGNATURE)
    # The app's client secret signs every shop's deliveries, so a valid signature alone does
    # not say the event is this connection's shop.
    shop = (request.header("X-Shopify-Shop-Domain") or "").strip().lower()
    instance = getattr(connection, "instance", "") or ""
    if ":" not in instance and shop != f"{instance}{MYSHOPIFY_SUFFIX}":
        raise WebhookRejected(f"delivery is for shop {shop or '(none)'}, not {instance}{MYSHOPIFY_SUFFIX}")
    triggered = _triggered_at(request.header("X-Shopify-Triggered-At"), now or datetime.now(timezone.utc))

    topic = (request.header("X-Shopify-Topic") or "").strip()
    if not topic:
        raise WebhookRejected("missing X-Shopify-Topic header", status=400)
    payload = payloads.json_object(request.body)
    kind = KINDS.get(topic) or "shopify." + topic.replace("/", ".")
    raw = {
        "topic": topic,
        "shop": shop,
        "api_version": request.header("X-Shopify-API-Version"),
        "webhook_id": request.header("X-Shopify-Webhook-Id"),
        "shopify_event_id": request.header("X-Shopify-Event-Id"),  # unsigned: for reference only
        "order_id": _order_gid(topic, payload),
        "payload": payload,
    }
    return [Event(event_id=signed_content_id(request.body), kind=kind, ticket=None, occurred_at=triggered, raw=raw)]


def signed_content_id(body):
    """The de-duplication key: what the signature covers, never an unsigned header."""
    return "body-sha256:" + hashlib.sha256(body).hexdigest()


def _triggered_at(value, now):
    if not value:
        return None
    when = parse_timestamp(value)
    if when is None:
        raise WebhookRejected("X-Shopify-Triggered-At is not a timestamp", status=400)
    if now - when > RETRY_WINDOW or when - now > timedelta(minutes=5):
        raise WebhookRejected(
            f"X-Shopify-Triggered-At {value[:40]} is outside Shopify's retry window: replay refused")
    return when


def _order_gid(topic, payload):
    """The order an event is about, as a GID (REST payloads carry numeric ids)."""
    if topic.startswith("orders/"):
        number = payload.get("id")
    else:  # refunds carry order_id; returns an order object
        number = payload.get("order_id") or payloads.mapping(payload, "order", "the payload").get("id")
    return f"gid://shopify/Order/{number}" if isinstance(number, int) and not isinstance(number, bool) else None
