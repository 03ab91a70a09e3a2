from datetime import datetime, timedelta, timezone

import pytest

from hub import audit
from hub.outcomes import survey


def test_answer_is_stored_in_the_audit_chain_once(hub, story):
    token = survey.make_survey_token(hub, "R1")
    assert survey.verify_survey_token(hub, token) == ("R1", "csat")
    seq = survey.record_answer(hub, token, 4, comment="quick, thanks")
    [entry] = [e for e in audit.export(hub.engine, run_id="R1") if e["kind"] == "survey.answered"]
    assert entry["seq"] == seq and entry["data"] == {"question": "csat", "score": 4, "comment": "quick, thanks"}
    assert entry["actor"] == "customer"
    with pytest.raises(survey.SurveyError, match="already answered"):
        survey.record_answer(hub, token, 5)
    # The NPS question is a separate answer.
    survey.record_answer(hub, survey.make_survey_token(hub, "R1", "nps"), 9)
    assert hub.audit_log.verify() == []


@pytest.mark.parametrize("score", [0, 6, 4.5, "5", True, None])
def test_scores_out_of_range_are_refused(hub, story, score):
    with pytest.raises(survey.SurveyError, match="whole number from 1 to 5"):
        survey.record_answer(hub, survey.make_survey_token(hub, "R1"), score)


def test_forged_tampered_and_expired_links(hub, story):
    token = survey.make_survey_token(hub, "R1")
    for bad in ("", "not-a-token", token[:-4] + "AAAA", "ü" * 10):
        with pytest.raises(survey.SurveyError, match="not valid"):
            survey.verify_survey_token(hub, bad)
    later = datetime.now(timezone.utc) + survey.MAX_AGE + timedelta(minutes=1)
    with pytest.raises(survey.SurveyError, match="expired"):
        survey.verify_survey_token(hub, token, now=later)


def test_link_for_an_unknown_run(hub, story):
    with pytest.raises(survey.SurveyError, match="not valid"):
        survey.record_answer(hub, survey.make_survey_token(hub, "no-such-run"), 5)
