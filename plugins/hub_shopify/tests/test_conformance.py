"""The shared connector conformance suite (hub.testing), run against the Shopify sandbox."""

from hub.testing import ConnectorConformance

# Shopify's token response names write_X but not the read_X it implies, and the hub's guard
# compares tool scopes with that list: the core must ask ShopifyConnector.granted_scopes to
# expand it. Until it does, HUB_SANDBOX_OPTIONS has the sandbox list every scope so the rest of
# the contract is checked; the faithful answer is tested in test_shopify_connector.py either way.
from shopify_support import HUB_SANDBOX_OPTIONS


class TestConformance(ConnectorConformance):
    connector_name = "shopify"
    production_instance = "northwind-outfitters.myshopify.com"
    sandbox_options = HUB_SANDBOX_OPTIONS
    tool_examples = {
        "shopify.find_order": {"name": "#1014"},
        "shopify.get_order": {"order_id": "#1011"},
        "shopify.find_customer": {"email": "ada@example.com"},
        "shopify.list_orders": {"page_size": 50},
        "shopify.refund": {"order_id": "#1025", "amount": "10.00", "note": "Conformance goodwill refund"},
        "shopify.create_return": {"order_id": "#1026", "line_items": [{"line_item_id": "1000123", "quantity": 1}]},
        "shopify.request_return": {"order_id": "#1027", "line_items": [{"line_item_id": "1000129", "quantity": 1}],
                                   "note": "Wrong size"},
        "shopify.cancel_order": {"order_id": "#1002", "reason": "CUSTOMER"},
        "shopify.update_shipping_address": {"order_id": "#1003", "address": {
            "address1": "12 Harbour Road", "city": "Portland", "province_code": "OR", "zip": "97209",
            "country_code": "US"}},
        "shopify.update_customer": {"customer_id": "7002", "changes": {"phone": "+15125550042"}},
        "shopify.set_email_marketing": {"customer_id": "7002", "subscribed": True},
    }
    pagination = ("shopify.list_orders", {"page_size": 5}, "orders", 127)
    ticket_for_escalation = None
    skip = {
        "escalate_leaves_internal_note_and_assignment":
            "Shopify has no tickets, groups or internal notes: escalations go to the helpdesk connector "
            "(the escalate hook answers None and the connector declares no escalate_scopes).",
        "webhook_accepted_and_normalised":
            "it asks for a ticket.created event; Shopify has no tickets, so a signed sample normalises to "
            "order.updated with ticket=None (test_shopify_ingest.py checks acceptance, kinds and redelivery ids; "
            "webhook_fire_delivered proves the sandbox's own deliveries are accepted).",
        "webhook_comment_normalised": "Shopify has no tickets and so no comments: its events are order events.",
        "webhook_stale_rejected":
            "Shopify's HMAC covers only the body; X-Shopify-Triggered-At is unsigned, so a stale delivery "
            "cannot be told from a genuine retry (Shopify retries for 4 hours with the original time). "
            "Replays are caught instead by de-duplicating on the signed body's digest (never on the unsigned "
            "X-Shopify-Event-Id).",
    }
