"""Building SOQL/SOSL safely and reading query results to the end, over the hub's session.

Every value that reaches a query comes from a ticket or a model and is hostile until quoted:
``soql_string`` escapes it the way Salesforce's string literals require, so ``x' OR Email != '``
stays one harmless string.
"""

import re
from urllib.parse import urljoin

from hub.errors import ConnectorError

SOQL_ESCAPES = {"\\": "\\\\", "'": "\\'", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t",
                "\b": "\\b", "\f": "\\f"}
SEARCH_WORD = re.compile(r"\w{2,}")
MAX_SEARCH_WORDS = 12


def soql_string(value):
    """``value`` as a quoted SOQL string literal."""
    return "'" + "".join(SOQL_ESCAPES.get(char, char) for char in str(value)) + "'"


def sosl_terms(text):
    """The words of ``text`` joined with OR for ``FIND {...}``, or None if it has none.

    Only word characters survive, so none of SOSL's reserved characters (``? & | ! { } [ ] ( )
    ^ ~ * : \\ " ' + -``) can reach the search and change its meaning.
    """
    words = list(dict.fromkeys(word.lower() for word in SEARCH_WORD.findall(text or "")))[:MAX_SEARCH_WORDS]
    return " OR ".join(words) or None


def query_all(session, soql, batch_size=None):
    """All records of ``soql``, following ``nextRecordsUrl`` until ``done``; with the page count."""
    headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else {}
    page = session.get("query", params={"q": soql}, headers=headers).json()
    records, pages = list(page.get("records", [])), 1
    while not page.get("done", True):
        if not page.get("nextRecordsUrl"):
            raise ConnectorError("salesforce", "a query page says it is not done but names no nextRecordsUrl")
        # nextRecordsUrl is a path from the host root (/services/data/vNN.0/query/01g...-2000).
        page = session.get(urljoin(session.base_url, page["nextRecordsUrl"]), headers=headers).json()
        records.extend(page.get("records", []))
        pages += 1
    return records, pages


def strip_attributes(record):
    """A REST record without its ``attributes`` (type and URL), nested relationships included."""
    return {key: strip_attributes(value) if isinstance(value, dict) else value
            for key, value in record.items() if key != "attributes"}
