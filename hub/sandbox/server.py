"""A vendor sandbox: the vendor's Flask routes plus the shared OAuth, control API, faults and
webhooks, served on a loopback port from a background thread.

A vendor describes itself once (``VendorSpec``), builds ``Sandbox(spec)``, and adds its API
routes to ``sandbox.app``. See docs/sandbox.md.
"""

import ipaddress
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import flask
from werkzeug.serving import make_server

from .control import BLUEPRINT, control_blueprint
from .faults import Faults, default_server_error, is_write
from .oauth import OAuthProvider, OAuthSettings, default_auth_error
from .refusals import default_http_error, install as install_refusals
from .seed import Seed
from .tls import DEFAULT_DIRECTORY, TLSFiles, ensure_certificates
from .webhooks import WebhookDispatcher, retry_any_failure


@dataclass(frozen=True)
class VendorSpec:
    """What makes one vendor's sandbox different from another's."""

    name: str
    #: The seed YAML: a path, or ``importlib.resources.files("pkg") / "seed.yaml"``.
    seed: Any
    #: ``(retry_after_seconds: int) -> Flask response`` in the vendor's rate-limit shape.
    render_rate_limit: Callable
    oauth: OAuthSettings = field(default_factory=OAuthSettings)
    #: ``(AuthFailure) -> Flask response`` for 401/403 on protected routes.
    render_auth_error: Callable = default_auth_error
    #: ``(status: int) -> Flask response`` for injected 5xx faults.
    render_server_error: Callable = default_server_error
    #: ``(body: bytes, secret: str) -> dict`` of signature headers for outbound webhooks.
    sign_webhook: Callable | None = None
    webhook_retry_delays: tuple = (1, 2, 4)
    #: ``(status_code: int | None) -> bool``: retry after this answer (None: no connection)?
    webhook_should_retry: Callable = retry_any_failure
    #: Optional pydantic model validating the whole seed document.
    seed_model: Any = None
    #: Serve HTTPS (simple-salesforce and PySNC cannot talk plain http).
    tls: bool = False
    #: ``(flask.Request) -> bool``: does this request change something (for lost-answer faults)?
    is_write: Callable = is_write
    #: ``(werkzeug HTTPException) -> Flask response`` for what no route takes: unknown path
    #: (404), method (405, ``error.valid_methods``), unreadable body (400), a crash (500).
    render_http_error: Callable = default_http_error


class Sandbox:
    """One running vendor sandbox's state and Flask app.

    Keyword arguments override ``spec.oauth`` fields, e.g. ``Sandbox(spec, access_token_ttl=5)``.
    """

    def __init__(self, spec, seed=None, **oauth_overrides):
        self.spec = spec
        self.seed = Seed.load(seed if seed is not None else spec.seed, model=spec.seed_model)
        # root_path is pinned: Flask would otherwise look for a module named like the app.
        self.app = flask.Flask(f"sandbox_{spec.name}", root_path=os.path.dirname(__file__))
        self.app.json.sort_keys = False  # vendors' JSON keeps its field order
        seeded = self.seed.oauth
        self.oauth = OAuthProvider(
            replace(spec.oauth, **oauth_overrides),
            seeded.clients,
            seeded.user,
            spec.render_auth_error,
        )
        self.oauth.init_app(self.app)
        self.faults = Faults()
        self.webhooks = WebhookDispatcher(
            sign=spec.sign_webhook,
            retry_delays=spec.webhook_retry_delays,
            should_retry=spec.webhook_should_retry,
        )
        self._reset_callbacks = []
        self.app.register_blueprint(control_blueprint(self))
        self.app.before_request(self._inject_faults)
        self.app.after_request(self._lose_answer)
        install_refusals(self.app, spec.render_http_error)

    @property
    def data(self):
        """The working copy of the seed; mutate it under ``sandbox.lock``."""
        return self.seed.data

    @property
    def lock(self):
        return self.seed.lock

    def require_token(self, *scopes):
        """Route decorator: see ``OAuthProvider.require_token``."""
        return self.oauth.require_token(*scopes)

    def current_token(self):
        return self.oauth.current_token()

    def emit(self, body, headers=None):
        """Queue an outbound webhook event (dict/list as JSON, or bytes/str as-is)."""
        return self.webhooks.emit(body, headers)

    def control_route(self, rule, methods=("GET",)):
        """Decorator: a vendor-specific control route under ``/_sandbox`` (``rule`` like
        ``"/state/<kind>/<remote_id>"``). Like the kit's own it is never faulted and needs no
        token; raising ``ControlRequestError`` answers ``400 {"error": message}``."""

        def decorator(view):
            # An endpoint named inside the control blueprint belongs to it for Flask: the fault
            # injector skips it and the blueprint's error handler answers its errors.
            endpoint = f"{BLUEPRINT}.{self.spec.name}_{view.__name__}"
            self.app.add_url_rule("/_sandbox" + rule, endpoint, view, methods=list(methods))
            return view

        return decorator

    def on_reset(self, callback):
        """Register ``callback()`` to run after ``/_sandbox/reset`` (e.g. to reset id counters)."""
        self._reset_callbacks.append(callback)
        return callback

    def reset(self, tokens=False):
        """Restore the seed, clear faults and the delivery log; ``tokens=True`` also forgets
        every issued code and token. The webhook target stays configured."""
        self.seed.reset()
        seeded = self.seed.oauth
        self.oauth.load_clients(seeded.clients, seeded.user)
        if tokens:
            self.oauth.store.clear()
        self.faults.clear()
        self.webhooks.clear_log()
        for callback in self._reset_callbacks:
            callback()

    def serve(self, host="127.0.0.1", port=0, tls=None):
        """Start serving in a background thread; ``tls``: None follows ``spec.tls``, True uses
        the default certificate directory, or pass ``TLSFiles``."""
        if tls is None:
            tls = self.spec.tls
        if tls is True:
            tls = ensure_certificates(DEFAULT_DIRECTORY)
        running = serve_app(self.app, host, port, tls or None)
        running.on_stop = self.webhooks.stop
        return running

    def _inject_faults(self):
        request = flask.request
        # Faults stand for the vendor misbehaving: the control API (shared and vendor-specific
        # routes alike) and the OAuth endpoints must keep answering so tests can clear them.
        if request.path.startswith("/_sandbox/") or request.endpoint in self.oauth.endpoints:
            return None
        failure = self.faults.apply(self.spec.render_rate_limit, self.spec.render_server_error)
        if failure is None and self.spec.is_write(request):
            flask.g.sandbox_lose_answer = self.faults.lose_answer()
        return failure

    def _lose_answer(self, response):
        way = flask.g.pop("sandbox_lose_answer", None)
        if way is None:
            return response
        return self.faults.lost(way, response, self.spec.render_server_error)


class RunningServer:
    """A WSGI app served from a background thread; ``stop()`` shuts it down."""

    def __init__(self, server, tls):
        self._server = server
        self.tls = tls
        self.host = server.host
        self.port = server.port
        scheme = "https" if tls else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"{scheme}://{host}:{self.port}"
        self.on_stop = None
        # A short poll interval makes stop() quick (tests start and stop many servers).
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()
        if self.on_stop:
            self.on_stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


def serve_app(app, host="127.0.0.1", port=0, tls=None):
    """Serve ``app`` on a loopback ``host``; ``port=0`` picks a free port."""
    if not _is_loopback(host):
        # The control API has no authentication: it must never be reachable off this machine.
        raise ValueError(f"sandboxes serve on loopback only, not {host!r}")
    ssl_context = tls.server_context() if isinstance(tls, TLSFiles) else None
    # Bind here rather than in werkzeug, which answers a busy port with sys.exit(1).
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listener.bind((host, port))
        except OSError as error:
            raise OSError(
                error.errno, f"cannot listen on {host}:{port}: {error.strerror}"
            ) from None
        listener.listen(128)
        server = make_server(
            host, port, app, threaded=True, ssl_context=ssl_context, fd=listener.fileno()
        )
    finally:
        listener.close()  # werkzeug keeps its own duplicate of the socket
    return RunningServer(server, tls)


def run_all(factories, host="127.0.0.1", base_port=0, tls_dir=DEFAULT_DIRECTORY):
    """Build and serve each ``name: factory`` (a callable returning a Sandbox) on consecutive
    ports from ``base_port`` (0: any free ports). Returns ``{name: RunningServer}``; if one
    fails to start, the ones already started are stopped and the error names the vendor."""
    running = {}
    try:
        for offset, (name, factory) in enumerate(sorted(factories.items())):
            port = base_port + offset if base_port else 0
            try:
                sandbox = factory()
                tls = ensure_certificates(tls_dir) if sandbox.spec.tls else False
                running[name] = sandbox.serve(host, port, tls=tls)
            except Exception as error:
                raise RuntimeError(
                    f"sandbox {name!r} did not start on port {port}: {error}"
                ) from error
    except BaseException:
        for server in running.values():
            server.stop()
        raise
    return running


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
