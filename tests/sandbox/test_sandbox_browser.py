"""The consent page driven by a real browser (headless Chromium through Playwright)."""

import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from authlib.common.security import generate_token
from playwright import sync_api as playwright_api  # a test extra: `make install` puts it in

from hub.testing.services import require_service
from sandbox_toy import hub_session, query

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    require_service("Chromium", "not on PATH (Debian: apt-get install chromium)", module=True)

# Chromium must not try to reach the network: this machine has none beyond loopback.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class CallbackHandler(BaseHTTPRequestHandler):
    """Stands in for the hub's OAuth callback route."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"connected")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def callback_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), CallbackHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/callback"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("button", ["#allow", "#deny"])
def test_a_browser_clicks_through_the_consent_page(toy, page, callback_url, button):
    _, server = toy
    session = hub_session(redirect_uri=callback_url)
    verifier = generate_token(48)
    url, state = session.create_authorization_url(
        server.url + "/oauth/authorizations/new", code_verifier=verifier
    )
    page.goto(url)
    assert page.title() == "Authorize helpdesk-hub (confidential)"
    assert page.inner_text("#signed-in-as") == "Signed in as Ada Admin (ada@example.com)"
    assert page.locator("#scopes li").all_inner_texts() == ["read", "write"]

    with page.expect_navigation(url=lambda url: url.startswith(callback_url)):
        page.click(button)
    assert page.inner_text("body") == "connected"
    callback = query(page.url)
    assert callback["state"] == state
    if button == "#deny":
        assert callback["error"] == "access_denied"
        return
    session.fetch_token(
        server.url + "/oauth/tokens", authorization_response=page.url, code_verifier=verifier
    )
    assert session.get(server.url + "/api/v2/tickets").status_code == 200
