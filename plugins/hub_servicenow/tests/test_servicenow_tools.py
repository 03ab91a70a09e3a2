"""ServiceNow tools through a connected hub, with their effects checked in the sandbox's state."""

import pytest

from hub.errors import ConnectorError, NotFound, ToolRefused
from hub.ingest import NormalizedTicket

pytestmark = pytest.mark.usefixtures("fresh")

INC1 = "9d385017c611228701d22104cc950101"  # New, Ada, unassigned
INC2 = "9d385017c611228701d22104cc950102"  # In Progress, Ada, with a comment and a work note


def call(harness, connection, tool, key=None, **arguments):
    return harness.call(f"servicenow.{tool}", connection, arguments, idempotency_key=key)


def journal(harness, incident):
    return harness.vendor_state("incident", incident)["comments"]


# -- lookups ------------------------------------------------------------------------------------


def test_get_incident_by_number_or_sys_id_with_journal(harness, connection):
    by_number = call(harness, connection, "get_incident", incident="INC0010002")
    assert by_number == call(harness, connection, "get_incident", incident=INC2)
    assert by_number["status"] == "open" and by_number["priority"] == "low"
    assert by_number["caller"] == {"sys_id": "a8f98bb0eb32010045e1a5115206fe04", "email": "ada@example.com",
                                   "name": "Ada Lovelace"}
    assert by_number["assignment_group"] == "Service Desk"
    assert [(j["kind"], j["public"], j["author"]) for j in by_number["journal"]] == [
        ("comment", True, "ada.lovelace"), ("work_note", False, "beth.anglin")]


def test_get_incident_unknown_is_not_found(harness, connection):
    with pytest.raises(NotFound, match="INC0099999"):
        call(harness, connection, "get_incident", incident="INC0099999")
    with pytest.raises(NotFound, match="No Record found"):
        call(harness, connection, "get_incident", incident="0" * 32)


def test_list_incidents_follows_every_page(harness, connection):
    result = call(harness, connection, "list_incidents", email="ada@example.com", page_size=2)
    assert result["count"] == 5 and result["pages"] == 3
    assert [i["number"] for i in result["incidents"]] == [
        "INC0010003", "INC0010002", "INC0010001", "INC0010004", "INC0010005"]
    active = call(harness, connection, "list_incidents", email="ada@example.com", active_only=True)
    assert {i["status"] for i in active["incidents"]} == {"new", "open", "pending", "solved"}
    assert call(harness, connection, "list_incidents", email="nobody@example.com")["incidents"] == []


def test_find_user_and_manager(harness, connection):
    found = call(harness, connection, "find_user", email="ADA@example.com")
    assert found["found"] and found["user"]["name"] == "Ada Lovelace" and found["user"]["active"]
    assert call(harness, connection, "find_user", email="ghost@example.com") == {
        "found": False, "email": "ghost@example.com"}
    manager = call(harness, connection, "get_user_manager", email="ada@example.com")["manager"]
    assert manager == {"sys_id": "a8f98bb0eb32010045e1a5115206fe03", "name": "Grace Hopper",
                       "email": "grace@example.com", "active": True}
    assert call(harness, connection, "get_user_manager", email="alan@example.com")["manager"] is None


def test_requests_and_items(harness, connection):
    request = call(harness, connection, "get_request", request="REQ0010002")
    assert request["requested_for"]["email"] == "abel.tuter@example.com" and request["approval"] == "requested"
    assert [(i["number"], i["item"], i["stage"]) for i in request["items"]] == [
        ("RITM0010002", "Figma", "waiting_for_approval")]
    items = call(harness, connection, "list_request_items", email="ada@example.com")
    assert [(i["item"], i["state"]) for i in items["items"]] == [("Zoom", "closed_complete")]


def test_knowledge_articles(harness, connection):
    listed = call(harness, connection, "list_articles", page_size=2)
    assert listed["count"] == 4 and listed["pages"] == 2  # the retired article is not listed
    assert call(harness, connection, "list_articles", category="Accounts")["count"] == 2
    found = call(harness, connection, "search_articles", query="My VPN keeps disconnecting")
    assert found["articles"][0]["title"] == "How to connect to the VPN"
    assert "IPSec" in found["articles"][0]["body"] and "<p>" not in found["articles"][0]["body"]
    with pytest.raises(ConnectorError, match="three letters"):
        call(harness, connection, "search_articles", query="a b")


# -- actions ------------------------------------------------------------------------------------


def test_comment_is_public_and_posted_once_per_key(harness, connection):
    first = call(harness, connection, "comment", key="k-comment", incident="INC0010001", text="We are on it.")
    again = call(harness, connection, "comment", key="k-comment", incident="INC0010001", text="We are on it.")
    assert first["posted"] and not again["posted"] and again["already_posted"]
    entries = journal(harness, INC1)
    assert [(e["element"], e["public"]) for e in entries if e["body"] == "We are on it."] == [("comments", True)]
    # The key is kept out of the caller's sight, in one internal work note.
    markers = [e for e in entries if "k-comment" in e["body"]]
    assert len(markers) == 1 and markers[0]["public"] is False


def test_work_note_is_internal_and_posted_once_per_key(harness, connection):
    for _ in range(2):
        call(harness, connection, "work_note", key="k-note", incident=INC1, text="Checked the VPN logs.")
    notes = [e for e in journal(harness, INC1) if e["body"].startswith("Checked the VPN logs.")]
    assert len(notes) == 1 and notes[0]["public"] is False and notes[0]["element"] == "work_notes"
    without_key = call(harness, connection, "work_note", incident=INC1, text="Second look.")
    assert without_key["posted"]


def test_resolve_sets_close_fields_once(harness, connection):
    resolved = call(harness, connection, "resolve", key="k-resolve", incident="INC0010001",
                    close_code="solution provided", close_notes="Switched the client to IPSec.")
    assert resolved == {"incident": INC1, "number": "INC0010001", "status": "solved",
                        "close_code": "Solution provided", "already_resolved": False}
    record = harness.vendor_state("incident", INC1)["record"]
    assert (record["state"], record["close_code"], record["close_notes"]) == (
        "6", "Solution provided", "Switched the client to IPSec.")
    assert record["resolved_by"] == "a8f98bb0eb32010045e1a5115206fe01" and record["resolved_at"]
    again = call(harness, connection, "resolve", key="k-resolve-2", incident="INC0010001",
                 close_code="Duplicate", close_notes="again")
    assert again["already_resolved"] and again["close_code"] == "Solution provided"


def test_resolve_refuses_an_unknown_close_code(harness, connection):
    with pytest.raises(ConnectorError, match="Workaround provided"):
        call(harness, connection, "resolve", incident="INC0010001", close_code="Fixed it", close_notes="x")
    assert harness.vendor_state("incident", INC1)["record"]["state"] == "1"


def test_set_state(harness, connection):
    held = call(harness, connection, "set_state", incident="INC0010001", state="on_hold", hold_reason="awaiting_vendor")
    assert held["changed"] and held["status"] == "on_hold"
    record = harness.vendor_state("incident", INC1)["record"]
    assert (record["state"], record["hold_reason"]) == ("3", "4")
    same = call(harness, connection, "set_state", incident="INC0010001", state="on_hold", hold_reason="awaiting_vendor")
    assert not same["changed"]
    with pytest.raises(ToolRefused, match="hold_reason"):
        call(harness, connection, "set_state", incident="INC0010001", state="on_hold")
    with pytest.raises(ToolRefused):
        call(harness, connection, "set_state", incident="INC0010001", state="resolved")


def test_order_catalog_item_waits_for_the_manager_and_is_not_repeated(harness, connection):
    ordered = call(harness, connection, "order_catalog_item", key="k-figma", item="Figma",
                   email="ada@example.com", justification="Design reviews")
    assert ordered["ordered"] and ordered["item"] == "Figma" and ordered["stage"] == "waiting_for_approval"
    assert ordered["approver"] == {"name": "Grace Hopper", "email": "grace@example.com"}
    state = harness.vendor_state("request_item", ordered["number"])
    assert state["record"]["correlation_id"] == "helpdesk-hub:k-figma"
    assert state["variables"]["business_justification"] == "Design reviews"

    same_key = call(harness, connection, "order_catalog_item", key="k-figma", item="Figma", email="ada@example.com")
    other_key = call(harness, connection, "order_catalog_item", key="k-other", item="Figma", email="ada@example.com")
    assert same_key["number"] == other_key["number"] == ordered["number"]
    assert same_key["already_requested"] and other_key["already_requested"]
    figma = harness.control("GET", f"state/request/{ordered['request']}")
    assert figma["record"]["approval"] == "requested"


def test_order_catalog_item_bad_input(harness, connection):
    with pytest.raises(NotFound, match="Slack"):
        call(harness, connection, "order_catalog_item", item="Photoshop", email="ada@example.com")
    with pytest.raises(ConnectorError, match="inactive"):
        call(harness, connection, "order_catalog_item", item="Slack", email="carol@example.com")
    with pytest.raises(NotFound, match="ghost@example.com"):
        call(harness, connection, "order_catalog_item", item="Slack", email="ghost@example.com")


def test_reset_password_through_the_catalog_once(harness, connection):
    abel = "a8f98bb0eb32010045e1a5115206fe05"
    assert harness.vendor_state("user", abel)["record"]["locked_out"] == "true"
    reset = call(harness, connection, "reset_password", key="k-reset", email="abel.tuter@example.com")
    assert reset["ordered"] and reset["item"] == "Password Reset" and reset["state"] == "closed_complete"
    user = harness.vendor_state("user", abel)["record"]
    assert (user["password_needs_reset"], user["locked_out"]) == ("true", "false")
    again = call(harness, connection, "reset_password", key="k-reset", email="abel.tuter@example.com")
    assert again["already_requested"] and again["number"] == reset["number"]


# -- escalate, errors, requester ------------------------------------------------------------------


def test_escalate_assigns_the_group_with_an_internal_note_once(harness, connection):
    for _ in range(2):
        result = call(harness, connection, "escalate", key="k-esc", ticket_id="INC0010002", group="IAM",
                      note="Needs a temporary access pass.")
    assert result["already_escalated"]
    state = harness.vendor_state("incident", INC2)
    assert state["assignment"]["group"] == "IAM" and state["assignment"]["assigned_to"] is None
    notes = [e for e in state["comments"] if e["body"].startswith("Needs a temporary access pass.")]
    assert len(notes) == 1 and notes[0]["public"] is False
    with pytest.raises(NotFound, match="Facilities"):
        call(harness, connection, "escalate", ticket_id="INC0010002", group="Facilities", note="x")


def test_vendor_errors_carry_the_vendor_message(harness, connection):
    session = harness.hub.session(connection)
    with pytest.raises(ConnectorError) as caught:
        session.patch(f"api/now/table/incident/{INC1}", json={"state": "6"})
    assert caught.value.status == 403
    assert caught.value.message.startswith("Operation Failed: Data Policy Exception")


def test_verify_requester_reads_the_caller(harness, connection):
    session = harness.hub.session(connection)
    identity = harness.hub.hook(harness.connector.name, "auth_verify_requester")(
        connector=harness.connector, connection=connection, session=session, ticket=NormalizedTicket(remote_id=INC1))
    assert (identity.email, identity.name, identity.verified) == ("ada@example.com", "Ada Lovelace", True)
    carol = session.post("api/now/table/incident", json={
        "short_description": "Old laptop", "caller_id": "a8f98bb0eb32010045e1a5115206fe06"}).json()["result"]
    inactive = harness.hub.hook(harness.connector.name, "auth_verify_requester")(
        connector=harness.connector, connection=connection, session=session,
        ticket=NormalizedTicket(remote_id=carol["sys_id"]))
    assert inactive.email == "carol@example.com" and not inactive.verified
