"""Agent runs in the browser (/runs, /runs/<id> as a timeline) and as JSON (/api/runs...)."""

from flask import Blueprint, abort, jsonify, render_template, request

from ..agent.timeline import recent, timeline
from ..models import RunState
from .auth import current_hub, require

blueprint = Blueprint("runs", __name__)
STATES = [state.value for state in RunState]


def _state():
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        abort(400, f"state must be one of {', '.join(STATES)}")
    return state


@blueprint.get("/runs")
@require("audit.view")
def page():
    state = _state()
    return render_template("runs.html", runs=recent(current_hub(), state=state),
                           states=STATES, state=state)


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
    return jsonify(runs=recent(current_hub(), state=_state()))


@blueprint.get("/api/runs/<run_id>")
@require("audit.view")
def api_run(run_id):
    found = timeline(current_hub(), run_id)
    if found is None:
        return jsonify(error=f"no run {run_id}"), 404
    return jsonify(found)
