"""Connecting a vendor instance: OAuth authorization code with PKCE, then keep the grant.

``begin`` creates (or, on reconnect, reuses) a Connection and returns the vendor's authorize
URL; ``finish`` checks the state, exchanges the code, stores the token encrypted and
registers the hub's webhook. The web setup pages and the demo both go through here.
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlmodel import select

from .db import session_scope
from .errors import ConnectorError, HubError
from .models import Connection, ConnectionStatus, utcnow
from .oauth import OAuthError, exchange_code, oauth_session, start_authorization

#: How long an operator has to finish the vendor's consent page.
PENDING_LIFETIME = timedelta(minutes=10)


class ConnectError(HubError):
    """Connecting failed; the message says what happened and what to do."""


def _digest(state):
    return hashlib.sha256(state.encode()).hexdigest()


def redirect_uri(hub):
    return f"{hub.settings.public_url}/connections/callback"


def begin(hub, connector_name, instance, connection_id=None):
    """Start connecting; return ``(connection, authorize_url, state)``."""
    connector = hub.connector(connector_name)
    instance = connector.validate_instance(instance, hub.settings.sandbox_mode)
    provider = hub.provider(connector, instance)
    url, state, verifier = start_authorization(provider, hub.credentials(connector), redirect_uri(hub))
    pending = {
        "state": _digest(state),
        "verifier": hub.box.encrypt(verifier) if verifier else None,
        "started_at": utcnow().isoformat(),
    }
    with session_scope(hub.engine) as session:
        connection = session.get(Connection, connection_id) if connection_id else None
        if connection_id and (connection is None or connection.connector != connector_name):
            raise ConnectError(f"no {connector_name} connection {connection_id} to reconnect")
        if connection is None:
            connection = Connection(connector=connector_name, instance=instance,
                                    api_base_url=provider.api_base_url)
        connection.instance = instance
        connection.settings = dict(connection.settings or {}, oauth_pending=pending)
        connection.updated_at = utcnow()
        session.add(connection)
    return connection, url, state


def pending_connection(hub, state):
    """The connection waiting for ``state``; raises ConnectError when there is none."""
    with session_scope(hub.engine) as session:
        for connection in session.exec(select(Connection)):
            pending = (connection.settings or {}).get("oauth_pending")
            if pending and pending["state"] == _digest(state or ""):
                return connection
    raise ConnectError("This sign-in link is not one the hub started (state mismatch). Start again from Connect.")


def finish(hub, state, code=None, query=None):
    """Complete the callback; return the connected Connection or raise ConnectError.

    Nothing is stored unless the vendor issued a token.
    """
    query = dict(query or {})
    connection = pending_connection(hub, state)
    connector = hub.connector(connection.connector)
    pending = connection.settings["oauth_pending"]
    started = datetime.fromisoformat(pending["started_at"])
    if utcnow() - started > PENDING_LIFETIME:
        _clear_pending(hub, connection.id)
        raise ConnectError("The sign-in took too long and expired. Start again from Connect.")
    if query.get("error"):
        _clear_pending(hub, connection.id)
        description = query.get("error_description") or query["error"]
        raise ConnectError(f"{connector.title} did not grant access ({description}). Start again from Connect if this was a mistake.")
    if not code:
        raise ConnectError(f"{connector.title} sent no authorization code. Start again from Connect.")
    credentials = hub.credentials(connector)
    try:
        connector.verify_callback(query, credentials)
    except ValueError as error:
        raise ConnectError(f"The callback from {connector.title} failed its signature check: {error}")
    provider = hub.provider(connector, connection.instance)
    verifier = hub.box.decrypt(pending["verifier"]) if pending.get("verifier") else None
    try:
        token = exchange_code(provider, credentials, redirect_uri(hub), code, verifier,
                              timeout=hub.settings.http.timeout)
    except OAuthError as error:
        _clear_pending(hub, connection.id)
        raise ConnectError(
            f"{connector.title} refused the authorization code ({error.error}: {error.description or 'no detail'}). "
            "Codes are single-use and expire quickly; start again from Connect."
        )
    except Exception as error:  # the vendor is down or unreachable during the exchange
        raise ConnectError(f"Could not reach {connector.title} to finish signing in ({type(error).__name__}). "
                           "Try again in a few minutes.")

    with session_scope(hub.engine) as session:
        row = session.get(Connection, connection.id)
        settings = dict(row.settings or {})
        settings.pop("oauth_pending", None)
        row.settings = settings
        row.token_ciphertext = hub.box.encrypt(dict(token))
        row.token_version += 1
        row.granted_scopes = connector.granted_scopes(provider, token)
        row.api_base_url = connector.api_base_url(provider, token)
        row.status = ConnectionStatus.connected
        row.status_reason = None
        row.updated_at = utcnow()
        session.add(row)
        connection = row
    connection = _ensure_hook_token(hub, connector, connection)
    _subscribe(hub, connector, connection, credentials)
    hub.audit("connection.connected", {
        "connection": connection.id, "connector": connector.name, "instance": connection.instance,
        "scopes": connection.granted_scopes,
    }, actor="system")
    with session_scope(hub.engine) as session:  # with the webhook secret and status _subscribe set
        return session.get(Connection, connection.id)


def _subscribe(hub, connector, connection, credentials):
    try:
        secret = connector.subscribe(hub.session(connection), hub.webhook_url(connection), connection, credentials)
        reason = None if (secret or not connector.push) else "the vendor returned no signing secret"
    except ConnectorError as error:
        secret, reason = None, f"webhook registration failed: {error}"
    with session_scope(hub.engine) as session:
        row = session.get(Connection, connection.id)
        if secret:
            row.webhook_secret_ciphertext = hub.box.encrypt(secret)
        row.status_reason = reason
        session.add(row)
    connection.status_reason = reason


def disconnect(hub, connection_id, actor="system"):
    """Revoke the grant at the vendor (best effort) and delete the tokens."""
    with session_scope(hub.engine) as session:
        connection = session.get(Connection, connection_id)
        if connection is None:
            raise ConnectError(f"no connection {connection_id}")
        token = hub.box.decrypt(connection.token_ciphertext) if connection.token_ciphertext else None
    revoked = False
    if token:
        connector = hub.connector(connection.connector)
        provider = hub.provider(connector, connection.instance)
        if provider.revoke_url:
            try:
                oauth = oauth_session(provider, hub.credentials(connector), token=token,
                                      timeout=hub.settings.http.timeout)
                response = oauth.revoke_token(provider.revoke_url, token=token.get("refresh_token") or token["access_token"])
                revoked = response.status_code < 400
            except Exception:  # the tokens are deleted below whatever the vendor says
                revoked = False
    with session_scope(hub.engine) as session:
        row = session.get(Connection, connection_id)
        row.token_ciphertext = None
        row.webhook_secret_ciphertext = None
        row.hook_token_ciphertext = None  # connecting again gives a new hook URL
        row.token_version += 1
        row.status = ConnectionStatus.disconnected
        row.status_reason = None if revoked else "tokens deleted; the vendor did not confirm revocation"
        row.updated_at = utcnow()
        session.add(row)
    hub.audit("connection.disconnected", {"connection": connection_id, "revoked_at_vendor": revoked}, actor=actor)


def webhook_secret(hub, connection):
    return hub.box.decrypt(connection.webhook_secret_ciphertext) if connection.webhook_secret_ciphertext else None


def hook_token(hub, connection):
    """The secret the hook URL of a connection whose vendor does not sign must end with, or None."""
    return hub.box.decrypt(connection.hook_token_ciphertext) if connection.hook_token_ciphertext else None


def hook_token_matches(hub, connection, token):
    expected = hook_token(hub, connection)
    return bool(expected and token) and hmac.compare_digest(expected.encode(), token.encode())


def _ensure_hook_token(hub, connector, connection):
    """Give a connection whose vendor pushes unsigned a secret hook URL, once: a reconnect keeps
    it, so the URL an admin entered at the vendor goes on working."""
    if not connector.push or connector.signed_push or connection.hook_token_ciphertext:
        return connection
    with session_scope(hub.engine) as session:
        row = session.get(Connection, connection.id)
        row.hook_token_ciphertext = hub.box.encrypt(secrets.token_urlsafe(32))
        session.add(row)
        return row


def _clear_pending(hub, connection_id):
    with session_scope(hub.engine) as session:
        row = session.get(Connection, connection_id)
        settings = dict(row.settings or {})
        settings.pop("oauth_pending", None)
        row.settings = settings
        session.add(row)
