"""An approver approves part of a large refund from the queue in headless Chromium, and the
money moves once: the whole chain is real — a Zendesk ticket, the refund flow against the
Shopify sandbox, the queue page, a `hub worker` that resumes the run, the customer's reply.
Screenshots go to test-artifacts/web/ like the other browser tests'."""

from decimal import Decimal

import pytest

from test_browser import browser, shot  # noqa: F401 (the browser fixture and the screenshot helper)
from web_helpers import PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def world(tmp_path, redis_url):
    from hub.testing.world import World

    built = World(tmp_path, redis_url)
    try:
        yield built
    finally:
        built.stop()


def _signed_in(browser, world, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{world.url}/login")
    page.fill("input[name=email]", "approver@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#whoami")
    return context, page


def test_approve_a_partial_refund_from_the_queue(browser, world):
    from hub import accounts, inbound
    from hub.db import session_scope
    from hub.models import Effect
    from sqlmodel import select

    accounts.add_operator(world.hub, "approver@example.com", PASSWORD, "approver")
    ticket = world["zendesk"].ticket("ada@example.com", "Refund please",
                                  "I want a refund for the whole of order #1026, everything arrived damaged.")
    world.wait_for_events(1)
    world.work()
    [run] = world.runs()
    assert (run.flow, run.state.value) == ("refund", "waiting_approval"), run.reason

    phone, small = _signed_in(browser, world, {"width": 390, "height": 844})
    small.goto(f"{world.url}/approvals")
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    shot(small, "approvals-partial-390")
    phone.close()

    context, page = _signed_in(browser, world, {"width": 1280, "height": 800})
    page.click("nav a:has-text('Approvals')")
    item = page.locator("section.approval").first
    assert "everything arrived damaged" in item.locator("blockquote.customer-words").inner_text()
    assert "115.50" in item.locator(".proposed .amount").inner_text()
    assert "refund_auto_max is 50" in item.locator(".rule").inner_text()
    assert item.locator("a.run-link").get_attribute("href") == f"/runs/{run.id}"
    shot(page, "approvals-partial-1280")
    item.locator("input[name=amount]").fill("40.00")
    item.locator("input[name=note]").fill("the mug survived; the rest refunded")
    item.locator("button[value=approve]").click()
    page.wait_for_selector("p.flash.ok:has-text('approved for 40.00')")
    page.wait_for_selector("#none-pending")
    shot(page, "approvals-partial-approved")

    world.work()
    [run] = world.runs()
    assert run.state.value == "resolved", run.reason
    with session_scope(world.hub.engine) as session:
        [refund] = session.exec(select(Effect).where(Effect.tool == "shopify.refund")).all()
    assert Decimal(refund.arguments["amount"]) == Decimal("40.00") and Decimal(refund.result["amount"]) == Decimal("40.00")
    assert refund.attempts == 1
    [told] = world["zendesk"].replies(ticket["id"])
    assert "refunded US$40.00" in told and "115.50" not in told

    inbound.schedule(world.hub, run.id)  # a duplicate job for the finished run moves no money
    world.work()
    order = world.hub.call("shopify.get_order", world.connections["shopify"], {"order_id": "#1026"})
    assert Decimal(order["refunded"]["amount"]) == Decimal("40.00") and len(order["refunds"]) == 1

    page.goto(f"{world.url}/runs/{run.id}")
    assert "approved shopify.refund for 40.00 instead of 115.50" in page.inner_text("#timeline")
    shot(page, "approvals-partial-run")
    context.close()
