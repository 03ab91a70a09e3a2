"""What a connector declares about itself: names, instances, scopes, OAuth and HTTP signals.

A plugin subclasses :class:`Connector`, fills in the class attributes and registers an
instance through the ``register_connectors`` hook. The HTTP layer (``hub.http``) asks the
connector how its vendor signals rate limits and errors, so one retry policy serves all.
"""

import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone

from .errors import ConnectorError, NotFound, RateLimited, ReconnectNeeded, VendorUnavailable
from .oauth import granted_scopes

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,39}$")

# Sandboxes listen on loopback only; anything else in sandbox mode is refused so a form field
# can never point the hub at an arbitrary host.
SANDBOX_INSTANCE = re.compile(r"^(127\.0\.0\.1|localhost):(\d{2,5})$")


@dataclass(frozen=True)
class OAuthProvider:
    """OAuth 2.0 facts about one vendor instance."""

    authorize_url: str
    token_url: str
    api_base_url: str
    scopes: tuple = ()
    revoke_url: str | None = None
    pkce: bool = True
    scope_separator: str = " "
    #: "form" (RFC 6749) or "json" (Zendesk's token endpoint takes a JSON body).
    token_request_format: str = "form"
    #: Header carrying the access token; "Authorization" means ``Bearer <token>``.
    token_header: str = "Authorization"
    #: Extra query parameters on the authorize URL (e.g. Shopify's ``expiring=1``).
    authorize_params: dict = field(default_factory=dict)


class Connector:
    """Base class for a vendor connector. Subclasses set the class attributes."""

    name = ""
    title = ""
    #: What the operator types on "Connect", e.g. "Subdomain" or "Shop".
    instance_label = "Instance"
    #: Full-match pattern for a production instance as typed by the operator.
    instance_pattern = r"[a-z0-9][a-z0-9-]{0,62}"
    #: An instance as an operator would type it, shown in the empty Connect field ("acme").
    instance_example = None
    #: Where to find the instance, in words (said instead of the pattern when a value is refused).
    instance_hint = None
    #: Every vendor scope the connector may ask for, with what it allows.
    scopes: dict = {}
    #: Scopes needed to escalate (assign + internal note).
    escalate_scopes: tuple = ()
    #: Scopes the connector's ``auth_verify_requester`` needs to learn who a requester is.
    requester_scopes: tuple = ()
    #: True when the vendor pushes events to /hooks/...; False means the hub polls.
    push = True
    #: True when the vendor signs what it pushes (an HMAC under a shared secret). False: a push
    #: is only a notification; the hook URL must carry the connection's secret (``hub.connections.hook_token``)
    #: and the worker reads what it names back from the API (``read_back``) before acting.
    signed_push = True
    #: "module:callable" returning the sandbox spec; None when the connector ships none.
    sandbox = None
    #: "module:callable" naming the sandbox's ``hub.sandbox.driver.SandboxDriver``: how the
    #: core's test world, replay and demo seed it and file tickets in it. None: it takes no part.
    sandbox_driver = None
    #: Where one of its help articles is read when its ``list_articles`` tool gives no ``url``:
    #: a template over the article's fields and ``origin`` (the API base URL's scheme and host).
    article_page = None

    def validate_instance(self, instance, sandbox_mode=False):
        """Return the normalised instance, or raise ValueError saying what is accepted."""
        instance = (instance or "").strip().lower()
        if sandbox_mode and SANDBOX_INSTANCE.match(instance):
            return instance
        if re.fullmatch(self.instance_pattern, instance):
            return instance
        # An operator is told where to find the value, not shown a regular expression.
        accepted = f"a {self.instance_label.lower()}" + (f": {self.instance_hint}" if self.instance_hint
                                                          else f" matching {self.instance_pattern}")
        if sandbox_mode:
            accepted += " or a sandbox at 127.0.0.1:PORT"
        raise ValueError(f"{self.title}: {instance!r} is not {accepted}")

    @staticmethod
    def is_sandbox(instance):
        return bool(SANDBOX_INSTANCE.match(instance or ""))

    # -- connecting --------------------------------------------------------------------------

    def provider(self, instance):
        """The ``OAuthProvider`` for one validated instance (what the operator typed, or a
        sandbox's ``127.0.0.1:PORT``). The plugin's ``auth_provider`` hook returns it."""
        raise NotImplementedError(f"{self.name} must implement Connector.provider(instance)")

    def sandbox_credentials(self):
        """The OAuth client every sandbox of this connector registers for the hub."""
        return {"client_id": f"hub-{self.name}", "client_secret": f"{self.name}-sandbox-secret"}

    def verify_callback(self, query, credentials):
        """Check vendor signing of the OAuth callback query (Shopify signs it); raise ValueError."""

    def api_base_url(self, provider, token):
        """Where the API lives once connected (Salesforce names it in the token response)."""
        return provider.api_base_url

    def subscribe(self, session, target_url, connection, credentials):
        """Register the hub's webhook at the vendor where its API allows.

        Return the signing secret the hub must verify deliveries with, or None when the
        vendor cannot push (the hub then polls through ``ingest_poll``).
        """
        return None

    def ticket_call(self, verb, ticket_id, text=None):
        """``(tool name, arguments)`` that does ``verb`` to one of this connector's tickets.

        The agent's flows speak of "reply", "note", "solve" and "escalate" whichever helpdesk a
        ticket lives in; each helpdesk connector says which of its tools does that. ``text`` is
        the reply, note or resolution text. None for a verb the connector cannot do (a store
        has no tickets). ``escalate`` is answered here: the registry makes the implicit
        ``<name>.escalate`` tool (``ticket_id``, ``group``, ``note``, filled in by the agent) for
        every connector whose plugin implements the ``escalate`` hook.
        """
        if verb == "escalate":
            return f"{self.name}.escalate", {"ticket_id": ticket_id}
        return None

    def read_back(self, session, event):
        """``event`` (a ``hub.ingest.Event``) with its ticket and comment as the vendor's API has
        them, or None when the vendor has no such ticket or comment. Needed when the vendor does
        not sign its pushes (``signed_push`` False): nothing in such a push is taken on trust."""
        raise NotImplementedError(f"{self.name} does not sign its pushes, so it must implement read_back")

    def comment_by_requester(self, session, ticket, comment):
        """Whether the ticket's requester wrote ``comment`` (the stored comment dict), for
        vendors whose events do not say (``from_requester`` None). ``session`` talks to the
        vendor as the connection. False unless a connector knows better."""
        return False

    def granted_scopes(self, provider, token):
        """The scopes a token response grants (the requested ones when it does not say).

        Override where a vendor abbreviates: Shopify lists only ``write_X`` for read and write.
        """
        return granted_scopes(provider, token)

    def webhook_response(self, request, events):
        """The reply a vendor expects to an accepted delivery (Salesforce wants a SOAP Ack).

        ``request`` is the ``InboundRequest`` and ``events`` what ``ingest_webhook`` made of it.
        Return a Flask response value, or None for the hub's JSON acknowledgement.
        """
        return None

    # -- how the vendor speaks over HTTP; the defaults fit most REST APIs ------------------

    def check_response(self, response):
        """Raise the typed error a vendor response stands for; return None when it is fine.

        Called by the HTTP layer on every response. Connectors override ``error_message``
        and, where the vendor has its own signals, this method.
        """
        status = response.status_code
        if status < 400:
            return None
        message, code = self.error_message(response)
        if status == 429:
            raise RateLimited(self.name, message, retry_after_seconds(response), status, code)
        if status == 401:
            raise ReconnectNeeded(self.name, message, status, code)
        if status == 404:
            raise NotFound(self.name, message, status, code)
        if status >= 500:
            raise VendorUnavailable(self.name, message, status, code)
        raise ConnectorError(self.name, message, status, code)

    def error_message(self, response):
        """Return ``(message, code)`` from a vendor error body."""
        return (response.text or response.reason or "error")[:500], None


def retry_after_seconds(response):
    """Parse a Retry-After header (seconds or HTTP date) into seconds, or None."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())

