"""The connector contract: every hook a helpdesk-hub plugin may implement.

Five families do the work — ingest, auth, lookup, action, escalate — and three registration
hooks hand plugins a ``register(...)`` callback so the core validates names, scopes and
collisions in one place (see ``hub.registry``). Each hook is documented in docs/hooks.md.
"""

from pluggy import HookspecMarker

hookspec = HookspecMarker("helpdesk_hub")


# -- registration -------------------------------------------------------------------------


@hookspec
def register_connectors(register):
    """Register connectors: call ``register(connector)`` with a ``hub.connectors.Connector``."""


@hookspec
def register_tools(register):
    """Register lookup and action tools: call ``register(tool)`` with a ``hub.tools.Tool``.

    A tool names its connector, declares a JSON-schema for its arguments and the vendor scopes
    it needs; the core refuses a tool whose connector or scopes are unknown.
    """


@hookspec
def register_flows(register):
    """Register resolution-flow files a plugin ships: call ``register(path)``."""


# -- ingest -------------------------------------------------------------------------------


@hookspec(firstresult=True)
def ingest_webhook(connector, connection, request, secret, max_age_seconds):
    """Verify an inbound vendor request and normalise it into hub events.

    ``request`` is a ``hub.ingest.InboundRequest`` (raw body bytes, headers, query, arrival
    time); ``secret`` is the signing secret kept for ``connection`` (None if there is none);
    signed timestamps further than ``max_age_seconds`` from now are replays. Return a list of
    ``hub.ingest.Event``, or raise ``hub.errors.WebhookRejected`` (status 401 for a forged,
    unsigned or stale request, 400 for a malformed one). Stops at first non-None result.
    """


@hookspec(firstresult=True)
def ingest_poll(connector, connection, session, since):
    """Fetch tickets created or changed after ``since`` for a vendor that cannot push.

    Return a list of ``hub.ingest.Event``. Stops at first non-None result.
    """


# -- auth ---------------------------------------------------------------------------------


@hookspec(firstresult=True)
def auth_provider(connector, instance):
    """Return the ``hub.connectors.OAuthProvider`` of ``connector`` for one vendor instance.

    ``instance`` is what the operator typed (subdomain, instance host, shop, My Domain) after
    validation. Stops at first non-None result.
    """


@hookspec(firstresult=True)
def auth_verify_requester(connector, connection, session, ticket):
    """Look up who raised ``ticket`` at the vendor and return a ``hub.tools.Identity``.

    Return ``Identity(verified=False, ...)`` when the vendor cannot vouch for the requester.
    Stops at first non-None result.
    """


# -- lookup, action, escalate ---------------------------------------------------------------


@hookspec(firstresult=True)
def lookup(call):
    """Run a read-only tool call (``hub.tools.ToolCall``) and return a JSON-able result.

    The core wraps this hook with policy, RBAC and audit. Stops at first non-None result.
    """


@hookspec(firstresult=True)
def action(call):
    """Run a write tool call and return a JSON-able result.

    ``call.idempotency_key`` is stable across retries of the same step: the connector passes it
    to the vendor where the vendor supports one, and otherwise checks the vendor's state before
    writing so a repeat is harmless. Stops at first non-None result.
    """


@hookspec(firstresult=True)
def escalate(call):
    """Hand a ticket to humans: assign ``call.arguments["group"]`` and leave
    ``call.arguments["note"]`` as an internal (non-public) note. Return a JSON-able result.

    Stops at first non-None result.
    """
