"""Scores for a labelled set: accuracy, macro-F1, coverage at the threshold, confusion table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .intents import Classification
from .taxonomy import UNSURE, Taxonomy


@dataclass(frozen=True)
class Report:
    examples: int
    accuracy: float  # top intent, ignoring the threshold
    macro_f1: float  # top intent, averaged over every intent that was expected or predicted
    coverage: float  # share answered (at or above the threshold)
    accuracy_at_threshold: float  # accuracy among the answered ones
    confusion: dict[tuple[str, str], int]  # (expected, predicted top intent or 'unsure') -> count
    labels: list[str]


def evaluate(expected: list[str], results: list[Classification], taxonomy: Taxonomy) -> Report:
    if len(expected) != len(results) or not expected:
        raise ValueError("need one classification per expected intent, and at least one")
    top = [r.best_guess or UNSURE for r in results]
    answered = [(e, r.intent) for e, r in zip(expected, results) if not r.unsure]
    labels = [n for n in taxonomy.names if n in set(expected) | set(top)]
    f1s = []
    for label in labels:
        tp = sum(e == label and p == label for e, p in zip(expected, top))
        fp = sum(e != label and p == label for e, p in zip(expected, top))
        fn = sum(e == label and p != label for e, p in zip(expected, top))
        f1s.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    confusion = Counter((e, UNSURE if r.unsure else r.intent) for e, r in zip(expected, results))
    return Report(
        examples=len(expected),
        accuracy=sum(e == p for e, p in zip(expected, top)) / len(expected),
        macro_f1=sum(f1s) / len(f1s) if f1s else 0.0,
        coverage=len(answered) / len(expected),
        accuracy_at_threshold=sum(e == p for e, p in answered) / len(answered) if answered else 0.0,
        confusion=dict(confusion),
        labels=labels,
    )


def format_report(report: Report, taxonomy: Taxonomy) -> str:
    overrides = ", ".join(f"{i.name} {i.threshold}" for i in taxonomy.intents if i.threshold is not None)
    lines = [
        f"examples:              {report.examples}",
        f"accuracy:              {report.accuracy:.3f}",
        f"macro-F1:              {report.macro_f1:.3f}",
        f"threshold:             {taxonomy.threshold}" + (f" ({overrides})" if overrides else ""),
        f"coverage at threshold: {report.coverage:.3f}",
        f"accuracy at threshold: {report.accuracy_at_threshold:.3f}",
        "",
        "confusion (rows: expected; columns: answer at the threshold, numbered as the rows; ? = unsure)",
    ]
    columns = report.labels
    width = max(3, len(str(report.examples)) + 1)
    name_width = max(len(n) for n in columns) + 5
    lines.append(" " * name_width + "".join(f"{i + 1:>{width}}" for i in range(len(columns))) + f"{'?':>{width}}")
    for i, expected in enumerate(columns):
        cells = [report.confusion.get((expected, predicted), 0) for predicted in [*columns, UNSURE]]
        row = "".join(f"{c or '.':>{width}}" for c in cells)
        lines.append(f"{i + 1:>3} {expected:<{name_width - 4}}{row}")
    return "\n".join(lines)
