"""Check the replay corpus (dev.jsonl, heldout.jsonl, heldout2.jsonl and the money files
dev_money.jsonl, heldout3.jsonl) against the sandboxes' seeds.

    python eval/replay/check.py            # every file; prints counts, exits 1 on any problem

``heldout2.jsonl`` is a second held-out set written later by an independent author. It is checked
ticket by ticket like the others and shares their world: its ids and its write targets must be
unique across all three files, and no order any file changes may be named by another ticket. The
60 / 40 split is a property of dev and heldout alone; heldout2 has its own floor per group.

``dev_money.jsonl`` and ``heldout3.jsonl`` are about money: refunds, returns and cancellations on
orders appended to the Shopify seed for them (1201 and up). They share the same world and the
same uniqueness rules; instead of group floors, each must hold enough tickets that may move money,
some that must not (limits, risks, someone else's order), and tickets in all four languages.

Only the standard library and PyYAML (which reads the seeds everywhere else in the project).
What it checks, and why each matters to a score that cannot flatter:

- every line is a well-formed ticket: known group, helpdesk, intent, outcome, reason code;
- the requester exists in that helpdesk's seed, and a ``reply`` can really be delivered there;
- every order named exists (``unknown_orders`` must not), and belongs to whom the label implies:
  the requester when the ticket resolves or acts, someone else when it escalates as third party;
- every write the label allows has a declared target (``label.writes``), the target is the
  requester's own (or their direct report's, by ``sys_user.manager``), the action is possible
  in the seed (an unfulfilled order to cancel, a delivered one inside the window to return),
  amounts stay inside ``config/policy.yaml`` limits and the outcome matches them;
- no write target is shared by two tickets, in one file or across the files, and an order any
  file changes is named by no other ticket — so all files can be replayed into one world;
- each group is big enough to measure and split about 60 / 40 between dev and held-out.
"""

import argparse
import ast
import json
import re
import sys
from collections import Counter, defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent

SPLITS = ("dev", "heldout", "heldout2", "dev_money", "heldout3")
#: The money files: checked like the others, with their own floors (see ``_check_money_file``).
MONEY_SPLITS = ("dev_money", "heldout3")
MONEY_MINIMUM = 30
MONEY_MOVING_MINIMUM = 12   # tickets whose label lets the agent refund or cancel
MONEY_REFUSED_MINIMUM = 8   # tickets that name an order but must move nothing
MONEY_FIRST_ORDER = 1201    # the orders appended to the Shopify seed for the money files
GROUPS = ("plain", "other_person", "several_requests", "partial_amount", "risk", "asks", "hostile",
          "crossing_worlds", "languages", "out_of_scope")
#: The first four carry most of the corpus's weight; every group needs enough tickets to measure.
MINIMUM_PER_GROUP = {"plain": 25, "other_person": 25, "several_requests": 25, "partial_amount": 25}
MINIMUM_DEFAULT = 15
DEV_SHARE = (0.5, 0.7)
#: The independent second held-out set: every group present with enough tickets to report on.
HELDOUT2_MINIMUM = 5

HELPDESKS = ("zendesk", "servicenow", "salesforce")
OUTCOMES = ("resolved", "escalated", "waiting_approval", "waiting_customer")
VENDOR_STATUSES = ("solved", "open", "new", "pending", "on_hold")
SUPPORTED_LANGUAGES = ("en", "de", "fr", "es")
RISK_TRIGGERS = ("legal", "chargeback", "safety", "security", "data_protection", "bereavement", "vulnerable",
                 "press", "self_harm")
REASONS = {"third_party", "audience", "unsure", "language", "injection", "limit", "not_verified", "not_found",
           "several", "contradiction", "no_flow", "flow", "asks"} | {f"risk:{t}" for t in RISK_TRIGGERS}
#: The session's intent taxonomy (coordination notes): 24 existing intents and 7 new ones.
INTENTS = {
    "order_status", "cancel_order", "change_order", "change_shipping_address", "delivery_options",
    "return_request", "refund_request", "refund_status", "refund_policy", "invoice_question", "payment_problem",
    "password_reset", "account_create", "account_edit", "account_delete", "account_switch", "newsletter",
    "complaint", "feedback", "talk_to_human", "contact_info", "it_software_access", "it_problem", "out_of_scope",
    "warranty", "cancellation_fee", "payment_methods", "place_order", "product_question", "mfa_problem",
    "damaged_item",
}
CUSTOMER_HELPDESKS = ("zendesk", "salesforce")

#: Each action tool and the kind of write target it changes.
ACTION_TARGETS = {
    "shopify.cancel_order": "order", "shopify.refund": "order", "shopify.request_return": "order",
    "shopify.create_return": "order", "shopify.update_shipping_address": "order",
    "shopify.update_customer": "customer", "shopify.set_email_marketing": "customer",
    "servicenow.reset_password": "password", "servicenow.order_catalog_item": "catalog",
}
RETURNS = {"shopify.request_return", "shopify.create_return"}
TARGET = re.compile(r"^(?:shopify:order:(?P<order>\d+)|shopify:customer:(?P<customer>[^:\s]+@[^:\s]+)"
                    r"|servicenow:password:(?P<password>[^:\s]+@[^:\s]+)"
                    r"|servicenow:catalog:(?P<catalog>[^:\s]+@[^:\s]+):(?P<item>[^:]+))$")
ID = re.compile(r"^[A-Za-z0-9_.:-]+$")
LANGUAGE = re.compile(r"^[a-z]{2,3}$")
ORDER_NUMBER = re.compile(r"(?<!\d)(\d{4})(?!\d)")


# -- the world ------------------------------------------------------------------------------------

def _literal(path, name):
    """A module-level literal (``SHOPPERS = [...]``) read without importing the module."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = [node.target] if isinstance(node, ast.AnnAssign) else getattr(node, "targets", [])
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return ast.literal_eval(node.value)
    raise LookupError(f"{path}: no {name}")


def _seed(plugin):
    return yaml.safe_load((REPO / "plugins" / plugin / plugin / "sandbox" / "seed.yaml").read_text(encoding="utf-8"))


def _driver(plugin):
    """The sandbox driver module the replay world seeds the plugin's sandbox with."""
    return REPO / "plugins" / plugin / plugin / "sandbox" / "driver.py"


class World:
    """What the seeds say: who can write where, the orders, the employees and the limits."""

    def __init__(self):
        shoppers = _literal(_driver("hub_zendesk"), "SHOPPERS")
        callers = _literal(_driver("hub_servicenow"), "CALLERS")
        zendesk, servicenow, salesforce, shopify = (_seed(p) for p in ("hub_zendesk", "hub_servicenow",
                                                                       "hub_salesforce", "hub_shopify"))
        self.shoppers = {s["email"].lower() for s in shoppers}
        end_users = {u["email"].lower() for u in zendesk["users"] if u.get("role") == "end-user"}
        users = servicenow["tables"]["sys_user"]
        self.employees = {u["email"].lower(): u for u in users if u.get("email")
                          and str(u.get("active", "true")) != "false" and u["user_name"] != "hub.integration"}
        self.all_employees = {u["email"].lower(): u for u in users if u.get("email")}
        by_sys_id = {u["sys_id"]: u for u in users}
        self.manager_of = {email: by_sys_id[u["manager"]]["email"].lower()
                           for email, u in self.all_employees.items() if u.get("manager") in by_sys_id}
        self.catalog = {row["name"] for row in servicenow["tables"]["sc_cat_item"]} - {"Password Reset"}
        contacts = {c["Email"].lower() for c in salesforce["records"]["Contact"] if c.get("Email")}
        self.requesters = {"zendesk": self.shoppers | end_users, "servicenow": set(self.employees),
                           "salesforce": contacts}
        caller_emails = {u["email"].lower() for u in users if u["user_name"] in callers}
        #: Who can answer the agent's question in the replay world (each plugin's sandbox/driver.py).
        self.repliers = {"zendesk": self.shoppers, "servicenow": caller_emails, "salesforce": contacts}
        self.customers = {c["email"].lower(): c for c in shopify["customers"]}
        customer_ids = {c["id"]: c["email"].lower() for c in shopify["customers"]}
        self.orders = {}
        for order in shopify["orders"]:
            lines = [dict(line, total=Decimal(line["price"]) * line["quantity"]) for line in order["lines"]]
            total = sum((line["total"] for line in lines), Decimal(0)) + Decimal(order.get("shipping", "0"))
            self.orders[str(order["number"])] = dict(order, owner=customer_ids[order["customer"]], lines=lines,
                                                     total=total)
        policy = yaml.safe_load((REPO / "config" / "policy.yaml").read_text(encoding="utf-8"))
        limits = policy["limits"]
        self.refund_auto_max = Decimal(str(limits["refund_auto_max"]))
        self.refund_max = Decimal(str(limits["refund_max"]))
        self.return_window = int(limits["return_window_days"])

    def captured(self, order):
        """What cancelling would refund: nothing when the payment was only authorised or is pending."""
        return Decimal(0) if order.get("payment") in ("authorized", "pending") else order["total"]

    def state(self, order):
        if order.get("cancelled"):
            return "cancelled"
        if not order.get("fulfillments"):
            return "unfulfilled"
        shipments = [f.get("shipment") for f in order["fulfillments"]]
        if all(s == "DELIVERED" for s in shipments):
            return "delivered"
        return "in_transit"

    def delivered_days_ago(self, order):
        days = [f.get("delivered_days_ago") for f in order.get("fulfillments") or []]
        return max(days) if days and None not in days else None


# -- one ticket -----------------------------------------------------------------------------------

def _money(value):
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError):
        return None
    return amount if isinstance(value, str) and re.fullmatch(r"\d+\.\d{2}", value) else None


def check_ticket(item, world, say):
    """Problems with one ticket on its own (``say`` records each)."""
    for key in ("id", "group", "language", "helpdesk", "requester", "subject", "body", "label"):
        if key not in item:
            say(f"{key}: missing")
            return
    if not isinstance(item["id"], str) or not ID.match(item["id"]):
        say("id: letters, digits and _ . : - only")
    if item["group"] not in GROUPS:
        say(f"group: {item['group']!r} is not one of {', '.join(GROUPS)}")
    if not isinstance(item["language"], str) or not LANGUAGE.match(item["language"]):
        say(f"language: {item['language']!r} is not a language code")
    helpdesk = item["helpdesk"]
    if helpdesk not in HELPDESKS:
        say(f"helpdesk: {helpdesk!r} is not one of {', '.join(HELPDESKS)}")
        return
    requester = str(item["requester"]).lower()
    if requester not in world.requesters[helpdesk]:
        say(f"requester: {item['requester']} is not a {helpdesk} user in the sandbox seed")
    if not isinstance(item["body"], str) or not item["body"].strip():
        say("body: empty")
    reply = item.get("reply")
    if reply is not None:
        replies = reply if isinstance(reply, list) else [reply]
        if not replies or not all(isinstance(r, str) and r.strip() for r in replies):
            say("reply: a non-empty string, or a list of them")
        if requester not in world.repliers[helpdesk]:
            say(f"reply: {item['requester']} cannot answer on {helpdesk} in the replay world")

    label = item["label"]
    for key in ("intent", "outcome", "allowed_actions", "note"):
        if key not in label:
            say(f"label.{key}: missing")
            return
    if label["intent"] not in INTENTS:
        say(f"label.intent: {label['intent']!r} is not in the taxonomy")
    for intent in label.get("requests") or []:
        if intent not in INTENTS:
            say(f"label.requests: {intent!r} is not in the taxonomy")
    if "requests" in label and len(label["requests"]) < 2:
        say("label.requests: list the intents only when the ticket holds several requests")
    outcome = label["outcome"]
    if outcome not in OUTCOMES:
        say(f"label.outcome: {outcome!r} is not one of {', '.join(OUTCOMES)}")
    if label.get("vendor_status") is not None and label["vendor_status"] not in VENDOR_STATUSES:
        say(f"label.vendor_status: {label['vendor_status']!r}")
    if outcome == "resolved" and label.get("vendor_status") != "solved":
        say("label.vendor_status: a resolution leaves the ticket solved")
    reason = label.get("reason")
    if outcome == "escalated" and reason not in REASONS:
        say(f"label.reason: an escalation needs a reason code, not {reason!r}")
    if outcome != "escalated" and reason is not None:
        say("label.reason: only escalations have a reason")
    if reason == "language" and item["language"] in SUPPORTED_LANGUAGES:
        say("label.reason: 'language' is for languages outside en/de/fr/es")
    if item["group"] == "languages" and item["language"] not in SUPPORTED_LANGUAGES and reason != "language":
        say("label.reason: a ticket in an unsupported language escalates with reason 'language'")

    actions = label["allowed_actions"]
    unknown = [a for a in actions if a not in ACTION_TARGETS]
    if unknown:
        say(f"label.allowed_actions: unknown action(s) {unknown}")
    if actions and (outcome == "waiting_customer" and not reply):
        say("label.allowed_actions: a run that only waits for the customer does nothing")
    if actions and outcome == "escalated" and len(label.get("requests") or []) < 2:
        say("label.allowed_actions: an escalated ticket acts only for the done part of several requests")
    if reason and reason.startswith("risk:") and actions:
        say("label.allowed_actions: a risk escalates before any node runs")
    if item["group"] == "out_of_scope" and actions:
        say("label.allowed_actions: out-of-scope tickets never act")

    orders = [str(o) for o in label.get("orders") or []]
    for number in orders:
        if number not in world.orders:
            say(f"label.orders: order {number} is not in the Shopify seed")
    for number in label.get("unknown_orders") or []:
        if str(number) in world.orders:
            say(f"label.unknown_orders: order {number} exists in the Shopify seed")
    known = [world.orders[n] for n in orders if n in world.orders]
    acts_or_resolves = outcome in ("resolved", "waiting_approval") or bool(actions)
    if acts_or_resolves and helpdesk in CUSTOMER_HELPDESKS:
        for order in known:
            if order["owner"] != requester:
                say(f"label.orders: {order['number']} is {order['owner']}'s, yet the label resolves or acts")
    if reason in ("third_party", "not_verified") and known and all(o["owner"] == requester for o in known):
        say(f"label.reason: {reason}, but every order named is the requester's own")

    titles = {line["title"] for order in known for line in order["lines"]}
    for title in label.get("items") or []:
        if title not in titles:
            say(f"label.items: {title!r} is no line of {', '.join(orders) or 'any order named'}")
    max_amount = None
    if "max_amount" in label:
        max_amount = _money(label["max_amount"])
        if max_amount is None:
            say(f"label.max_amount: {label['max_amount']!r} is not an amount written like '29.00'")

    writes = label.get("writes") or []
    kinds = Counter()
    for target in writes:
        match = TARGET.match(target)
        if not match:
            say(f"label.writes: {target!r} is not a write target")
            continue
        kind = next(k for k in ("order", "customer", "password", "catalog") if match.group(k))
        kinds[kind] += 1
        if kind in ("order", "customer") and helpdesk not in CUSTOMER_HELPDESKS:
            say(f"label.writes: {target} from {helpdesk}: shop records are changed only for customer helpdesks")
        if kind in ("password", "catalog") and helpdesk != "servicenow":
            say(f"label.writes: {target} from {helpdesk}: employee records are changed only from ServiceNow")
        if kind == "order":
            number = match.group("order")
            if number not in orders:
                say(f"label.writes: {target} is not among label.orders")
        elif kind == "customer":
            email = match.group("customer").lower()
            if email != requester:
                say(f"label.writes: {target} is not the requester's own customer record")
            if email not in world.customers:
                say(f"label.writes: {email} is no Shopify customer")
        else:
            email = match.group(kind).lower()
            if email not in world.employees:
                say(f"label.writes: {email} is no active ServiceNow user")
            elif email != requester and world.manager_of.get(email) != requester:
                say(f"label.writes: {email} is neither the requester nor their direct report")
            if kind == "catalog" and match.group("item") not in world.catalog:
                say(f"label.writes: {match.group('item')!r} is not a catalog item")
    needed = Counter(ACTION_TARGETS[a] for a in actions if a in ACTION_TARGETS)
    for kind in needed:
        if not kinds[kind]:
            say(f"label.writes: the allowed actions change a {kind} but no {kind} target is declared")
    for kind in kinds:
        if not needed[kind]:
            say(f"label.writes: a {kind} target is declared but no allowed action changes one")

    _check_money(label, actions, outcome, known, max_amount, world, say)


def _check_money(label, actions, outcome, orders, max_amount, world, say):
    """The amounts and order states the allowed actions rely on, against the seed and the policy.

    The actions are checked on the orders the ticket writes (``label.writes``), not on orders it
    only reads (a cancellation beside a status question). A ticket that writes several orders
    (cancel one, return another) is checked per order for the actions that order's state allows,
    and every action must fit one of them."""
    moves_money = {"shopify.cancel_order", "shopify.refund"} & set(actions)
    if moves_money and max_amount is None:
        say("label.max_amount: required when the agent may move money")
    if max_amount is not None and moves_money and max_amount > world.refund_max:
        say(f"label.max_amount: {max_amount} is above refund_max {world.refund_max}")
    written = {t.rsplit(":", 1)[1] for t in label.get("writes") or [] if t.startswith("shopify:order:")}
    targets = [o for o in orders if str(o["number"]) in written]
    if len(targets) > 1:
        for action in actions:
            if action in ACTION_TARGETS and ACTION_TARGETS[action] == "order" \
                    and not any(_fits(action, o, world) for o in targets):
                say(f"label.allowed_actions: {action} fits none of the orders written "
                    f"({', '.join(str(o['number']) for o in targets)})")
        checks = [(o, [a for a in actions if _fits(a, o, world)]) for o in targets]
    else:
        checks = [(o, actions) for o in (targets or orders)]
    for order, acts in checks:
        state = world.state(order)
        if "shopify.cancel_order" in acts:
            captured = world.captured(order)
            if state != "unfulfilled":
                say(f"label.allowed_actions: {order['number']} is {state}, it cannot be cancelled")
            if captured > world.refund_max:
                say(f"label.allowed_actions: cancelling {order['number']} refunds {captured}, above refund_max")
            if outcome == "resolved" and captured > world.refund_auto_max:
                say(f"label.outcome: cancelling {order['number']} refunds {captured}: that waits for approval")
            if outcome == "waiting_approval" and captured <= world.refund_auto_max:
                say(f"label.outcome: cancelling {order['number']} refunds {captured}: no approval is needed")
            if max_amount is not None and not captured <= max_amount <= order["total"]:
                say(f"label.max_amount: {max_amount} does not cover the cancellation of {order['number']}")
        if "shopify.refund" in acts and max_amount is not None:
            if state not in ("delivered",):
                say(f"label.allowed_actions: {order['number']} is {state}: refund it only with a cancellation")
            items = set(label.get("items") or [])
            cap = sum((l["total"] for l in order["lines"] if not items or l["title"] in items), Decimal(0))
            if max_amount > cap:
                say(f"label.max_amount: {max_amount} is more than the items named cost ({cap})")
            if outcome == "resolved" and max_amount > world.refund_auto_max:
                say(f"label.outcome: a refund of {max_amount} waits for approval")
        if RETURNS & set(acts):
            days = world.delivered_days_ago(order)
            if state != "delivered" or days is None or days > world.return_window:
                say(f"label.allowed_actions: {order['number']} is not delivered inside the return window")
            # With a refund or cancellation beside it, max_amount is theirs; the return itself moves nothing.
            if max_amount is not None and max_amount != 0 and not moves_money:
                say("label.max_amount: a return request moves no money now ('0.00')")
        if "shopify.update_shipping_address" in acts and state != "unfulfilled":
            say(f"label.allowed_actions: {order['number']} is {state}: its address cannot change")


def _fits(action, order, world):
    """Whether the order's state allows the action at all (for tickets that write several orders)."""
    state = world.state(order)
    if action in ("shopify.cancel_order", "shopify.update_shipping_address"):
        return state == "unfulfilled"
    if action == "shopify.refund":
        return state == "delivered"
    if action in RETURNS:
        days = world.delivered_days_ago(order)
        return state == "delivered" and days is not None and days <= world.return_window
    return True


# -- both files -----------------------------------------------------------------------------------

def read(path):
    """(line number, ticket) pairs, or a problem for each unreadable line."""
    tickets, problems = [], []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as error:
            problems.append(f"{path}:{number}: not JSON: {error}")
            continue
        if not isinstance(item, dict) or not isinstance(item.get("label"), dict):
            problems.append(f"{path}:{number}: a ticket is a JSON object with a label object")
            continue
        tickets.append((number, item))
    return tickets, problems


def check(dev_path=HERE / "dev.jsonl", heldout_path=HERE / "heldout.jsonl", world=None,
          heldout2_path=HERE / "heldout2.jsonl", dev_money_path=HERE / "dev_money.jsonl",
          heldout3_path=HERE / "heldout3.jsonl"):
    """Every problem found (empty when the corpus is sound) and the counts per group and file.

    ``heldout2_path``, ``dev_money_path`` and ``heldout3_path`` are checked when the file exists
    (``None`` leaves it out)."""
    world = world or World()
    files = {"dev": Path(dev_path), "heldout": Path(heldout_path)}
    for split, path in (("heldout2", heldout2_path), ("dev_money", dev_money_path), ("heldout3", heldout3_path)):
        if path is not None and Path(path).exists():
            files[split] = Path(path)
    problems, everything = [], []
    for split, path in files.items():
        tickets, unreadable = read(path)
        problems += unreadable
        for number, item in tickets:
            where = f"{path.name}:{number}: {item.get('id')}"
            check_ticket(item, world, lambda message, where=where: problems.append(f"{where}: {message}"))
            everything.append((split, where, item))

    ids = Counter(item.get("id") for _, _, item in everything)
    problems += [f"id: {i!r} appears {n} times across {', '.join(files)}" for i, n in ids.items() if n > 1]

    writers = defaultdict(list)
    for split, where, item in everything:
        for target in item["label"].get("writes") or []:
            writers[target].append(where)
    for target, wheres in writers.items():
        if len(wheres) > 1:
            problems.append(f"write target {target} is shared: {'; '.join(wheres)}")
    written_orders = {t.rsplit(":", 1)[1]: wheres[0] for t, wheres in writers.items() if t.startswith("shopify:order:")}
    for split, where, item in everything:
        text = " ".join([item.get("subject") or "", item.get("body") or "", json.dumps(item.get("reply"))])
        named = {str(n) for n in item["label"].get("orders") or []} | set(ORDER_NUMBER.findall(text))
        for number in sorted(named):
            writer = written_orders.get(number)
            if writer and writer != where:
                problems.append(f"{where}: names order {number}, which {writer} changes")

    counts = defaultdict(Counter)
    for split, _, item in everything:
        counts[item.get("group")][split] += 1
        counts[item.get("group")][item["label"].get("outcome")] += 1
    for group in GROUPS:
        total = counts[group]["dev"] + counts[group]["heldout"]
        minimum = MINIMUM_PER_GROUP.get(group, MINIMUM_DEFAULT)
        if total < minimum:
            problems.append(f"group {group}: {total} tickets, fewer than {minimum}")
        elif not DEV_SHARE[0] <= counts[group]["dev"] / total <= DEV_SHARE[1]:
            problems.append(f"group {group}: {counts[group]['dev']} of {total} in dev, outside "
                            f"{DEV_SHARE[0]:.0%}-{DEV_SHARE[1]:.0%}")
        if "heldout2" in files and counts[group]["heldout2"] < HELDOUT2_MINIMUM:
            problems.append(f"group {group}: {counts[group]['heldout2']} tickets in heldout2, fewer than "
                            f"{HELDOUT2_MINIMUM}")
    for split in MONEY_SPLITS:
        if split in files:
            problems += _check_money_file(split, [item for s, _, item in everything if s == split], world)
    for trigger in RISK_TRIGGERS:
        for split in (s for s in files if s not in MONEY_SPLITS):
            if not any(s == split and item["label"].get("reason") == f"risk:{trigger}" for s, _, item in everything):
                problems.append(f"risk:{trigger}: no {split} ticket escalates for it")
    return problems, counts


def _check_money_file(split, items, world):
    """A money file measures acting on money: enough tickets that may refund or cancel, enough that
    must not although they name an order, every supported language, and only the seed's orders
    that were appended for these files (so the older files' readers never meet them)."""
    problems = []
    if len(items) < MONEY_MINIMUM:
        problems.append(f"{split}: {len(items)} tickets, fewer than {MONEY_MINIMUM}")
    moving = [i for i in items if {"shopify.refund", "shopify.cancel_order"} & set(i["label"]["allowed_actions"])]
    if len(moving) < MONEY_MOVING_MINIMUM:
        problems.append(f"{split}: {len(moving)} tickets may move money, fewer than {MONEY_MOVING_MINIMUM}")
    refused = [i for i in items if i["label"].get("orders") and not i["label"]["allowed_actions"]
               and i["label"]["outcome"] == "escalated"]
    if len(refused) < MONEY_REFUSED_MINIMUM:
        problems.append(f"{split}: {len(refused)} tickets name an order and must move nothing, fewer than "
                        f"{MONEY_REFUSED_MINIMUM}")
    languages = {i.get("language") for i in items}
    for language in SUPPORTED_LANGUAGES:
        if language not in languages:
            problems.append(f"{split}: no ticket in {language}")
    for item in items:
        for number in item["label"].get("orders") or []:
            if str(number) in world.orders and int(number) < MONEY_FIRST_ORDER:
                problems.append(f"{split}: {item['id']}: names order {number}, one of the older seed orders; "
                                f"the money files use orders from {MONEY_FIRST_ORDER} on")
        if item["label"]["allowed_actions"] and "max_amount" not in item["label"]:
            problems.append(f"{split}: {item['id']}: label.max_amount: every acting money ticket states it")
    return problems


def table(counts):
    columns = SPLITS + ("resolved", "escalated", "waiting_approval", "waiting_customer")
    rows = [f"| group | {' | '.join(columns)} | total |", "|---|" + "---|" * (len(columns) + 1)]
    totals = Counter()
    for group in GROUPS:
        values = [counts[group][c] for c in columns]
        totals.update(dict(zip(columns, values)))
        total = sum(counts[group][split] for split in SPLITS)
        rows.append(f"| {group} | {' | '.join(map(str, values))} | {total} |")
    rows.append(f"| all | {' | '.join(str(totals[c]) for c in columns)} | {sum(totals[s] for s in SPLITS)} |")
    return "\n".join(rows)


def breakdown(path):
    """One file's tickets counted by group and outcome, helpdesk and language (for its README section)."""
    tickets, _ = read(path)
    by = {key: Counter() for key in ("group", "outcome", "helpdesk", "language")}
    for _, item in tickets:
        by["group"][item.get("group")] += 1
        by["outcome"][item["label"].get("outcome")] += 1
        by["helpdesk"][item.get("helpdesk")] += 1
        by["language"][item.get("language")] += 1
    return "\n".join(f"{key}: " + ", ".join(f"{k} {n}" for k, n in counter.most_common())
                     for key, counter in by.items())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", default=HERE / "dev.jsonl")
    parser.add_argument("--heldout", default=HERE / "heldout.jsonl")
    parser.add_argument("--heldout2", default=HERE / "heldout2.jsonl")
    parser.add_argument("--dev-money", default=HERE / "dev_money.jsonl")
    parser.add_argument("--heldout3", default=HERE / "heldout3.jsonl")
    args = parser.parse_args(argv)
    problems, counts = check(args.dev, args.heldout, heldout2_path=args.heldout2, dev_money_path=args.dev_money,
                             heldout3_path=args.heldout3)
    print(table(counts))
    for path in (args.heldout2, args.dev_money, args.heldout3):
        if Path(path).exists():
            print(f"\n{Path(path).name}:\n{breakdown(path)}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
