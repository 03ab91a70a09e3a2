"""The outcomes dashboard and statement in headless Chromium: the charts are drawn, the cards
show the known month's figures, a filter narrows them, and the strict Content-Security-Policy
blocks nothing. Screenshots go to test-artifacts/web/ like the other browser tests'."""

import pytest


from outcomes_story import tell_in
from test_browser import browser, page, served, shot, sign_in  # noqa: F401 (fixtures and helpers)

pytestmark = pytest.mark.browser
MAY = "start=2026-05-01&end=2026-05-31"


@pytest.fixture
def told(served, web_config, monkeypatch):
    return tell_in(served.hub, web_config, monkeypatch)


def test_analyst_reads_the_dashboard_and_filters_it(page, served, told):
    blocked = []
    page.on("console", lambda message: blocked.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in(page, served, "analyst")
    page.click("nav a:has-text('Dashboard')")
    page.wait_for_selector("#filters")
    page.goto(f"{served.url}/dashboard?{MAY}")

    assert page.inner_text("#kpi-true-resolution .figure") == "57.1%"
    assert page.inner_text("#kpi-mttr-median .figure") == "32 min"
    assert page.inner_text("#kpi-sla .figure") == "71.4%"
    assert page.inner_text("#kpi-runs .figure") == "8"
    busy_days = page.locator("#chart-volume rect.bar:not([data-value='0'])")
    assert busy_days.count() == 8
    assert all(busy_days.nth(i).is_visible() for i in range(8))
    points = page.locator("#chart-true-resolution circle.point")
    assert points.count() == 7 and points.first.is_visible()
    box = points.first.bounding_box()
    assert box and box["width"] > 0 and box["height"] > 0
    assert page.locator("#chart-forecast g.series-forecast rect.bar").count() == 14
    assert page.locator("#chart-forecast").is_visible()
    assert "Holt-Winters" in page.inner_text("#forecast-summary")
    shot(page, "dashboard-may")

    page.select_option("select[name=connector]", "servicenow")
    page.click("#apply")
    page.wait_for_url("**connector=servicenow**")
    assert page.inner_text("#kpi-runs .figure") == "2"
    assert page.inner_text("#kpi-true-resolution .figure") == "50.0%"
    assert page.locator("#chart-volume rect.bar:not([data-value='0'])").count() == 2
    shot(page, "dashboard-may-servicenow")

    page.fill("input[name=start]", "2026-06-30")
    page.click("#apply")
    page.wait_for_selector("#filter-error")
    assert "is before the start day" in page.inner_text("#filter-error")
    assert blocked == [], blocked


def test_analyst_reads_the_statement(page, served, told):
    sign_in(page, served, "analyst")
    page.goto(f"{served.url}/reports/statement?month=2026-05")
    assert page.inner_text("#total-total .amount") == "4.25"
    assert page.locator("#billed-lines tr[id]").count() == 3
    page.click("#line-R1 a")
    page.wait_for_url(f"{served.url}/runs/R1")
    shot(page, "statement-run-evidence")
    page.go_back()
    shot(page, "statement-may")
