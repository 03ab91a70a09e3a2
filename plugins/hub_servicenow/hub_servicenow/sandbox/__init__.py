"""A local ServiceNow instance built on the shared kit (hub.sandbox).

Table API, Service Catalog order_now, the kit's OAuth server at ServiceNow's paths
(/oauth_auth.do, /oauth_token.do, /oauth_revoke_token.do), HTTP Basic for the seeded
integration user, rate limits as instances signal them, and our signed business-rule push.
"""

import importlib.resources
import time

import flask

from hub.sandbox import OAuthSettings, Sandbox, VendorSpec

from . import business_rule, catalog, control, table_api
from .auth import error_body, protected, render_auth_error, render_http_error
from .instance import ApiError, Instance

# An instance's default rate-limit rules count per hour; the rule id is what X-RateLimit-Rule names.
RATE_LIMIT_PER_HOUR = 5000
RATE_LIMIT_RULE = "5ee2e4d1c0a8018b0159fc1ae8b8e4a1"


def render_rate_limit(retry_after):
    headers = {
        "Retry-After": str(retry_after),
        "X-RateLimit-Limit": str(RATE_LIMIT_PER_HOUR),
        "X-RateLimit-Reset": str(int(time.time()) + retry_after),
        "X-RateLimit-Rule": RATE_LIMIT_RULE,
    }
    body, status = error_body(
        429, "Rate limit exceeded", f"Rate limit of {RATE_LIMIT_PER_HOUR} requests per hour for Table API exceeded"
    )
    return body, status, headers


def render_server_error(status):
    return error_body(status, "Service Unavailable", "The instance is temporarily unavailable (injected by the sandbox)")


SPEC = VendorSpec(
    name="servicenow",
    seed=importlib.resources.files(__package__) / "seed.yaml",
    render_rate_limit=render_rate_limit,
    render_auth_error=render_auth_error,
    render_server_error=render_server_error,
    render_http_error=render_http_error,
    sign_webhook=business_rule.sign,
    # An outbound REST message retried by the business rule's caller; kept short for tests.
    webhook_retry_delays=(0.5, 1, 2),
    oauth=OAuthSettings(
        authorize_path="/oauth_auth.do",
        token_path="/oauth_token.do",
        revoke_path="/oauth_revoke_token.do",
        token_body="form",
        access_token_ttl=1799,
        # Instances default to a 100-day refresh token lifespan.
        refresh_token_ttl=8_640_000,
        # Real instances keep the refresh token for its lifespan; the sandbox rotates it by
        # default so the hub's rotation path is exercised. Pass rotate_refresh_tokens=False
        # for the instance's behaviour.
        rotate_refresh_tokens=True,
    ),
)


def create_sandbox(**oauth_overrides):
    """A ServiceNow sandbox; keyword arguments override OAuthSettings (e.g. access_token_ttl=2)."""
    sandbox = Sandbox(SPEC, **oauth_overrides)
    instance = Instance(sandbox)
    instance.prepare()
    sandbox.on_reset(instance.prepare)
    app = sandbox.app
    guard = protected(sandbox, instance)
    table_api.add_routes(app, sandbox, instance, guard)
    catalog.add_routes(app, sandbox, instance, guard)
    control.add_routes(app, sandbox, instance)

    @app.errorhandler(ApiError)
    def api_error(error):
        return error_body(error.status, error.message, error.detail)

    return sandbox
