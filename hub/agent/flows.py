"""Resolution flows: declarative decision trees in config/flows/*.yaml, validated at load.

A flow is a set of named nodes from ``start``. Each node does one thing — look something up,
branch on the facts, verify the requester, ask, wait for approval, act, reply, resolve or
escalate — and names the one tool it may call. Validation refuses unknown tools, tools of the
wrong kind for their node, dangling or unreachable nodes, loops, and any path on which
account data could reach the customer before the requester is verified.
"""

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import HubError
from ..tools import ACTION, LOOKUP
from . import expressions, reasons

#: What a flow does to the ticket it works on, whichever helpdesk the ticket lives in.
TICKET_VERBS = ("reply", "note", "solve", "escalate")
TERMINAL = ("resolve", "escalate")
#: The two worlds a helpdesk serves: the shop's customers, or the company's employees.
AUDIENCES = ("customers", "employees")
#: A fact named by its dotted path (asked.amount).
FACT_PATH = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")
#: Node fields that are text shown to people: YAML must not have cut them at a comment.
TEXT_FIELDS = ("question", "message", "summary", "reason", "suggestion")


class FlowError(HubError):
    """A flow file is invalid: names the file, the node and the reason."""

    def __init__(self, file, node, reason):
        self.file, self.node, self.reason = str(file), node, reason
        where = f"{self.file}: node {node!r}" if node else self.file
        super().__init__(f"{where}: {reason}")


class FlowNeedsConnector(FlowError):
    """A flow calls a tool of a connector that is not loaded here. Loading the flow set skips
    such a flow (the hub runs with any subset of its connectors); alone, it is refused as any
    unknown tool is."""

    def __init__(self, file, node, flow, tool):
        self.flow, self.tool = flow, tool
        self.connector = tool.partition(".")[0]
        super().__init__(file, node, f"unknown tool {tool!r} (installed: see `hub plugins`)")

    def skipped(self):
        """The one line that reports the skip."""
        return (f"skipped flow {self.flow!r} ({self.file}): node {self.node!r} calls {self.tool}, "
                f"and no connector {self.connector!r} is loaded")


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    when: str = Field(alias="if")
    next: str


class ChecklistItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    item: str
    check: str  # a condition over the facts


class Node(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["lookup", "knowledge", "derive", "condition", "verify", "ask", "approval", "action", "reply",
                  "resolve", "escalate"]
    tool: str | None = None  # lookup, action
    args: dict = Field(default_factory=dict)
    save: str | None = None  # the fact a lookup, action or derive result is kept under
    value: str | None = None  # derive: the expression whose value is saved
    private: bool = True  # a lookup's result is account data: only a verified requester sees it
    next: str | None = None
    on_not_found: str | None = None  # lookup: the vendor had nothing; knowledge: no confident answer
    cases: list[Case] = Field(default_factory=list)  # condition
    default: str | None = None  # condition
    email: str | None = None  # verify: expression for the email the requester must match
    #: verify: expression for the email of the account owner's manager, who may act for them
    #: (only in flows whose ``acts_for`` includes ``direct_report``)
    manager_email: str | None = None
    on_fail: str | None = None  # verify
    question: str | None = None  # ask: template posted publicly on the ticket; knowledge: what to look up
    expects: str | None = None  # ask: the entity the answer should carry (order_numbers, ...)
    action: str | None = None  # approval: the action node it guards
    when: str | None = None  # approval: only needed when this holds
    summary: str | None = None  # approval: what the approver reads
    on_reject: str | None = None  # approval
    #: approval: the money fact (``{amount, currency}``) an approver may lower, such as
    #: ``asked.amount``. The guarded action and the replies read that fact, so the lower amount
    #: approved is what is paid and what the customer is told.
    adjustable_amount: str | None = None
    message: str | None = None  # reply, resolve (optional public reply before solving)
    draft: bool = False  # reply, resolve: let the configured language model word the message
    reason: str | None = None  # escalate: template for why
    group: str | None = None  # escalate: overrides the policy's group for the ticket's helpdesk
    suggestion: str | None = None  # escalate: template for the suggested next step
    code: str | None = None  # escalate: the kind of reason (hub.agent.reasons), "flow" by default

    def successors(self):
        names = [self.next, self.on_not_found, self.default, self.on_fail, self.on_reject]
        names += [case.next for case in self.cases]
        return [name for name in names if name]


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    description: str = ""
    intents: list[str] = Field(default_factory=list)
    #: Whose tickets the flow serves: tickets from a helpdesk of the other audience never reach
    #: it (policy ``audiences`` says which helpdesk serves whom). ``any`` acts in neither world.
    audience: Literal["customers", "employees", "any"] = "any"
    #: Whose records the flow may act on: the requester's own; with ``direct_report`` those of
    #: people the requester manages (checked by a verify node's ``manager_email``); with ``owner``
    #: a record's owner as the vendor has it — the flow looks the record up by what the ticket
    #: names (an order number) and its verify node decides, whatever the wording says about whose
    #: it is ("the jackets my sister wears" on the requester's own order); ``anyone`` for flows
    #: that touch no one's records (general questions, hand-overs).
    acts_for: list[Literal["requester", "direct_report", "owner", "anyone"]] = Field(
        default_factory=lambda: ["requester"])
    #: The entity an ``owner`` flow finds its record by ("order_numbers"): someone else's request
    #: that names none is handed over rather than asked about.
    found_by: str | None = None
    #: An entity the flow handles one value of at a time ("software", "order_numbers"): a request
    #: naming several becomes one request per value, each through the whole flow.
    for_each: str | None = None
    start: str
    checklist: list[ChecklistItem] = Field(default_factory=list)
    nodes: dict[str, Node]
    path: str = ""

    def node(self, name):
        return self.nodes[name]

    def tools(self):
        """Every connector tool the flow may call (ticket verbs excluded)."""
        return sorted({node.tool for node in self.nodes.values() if node.tool})


def load_flows(directory, registry, skipped=None):
    """Every ``*.yaml`` in ``directory``, validated; returns ``{name: Flow}``.

    A flow that needs a connector which is not loaded is left out, and its one-line report
    (``FlowNeedsConnector.skipped``) appended to ``skipped`` when a list is given."""
    flows = []
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            flows.append(load_flow(path, registry))
        except FlowNeedsConnector as missing:
            if skipped is not None:
                skipped.append(missing.skipped())
    return check_flow_set(flows)


def check_flow_set(flows):
    """The checks across files: flow names are unique and each intent has one flow.

    Returns ``{name: Flow}``. Kept apart from loading so an edit can be checked against the
    other files before it is written (hub.agent.editing).
    """
    by_name = {}
    for flow in flows:
        if flow.name in by_name:
            raise FlowError(flow.path, None, f"flow name {flow.name!r} is also used by {by_name[flow.name].path}")
        by_name[flow.name] = flow
    claimed = {}
    for flow in by_name.values():
        for intent in flow.intents:
            for audience in _audiences(flow):
                other = claimed.get((intent, audience))
                if other:
                    raise FlowError(flow.path, None, f"intent {intent!r} is already handled by flow {other!r}"
                                                     + (f" for {audience}" if flow.audience != "any" else ""))
                claimed[intent, audience] = flow.name
    return by_name


def _audiences(flow):
    return AUDIENCES if flow.audience == "any" else (flow.audience,)


def flows_by_intent(flows):
    """``{(intent, audience): flow}`` for every audience each flow serves."""
    return {(intent, audience): flow for flow in flows.values() for intent in flow.intents
            for audience in _audiences(flow)}


def load_flow(path, registry):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FlowError(path, None, f"cannot read: {error}") from None
    return parse_flow(text, path, registry)


def parse_flow(text, path, registry):
    """Validate a flow's YAML ``text`` as the file at ``path`` (which need not be written yet)."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise FlowError(path, None, f"invalid YAML: {error}") from None
    if not isinstance(data, dict):
        raise FlowError(path, None, "must be a mapping with name, start and nodes")
    try:
        flow = Flow(**data, path=str(path))
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        node = first["loc"][1] if len(first["loc"]) > 1 and first["loc"][0] == "nodes" else None
        raise FlowError(path, node, f"{where}: {first['msg']}") from None
    _check_text_not_cut(text, path)
    validate(flow, registry)
    return flow


def _check_text_not_cut(text, path):
    """Refuse a text field that YAML ended at a `` #``: the rest of the line became a comment.

    ``question: Send the order number (like #1001).`` reaches the customer as "Send the order
    number (like" — valid YAML, wrong message. Plain (unquoted) scalars are the only style YAML
    cuts like this, so only they are checked.
    """
    lines = text.splitlines()
    root = yaml.compose(text)
    nodes = dict(_mapping(root)).get("nodes")
    for name, node in _mapping(nodes):
        for field, value in _mapping(node):
            if field in TEXT_FIELDS and isinstance(value, yaml.ScalarNode) and value.style is None:
                end = value.end_mark
                rest = lines[end.line][end.column:] if end.line < len(lines) else ""
                if rest.lstrip().startswith("#"):
                    raise FlowError(path, name, f"{field} is cut short at {rest.strip()[:40]!r}: YAML reads "
                                                "' #' as the start of a comment; quote the text or use a block (|-)")


def _mapping(node):
    """The (key, value node) pairs of a YAML mapping node; nothing for anything else."""
    if not isinstance(node, yaml.MappingNode):
        return []
    return [(key.value, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)]


def validate(flow, registry):
    """Raise FlowError for the first problem found."""
    if flow.start not in flow.nodes:
        raise FlowError(flow.path, None, f"start names no node: {flow.start!r}")
    for name, node in flow.nodes.items():
        _check_node(flow, name, node, registry)
    for item in flow.checklist:
        _check_expression(flow, None, item.check, "condition")
    _check_graph(flow)
    _check_verified_before_disclosure(flow)


def _check_node(flow, name, node, registry):
    def fail(reason):
        raise FlowError(flow.path, name, reason)

    for successor in node.successors():
        if successor not in flow.nodes:
            fail(f"leads to {successor!r}, which is not a node of this flow")
    if node.type in ("lookup", "action"):
        if not node.tool:
            fail(f"a {node.type} node must name its tool")
        tool = registry.tools.get(node.tool)
        if tool is None and node.tool.partition(".")[0] not in registry.connectors:
            raise FlowNeedsConnector(flow.path, name, flow.name, node.tool)
        if tool is None:
            fail(f"unknown tool {node.tool!r} (installed: see `hub plugins`)")
        if tool.kind != (LOOKUP if node.type == "lookup" else ACTION):
            fail(f"{node.tool} is a {tool.kind} tool; a {node.type} node may only call {node.type} tools")
    elif node.tool:
        fail(f"a {node.type} node calls no tool; {node.tool!r} is not allowed here")
    if node.type in TERMINAL:
        if node.next:
            fail(f"a {node.type} node ends the flow and has no next")
    elif node.type == "condition":
        if not node.cases or not node.default:
            fail("a condition node needs cases and a default")
        for case in node.cases:
            _check_expression(flow, name, case.when, "condition")
    elif not node.next:
        fail(f"a {node.type} node needs a next")
    if node.manager_email and "direct_report" not in flow.acts_for:
        fail("manager_email lets a manager act for a direct report: the flow's acts_for must include direct_report")
    if node.code and node.type != "escalate":
        fail("only an escalate node has a code")
    if node.code and node.code not in reasons.CODES:
        fail(f"unknown code {node.code!r}; one of: {', '.join(sorted(reasons.CODES))}")
    if node.value and node.type != "derive":
        fail("only a derive node has a value")
    if node.adjustable_amount and node.type != "approval":
        fail("only an approval node has an adjustable_amount")
    if node.adjustable_amount and not FACT_PATH.fullmatch(node.adjustable_amount):
        fail(f"adjustable_amount names a fact such as asked.amount, not {node.adjustable_amount!r}")
    required = {"verify": ("email", "on_fail"), "ask": ("question", "expects"), "derive": ("value", "save"),
                "knowledge": ("question", "save", "on_not_found"),
                "approval": ("action", "summary"), "reply": ("message",)}
    for attribute in required.get(node.type, ()):
        if not getattr(node, attribute):
            fail(f"a {node.type} node needs {attribute}")
    if node.type == "approval" and flow.nodes.get(node.action, Node(type="reply")).type != "action":
        fail(f"approval guards {node.action!r}, which is not an action node")
    for attribute, kind in (("email", "condition"), ("manager_email", "condition"), ("when", "condition"),
                            ("value", "condition"), ("question", "template"),
                            ("summary", "template"), ("message", "template"), ("reason", "template"),
                            ("suggestion", "template")):
        if getattr(node, attribute):
            _check_expression(flow, name, getattr(node, attribute), kind)


def _check_expression(flow, name, source, kind):
    try:
        expressions.check_syntax(source, kind)
    except expressions.ExpressionError as error:
        raise FlowError(flow.path, name, str(error)) from None


def _check_graph(flow):
    """Every node reachable from start; no node reachable from itself."""
    visiting, done = set(), set()

    def visit(name, trail):
        if name in visiting:
            loop = " -> ".join(trail[trail.index(name):] + [name])
            raise FlowError(flow.path, name, f"loops back on itself ({loop}); flows must move forward")
        if name in done:
            return
        visiting.add(name)
        for successor in flow.nodes[name].successors():
            visit(successor, trail + [name])
        visiting.discard(name)
        done.add(name)

    visit(flow.start, [])
    unreachable = sorted(set(flow.nodes) - done)
    if unreachable:
        raise FlowError(flow.path, unreachable[0], "is unreachable from start")


def _check_verified_before_disclosure(flow):
    """After a private lookup, no reply, resolve or action unless a verify node passed first."""
    seen = set()

    def walk(name, private, verified):
        if (name, private, verified) in seen:
            return
        seen.add((name, private, verified))
        node = flow.nodes[name]
        if private and not verified and node.type in ("reply", "resolve", "action"):
            raise FlowError(flow.path, name, "may disclose or act on account data before the requester is "
                                             "verified: put a verify node on every path before it")
        if node.type == "lookup" and node.private:
            private = True
        for successor in node.successors():
            # Only the success edge of a verify node counts as verified.
            walk(successor, private, verified or (node.type == "verify" and successor == node.next))

    walk(flow.start, False, False)
