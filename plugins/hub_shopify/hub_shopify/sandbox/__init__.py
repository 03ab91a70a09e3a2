"""A local Shopify: the Admin GraphQL API (trimmed schema, real query costs and a leaky
bucket), Shopify's OAuth with signed callbacks and expiring offline tokens, and signed
webhooks — on the shared sandbox kit (hub.sandbox, docs/sandbox.md).

``create_sandbox(today="2026-11-20", bucket_size=2000, restore_rate=100, throttle_status=200,
omit_implied_scopes=True, access_token_ttl=3600, ...)``: ``today`` pins the seed's relative
dates; the bucket settings and the HTTP status of a THROTTLED answer (Shopify is seen
answering 200 and 429) are knobs; ``omit_implied_scopes=False`` lists read_X beside write_X in
the token response (Shopify does not); other keywords override the kit's ``OAuthSettings``.
"""

import base64
import hashlib
import hmac
import importlib.resources
import time
from http import HTTPStatus

import flask
from graphql import GraphQLError, OperationType, build_schema, parse

from hub.sandbox import OAuthSettings, Sandbox, VendorSpec

from . import events, routes
from .graph import GID
from .cost import LeakyBucket
from .schema import SDL
from .shop import Shop, parse_today

API_VERSION = "2026-07"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
#: Lifetime of the refresh token that comes with an expiring offline token.
REFRESH_TOKEN_TTL = 90 * 24 * 3600


def build_graphql_schema():
    schema = build_schema(SDL)
    # The one interface in the trimmed schema: every return line item here is a ReturnLineItem.
    schema.get_type("ReturnLineItemType").resolve_type = lambda value, info, abstract: value["__typename"]
    # A Node is whatever its global id names: gid://shopify/Order/1 is an Order.
    schema.get_type("Node").resolve_type = lambda value, info, abstract: GID.match(value["id"]).group(1)
    return schema


def auth_error(failure):
    if failure.status == 403:
        required = ", ".join(failure.required_scopes) or "another"
        return flask.jsonify(errors=f"[API] This action requires merchant approval for {required} scope."), 403
    return flask.jsonify(errors=INVALID_TOKEN), 401


def http_error(error):
    """What no route takes (hub.sandbox.refusals). Shopify's Rails router answers a path or
    method it has no route for with 404 ``{"errors": "Not Found"}``."""
    if error.code in (404, 405):
        return flask.jsonify(errors="Not Found"), 404
    if error.code >= 500:
        return server_error(error.code)
    return flask.jsonify(errors=HTTPStatus(error.code).phrase), error.code


def server_error(status):
    return flask.jsonify(errors=HTTPStatus(status).phrase), status


def is_write(request):
    """Every GraphQL request is a POST: a write is one whose operation is a mutation."""
    body = routes.read_body() if request.method == "POST" else None
    if body is None:
        return False
    try:
        document = parse(body["query"])
    except GraphQLError:
        return False
    return any(getattr(d, "operation", None) == OperationType.MUTATION for d in document.definitions)


def omit_implied(scope):
    """Shopify's way of listing granted scopes: read_X is left out when write_X is there."""
    granted = scope.split(",")
    writes = {s[len("write_"):] for s in granted if s.startswith("write_")}
    return ",".join(s for s in granted if not (s.startswith("read_") and s[len("read_"):] in writes))


def _shape_token(omit_implied_scopes):
    def shape(response, token, client):
        scope = response.get("scope", "")
        return shape_token(response, token, omit_implied(scope) if omit_implied_scopes else scope)

    return shape


def shape_token(response, token, scope):
    """Shopify's token JSON: no token_type, and, unless the app asked for an expiring token
    (expiring=1) or is refreshing one, no expiry and no refresh token at all."""
    request = flask.request
    # Shopify reads its parameters from the query string, a form or a JSON body alike.
    fields = dict(request.values.items())
    if request.is_json:
        fields.update({k: str(v) for k, v in (request.get_json(silent=True) or {}).items()})
    if fields.get("expiring") == "1" or fields.get("grant_type") == "refresh_token":
        return {"access_token": response["access_token"], "scope": scope, "expires_in": response["expires_in"],
                "refresh_token": response["refresh_token"], "refresh_token_expires_in": REFRESH_TOKEN_TTL}
    # A non-expiring offline token: it lives until the app is uninstalled, and has no refresh.
    token.access_expires_at = float("inf")
    token.refresh_revoked = True
    return {"access_token": response["access_token"], "scope": scope}


def _callback_params(holder):
    def extra(params, client):
        domain = holder["state"].shop.info["domain"]
        shop_name = domain.split(".")[0]
        added = {
            "shop": domain,
            "timestamp": str(int(time.time())),
            "host": base64.b64encode(f"admin.shopify.com/store/{shop_name}".encode()).decode().rstrip("="),
        }
        signed = dict(params, **added)
        message = "&".join(f"{key}={signed[key]}" for key in sorted(signed))
        added["hmac"] = hmac.new(client.client_secret.encode(), message.encode(), hashlib.sha256).hexdigest()
        return added

    return extra


class State:
    """What the sandbox keeps beside the kit: the shop, the schema, the buckets, subscriptions."""

    def __init__(self, sandbox, today, bucket, throttle_status):
        self.sandbox, self.today, self.bucket, self.throttle_status = sandbox, today, bucket, throttle_status
        self.schema = build_graphql_schema()
        self.api_version = API_VERSION
        self.subscriptions = []  # app configuration: survives /_sandbox/reset like the webhook target
        self.shop = None
        self.rebuild()

    def rebuild(self):
        """(Re)build the shop from the seed; on /_sandbox/reset the buckets refill too."""
        with self.sandbox.lock:
            self.shop = Shop(self.sandbox.data, self.today)
        self.bucket.reset()

    def send(self, queued, api_version, client):
        """Deliver what a request did: configure the target on a new subscription, emit events."""
        for topic, subject in queued:
            if topic == "_subscribed":
                # The kit has one target; Shopify signs every delivery with the app's secret.
                self.sandbox.webhooks.configure(subject["uri"], client.client_secret if client else "")
                continue
            if self.subscriptions and events.topic_enum(topic) not in {s["topic"] for s in self.subscriptions}:
                continue  # subscribed, but not to this topic
            self.sandbox.emit(events.payload(self.shop, subject), events.headers(self.shop, topic, api_version))


def _throttle_renderer(holder):
    def render(retry_after):
        # Shopify's GraphQL API has no Retry-After: its signal is the bucket. An injected rate
        # limit answers THROTTLED with the query's real cost and a bucket level that leaves it
        # retry_after seconds short (or empty, when the query is cheaper than that), so a client
        # that computes its wait from the numbers waits as the fault asks.
        state = holder["state"]
        token = state.sandbox.oauth.store.find_access(flask.request.headers.get("X-Shopify-Access-Token", ""))
        body = flask.request.get_json(silent=True)
        cost = max(routes.request_cost(state, body) if isinstance(body, dict) else 0, 1)
        status = state.bucket.peek(token.client_id if token else "unknown")
        status["currentlyAvailable"] = int(max(0, cost - retry_after * status["restoreRate"]))
        return flask.jsonify(routes.throttled_body(cost, status)), state.throttle_status

    return render


def create_sandbox(today=None, bucket_size=2000, restore_rate=100, throttle_status=200, seed=None,
                   omit_implied_scopes=True, **oauth_overrides):
    holder = {}
    seed_path = seed or importlib.resources.files(__package__) / "seed.yaml"
    spec = VendorSpec(
        name="shopify",
        seed=seed_path,
        render_rate_limit=_throttle_renderer(holder),
        render_auth_error=auth_error,
        render_server_error=server_error,
        render_http_error=http_error,
        is_write=is_write,
        sign_webhook=events.sign,
        # Shopify retries 8 times over 4 hours; the same count, on a seconds scale.
        webhook_retry_delays=(1, 2, 4, 8, 16, 32, 64, 128),
        oauth=OAuthSettings(
            authorize_path="/admin/oauth/authorize",
            token_path="/admin/oauth/access_token",
            revoke_path=None,
            token_body="any",
            scope_separator=",",
            access_token_ttl=3600,
            refresh_token_ttl=REFRESH_TOKEN_TTL,
            rotate_refresh_tokens=True,
            token_header="X-Shopify-Access-Token",
            shape_token_response=_shape_token(omit_implied_scopes),
            extra_callback_params=_callback_params(holder),
        ),
    )
    sandbox = Sandbox(spec, **oauth_overrides)
    state = State(sandbox, parse_today(today), LeakyBucket(bucket_size, restore_rate), throttle_status)
    holder["state"] = state
    sandbox.shopify = state
    sandbox.on_reset(state.rebuild)
    routes.install(sandbox, state)
    return sandbox
