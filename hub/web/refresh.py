"""Refresh access tokens before they expire, so no vendor call waits on a refresh.

``refresh_expiring`` is one pass over the connected connections; ``hub.web.cli`` runs it once
(``hub user refresh-tokens``) and the worker can call it on a timer. The refresh itself is the
VendorSession's (hub.http): rotated refresh tokens are saved by compare-and-set, and a grant
the vendor refuses marks the connection "reconnect needed".
"""

import logging
import time

from sqlmodel import select

from ..db import session_scope
from ..errors import ConnectorError, ReconnectNeeded
from ..models import Connection, ConnectionStatus
from ..tokens import TokenStore

log = logging.getLogger(__name__)


def expires_within(token, seconds, now=None):
    expires_at = (token or {}).get("expires_at")
    return bool(expires_at) and float(expires_at) - (now or time.time()) <= seconds


def refresh_expiring(hub, ahead_seconds=None):
    """Refresh every connection whose access token expires within ``ahead_seconds``.

    Returns ``{"refreshed": [ids], "reconnect_needed": [ids], "failed": [ids]}``.
    """
    ahead = hub.settings.web.refresh_ahead_seconds if ahead_seconds is None else ahead_seconds
    outcome = {"refreshed": [], "reconnect_needed": [], "failed": []}
    with session_scope(hub.engine) as session:
        rows = list(session.exec(select(Connection).where(Connection.status == ConnectionStatus.connected)))
    for connection in rows:
        token, _version = TokenStore(hub.engine, hub.box, connection.id).load()
        if not token or not token.get("refresh_token") or not expires_within(token, ahead):
            continue
        try:
            hub.session(connection).refresh()
        except ReconnectNeeded as error:  # the session already marked the connection
            outcome["reconnect_needed"].append(connection.id)
            hub.audit("connection.reconnect_needed", {"connection": connection.id, "reason": str(error)},
                      actor="system")
        except (ConnectorError, LookupError) as error:  # vendor down: the next pass tries again
            log.warning("token refresh for %s failed: %s", connection.id, error)
            outcome["failed"].append(connection.id)
        else:
            outcome["refreshed"].append(connection.id)
    return outcome


def refresh_forever(hub, every=60.0, stop=None):
    """Run ``refresh_expiring`` every ``every`` seconds until ``stop`` (a threading.Event) is set."""
    while not (stop and stop.is_set()):
        try:
            refresh_expiring(hub)
        except Exception as error:  # keep going; the database may be back next round
            log.error("token refresh pass failed: %s: %s", type(error).__name__, error)
        if stop:
            stop.wait(every)
        else:
            time.sleep(every)
