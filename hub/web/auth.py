"""Operator sign-in, sessions, CSRF, security headers and the one permission check.

Every page and API route is guarded by :func:`require` with a permission named in
config/roles.yaml. Pages answer an anonymous visitor with a redirect to the sign-in page and
API routes (under ``/api/``) with 401 JSON; a role without the permission gets 403 and an audit
entry. API routes also accept ``Authorization: Bearer <token>`` (hub.accounts API tokens).
"""

import logging
import os
import re
from datetime import timedelta
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_session import Session
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from redis import Redis
from redis.exceptions import RedisError

from .. import accounts

log = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__)
csrf = CSRFProtect()
SECRET_FILE_NAME = "web-secret.key"
API_PREFIX = "/api/"


def init_app(app, hub):
    """Sessions in Redis, CSRF on every form, cookie flags and security headers."""
    secure = hub.settings.public_url.startswith("https://")
    app.config.update(
        SECRET_KEY=_secret_key(hub),
        SESSION_TYPE="redis",
        SESSION_REDIS=Redis.from_url(hub.settings.redis_url),
        SESSION_KEY_PREFIX=f"{hub.settings.queue_name}:web-session:",
        SESSION_PERMANENT=True,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=hub.settings.web.session_hours),
        SESSION_COOKIE_NAME="hub_session",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # CSRF is checked in _csrf below, so bearer-token API calls and vendor webhooks skip it.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_SSL_STRICT=secure,
    )
    Session(app)
    csrf.init_app(app)
    app.register_blueprint(blueprint)
    app.before_request(_csrf)
    app.after_request(_security_headers)
    app.register_error_handler(CSRFError, _csrf_failed)
    app.register_error_handler(RedisError, _redis_down)
    app.register_error_handler(HTTPException, _http_error)
    app.jinja_env.globals.update(can=can, current_principal=current_principal)


def _secret_key(hub):
    """Signs CSRF tokens: HUB_WEB_SECRET_KEY, else a random key kept in the data directory."""
    if hub.env.get("HUB_WEB_SECRET_KEY"):
        return hub.env["HUB_WEB_SECRET_KEY"]
    path = Path(hub.settings.data_dir) / SECRET_FILE_NAME
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(os.urandom(32).hex())
        except FileExistsError:  # another process wrote it first
            pass
    return path.read_text().strip()


def _csrf():
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.blueprint == "hooks":  # vendors sign their deliveries; they hold no session
        return
    if request.blueprint == "survey":
        # Public on purpose: the sealed, single-use token in the URL is the credential and no
        # cookie grants anything there, so a forged cross-site post could do nothing the link
        # itself cannot.
        return
    if request.path.startswith(API_PREFIX) and _bearer():
        return  # not cookie-authenticated, so a forged cross-site request carries nothing
    csrf.protect()


def _csrf_failed(error):
    return _problem(400, "The form expired or did not come from this site",
                    "Reload the page and submit it again.")


def _redis_down(error):
    log.error("web: redis unavailable: %s", error)
    g.principal = None  # the page must not reach for the session, which lives in Redis
    hub = current_hub()
    return _problem(503, "Redis (sessions, sign-in limits, the queue) is unavailable",
                    f"The hub reaches Redis at {_safe_url(hub.settings.redis_url)} and got no answer. Start "
                    "redis-server there, or point redis_url in settings.yaml (or HUB_REDIS_URL) at yours, "
                    "then reload this page.")


def _safe_url(url):
    """A URL to show an operator: any password in it replaced."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url


#: What to do after each HTTP error a page may answer, said once for every route.
_NEXT_STEP = {
    400: "Check the address or the form and try again.",
    404: "The address may be mistyped, or what it named was removed. Start again from the home page.",
    405: "This address does not take that kind of request.",
    413: "Send less at once.",
}


def _http_error(error):
    """Flask's own error answers (abort(404), an unknown path, a bad method) in the hub's page
    style, or as JSON under /api/; a Redis outage met before any view ran (opening the session)
    arrives here as a 500 wrapping it."""
    original = getattr(error, "original_exception", None)
    if isinstance(original, RedisError):
        return _redis_down(original)
    status = error.code or 500
    if status >= 500:
        return _problem(status, "Something went wrong on the hub's side",
                        "The error is in the hub's log. Try again; if it persists, tell whoever runs the hub.")
    what = error.description if error.description and error.description != type(error).description else error.name
    return _problem(status, what, _NEXT_STEP.get(status, "Go back and try again."))


def _security_headers(response):
    headers = response.headers
    headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
    )
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def _is_api():
    return request.path.startswith(API_PREFIX)


def _problem(status, what, todo):
    if _is_api():
        return jsonify(error=what, hint=todo), status
    return render_template("error.html", status=status, what=what, todo=todo), status


def current_hub():
    """The Hub this app serves (every view's way to it)."""
    return current_app.config["HUB"]


# -- who is asking ---------------------------------------------------------------------------


class Principal:
    """The operator (or API token) behind a request: a name for the audit log and a role."""

    def __init__(self, name, role, operator_id=None):
        self.name, self.role, self.operator_id = name, role, operator_id


def _bearer():
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_principal():
    if "principal" in g:
        return g.principal
    hub = current_hub()
    principal = None
    secret = _bearer() if _is_api() else None
    if secret:
        token = accounts.token_for(hub, secret)
        if token is not None:
            principal = Principal(f"token:{token.name}", token.role)
    elif session.get("operator_id"):
        # Looked up on every request so removing an account or changing its role takes effect
        # at once, whatever sessions it still has. The stamp ties the session to this account
        # and password: not to a new account that was given a removed one's id.
        operator = accounts.get_operator(hub, session["operator_id"])
        if operator is not None and session.get("operator_stamp") == accounts.session_stamp(operator):
            principal = Principal(operator.email, operator.role, operator.id)
        else:
            session.clear()
    g.principal = principal
    return principal


def can(permission):
    principal = current_principal()
    return principal is not None and current_hub().roles.allows(principal.role, permission)


def require(permission):
    """Guard a view: sign-in first, then ``permission`` from config/roles.yaml."""

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            principal = current_principal()
            if principal is None:
                if _is_api():
                    return jsonify(error="authentication required",
                                   hint="send Authorization: Bearer <API token> or sign in"), 401
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            hub = current_hub()
            if not hub.roles.allows(principal.role, permission):
                hub.audit("access.denied", {"permission": permission, "role": principal.role,
                                            "method": request.method, "path": request.path},
                          actor=principal.name)
                return _problem(403, f"Your role ({principal.role}) does not have the {permission} permission",
                                "Ask an administrator if you need it.")
            return view(*args, **kwargs)

        guarded.permission = permission  # read by the role-matrix test and the docs
        return guarded

    return decorate


# -- sign-in ---------------------------------------------------------------------------------


class LoginLimiter:
    """Failed sign-ins counted per account and per client address, in Redis (all processes)."""

    def __init__(self, hub):
        web = hub.settings.web
        self.limiter = MovingWindowRateLimiter(storage_from_string(hub.settings.redis_url))
        self.per_account = RateLimitItemPerSecond(web.login_failures_per_account, web.login_window_seconds,
                                                  namespace=f"{hub.settings.queue_name}-login-account")
        self.per_ip = RateLimitItemPerSecond(web.login_failures_per_ip, web.login_window_seconds,
                                             namespace=f"{hub.settings.queue_name}-login-ip")

    def blocked(self, email, address):
        return not (self.limiter.test(self.per_account, email) and self.limiter.test(self.per_ip, address))

    def failed(self, email, address):
        self.limiter.hit(self.per_account, email)
        self.limiter.hit(self.per_ip, address)

    def succeeded(self, email):
        self.limiter.clear(self.per_account, email)


def _limiter():
    app = current_app
    if "HUB_LOGIN_LIMITER" not in app.extensions:
        app.extensions["HUB_LOGIN_LIMITER"] = LoginLimiter(app.config["HUB"])
    return app.extensions["HUB_LOGIN_LIMITER"]


#: A path on this site, its query and fragment, in the characters RFC 3986 allows unencoded.
#: Anything else is refused rather than cleaned: browsers drop tabs and newlines from a
#: Location and read a backslash as a slash, so "/\t/evil.example" or "/\\evil.example" would
#: leave the site, and CR/LF cannot go into a header at all.
SAME_SITE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#]*")
MAX_NEXT_LENGTH = 2048


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: ``target`` if it is a same-site path, else the home page.

    Only paths on this site: an attacker's link must not bounce a fresh sign-in elsewhere.
    """
    if (target and len(target) <= MAX_NEXT_LENGTH and SAME_SITE_PATH.fullmatch(target)
            and not urlsplit(target).netloc):
        return target
    return url_for("setup.home")


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    hub = current_hub()
    email = (request.form.get("email") or "").strip().lower()
    address = request.remote_addr or "unknown"
    limiter = _limiter()
    if limiter.blocked(email, address):
        hub.audit("operator.login_throttled", {"email": email, "address": address}, actor=email or "anonymous")
        return render_template("login.html", next=request.form.get("next", ""), email=email,
                               error="Too many failed sign-ins. Wait a few minutes and try again."), 429
    operator = accounts.authenticate(hub, email, request.form.get("password", ""))
    if operator is None:
        limiter.failed(email, address)
        hub.audit("operator.login_failed", {"email": email, "address": address}, actor=email or "anonymous")
        return render_template("login.html", next=request.form.get("next", ""), email=email,
                               error="Wrong e-mail or password."), 401
    limiter.succeeded(email)
    # A new session id at sign-in, so a session id planted before it (fixation) is worthless.
    session.clear()
    session["operator_id"] = operator.id
    session["operator_stamp"] = accounts.session_stamp(operator)
    current_app.session_interface.regenerate(session)  # (a no-op on an empty session)
    hub.audit("operator.login", {"address": address}, actor=operator.email)
    return redirect(safe_next(request.form.get("next")))


@blueprint.post("/logout")
def logout():
    principal = current_principal()
    session.clear()
    if principal is not None:
        current_hub().audit("operator.logout", {}, actor=principal.name)
    flash("Signed out.")
    return redirect(url_for("auth.login"))
