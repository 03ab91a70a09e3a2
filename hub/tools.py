"""Tools are what a flow node may call at a vendor: lookups read, actions write."""

from dataclasses import dataclass, field

LOOKUP, ACTION, ESCALATE = "lookup", "action", "escalate"


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
    #: The hub.runtime.Hub running the call; the core's guard reads roles and the audit log from it.
    runtime: object = None

    @property
    def connector(self):
        return self.tool.connector
