"""Our push convention, run by the sandbox instance: the "helpdesk-hub push" business rule.

ServiceNow has no signed webhooks of its own. The README ships an after-insert/update business
rule on incident that POSTs the body built here through an outbound REST message, signed with
two headers we define:

    X-SN-Timestamp: <epoch milliseconds>
    X-SN-Signature: base64(HMAC-SHA256(secret, timestamp + "." + raw body))

The event id is ``sys_id + ":" + sys_mod_count``: unique per write of a record, and the same
id the hub's poller derives, so a change seen both ways is stored once.
"""

import json
import time

from hub.signatures import hmac_sha256_base64

from .records import journal_entries


def sign(body, secret, timestamp_ms=None):
    """The signature headers for one delivery attempt (``body`` is the raw bytes sent)."""
    timestamp = str(int(time.time() * 1000) if timestamp_ms is None else timestamp_ms)
    return {"X-SN-Timestamp": timestamp, "X-SN-Signature": hmac_sha256_base64(secret, timestamp.encode() + b"." + body)}


def event_body(instance, operation, row, comment=None):
    """The JSON the business rule sends; ``comment`` is the sys_journal_field row just written."""
    caller = instance.user_by_id(row["caller_id"]) or {}
    body = {
        "event": operation,
        "table": "incident",
        "sys_id": row["sys_id"],
        "number": row["number"],
        "state": row["state"],
        "hold_reason": row["hold_reason"],
        "priority": row["priority"],
        "short_description": row["short_description"],
        "description": row["description"],
        "contact_type": row["contact_type"],
        "caller_id": row["caller_id"],
        "caller_email": caller.get("email", ""),
        "caller_name": caller.get("name", ""),
        "sys_created_on": row["sys_created_on"],
        "sys_updated_on": row["sys_updated_on"],
        "sys_mod_count": row["sys_mod_count"],
    }
    if comment is not None:
        author = next((u for u in instance.tables["sys_user"] if u["user_name"] == comment["sys_created_by"]), {})
        body["comment"] = {
            "sys_id": comment["sys_id"],
            "value": comment["value"],
            "author_sys_id": author.get("sys_id", ""),
            "author_name": author.get("name", comment["sys_created_by"]),
            "created_on": comment["sys_created_on"],
        }
    return body


def encode(body):
    # JSON.stringify on the instance writes no spaces; the signature is over these exact bytes.
    return json.dumps(body, separators=(",", ":")).encode()


def run(sandbox, instance, operation, row, journal, user):
    """After insert/update of an incident: queue the signed POST (nothing when no target is set)."""
    comment = None
    if "comments" in journal:
        comment = latest_comment(instance, row)
    sandbox.emit(encode(event_body(instance, operation, row, comment)))


def latest_comment(instance, row):
    entries = journal_entries(instance.tables, "incident", row["sys_id"], ("comments",))
    return entries[-1] if entries else None
