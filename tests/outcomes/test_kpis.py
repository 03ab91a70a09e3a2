"""KPIs over the known month in conftest.py, against figures worked out by hand."""

import pytest

from hub.outcomes import kpis, survey
from hub.outcomes.contract import load_contract

from outcomes_story import AS_OF, at


@pytest.fixture
def may(hub, story, config_dir):
    contract = load_contract(config_dir)
    return kpis.compute(hub, at("05-01T00:00"), at("06-01T00:00"), contract, as_of=AS_OF)


def test_runs_and_true_resolution(may):
    assert may["runs"] == {"total": 8, "finished": 7, "shadowed": 1, "in_progress": 0,
                           "by_state": {"escalated": 2, "resolved": 5, "shadowed": 1}}
    # R1 R2 R5 R6 verified, R3 reopened; R4 R7 escalated: 4 of 7.
    assert may["true_resolution"] == {"verified": 4, "reopened": 1, "pending_window": 0, "known_outcomes": 7,
                                      "rate": round(4 / 7, 4), "reopen_window_days": 7}


def test_first_contact_and_escalation(may):
    # R2 asked the customer; R1, R5, R6 did not.
    assert may["first_contact_resolution"] == {"count": 3, "rate": round(3 / 7, 4)}
    assert may["escalation"] == {"count": 2, "failed": 0, "rate": round(2 / 7, 4),
                                 "reasons": {"low confidence": 1, "policy refusal": 1}}


def test_mttr(may):
    # R1 5, R2 120, R3 10, R5 32 (the vendor's fast clock is not trusted), R6 90 minutes.
    # Sorted 5 10 32 90 120: median 32; p90 at position 3.6 → 90 + 0.6 × 30 = 108.
    assert may["mttr_minutes"] == {"count": 5, "median": 32.0, "p90": 108.0}


def test_sla(may):
    sla = may["sla"]
    # R4 (high) was never answered; R6 (urgent, 15 min) first answered when it resolved, 90 min in.
    assert (sla["tickets"], sla["compliant"], sla["compliance"]) == (7, 5, round(5 / 7, 4))
    r4, r6 = sla["misses"]
    assert r4["run_id"] == "R4" and r4["priority"] == "high"
    assert [m.split(":")[0] for m in r4["missed"]] == ["first response", "resolution"]
    assert r6 == {"run_id": "R6", "ticket_id": r6["ticket_id"], "priority": "urgent",
                  "missed": ["first response: 90 min against 15"]}
    assert sla["by_priority"]["high"] == {"tickets": 1, "compliant": 0, "compliance": 0.0}
    assert sla["by_priority"]["urgent"] == {"tickets": 1, "compliant": 0, "compliance": 0.0}
    assert sla["by_priority"]["normal"] == {"tickets": 5, "compliant": 5, "compliance": 1.0}


def test_sla_pending_until_the_target_passes(hub, story, config_dir):
    contract = load_contract(config_dir)
    # Ten minutes after R4's ticket arrived its one-hour first-response target has not passed.
    figures = kpis.compute(hub, at("05-10T00:00"), at("05-11T00:00"), contract, as_of=at("05-10T08:10"))
    assert figures["sla"]["tickets"] == 0
    figures = kpis.compute(hub, at("05-10T00:00"), at("05-11T00:00"), contract, as_of=at("05-10T09:01"))
    assert figures["sla"]["tickets"] == 1 and figures["sla"]["compliant"] == 0


def test_containment(may):
    assert may["containment"]["by_connector"] == {
        "servicenow": {"finished": 2, "contained": 1, "rate": 0.5},
        "zendesk": {"finished": 5, "contained": 3, "rate": 0.6},
    }
    assert may["containment"]["by_intent"]["order_status"] == {"finished": 2, "contained": 2, "rate": 1.0}
    assert may["containment"]["by_intent"]["refund_request"] == {"finished": 1, "contained": 0, "rate": 0.0}
    assert may["containment"]["by_channel"]["email"] == {"finished": 1, "contained": 1, "rate": 1.0}


def test_approvals_and_denials(may, story):
    assert may["approvals"] == {"pending": 0, "approved": 1, "rejected": 0,
                                "turnaround_minutes": {"count": 1, "median": 30.0, "p90": 30.0}}
    denials = may["policy_denials"]
    assert denials["count"] == 1 and denials["by_tool"] == {"shopify.refund": 1}
    assert denials["by_reason"] == {"tool not allowed at this node": 1}
    assert denials["audit_seqs"][0] in story.seqs["R7"]


def test_filters(hub, story, config_dir):
    contract = load_contract(config_dir)
    servicenow = kpis.compute(hub, at("05-01T00:00"), at("06-01T00:00"), contract, connector="servicenow", as_of=AS_OF)
    assert servicenow["runs"]["total"] == 2 and servicenow["true_resolution"]["rate"] == 0.5
    email = kpis.compute(hub, at("05-01T00:00"), at("06-01T00:00"), contract, channel="email", as_of=AS_OF)
    assert email["runs"]["total"] == 1
    refunds = kpis.compute(hub, at("05-01T00:00"), at("06-01T00:00"), contract, intent="refund_request", as_of=AS_OF)
    assert refunds["true_resolution"]["reopened"] == 1 and refunds["true_resolution"]["rate"] == 0.0


def test_reopen_after_the_window_still_counts_as_resolved(hub, story, config_dir):
    story.event("T1", "ticket.reopened", "05-20T10:00", "open")  # sixteen days after R1 solved it
    figures = kpis.compute(hub, at("05-04T00:00"), at("05-05T00:00"), load_contract(config_dir), as_of=AS_OF)
    assert figures["true_resolution"]["verified"] == 1


def test_pending_window(hub, story, config_dir):
    # Two days after R6 the 7-day window is open: neither a true resolution nor a failure yet.
    figures = kpis.compute(hub, at("05-31T00:00"), at("06-01T00:00"), load_contract(config_dir), as_of=at("06-02T00:00"))
    assert figures["true_resolution"]["pending_window"] == 1 and figures["true_resolution"]["rate"] is None


def test_csat_and_nps(hub, story, config_dir):
    survey.record_answer(hub, survey.make_survey_token(hub, "R1"), 5)
    survey.record_answer(hub, survey.make_survey_token(hub, "R2"), 3)
    survey.record_answer(hub, survey.make_survey_token(hub, "R1", "nps"), 10)
    survey.record_answer(hub, survey.make_survey_token(hub, "R2", "nps"), 5)
    survey.record_answer(hub, survey.make_survey_token(hub, "R5", "nps"), 8)
    figures = kpis.compute(hub, at("05-01T00:00"), at("06-01T00:00"), load_contract(config_dir), as_of=AS_OF)
    # CSAT: one of two answers is 4 or 5. NPS: one promoter, one detractor, one passive of three.
    assert figures["satisfaction"]["csat"] == {"answers": 2, "score": 50.0}
    assert figures["satisfaction"]["nps"] == {"answers": 3, "score": 0.0}


def test_daily_series(hub, story, config_dir):
    from zoneinfo import ZoneInfo

    series = kpis.daily(hub, at("05-31T00:00"), at("06-01T00:00"), load_contract(config_dir), ZoneInfo("Europe/London"),
                        as_of=AS_OF)
    # R6 started 22:00 UTC on 31 May: 23:00 in London, still 31 May.
    assert series == [{"date": "2026-05-31", "runs": 1, "true_resolution_rate": 1.0, "mttr_median_minutes": 90.0,
                       "csat": None}]


def test_servicenow_style_reopen_is_an_open_status_after_the_solve(hub, story, config_dir):
    contract = load_contract(config_dir)
    window = (at("05-12T00:00"), at("05-13T00:00"))
    assert kpis.compute(hub, *window, contract, as_of=AS_OF)["true_resolution"]["reopened"] == 0
    # The caller writes back the next morning: ServiceNow sends the incident In Progress again.
    story.event("T5", "ticket.updated", "05-13T09:00", "open", vendor_at="05-13T09:03")
    assert kpis.compute(hub, *window, contract, as_of=AS_OF)["true_resolution"]["reopened"] == 1


def test_without_vendor_times_the_hubs_receipt_order_decides(hub, story, config_dir):
    contract = load_contract(config_dir)
    window = (at("05-04T00:00"), at("05-05T00:00"))
    story.event("T1", "ticket.updated", "05-04T10:04", "open")  # before R1 finished: not a reopen
    assert kpis.compute(hub, *window, contract, as_of=AS_OF)["true_resolution"]["reopened"] == 0
    story.event("T1", "ticket.updated", "05-05T10:00", "pending")
    assert kpis.compute(hub, *window, contract, as_of=AS_OF)["true_resolution"]["reopened"] == 1


def test_a_hand_over_is_counted_under_its_reason_code():
    from types import SimpleNamespace

    from hub.outcomes.kpis import reason_group

    assert reason_group(SimpleNamespace(escalation="risk:legal", reason="risk trigger: legal ('my lawyer')",
                                        flow=None)) == "risk trigger: legal"
    assert reason_group(SimpleNamespace(escalation="third_party", reason="…", flow="refund")) \
        == "the request concerns someone other than the requester"
    # Runs recorded before reason codes are grouped by their words, as before.
    assert reason_group(SimpleNamespace(escalation=None, reason="confidence 0.41 is below the threshold for x",
                                        flow="handoff")) == "low confidence"
