"""/survey/<token>: the customer rates a resolution (CSAT), from the link in the agent's reply.

Public on purpose — the customer has no account here. The sealed token is the credential: it
names one run and one question, expires, and is answered once (hub.outcomes.survey).
"""

from flask import Blueprint, render_template, request

from ..outcomes.survey import SCALES, SurveyError, record_answer, verify_survey_token
from .auth import current_hub

blueprint = Blueprint("survey", __name__)


@blueprint.route("/survey/<token>", methods=["GET", "POST"])
def answer(token):
    hub = current_hub()
    try:
        _run_id, question = verify_survey_token(hub, token)
    except SurveyError as error:
        return render_template("survey.html", error=str(error)), 400
    low, high = SCALES[question]
    if request.method == "GET":
        return render_template("survey.html", question=question, scores=range(low, high + 1))
    try:
        score = int(request.form.get("score", ""))
    except ValueError:
        score = None
    try:
        record_answer(hub, token, score, request.form.get("comment"))
    except SurveyError as error:
        return render_template("survey.html", error=str(error)), 400
    return render_template("survey.html", thanks=True)
