"""After sign-in the hub follows ``next`` only to a path on its own site (issue #13, item 6)."""

import html
import re
from urllib.parse import quote, urljoin

import pytest

from web_helpers import PASSWORD, csrf_of

SITE = "https://hub.example.com/"

#: Values an attacker can put in a sign-in link, each of which some browser reads as another
#: site (or which cannot go into a Location header at all).
HOSTILE = [
    "//evil.example",
    "/\t/evil.example",  # the browser drops the tab and sees //evil.example
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\r\nSet-Cookie: hub_session=planted",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/ /evil.example",
    " //evil.example",
    "///evil.example",
    "https://evil.example/",
    "http:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "/\u3000/evil.example",  # an ideographic space
    "/\x00/evil.example",
    "/" + "a" * 5000,
    "",
]

SAFE = ["/", "/runs", "/runs/abc?state=failed&page=2", "/approvals#pending", "/%2F%2Fevil.example"]


def sign_in(app, link):
    """Follow a sign-in ``link`` as a browser would: the page carries ``next`` in its form."""
    client = app.test_client()
    page = client.get(link).get_data(as_text=True)
    carried = re.search(r'name="next" value="([^"]*)"', page).group(1)
    return client.post("/login", data={"email": "admin@example.com", "password": PASSWORD,
                                       "next": html.unescape(carried), "csrf_token": csrf_of(page)})


def link_to(next_value):
    return "/login?next=" + quote(next_value, safe="")


def test_the_reported_link_does_not_leave_the_site(app):
    response = sign_in(app, "/login?next=/%09/evil.example")
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("next_value", HOSTILE, ids=lambda value: repr(value)[:40])
def test_hostile_next_lands_on_the_home_page(app, next_value):
    response = sign_in(app, link_to(next_value))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("next_value", SAFE)
def test_same_site_next_is_followed(app, next_value):
    response = sign_in(app, link_to(next_value))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == next_value
    # However a browser resolves it, it stays on the hub's own origin.
    assert urljoin(SITE, location).startswith(SITE)


def test_the_sign_in_link_a_guarded_page_builds_round_trips(app):
    bounced = app.test_client().get("/runs?state=failed")
    assert bounced.status_code == 302
    response = sign_in(app, bounced.headers["Location"])
    assert response.headers["Location"] == "/runs?state=failed"
