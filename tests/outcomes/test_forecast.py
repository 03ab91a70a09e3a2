"""The capacity forecast on series whose future is known."""

import json
from datetime import date, timedelta

import numpy
import pytest

from hub.outcomes import forecast, kpis
from hub.outcomes.contract import load_contract

from outcomes_story import AS_OF, at

MONDAY = date(2026, 3, 2)
WEEK = [40, 44, 42, 46, 38, 12, 9]  # Monday to Sunday: a helpdesk's week


def series(values, first=MONDAY):
    return {first + timedelta(days=offset): value for offset, value in enumerate(values)}


def run(values, days=forecast.DEFAULT_DAYS, first=MONDAY):
    last = first + timedelta(days=len(values) - 1)
    return forecast.forecast_volume(series(values, first), first, last, days)


def test_a_clean_weekly_pattern_is_forecast_exactly():
    result = run(WEEK * 3)
    assert (result["model"], result["enough_history"], result["history_days"]) == ("holt_winters", True, 21)
    assert [row["date"] for row in result["forecast"]][:2] == ["2026-03-23", "2026-03-24"]  # the Monday after
    assert [row["volume"] for row in result["forecast"]] == pytest.approx(WEEK * 2, abs=0.1)


def test_a_noisy_weekly_pattern_with_growth_is_forecast_within_tolerance():
    noise = numpy.random.default_rng(7).normal(0, 1.5, 56)
    history = [WEEK[day % 7] + 0.2 * day + noise[day] for day in range(56)]
    truth = [WEEK[day % 7] + 0.2 * day for day in range(56, 70)]
    predicted = [row["volume"] for row in run([round(v) for v in history])["forecast"]]
    errors = [abs(p - t) for p, t in zip(predicted, truth)]
    assert max(errors) < 6 and sum(errors) / len(errors) < 3, errors
    # The weekly shape survives: every forecast weekday is busier than every forecast weekend day.
    weekdays = [p for day, p in enumerate(predicted) if day % 7 < 5]
    assert min(weekdays) > max(p for day, p in enumerate(predicted) if day % 7 >= 5) + 15


def test_days_without_tickets_count_as_zero_and_nothing_goes_negative():
    closed_weekends = [40, 44, 42, 46, 38, 0, 0]
    history = {day: volume for day, volume in series(closed_weekends * 4).items() if volume}  # no rows for weekends
    result = forecast.forecast_volume(history, MONDAY, MONDAY + timedelta(days=27))
    assert result["history"][5] == {"date": "2026-03-07", "volume": 0}
    volumes = [row["volume"] for row in result["forecast"]]
    assert volumes == pytest.approx(closed_weekends * 2, abs=0.5)
    assert min(volumes) >= 0
    falling = run([60, 50, 40, 30, 20, 10, 5, 2, 1])
    assert all(row["volume"] >= 0 for row in falling["forecast"])


@pytest.mark.parametrize("days", [0, 1, 6])
def test_short_history_is_labelled_not_forecast(days):
    result = run([10] * days)
    assert result["enough_history"] is False and result["model"] is None and result["forecast"] == []
    assert result["history_days"] == days
    assert f"{days} day(s)" in result["note"] and "at least 7" in result["note"]


def test_days_before_the_first_ticket_are_not_history():
    # The connector was connected on the 10th day of the window: nine empty days are not nine quiet days.
    result = run([0] * 9 + [10, 12, 11, 13, 12, 11, 10])
    assert result["history_days"] == 7 and result["history"][0] == {"date": "2026-03-11", "volume": 10}
    assert forecast.forecast_volume({}, MONDAY, MONDAY + timedelta(days=29))["history_days"] == 0


def test_under_two_weeks_a_trend_only_when_plain():
    ramp = run([5 + 2 * day for day in range(10)], days=3)
    assert ramp["model"] == "holt" and [row["volume"] for row in ramp["forecast"]] == pytest.approx([25, 27, 29], abs=0.5)
    # A busy week then a quiet weekend is not taken for a falling trend. One week cannot tell a
    # weekly cycle from a change of level, so the forecast is flat at the latest level: the
    # documented limit of a forecast from under two weeks, and why the model says so.
    week = run(WEEK)
    assert week["model"] == "simple" and "under two weeks" in week["model_name"]
    volumes = {row["volume"] for row in week["forecast"]}
    assert len(volumes) == 1 and min(WEEK) <= volumes.pop() <= max(WEEK)


def test_a_flat_history_is_forecast_flat():
    assert [row["volume"] for row in run([7] * 20, days=3)["forecast"]] == [7.0, 7.0, 7.0]


def test_the_result_is_json_and_rounded():
    result = run([v + 0.123 for v in WEEK * 2], days=2)
    assert json.loads(json.dumps(result)) == result
    assert all(row["volume"] == round(row["volume"], 1) for row in result["forecast"])
    with pytest.raises(ValueError, match="at least 1"):
        run(WEEK, days=0)


def figures(total, verified, in_progress=0, pending=0):
    return {"runs": {"total": total, "in_progress": in_progress},
            "true_resolution": {"verified": verified, "pending_window": pending}}


def test_absorbed_share_leaves_out_undecided_tickets():
    assert forecast.absorbed_share(figures(10, 4, in_progress=1, pending=1)) == {"absorbed": 4, "decided": 8, "share": 0.5}
    assert forecast.absorbed_share(figures(3, 0, in_progress=3)) == {"absorbed": 0, "decided": 3 - 3, "share": None}


def test_capacity_multiplies_the_forecast_by_the_share():
    daily = [{"date": day.isoformat(), "runs": volume} for day, volume in series(WEEK * 3).items()]
    result = forecast.capacity(daily, figures(252, 63), MONDAY, MONDAY + timedelta(days=20), days=7)
    assert result["share"]["share"] == 0.25
    assert [row["absorbed"] for row in result["forecast"]] == pytest.approx([v * 0.25 for v in WEEK], abs=0.1)
    assert result["total"] == {"volume": pytest.approx(sum(WEEK), abs=0.5), "absorbed": pytest.approx(sum(WEEK) / 4, abs=0.2)}
    unknown = forecast.capacity(daily, figures(5, 0, in_progress=5), MONDAY, MONDAY + timedelta(days=20), days=7)
    assert unknown["enough_history"] and all(row["absorbed"] is None for row in unknown["forecast"])
    assert unknown["total"]["absorbed"] is None and "absorbed share is unknown" in unknown["note"]


def test_from_the_known_month(hub, story, config_dir):
    contract = load_contract(config_dir)
    start, end = at("05-01T00:00"), at("06-01T00:00")
    daily = kpis.daily(hub, start, end, contract, contract.zone, as_of=AS_OF)
    result = forecast.capacity(daily, kpis.compute(hub, start, end, contract, as_of=AS_OF), date(2026, 5, 1), date(2026, 5, 31))
    # From the first run (4 May) to 31 May; one run on each of eight days, zero on the others.
    assert result["history_days"] == 28 and result["model"] == "holt_winters"
    assert sum(row["volume"] for row in result["history"]) == 8
    assert [row["date"] for row in result["history"] if row["volume"]] == [
        "2026-05-04", "2026-05-05", "2026-05-06", "2026-05-10", "2026-05-12", "2026-05-20", "2026-05-21", "2026-05-31"]
    # Four true resolutions of eight runs whose fate is known (the shadow run counts: people handled it).
    assert result["share"] == {"absorbed": 4, "decided": 8, "share": 0.5}
    assert len(result["forecast"]) == 14 and all(row["volume"] >= 0 for row in result["forecast"])
