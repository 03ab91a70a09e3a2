"""The Shopify tools through the hub (guard, audit, VendorSession) against the sandbox, with
their effects checked in the sandbox's own state."""

from decimal import Decimal

import pytest

from hub.errors import ConnectorError, NotFound, ToolRefused


def order_state(harness, name):
    return harness.vendor_state("order", name)


def test_find_order_by_name_and_by_email(hub_shop):
    harness, connection = hub_shop
    by_name = harness.call("shopify.find_order", connection, {"name": "1014"})["orders"]
    assert [o["name"] for o in by_name] == ["#1014"]
    assert by_name[0]["fulfillment_status"] == "FULFILLED"
    assert by_name[0]["total"]["currency"] == "CAD"
    by_email = harness.call("shopify.find_order", connection, {"email": "ada@example.com"})["orders"]
    assert [o["name"] for o in by_email] == ["#1001", "#1026"]  # newest first
    assert all(o["customer"]["email"] == "ada@example.com" for o in by_email)


def test_find_order_matches_names_exactly(hub_shop):
    harness, connection = hub_shop
    assert harness.call("shopify.find_order", connection, {"name": "#9999"}) == {"orders": []}


def test_get_order_has_tracking_fulfilment_lines_and_money(hub_shop):
    harness, connection = hub_shop
    order = harness.call("shopify.get_order", connection, {"order_id": "#1011"})
    assert order["fulfillment_status"] == "PARTIALLY_FULFILLED"
    assert order["financial_status"] == "PAID"
    [fulfilment] = order["fulfillments"]
    assert fulfilment["display_status"] == "IN_TRANSIT"
    assert fulfilment["tracking"][0]["company"] == "DHL Express"
    assert fulfilment["tracking"][0]["url"].startswith("https://www.dhl.com/")
    shipped = {line["line_item_id"] for line in fulfilment["line_items"]}
    unshipped = [line for line in order["line_items"] if line["unfulfilled_quantity"] > 0]
    assert shipped and unshipped and not shipped & {line["id"] for line in unshipped}
    assert order["total"] == {"amount": "210.5", "currency": "EUR"}
    assert order["refundable"] == {"amount": "210.5", "currency": "EUR"}
    assert order["shipping_address"]["country_code"] == "DE"


def test_only_captured_money_is_refundable(hub_shop):
    harness, connection = hub_shop
    authorized = harness.call("shopify.get_order", connection, {"order_id": "#1041"})
    assert authorized["financial_status"] == "AUTHORIZED" and authorized["refundable"]["amount"] == "0.0"
    partly = harness.call("shopify.get_order", connection, {"order_id": "#1035"})
    assert partly["refunded"]["amount"] == "15.0"
    assert partly["refundable"]["amount"] == str(Decimal(partly["total"]["amount"]) - 15)


def test_find_order_takes_a_name_or_an_email_not_both(hub_shop):
    harness, connection = hub_shop
    with pytest.raises(ToolRefused):
        harness.call("shopify.find_order", connection, {"name": "#1001", "email": "ada@example.com"})


def test_get_order_accepts_gid_and_numeric_id(hub_shop):
    harness, connection = hub_shop
    by_gid = harness.call("shopify.get_order", connection, {"order_id": "gid://shopify/Order/5600000001037"})
    by_number = harness.call("shopify.get_order", connection, {"order_id": "5600000001037"})
    assert by_gid["name"] == by_number["name"] == "#1037"
    assert by_gid["returns"][0]["status"] == "REQUESTED"


def test_get_order_unknown_is_not_found(hub_shop):
    harness, connection = hub_shop
    with pytest.raises(NotFound):
        harness.call("shopify.get_order", connection, {"order_id": "gid://shopify/Order/1"})


def test_find_customer(hub_shop):
    harness, connection = hub_shop
    customer = harness.call("shopify.find_customer", connection, {"email": "Ada@Example.com"})["customer"]
    assert customer["name"] == "Ada Lovelace"
    assert customer["orders_count"] == 2
    assert customer["tags"] == ["vip"]
    assert harness.call("shopify.find_customer", connection, {"email": "nobody@example.com"}) == {"customer": None}


def test_list_orders_follows_every_page(hub_shop):
    harness, connection = hub_shop
    result = harness.call("shopify.list_orders", connection, {"page_size": 4})
    assert result["pages"] == 32 and not result["truncated"]
    names = [o["name"] for o in result["orders"]]
    assert len(names) == len(set(names)) == 127
    one_customer = harness.call("shopify.list_orders", connection, {"customer_email": "edsger@example.com",
                                                                     "page_size": 1})
    assert [o["name"] for o in one_customer["orders"]] == ["#1006", "#1031"]


def test_refund_with_the_same_key_refunds_once(hub_shop):
    harness, connection = hub_shop
    arguments = {"order_id": "#1025", "amount": "20.00", "note": "Late parcel"}
    first = harness.call("shopify.refund", connection, arguments, idempotency_key="run-7:refund")
    again = harness.call("shopify.refund", connection, arguments, idempotency_key="run-7:refund")
    assert again["refund_id"] == first["refund_id"]
    state = order_state(harness, "1025")
    assert len(state["refunds"]) == 1
    assert state["refunded"] == "20.00"
    assert state["display_financial_status"] == "PARTIALLY_REFUNDED"
    other = harness.call("shopify.refund", connection, arguments, idempotency_key="run-8:refund")
    assert other["refund_id"] != first["refund_id"]
    assert len(order_state(harness, "1025")["refunds"]) == 2


def test_refund_over_the_remaining_amount_carries_shopifys_message(hub_shop):
    harness, connection = hub_shop
    with pytest.raises(ConnectorError) as caught:
        harness.call("shopify.refund", connection, {"order_id": "#1035", "amount": "9999.00"},
                     idempotency_key="too-much")
    assert "greater than the refundable amount" in caught.value.message
    assert len(order_state(harness, "1035")["refunds"]) == 1  # only the seeded one


def test_refund_of_line_items_restocks(hub_shop):
    harness, connection = hub_shop
    result = harness.call("shopify.refund", connection, {
        "order_id": "#1027", "amount": "48.00", "restock": True,
        "line_items": [{"line_item_id": "1000129", "quantity": 1}],
    }, idempotency_key="lines")
    assert result["amount"] == "48.0"
    [refund] = order_state(harness, "1027")["refunds"]
    assert refund["line_items"] == [{"line_item_id": 1000129, "quantity": 1, "restock_type": "RETURN"}]


def test_create_return_twice_opens_one_return(hub_shop):
    harness, connection = hub_shop
    arguments = {"order_id": "#1026", "line_items": [{"line_item_id": "1000123", "quantity": 1}], "note": "Torn"}
    first = harness.call("shopify.create_return", connection, arguments)
    again = harness.call("shopify.create_return", connection, arguments)
    assert first["status"] == "OPEN" and not first["already"]
    assert again["already"] and again["return_id"] == first["return_id"]
    [ret] = order_state(harness, "1026")["returns"]
    assert ret["line_items"][0]["return_reason_note"] == "Torn"


def test_request_return_awaits_approval(hub_shop):
    harness, connection = hub_shop
    result = harness.call("shopify.request_return", connection, {
        "order_id": "#1027", "line_items": [{"fulfillment_line_item_id": "gid://shopify/FulfillmentLineItem/1000134",
                                             "quantity": 1}], "note": "Too big"})
    assert result["status"] == "REQUESTED"
    assert order_state(harness, "1027")["returns"][0]["line_items"][0]["customer_note"] == "Too big"


def test_existing_requested_return_is_the_earlier_result(hub_shop):
    harness, connection = hub_shop
    result = harness.call("shopify.request_return", connection, {
        "order_id": "#1037", "line_items": [{"line_item_id": "1000196", "quantity": 1}]})
    assert result["already"] and result["name"] == "#1037-R1"


def test_return_beyond_what_was_shipped_is_refused_by_shopify(hub_shop):
    harness, connection = hub_shop
    with pytest.raises(ConnectorError) as caught:
        harness.call("shopify.create_return", connection, {
            "order_id": "#1022", "line_items": [{"line_item_id": "1000101", "quantity": 5}]})
    assert "returnable quantity" in caught.value.message


def test_return_of_an_unshipped_line_is_refused_before_shopify(hub_shop):
    harness, connection = hub_shop
    with pytest.raises(ToolRefused, match="never fulfilled"):
        harness.call("shopify.create_return", connection, {
            "order_id": "#1001", "line_items": [{"line_item_id": "1000001", "quantity": 1}]})


def test_cancel_refunds_and_repeats_harmlessly(hub_shop):
    harness, connection = hub_shop
    first = harness.call("shopify.cancel_order", connection, {"order_id": "#1004", "reason": "CUSTOMER",
                                                             "staff_note": "Changed mind"})
    assert first["cancelled"] and first["job_done"] and not first["already"]
    again = harness.call("shopify.cancel_order", connection, {"order_id": "#1004"})
    assert again["already"]
    state = order_state(harness, "1004")
    assert state["cancel_reason"] == "CUSTOMER" and state["display_financial_status"] == "REFUNDED"
    assert len(state["refunds"]) == 1


def test_cancel_of_a_fulfilled_order_is_refused_by_shopify(hub_shop):
    harness, connection = hub_shop
    with pytest.raises(ConnectorError, match="fulfillments"):
        harness.call("shopify.cancel_order", connection, {"order_id": "#1019"})
    assert order_state(harness, "1019")["cancelled_at"] is None


def test_update_shipping_address(hub_shop):
    harness, connection = hub_shop
    address = {"first_name": "Ada", "last_name": "Lovelace", "address1": "1 Analytical Way", "city": "Portland",
               "province_code": "OR", "zip": "97209", "country_code": "US"}
    first = harness.call("shopify.update_shipping_address", connection, {"order_id": "#1001", "address": address})
    assert first["shipping_address"]["address1"] == "1 Analytical Way" and not first["already"]
    again = harness.call("shopify.update_shipping_address", connection, {"order_id": "#1001", "address": address})
    assert again["already"]
    assert order_state(harness, "1001")["shipping_address"]["zip"] == "97209"


def test_address_of_a_shipped_order_is_not_changed(hub_shop):
    harness, connection = hub_shop
    with pytest.raises(ToolRefused, match="FULFILLED"):
        harness.call("shopify.update_shipping_address", connection, {"order_id": "#1019", "address": {
            "address1": "2 Elsewhere", "city": "Austin", "zip": "78701", "country_code": "US"}})


def test_bad_arguments_never_reach_shopify(hub_shop):
    harness, connection = hub_shop
    with pytest.raises(ToolRefused, match="amount"):
        harness.call("shopify.refund", connection, {"order_id": "#1025", "amount": "-5"})
    with pytest.raises(ToolRefused, match="not a Order id|neither"):
        harness.call("shopify.get_order", connection, {"order_id": "gid://shopify/Customer/7001"})


def test_a_store_neither_vouches_for_requesters_nor_escalates(hub_shop):
    # No tickets: the plugin implements neither hook, so the hub makes it no escalate tool.
    harness, connection = hub_shop
    verify = harness.hub.hook(harness.connector.name, "auth_verify_requester")
    assert verify(connector=harness.connector, connection=connection, session=None, ticket=None) is None
    assert "shopify.escalate" not in harness.hub.registry.tools
    with pytest.raises(ToolRefused, match="no such tool is registered"):
        harness.call("shopify.escalate", connection, {"ticket_id": "1", "group": "Tier 2", "note": "n"})


def test_update_customer_changes_name_and_phone_once(hub_shop):
    harness, connection = hub_shop
    changes = {"last_name": "King", "phone": "+1 (503) 555-7777"}
    first = harness.call("shopify.update_customer", connection, {"customer_id": "7001", "changes": changes})
    assert first["customer"]["name"] == "Ada King" and first["customer"]["phone"] == "+15035557777"
    assert not first["already"]
    state = harness.vendor_state("customer", "7001")
    assert (state["last_name"], state["phone"], state["email"]) == ("King", "+15035557777", "ada@example.com")
    again = harness.call("shopify.update_customer", connection,
                         {"customer_id": "gid://shopify/Customer/7001", "changes": {"phone": "+15035557777"}})
    assert again["already"]


def test_update_customer_carries_shopifys_validation(hub_shop):
    harness, connection = hub_shop
    with pytest.raises(ConnectorError, match="Phone has already been taken"):  # Grace's number
        harness.call("shopify.update_customer", connection, {"customer_id": "7001", "changes": {"phone": "+15125551001"}})
    with pytest.raises(ConnectorError, match="Phone is invalid"):
        harness.call("shopify.update_customer", connection, {"customer_id": "7001", "changes": {"phone": "5551234567"}})
    with pytest.raises(ToolRefused):  # the email is not the tool's to change
        harness.call("shopify.update_customer", connection, {"customer_id": "7001", "changes": {"email": "x@example.com"}})
    with pytest.raises(NotFound):
        harness.call("shopify.update_customer", connection, {"customer_id": "999", "changes": {"first_name": "X"}})
    assert harness.vendor_state("customer", "7001")["phone"] == "+15035551000"


def test_email_marketing_unsubscribe_and_subscribe(hub_shop):
    harness, connection = hub_shop
    found = harness.call("shopify.find_customer", connection, {"email": "barbara@example.com"})["customer"]
    assert found["email_marketing"] == "SUBSCRIBED"
    off = harness.call("shopify.set_email_marketing", connection, {"customer_id": found["id"], "subscribed": False})
    assert off["customer"]["email_marketing"] == "UNSUBSCRIBED" and not off["already"]
    assert harness.vendor_state("customer", "7008")["email_marketing"]["state"] == "UNSUBSCRIBED"
    assert harness.call("shopify.set_email_marketing", connection,
                        {"customer_id": found["id"], "subscribed": False})["already"]
    on = harness.call("shopify.set_email_marketing", connection, {"customer_id": "7008", "subscribed": True})
    assert on["customer"]["email_marketing"] == "SUBSCRIBED"
