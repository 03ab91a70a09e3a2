"""Setup pages: installed connectors, connecting them through OAuth, and each connection.

The OAuth work itself is hub.connections (begin / finish / disconnect); this module adds what
a browser needs on top: the ``state`` is remembered in the operator's session, so a callback
carrying a state this browser did not start is refused before anything is exchanged.
"""

import hashlib

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from sqlmodel import select

from .. import connections, scopes
from ..db import session_scope
from ..errors import ConfigError
from ..models import Connection, ConnectionStatus
from . import health
from .auth import current_hub, current_principal, require

blueprint = Blueprint("setup", __name__)
#: How many unfinished sign-ins one browser session remembers.
MAX_PENDING_STATES = 8


def needed_scopes(hub, connector_name):
    """The vendor scopes the enabled flows and the hub's own ticket work need (hub.scopes)."""
    return list(scopes.needed(hub, connector_name))


def scope_report(hub, connection):
    """``(needed, granted, missing, reasons)`` for a connection; reasons maps a needed scope
    to what needs it."""
    reasons = scopes.needed(hub, connection.connector)
    granted = sorted(connection.granted_scopes or [])
    return list(reasons), granted, [scope for scope in reasons if scope not in granted], reasons


def _connections(hub):
    with session_scope(hub.engine) as db:
        return list(db.exec(select(Connection).order_by(Connection.connector, Connection.created_at)))


def _connection(hub, connection_id):
    with session_scope(hub.engine) as db:
        return db.get(Connection, connection_id)




@blueprint.get("/")
@require("dashboard.view")
def home():
    return render_template("home.html")


@blueprint.get("/connectors")
@require("connections.view")
def connectors():
    hub = current_hub()
    by_connector = {}
    for connection in _connections(hub):
        by_connector.setdefault(connection.connector, []).append(connection)
    installed = [hub.registry.connectors[name] for name in sorted(hub.registry.connectors)]
    return render_template("connectors.html", connectors=installed, by_connector=by_connector,
                           sandbox_mode=hub.settings.sandbox_mode, redirect_uri=connections.redirect_uri(hub),
                           last_webhooks=health.last_webhooks(hub), error_counts=health.recent_error_counts(hub),
                           relative=health.relative,
                           unconfigured={c.name: _client_env(c) for c in installed if not _has_client(hub, c)})


def _state_digest(state):
    return hashlib.sha256(state.encode()).hexdigest()


def _remember_state(state):
    states = list(session.get("oauth_states", []))[-(MAX_PENDING_STATES - 1):]
    states.append(_state_digest(state))
    session["oauth_states"] = states


def _start(connector_name, instance, connection_id=None):
    hub = current_hub()
    connector = hub.registry.connectors.get(connector_name)
    if connector is None:
        return _connect_error(404, f"No connector named {connector_name!r} is installed.",
                              "Pick one from the list of installed connectors.")
    try:
        connection, url, state = connections.begin(hub, connector_name, instance, connection_id)
    except ValueError as error:  # the instance does not match the vendor's host pattern
        flash(str(error), "error")
        return redirect(url_for("setup.connectors"))
    except connections.ConnectError as error:
        return _connect_error(400, str(error), "Start again from Connect.")
    except ConfigError:  # no OAuth client for this vendor (hub.runtime.Hub.credentials)
        return render_template("connect_unconfigured.html", connector=connector,
                               redirect_uri=connections.redirect_uri(hub), env=_client_env(connector)), 503
    _remember_state(state)
    hub.audit("connection.started", {"connection": connection.id, "connector": connector_name,
                                     "instance": connection.instance, "reconnect": bool(connection_id)},
              actor=current_principal().name)
    return redirect(url)


@blueprint.post("/connectors/<connector_name>/connect")
@require("connections.manage")
def connect(connector_name):
    return _start(connector_name, request.form.get("instance", ""))


@blueprint.post("/connections/<connection_id>/reconnect")
@require("connections.manage")
def reconnect(connection_id):
    # hub.connections.begin reuses the row when given its id, so the id (and everything keyed
    # by it: webhook URL, tickets, runs) survives the new grant.
    connection = _connection(current_hub(), connection_id)
    if connection is None:
        return _connect_error(404, f"No connection {connection_id}.", "Pick one from the connectors page.")
    return _start(connection.connector, connection.instance, connection.id)


def _polled(connector, connection):
    from ..polling import needs_polling

    return needs_polling(connector, connection)


def _client_env(connector):
    prefix = f"HUB_{connector.name.upper()}"
    return f"{prefix}_CLIENT_ID", f"{prefix}_CLIENT_SECRET"


def _has_client(hub, connector):
    try:
        hub.credentials(connector)
        return True
    except ConfigError:
        return False


def _connect_error(status, what, todo):
    return render_template("connect_error.html", what=what, todo=todo), status


@blueprint.get("/connections/callback")
@require("connections.manage")
def callback():
    hub = current_hub()
    state = request.args.get("state") or ""
    remembered = session.get("oauth_states", [])
    if not state or _state_digest(state) not in remembered:
        hub.audit("connection.callback_refused", {"reason": "state not started by this browser session"},
                  actor=current_principal().name)
        return _connect_error(400, "This sign-in was not started from this browser session (state mismatch), "
                                   "so the hub did not use it.",
                              "Start again from Connect in the same browser you signed in with.")
    session["oauth_states"] = [digest for digest in remembered if digest != _state_digest(state)]
    try:
        connection = connections.finish(hub, state, request.args.get("code"), request.args.to_dict())
    except connections.ConnectError as error:
        hub.audit("connection.failed", {"reason": str(error)}, actor=current_principal().name)
        return _connect_error(400, str(error), "No token was stored.")
    flash(f"Connected {connection.instance}.", "ok")
    return redirect(url_for("setup.connection", connection_id=connection.id))


@blueprint.get("/connections/<connection_id>")
@require("connections.view")
def connection(connection_id):
    hub = current_hub()
    row = _connection(hub, connection_id)
    if row is None:
        return _connect_error(404, f"No connection {connection_id}.", "Pick one from the connectors page.")
    connector = hub.registry.connectors.get(row.connector)
    needed, granted, missing, reasons = scope_report(hub, row)
    return render_template("connection.html", connection=row, connector=connector, needed=needed,
                           granted=granted, missing=missing, reasons=reasons, statuses=ConnectionStatus,
                           webhook_url=hub.webhook_url(row), health=health.health(hub, row),
                           relative=health.relative, polled=bool(connector) and _polled(connector, row))


@blueprint.get("/api/connections")
@require("connections.view")
def connections_json():
    hub = current_hub()
    listed = []
    for row in _connections(hub):
        needed, granted, missing, reasons = scope_report(hub, row)
        listed.append({"id": row.id, "connector": row.connector, "instance": row.instance,
                       "status": row.status.value, "status_reason": row.status_reason,
                       "scopes": {"needed": needed, "granted": granted, "missing": missing,
                                  "needed_for": reasons}})
    return jsonify(connections=listed)


@blueprint.post("/connections/<connection_id>/disconnect")
@require("connections.manage")
def disconnect(connection_id):
    try:
        connections.disconnect(current_hub(), connection_id, actor=current_principal().name)
    except connections.ConnectError as error:
        return _connect_error(404, str(error), "Pick one from the connectors page.")
    flash("Disconnected: the tokens were deleted.", "ok")
    return redirect(url_for("setup.connection", connection_id=connection_id))
