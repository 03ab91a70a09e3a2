"""Writes whose answer is lost (the org makes the change, then answers 503 or hangs up): one
CaseComment each, found again by its key marker before anything is posted again."""

import pytest

ADA_CASE = "5005g00000S0001AAB"


def bodies(harness, case_id, text):
    return [c["body"] for c in harness.vendor_state("case", case_id)["comments"] if text in c["body"]]


@pytest.mark.parametrize("fault", ["lost_answer", "dropped_answer"])
@pytest.mark.parametrize("tool", ["salesforce.comment", "salesforce.add_note"])
def test_a_comment_whose_answer_is_lost_is_posted_once(harness, connection, tool, fault):
    harness.faults(**{fault: 1})
    result = harness.call(tool, connection, {"case_id": ADA_CASE, "body": "We refunded the duplicate charge."},
                          idempotency_key="run-1:reply")
    assert harness.control("GET", "faults")["injected"][fault] == 1
    assert len(bodies(harness, ADA_CASE, "We refunded the duplicate charge.")) == 1
    assert result["created"] is False  # found on reading the case's comments again


def test_an_escalation_whose_answers_are_lost_moves_the_case_and_leaves_one_note(harness, connection):
    harness.faults(lost_answer_percent=60, seed=3)  # the owner change (sent again) and the note
    arguments = {"ticket_id": ADA_CASE, "group": "Tier 2 Support", "note": "Customer disputes the refund amount."}
    harness.call("salesforce.escalate", connection, arguments, idempotency_key="run-2:escalate")
    assert harness.control("GET", "faults")["injected"]["lost_answer"] >= 2
    assert harness.vendor_state("case", ADA_CASE)["assignment"]["group"] == "Tier_2"
    assert len(bodies(harness, ADA_CASE, "disputes the refund")) == 1


def test_a_status_change_whose_answer_is_lost_is_sent_again(harness, connection):
    harness.faults(dropped_answer=1)
    harness.call("salesforce.set_status", connection, {"case_id": ADA_CASE, "status": "Closed"})
    assert harness.vendor_state("case", ADA_CASE)["record"]["Status"] == "Closed"
