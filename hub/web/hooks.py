"""POST /hooks/<connector>/<connection>: where vendors deliver events.

The endpoint only verifies, stores and queues — it never waits for the agent — so it answers
far inside every vendor's delivery timeout.
"""

import logging

from flask import Blueprint, abort, jsonify, request

from .. import events, metrics
from ..connections import webhook_secret
from ..db import session_scope
from ..errors import WebhookRejected
from ..ingest import InboundRequest
from ..models import Connection
from .auth import current_hub

log = logging.getLogger(__name__)
blueprint = Blueprint("hooks", __name__)


@blueprint.post("/hooks/<connector_name>/<connection_id>")
def receive(connector_name, connection_id):
    hub = current_hub()
    connector = hub.registry.connectors.get(connector_name)
    with session_scope(hub.engine) as session:
        connection = session.get(Connection, connection_id)
    if connector is None or connection is None or connection.connector != connector_name:
        abort(404, f"no {connector_name} connection {connection_id}")
    limit = hub.settings.webhooks.max_body_bytes
    if (request.content_length or 0) > limit:
        abort(413, f"body larger than {limit} bytes")
    body = request.get_data(cache=False)
    if len(body) > limit:
        abort(413, f"body larger than {limit} bytes")

    inbound = InboundRequest(body=body, headers=request.headers, query=request.args.to_dict(), method=request.method)
    secret = webhook_secret(hub, connection)
    try:
        if secret is None:  # nothing to verify deliveries with: the hub polls this connection instead
            raise WebhookRejected("this connection has no webhook signing secret (registering the webhook "
                                  "failed or the vendor cannot push), so deliveries cannot be verified", 401)
        received = hub.pm.hook.ingest_webhook(
            connector=connector, connection=connection, request=inbound,
            secret=secret, max_age_seconds=hub.settings.webhooks.max_age_seconds,
        )
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


@blueprint.errorhandler(404)
@blueprint.errorhandler(413)
def error_json(error):
    return jsonify(error=error.description), error.code
