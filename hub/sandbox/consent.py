"""Drive a sandbox's consent page from a script, exactly as a browser would.

The demo, the conformance suite and vendor tests all connect the hub this way: GET the
authorization URL, submit the page's form with the chosen button, read the redirect.
"""

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class ConsentError(RuntimeError):
    """The authorization URL did not lead to a consent page, or the decision was not accepted."""


def give_consent(authorization_url, decision="allow", session=None):
    """Answer the consent page at ``authorization_url`` with ``decision`` ("allow" or "deny")
    and return the callback URL the sandbox redirects to (with ``code`` or ``error``).

    ``session``: a ``requests.Session`` to use (e.g. with ``verify`` set for an HTTPS sandbox).
    """
    if decision not in ("allow", "deny"):
        raise ValueError(f"decision must be 'allow' or 'deny', not {decision!r}")
    session = session or requests.Session()
    page = session.get(authorization_url, allow_redirects=False)
    if page.status_code != 200:
        raise ConsentError(
            f"no consent page at {authorization_url}: {page.status_code} {page.text[:200]}"
        )
    form = _ConsentForm()
    form.feed(page.text)
    if form.action is None:
        raise ConsentError(f"{authorization_url} answered without a consent form")
    answer = session.post(
        urljoin(authorization_url, form.action),
        data={"decision": decision},
        allow_redirects=False,
    )
    if answer.status_code != 302 or "Location" not in answer.headers:
        raise ConsentError(f"consent not accepted: {answer.status_code} {answer.text[:200]}")
    return answer.headers["Location"]


class _ConsentForm(HTMLParser):
    def __init__(self):
        super().__init__()
        self.action = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == "consent":
            self.action = attributes.get("action", "")
