"""Shopify's search syntax (``query:`` arguments), parsed into a tree and evaluated per record.

    Query      = Term { [ whitespace ("AND" | "OR") ] whitespace Term }   -- no connective: AND
    Term       = [ "-" | "NOT " ] ( "(" Query ")" | [ name Comparator ] value )
    Comparator = ":" | ":<" | ":>" | ":<=" | ":>="
    value      = name | 'single quoted' | "double quoted"   (backslash escapes : \\ ( ) and quotes)

AND binds tighter than OR (``a OR b c`` is ``a OR (b AND c)``); ``value*`` is a prefix and
``key:*`` means the field has a value. Dates compare as moments in the shop's time zone (a bare
date is its midnight; ``created_at:2026-11-01`` is that whole day).

As Shopify does, a term on a field the resource cannot be searched by is ignored and named in
``extensions.search[].warnings`` ("Invalid search field for this query."). A query that is not
the grammar at all (an unbalanced quote or parenthesis, a dangling connective), or a value a
known field cannot compare (a date field given no date), is refused with a GraphQL error
``BAD_REQUEST`` instead of being read some other way.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from graphql import GraphQLError

INVALID_FIELD = "Invalid search field for this query."
COMPARATORS = (":<=", ":>=", ":<", ":>", ":")
SPECIAL = set(':\\()"\'')


@dataclass(frozen=True)
class Term:
    key: str | None  # None: free text
    comparator: str  # ":", ":<", ...
    value: str
    quoted: bool

    @property
    def prefix(self):
        return not self.quoted and self.value.endswith("*") and self.value != "*"

    @property
    def exists(self):
        return not self.quoted and self.value == "*"

    @property
    def stem(self):
        return self.value[:-1] if self.prefix else self.value


def bad_request(message):
    return GraphQLError(f"Invalid search query: {message}", extensions={"code": "BAD_REQUEST"})


# -- tokens -----------------------------------------------------------------------------------


def _tokens(text):
    """``("(" | ")" | "AND" | "OR" | "NOT" | "-" | Term, position)`` in order."""
    tokens, i = [], 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "()":
            tokens.append(char)
            i += 1
        elif char == "-" and i + 1 < len(text) and not text[i + 1].isspace():
            tokens.append("-")
            i += 1
        else:
            term, i = _term(text, i)
            word = None if term.quoted or term.key else term.value
            tokens.append(word if word in ("AND", "OR", "NOT") else term)
    return tokens


def _term(text, i):
    key, comparator = None, ":"
    name, j = _bare(text, i, stop=":")
    if j < len(text) and text[j] == ":" and name and not text.startswith("http", i):
        key = name.lower()
        comparator = next(c for c in COMPARATORS if text.startswith(c, j))
        j += len(comparator)
        if j >= len(text) or text[j].isspace() or text[j] == ")":
            raise bad_request(f"{name}{comparator} has no value")
        i = j
    elif text[i] not in "'\"":
        value, j = _bare(text, i, stop="")
        return Term(None, ":", value, False), j
    if text[i] in "'\"":
        value, j = _quoted(text, i)
        return Term(key, comparator, value, True), j
    value, j = _bare(text, i, stop="")
    return Term(key, comparator, value, False), j


def _bare(text, i, stop):
    out = []
    while i < len(text) and not text[i].isspace() and text[i] not in "()" + stop:
        if text[i] == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
            continue
        if text[i] in "'\"" and out:  # a quote inside a bare value is taken literally
            out.append(text[i])
            i += 1
            continue
        if text[i] in "'\"":
            break
        out.append(text[i])
        i += 1
    return "".join(out), i


def _quoted(text, i):
    quote, out, j = text[i], [], i + 1
    while j < len(text):
        if text[j] == "\\" and j + 1 < len(text):
            out.append(text[j + 1])
            j += 2
            continue
        if text[j] == quote:
            return "".join(out), j + 1
        out.append(text[j])
        j += 1
    raise bad_request(f"unbalanced {quote} quote at position {i + 1}")


# -- tree -------------------------------------------------------------------------------------


def parse(text):
    """The query as a tree of ``("and"|"or", [nodes])``, ``("not", node)`` and ``Term`` leaves;
    None for an empty query (every record)."""
    tokens = _tokens(text or "")
    if not tokens:
        return None
    position = [0]

    def peek():
        return tokens[position[0]] if position[0] < len(tokens) else None

    def take():
        position[0] += 1
        return tokens[position[0] - 1]

    def either():
        parts = [both()]
        while peek() == "OR":
            take()
            parts.append(both())
        return parts[0] if len(parts) == 1 else ("or", parts)

    def both():
        parts = [unary()]
        while peek() not in (None, ")", "OR"):
            if peek() == "AND":
                take()
            parts.append(unary())
        return parts[0] if len(parts) == 1 else ("and", parts)

    def unary():
        token = peek()
        if token in ("-", "NOT"):
            take()
            return ("not", unary())
        if token == "(":
            take()
            inner = either()
            if take_if(")") is None:
                raise bad_request("unbalanced parenthesis")
            return inner
        if token in (None, ")", "AND", "OR"):
            raise bad_request(f"expected a term, found {token or 'the end of the query'!r}")
        return take()

    def take_if(wanted):
        return take() if peek() == wanted else None

    tree = either()
    if peek() is not None:
        raise bad_request(f"unexpected {peek()!r}")
    return tree


# -- evaluation -------------------------------------------------------------------------------


class Matcher:
    """Evaluates a parsed query against records through ``fields``: ``{key: (kind, getter)}``
    where kind is "text", "exact", "number", "date", "id" or "tags" and ``getter(record)``
    gives the value (a list for tags), or kind "custom" with ``getter(record, term) -> bool``. ``free(record)`` is the text free terms search."""

    def __init__(self, query, fields, free, timezone_name="UTC"):
        self.tree = parse(query)
        self.fields, self.free, self.zone = fields, free, ZoneInfo(timezone_name)
        self.warnings = []
        self._check(self.tree)

    def _check(self, node):
        if node is None:
            return
        if isinstance(node, Term):
            if node.key is not None and node.key not in self.fields:
                warning = {"field": node.key, "message": INVALID_FIELD}
                if warning not in self.warnings:
                    self.warnings.append(warning)
            elif node.key is not None and self.fields[node.key][0] == "date" and not node.exists:
                if self._moment(node.stem) is None:
                    raise bad_request(f"{node.key} takes a date, not {node.value!r}")
            return
        for child in (node[1] if node[0] in ("and", "or") else [node[1]]):
            self._check(child)

    def __call__(self, record):
        return self._eval(self.tree, record) is not False

    def _eval(self, node, record):
        """True, False, or None for a term Shopify ignores (an unknown field)."""
        if node is None:
            return None
        if isinstance(node, Term):
            return self._term(node, record)
        kind = node[0]
        if kind == "not":
            inner = self._eval(node[1], record)
            return None if inner is None else not inner
        results = [r for r in (self._eval(child, record) for child in node[1]) if r is not None]
        if not results:
            return None
        return all(results) if kind == "and" else any(results)

    def _term(self, term, record):
        if term.key is None:
            return term.stem.lower() in self.free(record).lower()
        if term.key not in self.fields:
            return None
        kind, getter = self.fields[term.key]
        if kind == "custom":  # the resource decides what the field's values mean
            return getter(record, term)
        actual = getter(record)
        if term.exists:
            return actual not in (None, "", [])
        if actual is None:
            return False
        if kind == "tags":
            return any(self._text_equal(tag, term) for tag in actual) if term.comparator == ":" else False
        if kind == "date":
            return self._date(actual, term)
        if kind in ("number", "id"):
            wanted = term.stem.rsplit("/", 1)[-1] if kind == "id" else term.stem
            try:
                return compare(float(actual), term.comparator, float(wanted))
            except ValueError:
                return False
        if term.comparator != ":":
            return compare(str(actual).lower(), term.comparator, term.stem.lower())
        if kind == "text":
            return (str(actual).lower().startswith(term.stem.lower()) if term.prefix
                    else term.stem.lower() in str(actual).lower())
        return self._text_equal(str(actual), term)

    @staticmethod
    def _text_equal(actual, term):
        actual = actual.lower()
        return actual.startswith(term.stem.lower()) if term.prefix else actual == term.value.lower()

    def _moment(self, text):
        text = text.strip()
        try:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=self.zone), True
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return (moment if moment.tzinfo else moment.replace(tzinfo=self.zone)), False

    def _date(self, actual, term):
        moment = datetime.fromisoformat(actual.replace("Z", "+00:00"))
        wanted, whole_day = self._moment(term.stem)
        if term.comparator == ":":
            end = wanted + (timedelta(days=1) if whole_day else timedelta(seconds=1))
            return wanted <= moment < end
        return compare(moment, term.comparator, wanted)


def compare(actual, comparator, wanted):
    return {":": actual == wanted, ":<": actual < wanted, ":>": actual > wanted,
            ":<=": actual <= wanted, ":>=": actual >= wanted}[comparator]
