"""Polling for connections that cannot push: the ``ingest_poll`` hook on a schedule.

A connection is polled when its connector cannot push, or when registering the hub's webhook
failed (no signing secret stored). Polled events take the same path as pushed ones — stored
under the vendor's event id, so an overlap between two polls is harmless — and each poll
restarts a little before the previous one began, so a change written during a poll is not missed.
"""

import logging
from datetime import datetime, timedelta

from sqlmodel import select

from . import inbound
from .db import session_scope
from .errors import ConnectorError
from .ingest import check
from .models import Connection, ConnectionStatus, utcnow

log = logging.getLogger(__name__)

#: How far back each poll reaches past the previous one's start (vendor clocks and slow writes).
OVERLAP = timedelta(seconds=30)


def needs_polling(connector, connection):
    return not connector.push or not connection.webhook_secret_ciphertext


def poll(hub):
    """Poll every connection that needs it once; returns ``{connection id: new events}``."""
    with session_scope(hub.engine) as session:
        candidates = session.exec(select(Connection).where(Connection.status == ConnectionStatus.connected)).all()
    polled = {}
    for connection in candidates:
        connector = hub.registry.connectors.get(connection.connector)
        if connector is None or not needs_polling(connector, connection):
            continue
        try:
            polled[connection.id] = poll_connection(hub, connector, connection)
        except ConnectorError as error:  # one vendor's trouble must not stop the others' polls
            log.warning("polling %s %s failed: %s", connection.connector, connection.id, error)
    return polled


def poll_connection(hub, connector, connection):
    started = utcnow()
    since_text = (connection.settings or {}).get("poll_since")
    since = datetime.fromisoformat(since_text) if since_text else connection.created_at
    received = hub.hook(connector.name, "ingest_poll")(connector=connector, connection=connection,
                                                        session=hub.session(connection), since=since)
    if received is None:  # the connector cannot poll either: nothing to do
        return 0
    readable, problems = [], []
    for event in received:
        try:
            check(event)
            readable.append(event)
        except ValueError as error:
            problems.append(f"{getattr(event, 'event_id', '?')}: {error}")
    new_ids, _duplicates = inbound.store(hub, connection, readable, b"")
    inbound.enqueue(hub, new_ids)
    if problems:
        # The window is polled again, so what could not be read is not skipped for good: the
        # warning repeats until the connector or the vendor's data is fixed.
        raise ConnectorError(connection.connector, f"{len(problems)} polled event(s) cannot be processed: "
                             + "; ".join(problems[:5]))
    with session_scope(hub.engine) as session:
        row = session.get(Connection, connection.id)
        row.settings = dict(row.settings or {}, poll_since=(started - OVERLAP).isoformat())
        session.add(row)
    return len(new_ids)
