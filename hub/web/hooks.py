"""POST /hooks/<connector>/<connection>: where vendors deliver events.

The endpoint verifies, normalises, checks, stores and queues — it never waits for the agent —
so it answers far inside every vendor's delivery timeout. Everything the worker will need is
checked before the answer: a delivery the hub cannot process is refused with a 400 the vendor
sees, never acknowledged and then dropped. A vendor that does not sign its pushes delivers to
``/hooks/<connector>/<connection>/<secret>`` (``hub.connections.hook_token``).
"""

import logging

from flask import Blueprint, abort, jsonify, request

from .. import events, metrics
from ..connections import hook_token_matches, webhook_secret
from ..db import session_scope
from ..errors import WebhookRejected
from ..ingest import InboundRequest, check
from ..models import Connection
from .auth import current_hub

log = logging.getLogger(__name__)
blueprint = Blueprint("hooks", __name__)

#: What reading a document that is not what the connector expects raises (a number where text
#: belongs, a list where an object does, nesting too deep to walk): the delivery's fault.
UNREADABLE = (ValueError, TypeError, LookupError, AttributeError, RecursionError)


@blueprint.post("/hooks/<connector_name>/<connection_id>")
@blueprint.post("/hooks/<connector_name>/<connection_id>/<token>")
def receive(connector_name, connection_id, token=None):
    hub = current_hub()
    connector = hub.registry.connectors.get(connector_name)
    with session_scope(hub.engine) as session:
        connection = session.get(Connection, connection_id)
    if connector is None or connection is None or connection.connector != connector_name:
        abort(404, f"no {connector_name} connection {connection_id}")
    if token is not None and connector.signed_push:
        abort(404, f"{connector.title} signs its deliveries: its hook URL has no secret path")
    limit = hub.settings.webhooks.max_body_bytes
    if (request.content_length or 0) > limit:
        abort(413, f"body larger than {limit} bytes")
    body = request.get_data(cache=False)
    if len(body) > limit:
        abort(413, f"body larger than {limit} bytes")

    inbound = InboundRequest(body=body, headers=request.headers, query=request.args.to_dict(), method=request.method)
    try:
        received = _ingest(hub, connector, connection, inbound, token)
    except WebhookRejected as rejection:
        log.warning("webhook %s/%s rejected: %s", connector_name, connection_id, rejection.reason)
        metrics.webhook(connector_name, "rejected")
        return jsonify(error=rejection.reason), rejection.status
    if received is None:
        abort(404, f"no installed plugin ingests {connector_name} webhooks")

    new_ids, duplicates = events.store(hub, connection, received, body)
    events.enqueue(hub, new_ids)
    metrics.webhook(connector_name, "accepted" if new_ids or not duplicates else "duplicate")
    response = connector.webhook_response(inbound, received)
    if response is not None:
        return response
    return jsonify(accepted=len(new_ids), duplicates=duplicates), 200


def _ingest(hub, connector, connection, inbound, token):
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
        received = hub.pm.hook.ingest_webhook(
            connector=connector, connection=connection, request=inbound,
            secret=secret, max_age_seconds=hub.settings.webhooks.max_age_seconds,
        )
        for event in received or ():
            check(event)
    except UNREADABLE as error:
        # Logged with its traceback: a connector that cannot read what its vendor sends shows
        # up here and in the rejected count, not as a silent 200 or a 500.
        log.warning("webhook %s/%s unreadable", connector.name, connection.id, exc_info=True)
        raise WebhookRejected(f"the delivery could not be read: {_reason(error)}", 400) from None
    return received


def _reason(error):
    if isinstance(error, RecursionError):
        return "the document is nested too deeply"
    if isinstance(error, LookupError):
        return f"a field it needs is missing ({type(error).__name__}: {error})"
    text = str(error) or type(error).__name__
    return text if len(text) <= 300 else text[:297] + "..."


@blueprint.errorhandler(404)
@blueprint.errorhandler(413)
def error_json(error):
    return jsonify(error=error.description), error.code
