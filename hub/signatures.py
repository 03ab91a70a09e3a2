"""Webhook signature and freshness checks shared by every connector."""

import base64
import hashlib
import hmac
from datetime import datetime, timezone

from .errors import WebhookRejected


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
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value).strip()
    if text.isdigit():
        number = int(text)
        return datetime.fromtimestamp(number / 1000 if number > 10**11 else number, timezone.utc)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
