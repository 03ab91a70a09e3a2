"""Agent runs in the browser (/runs, /runs/<id> as a timeline), as CSV and as JSON (/api/runs...).

The list, its export and its JSON take the same filters (``state``, ``connector``, ``q``) and go
through one search (hub.agent.run_search), so they never disagree about which runs match.
"""

import csv
import io

from flask import Blueprint, Response, abort, jsonify, render_template, request, stream_with_context, url_for

from ..agent import run_search
from ..agent.timeline import timeline
from .auth import current_hub, require

blueprint = Blueprint("runs", __name__)
STATES = run_search.STATES
CSV_COLUMNS = ["run", "started", "finished", "helpdesk", "instance", "ticket", "subject", "requester",
               "intent", "confidence", "flow", "mode", "state", "why"]


def _filter_or_400():
    try:
        return run_search.RunFilter.from_args(request.args), run_search.page_number(request.args)
    except run_search.SearchError as error:
        abort(400, str(error))


@blueprint.get("/runs")
@require("audit.view")
def page():
    run_filter, number = _filter_or_400()
    hub = current_hub()
    found = run_search.search(hub, run_filter, page=number)
    asked = run_filter.as_args()

    def page_url(n):
        return url_for("runs.page", **asked, **({"page": n} if n > 1 else {}))

    return render_template("runs.html", found=found, runs=found["runs"], states=STATES, asked=asked,
                           connectors=run_search.connectors_in_use(hub), page_url=page_url,
                           export_url=url_for("runs.export", **asked))


@blueprint.get("/runs.csv")
@require("audit.view")
def export():
    run_filter, _ = _filter_or_400()
    rows = run_search.every(current_hub(), run_filter)
    return Response(stream_with_context(_csv_lines(rows)), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="runs.csv"'})


def _csv_lines(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")

    def flush():
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for run in rows:
        ticket, helpdesk = run["ticket"], run["helpdesk"] or {}
        writer.writerow([_cell(value) for value in (
            run["id"], run["created_at"], run["finished_at"] or "", helpdesk.get("connector", ""),
            helpdesk.get("instance", ""), ticket["number"] or ticket["remote_id"], ticket["subject"],
            ticket["requester_email"] or "", run["intent"] or "",
            "" if run["confidence"] is None else f"{run['confidence']:.2f}",
            run["flow"] or "", run["mode"], run["state"], run["reason"] or "")])
        yield flush()


def _cell(value):
    """A customer's subject that starts like a formula must not run as one in a spreadsheet."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@blueprint.get("/runs/<run_id>")
@require("audit.view")
def run_page(run_id):
    found = timeline(current_hub(), run_id)
    if found is None:
        abort(404, f"no run {run_id}")
    return render_template("run.html", run=found)


@blueprint.get("/api/runs")
@require("audit.view")
def api_list():
    try:
        run_filter = run_search.RunFilter.from_args(request.args)
        number = run_search.page_number(request.args)
        per_page = run_search.page_number(request.args, "per_page") if request.args.get("per_page") else run_search.PER_PAGE
    except run_search.SearchError as error:
        return jsonify(error=str(error)), 400
    return jsonify(run_search.search(current_hub(), run_filter, page=number, per_page=per_page))


@blueprint.get("/api/runs/<run_id>")
@require("audit.view")
def api_run(run_id):
    found = timeline(current_hub(), run_id)
    if found is None:
        return jsonify(error=f"no run {run_id}"), 404
    return jsonify(found)
