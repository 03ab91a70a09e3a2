"""The SOSL subset the sandbox answers at ``/search?q=``:

    FIND {terms} [IN ALL|NAME|EMAIL|PHONE FIELDS]
      RETURNING Object[(field, ... [WHERE ...] [ORDER BY ...] [LIMIT n])], ... [LIMIT n]

Terms: words (all must match), ``OR`` between alternatives, "quoted phrases", a trailing
``*`` wildcard; reserved characters escaped with a backslash. Matching is on whole words,
case-insensitively, with a plural "s" folded; results are ranked by how many alternatives a
record matches. Each RETURNING clause runs through the SOQL executor restricted to the hits.
"""

import re

from . import schema, soql
from .errors import ApiError

STATEMENT = re.compile(
    r"^\s*FIND\s*\{(?P<terms>(?:\\.|[^}\\])*)\}\s*"
    r"(?:IN\s+(?P<scope>ALL|NAME|EMAIL|PHONE)\s+FIELDS\s*)?"
    r"RETURNING\s+(?P<returning>.+?)"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
RETURNING_ITEM = re.compile(r"^\s*(?P<object>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<inner>.*)\))?\s*$", re.DOTALL)
INNER = re.compile(r"^(?P<fields>.*?)(?P<rest>\s+(?:WHERE|ORDER\s+BY|LIMIT)\s.*)?$", re.IGNORECASE | re.DOTALL)
TERM = re.compile(r'"([^"]*)"|(\S+)')
WORD = re.compile(r"\w+")
NAME_FIELDS = {"Name", "Title", "Subject", "CaseNumber"}


def invalid(message):
    return ApiError(400, "MALFORMED_SEARCH", message)


def search(org, text, version):
    match = STATEMENT.match(text or "")
    if match is None:
        raise invalid("Search is not of the form FIND {terms} RETURNING Object(fields)")
    alternatives = parse_terms(match.group("terms"))
    scope = (match.group("scope") or "ALL").upper()
    executor = soql.Executor(org, version)
    results = []
    for item in split_top_level(match.group("returning")):
        query = returning_query(item)
        hits = ranked_hits(org.records(query.obj.name), query.obj, alternatives, scope)
        results.extend(executor.run(query, restrict_to=hits))
    if match.group("limit"):
        results = results[:int(match.group("limit"))]
    return {"searchRecords": results}


def parse_terms(raw):
    text = re.sub(r"\\(.)", r"\1", raw).strip()
    if len(text.replace("*", "")) < 2:
        raise ApiError(400, "INVALID_SEARCH", "search term must be longer than one character")
    alternatives = []
    for part in re.split(r"\s+OR\s+", text):
        terms = [(phrase.lower(), True) if phrase else (word.lower(), False)
                 for phrase, word in TERM.findall(part) if (phrase or word).upper() != "AND"]
        if terms:
            alternatives.append(terms)
    return alternatives


def split_top_level(text):
    items, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += (char == "(") - (char == ")")
        if char == "," and depth == 0:
            items.append(text[start:i])
            start = i + 1
    items.append(text[start:])
    return items


def returning_query(item):
    match = RETURNING_ITEM.match(item)
    if match is None:
        raise invalid(f"unexpected RETURNING clause: {item.strip()}")
    inner = (match.group("inner") or "Id").strip()
    parts = INNER.match(inner)
    fields, rest = parts.group("fields").strip() or "Id", parts.group("rest") or ""
    return soql.parse(f"SELECT {fields} FROM {match.group('object')}{rest}")


def ranked_hits(records, obj, alternatives, scope):
    searched = [f.name for f in obj.fields if f.type in (schema.STRING, schema.TEXTAREA, schema.PICKLIST)]
    if scope == "NAME":
        searched = [name for name in searched if name in NAME_FIELDS]
    elif scope == "EMAIL":
        searched = [name for name in searched if "Email" in name]
    elif scope == "PHONE":
        searched = [name for name in searched if "Phone" in name]
    scored = []
    for record in records:
        text = " ".join(str(record.get(name) or "") for name in searched).lower()
        words = {fold(word) for word in WORD.findall(text)}
        score = sum(all(term_matches(term, phrase, text, words) for term, phrase in terms) for terms in alternatives)
        if score:
            scored.append((score, record["Id"]))
    scored.sort(key=lambda pair: -pair[0])  # stable: equal scores keep record order
    return [record_id for _, record_id in scored]


def term_matches(term, phrase, text, words):
    if phrase:
        return term in text
    if term.endswith("*"):
        stem = term.rstrip("*")
        return any(word.startswith(stem) for word in words)
    if "@" in term or "." in term:  # emails and domains are searched as they are written
        return term in text
    return fold(term) in words


def fold(word):
    return word[:-1] if len(word) > 3 and word.endswith("s") else word
