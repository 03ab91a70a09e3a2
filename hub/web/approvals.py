"""The approvals queue in the browser (/approvals) and as JSON (/api/approvals)."""

from datetime import datetime, timezone

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for

from ..agent import approvals
from .auth import current_hub, current_principal, require

blueprint = Blueprint("approvals", __name__)


def waited(created_at, now=None):
    """How long an item has waited, as a person says it: "4 min", "2 h 5 min", "3 days"."""
    started = datetime.fromisoformat(created_at)
    if started.tzinfo is None:  # SQLite hands back naive UTC
        started = started.replace(tzinfo=timezone.utc)
    minutes = max(0, int(((now or datetime.now(timezone.utc)) - started).total_seconds() // 60))
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h" + (f" {minutes % 60} min" if minutes % 60 else "")
    return f"{minutes // (24 * 60)} days"


def _decision(value):
    if value in ("approve", "approved", True):
        return True
    if value in ("reject", "rejected", False):
        return False
    return None


@blueprint.get("/approvals")
@require("approvals.view")
def page():
    return render_template("approvals.html", pending=approvals.pending(current_hub()), waited=waited)


@blueprint.post("/approvals/<int:approval_id>")
@require("approvals.decide")
def decide(approval_id):
    approve = _decision(request.form.get("decision"))
    if approve is None:
        flash("Choose approve or reject.", "error")
        return redirect(url_for("approvals.page"))
    try:
        state = approvals.decide(current_hub(), approval_id, approve, current_principal().name,
                                 (request.form.get("note") or "").strip() or None,
                                 amount=(request.form.get("amount") or "").strip() or None)
    except approvals.ApprovalError as error:
        flash(str(error), "error")
        return redirect(url_for("approvals.page"))
    lowered = (request.form.get("amount") or "").strip() if approve else ""
    flash(f"Approval {approval_id} {state}" + (f" for {lowered}." if lowered else "."), "ok")
    return redirect(url_for("approvals.page"))


@blueprint.get("/api/approvals")
@require("approvals.view")
def list_json():
    return jsonify(approvals=approvals.pending(current_hub()))


@blueprint.get("/api/approvals/<int:approval_id>")
@require("approvals.view")
def get_json(approval_id):
    try:
        return jsonify(approvals.get(current_hub(), approval_id))
    except approvals.ApprovalError as error:
        return jsonify(error=str(error)), 404


@blueprint.post("/api/approvals/<int:approval_id>")
@require("approvals.decide")
def decide_json(approval_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or _decision(body.get("decision")) is None:
        return jsonify(error='send {"decision": "approve" | "reject", "note": "optional", '
                             '"amount": "optional, lower than proposed"}'), 400
    note, amount = body.get("note"), body.get("amount")
    if note is not None and not isinstance(note, str):
        return jsonify(error="note must be a string"), 400
    if amount is not None and not isinstance(amount, str):
        return jsonify(error='amount must be a string such as "12.50"'), 400
    try:
        state = approvals.decide(current_hub(), approval_id, _decision(body["decision"]), current_principal().name,
                                 note, amount=amount)
    except approvals.ApprovalError as error:
        return jsonify(error=str(error)), 409
    return jsonify(id=approval_id, state=state)
