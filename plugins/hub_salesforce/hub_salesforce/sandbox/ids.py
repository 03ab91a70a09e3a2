"""Salesforce record ids: a 3-character key prefix per object, 15 case-sensitive characters,
and the 3-character suffix that makes the 18-character form case-insensitive."""

import itertools
import re
import threading

ID_PATTERN = re.compile(r"^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$")
SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Ids the sandbox mints are never reused, even across a reset, as in a real org.
_counter = itertools.count(1)
_lock = threading.Lock()


def suffix(id15):
    """The checksum suffix: for each 5-character chunk, a bit per upper-case letter."""
    letters = []
    for start in (0, 5, 10):
        bits = sum(1 << i for i, char in enumerate(id15[start:start + 5]) if "A" <= char <= "Z")
        letters.append(SUFFIX_ALPHABET[bits])
    return "".join(letters)


def to18(value):
    """The 18-character form of a 15- or 18-character id; None if ``value`` is no id."""
    if not isinstance(value, str) or not ID_PATTERN.match(value):
        return None
    return value[:15] + suffix(value[:15])


def same(a, b):
    """Whether two ids name the same record (15 and 18 forms are interchangeable)."""
    return to18(a) is not None and to18(a)[:15] == (to18(b) or "")[:15]


def new_id(prefix, pod="5g0"):
    """A fresh 18-character id with the object's key ``prefix`` (e.g. "500" for Case)."""
    with _lock:
        number = next(_counter) + 10_000  # clear of the seed's hand-written ids
    body = ""
    while number:
        number, digit = divmod(number, 62)
        body = BASE62[digit] + body
    id15 = (prefix + pod + body.rjust(9, "0"))[:15]
    return id15 + suffix(id15)
