"""An OAuth 2.0 authorization server for vendor sandboxes, on authlib's server side.

Authorization code (+ PKCE, RFC 7636) with a consent page, rotating refresh tokens, RFC 7009
revocation, and ``require_token`` for the vendor's API routes. Everything lives in memory.
Each vendor differs in paths, body format, scope separator, token lifetimes and the token
response's shape; ``OAuthSettings`` holds those differences so the flow is written once.
"""

import functools
import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import flask
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import (
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidRequestError,
    OAuth2Payload,
    OAuth2Request,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.errors import MissingAuthorizationError
from authlib.oauth2.rfc6750 import (
    BearerTokenGenerator,
    BearerTokenValidator,
    InsufficientScopeError,
    InvalidTokenError,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from werkzeug.datastructures import MultiDict

TOKEN_BODY_FORMATS = ("form", "json", "any")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
# Confidential clients authenticate with their secret; public clients send client_id only
# and must prove possession with PKCE.
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]


@dataclass(frozen=True)
class OAuthSettings:
    """How one vendor's authorization server behaves. Lifetimes are whole seconds."""

    authorize_path: str = "/oauth/authorize"
    token_path: str = "/oauth/token"
    revoke_path: str | None = "/oauth/revoke"
    #: "form" (RFC 6749), "json" (Zendesk) or "any" (either, chosen by Content-Type).
    token_body: str = "form"
    #: HTTP status of a successful token response.
    token_status: int = 200
    #: RFC 6749 section 4.1.3: the code exchange repeats the authorize request's redirect_uri.
    #: Shopify's does not, so it sets False.
    token_requires_redirect_uri: bool = True
    #: " " per RFC 6749; "," for Shopify. Applies to requests and to the token response.
    scope_separator: str = " "
    access_token_ttl: int = 3600
    refresh_token_ttl: int | None = 30 * 24 * 3600
    code_ttl: int = 120
    #: A refresh issues a new refresh token and invalidates the old access and refresh tokens.
    rotate_refresh_tokens: bool = True
    include_expires_in: bool = True
    #: Header carrying the access token: "Authorization" (Bearer) or e.g. "X-Shopify-Access-Token".
    token_header: str = "Authorization"
    #: ``(response: dict, token: Token, client: Client) -> dict``: last word on the token JSON.
    shape_token_response: Callable | None = None
    #: ``(callback_params: dict, client: Client) -> dict`` of extra params for the code redirect.
    extra_callback_params: Callable | None = None

    def __post_init__(self):
        if self.token_body not in TOKEN_BODY_FORMATS:
            raise ValueError(
                f"token_body must be one of {TOKEN_BODY_FORMATS}, not {self.token_body!r}"
            )
        for name in ("access_token_ttl", "code_ttl", "refresh_token_ttl"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be a whole number of seconds >= 1, not {value!r}")


@dataclass(frozen=True)
class User:
    """The sandbox user who is signed in on the consent page (and who every token acts as)."""

    id: str | int
    name: str
    email: str
    username: str
    password: str | None = field(default=None, repr=False)


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str | None
    name: str
    redirect_uris: list
    scopes: list
    grant_types: list

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        # Like Zendesk's per-client allowed scopes: asking for more is invalid_scope, not a
        # silent trim. No scope at all means every scope the client is allowed.
        requested = (scope or "").split()
        if not requested:
            return " ".join(self.scopes)
        if not set(requested) <= set(self.scopes):
            return None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri):
        return any(_same_redirect(redirect_uri, registered) for registered in self.redirect_uris)

    def check_client_secret(self, client_secret):
        return self.client_secret is not None and hmac.compare_digest(
            self.client_secret.encode(), str(client_secret).encode()
        )

    def check_endpoint_auth_method(self, method, endpoint):
        if self.client_secret is None:
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


def _same_redirect(requested, registered):
    """Exact match, except that loopback redirects may use any port (RFC 8252 section 7.3)."""
    if requested == registered:
        return True
    a, b = urlsplit(requested), urlsplit(registered)
    return a.hostname in LOOPBACK_HOSTS and (a.scheme, a.hostname, a.path, a.query) == (
        b.scheme,
        b.hostname,
        b.path,
        b.query,
    )


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str | None
    scope: str
    user: User
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: float
    used: bool = False

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope


@dataclass
class Token(TokenMixin):
    """An access token and its refresh token, as issued together."""

    access_token: str
    refresh_token: str | None
    client_id: str
    user: User
    scope: str  # space-separated internally, whatever the vendor's separator
    issued_at: float
    access_expires_at: float
    refresh_expires_at: float | None
    #: Tokens descended from one grant (its authorization code, or a fresh id for the password
    #: and client_credentials grants) share a family; revoking one revokes them all.
    family: str = ""
    access_revoked: bool = False
    refresh_revoked: bool = False

    @property
    def scopes(self):
        return self.scope.split()

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return int(self.access_expires_at - self.issued_at)

    def is_expired(self):
        return time.time() >= self.access_expires_at

    def is_revoked(self):
        return self.access_revoked

    def get_user(self):
        return self.user

    def refresh_usable(self):
        expired = self.refresh_expires_at is not None and time.time() >= self.refresh_expires_at
        return self.refresh_token is not None and not self.refresh_revoked and not expired


class TokenStore:
    """Codes and tokens in memory, behind one lock (the sandbox server is threaded)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.codes = {}
        self.by_access = {}
        self.by_refresh = {}

    def add_code(self, code):
        with self.lock:
            self.codes[code.code] = code

    def redeemable_code(self, code, client_id):
        with self.lock:
            found = self.codes.get(code)
            if found is None or found.client_id != client_id:
                return None
            if found.used:
                # RFC 6749 section 4.1.2: a replayed code revokes what it already bought.
                self._revoke_family(found.code)
                return None
            if time.time() >= found.expires_at:
                return None
            return found

    def add_token(self, token):
        with self.lock:
            self.by_access[token.access_token] = token
            if token.refresh_token:
                self.by_refresh[token.refresh_token] = token

    def find_access(self, access_token):
        with self.lock:
            return self.by_access.get(access_token)

    def find_refresh(self, refresh_token):
        with self.lock:
            token = self.by_refresh.get(refresh_token)
            return token if token is not None and token.refresh_usable() else None

    def find_any(self, value):
        with self.lock:
            return self.by_access.get(value) or self.by_refresh.get(value)

    def expire(self, access_token=None):
        """Make one access token (or all of them) expired now; returns how many."""
        with self.lock:
            if access_token is None:
                tokens = list(self.by_access.values())
            else:
                tokens = [self.by_access[access_token]] if access_token in self.by_access else []
            for token in tokens:
                token.access_expires_at = min(token.access_expires_at, time.time() - 1)
            return len(tokens)

    def revoke(self, value=None):
        """Revoke every access and refresh token of the family ``value`` (an access or refresh
        token) belongs to, or of all families; returns how many issued pairs were revoked."""
        with self.lock:
            if value is None:
                return self._revoke_family(None)
            token = self.by_access.get(value) or self.by_refresh.get(value)
            return self._revoke_family(token.family) if token else 0

    def clear(self):
        with self.lock:
            self.codes.clear()
            self.by_access.clear()
            self.by_refresh.clear()

    def _revoke_family(self, family):
        revoked = [
            token for token in self.by_access.values() if family is None or token.family == family
        ]
        for token in revoked:
            token.access_revoked = token.refresh_revoked = True
        return len(revoked)


@dataclass(frozen=True)
class AuthFailure:
    """Why ``require_token`` refused a request; vendors render it in their own error shape."""

    status: int  # 401, or 403 for insufficient scope
    #: "missing", "invalid", "expired", "revoked" or "insufficient_scope"
    reason: str
    description: str
    required_scopes: tuple = field(default=())


def default_auth_error(failure):
    """RFC 6750 style: JSON error plus a WWW-Authenticate challenge."""
    error = "insufficient_scope" if failure.status == 403 else "invalid_token"
    headers = {
        "WWW-Authenticate": f'Bearer error="{error}", error_description="{failure.description}"'
    }
    return (
        flask.jsonify(error=error, error_description=failure.description),
        failure.status,
        headers,
    )


class OAuthProvider:
    """The authorization server and resource protector for one sandbox.

    ``provider.init_app(app)`` adds the authorize, token and revoke routes; vendor routes use
    ``@provider.require_token("scope", ...)`` and read ``provider.current_token()``.
    """

    def __init__(self, settings, clients, user, render_auth_error=default_auth_error):
        self.settings = settings
        self.store = TokenStore()
        self.load_clients(clients, user)
        self.server = _Server(self)
        self.server.register_grant(_AuthorizationCodeGrant, [CodeChallenge(required=True)])
        self.server.register_grant(_RefreshTokenGrant)
        self.server.register_grant(_PasswordGrant)
        self.server.register_grant(_ClientCredentialsGrant)
        self.server.register_token_generator(
            "default",
            BearerTokenGenerator(
                access_token_generator=lambda **_: generate_token(42),
                refresh_token_generator=lambda **_: generate_token(48),
                expires_generator=lambda client, grant_type: self.settings.access_token_ttl,
            ),
        )
        if settings.revoke_path:
            self.server.register_endpoint(_RevocationEndpoint)
        self.protector = _Protector(self, render_auth_error)

    def load_clients(self, clients, user):
        """(Re)load registered clients and the signed-in user, e.g. from a reset seed."""
        self.clients = {
            c.client_id: Client(
                client_id=c.client_id,
                client_secret=c.client_secret,
                name=c.name or c.client_id,
                redirect_uris=list(c.redirect_uris),
                scopes=list(c.scopes),
                grant_types=list(c.grant_types),
            )
            for c in clients
        }
        self.user = User(
            id=user.id,
            name=user.name,
            email=user.email,
            username=user.username or user.email,
            password=user.password,
        )

    #: Flask endpoint names of the OAuth routes (faults are never injected into these).
    endpoints = ("sandbox_oauth_authorize", "sandbox_oauth_token", "sandbox_oauth_revoke")

    def init_app(self, app):
        s = self.settings
        app.add_url_rule(
            s.authorize_path, self.endpoints[0], self._authorize, methods=["GET", "POST"]
        )
        app.add_url_rule(s.token_path, self.endpoints[1], self._token, methods=["POST"])
        if s.revoke_path:
            app.add_url_rule(s.revoke_path, self.endpoints[2], self._revoke, methods=["POST"])

    def require_token(self, *scopes):
        """Decorator: the request needs a live access token holding ANY ONE of ``scopes``
        (an item may name several space-separated scopes that are all needed).
        No scopes: any live token will do. Refusals are drawn by ``render_auth_error``."""
        if len(scopes) == 1 and callable(scopes[0]):
            return self.require_token()(scopes[0])

        def decorator(view):
            @functools.wraps(view)
            def guarded(*args, **kwargs):
                try:
                    self.protector.acquire_token(list(scopes) or None)
                except OAuth2Error as error:
                    return self.protector.refusal(error, scopes)
                return view(*args, **kwargs)

            return guarded

        return decorator

    @staticmethod
    def current_token():
        """The ``Token`` that authorised the current request (inside ``require_token``)."""
        return flask.g.get("authlib_server_oauth2_token")

    def format_scope(self, scope):
        return self.settings.scope_separator.join(scope.split())

    # -- views --

    def _authorize(self):
        try:
            grant = self.server.get_consent_grant(end_user=self.user)
        except OAuth2Error as error:
            return self.server.handle_error_response(None, error)
        if flask.request.method == "GET":
            return flask.render_template_string(
                CONSENT_PAGE,
                client=grant.client,
                scopes=grant.request.scope.split(),
                user=self.user,
                action=flask.request.full_path,
            )
        decision = flask.request.form.get("decision")
        if decision not in ("allow", "deny"):
            return self.server.handle_error_response(
                None, InvalidRequestError("Post decision=allow or decision=deny.")
            )
        grant_user = self.user if decision == "allow" else None
        response = self.server.create_authorization_response(grant_user=grant_user, grant=grant)
        return self._add_callback_params(response, grant.client)

    def _add_callback_params(self, response, client):
        hook = self.settings.extra_callback_params
        location = response.headers.get("Location")
        if hook is None or response.status_code != 302 or not location:
            return response
        params = dict(parse_qsl(urlsplit(location).query))
        if "code" in params:
            response.headers["Location"] = add_params_to_uri(
                location, list(hook(params, client).items())
            )
        return response

    def _token(self):
        problem = self._token_body_problem()
        if problem:
            return self.server.handle_error_response(None, InvalidRequestError(problem))
        response = self.server.create_token_response()
        if response.status_code == 200:
            response.status_code = self.settings.token_status
        return response

    def _revoke(self):
        problem = self._token_body_problem()
        if problem:
            return self.server.handle_error_response(None, InvalidRequestError(problem))
        return self.server.create_endpoint_response(RevocationEndpoint.ENDPOINT_NAME)

    def _token_body_problem(self):
        request, expected = flask.request, self.settings.token_body
        if expected == "json" and not request.is_json:
            return "The token request body must be JSON (Content-Type: application/json)."
        if expected == "form" and request.is_json:
            return (
                "The token request body must be form-encoded (application/x-www-form-urlencoded)."
            )
        if request.is_json:
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                return "The token request body is not a JSON object."
            if any(isinstance(v, (dict, list)) for v in body.values()):
                return "Token request fields must be strings, not objects or lists."
        return None

    # -- called by authlib --

    def oauth2_request(self):
        """Build authlib's request from Flask's: body per ``token_body``, scope normalised."""
        request = flask.request
        if request.method == "POST" and request.path != self.settings.authorize_path:
            params = _json_params(request) if request.is_json else MultiDict(request.form)
        else:
            params = MultiDict(request.values)
        if "scope" in params:
            separator = self.settings.scope_separator
            params["scope"] = " ".join(
                part for part in params["scope"].replace(separator, " ").split()
            )
        return _SandboxRequest(request, params)

    def save_token(self, token, request):
        now = time.time()
        if request.refresh_token is not None:
            family = request.refresh_token.family
        elif request.authorization_code is not None:
            family = request.authorization_code.code
        else:
            family = generate_token(24)
        ttl = self.settings.refresh_token_ttl
        # A client_credentials token has no resource owner; it acts as the seeded user so that
        # vendor routes can always read current_token().user.
        user = request.user or self.user
        record = Token(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            client_id=request.client.client_id,
            user=user,
            scope=token.get("scope", ""),
            issued_at=now,
            access_expires_at=now + self.settings.access_token_ttl,
            refresh_expires_at=now + ttl if ttl else None,
            family=family,
        )
        self.store.add_token(record)
        # authlib sends this very dict as the response after saving it, so shaping it in place
        # keeps the stored lifetimes intact while each vendor gets its own token JSON.
        response = dict(token)
        if "scope" in response:
            response["scope"] = self.format_scope(response["scope"])
        if not self.settings.include_expires_in:
            response.pop("expires_in", None)
        if self.settings.shape_token_response:
            response = self.settings.shape_token_response(response, record, request.client)
        token.clear()
        token.update(response)


def _json_params(request):
    body = request.get_json(silent=True) or {}
    return MultiDict({key: str(value) for key, value in body.items() if value is not None})


class _Payload(OAuth2Payload):
    def __init__(self, params):
        self._params = params

    @property
    def data(self):
        return self._params

    @property
    def datalist(self):
        return {key: self._params.getlist(key) for key in self._params}


class _SandboxRequest(OAuth2Request):
    def __init__(self, request, params):
        super().__init__(request.method, request.url, headers=request.headers)
        self._args = request.args
        self._params = params
        self.payload = _Payload(params)

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._params


class _Server(AuthorizationServer):
    def __init__(self, provider):
        super().__init__(save_token=provider.save_token)
        self.provider = provider

    def query_client(self, client_id):
        # Looked up on each call: a reset reloads provider.clients.
        return self.provider.clients.get(client_id)

    def create_oauth2_request(self, request):
        return self.provider.oauth2_request()


class _AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def save_authorization_code(self, code, request):
        provider = self.server.provider
        provider.store.add_code(
            AuthorizationCode(
                code=code,
                client_id=request.client.client_id,
                redirect_uri=request.payload.redirect_uri
                if provider.settings.token_requires_redirect_uri
                else None,
                scope=request.scope,
                user=request.user,
                code_challenge=request.payload.data.get("code_challenge"),
                code_challenge_method=request.payload.data.get("code_challenge_method"),
                expires_at=time.time() + provider.settings.code_ttl,
            )
        )

    def query_authorization_code(self, code, client):
        return self.server.provider.store.redeemable_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code):
        authorization_code.used = True

    def authenticate_user(self, authorization_code):
        return authorization_code.user


class _RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    @property
    def INCLUDE_NEW_REFRESH_TOKEN(self):  # noqa: N802 - authlib's name
        return self.server.provider.settings.rotate_refresh_tokens

    def authenticate_refresh_token(self, refresh_token):
        return self.server.provider.store.find_refresh(refresh_token)

    def authenticate_user(self, refresh_token):
        return refresh_token.user

    def revoke_old_credential(self, refresh_token):
        if self.INCLUDE_NEW_REFRESH_TOKEN:
            with self.server.provider.store.lock:
                refresh_token.access_revoked = refresh_token.refresh_revoked = True


class _PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    """For clients whose seed lists the ``password`` grant (ServiceNow's pysnow and PySNC)."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def authenticate_user(self, username, password):
        user = self.server.provider.user
        if user.password is None or username != user.username:
            return None
        return user if hmac.compare_digest(password.encode(), user.password.encode()) else None


class _ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """For clients whose seed lists ``client_credentials``; the token acts as the seeded user."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class _RevocationEndpoint(RevocationEndpoint):
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string, token_type_hint):
        return self.server.provider.store.find_any(token_string)

    def revoke_token(self, token, request):
        self.server.provider.store.revoke(token.access_token)


class _TokenValidator(BearerTokenValidator):
    def __init__(self, store):
        super().__init__()
        self.store = store

    def authenticate_token(self, token_string):
        return self.store.find_access(token_string)

    def validate_token(self, token, scopes, request):
        if token is None:
            raise _TokenRefusedError("invalid", "The access token is not valid.")
        if token.access_revoked:
            raise _TokenRefusedError("revoked", "The access token was revoked.")
        if token.is_expired():
            raise _TokenRefusedError("expired", "The access token expired.")
        if self.scope_insufficient(token.get_scope(), scopes):
            raise InsufficientScopeError()


class _TokenRefusedError(InvalidTokenError):
    def __init__(self, reason, description):
        super().__init__(description=description)
        self.reason = reason


class _Protector(ResourceProtector):
    def __init__(self, provider, render_auth_error):
        super().__init__()
        self.header = provider.settings.token_header
        self.render_auth_error = render_auth_error
        self.register_token_validator(_TokenValidator(provider.store))

    def parse_request_authorization(self, request):
        if self.header.lower() == "authorization":
            return super().parse_request_authorization(request)
        value = request.headers.get(self.header, "").strip()
        if not value:
            raise MissingAuthorizationError(self._default_auth_type, self._default_realm)
        return self.get_token_validator("bearer"), value

    def refusal(self, error, scopes):
        if isinstance(error, InsufficientScopeError):
            failure = AuthFailure(
                403, "insufficient_scope", "The access token lacks a required scope.", scopes
            )
        elif isinstance(error, _TokenRefusedError):
            failure = AuthFailure(401, error.reason, error.description)
        elif isinstance(error, MissingAuthorizationError):
            failure = AuthFailure(401, "missing", f"No access token in the {self.header} header.")
        else:
            failure = AuthFailure(
                401, "invalid", "The access token is malformed or of an unsupported type."
            )
        return flask.make_response(self.render_auth_error(failure))


CONSENT_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Authorize {{ client.name }}</title></head>
<body>
  <main>
    <h1>Authorize {{ client.name }}</h1>
    <p id="signed-in-as">Signed in as {{ user.name }} ({{ user.email }})</p>
    <p>{{ client.name }} asks for access to:</p>
    <ul id="scopes">{% for scope in scopes %}<li>{{ scope }}</li>{% endfor %}</ul>
    <form id="consent" method="post" action="{{ action }}">
      <button type="submit" id="allow" name="decision" value="allow">Allow</button>
      <button type="submit" id="deny" name="decision" value="deny">Deny</button>
    </form>
  </main>
</body>
</html>
"""
