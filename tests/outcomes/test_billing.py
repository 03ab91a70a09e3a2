"""The monthly statement over the known month in outcomes_story.py, worked out by hand.

May in Europe/London runs 30 April 23:00 UTC to 31 May 23:00 UTC, so R6 (resolved 31 May 23:30
UTC) belongs to June. May then holds R1 R2 R3 R4 R5 R7 finished (R8 is a shadow run):
  verified R1 R2 R5 → 3 × 2.00 = 6.00, capped at 5.00 (cap reduction 1.00); R3 reopened, unbilled
  true resolution rate 3/6 = 50.0%: below 70% → 10% credit (not below 50%, so not 25%) = 0.50
  SLA compliance 5/6 (R4 missed both targets): below 90% → 5% credit = 0.25
  total 5.00 − 0.50 − 0.25 = 4.25
"""

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from hub.outcomes import billing
from hub.outcomes.contract import load_contract

from outcomes_story import AS_OF, at


@pytest.fixture
def contract(config_dir, contract_file):
    return load_contract(config_dir)


def test_may_statement(hub, story, contract):
    result = billing.statement(hub, contract, "2026-05", as_of=AS_OF)
    assert (result["empty"], result["provisional"], result["currency"], result["timezone"]) == (False, False, "GBP", "Europe/London")
    assert result["resolutions"] == {"billed": 3, "reopened": 1, "pending": 0, "finished_runs": 6}
    assert (result["subtotal"], result["cap_reduction"], result["after_cap"]) == ("6.00", "1.00", "5.00")
    assert result["true_resolution_rate"] == 0.5 and result["sla_compliance"] == round(5 / 6, 4)
    assert result["credits"] == [
        {"percent": "10", "amount": "0.50", "why": "true resolution rate was 50.0%, below 70%"},
        {"percent": "5", "amount": "0.25", "why": "SLA compliance was 83.3%, below 90%"},
    ]
    assert result["total"] == "4.25"
    assert Decimal(result["after_cap"]) - sum(Decimal(c["amount"]) for c in result["credits"]) == Decimal(result["total"])
    lines = {line["run_id"]: line for line in result["lines"]}
    assert sorted(lines) == ["R1", "R2", "R3", "R5"]
    assert [lines[r]["billed"] for r in ("R1", "R2", "R3", "R5")] == [True, True, False, True]
    assert lines["R3"]["status"] == "reopened" and lines["R3"]["amount"] == "0.00"
    assert lines["R3"]["why"].startswith("reopened 19 h after")
    assert [m["run_id"] for m in result["sla_misses"]] == ["R4"]


def test_every_billed_line_points_at_its_audit_entries(hub, story, contract):
    from hub import audit

    entries = {e["seq"]: e for e in audit.export(hub.engine)}
    for line in billing.statement(hub, contract, "2026-05", as_of=AS_OF)["lines"]:
        seqs = line["audit_seqs"]
        assert len(seqs["run_started"]) == 1 and len(seqs["resolved_step"]) == 1
        assert entries[seqs["run_started"][0]]["kind"] == "run.started"
        step = entries[seqs["resolved_step"][0]]
        assert (step["kind"], step["run_id"], step["data"]["state"]) == ("run.step", line["run_id"], "resolved")
    r1 = next(line for line in billing.statement(hub, contract, "2026-05", as_of=AS_OF)["lines"] if line["run_id"] == "R1")
    assert r1["audit_seqs"]["tool_calls"] == [story.seqs["R1"][2]]


def test_a_resolution_at_2330_utc_on_the_last_day_is_next_month_in_london(hub, story, contract):
    june = billing.statement(hub, contract, "2026-06", as_of=AS_OF)
    assert [line["run_id"] for line in june["lines"]] == ["R6"]
    assert june["lines"][0]["resolved_at"] == "2026-06-01T00:30:00+01:00"
    # 2.00 billed; R6 missed its urgent first-response target: SLA 0% → 5% credit of 2.00.
    assert (june["subtotal"], june["total"], june["true_resolution_rate"]) == ("2.00", "1.90", 1.0)
    # Cut in UTC instead, R6 is May's.
    may_utc = billing.statement(hub, contract, "2026-05", zone=ZoneInfo("UTC"), as_of=AS_OF)
    assert sorted(line["run_id"] for line in may_utc["lines"]) == ["R1", "R2", "R3", "R5", "R6"]
    assert may_utc["resolutions"]["billed"] == 4 and may_utc["subtotal"] == "8.00" and may_utc["after_cap"] == "5.00"


def test_inside_the_reopen_window_nothing_is_billed_yet(hub, story, contract):
    june = billing.statement(hub, contract, "2026-06", as_of=at("06-03T00:00"))
    assert june["provisional"] and june["resolutions"]["pending"] == 1 and june["total"] == "0.00"
    assert june["lines"][0]["status"] == "pending" and not june["lines"][0]["billed"]
    assert "provisional until 2026-07-07" in june["notes"][0]


def test_a_month_with_no_data_is_a_labelled_empty_statement(hub, story, contract):
    result = billing.statement(hub, contract, "2026-03", as_of=AS_OF)
    assert result["empty"] and result["lines"] == [] and result["credits"] == []
    assert (result["subtotal"], result["total"]) == ("0.00", "0.00")
    assert result["notes"] == ["No agent runs finished in 2026-03 (Europe/London): nothing to bill."]


def test_money_never_goes_through_float(hub, story, contract):
    # 0.1 + 0.2 is where floats go wrong; three resolutions at 0.10 must make exactly 0.30.
    contract = contract.model_copy(update={"price_per_resolution": Decimal("0.10")})
    result = billing.statement(hub, contract, "2026-05", as_of=AS_OF)
    assert result["subtotal"] == "0.30" and result["after_cap"] == "0.30"
    # 10% of 0.30 = 0.03 and 5% = 0.015 → 0.02 (half up).
    assert [c["amount"] for c in result["credits"]] == ["0.03", "0.02"] and result["total"] == "0.25"


@pytest.mark.parametrize("month", ["2026-13", "2026-5", "May 2026", "", "2026-00", "0000-01", "9999-12"])
def test_bad_months(hub, contract, month):
    with pytest.raises(billing.BillingError, match="YYYY-MM"):
        billing.statement(hub, contract, month)


def test_csv_export(hub, story, contract):
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(billing.to_csv(billing.statement(hub, contract, "2026-05", as_of=AS_OF)))))
    assert [row["line"] for row in rows] == ["resolution"] * 4 + ["subtotal", "cap", "credit", "credit", "total"]
    assert [row["amount"] for row in rows[4:]] == ["6.00", "-1.00", "-0.50", "-0.25", "4.25"]
    r1 = rows[0]
    assert r1["run_id"] == "R1" and r1["billed"] == "yes" and r1["audit_seqs"].split() == [str(s) for s in story.seqs["R1"]]


def test_month_bounds_follow_daylight_saving():
    london = ZoneInfo("Europe/London")
    # March starts on GMT and ends on BST; October the other way round; December wraps the year.
    assert [t.isoformat() for t in billing.month_bounds("2026-03", london)] == ["2026-03-01T00:00:00+00:00", "2026-03-31T23:00:00+00:00"]
    assert [t.isoformat() for t in billing.month_bounds("2026-10", london)] == ["2026-09-30T23:00:00+00:00", "2026-11-01T00:00:00+00:00"]
    assert [t.isoformat() for t in billing.month_bounds("2026-12", ZoneInfo("Pacific/Auckland"))] == [
        "2026-11-30T11:00:00+00:00", "2026-12-31T11:00:00+00:00"]
