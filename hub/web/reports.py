"""The monthly statement in the browser (/reports/statement), as CSV and as JSON.

All three show ``hub.outcomes.billing.statement`` for ``?month=YYYY-MM`` (default: this month
in the contract's time zone), the same figures ``hub report`` prints: a page, a file and an API
can never disagree about what was billed.
"""

from datetime import datetime

from flask import Blueprint, Response, jsonify, render_template, request

from ..outcomes import billing
from .auth import current_hub, require
from .dashboard import contract_or_problem

blueprint = Blueprint("reports", __name__)


def _statement(api=False):
    """``(statement, None)`` or ``(None, error response)``."""
    contract, problem = contract_or_problem(api=api)
    if problem:
        return None, problem
    month = (request.args.get("month") or "").strip() or datetime.now(contract.zone).strftime("%Y-%m")
    try:
        return billing.statement(current_hub(), contract, month), None
    except billing.BillingError:
        what = f"month must be a month written YYYY-MM, from 1970-01 to 9998-12, such as 2026-05, not {month!r}"
        if api:
            return None, (jsonify(error=what, hint="GET /api/reports/statement?month=YYYY-MM"), 400)
        return None, (render_template("statement.html", error=what, month=month), 400)


@blueprint.get("/reports/statement")
@require("reports.view")
def statement():
    result, problem = _statement()
    if problem:
        return problem
    return render_template("statement.html", statement=result, month=result["month"])


@blueprint.get("/reports/statement.csv")
@require("reports.view")
def statement_csv():
    result, problem = _statement()
    if problem:
        return problem
    return Response(billing.to_csv(result), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="statement-{result["month"]}.csv"'})


@blueprint.get("/api/reports/statement")
@require("reports.view")
def statement_json():
    result, problem = _statement(api=True)
    if problem:
        return problem
    return jsonify(result)
