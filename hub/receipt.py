"""One webhook receipt: what the hub does with a delivery before it answers the vendor.

``receive`` finds the connection, refuses what is too large, checks the hook URL's secret (a
vendor that does not sign) and that the connection has a signing secret, lets the connector
verify and normalise the delivery (``ingest_webhook``), checks every event (``hub.ingest.check``)
and stores the new ones, a redelivery being recognised by its event id (``hub.inbound.store``).
Queueing them is the next step of the inbound path and the caller's: the web route
(``hub.web.hooks``) calls ``hub.inbound.enqueue``; the conformance harness
(``hub.testing.harness``) has no worker and leaves them stored. Both answer with
``Receipt.response``, so the conformance suite proves the path vendors reach.

Everything the worker will need is checked here: a delivery the hub cannot process is refused
with a status the vendor sees, never acknowledged and then dropped.
"""

import logging
from dataclasses import dataclass

from flask import jsonify

from . import inbound, metrics
from .connections import hook_token_matches, webhook_secret
from .db import session_scope
from .errors import WebhookRejected
from .ingest import InboundRequest, check
from .models import Connection

log = logging.getLogger(__name__)

#: What reading a document that is not what the connector expects raises (a number where text
#: belongs, a list where an object does, nesting too deep to walk): the delivery's fault.
UNREADABLE = (ValueError, TypeError, LookupError, AttributeError, RecursionError)


class NotReceived(Exception):
    """No such hook (404) or a body over ``webhooks.max_body_bytes`` (413): nothing was verified."""

    def __init__(self, reason, status):
        self.reason, self.status = reason, status
        super().__init__(reason)


class NoIngester(NotReceived):
    """404: the connector is registered, but no installed plugin answers its ``ingest_webhook``."""


class UnreadableDelivery(WebhookRejected):
    """A 400 the hub made of the connector's failure to read the delivery (``error``): the
    vendor is told, but a connector should refuse a malformed body with WebhookRejected itself."""

    def __init__(self, reason, error):
        super().__init__(reason, 400)
        self.error = error


@dataclass
class Receipt:
    """A delivery received: its events, which of them were new (their ids) and how many known."""

    connector: object
    connection: Connection
    request: InboundRequest
    events: list
    new_ids: list
    duplicates: int

    def response(self):
        """The answer the vendor gets: the connector's own, or how many events were new and known."""
        answer = self.connector.webhook_response(self.request, self.events)
        if answer is not None:
            return answer
        return jsonify(accepted=len(self.new_ids), duplicates=self.duplicates), 200


def receive(hub, connector_name, connection_id, token, read_body, headers, query=None, method="POST",
            content_length=None):
    """Receive one delivery to ``/hooks/<connector_name>/<connection_id>[/<token>]``.

    ``read_body()`` returns the raw body; it is called only once a declared ``content_length``
    within the limit lets it. Returns a :class:`Receipt`; raises :class:`NotReceived` (404, 413)
    or ``WebhookRejected`` (401 forged or unverifiable, 400 unreadable), logged and counted.
    """
    connector = hub.registry.connectors.get(connector_name)
    with session_scope(hub.engine) as session:
        connection = session.get(Connection, connection_id)
    if connector is None or connection is None or connection.connector != connector_name:
        raise NotReceived(f"no {connector_name} connection {connection_id}", 404)
    if token is not None and connector.signed_push:
        raise NotReceived(f"{connector.title} signs its deliveries: its hook URL has no secret path", 404)
    limit = hub.settings.webhooks.max_body_bytes
    if (content_length or 0) > limit:
        raise NotReceived(f"body larger than {limit} bytes", 413)
    body = read_body()
    if len(body) > limit:
        raise NotReceived(f"body larger than {limit} bytes", 413)

    request = InboundRequest(body=body, headers=headers, query=dict(query or {}), method=method)
    try:
        events = _ingest(hub, connector, connection, request, token)
    except WebhookRejected as rejection:
        log.warning("webhook %s/%s rejected: %s", connector_name, connection_id, rejection.reason)
        metrics.webhook(connector_name, "rejected")
        raise
    if events is None:
        raise NoIngester(f"no installed plugin ingests {connector_name} webhooks", 404)

    new_ids, duplicates = inbound.store(hub, connection, events, body)
    metrics.webhook(connector_name, "accepted" if new_ids or not duplicates else "duplicate")
    return Receipt(connector, connection, request, list(events), new_ids, duplicates)


def _ingest(hub, connector, connection, request, token):
    """The connector's events for this delivery, each checked; WebhookRejected says why not."""
    if not connector.signed_push and not hook_token_matches(hub, connection, token):
        # Nothing in an unsigned push proves who sent it: the URL's secret is the proof.
        raise WebhookRejected(f"{connector.title} does not sign its deliveries, so they must be sent to the "
                              "connection's hook URL with its secret (shown on the connection page)", 401)
    secret = webhook_secret(hub, connection)
    if secret is None:  # nothing to verify deliveries with: the hub polls this connection instead
        raise WebhookRejected("this connection has no webhook signing secret (registering the webhook "
                              "failed or the vendor cannot push), so deliveries cannot be verified", 401)
    try:
        events = hub.hook(connector.name, "ingest_webhook")(
            connector=connector, connection=connection, request=request,
            secret=secret, max_age_seconds=hub.settings.webhooks.max_age_seconds,
        )
        for event in events or ():
            check(event)
    except UNREADABLE as error:
        # Logged with its traceback: a connector that cannot read what its vendor sends shows
        # up here and in the rejected count, not as a silent 200 or a 500.
        log.warning("webhook %s/%s unreadable", connector.name, connection.id, exc_info=True)
        raise UnreadableDelivery(f"the delivery could not be read: {_reason(error)}", error) from None
    return events


def _reason(error):
    if isinstance(error, RecursionError):
        return "the document is nested too deeply"
    if isinstance(error, LookupError):
        return f"a field it needs is missing ({type(error).__name__}: {error})"
    text = str(error) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."
