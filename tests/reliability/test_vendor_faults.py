"""Vendors that do the write and lose the answer: tickets through the whole hub, no duplicates.

Every sandbox is set to do one write in five and then answer 503 or hang up (and, in the
second test, to hold the answer past the hub's timeout). Forty-odd tickets across the
connectors' write tools — replies and status changes in Zendesk, ServiceNow and Salesforce,
refunds, cancellations and returns in Shopify, catalog orders and password resets in
ServiceNow — go through webhooks, the queue and a real `hub worker`. Afterwards each vendor's
own state is counted: one reply per step, one refund, cancellation, return or requested item
per ticket, and every run resolved.
"""

import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from sqlmodel import select

from hub import inbound
from hub.db import session_scope
from hub.models import Effect
from hub.testing.world import World


#: Shopify customers who write to the Zendesk help desk (hub_zendesk.sandbox.driver.SHOPPERS).
SHOPPERS = {7001: "ada@example.com", 7006: "margaret@example.com", 7008: "barbara@example.com",
            7017: "john.mccarthy@example.org"}
ORDER_ID_BASE = 5_600_000_000_000
#: ServiceNow employees and the catalog item each asks for: one request per pair.
CATALOG_ASKS = [("alan@example.com", "Slack"), ("grace@example.com", "Zoom"), ("abel.tuter@example.com", "Jira"),
                ("beth.anglin@example.com", "Visual Studio Code"), ("david.loo@example.com", "Slack"),
                ("fred.luddy@example.com", "Zoom")]
CATALOG_NAMES = {"Jira": "Jira access"}
RESETS = ["abel.tuter@example.com", "grace@example.com", "david.loo@example.com", "fred.luddy@example.com"]
#: One write in five done and its answer lost: 15 % answered 503, 5 % cut off.
LOST = {"lost_answer_percent": 15, "dropped_answer_percent": 5}


def shop_seed(directory, orders):
    """The Shopify sandbox's seed plus ``orders``: ``{kind: [(number, customer id)]}``."""
    from hub_shopify import sandbox as shopify_sandbox

    seed = yaml.safe_load((Path(shopify_sandbox.__file__).parent / "seed.yaml").read_text())
    line = {"sku": "NW-SOCK-3PK", "title": "Trail Socks (3-pack)", "quantity": 1}
    for kind, numbered in orders.items():
        for number, customer in numbered:
            order = {"number": number, "customer": customer, "currency": "USD", "days_ago": 2, "shipping": "0.00",
                     "lines": [dict(line, price="30.00" if kind == "refund" else "44.00")]}
            # Delivered: the agent refunds or returns only what has arrived (an unshipped
            # order's refund is a person's call).
            if kind in ("refund", "return"):
                order.update(days_ago=8, fulfillments=[{"shipment": "DELIVERED", "days_ago": 7,
                                                        "delivered_days_ago": 4}])
            seed["orders"].append(order)
    path = directory / "shopify-seed.yaml"
    path.write_text(yaml.safe_dump(seed, allow_unicode=True))
    return path


def plan(first_number, refunds, cancels, returns, statuses=0):
    """Orders for each kind, spread over the shoppers: ``{kind: [(number, customer id)]}``.
    Order questions ("status") come from Ada, a contact in the Salesforce org too."""
    customers, numbers, orders = list(SHOPPERS), iter(range(first_number, first_number + 1000)), {}
    for kind, count in (("refund", refunds), ("cancel", cancels), ("return", returns)):
        orders[kind] = [(next(numbers), customers[n % len(customers)]) for n in range(count)]
    orders["status"] = [(next(numbers), 7001) for _ in range(statuses)]
    return orders


TEXTS = {
    "refund": ("Refund please", "Please refund order #{number}. I would like my money back."),
    "cancel": ("Cancel my order", "Please cancel order #{number}, I ordered the wrong size."),
    "return": ("Return", "I'd like to return order #{number}, it does not fit."),
}


@pytest.fixture
def world_with_orders(tmp_path, redis_url):
    def build(orders, salesforce=True):
        world = World(tmp_path / "world", redis_url, also=["salesforce"] if salesforce else [],
                      seeds={"shopify": shop_seed(tmp_path, orders)})
        built.append(world)
        return world

    built = []
    yield build
    for world in built:
        world.stop()


def raise_tickets(world, orders, catalog=(), resets=()):
    """Every ticket, created while the vendors behave: ``{helpdesk: {ticket id: what it asks}}``."""
    tickets = {"zendesk": {}, "servicenow": {}, "salesforce": {}}
    for kind, numbered in orders.items():
        if kind not in TEXTS:
            continue
        subject, body = TEXTS[kind]
        for number, customer in numbered:
            ticket = world["zendesk"].ticket(SHOPPERS[customer], subject, body.format(number=number))
            tickets["zendesk"][str(ticket["id"])] = (kind, number)
    for email, item in catalog:
        incident = world["servicenow"].incident(email, f"Need {item}", f"Hi, I need access to {item} for my work. Thanks")
        tickets["servicenow"][incident["sys_id"]] = ("catalog", (email, CATALOG_NAMES.get(item, item)))
    for email in resets:
        incident = world["servicenow"].incident(email, "Password", "I forgot my password and I'm locked out of my account.")
        tickets["servicenow"][incident["sys_id"]] = ("reset", email)
    for number, _ in orders.get("status", ()):
        case_id = world["salesforce"].case("ada@example.com", "Where is my order?",
                                        f"Hello, could you tell me where order #{number} is? Thanks, Ada")
        tickets["salesforce"][case_id] = ("status", number)
    return tickets


def lose_answers(world, seed, **extra):
    for name in world.servers:
        world.control(name, "POST", "faults", dict(LOST, seed=seed, **extra))


def injected(world):
    return {name: world.control(name, "GET", "faults")["injected"] for name in world.servers}


def work_until_settled(world, deadline_seconds=300):
    """Real burst workers, and the relay waking runs that wait to retry, until none is left."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        world.work()
        runs = world.runs()
        unsettled = [r for r in runs if r.state.value in ("running", "retrying")]
        if not unsettled:
            return runs
        assert time.monotonic() < deadline, [(r.flow, r.state.value, r.reason) for r in unsettled]
        time.sleep(0.3)  # past the test-sized backoff
        inbound.relay_runs(world.hub)


def hub_comments_by_ticket(world, tickets):
    """``{(helpdesk, ticket): [comment bodies the hub wrote]}``, read from each vendor."""
    written = {}
    for ticket_id in tickets["zendesk"]:
        comments = world["zendesk"].state(ticket_id)["comments"][1:]  # after the requester's description
        written[("zendesk", ticket_id)] = [c["body"] for c in comments]
    servicenow = world.vendor("servicenow")
    for sys_id in tickets["servicenow"]:
        rows = servicenow.get("api/now/table/sys_journal_field", params={
            "sysparm_query": f"element_id={sys_id}^elementINcomments,work_notes"}).json()["result"]
        written[("servicenow", sys_id)] = [r["value"] for r in rows]
    if tickets["salesforce"]:
        salesforce = world.vendor("salesforce")
        for case_id in tickets["salesforce"]:
            records = salesforce.get("query", params={
                "q": f"SELECT CommentBody FROM CaseComment WHERE ParentId = '{case_id}'"}).json()["records"]
            written[("salesforce", case_id)] = [r["CommentBody"] for r in records]
    return written


def assert_each_effect_once(world, tickets, orders):
    duplicates = {where: [body[:80] for body, count in Counter(bodies).items() if count > 1]
                  for where, bodies in hub_comments_by_ticket(world, tickets).items()}
    assert not {where: d for where, d in duplicates.items() if d}, "a comment was written twice"
    replied = {where for where, bodies in hub_comments_by_ticket(world, tickets).items() if bodies}
    assert len(replied) == sum(len(t) for t in tickets.values()), "a ticket got no reply"

    shop = {kind: [world.control("shopify", "GET", f"state/order/{number}") for number, _ in numbered]
            for kind, numbered in orders.items()}
    assert [len(o["refunds"]) for o in shop.get("refund", [])] == [1] * len(shop.get("refund", []))
    assert [o["refunded"] for o in shop.get("refund", [])] == ["30.00"] * len(shop.get("refund", []))
    assert all(o["cancelled_at"] and len(o["refunds"]) == 1 for o in shop.get("cancel", [])), shop.get("cancel")
    assert [len(o["returns"]) for o in shop.get("return", [])] == [1] * len(shop.get("return", []))

    servicenow = world.vendor("servicenow")
    for kind, subject in tickets["servicenow"].values():
        email, item = subject if kind == "catalog" else (subject, "Password Reset")
        rows = servicenow.get("api/now/table/sc_req_item", params={
            "sysparm_query": f"requested_for.email={email}^cat_item.name={item}",
            "sysparm_fields": "number"}).json()["result"]
        assert len(rows) == 1, f"{email} has {len(rows)} requested items for {item}"

    with session_scope(world.hub.engine) as session:
        effects = session.exec(select(Effect)).all()
    assert all(e.state == "done" for e in effects), [(e.tool, e.state) for e in effects if e.state != "done"]
    return effects


def assert_all_resolved(runs, expected):
    outcomes = Counter((r.flow, r.state.value) for r in runs)
    assert len(runs) == expected, outcomes
    assert all(r.state.value == "resolved" for r in runs), [(r.flow, r.state.value, r.reason) for r in runs
                                                              if r.state.value != "resolved"]


def test_a_fifth_of_writes_done_then_answered_503_or_cut_off_leaves_no_duplicate(world_with_orders):
    orders = plan(2001, refunds=12, cancels=8, returns=8, statuses=4)
    world = world_with_orders(orders)
    tickets = raise_tickets(world, orders, CATALOG_ASKS, RESETS)
    count = sum(len(t) for t in tickets.values())
    assert count >= 40
    world.wait_for_events(count, timeout=60)
    lose_answers(world, seed=13)

    runs = work_until_settled(world)

    lost = injected(world)
    assert all(lost[name]["lost_answer"] + lost[name]["dropped_answer"] > 0 for name in lost), lost
    assert_all_resolved(runs, count)
    effects = assert_each_effect_once(world, tickets, orders)
    tools = Counter(e.tool for e in effects)
    assert {"shopify.refund", "shopify.cancel_order", "shopify.request_return", "servicenow.order_catalog_item",
            "servicenow.reset_password", "zendesk.reply", "servicenow.comment", "salesforce.comment"} <= set(tools)


def test_writes_whose_answer_comes_after_the_hubs_timeout_are_done_once(world_with_orders):
    orders = plan(2101, refunds=3, cancels=2, returns=2)
    world = world_with_orders(orders, salesforce=False)
    settings_file = world.config / "settings.yaml"
    settings = yaml.safe_load(settings_file.read_text())
    settings["http"] = dict(settings["http"], timeout=1)  # the worker reads it when it starts
    settings_file.write_text(yaml.safe_dump(settings))
    tickets = raise_tickets(world, orders, CATALOG_ASKS[:2], RESETS[:2])
    count = sum(len(t) for t in tickets.values())
    world.wait_for_events(count, timeout=60)
    for name in world.servers:  # a third of the writes held 1.5 s, past the 1 s timeout
        world.control(name, "POST", "faults", {"lost_answer_percent": 33, "lost_answer_delay_ms": 1500, "seed": 5})

    runs = work_until_settled(world)

    assert sum(v["lost_answer"] for v in injected(world).values()) > 0
    assert_all_resolved(runs, count)
    assert_each_effect_once(world, tickets, orders)
