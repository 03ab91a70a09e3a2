"""A toy vendor built with the kit (a miniature Zendesk), and helpers to drive it over HTTP."""

import base64
import datetime
import hashlib
import hmac
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import flask
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session

from hub.sandbox import OAuthSettings, Sandbox, VendorSpec, give_consent

TOY_SEED = Path(__file__).with_name("toy_seed.yaml")
CALLBACK = "http://127.0.0.1:8000/callback"  # registered without a port: any loopback port is fine


def toy_rate_limit(retry_after):
    return (
        "Number of allowed API requests per minute exceeded",
        429,
        {"Retry-After": str(retry_after)},
    )


def toy_auth_error(failure):
    return flask.jsonify(error="Couldn't authenticate you", reason=failure.reason), failure.status


def toy_sign(body, secret):
    timestamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return {
        "X-Toy-Signature": base64.b64encode(digest).decode(),
        "X-Toy-Signature-Timestamp": timestamp,
    }


TOY = VendorSpec(
    name="toy",
    seed=TOY_SEED,
    render_rate_limit=toy_rate_limit,
    render_auth_error=toy_auth_error,
    sign_webhook=toy_sign,
    webhook_retry_delays=(0.1, 0.2),
    oauth=OAuthSettings(
        authorize_path="/oauth/authorizations/new",
        token_path="/oauth/tokens",
        revoke_path="/oauth/revoke",
    ),
)


def create_toy(spec=TOY, **oauth_overrides):
    """The toy vendor's whole sandbox: two API routes on top of the kit."""
    sandbox = Sandbox(spec, **oauth_overrides)
    app = sandbox.app

    @app.get("/api/v2/tickets")
    @sandbox.require_token("read", "tickets:read")
    def list_tickets():
        token = sandbox.current_token()
        return flask.jsonify(tickets=sandbox.data["tickets"], user_id=token.user.id)

    @app.post("/api/v2/tickets")
    @sandbox.require_token("write")
    def create_ticket():
        with sandbox.lock:
            ticket = {"id": len(sandbox.data["tickets"]) + 1, **flask.request.get_json()["ticket"]}
            sandbox.data["tickets"].append(ticket)
        sandbox.emit(
            {"type": "ticket.created", "detail": ticket}, {"X-Toy-Event-Id": str(ticket["id"])}
        )
        return flask.jsonify(ticket=ticket), 201

    return sandbox


def consent(authorization_url, decision="allow"):
    """Drive the consent page like a script (the kit's helper) and return the callback URL."""
    return give_consent(authorization_url, decision)


def query(url):
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def hub_session(
    client_id="hub-confidential",
    secret="confidential-secret",
    scope="read write",
    redirect_uri=CALLBACK,
    **kwargs,
):
    """An authlib client session configured the way the hub's connectors use it."""
    return OAuth2Session(
        client_id,
        secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        **kwargs,
    )


def connect(server, session, verifier=None):
    """Authorization code + PKCE through the consent page; returns the token dict."""
    verifier = verifier or generate_token(48)
    url, state = session.create_authorization_url(
        server.url + "/oauth/authorizations/new", code_verifier=verifier
    )
    callback = consent(url)
    assert query(callback)["state"] == state
    return session.fetch_token(
        server.url + "/oauth/tokens", authorization_response=callback, code_verifier=verifier
    )
