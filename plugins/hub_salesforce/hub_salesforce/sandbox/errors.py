"""Salesforce's error shape: a JSON array of ``{"message", "errorCode", "fields"}``.

simple-salesforce reads ``response.json()[0]["errorCode"]`` on a 401, so even a single error
must be an array.
"""

import flask


class ApiError(Exception):
    def __init__(self, status, code, message, fields=()):
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, list(fields)

    def body(self):
        item = {"message": self.message, "errorCode": self.code}
        if self.fields:
            item["fields"] = self.fields
        return [item]


def malformed_query(message):
    return ApiError(400, "MALFORMED_QUERY", message)


def not_found():
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def render(error):
    return flask.jsonify(error.body()), error.status


def render_rate_limit(_retry_after):
    # Salesforce sends no Retry-After: the API allocation is a rolling 24-hour count.
    return render(ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."))


def render_server_error(status):
    if status == 503:
        return render(ApiError(503, "SERVER_UNAVAILABLE", "The server is unavailable to handle the request. "
                                                            "Typically this occurs if the server is down for maintenance "
                                                            "or is currently overloaded."))
    return render(ApiError(status, "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId "
                                                         "if you contact support: 1234567890-12345 (-123456789)"))


def render_auth_error(failure):
    if failure.status == 403:
        return render(ApiError(403, "INSUFFICIENT_ACCESS", "This session is not allowed to use the REST API: "
                                                            "the connected app was not granted the 'api' scope."))
    return render(ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid"))


def render_http_error(error):
    """What no route takes (hub.sandbox.refusals), as Salesforce's REST API refuses it."""
    if error.code == 404:
        return render(not_found())
    if error.code == 405:
        allowed = ",".join(sorted(m for m in (error.valid_methods or ()) if m != "OPTIONS"))
        return render(ApiError(405, "METHOD_NOT_ALLOWED",
                               f"HTTP Method '{flask.request.method}' not allowed. Allowed are {allowed}"))
    if error.code >= 500:
        return render_server_error(error.code)
    return render(ApiError(error.code, "JSON_PARSER_ERROR" if error.code == 400 else "INVALID_REQUEST",
                           error.description))
