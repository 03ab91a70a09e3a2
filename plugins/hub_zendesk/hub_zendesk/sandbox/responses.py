"""Zendesk's error answers: ``{"error", "description", "details"}`` bodies and their statuses."""

import flask


class ApiError(Exception):
    """Raised inside a route; rendered as Zendesk's error envelope."""

    def __init__(self, status, error, description, details=None):
        super().__init__(description)
        self.status, self.error, self.description, self.details = status, error, description, details

    def response(self):
        body = {"error": self.error, "description": self.description}
        if self.details:
            body["details"] = self.details
        return flask.jsonify(body), self.status


def not_found():
    return ApiError(404, "RecordNotFound", "Not found")


def record_invalid(field, message, code="InvalidValue"):
    """422 RecordInvalid with one field's error, as Zendesk reports validation failures."""
    return ApiError(422, "RecordInvalid", "Record validation errors",
                    {field: [{"description": message, "error": code}]})


def json_body(root):
    """The ``root`` object of the request's JSON body (``{"ticket": {...}}``), or a 400."""
    body = flask.request.get_json(silent=True, force=True)
    inner = body.get(root) if isinstance(body, dict) else None
    if not isinstance(inner, dict):
        raise ApiError(400, "InvalidJSON", f"The request body must be a JSON object with a {root!r} object")
    return inner


def http_error(error):
    """What no route takes (hub.sandbox.refusals), in Zendesk's envelope."""
    if error.code == 404:
        return flask.jsonify(error="InvalidEndpoint", description="Not found"), 404
    if error.code == 405:
        return flask.jsonify(error="InvalidEndpoint", description="Method not allowed for this endpoint"), 405
    if error.code >= 500:
        return flask.jsonify(error="InternalError", description="Something went wrong"), error.code
    return flask.jsonify(error=error.name.replace(" ", ""), description=error.description), error.code


def rate_limited(retry_after):
    # Zendesk answers a throttled request in plain text, with the wait in Retry-After.
    return ("Number of allowed API requests per minute exceeded", 429,
            {"Retry-After": str(retry_after), "Content-Type": "text/plain; charset=utf-8"})


def auth_error(failure):
    """401s carry Zendesk's fixed sentence; 403 is a missing scope."""
    if failure.status == 403:
        return flask.jsonify(
            error="Forbidden",
            description="You do not have access to this page. Please contact the account owner of this help desk for further help.",
        ), 403
    return flask.jsonify(error="Couldn't authenticate you"), 401


def server_error(status):
    return flask.jsonify(error="ServiceUnavailable", description="Zendesk is temporarily unavailable"), status
