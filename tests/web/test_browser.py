"""The setup pages in headless Chromium (Playwright): sign in, OAuth-connect all four
sandboxes through their consent pages, see the scopes, disconnect; roles in the browser.

Chromium is Debian's (/usr/bin/chromium); nothing is downloaded. Screenshots go to
test-artifacts/web/.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
import yaml
from playwright import sync_api as playwright_api  # a test extra: `make install` puts it in

from hub.testing.services import require_service

from web_helpers import CHROMIUM, PASSWORD, ServedApp, free_port

if not shutil.which(CHROMIUM):
    require_service("Chromium", "not at /usr/bin/chromium (Debian: apt-get install -y chromium)", module=True)

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
ALLOW = re.compile(r"allow|authori[sz]e|approve|accept|grant|install", re.IGNORECASE)


@pytest.fixture(scope="module")
def sandboxes():
    """All four installed sandboxes on free ports; the HTTPS one's local CA trusted by requests."""
    from hub.sandbox import discover, ensure_certificates, run_all
    from hub.testing.harness import TLS_DIRECTORY

    factories = discover()
    assert {"zendesk", "servicenow", "salesforce", "shopify"} <= set(factories)
    saved = os.environ.get("REQUESTS_CA_BUNDLE")
    os.environ["REQUESTS_CA_BUNDLE"] = str(ensure_certificates(TLS_DIRECTORY).ca)
    running = run_all(factories, tls_dir=TLS_DIRECTORY)
    yield running
    for server in running.values():
        server.stop()
    if saved is None:
        os.environ.pop("REQUESTS_CA_BUNDLE", None)
    else:
        os.environ["REQUESTS_CA_BUNDLE"] = saved


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def served(web_config):
    """The hub under waitress on a free port, public_url pointing at it."""
    from hub import accounts
    from hub.app import create_app
    from hub.db import upgrade
    from hub.runtime import Hub

    port = free_port()
    path = web_config / "settings.yaml"
    settings = yaml.safe_load(path.read_text())
    settings["public_url"] = f"http://127.0.0.1:{port}"
    path.write_text(yaml.safe_dump(settings))
    hub = Hub.load(web_config, env={})
    upgrade(hub.engine)
    for role in ("admin", "approver", "analyst"):
        accounts.add_operator(hub, f"{role}@example.com", PASSWORD, role)
    server = ServedApp(create_app(hub), port)
    server.hub, server.url = hub, settings["public_url"]
    yield server
    server.stop()
    hub.engine.dispose()


@pytest.fixture
def page(browser):
    # The Salesforce sandbox's certificate comes from a local CA Chromium does not know.
    context = browser.new_context(ignore_https_errors=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def sign_in(page, served, role):
    page.goto(f"{served.url}/login")
    page.fill("input[name=email]", f"{role}@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#whoami")
    assert f"{role}@example.com" in page.inner_text("#whoami")


def test_connect_each_sandbox_see_scopes_disconnect(page, served, sandboxes):
    sign_in(page, served, "admin")
    shot(page, "home-admin")
    for name in ("zendesk", "servicenow", "salesforce", "shopify"):
        page.goto(f"{served.url}/connectors")
        section = page.locator(f"#connector-{name}")
        section.locator("input[name=instance]").fill(f"127.0.0.1:{sandboxes[name].port}")
        section.locator("button[type=submit]").click()
        page.wait_for_url(re.compile(rf"^{re.escape(sandboxes[name].url)}/"))  # the vendor's consent page
        shot(page, f"{name}-consent")
        page.get_by_role("button", name=ALLOW).first.click()
        page.wait_for_url(re.compile(rf"^{re.escape(served.url)}/connections/[0-9a-f]{{32}}$"))
        assert page.inner_text("#status") == "connected", page.content()
        granted = page.locator("#scopes td:has-text('granted')")
        assert granted.count() >= 1, f"{name}: no granted scopes shown"
        shot(page, f"{name}-connected")
        page.click("#disconnect")
        page.wait_for_selector("#status:has-text('disconnected')")
        shot(page, f"{name}-disconnected")
    from hub.db import session_scope
    from hub.models import Connection
    from sqlmodel import select

    with session_scope(served.hub.engine) as session:
        rows = session.exec(select(Connection)).all()
    assert sorted(row.connector for row in rows) == ["salesforce", "servicenow", "shopify", "zendesk"]
    assert all(row.token_ciphertext is None and row.status.value == "disconnected" for row in rows)


def test_analyst_cannot_reach_admin_pages(page, served):
    sign_in(page, served, "analyst")
    assert "Connectors" not in page.inner_text("nav")
    response = page.goto(f"{served.url}/connectors")
    assert response.status == 403
    assert "does not have the connections.view permission" in page.content()
    shot(page, "analyst-forbidden")


def test_approver_can_approve(page, served):
    from hub.agent import approvals
    from hub.db import session_scope
    from hub.models import Approval, Connection, Run, RunState, Ticket

    with session_scope(served.hub.engine) as session:
        connection = Connection(connector="shopify", instance="127.0.0.1:1", api_base_url="http://127.0.0.1:1")
        session.add(connection)
        session.flush()
        ticket = Ticket(connection_id=connection.id, remote_id="7", number="7", subject="Damaged mug")
        session.add(ticket)
        session.flush()
        run = Run(ticket_id=ticket.id, flow="refund", intent="refund_request", confidence=0.91,
                  state=RunState.waiting_approval, facts={"order": "1002"})
        session.add(run)
        session.flush()
        approval = Approval(run_id=run.id, node="refund", tool="shopify.refund_order",
                            arguments={"order_id": "1002"}, summary="Refund the damaged mug", confidence=0.91)
        session.add(approval)
    sign_in(page, served, "approver")
    page.goto(f"{served.url}/approvals")
    assert "Refund the damaged mug" in page.content()
    shot(page, "approvals-pending")
    page.locator(f"#approval-{approval.id} button[value=approve]").click()
    page.wait_for_selector("#none-pending")
    shot(page, "approvals-approved")
    assert approvals.get(served.hub, approval.id)["state"] == "approved"


def test_admin_switches_a_rollout_mode_and_adds_an_analyst(page, served):
    sign_in(page, served, "admin")
    page.click("nav a:has-text('Policy and flows')")
    row = page.locator("#intent-order_status")
    assert "autonomous" in row.locator("td.mode").inner_text()
    row.locator("select[name=mode]").select_option("approval")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("p.flash.ok:has-text('Saved policy.yaml')")
    assert page.locator("#intent-order_status td.mode").inner_text() == "approval"
    shot(page, "policy-rollout-mode")
    assert served.hub.agent.policy.mode_for("order_status") == "approval"  # the running hub, no restart
    assert "  order_status: {mode: approval}\n" in (served.hub.config_path / "policy.yaml").read_text()

    page.click("nav a:has-text('Users')")
    form = page.locator("#add-operator")
    form.locator("input[name=email]").fill("new.analyst@example.com")
    form.locator("select[name=role]").select_option("analyst")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("input[name=password_again]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_selector("p.flash.ok:has-text('Added new.analyst@example.com')")
    added = page.locator("#operators tr", has_text="new.analyst@example.com")
    assert added.locator("td.role").inner_text() == "analyst"
    shot(page, "users-analyst-added")

    page.click("header button:has-text('Sign out')")
    sign_in(page, served, "new.analyst")
    assert "Users" not in page.inner_text("nav") and "Policy" not in page.inner_text("nav")
    assert page.goto(f"{served.url}/users").status == 403
