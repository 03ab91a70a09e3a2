"""CSAT and NPS: a signed survey link per resolved run, and the answers it collects.

Answers are ``survey.answered`` entries in the audit log rather than rows in a new table: they
sit in the same tamper-evident chain as the resolutions they rate, need no migration, and are
few (at most one CSAT and one NPS answer per run). The token is sealed with the hub's own
secret keys (``hub.box``: Fernet, so it is signed, encrypted and survives key rotation), which
means a link cannot be forged for another run or reused for another question.
"""

from datetime import datetime, timedelta, timezone

from sqlalchemy import text
from sqlmodel import select

from ..db import session_scope
from ..errors import ConfigError, HubError
from ..models import AuditEntry, Run

SCALES = {"csat": (1, 5), "nps": (0, 10)}
#: A link older than this is refused: the answer should be about the resolution, not the month.
MAX_AGE = timedelta(days=30)


class SurveyError(HubError):
    """A survey link or answer the hub will not take; the message is safe to show the customer."""


def make_survey_token(hub, run_id, question="csat"):
    """The token for ``/survey/<token>``: names the run and the question, sealed with the hub's keys."""
    if question not in SCALES:
        raise ValueError(f"unknown survey question {question!r}")
    issued = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return hub.box.encrypt({"survey": question, "run": run_id, "issued": issued})


def verify_survey_token(hub, token, now=None):
    """``(run_id, question)`` for a genuine, unexpired token; SurveyError otherwise."""
    try:
        claims = hub.box.decrypt(token)
    except (ConfigError, UnicodeEncodeError, ValueError):
        raise SurveyError("this survey link is not valid")
    if not isinstance(claims, dict) or claims.get("survey") not in SCALES or not claims.get("run"):
        raise SurveyError("this survey link is not valid")
    issued = datetime.fromisoformat(claims["issued"])
    if (now or datetime.now(timezone.utc)) - issued > MAX_AGE:
        raise SurveyError("this survey link has expired")
    return claims["run"], claims["survey"]


def record_answer(hub, token, score, comment=None):
    """Store one answer for the token's run and question; a second answer is refused."""
    run_id, question = verify_survey_token(hub, token)
    low, high = SCALES[question]
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise SurveyError(f"the score must be a whole number from {low} to {high}")
    comment = (comment or "").strip()[:2000] or None
    with session_scope(hub.engine) as session:
        # The audit head's row lock serialises this check with every other append, so two
        # answers submitted at once cannot both land.
        session.execute(text("UPDATE audithead SET seq = seq WHERE id = 1"))
        run = session.get(Run, run_id)
        if run is None:
            raise SurveyError("this survey link is not valid")
        already = session.exec(select(AuditEntry.seq).where(
            AuditEntry.run_id == run_id, AuditEntry.kind == "survey.answered")).all()
        for seq in already:
            if session.get(AuditEntry, seq).data.get("question") == question:
                raise SurveyError("this survey was already answered, thank you")
        entry = hub.audit("survey.answered", {"question": question, "score": score, "comment": comment},
                          actor="customer", run_id=run_id, ticket_id=run.ticket_id, session=session)
        return entry.seq


def scores(records):
    """CSAT and NPS from the answers on ``records`` (history.RunRecord)."""
    answers = {"csat": [], "nps": []}
    for record in records:
        for entry in record.entries("survey.answered"):
            answers[entry.data["question"]].append(entry.data["score"])
    csat, nps = answers["csat"], answers["nps"]
    return {
        # CSAT: the share of satisfied answers (4 or 5 of 5).
        "csat": {"answers": len(csat), "score": _percent(sum(s >= 4 for s in csat), len(csat))},
        # NPS: promoters (9–10) minus detractors (0–6), in points from -100 to 100.
        "nps": {"answers": len(nps),
                "score": None if not nps else round(100 * (sum(s >= 9 for s in nps) - sum(s <= 6 for s in nps)) / len(nps), 1)},
    }


def vendor_ratings(records):
    """The helpdesks' own satisfaction ratings where they keep one (Zendesk: good / bad)."""
    good = bad = 0
    for record in records:
        rating = ((record.ticket.raw or {}).get("satisfaction_rating") or {}).get("score")
        good += rating == "good"
        bad += rating == "bad"
    return {"good": good, "bad": bad, "score": _percent(good, good + bad)}


def _percent(part, whole):
    return None if not whole else round(100 * part / whole, 1)
