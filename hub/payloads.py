"""Reading webhook bodies, which are hostile until proven otherwise.

Every connector parses a delivery and picks typed fields out of it. These helpers do both and
answer anything unexpected with ``WebhookRejected`` (400) naming the field: a malformed or
ill-typed delivery is refused at the door, where the vendor sees it, and never accepted only
to fail in the worker. A signature says who sent a payload, not that it is well formed.
"""

import json
from datetime import datetime

from .errors import WebhookRejected
from .signatures import parse_timestamp

#: Vendor payloads nest a handful of levels; much deeper is an attack on the parser and on
#: everything that walks the stored copy later (JSON encoders, deep copies).
MAX_DEPTH = 32
#: What the database keeps of an id (remote ids, numbers, event ids are VARCHAR(255)) and of
#: an e-mail address (VARCHAR(320), the longest an address can be).
MAX_ID_LENGTH = 255
MAX_EMAIL_LENGTH = 320


def malformed(reason: str) -> WebhookRejected:
    return WebhookRejected(reason, status=400)


def json_object(body: bytes, what: str = "the body") -> dict:
    """``body`` parsed as a JSON object every store and walk downstream can take."""
    try:
        value = json.loads(body, parse_constant=_no_constants)
    except RecursionError:
        raise malformed(f"{what} nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:  # UnicodeDecodeError is one; so are over-long integers
        raise malformed(f"{what} is not JSON: {_short(str(error))}") from None
    if not isinstance(value, dict):
        raise malformed(f"{what} is not a JSON object")
    _check_tree(value, what)
    return value


def _no_constants(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _check_tree(value, what: str) -> None:
    """Depth, and strings a database can store (no NUL, no lone UTF-16 surrogate)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise malformed(f"{what} nests deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((key, depth) for key in node)
            stack.extend((item, depth + 1) for item in node.values())
        elif isinstance(node, list):
            stack.extend((item, depth + 1) for item in node)
        elif isinstance(node, str):
            _check_text(node, what)


def _check_text(text: str, what: str) -> None:
    if "\x00" in text:
        raise malformed(f"{what} holds a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise malformed(f"{what} holds a lone UTF-16 surrogate (not text)") from None


# -- typed fields: ``where`` names the object for the message ("detail", "comment") ----------


def _kind(value) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true/false", type(None): "null"}.get(
        type(value), "a number")


def text(data: dict, key: str, where: str, default: str = "") -> str:
    """A text field; absent or null gives ``default``."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise malformed(f"{where}.{key} must be text, not {_kind(value)}")
    return value


def optional_text(data: dict, key: str, where: str) -> str | None:
    """A text field that may be absent; empty text counts as absent."""
    return text(data, key, where) or None


def email(data: dict, key: str, where: str) -> str | None:
    """An e-mail address field that may be absent (its form is the vendor's business)."""
    value = optional_text(data, key, where)
    if value is not None and len(value) > MAX_EMAIL_LENGTH:
        raise malformed(f"{where}.{key} is longer than {MAX_EMAIL_LENGTH} characters")
    return value


def identifier(data: dict, key: str, where: str, required: bool = False, numbers: bool = True) -> str | None:
    """An id: text or (with ``numbers``) a whole number, returned as text (vendors send both)."""
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise malformed(f"{where} has no {key}")
        return None
    if not isinstance(value, str) and (not numbers or isinstance(value, bool) or not isinstance(value, int)):
        wanted = "an id (text or a whole number)" if numbers else "text"
        raise malformed(f"{where}.{key} must be {wanted}, not {_kind(value)}")
    value = str(value)
    if len(value) > MAX_ID_LENGTH:
        raise malformed(f"{where}.{key} is longer than {MAX_ID_LENGTH} characters")
    return value


def mapping(data: dict, key: str, where: str) -> dict:
    """An object field; absent or null gives an empty one."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise malformed(f"{where}.{key} must be an object, not {_kind(value)}")
    return value


def text_list(data: dict, key: str, where: str) -> list[str]:
    """A list of text; absent or null gives an empty list."""
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise malformed(f"{where}.{key} must be a list of text")
    return list(value)


def flag(data: dict, key: str, where: str, default: bool) -> bool:
    """A true/false field; absent or null gives ``default``."""
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise malformed(f"{where}.{key} must be true or false, not {_kind(value)}")
    return value


def timestamp(data: dict, key: str, where: str) -> datetime | None:
    """An ISO-8601 (or epoch) time; absent gives None, anything unreadable is refused."""
    value = data.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise malformed(f"{where}.{key} must be a time, not {_kind(value)}")
    when = parse_timestamp(value)
    if when is None:
        raise malformed(f"{where}.{key} is not a time: {_short(str(value))}")
    return when


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
