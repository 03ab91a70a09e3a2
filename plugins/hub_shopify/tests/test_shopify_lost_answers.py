"""Money and goods move once when Shopify does the work and the answer never arrives: the
sandbox performs the mutation, then answers 503 or hangs up (hub.sandbox.faults)."""

from decimal import Decimal

import pytest

from hub.errors import ConnectorError, VendorUnavailable

#: More lost answers than the session has attempts: the step gives up and is tried again later.
EVERY_ATTEMPT = 50


def order_state(harness, name):
    return harness.vendor_state("order", name)


def refundable(harness, connection, name):
    return harness.call("shopify.get_order", connection, {"order_id": name})["refundable"]["amount"]


@pytest.mark.parametrize("fault", ["lost_answer", "dropped_answer"])
def test_a_refund_whose_answer_is_lost_is_sent_again_under_its_key(hub_shop, fault):
    harness, connection = hub_shop
    harness.faults(**{fault: 1})
    result = harness.call("shopify.refund", connection, {"order_id": "#1025", "amount": "20.00"},
                          idempotency_key="run-1:refund")
    assert harness.control("GET", "faults")["injected"][fault] == 1
    state = order_state(harness, "1025")
    assert len(state["refunds"]) == 1 and state["refunded"] == "20.00"
    assert result["refund_id"].endswith(str(state["refunds"][0]["id"]))


def test_a_retried_refund_finds_the_refund_made_under_its_key(hub_shop):
    """The step's every answer was lost; the run tries the step again once Shopify is back. The
    order's payments are used up by then: the refund is found, not computed again."""
    harness, connection = hub_shop
    amount = refundable(harness, connection, "#1025")
    arguments = {"order_id": "#1025", "amount": amount, "note": "Damaged"}
    harness.faults(lost_answer=EVERY_ATTEMPT)
    with pytest.raises(VendorUnavailable):
        harness.call("shopify.refund", connection, arguments, idempotency_key="run-2:refund")
    harness.clear_faults()
    assert Decimal(order_state(harness, "1025")["refunded"]) == Decimal(amount)  # the money went

    retried = harness.call("shopify.refund", connection, arguments, idempotency_key="run-2:refund")
    assert retried["already"] and Decimal(retried["amount"]) == Decimal(amount)
    [refund] = order_state(harness, "1025")["refunds"]
    assert retried["refund_id"].endswith(str(refund["id"])) and refund["note"].startswith("Damaged [helpdesk-hub ")
    with pytest.raises(ConnectorError, match="no captured payment left"):  # another key: another refund
        harness.call("shopify.refund", connection, {"order_id": "#1025", "amount": "1.00"},
                     idempotency_key="run-3:refund")


def test_a_cancellation_whose_answer_is_lost_cancels_and_refunds_once(hub_shop):
    harness, connection = hub_shop
    harness.faults(lost_answer=1)
    result = harness.call("shopify.cancel_order", connection, {"order_id": "#1004"}, idempotency_key="run-4:cancel")
    assert result["cancelled"] and result["already"]  # found cancelled on reading the order again
    state = order_state(harness, "1004")
    assert state["cancelled_at"] and len(state["refunds"]) == 1


@pytest.mark.parametrize("tool", ["shopify.create_return", "shopify.request_return"])
def test_a_return_whose_answer_is_lost_is_opened_once(hub_shop, tool):
    harness, connection = hub_shop
    harness.faults(dropped_answer=1)
    result = harness.call(tool, connection, {"order_id": "#1026", "line_items": [
        {"line_item_id": "1000123", "quantity": 1}]}, idempotency_key="run-5:return")
    [ret] = order_state(harness, "1026")["returns"]
    assert result["already"] and result["return_id"].endswith(str(ret["id"]))


def test_a_return_never_made_is_made_when_the_step_is_tried_again(hub_shop):
    harness, connection = hub_shop
    harness.faults(server_error=EVERY_ATTEMPT)  # refused before anything was done
    with pytest.raises(VendorUnavailable):
        harness.call("shopify.create_return", connection, {"order_id": "#1026", "line_items": [
            {"line_item_id": "1000123", "quantity": 1}]}, idempotency_key="run-6:return")
    harness.clear_faults()
    assert order_state(harness, "1026")["returns"] == []
    made = harness.call("shopify.create_return", connection, {"order_id": "#1026", "line_items": [
        {"line_item_id": "1000123", "quantity": 1}]}, idempotency_key="run-6:return")
    assert not made["already"] and len(order_state(harness, "1026")["returns"]) == 1
