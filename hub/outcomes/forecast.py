"""Capacity forecast: how many tickets the next days will bring, and how many the agent absorbs.

The input is the daily volume the hub recorded (runs started per day, ``kpis.daily``); the model
is exponential smoothing from statsmodels:

- two full weeks or more: Holt-Winters — a damped additive trend plus an additive weekly
  season, because helpdesk volume follows the week (quiet weekends, busy Mondays);
- one to two weeks: too short to tell a weekly cycle from a trend, so the better, by AICc, of
  simple exponential smoothing (level only) and Holt's damped trend — AICc weighs the few
  days against the trend's extra parameters, so a trend is taken only when it is plain;
- under a week: no forecast, labelled so — never a number the history cannot support.

Additive rather than multiplicative models, because a quiet day can have no tickets at all. A
damped trend, because a trend fitted to a few weeks must not run on unchecked. Forecasts are
clipped at zero: there is no negative ticket.

The absorbed share is what the agent truly resolved (not reopened) of the tickets whose fate is
known; the forecast absorbed volume is the forecast times that share.
"""

import math
import warnings
from datetime import date, timedelta

import numpy

DEFAULT_DAYS = 14
MIN_HISTORY_DAYS = 7
SEASON_DAYS = 7
SEASONAL_HISTORY_DAYS = 2 * SEASON_DAYS

MODELS = {
    "holt_winters": "Holt-Winters: damped additive trend, additive weekly seasonality",
    "holt": "Holt: damped additive trend, no seasonality (under two weeks of history)",
    "simple": "Simple exponential smoothing: level only (under two weeks of history)",
}


def _day(value):
    return value if isinstance(value, date) else date.fromisoformat(value)


def volume_by_day(daily):
    """``{date: runs}`` from ``kpis.daily`` rows."""
    return {_day(row["date"]): row["runs"] for row in daily}


def forecast_volume(volume, first, last, days=DEFAULT_DAYS):
    """Forecast ``days`` days after ``last`` from ``volume`` (``{date or ISO string: count}``)
    over the days ``first`` to ``last`` inclusive.

    Days missing from ``volume`` count as 0. Days before the first one with any volume are left
    out: the hub, or the connector, may not have been running yet, and an absence of records is
    not a record of absence.
    """
    first, last = _day(first), _day(last)
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    counts = {_day(day): value for day, value in volume.items()}
    span = [first + timedelta(days=offset) for offset in range((last - first).days + 1)]
    while span and not counts.get(span[0]):
        span.pop(0)
    history = [{"date": day.isoformat(), "volume": counts.get(day, 0)} for day in span]
    result = {"model": None, "model_name": None, "enough_history": False, "history_days": len(history),
              "history": history, "days": days, "forecast": [], "note": None}
    if len(history) < MIN_HISTORY_DAYS:
        result["note"] = (f"Not enough history to forecast: {len(history)} day(s) with tickets recorded "
                          f"(from the first ticket on); at least {MIN_HISTORY_DAYS} are needed.")
        return result
    values = numpy.array([row["volume"] for row in history], dtype=float)
    model, predicted = _fit(values, days)
    if not numpy.all(numpy.isfinite(predicted)):
        result["note"] = f"The {MODELS[model]} model did not converge on this history: no forecast."
        return result
    start = span[-1] + timedelta(days=1)
    result.update(model=model, model_name=MODELS[model], enough_history=True, forecast=[
        {"date": (start + timedelta(days=offset)).isoformat(), "volume": round(max(float(value), 0.0), 1)}
        for offset, value in enumerate(predicted)])
    return result


def _fit(values, days):
    """``(model key, forecast array)`` for a history of at least MIN_HISTORY_DAYS values."""
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    # A history that repeats exactly (or is all zeros) fits with no error at all; statsmodels
    # then warns about log(0) in its information criteria and about convergence, while
    # returning the right forecast. The criteria are judged below; the warnings say nothing.
    with warnings.catch_warnings(), numpy.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if len(values) >= SEASONAL_HISTORY_DAYS:
            fitted = ExponentialSmoothing(values, trend="add", damped_trend=True, seasonal="add",
                                          seasonal_periods=SEASON_DAYS, initialization_method="estimated").fit()
            return "holt_winters", fitted.forecast(days)
        candidates = {  # simplest first: it wins a tie
            "simple": ExponentialSmoothing(values, initialization_method="estimated").fit(),
            "holt": ExponentialSmoothing(values, trend="add", damped_trend=True,
                                         initialization_method="estimated").fit(),
        }
        forecasts = {name: fitted.forecast(days) for name, fitted in candidates.items()}
    best = min(candidates, key=lambda name: _criterion(candidates[name]))
    return best, forecasts[best]


def _criterion(fitted):
    # AICc: AIC corrected for short samples. statsmodels makes it infinite when the model has
    # too many parameters for the days given, and -inf for a perfect fit; undefined (NaN, a
    # perfect fit of a model the days cannot support) loses like infinite.
    value = fitted.aicc
    return math.inf if value is None or math.isnan(value) else value


def absorbed_share(figures):
    """The share of tickets the agent absorbed, from ``kpis.compute`` figures: true resolutions
    ÷ runs whose fate is known (everything but runs in progress or inside the reopen window;
    shadow runs count, as tickets people handled)."""
    runs, resolutions = figures["runs"], figures["true_resolution"]
    decided = runs["total"] - runs["in_progress"] - resolutions["pending_window"]
    share = round(resolutions["verified"] / decided, 4) if decided > 0 else None
    return {"absorbed": resolutions["verified"], "decided": decided, "share": share}


def capacity(daily, figures, first, last, days=DEFAULT_DAYS):
    """The dashboard's capacity forecast: volume forecast from ``daily`` (``kpis.daily`` rows)
    over ``first``..``last``, with the absorbed share from ``figures`` (``kpis.compute``)."""
    result = forecast_volume(volume_by_day(daily), first, last, days)
    share = absorbed_share(figures)
    result["share"] = share
    for row in result["forecast"]:
        row["absorbed"] = None if share["share"] is None else round(row["volume"] * share["share"], 1)
    volume = round(sum(row["volume"] for row in result["forecast"]), 1) if result["forecast"] else None
    result["total"] = {"volume": volume,
                       "absorbed": None if volume is None or share["share"] is None else round(volume * share["share"], 1)}
    if result["enough_history"] and share["share"] is None:
        result["note"] = "No ticket in the history has a known outcome yet, so the absorbed share is unknown."
    return result
