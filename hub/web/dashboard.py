"""The outcomes dashboard (/dashboard) and its figures as JSON (/api/dashboard).

It shows what ``hub kpis`` computes — ``kpis.compute`` for the cards and breakdowns and
``kpis.daily`` for the trends (both from one read: ``kpis.compute_with_daily``), ``forecast.capacity`` for the capacity forecast — for a range of
days cut in the contract's time zone (the end day included) and optional connector, intent and
channel filters. Bad filters are a 400 with a message saying what to change, never a crash.
"""

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, jsonify, render_template, request
from sqlmodel import select

from ..db import session_scope
from ..errors import HubError
from ..models import Run, Ticket
from ..outcomes import forecast, kpis
from ..outcomes.contract import load_contract
from . import charts
from .auth import current_hub, require

log = logging.getLogger(__name__)
blueprint = Blueprint("dashboard", __name__)
DEFAULT_RANGE_DAYS = 30
#: Every run in the range is read into memory once per view; a year is plenty for a screen.
MAX_RANGE_DAYS = 366
EARLIEST_DAY, LATEST_DAY = date(1970, 1, 1), date(9998, 12, 31)
CHANNEL = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class FilterError(ValueError):
    """A filter the dashboard cannot use; the message says what to change."""


@dataclass
class Filters:
    first: date  # days in the contract's time zone, both included
    last: date
    connector: str | None = None
    intent: str | None = None
    channel: str | None = None

    def bounds(self, zone):
        """``[start, end)`` in UTC: midnight of the first day to midnight after the last."""
        start = datetime.combine(self.first, time(), zone)
        end = datetime.combine(self.last + timedelta(days=1), time(), zone)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)

    @property
    def narrowing(self):
        return {"connector": self.connector, "intent": self.intent, "channel": self.channel}

    def as_dict(self, zone):
        return {"start": self.first.isoformat(), "end": self.last.isoformat(), "end_included": True,
                "timezone": zone.key, **self.narrowing}



def contract_or_problem(api=False):
    """``(contract, None)``, or ``(None, response)`` naming what is wrong with contract.yaml.

    Figures that depend on the contract (reopen window, SLA targets, the time zone days are cut
    in) cannot be shown without it; the operator needs the file, key and reason, not a 500.
    """
    try:
        return load_contract(current_hub().config_path), None
    except HubError as error:
        log.warning("web: contract: %s", error)
        what = f"The contract cannot be read: {error}"
        todo = "Fix config/contract.yaml (docs/outcomes.md describes every key) and reload this page."
        if api:
            return None, (jsonify(error=what, hint=todo), 503)
        return None, (render_template("error.html", status=503, what=what, todo=todo), 503)


def options(hub):
    """What the filter menus offer: installed connectors, the flows' intents (and any intent a
    recorded run carries, so history stays reachable after a flow changes), and the channels
    tickets arrived through."""
    intents = set()
    try:
        intents.update(hub.agent.flow_for_intent)
    except HubError as error:  # a broken flow file: the dashboard still works on recorded intents
        log.warning("web: dashboard: flows not loaded: %s", error)
    with session_scope(hub.engine) as db:
        intents.update(value for value in db.exec(select(Run.intent).distinct()) if value)
        channels = sorted({value for value in db.exec(select(Ticket.channel).distinct()) if value})
    return {"connectors": sorted(hub.registry.connectors), "intents": sorted(intents), "channels": channels}


def _day(args, name, default):
    text = (args.get(name) or "").strip()
    if not text:
        return default
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:  # 2026-02-30 and the like
        day = None
    if day is None:
        raise FilterError(f"{name} must be a date written YYYY-MM-DD, such as 2026-05-01, not {text!r}.")
    if not EARLIEST_DAY <= day <= LATEST_DAY:  # far-off years overflow when cut in a time zone
        raise FilterError(f"{name} must be between {EARLIEST_DAY} and {LATEST_DAY}, not {text}.")
    return day


def parse_filters(args, offered, today):
    """Filters from the query string, checked against what ``offered`` lists."""
    last = _day(args, "end", today)
    first = _day(args, "start", last - timedelta(days=DEFAULT_RANGE_DAYS - 1))
    if last < first:
        raise FilterError(f"The end day ({last.isoformat()}) is before the start day ({first.isoformat()}).")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise FilterError(f"The range is {(last - first).days + 1} days; choose at most {MAX_RANGE_DAYS}.")
    chosen = {name: (args.get(name) or "").strip() or None for name in ("connector", "intent", "channel")}
    if chosen["connector"] and chosen["connector"] not in offered["connectors"]:
        raise FilterError(f"No connector named {chosen['connector']!r} is installed; "
                          f"choose one of {', '.join(offered['connectors']) or 'none'}.")
    if chosen["intent"] and chosen["intent"] not in offered["intents"]:
        raise FilterError(f"No flow handles an intent named {chosen['intent']!r} and no run recorded one.")
    if chosen["channel"] and not CHANNEL.match(chosen["channel"]):
        raise FilterError(f"A channel is a short name such as email or web, not {chosen['channel']!r}.")
    return Filters(first, last, **chosen)


def gather(hub, contract, filters, now=None):
    """Every figure the dashboard shows, JSON-able."""
    zone = contract.zone
    now = now or datetime.now(timezone.utc)
    start, end = filters.bounds(zone)
    figures, daily = kpis.compute_with_daily(hub, start, end, contract, zone, as_of=now, **filters.narrowing)
    # Today is not over: its volume so far would read as a quiet day and drag the forecast down.
    through = min(filters.last, now.astimezone(zone).date() - timedelta(days=1))
    return {"filters": filters.as_dict(zone), "empty": figures["runs"]["total"] == 0, "kpis": figures,
            "daily": daily, "forecast": forecast.capacity(daily, figures, filters.first, through)}


def _today(zone):
    return datetime.now(zone).date()


@blueprint.get("/dashboard")
@require("dashboard.view")
def page():
    hub = current_hub()
    contract, problem = contract_or_problem()
    if problem:
        return problem
    offered = options(hub)
    try:
        filters = parse_filters(request.args, offered, _today(contract.zone))
    except FilterError as error:
        return render_template("dashboard.html", error=str(error), asked=request.args, offered=offered,
                               zone=contract.zone.key, fmt=FORMATS), 400
    data = gather(hub, contract, filters)
    return render_template("dashboard.html", data=data, asked=data["filters"], offered=offered,
                           zone=contract.zone.key, cards=cards(data["kpis"]), charts=chart_set(data, filters),
                           provisional=provisional(data["kpis"]),
                           fmt=FORMATS)


@blueprint.get("/api/dashboard")
@require("dashboard.view")
def api():
    hub = current_hub()
    contract, problem = contract_or_problem(api=True)
    if problem:
        return problem
    try:
        filters = parse_filters(request.args, options(hub), _today(contract.zone))
    except FilterError as error:
        return jsonify(error=str(error), hint="start and end are YYYY-MM-DD days in the contract's time zone, "
                                              "end included; see /dashboard for the filters offered"), 400
    return jsonify(gather(hub, contract, filters))


# -- how figures read ------------------------------------------------------------------------


def percent(rate):
    return "no data" if rate is None else f"{rate * 100:.1f}%"


def minutes(value):
    if value is None:
        return "no data"
    if value < 10:
        return f"{value:.1f} min"
    if value < 120:
        return f"{value:.0f} min"
    if value < 48 * 60:
        return f"{value / 60:.1f} h"
    return f"{value / 1440:.1f} days"


def score(value, suffix=""):
    return "no data" if value is None else f"{value:.1f}{suffix}"


def count(value):
    if value is None:
        return "no data"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


FORMATS = {"percent": percent, "minutes": minutes, "score": score, "count": count}


def provisional(figures):
    """``{card key: why its figure may still change}`` for the figures that count resolutions
    whose reopen window is still open: in a first week that is every resolution, and a rate of
    0 % would read as failure. Cards not named here are settled."""
    true = figures["true_resolution"]
    pending = true["pending_window"]
    if not pending:
        return {}
    why = (f"Provisional: {pending} resolution{'s' if pending != 1 else ''} still inside the "
           f"{true['reopen_window_days']}-day reopen window {'are' if pending != 1 else 'is'} not counted yet; "
           "the figure settles as the windows close.")
    return {"true-resolution": why, "first-contact": why}


def cards(figures):
    """The KPI cards: (key, label, raw value, shown text, what it counted, what it means)."""
    runs, true, fcr = figures["runs"], figures["true_resolution"], figures["first_contact_resolution"]
    escalation, mttr, sla = figures["escalation"], figures["mttr_minutes"], figures["sla"]
    csat, nps = figures["satisfaction"]["csat"], figures["satisfaction"]["nps"]
    approvals, denials = figures["approvals"], figures["policy_denials"]
    turnaround = approvals["turnaround_minutes"]
    return [
        ("runs", "Agent runs", runs["total"], count(runs["total"]),
         f"{runs['finished']} finished, {runs['in_progress']} in progress, {runs['shadowed']} in shadow mode",
         "Runs started in the range."),
        ("true-resolution", "True resolution rate", true["rate"], percent(true["rate"]),
         f"{true['verified']} verified of {true['known_outcomes']} known outcomes; {true['reopened']} reopened, "
         f"{true['pending_window']} still inside the {true['reopen_window_days']}-day reopen window",
         "Resolved by the agent and not reopened within the window, of finished runs."),
        ("first-contact", "First-contact resolution", fcr["rate"], percent(fcr["rate"]),
         f"{fcr['count']} true resolutions without asking the customer anything",
         "True resolutions with no question to the customer, of finished runs."),
        ("escalation", "Escalation rate", escalation["rate"], percent(escalation["rate"]),
         f"{escalation['count']} escalated of {runs['finished']} finished runs; {escalation['failed']} failed",
         "Handed to a person, of finished runs."),
        ("mttr-median", "MTTR (median)", mttr["median"], minutes(mttr["median"]),
         f"over {mttr['count']} resolved runs", "Ticket creation to the agent's resolution, middle value."),
        ("mttr-p90", "MTTR (90th percentile)", mttr["p90"], minutes(mttr["p90"]),
         f"over {mttr['count']} resolved runs", "Nine in ten resolutions took at most this long."),
        ("csat", "CSAT", csat["score"], score(csat["score"], "%"), f"{csat['answers']} survey answers",
         "Share of 4 and 5 answers on the 1–5 survey."),
        ("nps", "NPS", nps["score"], score(nps["score"]), f"{nps['answers']} survey answers",
         "Promoters (9–10) minus detractors (0–6), in points from −100 to 100."),
        ("sla", "SLA compliance", sla["compliance"], percent(sla["compliance"]),
         f"{sla['compliant']} of {sla['tickets']} judged tickets met both targets",
         "First response and resolution within the contract's targets for the ticket's priority."),
        ("approval-turnaround", "Approval turnaround (median)", turnaround["median"], minutes(turnaround["median"]),
         f"p90 {minutes(turnaround['p90'])}; {approvals['approved']} approved, {approvals['rejected']} rejected, "
         f"{approvals['pending']} pending", "Request to decision for actions that waited for a person."),
        ("policy-denials", "Policy denials", denials["count"], count(denials["count"]),
         ", ".join(f"{reason}: {n}" for reason, n in denials["by_reason"].items()) or "none",
         "Tool calls the policy, roles or scopes refused."),
    ]


def chart_set(data, filters):
    """The trend charts and the forecast chart: (id, heading, svg or None, legend, table rows)."""
    first, last = filters.first, filters.last
    days = charts.days_between(first, last)
    by_day = {date.fromisoformat(row["date"]): row for row in data["daily"]}

    def column(key):
        return {day: by_day[day][key] if day in by_day else None for day in days}

    volume = {day: by_day[day]["runs"] if day in by_day else 0 for day in days}
    trends = [  # id, heading, series, value format, chart options
        ("chart-volume", "Daily volume (runs started)", [charts.Series("Runs", volume, "bar", "series-volume")],
         count, {"whole": True}),
        ("chart-true-resolution", "True resolution rate",
         [charts.Series("True resolution rate", column("true_resolution_rate"), "line", "series-rate")], percent,
         {"y_top": 1}),
        ("chart-mttr", "MTTR (median)",
         [charts.Series("MTTR median", column("mttr_median_minutes"), "line", "series-mttr")], minutes,
         {"axis_fmt": lambda v: f"{v:,.0f}", "y_label": "minutes"}),
        ("chart-csat", "CSAT", [charts.Series("CSAT", column("csat"), "line", "series-csat")],
         lambda v: score(v, "%"), {"y_top": 100}),
    ]
    built = []
    for chart_id, heading, series, fmt, chart_options in trends:
        svg = charts.time_chart(chart_id, heading, series, fmt, first, last, **chart_options)
        rows = [(day.isoformat(), [fmt(s.values.get(day)) for s in series]) for day in days]
        built.append({"id": chart_id, "heading": heading, "svg": svg, "legend": None,
                      "columns": [s.name for s in series], "rows": rows})
    built.append(_forecast_chart(data["forecast"]))
    return built


def _forecast_chart(result):
    chart = {"id": "chart-forecast", "heading": "Recorded and forecast daily volume", "svg": None, "legend": None,
             "columns": ["Forecast volume", "Forecast absorbed by the agent"], "rows": []}
    if not result["enough_history"]:
        return chart
    history = {date.fromisoformat(row["date"]): row["volume"] for row in result["history"]}
    ahead = {date.fromisoformat(row["date"]): row for row in result["forecast"]}
    series = [charts.Series("Recorded volume", history, "bar", "series-volume"),
              charts.Series("Forecast volume", {day: row["volume"] for day, row in ahead.items()}, "bar",
                            "series-forecast")]
    if result["share"]["share"] is not None:
        series.append(charts.Series("Forecast absorbed by the agent",
                                    {day: row["absorbed"] for day, row in ahead.items()}, "line", "series-absorbed"))
    first, last = min(history), max(ahead)
    chart["svg"] = charts.time_chart("chart-forecast", "Recorded and forecast daily volume",
                                     series, count, first, last, whole=True)
    chart["legend"] = charts.legend(series)
    chart["rows"] = [(day.isoformat(), [count(row["volume"]), count(row["absorbed"])]) for day, row in ahead.items()]
    return chart
