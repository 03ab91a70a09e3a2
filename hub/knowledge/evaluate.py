"""Measuring retrieval on a labelled question set, and fitting the confidence calibration.

A question file is JSONL: ``{"question": ..., "article": remote_id}``, with ``"article": null``
for questions no article answers, and optionally ``"language"``: then only articles in that
language are searched, and ``article`` names the English original (the id its translations
share). Retrieval is scored once per question; metrics and the Platt
calibration are then computed from those scores, so cross-validation costs no extra searches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .answer import calibrated
from .errors import KnowledgeError


@dataclass(frozen=True, eq=False)  # identity: two rows may ask the same question
class Scored:
    question: str
    expected: str | None
    ranked: list[str]  # distinct remote ids, best first
    top_score: float

    @property
    def top_is_right(self) -> bool:
        return self.expected is not None and self.ranked[:1] == [self.expected]


def read_questions(path: str | Path) -> list[dict]:
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise KnowledgeError(f"{path}:{number}: not JSON ({error})") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) or "article" not in row:
            raise KnowledgeError(f"{path}:{number}: needs a string 'question' and an 'article' (or null)")
        rows.append(row)
    return rows


def score_questions(kb, rows: list[dict], depth: int = 20) -> list[Scored]:
    scored = []
    for row in rows:
        hits = kb.search(row["question"], depth, language=row.get("language"))
        ranked = list(dict.fromkeys(hit.article_id for hit in hits))
        scored.append(Scored(row["question"], row["article"], ranked, hits[0].score if hits else 0.0))
    return scored


def metrics(scored: list[Scored], calibration: dict, threshold: float) -> dict:
    """hit@1/hit@3 over answerable questions, and how the threshold splits answers from refusals."""
    answerable = [s for s in scored if s.expected is not None]
    decisions = [(s, calibrated(s.top_score, calibration) < threshold) for s in scored]
    return {
        "questions": len(scored),
        "answerable": len(answerable),
        "unanswerable": len(scored) - len(answerable),
        "hit@1": _share(answerable, lambda s: s.expected in s.ranked[:1]),
        "hit@3": _share(answerable, lambda s: s.expected in s.ranked[:3]),
        **_threshold_metrics(decisions),
    }


def fit_calibration(scored: list[Scored]) -> dict:
    """Platt scaling: logistic regression of "the best chunk's article is right" on its score.

    Newton's method on two parameters with a small ridge so a perfectly separable set still
    gives finite numbers.
    """
    x = np.array([s.top_score for s in scored])
    y = np.array([1.0 if s.top_is_right else 0.0 for s in scored])
    if y.min() == y.max():
        raise KnowledgeError(
            "calibration needs both right and wrong top answers among the questions it is fitted on"
        )
    design = np.column_stack([x, np.ones_like(x)])
    weights = np.zeros(2)
    ridge = 1e-3 * np.eye(2)
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-design @ weights))
        gradient = design.T @ (p - y) + ridge @ weights
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + ridge
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-9:
            break
    return {"slope": round(float(weights[0]), 3), "intercept": round(float(weights[1]), 3)}


def cross_validated(scored: list[Scored], threshold: float, folds: int = 5) -> dict:
    """Threshold metrics where each question is judged by a calibration fitted without it."""
    decisions = []
    for fold in range(folds):
        fitted = fit_calibration([s for i, s in enumerate(scored) if i % folds != fold])
        decisions += [(s, calibrated(s.top_score, fitted) < threshold) for s in scored[fold::folds]]
    return _threshold_metrics(decisions)


def _threshold_metrics(decisions: list[tuple[Scored, bool]]) -> dict:
    refused = [s for s, refuse in decisions if refuse]
    answered = [s for s, refuse in decisions if not refuse]
    return {
        # Of the questions we refused, how many deserved it (nothing answers them, or we'd cite wrong).
        "refusal_precision": _share(refused, lambda s: not s.top_is_right),
        # Of the questions nothing answers, how many we refused.
        "refusal_recall": _share([s for s, _ in decisions if s.expected is None], lambda s: s in refused),
        # Of the answers we gave, how many cite the right article first.
        "answer_precision": _share(answered, lambda s: s.top_is_right),
        # Of the questions an article answers, how many we answered (rightly or not).
        "coverage": _share([s for s, _ in decisions if s.expected is not None], lambda s: s in answered),
    }


def _share(items, predicate) -> float | None:
    return round(sum(1 for i in items if predicate(i)) / len(items), 3) if items else None
