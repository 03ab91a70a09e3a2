"""GraphQL resolvers: the shop's records seen through the Admin API's types.

graphql-core's default resolver reads dict keys and calls callables with ``(info, **args)``,
so each view is a dict whose cheap fields are values and whose argument-taking or costly
fields (connections, nested objects) are functions. Root fields and mutations live on
:class:`Root`; a request's ``context`` carries the shop, the token's scopes, the API version
and the events to send once the request is done.
"""

import base64
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal

from graphql import GraphQLError
from graphql.execution.values import get_directive_values

from . import search
from .shop import UserError, iso

GID = re.compile(r"^gid://shopify/([A-Za-z]+)/(\d+)$")
MAX_PAGE = 250
#: The first Admin API version whose refundCreate refuses to run without @idempotent(key:).
IDEMPOTENCY_REQUIRED_FROM = "2026-04"
COUNTRY_NAMES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany", "FR": "France", "ES": "Spain"}


@dataclass
class Context:
    shop: object
    scopes: frozenset
    api_version: str
    #: The app's webhook subscriptions: app configuration, so they outlive a seed reset.
    subscriptions: list
    #: (topic, payload) pairs, sent as webhooks after the request succeeded.
    events: list = field(default_factory=list)
    #: Search warnings (fields a query: argument named that Shopify ignores): extensions.search.
    search: list = field(default_factory=list)

    def allows(self, scope):
        # A write scope implies the read scope of the same resource.
        resource = scope.split("_", 1)[1]
        return scope in self.scopes or f"write_{resource}" in self.scopes


def require(info, scope, what):
    if not info.context.allows(scope):
        raise GraphQLError(
            f"Access denied for {what} field. Required access: `{scope}` access scope.",
            extensions={"code": "ACCESS_DENIED", "documentation": "https://shopify.dev/api/usage/access-scopes",
                        "requiredAccess": f"`{scope}` access scope."},
        )


def now():
    return datetime.now(timezone.utc)


def gid(kind, number):
    return f"gid://shopify/{kind}/{number}"


def parse_gid(value, kind):
    """The numeric id in a GID of ``kind``; None for a well-formed GID of another kind."""
    match = GID.match(str(value or ""))
    if not match:
        raise GraphQLError(f"Invalid global id '{value}'", extensions={"code": "argumentLiteralsIncompatible"})
    return int(match.group(2)) if match.group(1) == kind else None


def decimal_text(value):
    """Shopify's Decimal scalar: no trailing zeros beyond one decimal place ("48.0", "12.5")."""
    text = f"{Decimal(value):.2f}"
    return text[:-1] if text.endswith("0") else text


# -- connections ----------------------------------------------------------------------------


def encode_cursor(item_id):
    return base64.b64encode(json.dumps({"last_id": item_id}).encode()).decode()


def decode_cursor(cursor):
    try:
        return json.loads(base64.b64decode(cursor.encode(), validate=True))["last_id"]
    except (ValueError, KeyError, TypeError):
        raise GraphQLError(f"Invalid cursor for current pagination sort: {cursor}",
                           extensions={"code": "BAD_REQUEST"})


def connection(items, view, first=None, after=None, last=None, before=None, reverse=False, id_of=None):
    """A Relay connection over ``items`` (already sorted), paged like Shopify's."""
    if first is None and last is None:
        raise GraphQLError("you must provide one of first or last", extensions={"code": "BAD_REQUEST"})
    for name, size in (("first", first), ("last", last)):
        if size is not None and not 0 <= size <= MAX_PAGE:
            raise GraphQLError(f"The value of '{name}' must be between 0 and {MAX_PAGE}",
                               extensions={"code": "BAD_REQUEST"})
    id_of = id_of or (lambda item: item["id"])
    items = list(reversed(items)) if reverse else list(items)
    ids = [id_of(item) for item in items]
    start, end = 0, len(items)
    if after is not None:
        start = _position(ids, decode_cursor(after)) + 1
    if before is not None:
        end = _position(ids, decode_cursor(before))
    window = items[start:end]
    has_next = has_previous = False
    if first is not None and len(window) > first:
        window, has_next = window[:first], True
    if last is not None and len(window) > last:
        window, has_previous = window[-last:], True
    has_previous = has_previous or start > 0
    has_next = has_next or end < len(items)
    nodes = [view(item) for item in window]
    cursors = [encode_cursor(id_of(item)) for item in window]
    return {
        "nodes": nodes,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes)],
        "pageInfo": {"hasNextPage": has_next, "hasPreviousPage": has_previous,
                     "startCursor": cursors[0] if cursors else None, "endCursor": cursors[-1] if cursors else None},
    }


def _position(ids, wanted):
    try:
        return ids.index(wanted)
    except ValueError:
        raise GraphQLError("Invalid cursor for current pagination sort", extensions={"code": "BAD_REQUEST"})


def first_n(items, first=None):
    return items if first is None else items[:first]


# -- search (the syntax is search.py's; the fields each resource is searched by are here) ------


def _state(order):
    return "cancelled" if order["cancelled_at"] else ("closed" if order["closed_at"] else "open")


FULFILLMENT_ALIASES = {"unshipped": "UNFULFILLED", "shipped": "FULFILLED", "partial": "PARTIALLY_FULFILLED",
                       "unfulfilled": "UNFULFILLED", "fulfilled": "FULFILLED"}


def order_fields(shop):
    def customer(order):
        return shop.customers.get(order["customer_id"]) or {}

    return {
        "name": ("custom", lambda o, t: _order_name_matches(o["name"], t)),
        "email": ("exact", lambda o: o["email"]),
        "customer_id": ("id", lambda o: o["customer_id"]),
        "id": ("id", lambda o: o["id"]),
        "status": ("custom", lambda o, t: t.value.lower() in ("any", _state(o))),
        "financial_status": ("custom", lambda o, t: shop.financial_status(o).lower() == t.value.lower()),
        "fulfillment_status": ("custom", lambda o, t: shop.fulfillment_status(o)
                               == FULFILLMENT_ALIASES.get(t.value.lower(), t.value.upper())),
        "tag": ("tags", lambda o: o["tags"]),
        "tag_not": ("custom", lambda o, t: not any(tag.lower() == t.value.lower() for tag in o["tags"])),
        "created_at": ("date", lambda o: o["created_at"]),
        "updated_at": ("date", lambda o: o["updated_at"]),
        "processed_at": ("date", lambda o: o["created_at"]),
        "customer_name": ("text", lambda o: f"{customer(o).get('first_name', '')} {customer(o).get('last_name', '')}"),
    }


def _order_name_matches(name, term):
    wanted = term.stem.lower()
    candidates = (wanted, f"#{wanted}")
    if term.prefix:
        return any(name.lower().startswith(c) for c in candidates)
    if term.comparator != ":":
        digits = wanted.lstrip("#")
        return digits.isdigit() and search.compare(int(name.lstrip("#")), term.comparator, int(digits))
    return name.lower() in candidates


def order_free_text(shop):
    def text(order):
        customer = shop.customers.get(order["customer_id"]) or {}
        return " ".join([order["name"], order["email"] or "", customer.get("first_name", ""),
                         customer.get("last_name", "")])

    return text


CUSTOMER_FIELDS = {
    "email": ("exact", lambda c: c["email"]),
    "first_name": ("exact", lambda c: c["first_name"]),
    "last_name": ("exact", lambda c: c["last_name"]),
    "phone": ("exact", lambda c: c["phone"]),
    "id": ("id", lambda c: c["id"]),
    "tag": ("tags", lambda c: c["tags"]),
    "country": ("exact", lambda c: (c.get("address") or {}).get("country_code")),
    "state": ("exact", lambda c: c["state"]),
    "created_at": ("date", lambda c: c["created_at"]),
    "updated_at": ("date", lambda c: c["updated_at"]),
}


def customer_free_text(customer):
    return " ".join([customer["first_name"], customer["last_name"], customer["email"]])


RETURN_FIELDS = {"status": ("exact", lambda r: r["status"]), "name": ("exact", lambda r: r.get("name"))}


def matcher(info, query, fields, free):
    """A ``search.Matcher`` for ``query``; its warnings go to the answer's extensions.search."""
    found = search.Matcher(query, fields, free, info.context.shop.info.get("timezone", "UTC"))
    if found.warnings:
        info.context.search.append({"path": list(info.path.as_list()), "query": query, "warnings": found.warnings})
    return found


ORDER_SORT = {
    "ID": lambda shop, o: o["id"],
    "NUMBER": lambda shop, o: o["number"],
    "CREATED_AT": lambda shop, o: (o["created_at"], o["id"]),
    "PROCESSED_AT": lambda shop, o: (o["created_at"], o["id"]),
    "UPDATED_AT": lambda shop, o: (o["updated_at"], o["id"]),
    "TOTAL_PRICE": lambda shop, o: (shop.total(o), o["id"]),
}


def order_connection(info, shop, orders, first=None, after=None, last=None, before=None, reverse=False,
                     sortKey="ID", query=None):  # noqa: N803 - GraphQL argument names
    matches = matcher(info, query, order_fields(shop), order_free_text(shop))
    matching = [o for o in orders if matches(o)]
    matching.sort(key=lambda o: ORDER_SORT[sortKey](shop, o))
    return connection(matching, lambda o: order_view(shop, o), first, after, last, before, reverse)


# -- views ------------------------------------------------------------------------------------


def money(shop, value, currency):
    return {"amount": decimal_text(value), "currencyCode": currency}


def money_bag(shop, value, currency):
    return {
        "shopMoney": money(shop, shop.shop_money(value, currency), shop.info["currency"]),
        "presentmentMoney": money(shop, value, currency),
    }


def address_view(address, owner_id):
    if not address:
        return None
    first, last = address.get("first_name"), address.get("last_name")
    code = address.get("country_code")
    lines = [address.get("address1"), address.get("address2"),
             " ".join(p for p in (address.get("city"), address.get("province_code"), address.get("zip")) if p),
             COUNTRY_NAMES.get(code, code)]
    return {
        "id": gid("MailingAddress", owner_id),
        "firstName": first, "lastName": last, "name": " ".join(p for p in (first, last) if p) or None,
        "company": address.get("company"), "address1": address.get("address1"),
        "address2": address.get("address2"), "city": address.get("city"),
        "province": address.get("province_code"), "provinceCode": address.get("province_code"),
        "zip": address.get("zip"), "country": COUNTRY_NAMES.get(code, code), "countryCodeV2": code,
        "phone": address.get("phone"), "formatted": [line for line in lines if line],
    }


def customer_view(shop, customer):
    orders = shop.orders_of(customer["id"])
    spent = sum((shop.shop_money(shop.received(o) - shop.refunded(o), o["currency"]) for o in orders),
                Decimal("0"))

    def customer_orders(info, **args):
        require(info, "read_orders", "orders")
        return order_connection(info, shop, orders, **args)

    marketing = customer["email_marketing"]
    return {
        "id": gid("Customer", customer["id"]), "legacyResourceId": str(customer["id"]),
        "firstName": customer["first_name"], "lastName": customer["last_name"],
        "displayName": f"{customer['first_name']} {customer['last_name']}".strip() or customer["email"],
        "email": customer["email"], "phone": customer["phone"],
        "defaultEmailAddress": {"emailAddress": customer["email"], "marketingState": marketing["state"],
                                "marketingOptInLevel": marketing["opt_in_level"],
                                "marketingUpdatedAt": marketing["updated_at"]},
        "emailMarketingConsent": {"marketingState": marketing["state"],
                                  "marketingOptInLevel": marketing["opt_in_level"],
                                  "consentUpdatedAt": marketing["updated_at"]},
        "defaultPhoneNumber": {"phoneNumber": customer["phone"]} if customer["phone"] else None,
        "defaultAddress": address_view(customer["address"], customer["id"]),
        "numberOfOrders": str(len(orders)), "amountSpent": money(shop, spent, shop.info["currency"]),
        "createdAt": customer["created_at"], "updatedAt": customer["updated_at"], "state": customer["state"],
        "tags": customer["tags"], "note": customer["note"], "orders": customer_orders,
    }


def line_item_view(shop, order, line):
    refundable = line["quantity"] - shop.refunded_quantity(order, line["id"])
    price = Decimal(line["price"])
    return {
        "id": gid("LineItem", line["id"]), "name": line["title"], "title": line["title"].split(" - ")[0],
        "sku": line["sku"], "quantity": line["quantity"], "currentQuantity": refundable,
        "refundableQuantity": refundable, "unfulfilledQuantity": shop.unfulfilled_quantity(order, line),
        "requiresShipping": True,
        "originalUnitPriceSet": money_bag(shop, price, order["currency"]),
        "originalTotalSet": money_bag(shop, price * line["quantity"], order["currency"]),
    }


def _line(order, line_id):
    return next(line for line in order["line_items"] if line["id"] == line_id)


def fulfillment_view(shop, order, fulfillment, index):
    def fulfillment_line_items(info, **args):
        return connection(fulfillment["line_items"], lambda item: {
            "id": gid("FulfillmentLineItem", item["id"]), "quantity": item["quantity"],
            "lineItem": line_item_view(shop, order, _line(order, item["line_item_id"])),
        }, **args)

    return {
        "id": gid("Fulfillment", fulfillment["id"]), "legacyResourceId": str(fulfillment["id"]),
        "name": f"{order['name']}-F{index + 1}", "status": fulfillment["status"],
        "displayStatus": fulfillment["display_status"], "createdAt": fulfillment["created_at"],
        "updatedAt": fulfillment["delivered_at"] or fulfillment["created_at"],
        "deliveredAt": fulfillment["delivered_at"], "estimatedDeliveryAt": fulfillment["estimated_delivery_at"],
        "inTransitAt": fulfillment["created_at"],
        "trackingInfo": lambda info, first=None: first_n(fulfillment["tracking"], first),
        "fulfillmentLineItems": fulfillment_line_items,
        "order": lambda info: order_view(shop, order),
    }


def transaction_view(shop, order, txn):
    parent = next((t for t in order["transactions"] if t["id"] == txn["parent_id"]), None)
    return {
        "id": gid("OrderTransaction", txn["id"]), "kind": txn["kind"], "status": txn["status"],
        "gateway": txn["gateway"], "amountSet": money_bag(shop, txn["amount"], order["currency"]),
        "createdAt": txn["created_at"],
        "parentTransaction": (lambda info: transaction_view(shop, order, parent)) if parent else None,
    }


def refund_view(shop, order, refund):
    def refund_line_items(info, **args):
        return connection(refund["line_items"], lambda item: {
            "id": gid("RefundLineItem", item["line_item_id"] * 10 + refund["id"] % 10),
            "lineItem": line_item_view(shop, order, _line(order, item["line_item_id"])),
            "quantity": item["quantity"], "restockType": item["restock_type"],
            "restocked": item["restock_type"] in ("RETURN", "CANCEL"),
        }, id_of=lambda item: item["line_item_id"], **args)

    def refund_transactions(info, **args):
        txns = [t for t in order["transactions"] if t["id"] in refund["transaction_ids"]]
        return connection(txns, lambda t: transaction_view(shop, order, t), **args)

    return {
        "id": gid("Refund", refund["id"]), "legacyResourceId": str(refund["id"]),
        "createdAt": refund["created_at"], "note": refund["note"],
        "totalRefundedSet": money_bag(shop, refund["amount"], order["currency"]),
        "order": lambda info: order_view(shop, order),
        "refundLineItems": refund_line_items, "transactions": refund_transactions,
    }


def return_view(shop, order, ret):
    fulfilled = {item["id"]: item for f in order["fulfillments"] for item in f["line_items"]}

    def return_line_items(info, **args):
        return connection(ret["line_items"], lambda item: {
            "__typename": "ReturnLineItem",
            "id": gid("ReturnLineItem", item["id"]), "quantity": item["quantity"],
            "returnReasonNote": item["return_reason_note"] or "", "customerNote": item["customer_note"],
            "returnReason": "UNKNOWN",
            "fulfillmentLineItem": {
                "id": gid("FulfillmentLineItem", item["fulfillment_line_item_id"]),
                "quantity": fulfilled[item["fulfillment_line_item_id"]]["quantity"],
                "lineItem": line_item_view(shop, order, _line(order, item["line_item_id"])),
            },
        }, **args)

    return {
        "id": gid("Return", ret["id"]), "name": ret["name"], "status": ret["status"],
        "createdAt": ret["created_at"], "order": lambda info: order_view(shop, order),
        "totalQuantity": sum(item["quantity"] for item in ret["line_items"]),
        "returnLineItems": return_line_items,
    }


def order_view(shop, order):
    currency = order["currency"]

    def customer(info):
        require(info, "read_customers", "customer")
        found = shop.customers.get(order["customer_id"])
        return customer_view(shop, found) if found else None

    def returns(info, query=None, **args):
        require(info, "read_returns", "returns")
        matches = matcher(info, query, RETURN_FIELDS, lambda r: r.get("name") or "")
        found = [r for r in order["returns"] if matches(r)]
        return connection(found, lambda r: return_view(shop, order, r), **args)

    fulfillments = order["fulfillments"]
    return {
        "id": gid("Order", order["id"]), "legacyResourceId": str(order["id"]), "name": order["name"],
        "email": order["email"], "phone": order["phone"], "createdAt": order["created_at"],
        "updatedAt": order["updated_at"], "processedAt": order["created_at"],
        "cancelledAt": order["cancelled_at"], "cancelReason": order["cancel_reason"],
        "closed": bool(order["closed_at"]), "closedAt": order["closed_at"], "note": order["note"],
        "tags": order["tags"],
        "displayFinancialStatus": shop.financial_status(order),
        "displayFulfillmentStatus": shop.fulfillment_status(order),
        "currencyCode": shop.info["currency"], "presentmentCurrencyCode": currency,
        "subtotalPriceSet": money_bag(shop, shop.subtotal(order), currency),
        "totalPriceSet": money_bag(shop, shop.total(order), currency),
        "totalShippingPriceSet": money_bag(shop, order["shipping_price"], currency),
        "totalReceivedSet": money_bag(shop, shop.received(order), currency),
        "totalRefundedSet": money_bag(shop, shop.refunded(order), currency),
        "currentTotalPriceSet": money_bag(shop, shop.total(order) - shop.refunded(order), currency),
        "customer": customer,
        "shippingAddress": address_view(order["shipping_address"], order["id"]),
        "lineItems": lambda info, **args: connection(
            order["line_items"], lambda line: line_item_view(shop, order, line), **args),
        "fulfillments": lambda info, first=None: [
            fulfillment_view(shop, order, f, i) for i, f in enumerate(first_n(fulfillments, first))],
        "refunds": lambda info, first=None: [refund_view(shop, order, r) for r in first_n(order["refunds"], first)],
        "transactions": lambda info, first=None, **_: [
            transaction_view(shop, order, t) for t in first_n(order["transactions"], first)],
        "returns": returns,
    }


def webhook_view(subscription):
    return {
        "id": gid("WebhookSubscription", subscription["id"]), "topic": subscription["topic"],
        "uri": subscription["uri"], "format": subscription["format"], "createdAt": subscription["created_at"],
        "updatedAt": subscription["created_at"], "apiVersion": subscription["api_version"],
        "includeFields": subscription["include_fields"],
    }


# -- root fields and mutations ----------------------------------------------------------------


class Root:
    """The query and mutation roots; graphql-core calls these methods as resolvers."""

    # queries

    def shop(self, info):
        shop = info.context.shop
        return {"id": gid("Shop", 1), "name": shop.info["name"], "email": shop.info["email"],
                "myshopifyDomain": shop.info["domain"], "currencyCode": shop.info["currency"],
                "ianaTimezone": shop.info["timezone"]}

    def order(self, info, id):  # noqa: A002 - GraphQL argument name
        require(info, "read_orders", "order")
        shop = info.context.shop
        number = parse_gid(id, "Order")
        found = shop.order(number) if number else None
        return order_view(shop, found) if found else None

    def orders(self, info, **args):
        require(info, "read_orders", "orders")
        shop = info.context.shop
        return order_connection(info, shop, list(shop.orders.values()), **args)

    def customer(self, info, id):  # noqa: A002
        require(info, "read_customers", "customer")
        shop = info.context.shop
        number = parse_gid(id, "Customer")
        found = shop.customers.get(number) if number else None
        return customer_view(shop, found) if found else None

    def customers(self, info, sortKey="ID", query=None, **args):  # noqa: N803
        require(info, "read_customers", "customers")
        shop = info.context.shop
        matches = matcher(info, query, CUSTOMER_FIELDS, customer_free_text)
        found = [c for c in shop.customers.values() if matches(c)]
        sort = {"ID": lambda c: c["id"], "CREATED_AT": lambda c: (c["created_at"], c["id"]),
                "UPDATED_AT": lambda c: (c["updated_at"], c["id"]),
                "NAME": lambda c: (c["last_name"], c["first_name"], c["id"])}[sortKey]
        return connection(sorted(found, key=sort), lambda c: customer_view(shop, c), **args)

    def customerByIdentifier(self, info, identifier):  # noqa: N802
        require(info, "read_customers", "customerByIdentifier")
        shop = info.context.shop
        if identifier.get("emailAddress"):
            found = shop.customer_by_email(identifier["emailAddress"])
        elif identifier.get("id"):
            found = shop.customers.get(parse_gid(identifier["id"], "Customer"))
        elif identifier.get("phoneNumber"):
            found = next((c for c in shop.customers.values() if c["phone"] == identifier["phoneNumber"]), None)
        else:
            raise GraphQLError("Exactly one identifier must be provided", extensions={"code": "BAD_REQUEST"})
        return customer_view(shop, found) if found else None

    def return_(self, info, id):  # noqa: A002 - the field is named "return", a Python keyword
        require(info, "read_returns", "return")
        shop = info.context.shop
        number = parse_gid(id, "Return")
        order, found = shop.find_return(number) if number else (None, None)
        return return_view(shop, order, found) if found else None

    def node(self, info, id):  # noqa: A002
        """The object a global id names, through the field that reads that kind (and its scope);
        None for a kind the sandbox's shop does not keep, as for an id that does not exist."""
        match = GID.match(id or "")
        if match is None:
            raise GraphQLError(f"Invalid global id '{id}'", extensions={"code": "argumentLiteralsIncompatible"})
        reader = {"Order": self.order, "Customer": self.customer, "Return": self.return_}.get(match.group(1))
        return reader(info, id) if reader else None

    def nodes(self, info, ids):
        return [self.node(info, one) for one in ids]

    def webhookSubscriptions(self, info, topics=None, **args):  # noqa: N802
        subs = [s for s in info.context.subscriptions if not topics or s["topic"] in topics]
        return connection(subs, webhook_view, **args)

    # mutations

    def refundCreate(self, info, input):  # noqa: N802, A002
        require(info, "write_orders", "refundCreate")
        context, shop = info.context, info.context.shop
        key = idempotency_key(info)
        fingerprint = json.dumps(input, sort_keys=True, default=str)
        if key is not None and key in shop.refund_keys:
            earlier_fingerprint, order_id, refund_id = shop.refund_keys[key]
            if earlier_fingerprint != fingerprint:
                raise GraphQLError("The idempotency key was already used with different arguments",
                                   extensions={"code": "IDEMPOTENCY_KEY_REUSED"})
            order = shop.order(order_id)
            refund = next(r for r in order["refunds"] if r["id"] == refund_id)
            return {"order": order_view(shop, order), "refund": refund_view(shop, order, refund), "userErrors": []}
        try:
            request = dict(input, orderId=_id_or_fail(input["orderId"], "Order", ["orderId"]))
            request["refundLineItems"] = [
                dict(item, lineItemId=_id_or_fail(item["lineItemId"], "LineItem", ["refundLineItems"]))
                for item in input.get("refundLineItems") or []]
            request["transactions"] = [
                dict(txn, parentId=_id_or_fail(txn["parentId"], "OrderTransaction", ["transactions"])
                     if txn.get("parentId") else None)
                for txn in input.get("transactions") or []]
            order, refund = shop.create_refund(request["orderId"], request, now())
        except UserError as error:
            return {"order": None, "refund": None, "userErrors": [error.as_json(with_code=False)]}
        if key is not None:
            shop.refund_keys[key] = (fingerprint, order["id"], refund["id"])
        context.events.append(("refunds/create", ("refund", order, refund)))
        context.events.append(("orders/updated", ("order", order)))
        return {"order": order_view(shop, order), "refund": refund_view(shop, order, refund), "userErrors": []}

    def returnCreate(self, info, returnInput):  # noqa: N802, N803
        require(info, "write_returns", "returnCreate")
        return self._start_return(info, returnInput, "OPEN", "returnInput", None)

    def returnRequest(self, info, input):  # noqa: N802, A002
        require(info, "write_returns", "returnRequest")
        return self._start_return(info, input, "REQUESTED", "input", "returns/request")

    def _start_return(self, info, given, status, argument, topic):
        shop = info.context.shop
        try:
            order_id = _id_or_fail(given["orderId"], "Order", [argument, "orderId"])
            items = [dict(item, fulfillmentLineItemId=_id_or_fail(
                item["fulfillmentLineItemId"], "FulfillmentLineItem", [argument, "returnLineItems"]))
                for item in given["returnLineItems"]]
            if not items:
                raise UserError("Return line items can't be blank", [argument, "returnLineItems"], "BLANK")
            order, ret = shop.create_return(order_id, items, status, now(), field=argument)
        except UserError as error:
            return {"return": None, "userErrors": [error.as_json()]}
        if topic:
            info.context.events.append((topic, ("return", order, ret)))
        info.context.events.append(("orders/updated", ("order", order)))
        return {"return": return_view(shop, order, ret), "userErrors": []}

    def returnApproveRequest(self, info, input):  # noqa: N802, A002
        require(info, "write_returns", "returnApproveRequest")
        shop = info.context.shop
        try:
            order, ret = shop.approve_return(_id_or_fail(input["id"], "Return", ["id"]), now())
        except UserError as error:
            return {"return": None, "userErrors": [error.as_json()]}
        info.context.events.append(("returns/approve", ("return", order, ret)))
        return {"return": return_view(shop, order, ret), "userErrors": []}

    def orderCancel(self, info, orderId, reason, restock, refund=None, refundMethod=None,  # noqa: N802, N803
                    notifyCustomer=None, staffNote=None):  # noqa: N803
        require(info, "write_orders", "orderCancel")
        shop = info.context.shop
        wants_refund = bool((refundMethod or {}).get("originalPaymentMethodsRefund", refund))
        try:
            order = shop.cancel(_id_or_fail(orderId, "Order", ["orderId"], code="NOT_FOUND"), reason,
                                wants_refund, now(), staffNote)
        except UserError as error:
            problem = error.as_json()
            return {"job": None, "orderCancelUserErrors": [problem],
                    "userErrors": [{"field": problem["field"], "message": problem["message"]}]}
        info.context.events.append(("orders/cancelled", ("order", order)))
        info.context.events.append(("orders/updated", ("order", order)))
        # Shopify cancels in a background job; the sandbox finishes it before answering.
        return {"job": {"id": gid("Job", shop.next_id()), "done": True}, "orderCancelUserErrors": [],
                "userErrors": []}

    def orderUpdate(self, info, input):  # noqa: N802, A002
        require(info, "write_orders", "orderUpdate")
        shop = info.context.shop
        try:
            order = shop.update_order(_id_or_fail(input["id"], "Order", ["id"]), input, now())
        except UserError as error:
            return {"order": None, "userErrors": [error.as_json(with_code=False)]}
        info.context.events.append(("orders/updated", ("order", order)))
        return {"order": order_view(shop, order), "userErrors": []}

    def customerUpdate(self, info, input):  # noqa: N802, A002
        require(info, "write_customers", "customerUpdate")
        shop = info.context.shop
        if not input.get("id"):
            return {"customer": None, "userErrors": [{"field": ["id"], "message": "Customer id is required"}]}
        try:
            customer = shop.update_customer(_id_or_fail(input["id"], "Customer", ["id"]), input, now())
        except UserError as error:
            return {"customer": None, "userErrors": [error.as_json(with_code=False)]}
        return {"customer": customer_view(shop, customer), "userErrors": []}

    def customerEmailMarketingConsentUpdate(self, info, input):  # noqa: N802, A002
        require(info, "write_customers", "customerEmailMarketingConsentUpdate")
        shop = info.context.shop
        try:
            number = _id_or_fail(input["customerId"], "Customer", ["input", "customerId"], "INVALID")
            customer = shop.set_email_marketing(number, input["emailMarketingConsent"], now())
        except UserError as error:
            return {"customer": None, "userErrors": [error.as_json()]}
        return {"customer": customer_view(shop, customer), "userErrors": []}

    def webhookSubscriptionCreate(self, info, topic, webhookSubscription):  # noqa: N802, N803
        resource = topic.split("_", 1)[0].lower()
        require(info, "read_returns" if resource == "returns" else "read_orders", "webhookSubscriptionCreate")
        shop, subscriptions = info.context.shop, info.context.subscriptions
        uri = webhookSubscription.get("uri") or webhookSubscription.get("callbackUrl")
        if not uri or not re.match(r"^https?://", uri):
            return {"webhookSubscription": None,
                    "userErrors": [{"field": ["webhookSubscription", "uri"], "message": "Address is invalid"}]}
        if any(s["topic"] == topic and s["uri"] == uri for s in subscriptions):
            return {"webhookSubscription": None, "userErrors": [
                {"field": ["webhookSubscription", "uri"], "message": "Address for this topic has already been taken"}]}
        subscription = {
            "id": shop.next_id(), "topic": topic, "uri": uri, "format": webhookSubscription.get("format") or "JSON",
            "created_at": iso(now()), "api_version": info.context.api_version,
            "include_fields": webhookSubscription.get("includeFields") or [],
        }
        subscriptions.append(subscription)
        info.context.events.append(("_subscribed", subscription))
        return {"webhookSubscription": webhook_view(subscription), "userErrors": []}


def idempotency_key(info):
    """The @idempotent(key:) on this field; required from 2026-04 on refundCreate."""
    directive = info.schema.get_directive("idempotent")
    values = get_directive_values(directive, info.field_nodes[0], info.variable_values) or {}
    key = values.get("key")
    # "unstable" sorts after every YYYY-MM, as it is newer than all of them.
    if not key and info.context.api_version >= IDEMPOTENCY_REQUIRED_FROM:
        raise GraphQLError(
            f"The @idempotent directive with a key is required for {info.field_name} from API version "
            f"{IDEMPOTENCY_REQUIRED_FROM}.", extensions={"code": "BAD_REQUEST"})
    return key


def _id_or_fail(value, kind, field, code="NOT_FOUND"):
    """A GID's number for a mutation input; a wrong kind is the caller's mistake, reported in
    userErrors like a missing record."""
    number = parse_gid(value, kind)
    if number is None:
        raise UserError(f"{kind} does not exist", field, code)
    return number



# graphql-core's default resolver reads the root field "return" as getattr(root, "return").
setattr(Root, "return", Root.return_)
