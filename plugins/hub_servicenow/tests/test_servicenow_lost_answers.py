"""Writes whose answer is lost (the instance makes the change, then answers 503 or hangs up):
one comment, one catalog order, one password reset — found again before anything is resent."""

import pytest

from hub.errors import VendorUnavailable

pytestmark = pytest.mark.usefixtures("fresh")

INC1 = "9d385017c611228701d22104cc950101"
ABEL = "a8f98bb0eb32010045e1a5115206fe05"  # locked out; the Password Reset item completes at once
EVERY_ATTEMPT = 50


def call(harness, connection, tool, key, **arguments):
    return harness.call(f"servicenow.{tool}", connection, arguments, idempotency_key=key)


def journal_bodies(harness, incident):
    return [entry["body"] for entry in harness.vendor_state("incident", incident)["comments"]]


def requested_items(harness, connection, user_sys_id, item_name):
    rows = harness.hub.session(connection).get("api/now/table/sc_req_item", params={
        "sysparm_query": f"requested_for={user_sys_id}^cat_item.name={item_name}",
        "sysparm_fields": "number,correlation_id"}).json()["result"]
    return rows


@pytest.mark.parametrize("fault", ["lost_answer", "dropped_answer"])
@pytest.mark.parametrize("tool", ["comment", "work_note"])
def test_a_journal_entry_whose_answer_is_lost_is_written_once(harness, connection, tool, fault):
    harness.faults(**{fault: 1})
    result = call(harness, connection, tool, "run-1:reply", incident="INC0010001", text="We have reset your VPN token.")
    assert harness.control("GET", "faults")["injected"][fault] == 1
    assert sum(body.startswith("We have reset your VPN token.") for body in journal_bodies(harness, INC1)) == 1
    assert result["already_posted"]


def test_a_password_reset_whose_answer_is_lost_is_ordered_once(harness, connection):
    harness.faults(lost_answer=1)
    reset = call(harness, connection, "reset_password", "run-2:reset", email="abel.tuter@example.com")
    [item] = requested_items(harness, connection, ABEL, "Password Reset")
    assert reset["already_requested"] and reset["number"] == item["number"]
    assert item["correlation_id"] == "helpdesk-hub:run-2:reset"  # claimed for the step that made it


def test_a_reset_whose_every_answer_was_lost_is_found_when_the_step_is_tried_again(harness, connection):
    """The order went through, its answer did not, and the step gave up; the item is closed
    at once, so only the time of the step's first attempt tells it from older resets."""
    from datetime import datetime, timezone

    started = datetime.now(timezone.utc)
    harness.faults(lost_answer=EVERY_ATTEMPT)
    with pytest.raises(VendorUnavailable):
        harness.hub.call("servicenow.reset_password", connection, {"email": "abel.tuter@example.com"},
                         idempotency_key="run-3:reset", first_attempt_at=started)
    harness.clear_faults()
    retried = harness.hub.call("servicenow.reset_password", connection, {"email": "abel.tuter@example.com"},
                               idempotency_key="run-3:reset", first_attempt_at=started)
    [item] = requested_items(harness, connection, ABEL, "Password Reset")
    assert retried["already_requested"] and retried["number"] == item["number"]

    # A later step (another ticket) is another reset: the claimed item is not taken for it.
    later = call(harness, connection, "reset_password", "run-4:reset", email="abel.tuter@example.com")
    assert later["ordered"] and len(requested_items(harness, connection, ABEL, "Password Reset")) == 2


def test_a_catalog_order_whose_answer_is_dropped_is_ordered_once(harness, connection):
    harness.faults(dropped_answer=1)
    ordered = call(harness, connection, "order_catalog_item", "run-5:order", item="Figma", email="ada@example.com")
    ada = harness.hub.call("servicenow.find_user", connection, {"email": "ada@example.com"})["user"]["sys_id"]
    [item] = requested_items(harness, connection, ada, "Figma")
    assert ordered["already_requested"] and ordered["number"] == item["number"]


def test_an_escalation_whose_answer_is_lost_leaves_one_note(harness, connection):
    harness.faults(lost_answer=1)
    result = call(harness, connection, "escalate", "run-6:escalate", ticket_id="INC0010001", group="IAM",
                  note="Needs a temporary access pass.")
    state = harness.vendor_state("incident", INC1)
    assert result["already_escalated"] and state["assignment"]["group"] == "IAM"
    assert sum(e["body"].startswith("Needs a temporary access pass.") for e in state["comments"]) == 1


def test_a_resolution_whose_answer_is_lost_is_sent_again(harness, connection):
    harness.faults(lost_answer=1)
    result = call(harness, connection, "resolve", "run-7:solve", incident="INC0010001",
                  close_code="Solution provided", close_notes="Token reset.")
    assert result["status"] == "solved" and harness.vendor_state("incident", INC1)["record"]["state"] == "6"
