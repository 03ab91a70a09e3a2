"""The replay corpus in eval/replay/ is sound against the sandboxes' seeds (eval/replay/check.py),
and the checker catches the kinds of label mistake that would let a score flatter."""

import importlib.util
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "eval" / "replay"
FILES = ("dev.jsonl", "heldout.jsonl", "heldout2.jsonl", "dev_money.jsonl", "heldout3.jsonl")


def _load_checker():
    spec = importlib.util.spec_from_file_location("replay_corpus_check", HERE / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check = _load_checker()


@pytest.fixture(scope="module")
def world():
    return check.World()


def _tickets(name):
    return [json.loads(line) for line in (HERE / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_the_corpus_is_sound_against_the_seeds(world):
    problems, counts = check.check(world=world)
    assert problems == []
    assert sum(c["dev"] + c["heldout"] for c in counts.values()) >= 260
    for group in check.GROUPS:
        assert counts[group]["dev"] and counts[group]["heldout"], group


def test_every_ticket_of_both_files_carries_the_extended_format():
    for name in FILES:
        for item in _tickets(name):
            assert {"id", "group", "language", "helpdesk", "requester", "subject", "body", "label"} <= set(item)
            assert {"intent", "outcome", "allowed_actions", "note"} <= set(item["label"])


def _with(tmp_path, world, change):
    """Every file copied and changed by ``change(copies)``; the problems the checker then reports."""
    copies = {name: _tickets(name) for name in FILES}
    change(copies)
    for name, items in copies.items():
        (tmp_path / name).write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    problems, _ = check.check(tmp_path / "dev.jsonl", tmp_path / "heldout.jsonl", world=world,
                              heldout2_path=tmp_path / "heldout2.jsonl", dev_money_path=tmp_path / "dev_money.jsonl",
                              heldout3_path=tmp_path / "heldout3.jsonl")
    return "\n".join(problems)


def _find(copies, ticket_id):
    return next(item for items in copies.values() for item in items if item["id"] == ticket_id)


def _set(**changes):
    def change(item):
        for path, value in changes.items():
            *parents, key = path.split("__")
            target = item
            for parent in parents:
                target = target[parent]
            target[key] = value
    return change


@pytest.mark.parametrize("ticket, change, message", [
    ("plain-zd-status-1014-gloves", _set(requester="nobody@example.com"), "is not a zendesk user"),
    ("plain-zd-status-1014-gloves", _set(label__orders=["1099"]), "order 1099 is not in the Shopify seed"),
    # Ada resolving John's order: the label would reward a disclosure.
    ("plain-zd-status-1014-gloves", _set(requester="ada@example.com"), "1014 is john.mccarthy@example.org's"),
    ("other-zd-margaret-husbands-order", _set(requester="john.mccarthy@example.org"),
     "every order named is the requester's own"),
    # Grace is not David's manager: a reset for him cannot be labelled allowed.
    ("other-sn-grace-resets-david", _set(label__outcome="resolved",
                                         label__vendor_status="solved", label__reason=None,
                                         label__allowed_actions=["servicenow.reset_password"],
                                         label__writes=["servicenow:password:david.loo@example.com"]),
     "neither the requester nor their direct report"),
    ("partial-zd-refund-one-cap-1026", _set(label__max_amount="115.50"), "waits for approval"),
    ("partial-zd-refund-one-cap-1026", _set(label__items=["Storm Jacket - Red / S"]), "is no line of 1026"),
    ("plain-zd-cancel-1001", _set(label__writes=[]), "no order target is declared"),
    ("plain-zd-cancel-1014-shipped", _set(label__outcome="resolved", label__reason=None, label__vendor_status="solved",
                                          label__allowed_actions=["shopify.cancel_order"], label__max_amount="109.50",
                                          label__writes=["shopify:order:1014"]), "it cannot be cancelled"),
    ("plain-zd-status-1014-gloves", _set(reply="1014", requester="grace.park@parkdesign.example", label__orders=[]),
     "cannot answer on zendesk"),
    ("plain-zd-complaint-driver", _set(label__reason="angry"), "needs a reason code"),
    ("risk-zd-legal-lawyer-1014", _set(label__allowed_actions=["shopify.cancel_order"]), "before any node runs"),
    ("plain-zd-kb-refund-time", _set(label__intent="refund_question"), "not in the taxonomy"),
])
def test_the_checker_names_a_bad_label(tmp_path, world, ticket, change, message):
    def apply(copies):
        change(_find(copies, ticket))
    assert message in _with(tmp_path, world, apply)


def test_a_write_target_shared_across_the_files_is_refused(tmp_path, world):
    def share(copies):
        _find(copies, "plain-zd-cancel-1041")["label"]["writes"] = ["shopify:order:1001"]
    assert "write target shopify:order:1001 is shared" in _with(tmp_path, world, share)


def test_an_order_one_file_changes_is_named_by_no_other_ticket(tmp_path, world):
    def mention(copies):
        _find(copies, "plain-zd-kb-phone-hours")["body"] += " (my last order was 1039)"
    assert "names order 1039, which heldout.jsonl" in _with(tmp_path, world, mention)


def test_a_group_too_small_to_measure_is_refused(tmp_path, world):
    def shrink(copies):
        for items in copies.values():
            items[:] = [i for i in items if i["group"] != "out_of_scope" or i["id"].startswith("oos-zd-m")]
    assert "group out_of_scope:" in _with(tmp_path, world, shrink)


def test_heldout2_is_counted_on_its_own(world):
    problems, counts = check.check(world=world)
    assert problems == []
    for group in check.GROUPS:
        assert counts[group]["heldout2"] >= check.HELDOUT2_MINIMUM, group


@pytest.mark.parametrize("change, message", [
    # A write heldout2 declares that dev already makes (David's Jira access is dev's).
    (lambda c: _find(c, "plain-h2-sn-david-figma")["label"].update(
        writes=["servicenow:catalog:david.loo@example.com:Jira access"]),
     "write target servicenow:catalog:david.loo@example.com:Jira access is shared"),
    # An id already used by dev.
    (lambda c: _find(c, "plain-h2-sf-1019-invoice").update(id="plain-zd-cancel-1001"),
     "'plain-zd-cancel-1001' appears 2 times"),
    # Naming an order the first held-out file changes.
    (lambda c: _find(c, "plain-h2-zd-kb-phone-number").update(body="Phone number? (my last order was 1039)"),
     "names order 1039, which heldout.jsonl"),
    # Every trigger needs a heldout2 ticket too.
    (lambda c: c["heldout2.jsonl"].remove(_find(c, "risk-h2-sn-self-harm-beth")),
     "risk:self_harm: no heldout2 ticket"),
])
def test_heldout2_shares_the_world_of_the_other_files(tmp_path, world, change, message):
    assert message in _with(tmp_path, world, change)


# -- the money files: dev_money.jsonl and heldout3.jsonl --------------------------------------------


def test_the_money_files_are_sound_and_move_money(world):
    problems, counts = check.check(world=world)
    assert problems == []
    for split in check.MONEY_SPLITS:
        items = _tickets(f"{split}.jsonl")
        assert sum(c[split] for c in counts.values()) == len(items) >= check.MONEY_MINIMUM
        assert {i["language"] for i in items} == set(check.SUPPORTED_LANGUAGES)
        moving = [i for i in items if {"shopify.refund", "shopify.cancel_order"} & set(i["label"]["allowed_actions"])]
        assert len(moving) >= check.MONEY_MOVING_MINIMUM
        # Every money-file order is one appended to the seed for them, and exists there.
        for item in items:
            assert all(int(n) >= check.MONEY_FIRST_ORDER and n in world.orders for n in item["label"]["orders"])


def test_the_money_seed_orders_have_the_states_the_files_rely_on(world):
    """The appended orders: unshipped, authorised only, in transit, delivered inside and outside the
    window, partly refunded, on an open return, and totals above refund_max."""
    new = [o for n, o in world.orders.items() if int(n) >= check.MONEY_FIRST_ORDER]
    states = {world.state(o) for o in new}
    assert {"unfulfilled", "in_transit", "delivered"} <= states
    assert any(o.get("payment") == "authorized" for o in new)
    assert any(o.get("refunds") for o in new) and any(o.get("returns") for o in new)
    assert any(o["total"] > world.refund_max for o in new)
    assert any((world.delivered_days_ago(o) or 0) > world.return_window for o in new)


@pytest.mark.parametrize("ticket, change, message", [
    # A cancellation labelled on the order the ticket only asks the status of (in transit).
    ("several-m-zd-anjali-cancel-and-status", _set(label__writes=["shopify:order:1211"]),
     "1211 is in_transit, it cannot be cancelled"),
    # Above refund_auto_max, a refund cannot be labelled resolved.
    ("partial-m-zd-marcus-vest-1206", _set(label__outcome="resolved", label__vendor_status="solved"),
     "a refund of 135.00 waits for approval"),
    # The beanie is not what Marcus asked about; the vest alone costs 135.00.
    ("partial-m-zd-marcus-vest-1206", _set(label__max_amount="143.00"), "more than the items named cost"),
    # A money ticket must use the orders appended for the money files.
    ("plain-m-zd-rosa-estado-reembolso-1241", _set(label__orders=["1035"]), "one of the older seed orders"),
    # A write target the older files already use (dev cancels 1001).
    ("plain-m-zd-marcus-cancel-1202", _set(label__writes=["shopify:order:1001"]),
     "write target shopify:order:1001 is shared"),
])
def test_the_checker_names_a_bad_money_label(tmp_path, world, ticket, change, message):
    def apply(copies):
        change(_find(copies, ticket))
    assert message in _with(tmp_path, world, apply)


def test_a_ticket_writing_two_orders_is_checked_per_order(tmp_path, world):
    """Cancel one order and return another: each action must fit one of the orders written."""
    def cancel_both(copies):
        item = _find(copies, "several-m-zd-anjali-cancel-and-status")
        item["label"].update(writes=["shopify:order:1210", "shopify:order:1211"],
                             allowed_actions=["shopify.cancel_order", "shopify.request_return"])
    assert "shopify.request_return fits none of the orders written" in _with(tmp_path, world, cancel_both)


def test_a_money_order_named_by_an_older_file_is_refused(tmp_path, world):
    def mention(copies):
        _find(copies, "plain-zd-kb-phone-hours")["body"] += " (my last order was 1202)"
    assert "names order 1202, which dev_money.jsonl" in _with(tmp_path, world, mention)


def test_a_money_file_without_enough_refusals_is_refused(tmp_path, world):
    def only_acting(copies):
        copies["dev_money.jsonl"][:] = [i for i in copies["dev_money.jsonl"] if i["label"]["allowed_actions"]]
    problems = _with(tmp_path, world, only_acting)
    assert "dev_money: " in problems and "must move nothing" in problems
