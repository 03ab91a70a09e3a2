"""Outbound Shopify webhooks: REST-resource JSON bodies, Shopify's headers and signature.

Webhook payloads are the legacy REST shapes (snake_case, numeric ids, prices as strings),
not GraphQL: that is what Shopify sends for JSON subscriptions.
"""

import base64
import hashlib
import hmac
import uuid
from datetime import datetime, timezone

from .graph import gid

def topic_enum(topic):
    """The GraphQL WebhookSubscriptionTopic ("ORDERS_UPDATED") of a header topic ("orders/updated")."""
    return topic.replace("/", "_").upper()


def sign(body, secret):
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode()}


def headers(shop, topic, api_version, triggered_at=None):
    """The fixed headers of one event (the signature is added per attempt by ``sign``)."""
    triggered_at = triggered_at or datetime.now(timezone.utc)
    return {
        "X-Shopify-Topic": topic,
        "X-Shopify-Event-Id": str(uuid.uuid4()),
        "X-Shopify-Webhook-Id": str(uuid.uuid4()),
        "X-Shopify-Triggered-At": triggered_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "X-Shopify-Shop-Domain": shop.info["domain"],
        "X-Shopify-API-Version": api_version,
    }


def payload(shop, subject):
    """The body for ``subject``: ("order", order), ("refund", order, refund) or ("return", order, ret)."""
    kind = subject[0]
    if kind == "order":
        return rest_order(shop, subject[1])
    if kind == "refund":
        return rest_refund(shop, subject[1], subject[2])
    return rest_return(shop, subject[1], subject[2])


FINANCIAL = {"PAID": "paid", "PARTIALLY_REFUNDED": "partially_refunded", "REFUNDED": "refunded",
             "AUTHORIZED": "authorized", "PENDING": "pending", "VOIDED": "voided"}
FULFILLMENT = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}


def rest_order(shop, order):
    customer = shop.customers.get(order["customer_id"]) or {}
    address = order["shipping_address"] or {}
    return {
        "id": order["id"],
        "admin_graphql_api_id": gid("Order", order["id"]),
        "name": order["name"],
        "order_number": order["number"],
        "email": order["email"],
        "created_at": order["created_at"],
        "updated_at": order["updated_at"],
        "cancelled_at": order["cancelled_at"],
        "cancel_reason": (order["cancel_reason"] or "").lower() or None,
        "closed_at": order["closed_at"],
        "currency": shop.info["currency"],
        "presentment_currency": order["currency"],
        "subtotal_price": str(shop.subtotal(order)),
        "total_price": str(shop.total(order)),
        "financial_status": FINANCIAL.get(shop.financial_status(order)),
        "fulfillment_status": FULFILLMENT.get(shop.fulfillment_status(order)),
        "customer": {"id": customer.get("id"), "email": customer.get("email"),
                     "first_name": customer.get("first_name"), "last_name": customer.get("last_name")},
        "shipping_address": {key: address.get(key) for key in (
            "first_name", "last_name", "address1", "address2", "city", "province_code", "zip", "country_code",
            "phone")},
        "line_items": [{
            "id": line["id"], "title": line["title"], "sku": line["sku"], "quantity": line["quantity"],
            "price": line["price"], "fulfillable_quantity": shop.unfulfilled_quantity(order, line),
        } for line in order["line_items"]],
        "fulfillments": [{
            "id": f["id"], "status": f["status"].lower(), "shipment_status": (f["display_status"] or "").lower(),
            "tracking_company": (f["tracking"] or [{}])[0].get("company"),
            "tracking_number": (f["tracking"] or [{}])[0].get("number"),
            "tracking_url": (f["tracking"] or [{}])[0].get("url"),
        } for f in order["fulfillments"]],
        "refunds": [{"id": r["id"], "created_at": r["created_at"], "note": r["note"]} for r in order["refunds"]],
    }


def rest_refund(shop, order, refund):
    return {
        "id": refund["id"],
        "admin_graphql_api_id": gid("Refund", refund["id"]),
        "order_id": order["id"],
        "created_at": refund["created_at"],
        "note": refund["note"],
        "refund_line_items": [{"line_item_id": item["line_item_id"], "quantity": item["quantity"],
                               "restock_type": item["restock_type"].lower()} for item in refund["line_items"]],
        "transactions": [{
            "id": t["id"], "order_id": order["id"], "kind": "refund", "gateway": t["gateway"],
            "status": t["status"].lower(), "amount": t["amount"], "currency": order["currency"],
            "parent_id": t["parent_id"],
        } for t in order["transactions"] if t["id"] in refund["transaction_ids"]],
    }


def rest_return(shop, order, ret):
    return {
        "id": ret["id"],
        "admin_graphql_api_id": gid("Return", ret["id"]),
        "name": ret["name"],
        "status": ret["status"].lower(),
        "order": {"id": order["id"], "admin_graphql_api_id": gid("Order", order["id"])},
        "total_return_line_items": sum(item["quantity"] for item in ret["line_items"]),
        "return_line_items": [{
            "id": item["id"], "admin_graphql_api_id": gid("ReturnLineItem", item["id"]),
            "fulfillment_line_item": {"id": item["fulfillment_line_item_id"],
                                      "line_item": {"id": item["line_item_id"]}},
            "quantity": item["quantity"], "return_reason_note": item["return_reason_note"],
            "customer_note": item["customer_note"],
        } for item in ret["line_items"]],
    }
