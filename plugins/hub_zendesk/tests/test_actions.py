"""Action tools and escalation: their effect is read back from the sandbox's own state."""

import pytest
from hub.errors import ConnectorError


def comments(harness, ticket_id):
    return harness.vendor_state("ticket", ticket_id)["comments"]


def test_reply_is_public(fresh, connection):
    result = fresh.call("zendesk.reply", connection, {"ticket_id": "104", "body": "Try the new link we just sent."},
                        idempotency_key="run1-reply")
    last = comments(fresh, "104")[-1]
    assert (last["body"], last["public"], str(last["id"])) == ("Try the new link we just sent.", True, result["comment_id"])
    # An agent's first public answer opens a new ticket, as in Zendesk.
    assert result["status"] == "open" and result["duplicate"] is False


def test_note_is_internal(fresh, connection):
    fresh.call("zendesk.add_note", connection, {"ticket_id": "107", "body": "Order 1051 not yet packed."},
               idempotency_key="run2-note")
    last = comments(fresh, "107")[-1]
    assert (last["body"], last["public"]) == ("Order 1051 not yet packed.", False)


@pytest.mark.parametrize("tool", ["zendesk.reply", "zendesk.add_note"])
def test_repeated_call_posts_once(fresh, connection, tool):
    arguments = {"ticket_id": "101", "body": "Your grinder left our warehouse today."}
    first = fresh.call(tool, connection, arguments, idempotency_key="run3-step4")
    again = fresh.call(tool, connection, arguments, idempotency_key="run3-step4")
    assert again["comment_id"] == first["comment_id"] and again["duplicate"] is True
    assert [c["body"] for c in comments(fresh, "101")].count(arguments["body"]) == 1
    # Another step with the same text is another comment.
    fresh.call(tool, connection, arguments, idempotency_key="run3-step9")
    assert [c["body"] for c in comments(fresh, "101")].count(arguments["body"]) == 2


def test_set_status(fresh, connection):
    result = fresh.call("zendesk.set_status", connection, {"ticket_id": "110", "status": "on_hold"})
    assert result == {"ticket_id": "110", "status": "on_hold", "previous": "new", "changed": True}
    assert fresh.vendor_state("ticket", "110")["status"] == "hold"
    again = fresh.call("zendesk.set_status", connection, {"ticket_id": "110", "status": "hold"})
    assert again["changed"] is False


def test_set_tags_replace_add_remove(fresh, connection):
    call = lambda **args: fresh.call("zendesk.set_tags", connection, {"ticket_id": "111", **args})
    assert call(tags=["account", "Locked"], mode="replace")["tags"] == ["account", "locked"]
    assert call(tags=["two_factor"], mode="add")["tags"] == ["account", "locked", "two_factor"]
    assert call(tags=["locked"], mode="remove")["tags"] == ["account", "two_factor"]
    assert call(tags=["two_factor"], mode="add")["changed"] is False


def test_closed_ticket_refuses_with_zendesks_reason(fresh, connection):
    with pytest.raises(ConnectorError) as error:
        fresh.call("zendesk.reply", connection, {"ticket_id": "115", "body": "Any news?"})
    assert error.value.status == 422 and error.value.code == "RecordInvalid"
    assert "Status: closed prevents ticket update" in error.value.message
    assert comments(fresh, "115")[-1]["body"] != "Any news?"


def test_escalate_assigns_the_group_and_leaves_an_internal_note(fresh, connection):
    result = fresh.call("zendesk.escalate", connection, {
        "ticket_id": "106", "group": "tier 2", "note": "Tracking still dead after 48h; courier claim needed."},
        idempotency_key="run5-escalate")
    state = fresh.vendor_state("ticket", "106")
    assert state["assignment"] == {"group": "Tier 2", "group_id": 360000000002, "assignee": None, "assignee_id": None}
    note = state["comments"][-1]
    assert (note["body"], note["public"]) == ("Tracking still dead after 48h; courier claim needed.", False)
    assert result == {"ticket_id": "106", "group_id": "360000000002", "group": "Tier 2",
                      "note_id": str(note["id"]), "duplicate": False}

    again = fresh.call("zendesk.escalate", connection, {
        "ticket_id": "106", "group": "Tier 2", "note": "Tracking still dead after 48h; courier claim needed."},
        idempotency_key="run5-escalate")
    assert again["duplicate"] is True and again["note_id"] == result["note_id"]
    assert len(fresh.vendor_state("ticket", "106")["comments"]) == len(state["comments"])


def test_escalate_to_an_unknown_group_names_the_known_ones(fresh, connection):
    with pytest.raises(ConnectorError, match="no group named 'Tier 3'.*Billing, IT Service Desk, Support, Tier 2"):
        fresh.call("zendesk.escalate", connection, {"ticket_id": "106", "group": "Tier 3", "note": "help"})
    assert fresh.vendor_state("ticket", "106")["assignment"]["group"] == "Support"
