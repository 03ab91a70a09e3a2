"""One connector's sandbox, a throwaway hub wired to it, and the OAuth dance between them.

The conformance suite and a connector's own tests share this harness: it starts the sandbox
the connector names (``Connector.sandbox``) on a loopback port, writes a hub configuration into
a temporary directory (sandbox mode, SQLite, small retry waits), starts a receiver standing in
for the hub's web app at ``public_url`` (OAuth callback and webhook endpoint), and connects
through the same path an operator takes: ``hub.connections.begin`` → the vendor's consent page
→ the callback → ``hub.connections.finish``.

Deliveries, from the sandbox to the receiver or from a check through ``Harness.ingest``, go
through the hub's one webhook receipt (``hub.receipt.receive``: size limit, hook URL secret,
missing-secret refusal, the connector's verification, the event checks, the de-duplicating
store). The harness runs no worker, so what it stores stays ``stored``.
"""

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import flask
import requests
import yaml
from werkzeug.datastructures import Headers

from hub import connections, db, receipt
from hub.errors import ConfigError, WebhookRejected
from hub.models import Connection
from hub.runtime import Hub
from hub.sandbox import ensure_certificates, serve_app
from hub.sandbox.consent import ConsentError, give_consent
from hub.sandbox.discovery import SandboxLoadError
from hub.sandbox.discovery import load_sandbox_factory as _load_sandbox_factory
from hub.tokens import TokenStore

# Retries stay real but short, so a rate-limit or 5xx check costs a fraction of a second.
HTTP_SETTINGS = {"timeout": 10, "max_attempts": 4, "max_wait": 0.3, "backoff_base": 0.05}
MAX_AGE_SECONDS = 300
TLS_DIRECTORY = Path(tempfile.gettempdir()) / f"helpdesk-hub-sandbox-tls-{os.getuid()}"

# The permissions the agent holds in the default config/roles.yaml; a connector installed
# outside the repository has no config/ to copy, so the harness ships its own.
ROLES = {
    "roles": {
        "admin": {"description": "Everything.", "permissions": ["*"]},
        "agent": {
            "description": "The resolution agent.",
            "permissions": ["tool.lookup", "tool.action", "tool.escalate", "tool.refund"],
        },
    }
}


class HarnessError(AssertionError):
    """The sandbox, the hub or the OAuth dance did not behave; the message says where."""


class Harness:
    """Start with ``start()`` (or ``with Harness(...)``); everything stops in ``stop()``."""

    def __init__(self, connector_name, directory, sandbox_options=None):
        self.connector_name = connector_name
        self.directory = Path(directory)
        self.sandbox_options = dict(sandbox_options or {})
        self.hub = self.connector = self.sandbox = self.server = self.receiver = None
        self.http = requests.Session()  # the operator's browser and the test's control client
        self.callbacks = []  # query dicts the receiver saw at /connections/callback
        self.deliveries = []  # (connection id, status, events or reason) the receiver answered
        self._saved_ca_bundle = None

    # -- lifecycle ------------------------------------------------------------------------

    def start(self):
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        self.receiver = serve_app(_receiver_app(self))
        config = self.directory / "config"
        config.mkdir(parents=True, exist_ok=True)
        settings = {
            "data_dir": str(self.directory / "data"),
            "public_url": self.receiver.url,
            "sandbox_mode": True,
            "http": HTTP_SETTINGS,
            "webhooks": {"max_age_seconds": MAX_AGE_SECONDS},
        }
        (config / "settings.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
        (config / "roles.yaml").write_text(yaml.safe_dump(ROLES), encoding="utf-8")
        # HUB_* variables of the developer's shell (real client ids, a production database)
        # must not leak into a throwaway sandbox hub.
        env = {key: value for key, value in os.environ.items() if not key.startswith("HUB_")}
        self.hub = self._load_hub(config, env)
        db.upgrade(self.hub.engine)
        self.connector = self._installed_connector()
        self.sandbox = load_sandbox_factory(self.connector)(**self.sandbox_options)
        tls = ensure_certificates(TLS_DIRECTORY) if self.sandbox.spec.tls else False
        if tls:
            # The hub's VendorSession is a requests session: it trusts the sandbox's local CA
            # through the variable requests reads, exactly as an operator would configure it.
            # One CA per machine user, so harnesses alive at once never disagree about it.
            self._saved_ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
            os.environ["REQUESTS_CA_BUNDLE"] = str(tls.ca)
            self.http.verify = str(tls.ca)
        self.server = self.sandbox.serve(tls=tls)

    def stop(self):
        for server in (self.server, self.receiver):
            if server is not None:
                server.stop()
        self.server = self.receiver = None
        if self.http.verify is not True:
            if self._saved_ca_bundle is None:
                os.environ.pop("REQUESTS_CA_BUNDLE", None)
            else:
                os.environ["REQUESTS_CA_BUNDLE"] = self._saved_ca_bundle
            self.http.verify = True
        if self.hub is not None and "engine" in vars(self.hub):
            self.hub.engine.dispose()
        self.http.close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def _load_hub(self, config, env):
        # Load only the plugin under test when its entry point bears the connector's name (the
        # template's layout), so a sibling plugin that fails to import cannot get in the way.
        try:
            return Hub.load(config, env=dict(env, HUB_LOAD_PLUGINS=self.connector_name))
        except ConfigError:
            return Hub.load(config, env=env)

    def _installed_connector(self):
        try:
            return self.hub.connector(self.connector_name)
        except LookupError:
            problems = self.hub.broken_plugins
            detail = "; ".join(f"{name}: {', '.join(reasons)}" for name, reasons in problems.items())
            raise HarnessError(
                f"no connector named {self.connector_name!r} is registered. Is its distribution installed "
                f"(pip install -e .)? Installed: {', '.join(sorted(self.hub.registry.connectors)) or 'none'}."
                + (f" Broken plugins: {detail}" if detail else "")
            ) from None

    # -- the sandbox ------------------------------------------------------------------------

    @property
    def instance(self):
        """What an operator types to connect to the sandbox: ``127.0.0.1:PORT``."""
        return f"127.0.0.1:{self.server.port}"

    def control(self, method, path, body=None):
        """Call the sandbox's ``/_sandbox/...`` API; return its JSON or raise HarnessError."""
        response = self.http.request(method, f"{self.server.url}/_sandbox/{path.lstrip('/')}", json=body)
        if response.status_code >= 400:
            raise HarnessError(f"{method} /_sandbox/{path} answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def faults(self, **settings):
        return self.control("POST", "faults", settings)

    def clear_faults(self):
        return self.control("DELETE", "faults")

    def vendor_state(self, kind, remote_id):
        return self.control("GET", f"state/{kind}/{remote_id}")

    def sample_webhook(self, kind="ticket.created", ticket_id=None, age_seconds=0):
        """A signed delivery the sandbox built but did not send: ``(body bytes, headers dict)``."""
        request = {"kind": kind, "age_seconds": age_seconds}
        if ticket_id is not None:
            request["ticket_id"] = ticket_id
        sample = self.control("POST", "webhooks/sample", request)
        if not isinstance(sample, dict) or not isinstance(sample.get("body"), str):
            raise HarnessError(f"/_sandbox/webhooks/sample must answer {{\"body\": str, \"headers\": {{}}}}, not {sample!r}")
        return sample["body"].encode("utf-8"), dict(sample.get("headers") or {})

    def sign(self, body):
        """The sandbox's signature headers for ``body`` under the configured webhook secret."""
        sign = self.sandbox.spec.sign_webhook
        if sign is None:
            return {}
        target = self.sandbox.webhooks.target or {}
        return sign(body, target.get("secret", ""))

    def point_webhooks_at(self, connection):
        """Make the sandbox deliver to ``connection``'s hook URL with its stored secret.

        Connecting another connection re-subscribes the sandbox to that one; the webhook
        checks call this first so they never depend on which test connected last.
        """
        secret = connections.webhook_secret(self.hub, self.reload(connection))
        if secret is not None:
            self.control("POST", "webhooks", {"url": self.hub.webhook_url(connection), "secret": secret})

    # -- connecting -------------------------------------------------------------------------

    def authorize(self, decision="allow", connection_id=None):
        """Begin connecting and answer the consent page; return ``(connection, callback query)``."""
        connection, url, _state = connections.begin(self.hub, self.connector_name, self.instance, connection_id)
        try:
            location = give_consent(url, decision, session=self.http)
        except ConsentError as error:
            raise HarnessError(str(error)) from None
        callback = connections.redirect_uri(self.hub)
        if location.split("?")[0] != callback:
            raise HarnessError(f"consent redirected to {location}, not the hub's callback {callback}")
        arrived = self.http.get(location)
        if arrived.status_code != 200:
            raise HarnessError(f"the hub's callback answered {arrived.status_code}")
        return connection, dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))

    def connect(self, connection_id=None):
        """Run the whole OAuth dance and return the connected ``Connection``."""
        _, query = self.authorize(connection_id=connection_id)
        connection = connections.finish(self.hub, query.get("state"), query.get("code"), query)
        return self.reload(connection)  # finish() returns the row as it was before subscribing

    def reload(self, connection):
        """The connection's row as stored now."""
        with db.session_scope(self.hub.engine) as session:
            return session.get(Connection, connection.id)

    def token(self, connection):
        """``(token dict, token_version)`` as stored for ``connection``."""
        return TokenStore(self.hub.engine, self.hub.box, connection.id).load()

    # -- calling ------------------------------------------------------------------------------

    def call(self, tool_name, connection, arguments, session=None, idempotency_key=None):
        return self.hub.call(tool_name, connection, arguments, session=session, idempotency_key=idempotency_key)

    def receive(self, connection, body, headers, token=None):
        """Deliver ``body``/``headers`` to ``connection`` through the hub's webhook receipt, as
        its endpoint does; return the ``hub.receipt.Receipt`` or raise ``WebhookRejected``
        (``receipt.NotReceived`` for a 404 or 413). ``token`` is the hook URL's secret; for a
        vendor that does not sign it defaults to the connection's own."""
        if token is None and not self.connector.signed_push:
            token = connections.hook_token(self.hub, self.reload(connection))
        try:
            return receipt.receive(self.hub, connection.connector, connection.id, token, lambda: body,
                                   Headers(headers), content_length=len(body))
        except receipt.NoIngester:
            raise HarnessError(f"no plugin answered ingest_webhook for connector {self.connector_name!r}") from None

    def ingest(self, connection, body, headers, token=None):
        """:meth:`receive`, returning the delivery's events (the new and the known alike)."""
        return self.receive(connection, body, headers, token).events


def load_sandbox_factory(connector):
    """Import ``Connector.sandbox``; a HarnessError says what is wrong with it."""
    try:
        return _load_sandbox_factory(connector)
    except SandboxLoadError as error:
        raise HarnessError(f"{connector.name}: {error}") from None


def _receiver_app(harness):
    """Stands in for the hub's web app: the OAuth callback and the webhook endpoint."""
    app = flask.Flask("hub_testing_receiver")

    @app.get("/connections/callback")
    def callback():
        harness.callbacks.append(dict(flask.request.args))
        return "The hub received the callback.", 200

    @app.post("/hooks/<connector>/<connection_id>")
    @app.post("/hooks/<connector>/<connection_id>/<token>")
    def hook(connector, connection_id, token=None):
        request = flask.request
        try:  # the hub's own receipt, as hub.web.hooks calls it (no worker: nothing is queued)
            received = receipt.receive(harness.hub, connector, connection_id, token,
                                       read_body=lambda: request.get_data(cache=False), headers=request.headers,
                                       query=request.args.to_dict(), method=request.method,
                                       content_length=request.content_length)
        except (receipt.NotReceived, WebhookRejected) as refusal:
            harness.deliveries.append((connection_id, refusal.status, refusal.reason))
            return {"error": refusal.reason}, refusal.status
        except Exception as error:  # a crash in the connector is a 500 the check must report
            harness.deliveries.append((connection_id, 500, f"{type(error).__name__}: {error}"))
            return "the connector crashed", 500
        harness.deliveries.append((connection_id, 200, received.events))
        return received.response()

    return app
