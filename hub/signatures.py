"""Webhook signature and freshness checks shared by every connector."""

import base64
import hashlib
import hmac
from datetime import datetime, timezone

from .errors import WebhookRejected

#: Epoch milliseconds reach year 9999 at 15 digits: anything longer is not a time.
MAX_EPOCH_DIGITS = 15


def hmac_sha256(secret, message):
    secret = secret.encode() if isinstance(secret, str) else secret
    message = message.encode() if isinstance(message, str) else message
    return hmac.new(secret, message, hashlib.sha256).digest()


def hmac_sha256_base64(secret, message):
    return base64.b64encode(hmac_sha256(secret, message)).decode("ascii")


def hmac_sha256_hex(secret, message):
    return hmac_sha256(secret, message).hex()


def require_signature(given, expected, header):
    """Raise WebhookRejected unless ``given`` equals ``expected`` (in constant time)."""
    if not given:
        raise WebhookRejected(f"missing {header} header")
    if not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise WebhookRejected(f"{header} does not match the payload")


def require_fresh(timestamp, max_age_seconds, now=None, header="timestamp"):
    """Raise WebhookRejected when ``timestamp`` (datetime, ISO string or epoch s/ms) is stale."""
    when = parse_timestamp(timestamp)
    if when is None:
        raise WebhookRejected(f"missing or unreadable {header}")
    now = now or datetime.now(timezone.utc)
    skew = abs((now - when).total_seconds())
    if skew > max_age_seconds:
        raise WebhookRejected(f"{header} is {int(skew)}s away from now (limit {max_age_seconds}s): replay refused")
    return when


def parse_timestamp(value):
    """A datetime, ISO-8601 text or epoch seconds/milliseconds as an aware datetime; None when
    ``value`` is none of those or names no representable time (timestamps arrive from outside)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    try:
        # ASCII digits only: "²".isdigit() is true, and int() refuses it.
        if text.isascii() and text.isdigit() and len(text) <= MAX_EPOCH_DIGITS:
            number = int(text)
            return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, timezone.utc)
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):  # not a time, or beyond the years datetime holds
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
