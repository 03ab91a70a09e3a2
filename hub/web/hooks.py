"""POST /hooks/<connector>/<connection>: where vendors deliver events.

The endpoint receives (``hub.receipt.receive``: verifies, normalises, checks, stores) and queues
(``hub.inbound.enqueue``) — it never waits for the agent — so it answers far inside every
vendor's delivery timeout. Everything the worker will need is checked before the answer: a
delivery the hub cannot process is refused with a 400 the vendor sees, never acknowledged and
then dropped. A vendor that does not sign its pushes delivers to
``/hooks/<connector>/<connection>/<secret>`` (``hub.connections.hook_token``).
"""

from flask import Blueprint, jsonify, request

from .. import inbound, receipt
from ..errors import WebhookRejected
from .auth import current_hub

blueprint = Blueprint("hooks", __name__)


@blueprint.post("/hooks/<connector_name>/<connection_id>")
@blueprint.post("/hooks/<connector_name>/<connection_id>/<token>")
def receive(connector_name, connection_id, token=None):
    hub = current_hub()
    try:
        received = receipt.receive(hub, connector_name, connection_id, token,
                                   read_body=lambda: request.get_data(cache=False), headers=request.headers,
                                   query=request.args.to_dict(), method=request.method,
                                   content_length=request.content_length)
    except (receipt.NotReceived, WebhookRejected) as refusal:
        return jsonify(error=refusal.reason), refusal.status
    inbound.enqueue(hub, received.new_ids)
    return received.response()


@blueprint.errorhandler(404)
@blueprint.errorhandler(413)
def error_json(error):
    return jsonify(error=error.description), error.code
