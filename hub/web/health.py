"""How each connection is doing, for the setup pages: the last webhook and poll, recent errors,
when the access token expires. Read from what the hub already keeps — inbound events, the
poll cursor, the token store — so nothing extra is written on the webhook path."""

from datetime import datetime, timedelta, timezone

from sqlalchemy import func
from sqlmodel import select

from ..db import session_scope
from ..models import Connection, InboundEvent
from ..polling import OVERLAP
from ..tokens import TokenStore

#: How far back "recent errors" reach.
RECENT = timedelta(days=7)
#: Inbound event states that mean something went wrong with it.
TROUBLED = ("retrying", "failed")


def _utc(moment):
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment  # SQLite: naive UTC


def last_webhooks(hub):
    """``{connection id: when its last event arrived}`` for every connection that had one."""
    with session_scope(hub.engine) as session:
        rows = session.exec(select(InboundEvent.connection_id, func.max(InboundEvent.received_at))
                            .group_by(InboundEvent.connection_id)).all()
    return {connection_id: _utc(at) for connection_id, at in rows}


def recent_error_counts(hub, now=None):
    """``{connection id: inbound events retrying or failed in the last week}``."""
    since = (now or datetime.now(timezone.utc)) - RECENT
    with session_scope(hub.engine) as session:
        rows = session.exec(select(InboundEvent.connection_id, func.count())
                            .where(InboundEvent.state.in_(TROUBLED), InboundEvent.received_at >= since)
                            .group_by(InboundEvent.connection_id)).all()
    return dict(rows)


def recent_errors(hub, connection_id, limit=5, now=None):
    """The connection's latest troubled events of the last week: when, what, state and why."""
    since = (now or datetime.now(timezone.utc)) - RECENT
    with session_scope(hub.engine) as session:
        rows = session.exec(select(InboundEvent)
                            .where(InboundEvent.connection_id == connection_id,
                                   InboundEvent.state.in_(TROUBLED), InboundEvent.received_at >= since)
                            .order_by(InboundEvent.received_at.desc()).limit(limit)).all()
    return [{"at": _utc(row.received_at), "kind": row.kind, "ticket": row.ticket_remote_id, "state": row.state,
             "error": row.error} for row in rows]


def last_poll(connection):
    """When the last poll of ``connection`` started, or None: its cursor is kept OVERLAP before."""
    since = (connection.settings or {}).get("poll_since")
    return _utc(datetime.fromisoformat(since)) + OVERLAP if since else None


def token_expiry(hub, connection):
    """When the stored access token expires, or None (no token, or one that does not expire)."""
    if connection.token_ciphertext is None:
        return None
    try:
        token, _ = TokenStore(hub.engine, hub.box, connection.id).load()
    except Exception:  # an undecryptable token is the connection page's business, not this line's
        return None
    expires_at = (token or {}).get("expires_at")
    return datetime.fromtimestamp(float(expires_at), timezone.utc) if expires_at else None


def health(hub, connection: Connection):
    return {"last_webhook": last_webhooks(hub).get(connection.id), "last_poll": last_poll(connection),
            "errors": recent_errors(hub, connection.id), "token_expires": token_expiry(hub, connection)}


def relative(moment, now=None):
    """``moment`` from now as a person says it: "3 min ago", "in 2 h", "never"."""
    if moment is None:
        return "never"
    seconds = ((now or datetime.now(timezone.utc)) - _utc(moment)).total_seconds()
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        span = f"{minutes} min"
    elif minutes < 48 * 60:
        span = f"{minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "")
    else:
        span = f"{minutes // (24 * 60)} days"
    return f"{span} ago" if seconds > 0 else f"in {span}"
