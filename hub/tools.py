"""Tools are what a flow node may call at a vendor: lookups read, actions write."""

from dataclasses import dataclass, field
from datetime import datetime

LOOKUP, ACTION, ESCALATE = "lookup", "action", "escalate"

# How a write tool keeps a repeat to one effect: a retried step, or a write sent again after
# its answer was lost. Every action declares one (docs/writing-a-connector.md, "Writes").
#: The vendor takes the call's idempotency key and answers a repeat with the first result
#: (Shopify's ``@idempotent(key:)``): the request may be sent again as it is.
VENDOR_KEY = "vendor_key"
#: The write adds something (a comment, a request, a return). It leaves the idempotency key
#: where the tool can read it (a marker, a correlation id) or makes a record the tool can
#: recognise, and the tool reads that before writing and after a lost answer (hub.writes.once).
READ_BACK = "read_back"
#: The write only sets fields to fixed values (a status, an address): sending it twice is one
#: effect. The tool reads the current values first and reports when nothing needed changing.
SAME_STATE = "same_state"
IDEMPOTENCY = (VENDOR_KEY, READ_BACK, SAME_STATE)


@dataclass(frozen=True)
class Tool:
    """A named capability of one connector, with its argument schema and required scopes."""

    name: str  # "<connector>.<verb>", e.g. "shopify.get_order"
    connector: str
    kind: str  # LOOKUP, ACTION or ESCALATE (one implicit escalate tool per connector)
    description: str
    input_schema: dict = field(default_factory=lambda: {"type": "object"})
    scopes: tuple = ()
    #: Hub permission the caller's role needs, e.g. "tool.lookup" or "tool.refund".
    permission: str = ""
    #: True for actions that move money or goods: they must run exactly once.
    sensitive: bool = False
    #: For actions: how a repeat stays one effect (VENDOR_KEY, READ_BACK or SAME_STATE).
    idempotency: str = ""
    #: The implementation: ``fn(call) -> dict``. Called by the connector's hook, not the core.
    fn: object = None

    def __post_init__(self):
        if not self.permission:
            object.__setattr__(self, "permission", f"tool.{self.kind}")

    def describe(self):
        return {
            "name": self.name,
            "kind": self.kind,
            "description": self.description,
            "scopes": list(self.scopes),
            "permission": self.permission,
            "sensitive": self.sensitive,
            "idempotency": self.idempotency or None,
            "input_schema": self.input_schema,
        }


@dataclass(frozen=True)
class Identity:
    """Who a requester is, as the vendor knows them."""

    email: str | None
    remote_id: str | None = None
    name: str | None = None
    verified: bool = False
    source: str = ""


@dataclass
class CallContext:
    """Where a tool call comes from: the run, ticket and flow node, and who acts."""

    run_id: str | None = None
    ticket_id: str | None = None
    node: str | None = None
    #: Tools the calling flow node may call; None means the call is not from a flow.
    allowed_tools: frozenset | None = None
    actor: str = "agent"
    role: str = "agent"


@dataclass
class ToolCall:
    """One invocation of a tool (or of escalate) against one connection."""

    tool: Tool
    connection: object
    session: object
    arguments: dict = field(default_factory=dict)
    context: CallContext = field(default_factory=CallContext)
    idempotency_key: str | None = None
    #: When the first attempt of this step began (the effect ledger's start): what an earlier,
    #: lost attempt made cannot be older, so a read-back looks no further back.
    first_attempt_at: datetime | None = None
    #: The hub.runtime.Hub running the call; the core's guard reads roles and the audit log from it.
    runtime: object = None

    @property
    def connector(self):
        return self.tool.connector
