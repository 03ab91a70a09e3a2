"""What a request covers on an order: which lines, how many, and how much money.

A refund or a return never reaches past what the customer asked for. ``scope`` reads the
request's own words against the order the flow looked up (hub.understanding.items does the
reading) and gives the flow one fact to decide on:

- a stated sum ("refund $29 for the cap") is the amount, never more than was paid;
- named items ("the jackets", "one of the two caps") are the lines, and their price the amount;
- items kept ("I'll keep the bottles") leave those lines out;
- nothing named means the whole order;
- anything it cannot match ("the blue one" on an order with nothing blue) is ``unresolved``,
  and the flow asks or hands over rather than guessing — and so is a part asked for without its
  size ("refund 50 %", "half of it", "la diferencia": hub.understanding.shares), which read as
  nothing named would be the whole order.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from ..understanding.items import items_asked, read_amount_asked
from ..understanding.shares import share_asked


def scope(text, order, language=None) -> dict:
    """The lines and amount ``text`` asks for on ``order`` (a ``shopify.get_order`` result)."""
    order = order or {}
    lines = order.get("line_items") or []
    currency = (order.get("refundable") or order.get("total") or {}).get("currency")
    refundable = _decimal((order.get("refundable") or {}).get("amount"))
    asked = items_asked(text or "", lines, language=language)
    stated = read_amount_asked(text or "", language)
    by_id = {line["id"]: line for line in lines}
    if asked.all_items or not (asked.included or asked.excluded):
        chosen = {line["id"]: int(line.get("quantity") or 0) for line in lines}
    else:
        chosen = {line.line_item_id: line.quantity for line in asked.included}
        if asked.excluded and not asked.included:  # "everything but the boots"
            chosen = {line["id"]: int(line.get("quantity") or 0) for line in lines if line["id"] not in asked.excluded}
    whole = chosen == {line["id"]: int(line.get("quantity") or 0) for line in lines}
    value = sum((_decimal((by_id[line_id].get("unit_price") or {}).get("amount")) * quantity
                 for line_id, quantity in chosen.items() if line_id in by_id), Decimal("0"))
    if stated.money is not None:
        amount, source = stated.money.amount, "stated"
        if stated.money.currency and currency and stated.money.currency != currency:
            asked_unresolved = [f"{stated.money.amount} {stated.money.currency} on an order in {currency}"]
        else:
            asked_unresolved = []
    else:
        amount, source, asked_unresolved = (refundable if whole else min(value, refundable)), ("order" if whole else "items"), []
        share = share_asked(text or "")
        if share:
            asked_unresolved = [f"{share!r} (a part of the order with no sum or items to price it)"]
    return {
        "whole": whole,
        # As the refund tool takes them (its schema allows nothing else); the names are below.
        "lines": [{"line_item_id": line_id, "quantity": quantity}
                  for line_id, quantity in chosen.items() if line_id in by_id and quantity],
        "names": sorted({by_id[line_id].get("name") for line_id, quantity in chosen.items() if line_id in by_id and quantity}),
        "kept": sorted({by_id[line_id].get("name") for line_id in asked.excluded if line_id in by_id}),
        "amount": {"amount": str(amount), "currency": currency},
        "source": source,  # where the amount comes from: stated, items or the whole order
        "more_than_paid": amount > refundable,
        "unresolved": list(asked.unresolved) + asked_unresolved,
        "why": asked.reason or stated.reason,
    }


def returnable_lines(scope_fact, order) -> list[dict]:
    """The delivered fulfilment lines to return for ``scope_fact``'s lines: a return is opened
    on what was delivered, never on what is still to ship."""
    wanted = {line["line_item_id"]: line["quantity"] for line in (scope_fact or {}).get("lines") or ()}
    picked = []
    for fulfillment in (order or {}).get("fulfillments") or ():
        if not fulfillment.get("delivered_at"):
            continue
        for line in fulfillment.get("line_items") or ():
            left = wanted.get(line["line_item_id"], 0)
            if left <= 0:
                continue
            quantity = min(left, int(line.get("quantity") or 0))
            picked.append({"fulfillment_line_item_id": line["fulfillment_line_item_id"], "quantity": quantity})
            wanted[line["line_item_id"]] = left - quantity
    return picked


def open_return_for(scope_fact, order) -> dict | None:
    """An open or requested return already holding every line ``scope_fact`` asks about, if any:
    a second return is not opened, and a refund waits until the goods are back."""
    wanted = {line["line_item_id"]: line["quantity"] for line in (scope_fact or {}).get("lines") or ()}
    on_line = {fli["fulfillment_line_item_id"]: fli["line_item_id"]
               for f in (order or {}).get("fulfillments") or () for fli in f.get("line_items") or ()}
    for opened in (order or {}).get("returns") or ():
        if str(opened.get("status", "")).upper() not in ("OPEN", "REQUESTED"):
            continue
        held = {}
        for line in opened.get("line_items") or ():
            line_id = on_line.get(line.get("fulfillment_line_item_id"))
            held[line_id] = held.get(line_id, 0) + int(line.get("quantity") or 0)
        if wanted and all(held.get(line_id, 0) >= quantity for line_id, quantity in wanted.items()):
            return opened
    return None


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return Decimal("0")
