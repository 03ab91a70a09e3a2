"""One HTTP layer for every connector: OAuth tokens, refresh, and one retry policy.

A connector never retries or refreshes on its own. It asks a :class:`VendorSession` for a
request; the session sends it with the connection's token, refreshes once on expiry or 401,
and retries what the connector's ``check_response`` calls retryable (rate limits honour the
vendor's own wait hint), with capped exponential backoff and full jitter in between.

Reads are retried freely. A write (any other method) is sent again only when it certainly
did not reach the vendor — the connection was refused, the vendor rate-limited it, the token
had expired — or when the caller says sending it twice is one effect (``idempotent=True``: it
carries the vendor's idempotency key, or only sets fields to fixed values). A write whose
answer was lost (5xx, timeout, dropped connection) may have been done: it raises
``WriteOutcomeUnknown`` and the tool reads the vendor's state before anything is sent again
(``hub.writes.once``). This is what keeps a retry from posting a second reply.
"""

import logging
import random
import time
from urllib.parse import urljoin

import requests
from authlib.oauth2.rfc6749 import OAuth2Token
from urllib3.exceptions import NewConnectionError

from . import metrics
from .errors import ConnectorError, RateLimited, ReconnectNeeded, VendorUnavailable, WriteOutcomeUnknown
from .oauth import OAuthError, oauth_session

log = logging.getLogger(__name__)

#: Grant errors that mean the refresh token is gone for good, not a passing failure.
DEAD_GRANT = {"invalid_grant", "invalid_client", "unauthorized_client", "access_denied"}
#: Methods that read: sending one twice changes nothing at the vendor (RFC 9110 "safe").
READS = frozenset({"GET", "HEAD", "OPTIONS"})


class RetryPolicy:
    def __init__(self, max_attempts=5, backoff_base=0.5, max_wait=30.0, sleep=time.sleep):
        self.max_attempts, self.backoff_base, self.max_wait = max_attempts, backoff_base, max_wait
        self.sleep = sleep

    @classmethod
    def from_settings(cls, http):
        return cls(http.max_attempts, http.backoff_base, http.max_wait)

    def wait(self, attempt, hint=None):
        """Seconds before ``attempt`` + 1: the vendor's hint if it gave one, else backoff."""
        if hint is not None:
            return min(float(hint), self.max_wait)
        return random.uniform(0, min(self.max_wait, self.backoff_base * 2 ** (attempt - 1)))


class VendorSession:
    """Authenticated, retrying access to one connection's vendor API."""

    def __init__(self, connector, provider, credentials, store, policy=None, timeout=20.0,
                 base_url=None, leeway=30):
        self.connector, self.provider, self.store = connector, provider, store
        self.policy = policy or RetryPolicy()
        self.timeout, self.leeway = timeout, leeway
        self.base_url = (base_url or provider.api_base_url).rstrip("/") + "/"
        token, self._version = store.load()
        if token is None:
            raise ReconnectNeeded(connector.name, "the connection holds no token")
        self._oauth = oauth_session(provider, credentials, token=token, timeout=timeout)
        self.refreshes = 0  # observable in tests and metrics

    @property
    def token(self):
        return dict(self._oauth.token)

    def url(self, path):
        return path if path.startswith(("http://", "https://")) else urljoin(self.base_url, path.lstrip("/"))

    def request(self, method, path, *, idempotent=False, **kwargs):
        """Send a request; return the response or raise a typed ``ConnectorError``.

        ``idempotent=True`` says a write may be sent again after its answer was lost, because
        the vendor treats a repeat as the same request (its idempotency key travels with it) or
        because it only sets fields to fixed values. Reads need not say so.
        """
        url = self.url(path)
        kwargs.setdefault("timeout", self.timeout)
        resendable = idempotent or method.upper() in READS
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            if self._expired():
                self.refresh()
                refreshed = True
            try:
                response = self._oauth.request(method, url, **kwargs)
                if response.status_code == 401 and not refreshed and self._can_refresh():
                    self.refresh()
                    refreshed = True
                    attempt -= 1  # a refresh is not a failed attempt
                    continue
                self.connector.check_response(response)
                return response
            except requests.RequestException as error:
                failure = VendorUnavailable(self.connector.name, f"{type(error).__name__}: {error}")
                sent = not _never_sent(error)
            except ReconnectNeeded as error:
                self.store.mark_reconnect_needed(str(error))
                raise
            except ConnectorError as error:
                if not error.retryable:
                    raise
                failure = error
                sent = not isinstance(error, RateLimited)  # a vendor refuses before it acts
            if sent and not resendable:
                raise WriteOutcomeUnknown(
                    self.connector.name,
                    f"{method} {url}: {failure}; the write may have been done, so it is not sent again "
                    "before the vendor's state is read", failure.status, failure.code) from failure
            if attempt >= self.policy.max_attempts:
                raise failure
            wait = self.policy.wait(attempt, getattr(failure, "retry_after", None))
            log.info("%s %s: %s; retry %d in %.2fs", method, url, failure, attempt, wait)
            self.policy.sleep(wait)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    # -- tokens ------------------------------------------------------------------------------

    def _expired(self):
        token = self._oauth.token
        return bool(token.get("expires_at")) and OAuth2Token(token).is_expired(leeway=self.leeway)

    def _can_refresh(self):
        return bool(self._oauth.token.get("refresh_token"))

    def refresh(self):
        """Refresh the access token once, persisting the rotated token atomically."""
        stored, version = self.store.load()
        if stored and stored.get("access_token") != self._oauth.token.get("access_token"):
            # Another worker already refreshed: adopt its token instead of spending ours.
            self._adopt(stored, version)
            if not self._expired():
                return
        used = self._oauth.token.get("refresh_token")
        if not used:
            self._dead("the access token expired and the vendor issued no refresh token")
        try:
            token = self._oauth.refresh_token(self.provider.token_url, refresh_token=used)
        except OAuthError as error:
            stored, version = self.store.load()
            if stored and stored.get("refresh_token") != used:
                self._adopt(stored, version)  # lost a race with another worker; theirs is good
                return
            if error.error in DEAD_GRANT:
                self._dead(f"token refresh refused: {error.error}: {error.description or ''}".strip())
            raise VendorUnavailable(self.connector.name, f"token refresh failed: {error.error}")
        except requests.RequestException as error:
            raise VendorUnavailable(self.connector.name, f"token refresh failed: {error}")
        token = dict(token)
        token.setdefault("refresh_token", used)
        new_version = self.store.save(token, self._version)
        if new_version is None:
            # Someone wrote a token between our load and save. Ours is newer at the vendor
            # (rotation killed theirs), so write it over the top rather than lose it.
            _, current = self.store.load()
            new_version = self.store.save(token, current)
        self._version = new_version or self._version
        self.refreshes += 1

    def _adopt(self, token, version):
        self._oauth.token = token
        self._version = version

    def _dead(self, reason):
        self.store.mark_reconnect_needed(reason)
        metrics.token_refresh_failed(self.connector.name)
        raise ReconnectNeeded(self.connector.name, reason)


def _never_sent(error):
    """Whether a request failed before any byte of it could reach the vendor."""
    if isinstance(error, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    # A refused connection: requests wraps urllib3's NewConnectionError in a MaxRetryError.
    reason = getattr(error.args[0] if error.args else None, "reason", None)
    return isinstance(error, requests.ConnectionError) and isinstance(reason, NewConnectionError)
