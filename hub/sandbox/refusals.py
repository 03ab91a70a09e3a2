"""What a sandbox answers for a request none of its routes takes: an unknown path, a method the
path does not allow, a body werkzeug cannot read, or a route that crashed.

Flask's own answer is an HTML page no vendor sends; a client that parses the vendor's error
JSON would choke on it, or worse, a test would pass against it. The kit routes every such
refusal through ``VendorSpec.render_http_error(error)`` so each vendor answers in its own
error shape and status (Zendesk 404 ``InvalidEndpoint``, Salesforce ``NOT_FOUND`` ...).
"""

import logging

import flask
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)


def default_http_error(error):
    """``error``: a werkzeug ``HTTPException`` (``.code``, ``.name``, ``.valid_methods`` on 405)."""
    return flask.jsonify(error=error.name, description=error.description), error.code


def install(app, render):
    """Answer every ``HTTPException`` and every uncaught exception of ``app`` with ``render``."""

    def http_error(error):
        return render(error)

    def crashed(error):
        # A sandbox bug must not look like the vendor's normal answer: it is logged with its
        # traceback and answered as the vendor answers an internal error (500).
        log.exception("sandbox route crashed: %s %s", flask.request.method, flask.request.path)
        return render(InternalServerError(original_exception=error))

    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, crashed)
