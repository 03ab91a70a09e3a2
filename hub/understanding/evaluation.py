"""Scores for labelled sets and out-of-domain sets.

A labelled set gets accuracy, macro-F1, coverage at the threshold, accuracy of the answered
tickets, a confusion table and its calibration (expected calibration error and the reliability
table behind it). An out-of-domain set (requests to other businesses, everyday life; no intent
label) gets the share refused (out_of_scope or unsure) and the share read as an intent that acts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .intents import Classification
from .taxonomy import OUT_OF_SCOPE, UNSURE, Taxonomy
CALIBRATION_BINS = 10


@dataclass(frozen=True)
class Reliability:
    low: float
    high: float
    count: int
    confidence: float  # mean top confidence of the tickets in the bin
    accuracy: float  # share of them whose top intent is right


@dataclass(frozen=True)
class Report:
    examples: int
    accuracy: float  # top intent, ignoring the threshold
    macro_f1: float  # top intent, averaged over every intent that was expected or predicted
    coverage: float  # share answered (at or above the threshold)
    accuracy_at_threshold: float  # accuracy among the answered ones
    confusion: dict[tuple[str, str], int]  # (expected, predicted top intent or 'unsure') -> count
    labels: list[str]
    calibration_error: float = 0.0  # expected calibration error of the top confidence
    reliability: tuple[Reliability, ...] = ()
    name: str = ""  # the set's name, e.g. its language


@dataclass(frozen=True)
class OutOfDomainReport:
    requests: int
    refused: float  # out_of_scope or unsure
    acting: float  # answered as an intent whose flow acts
    answered_as: dict[str, int]  # the intents the unrefused ones were read as
    by_language: dict[str, tuple[int, float, float]]  # language -> (requests, refused, acting)


def reliability(confidences: list[float], correct: list[bool], bins: int = CALIBRATION_BINS):
    """Equal-width bins of confidence; ECE is their accuracy gaps weighted by size."""
    table, error = [], 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        inside = [i for i, c in enumerate(confidences) if low <= c < high or (b == bins - 1 and c == 1.0)]
        if not inside:
            continue
        confidence = sum(confidences[i] for i in inside) / len(inside)
        accuracy = sum(correct[i] for i in inside) / len(inside)
        table.append(Reliability(low, high, len(inside), confidence, accuracy))
        error += len(inside) / len(confidences) * abs(confidence - accuracy)
    return error, tuple(table)


def evaluate(expected: list[str], results: list[Classification], taxonomy: Taxonomy, name: str = "") -> Report:
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
    error, table = reliability([r.confidence for r in results], [e == p for e, p in zip(expected, top)])
    return Report(
        examples=len(expected),
        accuracy=sum(e == p for e, p in zip(expected, top)) / len(expected),
        macro_f1=sum(f1s) / len(f1s) if f1s else 0.0,
        coverage=len(answered) / len(expected),
        accuracy_at_threshold=sum(e == p for e, p in answered) / len(answered) if answered else 0.0,
        confusion=dict(confusion),
        labels=labels,
        calibration_error=error,
        reliability=table,
        name=name,
    )


def evaluate_out_of_domain(results: list[Classification], languages: list[str], taxonomy: Taxonomy) -> OutOfDomainReport:
    if len(results) != len(languages) or not results:
        raise ValueError("need one classification per request, and at least one")

    def refused(r: Classification) -> bool:
        return r.unsure or r.intent == OUT_OF_SCOPE

    def acting(r: Classification) -> bool:
        return not r.unsure and r.intent in taxonomy.acting

    by_language = {}
    for language in sorted(set(languages)):
        group = [r for r, lang in zip(results, languages) if lang == language]
        by_language[language] = (
            len(group),
            sum(map(refused, group)) / len(group),
            sum(map(acting, group)) / len(group),
        )
    return OutOfDomainReport(
        requests=len(results),
        refused=sum(map(refused, results)) / len(results),
        acting=sum(map(acting, results)) / len(results),
        answered_as=dict(Counter(r.intent for r in results if not refused(r)).most_common()),
        by_language=by_language,
    )


def _thresholds(taxonomy: Taxonomy) -> str:
    overrides = ", ".join(f"{i.name} {i.threshold}" for i in taxonomy.intents if i.threshold is not None)
    text = f"{taxonomy.threshold}"
    if taxonomy.acting_threshold is not None:
        text += f"; acting intents {taxonomy.acting_threshold}"
    if taxonomy.domain_margin is not None or taxonomy.acting_domain_margin is not None:
        text += f"; out-of-domain margin {taxonomy.domain_margin}, acting {taxonomy.acting_domain_margin}"
    return text + (f" ({overrides})" if overrides else "")


def format_report(report: Report, taxonomy: Taxonomy) -> str:
    lines = [
        f"examples:              {report.examples}",
        f"accuracy:              {report.accuracy:.3f}",
        f"macro-F1:              {report.macro_f1:.3f}",
        f"threshold:             {_thresholds(taxonomy)}",
        f"coverage at threshold: {report.coverage:.3f}",
        f"accuracy at threshold: {report.accuracy_at_threshold:.3f}",
        f"calibration error:     {report.calibration_error:.3f} (ECE, {CALIBRATION_BINS} bins)",
        "",
        format_reliability(report),
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


def format_reliability(report: Report) -> str:
    lines = ["reliability (top confidence vs. accuracy of the top intent)", "  confidence   tickets  mean conf.  accuracy"]
    for b in report.reliability:
        lines.append(f"  {b.low:.1f}-{b.high:.1f}   {b.count:>9}  {b.confidence:>10.3f}  {b.accuracy:>8.3f}")
    return "\n".join(lines)


def format_summary(reports: list[Report], taxonomy: Taxonomy) -> str:
    """One line per labelled set: the numbers docs/understanding.md reports per language."""
    lines = [
        f"threshold: {_thresholds(taxonomy)}",
        "",
        "set        tickets  accuracy  macro-F1  coverage  accuracy answered  ECE",
    ]
    for r in reports:
        lines.append(
            f"{r.name or '-':<10} {r.examples:>7}  {r.accuracy:>8.3f}  {r.macro_f1:>8.3f}  {r.coverage:>8.3f}"
            f"  {r.accuracy_at_threshold:>17.3f}  {r.calibration_error:.3f}"
        )
    return "\n".join(lines)


def format_out_of_domain(report: OutOfDomainReport) -> str:
    lines = [
        f"out of domain: {report.requests} requests, refused {report.refused:.3f}, "
        f"read as an acting intent {report.acting:.3f}",
        "  language  requests  refused  acting",
    ]
    for language, (count, refused, acting) in report.by_language.items():
        lines.append(f"  {language:<8}  {count:>8}  {refused:>7.3f}  {acting:>6.3f}")
    if report.answered_as:
        lines.append("  not refused, read as: " + ", ".join(f"{k} {v}" for k, v in report.answered_as.items()))
    return "\n".join(lines)
