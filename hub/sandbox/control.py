"""The control API every sandbox mounts under ``/_sandbox/``, identical for all vendors.

Tests, the conformance suite and the demo drive any vendor through it: inject faults, expire or
revoke tokens, reset the seed, point webhooks at the hub and read the delivery log. These
routes are never subject to faults or OAuth. Reference: docs/sandbox.md.
"""

from urllib.parse import urlsplit

import flask

from .faults import FaultError

BLUEPRINT = "sandbox_control"


class ControlRequestError(ValueError):
    """The control request's body is malformed; the message says what is expected."""


def control_blueprint(sandbox):
    bp = flask.Blueprint(BLUEPRINT, __name__, url_prefix="/_sandbox")

    @bp.errorhandler(ControlRequestError)
    @bp.errorhandler(FaultError)
    def bad_request(error):
        return flask.jsonify(error=str(error)), 400

    @bp.get("/")
    def describe():
        settings, user = sandbox.oauth.settings, sandbox.oauth.user
        base = flask.request.host_url.rstrip("/")
        return flask.jsonify(
            vendor=sandbox.spec.name,
            oauth={
                "authorize_url": base + settings.authorize_path,
                "token_url": base + settings.token_path,
                "revoke_url": base + settings.revoke_path if settings.revoke_path else None,
                # Seeded fixtures, shown in full so a demo can connect to any vendor the same way.
                "clients": [
                    {
                        "client_id": client.client_id,
                        "client_secret": client.client_secret,
                        "name": client.name,
                        "redirect_uris": client.redirect_uris,
                        "scopes": client.scopes,
                        "grant_types": client.grant_types,
                    }
                    for client in sandbox.oauth.clients.values()
                ],
                "user": {
                    "id": user.id,
                    "name": user.name,
                    "email": user.email,
                    "username": user.username,
                    "password": user.password,
                },
            },
            faults=sandbox.faults.state(),
            webhooks=_public_target(sandbox.webhooks.target),
        )

    @bp.get("/faults")
    def show_faults():
        return flask.jsonify(sandbox.faults.state())

    @bp.post("/faults")
    def set_faults():
        sandbox.faults.update(_body())
        return flask.jsonify(sandbox.faults.state())

    @bp.delete("/faults")
    def clear_faults():
        sandbox.faults.clear()
        return flask.jsonify(sandbox.faults.state())

    @bp.post("/tokens/expire")
    def expire_tokens():
        token = _optional_string(_body(), "access_token")
        return flask.jsonify(expired=sandbox.oauth.store.expire(token))

    @bp.post("/tokens/revoke")
    def revoke_tokens():
        token = _optional_string(_body(), "token")
        return flask.jsonify(revoked=sandbox.oauth.store.revoke(token))

    @bp.post("/reset")
    def reset():
        body = _body()
        drop_tokens = body.get("tokens", False)
        if not isinstance(drop_tokens, bool):
            raise ControlRequestError("'tokens' must be true or false")
        sandbox.reset(tokens=drop_tokens)
        return flask.jsonify(reset=True, tokens_dropped=drop_tokens)

    @bp.get("/webhooks")
    def show_webhooks():
        return flask.jsonify(_public_target(sandbox.webhooks.target))

    @bp.post("/webhooks")
    def configure_webhooks():
        body = _body()
        url = body.get("url")
        if (
            not isinstance(url, str)
            or urlsplit(url).scheme not in ("http", "https")
            or not urlsplit(url).netloc
        ):
            raise ControlRequestError("'url' must be an absolute http(s) URL")
        secret = _optional_string(body, "secret") or ""
        sandbox.webhooks.configure(url, secret)
        return flask.jsonify(_public_target(sandbox.webhooks.target))

    @bp.delete("/webhooks")
    def disable_webhooks():
        sandbox.webhooks.disable()
        return flask.jsonify(None)

    @bp.get("/deliveries")
    def deliveries():
        return flask.jsonify(sandbox.webhooks.deliveries())

    @bp.post("/events")
    def emit_event():
        body = _body()
        if "body" not in body:
            raise ControlRequestError('expected {"body": <event JSON>, "headers": {...}}')
        headers = body.get("headers") or {}
        if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
            raise ControlRequestError("'headers' must be an object of strings")
        delivery = sandbox.emit(body["body"], headers)
        if delivery is None:
            raise ControlRequestError("no webhook target configured: POST /_sandbox/webhooks first")
        return flask.jsonify(id=delivery.id), 202

    return bp


def _body():
    request = flask.request
    if not request.get_data():
        return {}
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise ControlRequestError("the request body must be a JSON object")
    return body


def _optional_string(body, key):
    value = body.get(key)
    if value is not None and not isinstance(value, str):
        raise ControlRequestError(f"'{key}' must be a string")
    return value


def _public_target(target):
    # The secret is write-only: echoing it back would make the log a place to leak it from.
    return None if target is None else {"url": target["url"], "secret_set": bool(target["secret"])}
