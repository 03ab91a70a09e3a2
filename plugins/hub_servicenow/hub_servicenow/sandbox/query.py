"""ServiceNow encoded queries (``sysparm_query``): the subset the hub and the clients use.

``a=1^b!=2^ORc=3^ORDERBYDESCd`` means ``a=1 AND (b!=2 OR c=3)`` sorted by d descending: an
``^OR`` condition joins the condition before it, ``^NQ`` starts an alternative query, and
``^^`` is a literal caret inside a value. Operators: = != LIKE NOT LIKE STARTSWITH ENDSWITH
IN NOT IN < <= > >= ISEMPTY ISNOTEMPTY; columns may dot-walk references (caller_id.email).
As on an instance, a condition on a column the table does not have is ignored rather than an
error (unless the instance sets glide.invalid_query.returns_no_rows).
"""

import re
from dataclasses import dataclass

from .records import TABLES

_CONDITION = re.compile(
    r"^(?P<column>[a-z0-9_.]+)"
    r"(?P<op>ISNOTEMPTY|ISEMPTY|NOT LIKE|NOT IN|STARTSWITH|ENDSWITH|LIKE|IN|!=|>=|<=|>|<|=)"
    r"(?P<value>.*)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: str


@dataclass
class Query:
    alternatives: list  # each: list of AND groups, each group a list of OR'ed Conditions
    order: list  # (column, descending)


def parse(text):
    """Parse an encoded query; unknown tokens are ignored as an instance ignores them."""
    alternatives, order = [], []
    for part in _split(text or "", "NQ"):
        groups = []
        for token in _tokens(part):
            if token.startswith("ORDERBYDESC"):
                order.append((token[len("ORDERBYDESC"):], True))
            elif token.startswith("ORDERBY"):
                order.append((token[len("ORDERBY"):], False))
            elif token.startswith("OR") and groups:
                condition = _condition(token[2:])
                if condition:
                    groups[-1].append(condition)
            else:
                condition = _condition(token)
                if condition:
                    groups.append([condition])
        alternatives.append(groups)
    return Query(alternatives, order)


def _tokens(text):
    """Split on single carets; ``^^`` stays in the token as a literal caret."""
    tokens, current, i = [], [], 0
    while i < len(text):
        if text[i] == "^":
            if text[i + 1:i + 2] == "^":
                current.append("^")
                i += 2
                continue
            tokens.append("".join(current))
            current = []
        else:
            current.append(text[i])
        i += 1
    tokens.append("".join(current))
    return [t for t in tokens if t and t != "EQ"]


def _split(text, keyword):
    return re.split(r"(?<!\^)\^" + keyword, text) if text else [""]


def _condition(token):
    match = _CONDITION.match(token)
    if not match:
        return None
    return Condition(match["column"], match["op"], match["value"])


class Evaluator:
    """Filters and sorts the rows of one table; ``resolve(table, row, dotted)`` gives raw values."""

    def __init__(self, tables):
        self.tables = tables

    def known(self, table, dotted):
        for hop in dotted.split(".")[:-1]:
            table = TABLES[table].references.get(hop)
            if table is None:
                return False
        column = dotted.split(".")[-1]
        spec = TABLES[table]
        return column in spec.columns or any(column in r for r in self.tables.get(table, ()))

    def raw(self, table, row, dotted):
        *hops, column = dotted.split(".")
        for hop in hops:
            table = TABLES[table].references[hop]
            row = next((r for r in self.tables.get(table, ()) if r["sys_id"] == row.get(hop)), None)
            if row is None:
                return ""
        return row.get(column, "")

    def select(self, table, query):
        rows = self.tables.get(table, [])
        alternatives = [
            [[c for c in group if self.known(table, c.column)] for group in groups]
            for groups in query.alternatives
        ]
        alternatives = [[g for g in groups if g] for groups in alternatives]
        matched = [r for r in rows if any(all(any(self.test(table, r, c) for c in g) for g in groups)
                                          for groups in alternatives)]
        for column, descending in reversed([o for o in query.order if self.known(table, o[0])]):
            matched.sort(key=lambda r: _sort_key(self.raw(table, r, column)), reverse=descending)
        return matched

    def test(self, table, row, condition):
        actual = self.raw(table, row, condition.column)
        wanted, op = condition.value, condition.op
        low, wanted_low = actual.lower(), wanted.lower()
        if op == "=":
            return low == wanted_low
        if op == "!=":
            return low != wanted_low
        if op == "LIKE":
            return wanted_low in low
        if op == "NOT LIKE":
            return wanted_low not in low
        if op == "STARTSWITH":
            return low.startswith(wanted_low)
        if op == "ENDSWITH":
            return low.endswith(wanted_low)
        if op in ("IN", "NOT IN"):
            inside = low in [v.strip().lower() for v in wanted.split(",")]
            return inside if op == "IN" else not inside
        if op == "ISEMPTY":
            return actual == ""
        if op == "ISNOTEMPTY":
            return actual != ""
        if actual == "":
            return False
        a, b = _sort_key(actual), _sort_key(wanted)
        if type(a[1]) is not type(b[1]):
            a, b = (0, actual), (0, wanted)
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _sort_key(value):
    """Numbers sort as numbers (sys_mod_count, priority), everything else as text (dates included)."""
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)
