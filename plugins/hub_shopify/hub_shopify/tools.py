"""The Shopify tools a flow may call: order and customer lookups, the actions that move money
or goods (refund, return, cancel) or change an order (shipping address), and the account
changes a verified customer may ask for (name, phone, newsletter).

Every tool talks to the Admin GraphQL API through ``call.session`` and answers a small dict
with snake_case keys. Actions are safe to repeat, after a lost answer too: a refund carries
Shopify's own idempotency key and leaves a marker of it in its note, which the tool looks for
before refunding; returns and cancellations read the order for what an earlier attempt made
(``hub.writes.once``) before sending the mutation again; the changes of an address, a profile
or a consent only set values, so sending them twice is one change.
"""

import hashlib
import re
import uuid
from decimal import Decimal

from hub.errors import ConnectorError, NotFound, ToolRefused
from hub.tools import ACTION, LOOKUP, READ_BACK, SAME_STATE, VENDOR_KEY, Tool
from hub.writes import once

from .connector import graphql

NAME = "shopify"
GID = re.compile(r"^gid://shopify/([A-Za-z]+)/(\d+)$")
#: Orders a listing follows before it stops and says it was truncated.
LIST_LIMIT = 2500

MONEY = "presentmentMoney { amount currencyCode }"

ORDER_SUMMARY = f"""
  id name email createdAt cancelledAt
  displayFinancialStatus displayFulfillmentStatus
  totalPriceSet {{ {MONEY} }}
  customer {{ id displayName defaultEmailAddress {{ emailAddress }} }}
"""

ADDRESS = "firstName lastName company address1 address2 city provinceCode zip countryCodeV2 phone"

ORDER_DETAIL = f"""
query Order($id: ID!) {{
  order(id: $id) {{
    {ORDER_SUMMARY}
    updatedAt cancelReason note
    shippingAddress {{ {ADDRESS} }}
    totalRefundedSet {{ {MONEY} }}
    totalReceivedSet {{ {MONEY} }}
    lineItems(first: 30) {{
      nodes {{ id name sku quantity refundableQuantity unfulfilledQuantity originalUnitPriceSet {{ {MONEY} }} }}
    }}
    fulfillments(first: 5) {{
      id status displayStatus createdAt deliveredAt estimatedDeliveryAt
      trackingInfo(first: 3) {{ company number url }}
      fulfillmentLineItems(first: 15) {{ nodes {{ id quantity lineItem {{ id }} }} }}
    }}
    refunds(first: 5) {{ id createdAt note totalRefundedSet {{ {MONEY} }} }}
    returns(first: 5) {{
      nodes {{
        id name status
        returnLineItems(first: 15) {{
          nodes {{ id quantity ... on ReturnLineItem {{ fulfillmentLineItem {{ id }} }} }}
        }}
      }}
    }}
  }}
}}
"""

ORDER_STATE = f"""
query OrderState($id: ID!) {{
  order(id: $id) {{ id name cancelledAt displayFulfillmentStatus shippingAddress {{ {ADDRESS} }} }}
}}
"""

ORDER_RETURNABLE = """
query OrderReturnable($id: ID!) {
  order(id: $id) {
    id name
    fulfillments(first: 5) { fulfillmentLineItems(first: 15) { nodes { id lineItem { id } } } }
    returns(first: 5) {
      nodes {
        id name status
        returnLineItems(first: 15) { nodes { id quantity ... on ReturnLineItem { fulfillmentLineItem { id } } } }
      }
    }
  }
}
"""

FIND_ORDERS = f"""
query FindOrders($query: String!, $first: Int!, $after: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: CREATED_AT, reverse: true) {{
    nodes {{ {ORDER_SUMMARY} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

FIND_CUSTOMER = """
query FindCustomer($email: String!) {
  customerByIdentifier(identifier: { emailAddress: $email }) {
    id displayName firstName lastName createdAt tags numberOfOrders
    defaultEmailAddress { emailAddress marketingState }
    defaultPhoneNumber { phoneNumber }
    amountSpent { amount currencyCode }
  }
}
"""

CUSTOMER_FIELDS = """
  id displayName firstName lastName
  defaultEmailAddress { emailAddress marketingState marketingUpdatedAt }
  defaultPhoneNumber { phoneNumber }
"""

CUSTOMER_STATE = f"""
query CustomerState($id: ID!) {{ customer(id: $id) {{ {CUSTOMER_FIELDS} }} }}
"""

CUSTOMER_UPDATE = f"""
mutation UpdateCustomer($input: CustomerInput!) {{
  customerUpdate(input: $input) {{ customer {{ {CUSTOMER_FIELDS} }} userErrors {{ field message }} }}
}}
"""

MARKETING_CONSENT_UPDATE = f"""
mutation MarketingConsent($input: CustomerEmailMarketingConsentUpdateInput!) {{
  customerEmailMarketingConsentUpdate(input: $input) {{
    customer {{ {CUSTOMER_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""

REFUND_FIELDS = f"id createdAt note totalRefundedSet {{ {MONEY} }}"

ORDER_PAYMENTS = f"""
query OrderPayments($id: ID!) {{
  order(id: $id) {{
    id name presentmentCurrencyCode displayFinancialStatus
    transactions(first: 20) {{ id kind status gateway amountSet {{ {MONEY} }} parentTransaction {{ id }} }}
    refunds(first: 20) {{ {REFUND_FIELDS} }}
  }}
}}
"""

REFUND = f"""
mutation Refund($input: RefundInput!, $key: String!) {{
  refundCreate(input: $input) @idempotent(key: $key) {{
    refund {{ {REFUND_FIELDS} }}
    order {{ id displayFinancialStatus }}
    userErrors {{ field message }}
  }}
}}
"""

RETURN_FIELDS = """
  id name status
  returnLineItems(first: 20) { nodes { id quantity ... on ReturnLineItem { fulfillmentLineItem { id } } } }
"""

RETURN_CREATE = f"""
mutation ReturnCreate($input: ReturnInput!) {{
  returnCreate(returnInput: $input) {{
    return {{ {RETURN_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""

RETURN_REQUEST = f"""
mutation ReturnRequest($input: ReturnRequestInput!) {{
  returnRequest(input: $input) {{
    return {{ {RETURN_FIELDS} }}
    userErrors {{ field message code }}
  }}
}}
"""

ORDER_CANCEL = """
mutation Cancel($orderId: ID!, $reason: OrderCancelReason!, $refundMethod: OrderCancelRefundMethodInput,
                $restock: Boolean!, $notifyCustomer: Boolean, $staffNote: String) {
  orderCancel(orderId: $orderId, reason: $reason, refundMethod: $refundMethod, restock: $restock,
              notifyCustomer: $notifyCustomer, staffNote: $staffNote) {
    job { id done }
    orderCancelUserErrors { field message code }
  }
}
"""

ORDER_UPDATE = f"""
mutation UpdateAddress($input: OrderInput!) {{
  orderUpdate(input: $input) {{
    order {{ id shippingAddress {{ {ADDRESS} }} }}
    userErrors {{ field message }}
  }}
}}
"""

# -- arguments ------------------------------------------------------------------------------

ORDER_ID = {
    "type": "string", "minLength": 1, "maxLength": 80,
    "description": 'gid://shopify/Order/…, the numeric id, or the order name ("#1001")',
}
EMAIL = {"type": "string", "format": "email", "minLength": 3, "maxLength": 320}
CUSTOMER_ID = {"type": "string", "minLength": 1, "maxLength": 80, "description": "gid://shopify/Customer/… or the numeric id"}
NAME_PART = {"type": "string", "minLength": 1, "maxLength": 255}
AMOUNT = {"type": "string", "pattern": r"^\d{1,9}(\.\d{1,2})?$", "description": "in the order's currency"}
RETURN_ITEMS = {
    "type": "array", "minItems": 1, "maxItems": 50,
    "items": {
        "type": "object", "additionalProperties": False, "required": ["quantity"],
        "properties": {
            "fulfillment_line_item_id": {"type": "string"},
            "line_item_id": {"type": "string"},
            "quantity": {"type": "integer", "minimum": 1},
        },
        "oneOf": [{"required": ["fulfillment_line_item_id"]}, {"required": ["line_item_id"]}],
    },
}


def schema(required=(), **properties):
    return {"type": "object", "additionalProperties": False, "required": list(required), "properties": properties}


# -- lookups --------------------------------------------------------------------------------


def find_order(call):
    """Orders by name ("#1001") or by customer email, newest first."""
    args = call.arguments
    if args.get("name"):
        name = args["name"] if args["name"].startswith("#") else f"#{args['name']}"
        search = f"name:{quote(name)}"
    else:
        search = f"email:{quote(args['email'])}"
    data = graphql(call.session, FIND_ORDERS, {"query": search, "first": 10})
    return {"orders": [order_summary(node) for node in data["orders"]["nodes"]]}


def get_order(call):
    """One order with its line items, fulfilments and tracking, refunds and returns."""
    order = fetch_order(call, call.arguments["order_id"])
    return order_detail(order)


def find_customer(call):
    data = graphql(call.session, FIND_CUSTOMER, {"email": call.arguments["email"]})
    customer = data.get("customerByIdentifier")
    return {"customer": customer_summary(customer) if customer else None}


def list_orders(call):
    """Every order (of one customer, if given), following the connection to its last page."""
    args = call.arguments
    search = f"email:{quote(args['customer_email'])}" if args.get("customer_email") else ""
    orders, after, pages = [], None, 0
    while True:
        data = graphql(call.session, FIND_ORDERS, {"query": search, "first": args.get("page_size", 50), "after": after})
        connection = data["orders"]
        pages += 1
        orders.extend(order_summary(node) for node in connection["nodes"])
        info = connection["pageInfo"]
        if not info["hasNextPage"] or len(orders) >= LIST_LIMIT:
            return {"orders": orders, "pages": pages, "truncated": bool(info["hasNextPage"])}
        after = info["endCursor"]


# -- actions --------------------------------------------------------------------------------


def refund(call):
    """Refund an amount to the original payment, optionally for returned line items.

    Shopify requires an idempotency key on refundCreate from 2026-04: the same key returns
    the same refund instead of paying twice, so a lost answer is sent again as it was. The
    refund's note (seen by staff only) carries a marker of the key too: a retried step finds
    the refund its first attempt made before it computes anything from the order's payments,
    which that refund has already used up.
    """
    args = call.arguments
    order_id = order_gid(call, args["order_id"])
    key = call.idempotency_key or str(uuid.uuid4())
    order = graphql(call.session, ORDER_PAYMENTS, {"id": order_id}).get("order")
    if order is None:
        raise NotFound(NAME, f"no order {args['order_id']}")
    earlier = refund_made_under(order, key)
    if earlier is not None:
        return refund_result(earlier, order_id, order["displayFinancialStatus"], key, already=True)
    currency = order["presentmentCurrencyCode"]
    refund_input = {
        "orderId": order_id,
        "note": f"{args.get('note') or 'Refund'} {refund_marker(key)}",
        "notify": args.get("notify_customer", False),
        "currency": currency,
        "transactions": refund_transactions(order, Decimal(args["amount"])),
        "refundLineItems": [
            {"lineItemId": gid("LineItem", item["line_item_id"]), "quantity": item["quantity"],
             "restockType": "RETURN" if args.get("restock") else "NO_RESTOCK"}
            for item in args.get("line_items", ())
        ],
    }
    data = graphql(call.session, REFUND, {"input": refund_input, "key": key}, idempotent=True)["refundCreate"]
    return refund_result(data["refund"], order_id, data["order"]["displayFinancialStatus"], key, already=False)


def refund_marker(key):
    """What a refund made under idempotency key ``key`` has at the end of its note."""
    return f"[helpdesk-hub {hashlib.sha256(key.encode()).hexdigest()[:20]}]"


def refund_made_under(order, key):
    """The order's refund whose note carries ``key``'s marker, if there is one."""
    marker = refund_marker(key)
    return next((r for r in order.get("refunds") or () if marker in (r.get("note") or "")), None)


def refund_result(refunded, order_id, financial_status, key, already):
    money = refunded["totalRefundedSet"]["presentmentMoney"]
    return {
        "refund_id": refunded["id"], "order_id": order_id, "amount": money["amount"],
        "currency": money["currencyCode"], "created_at": refunded["createdAt"],
        "financial_status": financial_status, "idempotency_key": key, "already": already,
    }


def refund_transactions(order, amount):
    """Split ``amount`` over the order's captured payments, oldest first, as REFUND transactions.

    A repeat after success sees the same split for an order paid at once (the usual case), so
    Shopify returns the same refund. With several captures the split may shift, and Shopify then
    refuses the reused key: an error, never a second refund.
    """
    refunded = {}
    for txn in order["transactions"]:
        if txn["kind"] == "REFUND" and txn["status"] == "SUCCESS" and txn.get("parentTransaction"):
            parent = txn["parentTransaction"]["id"]
            refunded[parent] = refunded.get(parent, 0) + Decimal(txn["amountSet"]["presentmentMoney"]["amount"])
    transactions, left = [], amount
    for txn in order["transactions"]:
        if left <= 0:
            break
        if txn["kind"] not in ("SALE", "CAPTURE") or txn["status"] != "SUCCESS":
            continue
        room = Decimal(txn["amountSet"]["presentmentMoney"]["amount"]) - refunded.get(txn["id"], 0)
        if room <= 0:
            continue
        portion = min(room, left)
        transactions.append({"orderId": order["id"], "parentId": txn["id"], "amount": str(portion),
                             "gateway": txn["gateway"], "kind": "REFUND"})
        left -= portion
    if left > 0 and transactions:
        # More than was paid: send it anyway on the last payment so Shopify's own
        # over-refund check answers, in Shopify's words.
        transactions[-1]["amount"] = str(Decimal(transactions[-1]["amount"]) + left)
    if not transactions:
        raise ConnectorError(NAME, f"order {order['name']} has no captured payment left to refund")
    return transactions


def create_return(call):
    """Open a return (merchant-initiated: status OPEN) for fulfilled line items."""
    return _start_return(call, RETURN_CREATE, "returnCreate", note_key="returnReasonNote")


def request_return(call):
    """Request a return on the customer's behalf (status REQUESTED, awaiting approval)."""
    return _start_return(call, RETURN_REQUEST, "returnRequest", note_key="customerNote")


def _start_return(call, mutation, field, note_key):
    """Shopify takes no idempotency key on returns: the return a lost attempt opened is the
    open or requested return that covers the wanted items, found by reading the order."""
    args = call.arguments
    order = fetch_order(call, args["order_id"], ORDER_RETURNABLE)
    wanted = return_items(order, args["line_items"])
    line_items = [{"fulfillmentLineItemId": fli, "quantity": qty} for fli, qty in wanted.items()]
    if args.get("note"):
        for item in line_items:
            item[note_key] = args["note"][:255]
    reads = iter([order])  # the order just read serves the first look

    def find():
        current = next(reads, None) or fetch_order(call, order["id"], ORDER_RETURNABLE)
        earlier = covering_return(current, wanted)
        return dict(return_summary(earlier), order_id=order["id"], already=True) if earlier else None

    def write():
        data = graphql(call.session, mutation, {"input": {"orderId": order["id"], "returnLineItems": line_items}})
        return dict(return_summary(data[field]["return"]), order_id=order["id"], already=False)

    return once(call.session, find, write)[0]


def return_items(order, items):
    """Map the caller's items to ``{fulfillment line item gid: quantity}``."""
    fulfilled = [node for f in order["fulfillments"] for node in f["fulfillmentLineItems"]["nodes"]]
    wanted = {}
    for item in items:
        if item.get("fulfillment_line_item_id"):
            fli = gid("FulfillmentLineItem", item["fulfillment_line_item_id"])
        else:
            line = gid("LineItem", item["line_item_id"])
            matches = [n["id"] for n in fulfilled if n["lineItem"]["id"] == line]
            if not matches:
                raise ToolRefused(NAME, f"line item {line} of {order['name']} was never fulfilled: nothing to return")
            fli = matches[0]
        wanted[fli] = wanted.get(fli, 0) + item["quantity"]
    return wanted


def covering_return(order, wanted):
    """An open or requested return already covering every wanted item, if there is one."""
    for candidate in order["returns"]["nodes"]:
        if candidate["status"] not in ("OPEN", "REQUESTED"):
            continue
        held = {}
        for node in candidate["returnLineItems"]["nodes"]:
            fli = (node.get("fulfillmentLineItem") or {}).get("id")
            held[fli] = held.get(fli, 0) + node["quantity"]
        if all(held.get(fli, 0) >= qty for fli, qty in wanted.items()):
            return candidate
    return None


def cancel_order(call):
    """Cancel an order. Shopify refuses orders with fulfilments; the flow's policy decides more.

    orderCancel takes no idempotency key and refunds as it cancels: after a lost answer the
    order is read again, and a cancelled order is the earlier attempt's work."""
    args = call.arguments
    order = fetch_order(call, args["order_id"], ORDER_STATE)
    reads = iter([order])

    def find():
        current = next(reads, None) or fetch_order(call, order["id"], ORDER_STATE)
        if not current["cancelledAt"]:
            return None
        return {"order_id": current["id"], "name": current["name"], "cancelled": True,
                "cancelled_at": current["cancelledAt"], "already": True}

    return once(call.session, find, lambda: _cancel(call, order))[0]


def _cancel(call, order):
    args = call.arguments
    data = graphql(call.session, ORDER_CANCEL, {
        "orderId": order["id"],
        "reason": args.get("reason", "CUSTOMER"),
        "refundMethod": {"originalPaymentMethodsRefund": args.get("refund", True)},
        "restock": args.get("restock", True),
        "notifyCustomer": args.get("notify_customer", False),
        "staffNote": args.get("staff_note"),
    })["orderCancel"]
    job = data.get("job") or {}
    return {"order_id": order["id"], "name": order["name"], "cancelled": True,
            "job_id": job.get("id"), "job_done": bool(job.get("done")), "already": False}


def update_shipping_address(call):
    """Change where an unfulfilled order ships; a no-op when the address is already that."""
    args = call.arguments
    order = fetch_order(call, args["order_id"], ORDER_STATE)
    if order["displayFulfillmentStatus"] not in ("UNFULFILLED", "ON_HOLD", "SCHEDULED", "PENDING_FULFILLMENT"):
        raise ToolRefused(f"{NAME}.update_shipping_address",
                          f"order {order['name']} is {order['displayFulfillmentStatus']}: the parcel has left")
    wanted = address_input(args["address"])
    current = address_input_from(order.get("shippingAddress") or {})
    if all(current.get(key) == value for key, value in wanted.items()):
        return {"order_id": order["id"], "shipping_address": address(order["shippingAddress"]), "already": True}
    data = graphql(call.session, ORDER_UPDATE, {"input": {"id": order["id"], "shippingAddress": wanted}},
                   idempotent=True)
    return {"order_id": order["id"], "shipping_address": address(data["orderUpdate"]["order"]["shippingAddress"]),
            "already": False}


def update_customer(call):
    """Change a customer's first name, last name or phone; a no-op when they already read so.
    The email is not changeable here on purpose: it is who the customer is to every other check."""
    args = call.arguments
    customer = fetch_customer(call, args["customer_id"])
    wanted = {PROFILE_KEYS[key]: value for key, value in args["changes"].items()}
    if all(profile_value(customer, field) == value for field, value in wanted.items()):
        return {"customer": customer_profile(customer), "already": True}
    data = graphql(call.session, CUSTOMER_UPDATE, {"input": {"id": customer["id"], **wanted}}, idempotent=True)
    return {"customer": customer_profile(data["customerUpdate"]["customer"]), "already": False}


def set_email_marketing(call):
    """Subscribe the customer to marketing email or unsubscribe them; a no-op when already so."""
    args = call.arguments
    customer = fetch_customer(call, args["customer_id"])
    state = "SUBSCRIBED" if args["subscribed"] else "UNSUBSCRIBED"
    if customer["defaultEmailAddress"]["marketingState"] == state:
        return {"customer": customer_profile(customer), "already": True}
    data = graphql(call.session, MARKETING_CONSENT_UPDATE, {"input": {
        "customerId": customer["id"],
        # The customer asked in writing on the ticket: a single opt-in, recorded now.
        "emailMarketingConsent": {"marketingState": state, "marketingOptInLevel": "SINGLE_OPT_IN"},
    }}, idempotent=True)
    return {"customer": customer_profile(data["customerEmailMarketingConsentUpdate"]["customer"]), "already": False}


# -- shared reads and shapes -----------------------------------------------------------------


def fetch_customer(call, customer_id):
    customer = graphql(call.session, CUSTOMER_STATE, {"id": gid("Customer", customer_id)}).get("customer")
    if customer is None:
        raise NotFound(NAME, f"no customer {customer_id}")
    return customer


#: update_customer's argument -> CustomerInput field.
PROFILE_KEYS = {"first_name": "firstName", "last_name": "lastName", "phone": "phone"}


def profile_value(customer, field):
    if field == "phone":
        return (customer.get("defaultPhoneNumber") or {}).get("phoneNumber")
    return customer.get(field)


def customer_profile(node):
    email = node.get("defaultEmailAddress") or {}
    return {
        "id": node["id"], "name": node.get("displayName"), "first_name": node.get("firstName"),
        "last_name": node.get("lastName"), "email": email.get("emailAddress"),
        "phone": profile_value(node, "phone"), "email_marketing": email.get("marketingState"),
    }


def fetch_order(call, order_id, query=ORDER_DETAIL):
    """The order named by ``order_id``, read with ``query`` (each action asks only what it needs)."""
    order = graphql(call.session, query, {"id": order_gid(call, order_id)}).get("order")
    if order is None:
        raise NotFound(NAME, f"no order {order_id}")
    return order


def order_gid(call, value):
    """An order's GID from a GID, a numeric id or an order name."""
    value = value.strip()
    if GID.match(value) or value.isdigit():
        return gid("Order", value)
    name = value if value.startswith("#") else f"#{value}"
    nodes = graphql(call.session, FIND_ORDERS, {"query": f"name:{quote(name)}", "first": 1})["orders"]["nodes"]
    if not nodes:
        raise NotFound(NAME, f"no order named {name}")
    return nodes[0]["id"]


def gid(kind, value):
    value = str(value).strip()
    match = GID.match(value)
    if match:
        if match.group(1) != kind:
            raise ToolRefused(NAME, f"{value} is not a {kind} id")
        return value
    if not value.isdigit():
        raise ToolRefused(NAME, f"{value!r} is neither a {kind} GID nor a numeric id")
    return f"gid://shopify/{kind}/{value}"


def quote(value):
    """A search-syntax value: quoted, so spaces or colons in it cannot add filters."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def money(money_set):
    if not money_set:
        return None
    presentment = money_set["presentmentMoney"]
    return {"amount": presentment["amount"], "currency": presentment["currencyCode"]}


def order_summary(node):
    customer = node.get("customer") or {}
    return {
        "id": node["id"],
        "name": node["name"],
        "created_at": node["createdAt"],
        "email": node.get("email"),
        "customer": {
            "id": customer.get("id"),
            "name": customer.get("displayName"),
            "email": (customer.get("defaultEmailAddress") or {}).get("emailAddress"),
        } if customer else None,
        "financial_status": node["displayFinancialStatus"],
        "fulfillment_status": node["displayFulfillmentStatus"],
        "cancelled": bool(node.get("cancelledAt")),
        "total": money(node["totalPriceSet"]),
    }


def order_detail(order):
    detail = order_summary(order)
    received, refunded = money(order["totalReceivedSet"]), money(order["totalRefundedSet"])
    detail.update(
        updated_at=order["updatedAt"],
        cancelled_at=order["cancelledAt"],
        cancel_reason=order.get("cancelReason"),
        note=order.get("note"),
        shipping_address=address(order.get("shippingAddress")),
        refunded=refunded,
        # What was actually captured and not yet given back: an authorized-only order has none.
        refundable={"amount": str(Decimal(received["amount"]) - Decimal(refunded["amount"])),
                    "currency": received["currency"]},
        line_items=[{
            "id": line["id"], "name": line["name"], "sku": line.get("sku"), "quantity": line["quantity"],
            "refundable_quantity": line["refundableQuantity"], "unfulfilled_quantity": line["unfulfilledQuantity"],
            "unit_price": money(line["originalUnitPriceSet"]),
        } for line in order["lineItems"]["nodes"]],
        fulfillments=[{
            "id": f["id"], "status": f["status"], "display_status": f.get("displayStatus"),
            "created_at": f["createdAt"], "delivered_at": f.get("deliveredAt"),
            "estimated_delivery_at": f.get("estimatedDeliveryAt"),
            "tracking": [{"company": t.get("company"), "number": t.get("number"), "url": t.get("url")}
                         for t in f["trackingInfo"]],
            "line_items": [{"fulfillment_line_item_id": n["id"], "line_item_id": n["lineItem"]["id"],
                            "quantity": n["quantity"]} for n in f["fulfillmentLineItems"]["nodes"]],
        } for f in order["fulfillments"]],
        refunds=[{"id": r["id"], "created_at": r["createdAt"], "note": r.get("note"),
                  "amount": money(r["totalRefundedSet"])} for r in order["refunds"]],
        returns=[return_summary(r) for r in order["returns"]["nodes"]],
    )
    return detail


def return_summary(node):
    return {
        "return_id": node["id"], "name": node["name"], "status": node["status"],
        "line_items": [{"return_line_item_id": n["id"], "quantity": n["quantity"],
                        "fulfillment_line_item_id": (n.get("fulfillmentLineItem") or {}).get("id")}
                       for n in node["returnLineItems"]["nodes"]],
    }


def customer_summary(node):
    spent = node.get("amountSpent") or {}
    return {
        "id": node["id"],
        "name": node.get("displayName"),
        "first_name": node.get("firstName"),
        "last_name": node.get("lastName"),
        "email": (node.get("defaultEmailAddress") or {}).get("emailAddress"),
        "email_marketing": (node.get("defaultEmailAddress") or {}).get("marketingState"),
        "phone": (node.get("defaultPhoneNumber") or {}).get("phoneNumber"),
        "orders_count": int(node.get("numberOfOrders") or 0),
        "amount_spent": {"amount": spent.get("amount"), "currency": spent.get("currencyCode")} if spent else None,
        "created_at": node.get("createdAt"),
        "tags": node.get("tags") or [],
    }


ADDRESS_KEYS = {  # tool argument -> MailingAddressInput field
    "first_name": "firstName", "last_name": "lastName", "company": "company", "address1": "address1",
    "address2": "address2", "city": "city", "province_code": "provinceCode", "zip": "zip",
    "country_code": "countryCode", "phone": "phone",
}


def address_input(given):
    return {ADDRESS_KEYS[key]: value for key, value in given.items()}


def address_input_from(shipping):
    """The MailingAddressInput an address read back from Shopify corresponds to."""
    current = {field: shipping.get(field) for field in ADDRESS_KEYS.values() if field != "countryCode"}
    current["countryCode"] = shipping.get("countryCodeV2")
    return current


def address(shipping):
    if not shipping:
        return None
    reverse = {v: k for k, v in ADDRESS_KEYS.items()}
    result = {reverse[field]: shipping.get(field) for field in ADDRESS_KEYS.values() if field != "countryCode"}
    result["country_code"] = shipping.get("countryCodeV2")
    return result


ADDRESS_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "required": ["address1", "city", "zip", "country_code"],
    "properties": {key: {"type": "string", "maxLength": 255} for key in ADDRESS_KEYS}
    | {"country_code": {"type": "string", "pattern": "^[A-Z]{2}$"}},
}

TOOLS = [
    Tool(f"{NAME}.find_order", NAME, LOOKUP,
         "Find orders by order name (#1001) or by the customer's email, newest first.",
         input_schema=schema(name={"type": "string", "pattern": r"^#?[A-Za-z0-9-]{1,40}$"}, email=EMAIL)
         | {"oneOf": [{"required": ["name"]}, {"required": ["email"]}]},
         scopes=("read_orders",), fn=find_order),
    Tool(f"{NAME}.get_order", NAME, LOOKUP,
         "One order: status, line items, fulfilments with tracking, refunds, returns, shipping address.",
         input_schema=schema(["order_id"], order_id=ORDER_ID),
         scopes=("read_orders", "read_returns"), fn=get_order),
    Tool(f"{NAME}.find_customer", NAME, LOOKUP, "Find a customer by email address.",
         input_schema=schema(["email"], email=EMAIL), scopes=("read_customers",), fn=find_customer),
    Tool(f"{NAME}.list_orders", NAME, LOOKUP,
         "All orders, or all of one customer's orders, newest first (follows every page).",
         input_schema=schema(customer_email=EMAIL, page_size={"type": "integer", "minimum": 1, "maximum": 250}),
         scopes=("read_orders",), fn=list_orders),
    Tool(f"{NAME}.refund", NAME, ACTION,
         "Refund an amount to the original payment method, optionally for line items (restocked or not).",
         input_schema=schema(
             ["order_id", "amount"], order_id=ORDER_ID, amount=AMOUNT,
             note={"type": "string", "maxLength": 255}, notify_customer={"type": "boolean"},
             restock={"type": "boolean"},
             line_items={"type": "array", "maxItems": 50, "items": {
                 "type": "object", "additionalProperties": False, "required": ["line_item_id", "quantity"],
                 "properties": {"line_item_id": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1}},
             }},
         ),
         scopes=("write_orders",), permission="tool.refund", sensitive=True, idempotency=VENDOR_KEY, fn=refund),
    Tool(f"{NAME}.create_return", NAME, ACTION,
         "Open a return (status OPEN) for fulfilled line items, as the merchant.",
         input_schema=schema(["order_id", "line_items"], order_id=ORDER_ID, line_items=RETURN_ITEMS,
                             note={"type": "string", "maxLength": 255}),
         scopes=("write_returns", "read_orders"), sensitive=True, idempotency=READ_BACK, fn=create_return),
    Tool(f"{NAME}.request_return", NAME, ACTION,
         "Request a return for fulfilled line items on the customer's behalf (awaits merchant approval).",
         input_schema=schema(["order_id", "line_items"], order_id=ORDER_ID, line_items=RETURN_ITEMS,
                             note={"type": "string", "maxLength": 300}),
         scopes=("write_returns", "read_orders"), sensitive=True, idempotency=READ_BACK, fn=request_return),
    Tool(f"{NAME}.cancel_order", NAME, ACTION,
         "Cancel an order (refunding the original payment by default and restocking).",
         input_schema=schema(
             ["order_id"], order_id=ORDER_ID,
             reason={"enum": ["CUSTOMER", "DECLINED", "FRAUD", "INVENTORY", "STAFF", "OTHER"]},
             refund={"type": "boolean"}, restock={"type": "boolean"}, notify_customer={"type": "boolean"},
             staff_note={"type": "string", "maxLength": 255},
         ),
         scopes=("write_orders",), sensitive=True, idempotency=READ_BACK, fn=cancel_order),
    Tool(f"{NAME}.update_shipping_address", NAME, ACTION,
         "Change the shipping address of an order that has not shipped yet.",
         input_schema=schema(["order_id", "address"], order_id=ORDER_ID, address=ADDRESS_SCHEMA),
         # Sensitive: redirecting a parcel moves goods (and is how account takeovers steal them).
         scopes=("write_orders",), sensitive=True, idempotency=SAME_STATE, fn=update_shipping_address),
    Tool(f"{NAME}.update_customer", NAME, ACTION,
         "Change a customer's first name, last name or phone number (never the email).",
         input_schema=schema(["customer_id", "changes"], customer_id=CUSTOMER_ID, changes={
             "type": "object", "additionalProperties": False, "minProperties": 1,
             "properties": {"first_name": NAME_PART, "last_name": NAME_PART,
                            "phone": {"type": "string", "pattern": r"^\+?[0-9 ().-]{7,25}$"}},
         }),
         # Sensitive: contact details are where account-recovery codes go.
         scopes=("write_customers",), sensitive=True, idempotency=SAME_STATE, fn=update_customer),
    Tool(f"{NAME}.set_email_marketing", NAME, ACTION,
         "Subscribe a customer to the store's marketing email, or unsubscribe them.",
         input_schema=schema(["customer_id", "subscribed"], customer_id=CUSTOMER_ID, subscribed={"type": "boolean"}),
         scopes=("write_customers",), idempotency=SAME_STATE, fn=set_email_marketing),
]
