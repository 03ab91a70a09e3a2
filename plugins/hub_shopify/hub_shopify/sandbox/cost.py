"""Shopify's calculated query cost and the leaky bucket that spends it.

Costs follow Shopify's published rules: scalars and enums 0, an object 1, a connection
2 + (first or last) x the cost of one node, a list taking ``first`` that many objects, and
10 per mutation. Each app (OAuth client) has a bucket of ``size`` points that refills at
``restore_rate`` points per second; a query whose *requested* cost is more than is available
is THROTTLED. Once it ran, the query's *actual* cost (what it returned: a connection costs
its real nodes, not ``first`` of them) is charged and the difference handed back.
"""

import threading
import time

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationType,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    value_from_ast_untyped,
)
from graphql.utilities import get_operation_ast

MUTATION_COST = 10
#: The most a single query may cost, whatever the bucket holds.
SINGLE_QUERY_MAX = 1000


def query_cost(schema, document, operation_name=None, variables=None, data=None):
    """The requested cost; with ``data`` (the executed result), the actual cost."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    if operation.operation == OperationType.MUTATION:
        return MUTATION_COST * sum(1 for s in operation.selection_set.selections if isinstance(s, FieldNode))
    walker = _Walker(schema, fragments, variables or {})
    if data is not None:
        return _Actual(walker).selection(operation.selection_set, schema.query_type, data)
    return walker.selection(operation.selection_set, schema.query_type)


class _Walker:
    def __init__(self, schema, fragments, variables):
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def selection(self, selection_set, parent):
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(node, parent)
            elif isinstance(node, InlineFragmentNode):
                target = self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                total += self.selection(node.selection_set, target)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    total += self.selection(fragment.selection_set, self.schema.get_type(fragment.type_condition.name.value))
        return total

    def field(self, node, parent):
        definition = getattr(parent, "fields", {}).get(node.name.value)
        if definition is None:  # __typename, or a field validation already refused
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        children = self.selection(node.selection_set, named) if node.selection_set else 0
        size = self.page_size(node)
        if named.name.endswith("Connection"):
            return 2 + size * self.per_node(node, named)
        if is_list_type(get_nullable_type(definition.type)):
            return max(size, 1) * (1 + children)
        return 1 + children

    def per_node(self, node, connection_type):
        """What one node of a connection costs: the nodes{} or edges{node{}} selection."""
        cost = 0
        for child in node.selection_set.selections if node.selection_set else ():
            if not isinstance(child, FieldNode):
                continue
            name = child.name.value
            if name == "nodes" and child.selection_set:
                node_type = get_named_type(connection_type.fields["nodes"].type)
                cost = max(cost, 1 + self.selection(child.selection_set, node_type))
            elif name == "edges" and child.selection_set:
                edge_type = get_named_type(connection_type.fields["edges"].type)
                cost = max(cost, self.selection(child.selection_set, edge_type))
        return cost

    def page_size(self, node):
        for argument in node.arguments or ():
            if argument.name.value in ("first", "last"):
                value = value_from_ast_untyped(argument.value, self.variables)
                if isinstance(value, int):
                    return value
        return 0


class _Actual:
    """The same rules applied to what the query returned."""

    def __init__(self, walker):
        self.walker = walker

    def selection(self, selection_set, parent, data):
        if not isinstance(data, dict):
            return 0
        total = 0
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                total += self.field(node, parent, data)
            elif isinstance(node, InlineFragmentNode):
                target = self.walker.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                total += self.selection(node.selection_set, target, data)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.walker.fragments.get(node.name.value)
                if fragment is not None:
                    target = self.walker.schema.get_type(fragment.type_condition.name.value)
                    total += self.selection(fragment.selection_set, target, data)
        return total

    def field(self, node, parent, data):
        definition = getattr(parent, "fields", {}).get(node.name.value)
        value = data.get(node.alias.value if node.alias else node.name.value)
        if definition is None or value is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named) or not node.selection_set:
            return 0
        if named.name.endswith("Connection"):
            per_node = []
            for child in node.selection_set.selections:
                if isinstance(child, FieldNode) and child.name.value in ("nodes", "edges") and child.selection_set:
                    item_type = get_named_type(named.fields[child.name.value].type)
                    items = value.get(child.alias.value if child.alias else child.name.value) or []
                    extra = 1 if child.name.value == "nodes" else 0  # edges count their node object
                    per_node.append(sum(extra + self.selection(child.selection_set, item_type, item) for item in items))
            return 2 + max(per_node, default=0)
        if isinstance(value, list):
            return sum(1 + self.selection(node.selection_set, named, item) for item in value)
        return 1 + self.selection(node.selection_set, named, value)


class LeakyBucket:
    """Per-app query-cost buckets; ``clock`` is injectable so tests need not sleep."""

    def __init__(self, size=2000, restore_rate=100, clock=time.monotonic):
        self.size, self.restore_rate, self.clock = float(size), float(restore_rate), clock
        self._levels = {}  # app -> (available, at)
        self._lock = threading.Lock()

    def _available(self, app):
        available, at = self._levels.get(app, (self.size, self.clock()))
        now = self.clock()
        return min(self.size, available + (now - at) * self.restore_rate), now

    def take(self, app, cost):
        """Spend ``cost`` if the bucket holds it; return ``(granted, throttle_status)``."""
        with self._lock:
            available, now = self._available(app)
            granted = cost <= available
            if granted:
                available -= cost
            self._levels[app] = (available, now)
            return granted, self.status(available)

    def reset(self):
        """Every bucket full again."""
        with self._lock:
            self._levels.clear()

    def give_back(self, app, points):
        """Return what a query was charged beyond its actual cost; answer the new status."""
        with self._lock:
            available, now = self._available(app)
            available = min(self.size, available + max(points, 0))
            self._levels[app] = (available, now)
            return self.status(available)

    def peek(self, app):
        with self._lock:
            return self.status(self._available(app)[0])

    def status(self, available):
        return {"maximumAvailable": self.size, "currentlyAvailable": int(available), "restoreRate": self.restore_rate}
