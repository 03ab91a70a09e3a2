"""Who is calling: an OAuth bearer token (the kit's server) or HTTP Basic, as instances accept both.

pysnow and PySNC scripts commonly use Basic auth with an integration user's password, so the
sandbox accepts the ``basic_auth`` users of its seed as well as bearer tokens. Either way the
request acts as a sys_user row, which becomes sys_created_by / sys_updated_by.
"""

import functools
import hmac

import flask

NOT_AUTHENTICATED = "User Not Authenticated"


def error_body(status, message, detail=None):
    return flask.jsonify(error={"message": message, "detail": detail}, status="failure"), status


def render_http_error(error):
    """What no route takes (hub.sandbox.refusals): ServiceNow answers an unknown URI with 400."""
    if error.code == 404:
        return error_body(400, "Requested URI does not represent any resource", flask.request.path)
    if error.code == 405:
        return error_body(405, "Method not Supported", f"{flask.request.method} is not supported on {flask.request.path}")
    if error.code >= 500:
        return error_body(error.code, "Internal server error", None)
    return error_body(error.code, error.name, error.description)


def render_auth_error(failure):
    """The kit's refusals (hub.sandbox.AuthFailure) in ServiceNow's error envelope."""
    if failure.status == 403:
        return error_body(403, "Insufficient scope", failure.description)
    if failure.reason == "missing":
        return error_body(401, NOT_AUTHENTICATED, "Required to provide Auth information")
    return error_body(401, NOT_AUTHENTICATED, failure.description)


def protected(sandbox, instance):
    """Decorator for API views: Basic credentials from the seed, else a bearer token with
    the "useraccount" scope. The view finds the acting sys_user row in ``flask.g.sn_user``."""

    def decorator(view):
        @functools.wraps(view)
        def with_user(*args, **kwargs):
            token = sandbox.current_token()
            flask.g.sn_user = instance.user_by_id(token.user.id)
            if flask.g.sn_user is None:
                return error_body(401, NOT_AUTHENTICATED, "The token's user is not a sys_user")
            return view(*args, **kwargs)

        bearer = sandbox.require_token("useraccount")(with_user)

        @functools.wraps(view)
        def guarded(*args, **kwargs):
            credentials = flask.request.authorization
            if credentials is None or credentials.type != "basic":
                return bearer(*args, **kwargs)
            user = _basic_user(sandbox, instance, credentials.username or "", credentials.password or "")
            if user is None:
                return error_body(401, NOT_AUTHENTICATED, "Required to provide Auth information")
            flask.g.sn_user = user
            return view(*args, **kwargs)

        return guarded

    return decorator


def _basic_user(sandbox, instance, user_name, password):
    expected = (sandbox.data.get("basic_auth") or {}).get(user_name)
    if expected is None or not hmac.compare_digest(str(expected).encode(), password.encode()):
        return None
    user = next((u for u in instance.tables["sys_user"] if u["user_name"] == user_name), None)
    return user if user and user["active"] == "true" and user["locked_out"] != "true" else None
