"""The SOQL subset the sandbox answers, parsed and run over the org's records.

    SELECT field, Relationship.field, ... FROM Object
      [WHERE condition] [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]
    SELECT COUNT() FROM Object [WHERE ...]            -- totalSize, no records
    SELECT COUNT(field) [alias], ... FROM Object ...  -- one AggregateResult (expr0, expr1 ...)

Conditions: ``=, !=, <>, <, <=, >, >=``, ``[NOT] IN (...)``, ``LIKE``, ``NOT``, parentheses,
and ``AND``/``OR`` — mixing the two at one level without parentheses is refused, as in
Salesforce. ``!=`` and ``NOT IN`` match nulls too, as in SOQL (unlike SQL). Datetime fields take
ISO 8601 literals and date literals (``TODAY``, ``LAST_N_DAYS:30``; see date_literals.py).
What the grammar does not cover (GROUP BY, HAVING, other aggregates, semi-joins, TYPEOF,
FIELDS(), child subqueries) is refused with MALFORMED_QUERY, never half-read. String comparisons ignore case; ids compare in their 15- or 18-character form.
Errors carry Salesforce's codes (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE,
INVALID_QUERY_FILTER_OPERATOR) so a client sees what it would see against a real org.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import date_literals, ids, schema
from .errors import ApiError, malformed_query

TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<string>'(?:[^'\\]|\\.)*')
    | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    | (?P<date>\d{4}-\d{2}-\d{2})
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<nliteral>[A-Za-z_]+:\d+)
    | (?P<op>!=|<>|<=|>=|=|<|>)
    | (?P<punct>[(),])
    | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    """,
    re.VERBOSE | re.DOTALL,
)
ESCAPES = {"'": "'", '"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f",
           # kept escaped: only LIKE gives them meaning, as literal wildcards
           "%": "\\%", "_": "\\_"}
KEYWORDS = {"select", "from", "where", "and", "or", "not", "in", "like", "order", "by", "asc", "desc",
            "nulls", "first", "last", "limit", "offset", "true", "false", "null", "count", "group", "having"}
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"
MAX_NESTING = 50
#: Salesforce refuses an OFFSET beyond this (NUMBER_OUTSIDE_VALID_RANGE).
MAX_OFFSET = 2000


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int

    def keyword(self, *words):
        return self.kind == "ident" and self.text.lower() in words


@dataclass(frozen=True)
class Path:
    """A selected or filtered field, possibly through one relationship (``Contact.Email``)."""

    via: schema.FieldDef | None  # the reference field (ContactId) or None
    field: schema.FieldDef  # the field read at the end
    targets: tuple  # objects the end field lives on

    @property
    def label(self):
        return f"{self.via.relationship}.{self.field.name}" if self.via else self.field.name


@dataclass
class Query:
    obj: schema.ObjectDef
    fields: list
    where: object = None
    order: list = field(default_factory=list)
    limit: int | None = None
    offset: int = 0
    #: SELECT COUNT(): only the number of matching records is answered.
    count_only: bool = False
    #: SELECT COUNT(field) ...: [(Path or None, alias)] answered as one AggregateResult.
    aggregates: list = field(default_factory=list)


def tokenize(text):
    tokens, position = [], 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None:
            if text[position] == "'":
                raise malformed_query(f"ERROR at Row:1:Column:{position + 1}\nunterminated string literal")
            raise malformed_query(f"ERROR at Row:1:Column:{position + 1}\nunexpected token: '{text[position]}'")
        kind = match.lastgroup
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    tokens.append(Token("eof", "<EOF>", len(text)))
    return tokens


def unquote(token):
    body, out, i = token.text[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            following = body[i + 1]
            if following not in ESCAPES:
                raise malformed_query(f"Invalid string literal '{body}'. Illegal character sequence "
                                      f"'\\{following}' in string literal.")
            out.append(ESCAPES[following])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


class Parser:
    def __init__(self, text):
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0

    # -- token stream --

    @property
    def current(self):
        return self.tokens[self.index]

    def advance(self):
        token = self.current
        self.index += 1
        return token

    def unexpected(self, token=None):
        token = token or self.current
        return malformed_query(f"ERROR at Row:1:Column:{token.position + 1}\nunexpected token: '{token.text}'")

    def expect_keyword(self, *words):
        if not self.current.keyword(*words):
            raise self.unexpected()
        return self.advance()

    def expect(self, kind, text=None):
        token = self.current
        if token.kind != kind or (text is not None and token.text != text):
            raise self.unexpected()
        return self.advance()

    # -- grammar --

    def parse(self):
        self.expect_keyword("select")
        items = [self.select_item()]
        while self.current.text == ",":
            self.advance()
            items.append(self.select_item())
        self.expect_keyword("from")
        object_token = self.expect("ident")
        obj = schema.lookup(object_token.text)
        if obj is None:
            raise ApiError(400, "INVALID_TYPE", f"sObject type '{object_token.text}' is not supported. If you are "
                           "attempting to use a custom object, be sure to append the '__c' after the entity name.")
        query = self.select(obj, items)
        if self.current.keyword("where"):
            self.advance()
            query.where = self.condition(obj)
        if self.current.keyword("order"):
            self.advance()
            self.expect_keyword("by")
            query.order.append(self.order_item(obj))
            while self.current.text == ",":
                self.advance()
                query.order.append(self.order_item(obj))
        if self.current.keyword("limit"):
            self.advance()
            query.limit = self.whole_number()
        if self.current.keyword("offset"):
            self.advance()
            query.offset = self.whole_number()
            if query.offset > MAX_OFFSET:
                raise ApiError(400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}")
        if self.current.kind != "eof":
            raise self.unexpected()
        return query

    def select_item(self):
        """A field token, or ``("count", field token or None, alias or None)``."""
        token = self.current
        if token.kind == "ident" and self.tokens[self.index + 1].text == "(":
            if token.text.lower() != "count":
                raise malformed_query(f"ERROR at Row:1:Column:{token.position + 1}\n"
                                      f"{token.text}() is not supported by the sandbox (only COUNT() and COUNT(field))")
            self.advance()
            self.expect("punct", "(")
            counted = None if self.current.text == ")" else self.field_name()
            self.expect("punct", ")")
            alias = None
            if self.current.kind == "ident" and self.current.text.lower() not in KEYWORDS:
                alias = self.advance().text
            return ("count", counted, alias)
        if token.text == "(":
            raise malformed_query(f"ERROR at Row:1:Column:{token.position + 1}\n"
                                  "child relationship subqueries are not supported by the sandbox")
        return self.field_name()

    def select(self, obj, items):
        counts = [item for item in items if isinstance(item, tuple)]
        fields = [item for item in items if not isinstance(item, tuple)]
        if not counts:
            return Query(obj, [self.resolve(obj, name) for name in fields])
        if fields:
            if any(t.keyword("group") for t in self.tokens[self.index:]):
                raise malformed_query("GROUP BY is not supported by the sandbox")
            raise malformed_query(f"Field must be grouped or aggregated: {fields[0].text}")
        if any(counted is None for _, counted, _ in counts):
            if len(counts) > 1:
                raise malformed_query("COUNT() must be the only element in the SELECT list")
            return Query(obj, [], count_only=True)
        aggregates = [(self.resolve(obj, counted), alias or f"expr{n}")
                      for n, (_, counted, alias) in enumerate(counts)]
        return Query(obj, [], aggregates=aggregates)

    def field_name(self):
        token = self.current
        if token.kind != "ident" or token.text.lower() in KEYWORDS:
            raise self.unexpected()
        return self.advance()

    def whole_number(self):
        token = self.expect("number")
        if not token.text.isdigit():
            raise self.unexpected(token)
        return int(token.text)

    def resolve(self, obj, token):
        parts = token.text.split(".")
        if len(parts) == 1:
            found = obj.field(parts[0])
            if found is None:
                raise no_such_column(parts[0], obj.name)
            return Path(None, found, (obj.name,))
        if len(parts) > 2:
            raise malformed_query(f"relationships more than one level deep are not supported here: {token.text}")
        via = obj.relationship(parts[0])
        if via is None:
            raise ApiError(400, "INVALID_FIELD", f"Didn't understand relationship '{parts[0]}' in field path. "
                           "If you are attempting to use a custom relationship, be sure to append the '__r' "
                           "after the custom relationship name.")
        for target in via.targets:
            found = schema.OBJECTS[target].field(parts[1])
            if found is not None:
                return Path(via, found, via.targets)
        raise no_such_column(parts[1], via.targets[0])

    def order_item(self, obj):
        path = self.resolve(obj, self.field_name())
        descending = False
        if self.current.keyword("asc", "desc"):
            descending = self.advance().text.lower() == "desc"
        nulls_last = descending
        if self.current.keyword("nulls"):
            self.advance()
            nulls_last = self.expect_keyword("first", "last").text.lower() == "last"
        return path, descending, nulls_last

    def condition(self, obj):
        """Terms joined by one kind of connective; the other kind needs parentheses."""
        terms = [self.term(obj)]
        connective = None
        while self.current.keyword("and", "or"):
            word = self.current.text.lower()
            if connective and word != connective:
                raise self.unexpected()
            connective = word
            self.advance()
            terms.append(self.term(obj))
        if connective is None:
            return terms[0]
        return (connective, terms)

    def term(self, obj):
        # NOT and parentheses recurse: bound them so a hostile query cannot exhaust the stack.
        self.depth += 1
        try:
            if self.depth > MAX_NESTING:
                raise malformed_query(f"conditions nested more than {MAX_NESTING} levels deep")
            if self.current.keyword("not"):
                self.advance()
                return ("not", self.term(obj))
            if self.current.text == "(":
                self.advance()
                inner = self.condition(obj)
                self.expect("punct", ")")
                return inner
            return self.comparison(obj)
        finally:
            self.depth -= 1

    def comparison(self, obj):
        path = self.resolve(obj, self.field_name())
        if not path.field.filterable:
            raise ApiError(400, "INVALID_FIELD", f"field '{path.field.name}' can not be filtered in a query call")
        if self.current.keyword("not"):
            self.advance()
            self.expect_keyword("in")
            return ("not", ("in", path, self.value_list(path)))
        if self.current.keyword("in"):
            self.advance()
            return ("in", path, self.value_list(path))
        if self.current.keyword("like"):
            self.advance()
            token = self.expect("string")
            if path.field.type not in (schema.STRING, schema.PICKLIST):
                raise filter_type_error(path, "string")
            return ("like", path, like_pattern(unquote(token)))
        operator = self.expect("op").text
        return ("compare", path, "!=" if operator == "<>" else operator, self.value(path))

    def value_list(self, path):
        self.expect("punct", "(")
        if self.current.keyword("select"):
            raise malformed_query(f"ERROR at Row:1:Column:{self.current.position + 1}\n"
                                  "semi-join subqueries are not supported by the sandbox")
        values = [self.value(path)]
        while self.current.text == ",":
            self.advance()
            values.append(self.value(path))
        self.expect("punct", ")")
        return values

    def value(self, path):
        """A literal, checked against the field's type the way Salesforce checks it."""
        token = self.advance()
        kind, ftype = token.kind, path.field.type
        if token.keyword("null"):
            return None
        if ftype in (schema.ID, schema.REFERENCE):
            if kind != "string":
                raise filter_type_error(path, "id")
            value = unquote(token)
            if ids.to18(value) is None:
                raise ApiError(400, "INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {value}")
            return ids.to18(value)
        if ftype == schema.BOOLEAN:
            if not token.keyword("true", "false"):
                raise filter_type_error(path, "boolean")
            return token.text.lower() == "true"
        if ftype == schema.DATETIME:
            if kind in ("ident", "nliteral"):
                span = date_literals.span(token.text)
                if span is None:
                    raise malformed_query(f"ERROR at Row:1:Column:{token.position + 1}\n"
                                          f"unexpected token: '{token.text}' (not a date literal the sandbox knows)")
                return span
            if kind != "datetime":
                raise filter_type_error(path, "dateTime")
            return parse_datetime_literal(token.text)
        if ftype == schema.INT:
            if kind != "number":
                raise filter_type_error(path, "int")
            return float(token.text)
        if kind != "string":
            raise self.unexpected(token) if kind in ("punct", "eof", "op") else filter_type_error(path, "string")
        return unquote(token)


def no_such_column(name, object_name):
    return ApiError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{object_name}'. If you are attempting "
                    "to use a custom field, be sure to append the '__c' after the custom field name.")


def filter_type_error(path, type_name):
    if type_name == "string":
        quoting = "should be enclosed in quotes"
    else:
        quoting = "should not be enclosed in quotes"
    return ApiError(400, "INVALID_QUERY_FILTER_OPERATOR",
                    f"value of filter criterion for field '{path.label}' must be of type {type_name} and {quoting}")


def like_pattern(text):
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def parse_datetime_literal(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_datetime(value):
    """A stored Salesforce datetime string ("2026-11-02T09:15:00.000+0000") as a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.strptime(value, DATETIME_FORMAT)


def format_datetime(when):
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


def parse(text):
    return Parser(text).parse()


# -- running a parsed query -------------------------------------------------------------------


class Executor:
    """Runs queries over ``org`` (a ``records.Org``), returning Salesforce-shaped records."""

    def __init__(self, org, version):
        self.org, self.version = org, version

    def run(self, query, restrict_to=None, include_deleted=False):
        """All matching records, ordered and limited. ``restrict_to`` keeps only those ids
        (in that order, unless the query orders them) — SOSL narrows a query this way."""
        rows = self.org.records(query.obj.name)
        if restrict_to is not None:
            position = {record_id: n for n, record_id in enumerate(restrict_to)}
            rows = sorted((r for r in rows if r["Id"] in position), key=lambda r: position[r["Id"]])
        # /query skips the recycle bin; /queryAll (include_deleted) reads it too.
        rows = [r for r in rows if (include_deleted or not r.get("IsDeleted")) and self.matches(r, query.where)]
        for path, descending, nulls_last in reversed(query.order):
            rows.sort(key=lambda r, p=path, d=descending, n=nulls_last: self.sort_key(r, p, d, n), reverse=descending)
        if query.aggregates:
            # One AggregateResult row; LIMIT and OFFSET apply to the aggregated rows.
            result = {"attributes": {"type": "AggregateResult"}}
            for path, alias in query.aggregates:
                result[alias] = sum(1 for row in rows if self.read(row, path) is not None)
            rows = [result][query.offset:]
            return rows[:query.limit] if query.limit is not None else rows
        rows = rows[query.offset:]
        if query.limit is not None:
            rows = rows[:query.limit]
        if query.count_only:
            return rows
        return [self.shape(query, row) for row in rows]

    def read(self, record, path):
        if path.via is None:
            return record.get(path.field.name)
        target = self.org.get_any(record.get(path.via.name))
        return None if target is None else target.get(path.field.name)

    def matches(self, record, node):
        if node is None:
            return True
        kind = node[0]
        if kind == "and":
            return all(self.matches(record, n) for n in node[1])
        if kind == "or":
            return any(self.matches(record, n) for n in node[1])
        if kind == "not":
            return not self.matches(record, node[1])
        if kind == "in":
            _, path, values = node
            return any(self.compare(self.read(record, path), "=", value, path) for value in values)
        if kind == "like":
            _, path, pattern = node
            value = self.read(record, path)
            return value is not None and pattern.fullmatch(str(value)) is not None
        _, path, operator, value = node
        return self.compare(self.read(record, path), operator, value, path)

    @staticmethod
    def compare(actual, operator, expected, path):
        if expected is None or actual is None:
            # Nulls are equal only to null; anything != a value includes the nulls (SOQL).
            equal = actual is None and expected is None
            if operator == "=":
                return equal
            if operator == "!=":
                return not equal
            return False
        if isinstance(expected, date_literals.Span):
            return expected.compare(parse_datetime(actual), operator)
        ftype = path.field.type
        if ftype in (schema.ID, schema.REFERENCE):
            actual, expected = (ids.to18(actual) or actual), expected
        elif ftype == schema.DATETIME:
            actual = parse_datetime(actual)
        elif ftype == schema.INT:
            actual = float(actual)
        elif isinstance(actual, str) and isinstance(expected, str):
            actual, expected = actual.lower(), expected.lower()
        if operator == "=":
            return actual == expected
        if operator == "!=":
            return actual != expected
        try:
            return {"<": actual < expected, "<=": actual <= expected,
                    ">": actual > expected, ">=": actual >= expected}[operator]
        except TypeError:
            return False

    def sort_key(self, record, path, descending, nulls_last):
        value = self.read(record, path)
        if isinstance(value, str):
            value = value.lower()
        # Nulls sort as the smallest or largest value, whichever puts them where asked.
        null_rank = int(nulls_last) if not descending else int(not nulls_last)
        return (null_rank, "") if value is None else (1 - null_rank, value)

    def shape(self, query, record):
        out = {"attributes": self.attributes(query.obj.name, record["Id"])}
        for path in query.fields:
            if path.via is None:
                out[path.field.name] = record.get(path.field.name)
                continue
            name = path.via.relationship
            target = self.org.get_any(record.get(path.via.name))
            if target is None:
                out[name] = None
                continue
            nested = out.get(name) or {"attributes": self.attributes(self.org.object_of(target["Id"]), target["Id"])}
            nested[path.field.name] = target.get(path.field.name)
            out[name] = nested
        return out

    def attributes(self, object_name, record_id):
        return {"type": object_name, "url": f"/services/data/v{self.version}/sobjects/{object_name}/{record_id}"}
