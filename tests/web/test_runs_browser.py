"""The runs list in headless Chromium at a desktop and a phone width: the filters work under the
app's strict Content-Security-Policy — picking a state applies it (a static script), and the
Apply button alone does too, with scripts off — search, paging and export link keep the filter.
Screenshots go to test-artifacts/web/ like the other browser tests'."""

import pytest

from test_browser import ARTIFACTS, browser, served, shot, sign_in  # noqa: F401 (fixtures and helpers)
from test_runs import _listed, add_runs

pytestmark = pytest.mark.browser
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_page(browser):
    contexts = []

    def make(viewport, scripts=True):
        context = browser.new_context(viewport=viewport, java_script_enabled=scripts)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        blocked = []
        page.on("console", lambda message: blocked.append(message.text)
                if "Content Security Policy" in message.text else None)
        page.blocked = blocked
        return page

    yield make
    for context in contexts:
        context.close()


def test_state_filter_applies_when_picked_at_desktop_width(open_page, served):
    add_runs(served.hub)
    page = open_page(DESKTOP)
    sign_in(page, served, "analyst")
    page.click("nav a:has-text('Runs')")
    assert "120 runs, 1–50 shown" in page.inner_text("#found")
    shot(page, "runs-1280")

    page.select_option("select[name=state]", "resolved")  # no button pressed: the script submits
    page.wait_for_url("**/runs?state=resolved**")
    assert page.inner_text("#found").startswith("1 run ")
    assert len(_listed(page.content())) == 1 and page.inner_text("td.state") == "resolved"
    shot(page, "runs-1280-resolved")

    page.select_option("select[name=state]", "")
    page.wait_for_url(lambda url: "state=" in url and "state=resolved" not in url)
    page.fill("input[name=q]", "#1001")
    page.click("#apply")
    page.wait_for_url("**q=%231001**")
    assert page.inner_text("#found").startswith("5 runs")
    assert page.get_attribute("#export", "href") == "/runs.csv?q=%231001"
    assert page.blocked == [], page.blocked


def test_filter_with_the_button_at_phone_width_scripts_off(open_page, served):
    add_runs(served.hub)
    page = open_page(PHONE, scripts=False)
    sign_in(page, served, "analyst")
    page.goto(f"{served.url}/runs")
    page.select_option("select[name=connector]", "servicenow")
    page.select_option("select[name=state]", "escalated")
    assert "state=" not in page.url  # nothing happens until Apply, without the script
    page.fill("input[name=q]", "bob")
    page.click("#apply")
    page.wait_for_url("**connector=servicenow**")
    assert "state=escalated" in page.url and "q=bob" in page.url
    assert page.inner_text("#found").startswith("59 runs, 1–50 shown")  # Bob's run 7 was resolved
    assert page.locator("#apply").is_visible()
    # The page itself stays phone-wide; only the table scrolls inside its box.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "runs-390-servicenow-bob")

    page.click("#next")
    page.wait_for_url("**page=2**")
    assert "connector=servicenow" in page.url and page.inner_text("#found").startswith("59 runs, 51–59 shown")
    shot(page, "runs-390-page-2")
    assert (ARTIFACTS / "runs-390-page-2.png").stat().st_size > 0
