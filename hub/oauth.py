"""The hub's side of OAuth 2.0: authorization code with PKCE, token exchange, refresh.

Built on authlib's requests client. Vendors differ in small ways that ``OAuthProvider``
states (JSON token bodies, comma-separated scopes, a custom token header); everything that
differs is handled here, once, for every connector.
"""

import json
from urllib.parse import parse_qsl

from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.integrations.base_client.errors import OAuthError


def _client_secret_json(auth, method, uri, headers, body):
    """Token requests as a JSON body with client credentials inside (Zendesk)."""
    data = dict(parse_qsl(body or "", keep_blank_values=True))
    data.update(client_id=auth.client_id, client_secret=auth.client_secret)
    headers = dict(headers, **{"Content-Type": "application/json"})
    return uri, headers, json.dumps(data)


def _move_token_to(header):
    """A compliance hook sending the access token in ``header`` instead of a Bearer header."""

    def hook(url, headers, data):
        value = headers.pop("Authorization", "")
        headers[header] = value.split(" ", 1)[-1]
        return url, headers, data

    return hook


def oauth_session(provider, credentials, redirect_uri=None, token=None, timeout=20.0):
    """An authlib OAuth2Session configured for ``provider`` and the hub's client ``credentials``."""
    json_body = provider.token_request_format == "json"
    session = OAuth2Session(
        client_id=credentials.client_id,
        client_secret=credentials.client_secret,
        scope=provider.scope_separator.join(provider.scopes) or None,
        redirect_uri=redirect_uri,
        token=token,
        token_endpoint_auth_method="client_secret_json" if json_body else "client_secret_post",
        code_challenge_method="S256" if provider.pkce else None,
        # VendorSession decides when to refresh (hub.http); authlib's own 60 s leeway would
        # otherwise refuse to send a token that is still valid for a minute.
        leeway=0,
    )
    session.timeout = timeout
    if json_body:
        session.register_client_auth_method(("client_secret_json", _client_secret_json))
    if provider.token_header != "Authorization":
        session.register_compliance_hook("protected_request", _move_token_to(provider.token_header))
    return session


def start_authorization(provider, credentials, redirect_uri):
    """Return ``(url, state, code_verifier)``: where to send the operator, and what to remember."""
    session = oauth_session(provider, credentials, redirect_uri)
    verifier = generate_token(64) if provider.pkce else None
    url, state = session.create_authorization_url(
        provider.authorize_url, code_verifier=verifier, **provider.authorize_params
    )
    return url, state, verifier


def exchange_code(provider, credentials, redirect_uri, code, code_verifier=None, timeout=20.0):
    """Trade an authorization code for a token dict (raises OAuthError on the vendor's refusal)."""
    session = oauth_session(provider, credentials, redirect_uri, timeout=timeout)
    extra = {"code_verifier": code_verifier} if code_verifier else {}
    return dict(session.fetch_token(provider.token_url, code=code, grant_type="authorization_code", **extra))


def granted_scopes(provider, token):
    """The scopes the vendor says it granted; falls back to what we asked for."""
    scope = token.get("scope")
    if not scope:
        return list(provider.scopes)
    if isinstance(scope, list):
        return scope
    return [s for s in scope.replace(",", " ").split() if s]


__all__ = ["OAuthError", "exchange_code", "granted_scopes", "oauth_session", "start_authorization"]
