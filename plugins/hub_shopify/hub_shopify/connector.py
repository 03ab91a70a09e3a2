"""What the hub needs to know about Shopify: shops, OAuth, and how the Admin GraphQL API fails.

Shopify answers almost everything with HTTP 200 and a GraphQL body, so the interesting
signals (THROTTLED with its leaky-bucket numbers, ACCESS_DENIED) are read from the body here,
once, and turned into the hub's typed errors for the shared retry policy.
"""

import hmac
import re
import time

from hub.connectors import Connector, OAuthProvider
from hub.errors import ConnectorError, RateLimited, VendorUnavailable
from hub.signatures import hmac_sha256_hex

#: The Admin API version every request uses; Shopify releases one per quarter.
API_VERSION = "2026-07"

#: Shopify stops accepting an OAuth callback signed more than a day ago.
CALLBACK_MAX_AGE_SECONDS = 24 * 3600

MYSHOPIFY_SUFFIX = ".myshopify.com"

SCOPES = {
    "read_orders": "Read orders, their fulfilments, tracking, refunds and transactions",
    "write_orders": "Refund, cancel and edit orders (implies read_orders)",
    "read_customers": "Find customers by email",
    "write_customers": "Update a customer's name, phone and email-marketing consent (implies read_customers)",
    "read_returns": "Read returns on orders",
    "write_returns": "Request and create returns (implies read_returns)",
}

#: Webhook topics the hub subscribes to when a shop is connected.
WEBHOOK_TOPICS = ("ORDERS_UPDATED", "ORDERS_CANCELLED", "REFUNDS_CREATE", "RETURNS_REQUEST", "RETURNS_APPROVE")

SUBSCRIBE = """
mutation Subscribe($topic: WebhookSubscriptionTopic!, $subscription: WebhookSubscriptionInput!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: $subscription) {
    webhookSubscription { id topic uri }
    userErrors { field message }
  }
}
"""


class ShopifyConnector(Connector):
    name = "shopify"
    title = "Shopify"
    instance_label = "Shop"
    instance_example = "acme-store"
    instance_hint = "the shop name before .myshopify.com, such as acme-store for acme-store.myshopify.com"
    instance_pattern = r"[a-z0-9][a-z0-9-]{0,62}"
    scopes = SCOPES
    # Shopify has no tickets, groups or internal notes: escalations go to a helpdesk connector.
    escalate_scopes = ()
    push = True
    sandbox = "hub_shopify.sandbox:create_sandbox"
    sandbox_driver = "hub_shopify.sandbox.driver:ShopifyDriver"

    def validate_instance(self, instance, sandbox_mode=False):
        """Accept "acme", "acme.myshopify.com" or its https URL; store the bare shop name."""
        text = (instance or "").strip().lower().removeprefix("https://").rstrip("/")
        return super().validate_instance(text.removesuffix(MYSHOPIFY_SUFFIX), sandbox_mode)

    def provider(self, instance):
        base = f"http://{instance}" if self.is_sandbox(instance) else f"https://{instance}{MYSHOPIFY_SUFFIX}"
        return OAuthProvider(
            authorize_url=f"{base}/admin/oauth/authorize",
            # Shopify issues expiring offline tokens (1 h, with a rotating refresh token) only
            # when the token request says expiring=1. The hub's OAuth layer sends no extra
            # token-request fields, so the flag rides on the token URL's query string.
            token_url=f"{base}/admin/oauth/access_token?expiring=1",
            api_base_url=f"{base}/admin/api/{API_VERSION}",
            scopes=tuple(self.scopes),
            revoke_url=None,  # Shopify has no RFC 7009 endpoint; uninstalling the app revokes
            pkce=False,  # not documented for the Admin API's authorization code grant
            scope_separator=",",
            token_header="X-Shopify-Access-Token",
        )

    def granted_scopes(self, provider, token):
        """Shopify lists only write_X when it grants both read_X and write_X: expand it back."""
        listed = [s for s in (token.get("scope") or "").replace(",", " ").split() if s] or list(provider.scopes)
        implied = [f"read_{s[len('write_'):]}" for s in listed if s.startswith("write_")]
        return sorted(set(listed) | set(implied))

    def verify_callback(self, query, credentials):
        """Check the callback's ``hmac`` over its other parameters, and its ``timestamp``."""
        given = query.get("hmac")
        if not given:
            raise ValueError("the callback carries no hmac parameter")
        expected = hmac_sha256_hex(credentials.client_secret, callback_message(query))
        if not _same(given, expected):
            raise ValueError("the hmac parameter does not match the callback's parameters")
        try:
            timestamp = int(query.get("timestamp", ""))
        except ValueError:
            raise ValueError("the callback's timestamp is missing or not a number")
        if abs(time.time() - timestamp) > CALLBACK_MAX_AGE_SECONDS:
            raise ValueError("the callback's timestamp is more than a day away from now")

    def subscribe(self, session, target_url, connection, credentials):
        """Subscribe the hub to order, refund and return events; Shopify signs them with the
        app's client secret, so that is the secret the hub verifies with."""
        for topic in WEBHOOK_TOPICS:
            graphql(session, SUBSCRIBE, {
                "topic": topic, "subscription": {"uri": target_url, "format": "JSON"},
            }, tolerate=ALREADY_SUBSCRIBED, idempotent=True)  # a repeat is "already been taken"
        return credentials.client_secret

    # -- how Shopify fails ---------------------------------------------------------------

    def check_response(self, response):
        status = response.status_code
        body = _json(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, list) and errors:
            self._raise_graphql_errors(errors, body, status)
        return super().check_response(response)  # plain HTTP statuses mean what they mean everywhere

    def error_message(self, response):
        body = _json(response)
        errors = body.get("errors") if isinstance(body, dict) else None
        if isinstance(errors, str):
            return errors, None
        if isinstance(errors, dict):  # {"errors": {"query": "Required parameter missing or invalid"}}
            return "; ".join(f"{key}: {value}" for key, value in errors.items()), None
        if isinstance(errors, list) and errors:
            return _messages(errors), _code(errors[0])
        return super().error_message(response)

    def _raise_graphql_errors(self, errors, body, status):
        codes = [_code(error) for error in errors]
        message = _messages(errors)
        if "THROTTLED" in codes:
            raise RateLimited(self.name, message, throttle_wait(body), status, "THROTTLED")
        if "INTERNAL_SERVER_ERROR" in codes or status >= 500:
            raise VendorUnavailable(self.name, message, status, codes[0])
        # ACCESS_DENIED, MAX_COST_EXCEEDED, schema errors: asking again will not help.
        raise ConnectorError(self.name, message, status, next((c for c in codes if c), None))


def throttle_wait(body):
    """Seconds until the leaky bucket holds enough points for the refused query, or None."""
    cost = ((body.get("extensions") or {}).get("cost")) or {}
    bucket = cost.get("throttleStatus") or {}
    try:
        requested = float(cost["requestedQueryCost"])
        available = float(bucket["currentlyAvailable"])
        rate = float(bucket["restoreRate"])
    except (KeyError, TypeError, ValueError):
        return None
    if rate <= 0:
        return None
    # At least one point's worth: the bucket said no, so something must restore first.
    return max(requested - available, 1.0) / rate


def callback_message(query):
    """The string Shopify signs: sorted "key=value" pairs except hmac, joined by "&".

    Delimiters inside keys and values are escaped (% first, then = in keys and & anywhere)
    so a crafted parameter cannot shift the boundary between two pairs.
    """
    pairs = []
    for key, value in query.items():
        if key == "hmac":
            continue
        key = str(key).replace("%", "%25").replace("=", "%3D").replace("&", "%26")
        value = str(value).replace("%", "%25").replace("&", "%26")
        pairs.append(f"{key}={value}")
    return "&".join(sorted(pairs))


#: The userError Shopify answers when the same topic already points at the same address.
ALREADY_SUBSCRIBED = re.compile(r"already been taken", re.IGNORECASE)


#: A document whose first operation is a mutation (comments and blank lines may come first).
MUTATION = re.compile(r"^(?:\s|#[^\n]*\n)*mutation\b")


def graphql(session, query, variables=None, tolerate=None, idempotent=False):
    """POST one GraphQL operation; return ``data``, raising on any payload ``userErrors``.

    Transport and top-level GraphQL errors were already raised by ``check_response``.
    ``tolerate`` is a regex of user-error messages that mean "already done". A query is a read
    and is retried like one; a mutation is sent again after a lost answer only when
    ``idempotent`` (it carries ``@idempotent(key:)``, or only sets fields to fixed values).
    """
    resendable = idempotent or not MUTATION.match(query)
    response = session.post("graphql.json", json={"query": query, "variables": variables or {}},
                            idempotent=resendable)
    data = (_json(response) or {}).get("data") or {}
    for field, payload in data.items():
        if not isinstance(payload, dict):
            continue
        problems = [e for key in ("userErrors", "orderCancelUserErrors") for e in payload.get(key) or ()]
        problems = [e for e in problems if not (tolerate and tolerate.search(e.get("message", "")))]
        if problems:
            raise ConnectorError("shopify", f"{field}: {_messages(problems)}", response.status_code,
                                 problems[0].get("code") or "USER_ERROR")
    return data


def _json(response):
    try:
        return response.json()
    except ValueError:
        return None


def _code(error):
    return (error.get("extensions") or {}).get("code") if isinstance(error, dict) else None


def _messages(errors):
    parts = []
    for error in errors:
        if not isinstance(error, dict):
            parts.append(str(error))
            continue
        field = error.get("field")
        where = ".".join(str(p) for p in field) + ": " if field else ""
        parts.append(where + str(error.get("message", "error")))
    return "; ".join(parts)[:500]


def _same(given, expected):
    return hmac.compare_digest(str(given).strip().lower().encode(), expected.encode())
