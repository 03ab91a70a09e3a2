"""A local Zendesk Support: the API zenpy and the connector use, on the shared sandbox kit.

``create_sandbox(**options)`` returns a ``hub.sandbox.Sandbox``; ``sandbox.serve()`` runs it on
a loopback port. Options: any ``OAuthSettings`` field (``access_token_ttl=5`` for refresh
tests), ``seed`` (another seed file), ``webhook_retry_delays``, and
``requests_per_minute`` — the plan limit shown in ``X-Rate-Limit`` and, with
``enforce_rate_limit=True``, enforced with 429 + Retry-After as Zendesk does.
Seed: seed.yaml beside this file (documented at its top).
"""

import importlib.resources
import threading
import time
from dataclasses import replace

import flask
from hub.sandbox import OAuthSettings, Sandbox, VendorSpec

from .api import add_routes
from .control import add_control_routes
from .outbox import Outbox
from .responses import auth_error, http_error, rate_limited, server_error
from .seed_model import ZendeskSeed


def _token_response(response, token, client):
    # Zendesk names its token type in lower case and states the refresh token's lifetime.
    shaped = dict(response, token_type="bearer")
    if token.refresh_expires_at and token.refresh_token:
        shaped["refresh_token_expires_in"] = int(token.refresh_expires_at - token.issued_at)
    return shaped


def _should_retry(status_code):
    # Zendesk retries timeouts and connection failures, 409, and 429/503 (with Retry-After).
    return status_code is None or status_code in (409, 429, 503)


SPEC = VendorSpec(
    name="zendesk",
    seed=importlib.resources.files(__package__) / "seed.yaml",
    render_rate_limit=rate_limited,
    render_auth_error=auth_error,
    render_server_error=server_error,
    render_http_error=http_error,
    webhook_retry_delays=(1, 2, 4),
    webhook_should_retry=_should_retry,
    seed_model=ZendeskSeed,
    oauth=OAuthSettings(
        authorize_path="/oauth/authorizations/new",
        token_path="/oauth/tokens",
        # Zendesk revokes through DELETE /api/v2/oauth/tokens/{id}, not RFC 7009.
        revoke_path=None,
        token_body="json",
        token_status=201,
        access_token_ttl=1800,
        refresh_token_ttl=30 * 24 * 3600,
        shape_token_response=_token_response,
    ),
)


def create_sandbox(seed=None, webhook_retry_delays=None, requests_per_minute=700, enforce_rate_limit=False,
                   **oauth_overrides):
    if isinstance(requests_per_minute, bool) or not isinstance(requests_per_minute, int) or requests_per_minute < 1:
        raise ValueError(f"requests_per_minute must be a whole number >= 1, not {requests_per_minute!r}")
    spec = SPEC if webhook_retry_delays is None else replace(SPEC, webhook_retry_delays=tuple(webhook_retry_delays))
    # The signer belongs to this sandbox's outbox (it knows which deliveries are backdated).
    outbox = Outbox()
    sandbox = Sandbox(replace(spec, sign_webhook=outbox.sign), seed=seed, **oauth_overrides)
    outbox.sandbox = sandbox
    sandbox.on_reset(outbox.backdated.clear)
    add_routes(sandbox, outbox)
    add_control_routes(sandbox, outbox)
    _add_rate_limit(sandbox.app, requests_per_minute, enforce_rate_limit)
    return sandbox


def _add_rate_limit(app, limit, enforce):
    """Count API requests per clock minute for X-Rate-Limit headers (and 429s if enforced)."""
    lock = threading.Lock()
    window = {"minute": None, "used": 0}

    def is_api():
        return flask.request.path.startswith("/api/")

    @app.before_request
    def count():
        if not is_api():
            return None
        minute = int(time.time() // 60)
        with lock:
            if window["minute"] != minute:
                window.update(minute=minute, used=0)
            window["used"] += 1
            used = window["used"]
        flask.g.rate_limit_remaining = max(0, limit - used)
        if enforce and used > limit:
            return rate_limited(60 - int(time.time()) % 60)
        return None

    @app.after_request
    def headers(response):
        if is_api() and "rate_limit_remaining" in flask.g:
            response.headers["X-Rate-Limit"] = str(limit)
            response.headers["X-Rate-Limit-Remaining"] = str(flask.g.rate_limit_remaining)
        return response
