"""ServiceNow encoded queries (``sysparm_query``), parsed and run over the sandbox's tables.

``a=1^b!=2^ORc=3^NQd=4^ORDERBYDESCe`` means ``(a=1 AND (b!=2 OR c=3)) OR d=4`` sorted by e
descending: an ``^OR`` condition joins the condition before it, ``^NQ`` starts an alternative
query, and ``^^`` is a literal caret inside a value.

Operators: ``= != < <= > >=``, LIKE, NOT LIKE, STARTSWITH, ENDSWITH, IN, NOT IN, ISEMPTY,
ISNOTEMPTY, ANYTHING, EMPTYSTRING, BETWEEN (``a@b``, inclusive), ON / NOTON
(``label@start@end``), RELATIVEGT / RELATIVELT / RELATIVEGE / RELATIVELE (``@day@ago@3``),
SAMEAS / NSAMEAS and GT_FIELD / LT_FIELD / GT_OR_EQUALS_FIELD / LT_OR_EQUALS_FIELD (against
another column). Values may be ``javascript:gs.*()`` date functions (see query_dates.py);
dates compare as dates, numbers as numbers, the rest as text ignoring case. Columns may
dot-walk references (caller_id.email).

As on an instance, a condition on a column the table does not have is ignored (unless the
instance sets glide.invalid_query.returns_no_rows). An operator, keyword or javascript value
the sandbox does not implement is refused with a 400 in ServiceNow's error envelope — never
dropped silently, which would answer a wider query than was asked.
"""

import re
from dataclasses import dataclass

from .instance import ApiError
from .query_dates import as_datetime, evaluate, relative
from .records import TABLES

OPERATORS = (
    "ISNOTEMPTY", "ISEMPTY", "NOT LIKE", "NOT IN", "STARTSWITH", "ENDSWITH", "LIKE", "IN", "ANYTHING",
    "EMPTYSTRING", "BETWEEN", "NOTON", "ON", "RELATIVEGT", "RELATIVELT", "RELATIVEGE", "RELATIVELE",
    "NSAMEAS", "SAMEAS", "GT_OR_EQUALS_FIELD", "LT_OR_EQUALS_FIELD", "GT_FIELD", "LT_FIELD",
    "!=", ">=", "<=", ">", "<", "=",
)
_CONDITION = re.compile(
    r"^(?P<column>[a-z0-9_.]+)(?P<op>" + "|".join(re.escape(op) for op in OPERATORS) + r")(?P<value>.*)$",
    re.DOTALL,
)
#: A column followed by something operator-like the sandbox does not know (DATEPART, VALCHANGES ...).
_UNKNOWN_OPERATOR = re.compile(r"^(?P<column>[a-z0-9_.]+)(?P<op>[A-Z][A-Z_ ]*)")
#: Operators whose value is another column of the row.
FIELD_OPERATORS = {"SAMEAS": "=", "NSAMEAS": "!=", "GT_FIELD": ">", "LT_FIELD": "<",
                   "GT_OR_EQUALS_FIELD": ">=", "LT_OR_EQUALS_FIELD": "<="}
NO_VALUE = ("ISEMPTY", "ISNOTEMPTY", "ANYTHING", "EMPTYSTRING")
#: Operators the sandbox does not implement that begin like one it does (INSTANCEOF is not
#: IN + "STANCEOF"); every other unknown operator matches none of OPERATORS.
UNSUPPORTED_LOOKALIKES = ("INSTANCEOF", "NOT INSTANCEOF")


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: str  # evaluated (javascript dates computed); for BETWEEN/ON "start@end"


@dataclass
class Query:
    alternatives: list  # each: list of AND groups, each group a list of OR'ed Conditions
    order: list  # (column, descending)


def invalid(detail):
    return ApiError(400, "Invalid query", f"{detail} (sysparm_query as the sandbox implements it: see docs/sandbox.md)")


def parse(text):
    alternatives, order = [], []
    for part in _split(text or "", "NQ"):
        groups = []
        for token in _tokens(part):
            if token.startswith("ORDERBYDESC"):
                order.append((token[len("ORDERBYDESC"):], True))
            elif token.startswith("ORDERBY"):
                order.append((token[len("ORDERBY"):], False))
            elif token.startswith("OR") and not token.startswith("ORDERBY"):
                if not groups:
                    raise invalid(f"^{token} has no condition before it to OR with")
                groups[-1].append(_condition(token[2:]))
            else:
                groups.append([_condition(token)])
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
    if match is None or token[match.end("column"):].startswith(UNSUPPORTED_LOOKALIKES):
        unknown = _UNKNOWN_OPERATOR.match(token)
        if unknown:
            raise invalid(f"operator {unknown['op'].strip()!r} in {token!r} is not supported")
        raise invalid(f"{token!r} is not a condition (column, operator, value) or a keyword the sandbox knows")
    column, op, value = match["column"], match["op"], match["value"]
    if op in NO_VALUE:
        if value:
            raise invalid(f"{op} takes no value: {token!r}")
        return Condition(column, op, "")
    if op in FIELD_OPERATORS:
        if not re.fullmatch(r"[a-z0-9_.]+", value):
            raise invalid(f"{op} compares with another column, not {value!r}")
        return Condition(column, op, value)
    if op.startswith("RELATIVE"):
        moment = relative(value)
        if moment is None:
            raise invalid(f"{op} takes @unit@ago|ahead@n (unit: minute, hour, day, week, month, quarter, year), not {value!r}")
        return Condition(column, op, moment)
    if op in ("BETWEEN", "ON", "NOTON"):
        bounds = value.split("@")
        bounds = bounds[-2:] if op != "BETWEEN" else bounds
        if len(bounds) != 2 or (op != "BETWEEN" and len(value.split("@")) != 3):
            raise invalid(f"{op} takes {'start@end' if op == 'BETWEEN' else 'label@start@end'}, not {value!r}")
        return Condition(column, op, "@".join(_value(b, token) for b in bounds))
    if op in ("IN", "NOT IN"):
        return Condition(column, op, value)
    return Condition(column, op, _value(value, token))


def _value(value, token):
    evaluated = evaluate(value)
    if evaluated is None:
        raise invalid(f"the value {value!r} in {token!r} is not one the sandbox can evaluate "
                      "(javascript: values are limited to gs date functions)")
    return evaluated


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
            [[c for c in group if self.applies(table, c)] for group in groups]
            for groups in query.alternatives
        ]
        alternatives = [[g for g in groups if g] for groups in alternatives]
        matched = [r for r in rows if any(all(any(self.test(table, r, c) for c in g) for g in groups)
                                          for groups in alternatives)]
        for column, descending in reversed([o for o in query.order if self.known(table, o[0])]):
            matched.sort(key=lambda r: _sort_key(self.raw(table, r, column)), reverse=descending)
        return matched

    def applies(self, table, condition):
        """Conditions on unknown columns are ignored, as the instance ignores them."""
        if not self.known(table, condition.column):
            return False
        return condition.op not in FIELD_OPERATORS or self.known(table, condition.value)

    def test(self, table, row, condition):
        actual = self.raw(table, row, condition.column)
        wanted, op = condition.value, condition.op
        if op in FIELD_OPERATORS:
            return _compare(FIELD_OPERATORS[op], actual, self.raw(table, row, wanted))
        low, wanted_low = actual.lower(), wanted.lower()
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
        if op in ("ISEMPTY", "EMPTYSTRING"):
            return actual == ""
        if op == "ISNOTEMPTY":
            return actual != ""
        if op == "ANYTHING":
            return True
        if op in ("BETWEEN", "ON", "NOTON"):
            start, end = wanted.split("@")
            within = actual != "" and _compare(">=", actual, start) and _compare("<=", actual, end)
            return not within and actual != "" if op == "NOTON" else within
        if op.startswith("RELATIVE"):
            return _compare({"GT": ">", "LT": "<", "GE": ">=", "LE": "<="}[op[-2:]], actual, wanted)
        return _compare(op, actual, wanted)


def _compare(op, actual, wanted):
    if op == "=":
        return _comparable(actual, wanted) == _comparable(wanted, actual)
    if op == "!=":
        return _comparable(actual, wanted) != _comparable(wanted, actual)
    if actual == "" or wanted == "":
        return False
    a, b = _comparable(actual, wanted), _comparable(wanted, actual)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def _comparable(value, other):
    """Dates as dates and numbers as numbers when both sides are; otherwise text, ignoring case."""
    moment, other_moment = as_datetime(value), as_datetime(other)
    if moment is not None and other_moment is not None:
        return (0, moment)
    try:
        number = float(value)
        float(other)
        return (1, number)
    except ValueError:
        return (2, value.lower())


def _sort_key(value):
    """Numbers sort as numbers (sys_mod_count, priority), everything else as text (dates included)."""
    try:
        return (0, float(value))
    except ValueError:
        return (1, value)
