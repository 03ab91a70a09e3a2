"""Zendesk's search syntax, read into terms: ``type:ticket status<solved -tags:vip "exact phrase"
created>2026-11-20 order_by:created sort:asc``.

A term is a property condition (``key`` + operator + value), or a bare word or quoted phrase;
``-`` negates either. Dates are ``YYYY-MM-DD``, ISO 8601 times, or relative (``4hours``,
``2days``: that long before now). What the syntax allows but the sandbox cannot answer is
refused by the caller; a query that is not the syntax at all is refused here.
"""

import datetime
import re
from dataclasses import dataclass

from .responses import ApiError

TOKEN = re.compile(
    r'(?P<neg>-)?(?:(?P<key>[a-z_]+)(?P<op><=|>=|:|<|>))?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+))'
)
RELATIVE = re.compile(r"^(\d+)(minute|hour|day|week|month|year)s?$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400,
                "year": 365 * 86400}
SECOND = datetime.timedelta(seconds=1)


@dataclass(frozen=True)
class Term:
    negated: bool
    key: str | None  # None: a bare word or phrase
    op: str | None
    value: str  # lower case, quotes removed
    quoted: bool

    @property
    def wildcard(self):
        return not self.quoted and self.value.endswith("*")

    @property
    def stem(self):
        return self.value.rstrip("*") if self.wildcard else self.value


def invalid(description):
    """Zendesk's answer to a search it cannot run: 422 ``invalid``."""
    return ApiError(422, "invalid", f"Invalid search: {description}")


def parse(query):
    """``[Term]`` of ``query``; an unbalanced quote or a property without a value is refused."""
    if query.count('"') % 2:
        raise invalid("the query has an unbalanced quote")
    terms, position = [], 0
    while True:
        while position < len(query) and query[position].isspace():
            position += 1
        if position >= len(query):
            return terms
        match = TOKEN.match(query, position)
        if match is None or match.end() == position:
            raise invalid(f"cannot read the query from {query[position:position + 20]!r}")
        end = match.end()
        if end < len(query) and not query[end].isspace() and query[end] != '"':
            raise invalid(f"cannot read the query from {query[position:position + 20]!r}")
        key, op = match["key"], match["op"]
        phrase, word = match["phrase"], match["word"]
        if key in ("http", "https") and phrase is None:  # a URL is a word, not a property
            key, op, word = None, None, query[match.start("key"):end]
        value = phrase if phrase is not None else word
        terms.append(Term(bool(match["neg"]), key, op, value.lower(), phrase is not None))
        position = end


def date_span(value, now):
    """The half-open span ``[start, end)`` a date value names: a whole day, one second, or the
    second N units before ``now``; None if ``value`` is no date."""
    relative = RELATIVE.match(value)
    if relative:
        start = now - datetime.timedelta(seconds=int(relative[1]) * UNIT_SECONDS[relative[2]])
        return start, start + SECOND
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            day = datetime.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=datetime.UTC)
        except ValueError:
            return None
        return day, day + datetime.timedelta(days=1)
    try:
        moment = datetime.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment, moment + SECOND


def compare_date(op, moment, span):
    """Does ``moment`` stand to the span as ``op`` says (``created>2026-11-20``: after that day)?"""
    start, end = span
    return {":": start <= moment < end, ">": moment >= end, ">=": moment >= start,
            "<": moment < start, "<=": moment < end}[op]


def timestamp(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
