"""The demo's operator: signs in to the hub's web app and connects each vendor the way a person
does in a browser — Connect on the connectors page, the vendor's consent page, the callback."""

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import requests

from ..sandbox import give_consent
from .backlog import DemoError

CSRF_FIELD = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]*)"')
CONNECTION_PAGE = re.compile(r"^/connections/([0-9a-f]+)$")


class Browser:
    """A cookie-keeping HTTP client on the hub's web app at ``base_url``."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.http = requests.Session()

    def close(self):
        self.http.close()

    def _csrf_token(self, path):
        page = self.http.get(self.base_url + path, timeout=30)
        match = CSRF_FIELD.search(page.text)
        if page.status_code != 200 or not match:
            raise DemoError(f"the hub's page {path} answered {page.status_code} without a form to submit")
        return unescape(match.group(1))

    def has_sign_in(self):
        return self.http.get(self.base_url + "/login", timeout=30).status_code == 200

    def sign_in(self, email, password):
        form = {"email": email, "password": password, "next": "", "csrf_token": self._csrf_token("/login")}
        answer = self.http.post(self.base_url + "/login", data=form, allow_redirects=False, timeout=30)
        if answer.status_code != 302:
            raise DemoError(f"signing in to the hub as {email} answered {answer.status_code}")

    def connect(self, connector, instance):
        """Connect → consent → callback; return the new connection's id."""
        form = {"instance": instance, "csrf_token": self._csrf_token("/connectors")}
        answer = self.http.post(f"{self.base_url}/connectors/{connector}/connect", data=form,
                                allow_redirects=False, timeout=30)
        authorize_url = answer.headers.get("Location", "")
        if answer.status_code != 302 or not authorize_url.startswith(("http://", "https://")):
            raise DemoError(f"Connect {connector} on the hub answered {answer.status_code}, not a redirect to the vendor")
        callback = give_consent(authorize_url)  # the vendor's consent page, answered "allow"
        if not callback.startswith(self.base_url + "/"):
            raise DemoError(f"{connector}'s consent page sent the browser to {callback}, not the hub")
        answer = self.http.get(callback, allow_redirects=False, timeout=60)
        landed = urlsplit(urljoin(callback, answer.headers.get("Location", ""))).path
        found = CONNECTION_PAGE.match(landed)
        if answer.status_code != 302 or not found:
            raise DemoError(f"the hub's callback for {connector} answered {answer.status_code}: "
                            f"{_visible_text(answer.text)[:300]}")
        return found.group(1)


def _visible_text(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html or "")).strip()
