"""The demo's backlog is data: check it covers what `make demo` promises, and that its order
tickets come from the customers the Shopify sandbox knows."""

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from hub.demo.backlog import load, sample
from hub.errors import ConfigError

REPO = Path(__file__).resolve().parents[2]
ORDER_FLOWS = {"order_status", "return_request", "refund", "cancel_order", "change_shipping_address",
               "invoice_question"}


@pytest.fixture(scope="module")
def tickets():
    return load()


@pytest.fixture(scope="module")
def shop():
    seed = yaml.safe_load((REPO / "plugins/hub_shopify/hub_shopify/sandbox/seed.yaml").read_text())
    emails = {customer["id"]: customer["email"] for customer in seed["customers"]}
    return {order["number"]: emails[order["customer"]] for order in seed["orders"]}


def test_at_least_sixty_tickets_across_the_three_helpdesks(tickets):
    assert len(tickets) >= 60
    assert set(Counter(t.vendor for t in tickets)) == {"zendesk", "servicenow", "salesforce"}


def test_every_shipped_flow_appears(tickets):
    shipped = {yaml.safe_load(path.read_text())["name"] for path in (REPO / "config/flows").glob("*.yaml")}
    assert shipped <= {t.expect.flow for t in tickets}


def test_escalations_and_approvals_are_in_the_backlog(tickets):
    outcomes = Counter(t.expect.outcome for t in tickets)
    assert outcomes["escalated"] >= 10 and outcomes["waiting_approval"] >= 1 and outcomes["resolved"] >= 20


def test_order_tickets_that_should_verify_come_from_the_orders_customer(tickets, shop):
    for ticket in tickets:
        if ticket.expect.flow not in ORDER_FLOWS or ticket.expect.outcome == "escalated":
            continue
        numbers = [int(n) for n in re.findall(r"\b(1\d{3})\b", ticket.body)]
        assert numbers, f"{ticket.subject!r} names no order, so the flow would have to ask"
        assert shop[numbers[0]] == ticket.requester, f"{ticket.subject!r}: #{numbers[0]} is not {ticket.requester}'s"


def test_an_order_an_action_changes_is_in_one_ticket_only(tickets):
    # Otherwise a cancel and a refund of the same order race, and outcomes depend on the worker.
    acting = {"refund", "cancel_order", "return_request"}
    orders = Counter(re.search(r"#?(1\d{3})", t.body).group(1) for t in tickets
                     if t.expect.flow in acting and t.expect.outcome != "escalated")
    assert [n for n, count in orders.items() if count > 1] == []


def test_a_small_sample_still_shows_resolved_escalated_and_approval(tickets):
    small = sample(tickets, 12)
    assert len(small) == 12
    assert {"resolved", "escalated", "waiting_approval"} <= {t.expect.outcome for t in small}
    assert sample(tickets, None) == tickets


def test_a_bad_backlog_names_the_file_and_key(tmp_path):
    path = tmp_path / "backlog.yaml"
    path.write_text("tickets:\n  - {vendor: jira, requester: a@b.example, subject: s, body: b, "
                    "expect: {outcome: resolved}}\n")
    with pytest.raises(ConfigError, match=r"backlog.yaml: tickets.0.vendor"):
        load(path)
