"""The Salesforce tools through hub.call (policy, RBAC, audit and the VendorSession included),
with their effects checked in the sandbox org's state."""

import pytest

from hub.errors import ConnectorError, NotFound, ToolRefused
from hub.ingest import NormalizedTicket

ADA_CASE = "5005g00000S0001AAB"  # "Charged twice for my November invoice": Billing_Queue, 2 comments
ALAN_COMPLAINT = "5005g00000S0006AAB"
WALK_IN_CASE = "5005g00000S0011AAB"  # web-to-case, no Contact


def test_get_case_with_public_and_internal_comments(harness, connection):
    case = harness.call("salesforce.get_case", connection, {"case_id": ADA_CASE})["case"]
    assert (case["number"], case["status"], case["vendor_status"], case["priority"]) == ("00001001", "new", "New", "high")
    assert case["requester_email"] == "ada@example.com" and case["channel"] == "email"
    assert [(c["public"], c["body"][:20]) for c in case["comments"]] == [
        (True, "Thanks Ada, we can s"), (False, "Payment processor sh"),
    ]
    # The 15-character form of an id names the same record.
    assert harness.call("salesforce.get_case", connection, {"case_id": ADA_CASE[:15]})["case"]["id"] == ADA_CASE


def test_get_case_unknown_is_not_found_with_the_vendors_message(harness, connection):
    with pytest.raises(NotFound) as caught:
        harness.call("salesforce.get_case", connection, {"case_id": "5005g00000ZZZZZAAA"})
    assert caught.value.code == "NOT_FOUND" and "does not exist" in caught.value.message


def test_list_cases_follows_every_page(harness, connection):
    result = harness.call("salesforce.list_cases", connection, {"email": "ada@example.com", "page_size": 1})
    assert (result["total"], result["pages"]) == (4, 4)
    assert [c["number"] for c in result["cases"]] == ["00001012", "00001003", "00001002", "00001001"]
    walk_in = harness.call("salesforce.list_cases", connection, {"email": "walkin@example.net"})
    assert [c["id"] for c in walk_in["cases"]] == [WALK_IN_CASE] and walk_in["pages"] == 1


def test_find_contact_escapes_hostile_input(harness, connection):
    found = harness.call("salesforce.find_contact", connection, {"email": "ADA@example.com"})
    assert found["found"] and found["contact"]["name"] == "Ada Lovelace"
    assert found["contact"]["account_name"] == "Acme Corp"

    # A real address with an apostrophe is found, not broken.
    linus = harness.call("salesforce.find_contact", connection, {"email": "linus.o'brien@example.com"})
    assert linus["contact"]["name"] == "Linus O'Brien"

    for hostile in ("x' OR Email != '", "x\\' OR Email != \\'", "xx\\", "' OR Name LIKE '%", "a'\n OR Id != '"):
        result = harness.call("salesforce.find_contact", connection, {"email": hostile})
        assert result == {"found": False, "contact": None, "matches": 0}, hostile


def test_list_queues_only_queues(harness, connection):
    queues = harness.call("salesforce.list_queues", connection, {})["queues"]
    assert [q["developer_name"] for q in queues] == ["Billing_Queue", "Tier_2"]


def test_search_articles_ranks_published_articles(harness, connection):
    found = harness.call("salesforce.search_articles", connection, {"query": "I forgot my password, how do I reset it?"})
    titles = [a["title"] for a in found["articles"]]
    assert titles[0] == "How to reset your password"
    assert "Réinitialiser votre mot de passe" not in titles  # another language
    hostile = harness.call("salesforce.search_articles", connection,
                           {"query": "refund} RETURNING Contact(Id, Email) {x"})
    assert hostile["articles"] and all(a["id"].startswith("ka0") for a in hostile["articles"])
    assert harness.call("salesforce.search_articles", connection, {"query": "?!"}) == {"articles": [], "total": 0}


def test_list_articles_published_only_across_pages(harness, connection):
    result = harness.call("salesforce.list_articles", connection, {"page_size": 2})
    assert (result["total"], result["pages"]) == (5, 3)
    assert "New billing portal (draft)" not in [a["title"] for a in result["articles"]]
    assert result["articles"][0]["body_html"].startswith("<p>")
    french = harness.call("salesforce.list_articles", connection, {"language": "fr"})
    assert [a["title"] for a in french["articles"]] == ["Réinitialiser votre mot de passe"]


def test_comment_is_public_and_idempotent(harness, connection):
    arguments = {"case_id": ADA_CASE, "body": "We refunded the duplicate $49.00 charge."}
    first = harness.call("salesforce.comment", connection, arguments, idempotency_key="run-1:reply")
    again = harness.call("salesforce.comment", connection, arguments, idempotency_key="run-1:reply")
    assert first["created"] is True and again == dict(first, created=False)
    posted = [c for c in harness.vendor_state("case", ADA_CASE)["comments"] if "duplicate $49.00" in c["body"]]
    assert len(posted) == 1 and posted[0]["public"] is True
    assert posted[0]["body"].endswith("[hub:run-1:reply]")
    other = harness.call("salesforce.comment", connection, arguments, idempotency_key="run-2:reply")
    assert other["created"] is True and other["comment_id"] != first["comment_id"]


def test_add_note_is_internal(harness, connection):
    note = harness.call("salesforce.add_note", connection, {"case_id": ADA_CASE, "body": "Checked Stripe."},
                        idempotency_key="run-3:note")
    state = harness.vendor_state("case", ADA_CASE)
    assert [c["public"] for c in state["comments"] if c["id"] == note["comment_id"]] == [False]


def test_set_status_closes_once_and_refuses_unknown_values(harness, connection):
    first = harness.call("salesforce.set_status", connection, {"case_id": ADA_CASE, "status": "Closed"})
    again = harness.call("salesforce.set_status", connection, {"case_id": ADA_CASE, "status": "Closed"})
    assert (first["changed"], again["changed"]) == (True, False)
    record = harness.vendor_state("case", ADA_CASE)["record"]
    assert (record["Status"], record["IsClosed"]) == ("Closed", True) and record["ClosedDate"]
    # The update did not run the assignment rule (the case stays in the Billing_Queue it was in).
    assert harness.vendor_state("case", ADA_CASE)["assignment"]["group"] == "Billing_Queue"

    with pytest.raises(ConnectorError) as caught:
        harness.call("salesforce.set_status", connection, {"case_id": ADA_CASE, "status": "Solved-ish"})
    assert caught.value.code == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert "bad value for restricted picklist field: Solved-ish" in caught.value.message


def test_escalate_assigns_queue_and_leaves_internal_note(harness, connection):
    arguments = {"ticket_id": ADA_CASE, "group": "Tier 2 Support", "note": "Customer disputes the refund amount."}
    result = harness.call("salesforce.escalate", connection, arguments, idempotency_key="run-4:escalate")
    assert result["queue"]["developer_name"] == "Tier_2" and result["note_created"] is True
    state = harness.vendor_state("case", ADA_CASE)
    # The subject mentions an invoice: had the update let assignment rules run, the Billing
    # rule would have taken the case straight back from Tier 2.
    assert state["assignment"] == {"owner_id": result["queue"]["id"], "owner_type": "Queue", "group": "Tier_2",
                                   "name": "Tier 2 Support", "escalated": True}
    notes = [c for c in state["comments"] if "disputes the refund" in c["body"]]
    assert len(notes) == 1 and notes[0]["public"] is False

    repeat = harness.call("salesforce.escalate", connection, arguments, idempotency_key="run-4:escalate")
    assert repeat["note_created"] is False and repeat["note_id"] == result["note_id"]
    assert len([c for c in harness.vendor_state("case", ADA_CASE)["comments"] if "disputes" in c["body"]]) == 1


def test_escalate_to_an_unknown_queue_or_bad_case_id(harness, connection):
    with pytest.raises(NotFound, match="no queue"):
        harness.call("salesforce.escalate", connection, {"ticket_id": ADA_CASE, "group": "All_Agents", "note": "x"})
    with pytest.raises(ConnectorError, match="not a Salesforce Case id"):
        harness.call("salesforce.escalate", connection,
                     {"ticket_id": "../../../_sandbox/reset", "group": "Tier_2", "note": "x"})
    assert harness.vendor_state("case", ADA_CASE)["assignment"]["group"] == "Billing_Queue"


def test_tool_arguments_are_validated_before_the_vendor(harness, connection):
    with pytest.raises(ToolRefused, match="case_id"):
        harness.call("salesforce.get_case", connection, {"case_id": "500' OR Id != '"})
    with pytest.raises(ToolRefused, match="Additional properties"):
        harness.call("salesforce.list_queues", connection, {"type": "Regular"})


def test_rate_limit_backs_off_and_succeeds(harness, connection):
    harness.faults(rate_limit=2)
    assert harness.call("salesforce.find_contact", connection, {"email": "grace@example.com"})["found"]
    assert harness.control("GET", "faults")["injected"]["rate_limit"] == 2


def test_verify_requester_by_contact_or_supplied_email(harness, connection):
    session = harness.hub.session(connection)
    verify = harness.hub.hook(harness.connector.name, "auth_verify_requester")
    known = verify(connector=harness.connector, connection=connection, session=session,
                   ticket=NormalizedTicket(remote_id=ALAN_COMPLAINT))
    assert (known.email, known.name, known.verified, known.source) == (
        "alan@example.com", "Alan Turing", True, "salesforce:Contact")
    walk_in = verify(connector=harness.connector, connection=connection, session=session,
                     ticket=NormalizedTicket(remote_id=WALK_IN_CASE))
    assert (walk_in.email, walk_in.verified, walk_in.source) == ("walkin@example.net", False, "salesforce:SuppliedEmail")
    bogus = verify(connector=harness.connector, connection=connection, session=session,
                   ticket=NormalizedTicket(remote_id="../id"))
    assert bogus.verified is False and bogus.email is None
