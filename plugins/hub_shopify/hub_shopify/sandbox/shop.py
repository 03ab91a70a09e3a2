"""The sandbox shop's state and Shopify's rules for changing it.

Built from the seed (dates resolved against a pinnable "today"), rebuilt on reset. Records are
plain dicts in Shopify's own terms so ``/_sandbox/state`` can show them as they are; the
GraphQL layer (``graph.py``) only reads them. Every write goes through a method here that
checks what Shopify checks and answers ``userErrors`` the way Shopify does.
"""

import itertools
import re
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

ORDER_ID_BASE = 5_600_000_000_000
CENT = Decimal("0.01")
ACTIVE_RETURN = ("REQUESTED", "OPEN")


class UserError(Exception):
    """A validation failure Shopify reports in the payload's userErrors."""

    def __init__(self, message, field=None, code="INVALID"):
        super().__init__(message)
        self.message, self.field, self.code = message, field, code

    def as_json(self, with_code=True):
        error = {"field": self.field, "message": self.message}
        if with_code:
            error["code"] = self.code
        return error


def iso(moment):
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if moment else None


def amount(value):
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class Shop:
    def __init__(self, seed, today=None):
        self.info = seed["shop"]
        self.today = today or datetime.now(timezone.utc).date()
        # Seed times sit at 15:00 UTC on their day; "now" for new records is the real clock.
        self._ids = itertools.count(1_000_001)
        self.customers = {c["id"]: self._customer(c) for c in seed["customers"]}
        self.orders = {}
        for spec in seed["orders"]:
            order = self._order(spec)
            self.orders[order["id"]] = order
        self.refund_keys = {}  # idempotency key -> (request fingerprint, order id, refund id)

    # -- building from the seed ------------------------------------------------------------

    def at(self, days_ago, hour=15):
        return datetime.combine(self.today - timedelta(days=days_ago), time(hour), timezone.utc)

    def next_id(self):
        return next(self._ids)

    def _customer(self, spec):
        return {
            "id": spec["id"], "first_name": spec["first_name"], "last_name": spec["last_name"],
            "email": spec["email"], "phone": spec.get("phone"), "tags": list(spec.get("tags", [])),
            "created_at": iso(self.at(spec["days_ago"])), "updated_at": iso(self.at(spec["days_ago"])),
            "state": "ENABLED", "note": None,
            "address": dict(spec["address"], first_name=spec["first_name"], last_name=spec["last_name"],
                            phone=spec.get("phone")),
            "email_marketing": {
                "state": spec.get("email_marketing", "NOT_SUBSCRIBED"),
                "opt_in_level": "SINGLE_OPT_IN" if spec.get("email_marketing") else None,
                "updated_at": iso(self.at(spec["days_ago"])) if spec.get("email_marketing") else None,
            },
        }

    def _order(self, spec):
        customer = self.customers[spec["customer"]]
        created = self.at(spec["days_ago"], hour=14)
        order = {
            "id": ORDER_ID_BASE + spec["number"], "number": spec["number"], "name": f"#{spec['number']}",
            "customer_id": customer["id"], "email": customer["email"], "phone": customer["phone"],
            "currency": spec["currency"], "created_at": iso(created), "updated_at": iso(created),
            "cancelled_at": None, "cancel_reason": None, "closed_at": None, "on_hold": spec.get("hold", False),
            "note": spec.get("note"), "tags": list(spec.get("tags", [])),
            "shipping_address": dict(customer["address"]),
            "shipping_price": str(amount(spec.get("shipping", "0"))),
            "line_items": [
                {"id": self.next_id(), "sku": line["sku"], "title": line["title"],
                 "price": str(amount(line["price"])), "quantity": line["quantity"]}
                for line in spec["lines"]
            ],
            "transactions": [], "fulfillments": [], "refunds": [], "returns": [],
        }
        self._pay(order, spec.get("payment", "paid"), created)
        for fulfillment in spec.get("fulfillments", []):
            self._fulfil(order, fulfillment)
        for refund in spec.get("refunds", []):
            full = refund.get("full")
            money = self.refundable(order) if full else amount(refund["amount"])
            lines = [{"line_item_id": line["id"], "quantity": line["quantity"], "restock_type": "NO_RESTOCK"}
                     for line in order["line_items"]] if full else []
            self._record_refund(order, money, lines, refund.get("note"), self.at(refund["days_ago"], hour=16))
        for ret in spec.get("returns", []):
            self._seed_return(order, ret)
        if spec.get("cancelled"):
            cancel = spec["cancelled"]
            when = self.at(cancel["days_ago"], hour=16)
            if cancel.get("refund") and self.refundable(order) > 0:
                self._record_refund(order, self.refundable(order), [], "Order cancelled", when)
            order.update(cancelled_at=iso(when), cancel_reason=cancel["reason"], closed_at=iso(when))
        return order

    def _pay(self, order, payment, when):
        total = self.total(order)
        gateway = self.info["gateway"]
        if payment == "pending":
            kind, status = "SALE", "PENDING"
        elif payment == "authorized":
            kind, status = "AUTHORIZATION", "SUCCESS"
        else:
            kind, status = "SALE", "SUCCESS"
        order["transactions"].append({"id": self.next_id(), "kind": kind, "status": status, "gateway": gateway,
                                      "amount": str(total), "parent_id": None, "created_at": iso(when)})

    def _fulfil(self, order, spec):
        shipped = self.at(spec["days_ago"], hour=18)
        if "lines" in spec:
            picked = [(order["line_items"][index], quantity) for index, quantity in spec["lines"]]
        else:
            picked = [(line, line["quantity"]) for line in order["line_items"]]
        delivered = spec.get("delivered_days_ago")
        order["fulfillments"].append({
            "id": self.next_id(), "status": "SUCCESS", "display_status": spec["shipment"],
            "created_at": iso(shipped),
            "delivered_at": iso(self.at(delivered, hour=12)) if delivered is not None else None,
            "estimated_delivery_at": iso(shipped + timedelta(days=4)),
            "tracking": [dict(spec["tracking"])] if spec.get("tracking") else [],
            "line_items": [{"id": self.next_id(), "line_item_id": line["id"], "quantity": quantity}
                           for line, quantity in picked],
        })

    def _seed_return(self, order, spec):
        fulfilled = [item for f in order["fulfillments"] for item in f["line_items"]]
        items = [(fulfilled[index], quantity) for index, quantity in spec["lines"]]
        self._record_return(order, items, spec["status"], self.at(spec["days_ago"], hour=17),
                            reason_note=spec.get("reason_note"), customer_note=spec.get("customer_note"))

    # -- derived facts ------------------------------------------------------------------------

    def subtotal(self, order):
        return sum((amount(line["price"]) * line["quantity"] for line in order["line_items"]), Decimal("0.00"))

    def total(self, order):
        return self.subtotal(order) + amount(order["shipping_price"])

    def received(self, order):
        return sum((amount(t["amount"]) for t in order["transactions"]
                    if t["kind"] in ("SALE", "CAPTURE") and t["status"] == "SUCCESS"), Decimal("0.00"))

    def refunded(self, order):
        return sum((amount(t["amount"]) for t in order["transactions"]
                    if t["kind"] == "REFUND" and t["status"] == "SUCCESS"), Decimal("0.00"))

    def refundable(self, order):
        return self.received(order) - self.refunded(order)

    def shop_money(self, value, currency):
        rate = Decimal(self.info["exchange_rates"].get(currency, "1"))
        return amount(Decimal(value) * rate)

    def fulfilled_quantity(self, order, line_id):
        return sum(item["quantity"] for f in order["fulfillments"] if f["status"] == "SUCCESS"
                   for item in f["line_items"] if item["line_item_id"] == line_id)

    def refunded_quantity(self, order, line_id):
        return sum(item["quantity"] for r in order["refunds"] for item in r["line_items"]
                   if item["line_item_id"] == line_id)

    def unfulfilled_quantity(self, order, line):
        if order["cancelled_at"]:
            return 0
        return max(0, line["quantity"] - self.fulfilled_quantity(order, line["id"]))

    def fulfillment_status(self, order):
        """Order.displayFulfillmentStatus."""
        if order["on_hold"]:
            return "ON_HOLD"
        ordered = sum(line["quantity"] for line in order["line_items"])
        shipped = sum(self.fulfilled_quantity(order, line["id"]) for line in order["line_items"])
        if shipped == 0:
            return "UNFULFILLED"
        return "FULFILLED" if shipped >= ordered else "PARTIALLY_FULFILLED"

    def financial_status(self, order):
        """Order.displayFinancialStatus."""
        kinds = {(t["kind"], t["status"]) for t in order["transactions"]}
        received, refunded = self.received(order), self.refunded(order)
        if received == 0:
            if ("AUTHORIZATION", "SUCCESS") in kinds:
                return "VOIDED" if order["cancelled_at"] else "AUTHORIZED"
            return "PENDING"
        if refunded >= received:
            return "REFUNDED"
        return "PARTIALLY_REFUNDED" if refunded > 0 else "PAID"

    def active_return_quantity(self, order, fulfillment_line_item_id):
        return sum(item["quantity"] for r in order["returns"] if r["status"] in ACTIVE_RETURN
                   for item in r["line_items"] if item["fulfillment_line_item_id"] == fulfillment_line_item_id)

    # -- lookups -------------------------------------------------------------------------------

    def order(self, order_id):
        return self.orders.get(order_id)

    def find_return(self, return_id):
        for order in self.orders.values():
            for ret in order["returns"]:
                if ret["id"] == return_id:
                    return order, ret
        return None, None

    def customer_by_email(self, email):
        email = (email or "").strip().lower()
        return next((c for c in self.customers.values() if c["email"].lower() == email), None)

    def orders_of(self, customer_id):
        return [o for o in self.orders.values() if o["customer_id"] == customer_id]

    # -- writes (each raises UserError for what Shopify refuses) -------------------------------

    def create_refund(self, order_id, request, now):
        """refundCreate. ``request``: the RefundInput as a dict."""
        order = self._require_order(order_id, ["orderId"])
        currency = request.get("currency")
        if currency and currency != order["currency"]:
            raise UserError(f"Currency {currency} does not match the order's currency {order['currency']}",
                            ["currency"])
        lines = []
        for index, item in enumerate(request.get("refundLineItems") or []):
            line = next((l for l in order["line_items"] if l["id"] == item["lineItemId"]), None)
            if line is None:
                raise UserError("Line item does not exist", ["refundLineItems", str(index), "lineItemId"])
            left = line["quantity"] - self.refunded_quantity(order, line["id"])
            if item["quantity"] > left:
                raise UserError(f"Quantity cannot refund more items than were purchased ({left} left)",
                                ["refundLineItems", str(index), "quantity"])
            lines.append({"line_item_id": line["id"], "quantity": item["quantity"],
                          "restock_type": item.get("restockType") or "NO_RESTOCK"})
        transactions = request.get("transactions") or []
        total = Decimal("0.00")
        for index, txn in enumerate(transactions):
            parent = next((t for t in order["transactions"] if t["id"] == txn.get("parentId")), None)
            where = ["transactions", str(index)]
            if txn.get("kind") != "REFUND":
                raise UserError("Only REFUND transactions can be created by refundCreate", where + ["kind"])
            if parent is None or parent["kind"] not in ("SALE", "CAPTURE") or parent["status"] != "SUCCESS":
                raise UserError("Parent transaction must be a successful sale or capture of this order",
                                where + ["parentId"])
            if txn.get("gateway") != parent["gateway"]:
                raise UserError(f"Gateway must match the parent transaction ({parent['gateway']})",
                                where + ["gateway"])
            value = amount(txn["amount"])
            if value <= 0:
                raise UserError("Amount must be greater than zero", where + ["amount"])
            total += value
        refundable = self.refundable(order)
        if total > refundable and not request.get("allowOverRefunding"):
            raise UserError(f"Refund amount {total} is greater than the refundable amount {refundable} "
                            f"{order['currency']}", ["transactions"])
        if total == 0 and not lines:
            raise UserError("A refund needs line items or transactions", ["refundLineItems"])
        refund = self._record_refund(order, total, lines, request.get("note"), now,
                                     parents=[t["parentId"] for t in transactions])
        order["updated_at"] = iso(now)
        return order, refund

    def _record_refund(self, order, money, lines, note, when, parents=None):
        parents = parents or [next(t["id"] for t in order["transactions"] if t["kind"] in ("SALE", "CAPTURE"))]
        txn_ids = []
        if money > 0:
            txn = {"id": self.next_id(), "kind": "REFUND", "status": "SUCCESS", "gateway": self.info["gateway"],
                   "amount": str(money), "parent_id": parents[0], "created_at": iso(when)}
            order["transactions"].append(txn)
            txn_ids.append(txn["id"])
        refund = {"id": self.next_id(), "created_at": iso(when), "note": note, "amount": str(money),
                  "line_items": lines, "transaction_ids": txn_ids}
        order["refunds"].append(refund)
        if self.refundable(order) <= 0 and self.fulfillment_status(order) == "FULFILLED":
            order["closed_at"] = iso(when)
        return refund

    def create_return(self, order_id, items, status, now, field="returnLineItems"):
        """returnCreate (status OPEN) and returnRequest (status REQUESTED)."""
        order = self._require_order(order_id, ["orderId"])
        if order["cancelled_at"]:
            raise UserError("Order is cancelled and can't be returned", ["orderId"], "INVALID_STATE")
        fulfilled = {item["id"]: item for f in order["fulfillments"] if f["status"] == "SUCCESS"
                     for item in f["line_items"]}
        picked = []
        for index, item in enumerate(items):
            where = [field, str(index)]
            source = fulfilled.get(item["fulfillmentLineItemId"])
            if source is None:
                raise UserError("Fulfillment line item does not exist on this order",
                                where + ["fulfillmentLineItemId"], "NOT_FOUND")
            left = source["quantity"] - self.active_return_quantity(order, source["id"])
            if item["quantity"] < 1 or item["quantity"] > left:
                raise UserError(f"Quantity must be between 1 and the returnable quantity ({left})",
                                where + ["quantity"], "INVALID")
            picked.append((source, item["quantity"], item))
        ret = self._record_return(
            order, [(source, quantity) for source, quantity, _ in picked], status, now,
            reason_note=next((i.get("returnReasonNote") for _, _, i in picked if i.get("returnReasonNote")), None),
            customer_note=next((i.get("customerNote") for _, _, i in picked if i.get("customerNote")), None),
        )
        order["updated_at"] = iso(now)
        return order, ret

    def _record_return(self, order, items, status, when, reason_note=None, customer_note=None):
        ret = {
            "id": self.next_id(), "name": f"{order['name']}-R{len(order['returns']) + 1}", "status": status,
            "created_at": iso(when),
            "line_items": [{"id": self.next_id(), "fulfillment_line_item_id": source["id"],
                            "line_item_id": source["line_item_id"], "quantity": quantity,
                            "return_reason_note": reason_note, "customer_note": customer_note}
                           for source, quantity in items],
        }
        order["returns"].append(ret)
        return ret

    def approve_return(self, return_id, now):
        order, ret = self.find_return(return_id)
        if ret is None:
            raise UserError("Return does not exist", ["id"], "NOT_FOUND")
        if ret["status"] != "REQUESTED":
            raise UserError(f"Return is {ret['status']}; only a REQUESTED return can be approved", ["id"],
                            "INVALID_STATE")
        ret["status"] = "OPEN"
        order["updated_at"] = iso(now)
        return order, ret

    def cancel(self, order_id, reason, refund, now, staff_note=None):
        """orderCancel: Shopify cancels only orders without fulfilments or active returns."""
        order = self._require_order(order_id, ["orderId"], code="NOT_FOUND")
        if order["cancelled_at"]:
            raise UserError("Order has already been cancelled", ["orderId"])
        if any(f["status"] == "SUCCESS" for f in order["fulfillments"]):
            raise UserError("Cannot cancel an order that has fulfillments; cancel the fulfillments first",
                            ["orderId"])
        if any(r["status"] in ACTIVE_RETURN for r in order["returns"]):
            raise UserError("Cannot cancel an order with returns in progress", ["orderId"])
        if refund and self.refundable(order) > 0:
            self._record_refund(order, self.refundable(order), [], "Order cancelled", now)
        order.update(cancelled_at=iso(now), cancel_reason=reason, closed_at=iso(now), updated_at=iso(now))
        if staff_note:
            order["note"] = staff_note
        return order

    def update_order(self, order_id, changes, now):
        """orderUpdate: email, note, tags and the shipping address."""
        order = self._require_order(order_id, ["id"])
        address = changes.get("shippingAddress")
        if address is not None:
            if not address.get("countryCode") and not order["shipping_address"].get("country_code"):
                raise UserError("Country can't be blank", ["shippingAddress", "countryCode"])
            order["shipping_address"] = dict(order["shipping_address"], **{
                snake: address[camel] for camel, snake in ADDRESS_FIELDS.items() if camel in address
            })
        for key in ("email", "note"):
            if key in changes:
                order[key] = changes[key]
        if "tags" in changes:
            order["tags"] = list(changes["tags"] or [])
        order["updated_at"] = iso(now)
        return order

    def update_customer(self, customer_id, changes, now):
        """customerUpdate: names, email, phone, note and tags, validated as Shopify does."""
        customer = self.customers.get(customer_id)
        if customer is None:
            raise UserError("Customer does not exist", ["id"])
        others = [c for c in self.customers.values() if c["id"] != customer_id]
        for key in ("firstName", "lastName", "note"):
            if len(changes.get(key) or "") > 255:
                raise UserError(f"{FIELD_NAMES[key]} is too long (maximum is 255 characters)", [key])
        if changes.get("email") is not None:
            email = changes["email"].strip().lower()
            changes = dict(changes, email=email)
            if not EMAIL.fullmatch(email):
                raise UserError("Email is invalid", ["email"])
            if any(c["email"].lower() == email for c in others):
                raise UserError("Email has already been taken", ["email"])
        if changes.get("phone"):
            phone = re.sub(r"[\s().-]", "", changes["phone"])
            if not PHONE.fullmatch(phone):
                raise UserError("Phone is invalid", ["phone"])
            if any(c["phone"] == phone for c in others):
                raise UserError("Phone has already been taken", ["phone"])
            changes = dict(changes, phone=phone)
        if "firstName" in changes and "lastName" in changes and not (changes["firstName"] or changes["lastName"]):
            raise UserError("Customer must have a name, phone number or email address", ["id"])
        for camel, snake in CUSTOMER_FIELDS.items():
            if camel in changes:
                value = changes[camel]
                # Shopify reads an empty phone or note as "remove it"; names stay strings.
                customer[snake] = (value or None) if snake in ("phone", "note") else (value or "")
        if "tags" in changes:
            customer["tags"] = list(changes["tags"] or [])
        customer["updated_at"] = iso(now)
        return customer

    def set_email_marketing(self, customer_id, consent, now):
        """customerEmailMarketingConsentUpdate: only SUBSCRIBED, UNSUBSCRIBED and PENDING may be set."""
        customer = self.customers.get(customer_id)
        if customer is None:
            raise UserError("Customer does not exist", ["input", "customerId"], "INVALID")
        state = consent["marketingState"]
        if state not in ("SUBSCRIBED", "UNSUBSCRIBED", "PENDING"):
            raise UserError(f"Marketing state {state} cannot be set",
                            ["input", "emailMarketingConsent", "marketingState"], "INCLUSION")
        customer["email_marketing"] = {
            "state": state,
            "opt_in_level": consent.get("marketingOptInLevel") or customer["email_marketing"]["opt_in_level"]
            or "SINGLE_OPT_IN",
            "updated_at": consent.get("consentUpdatedAt") or iso(now),
        }
        customer["updated_at"] = iso(now)
        return customer

    def _require_order(self, order_id, field, code="NOT_FOUND"):
        order = self.orders.get(order_id)
        if order is None:
            raise UserError("Order does not exist", field, code)
        return order


#: CustomerInput field -> the sandbox record's key, and its name in error messages.
CUSTOMER_FIELDS = {"firstName": "first_name", "lastName": "last_name", "email": "email", "phone": "phone",
                   "note": "note"}
FIELD_NAMES = {"firstName": "First name", "lastName": "Last name", "note": "Note"}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}")
#: E.164 once spaces, dots, dashes and brackets are dropped, as Shopify normalises phone input.
PHONE = re.compile(r"\+[1-9]\d{6,14}")

#: MailingAddressInput field -> the sandbox record's key.
ADDRESS_FIELDS = {
    "firstName": "first_name", "lastName": "last_name", "company": "company", "address1": "address1",
    "address2": "address2", "city": "city", "provinceCode": "province_code", "zip": "zip",
    "countryCode": "country_code", "phone": "phone",
}


def parse_today(value):
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
