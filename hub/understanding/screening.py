"""Scoring the screening layer: precision and recall of risk triggers and of the injection check.

    python -m hub.understanding.screening risks eval/risks/dev.jsonl [--config-dir config] [--errors]
    python -m hub.understanding.screening injection eval/injection/dev.jsonl [--errors]
    python -m hub.understanding.screening replay eval/replay/heldout.jsonl [--errors]

Risk files hold one ``{"text", "language", "triggers": [...]}`` a line (an empty list for a
ticket that must not fire); injection files ``{"text", "language", "injection": bool, "kind"}``.
Replay files (eval/replay/README.md) are scored by their labels: a ``risk:<trigger>`` ticket
must fire that trigger, a resolvable ticket must fire none, an ``injection`` ticket must be
caught and no other may be. All print a Markdown table, so numbers can go into
docs/understanding.md as they are.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import click

from ..config import config_dir as default_config_dir
from ..errors import HubError
from .injection import instructions_to_the_agent
from .risks import RiskDetector


@dataclass
class Counts:
    """True positives, false positives and false negatives of one row of a table."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    examples: int = 0

    def add(self, expected: bool, found: bool) -> None:
        self.tp += expected and found
        self.fp += found and not expected
        self.fn += expected and not found

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass
class Report:
    """Rows by name (a trigger, ``language en`` …, ``any trigger``) and the examples it got wrong."""

    rows: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    errors: list[str] = field(default_factory=list)

    def table(self, title: str) -> str:
        def number(value: float | None) -> str:
            return "—" if value is None else f"{value:.2f}"

        lines = [f"| {title} | examples | positives | precision | recall | false positives | missed |",
                 "|---|---|---|---|---|---|---|"]
        for name, counts in self.rows.items():
            lines.append(f"| {name} | {counts.examples} | {counts.tp + counts.fn} | {number(counts.precision)} "
                         f"| {number(counts.recall)} | {counts.fp} | {counts.fn} |")
        return "\n".join(lines)


def read_examples(path: str | Path, field: str = "text") -> list[dict]:
    """The JSON lines of ``path``, each an object with a string ``field``; a malformed line is a
    ValueError naming it."""
    examples = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                example = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}: line {number}: not JSON: {error}") from None
            if not isinstance(example, dict) or not isinstance(example.get(field), str):
                raise ValueError(f"{path}: line {number}: expected an object with a {field}")
            example["line"] = number
            examples.append(example)
    return examples


def score_risks(detector: RiskDetector, examples: Iterable[dict], enabled: Iterable[str] | None = None) -> Report:
    """Per trigger, per language (micro-averaged over triggers) and for "any trigger" (escalate or not)."""
    enabled = detector.check_enabled(enabled)
    report = Report()
    for name in enabled:
        report.rows[name]  # every trigger gets a row, in the file's order
    for example in examples:
        expected = set(example["triggers"]) & set(enabled)
        hits = detector.detect(example["text"], enabled)
        found = {hit.trigger for hit in hits}
        language = example.get("language", "und")
        for name in enabled:
            report.rows[name].examples += 1
            report.rows[name].add(name in expected, name in found)
            report.rows[f"language {language}"].add(name in expected, name in found)
        report.rows[f"language {language}"].examples += 1
        report.rows["any trigger (escalates)"].examples += 1
        report.rows["any trigger (escalates)"].add(bool(expected), bool(found))
        if expected != found:
            got = ", ".join(f"{hit.trigger}: {hit.phrase!r}" for hit in hits) or "nothing"
            report.errors.append(f"line {example['line']} ({language}) expected {sorted(expected) or 'nothing'}, "
                                 f"got {got}: {example['text']!r}")
    # Triggers first, then languages, then the ticket-level row.
    report.rows = dict(sorted(report.rows.items(), key=lambda item: (item[0].startswith("any"),
                                                                     item[0].startswith("language"))))
    return report


def score_injection(examples: Iterable[dict],
                    check: Callable[[str], str | None] = instructions_to_the_agent) -> Report:
    """Per kind of disguise, per language, and overall."""
    report = Report()
    for example in examples:
        expected, phrase = bool(example["injection"]), check(example["text"])
        found = phrase is not None
        for row in (f"kind {example.get('kind', 'plain')}", f"language {example.get('language', 'und')}", "all"):
            report.rows[row].examples += 1
            report.rows[row].add(expected, found)
        if expected != found:
            report.errors.append(f"line {example['line']} expected {'an attempt' if expected else 'nothing'}, "
                                 f"got {phrase!r}: {example['text'][:200]!r}")
    report.rows = dict(sorted(report.rows.items(), key=lambda item: (item[0] == "all", item[0])))
    return report


def score_replay(detector: RiskDetector, tickets: Iterable[dict]) -> Report:
    """Replay-corpus tickets (subject, body and the customer's replies) against their labels."""
    report = Report()
    for ticket in tickets:
        replies = ticket.get("reply") or []
        texts = [f"{ticket.get('subject') or ''}\n\n{ticket.get('body') or ''}",
                 *([replies] if isinstance(replies, str) else replies)]
        fired = {hit.trigger: hit.phrase for text in texts for hit in detector.detect(text)}
        label = ticket.get("label") or {}
        reason, where = label.get("reason") or "", f"{ticket.get('id', 'line ' + str(ticket['line']))}"
        if reason.startswith("risk:"):
            expected = reason.removeprefix("risk:")
            report.rows[f"risk:{expected}"].examples += 1
            report.rows[f"risk:{expected}"].add(True, expected in fired)
            if expected not in fired:
                report.errors.append(f"{where} expected {expected}, got {fired or 'nothing'}")
        elif label.get("outcome") == "resolved":
            report.rows["resolvable tickets (must not fire)"].examples += 1
            report.rows["resolvable tickets (must not fire)"].add(False, bool(fired))
            if fired:
                report.errors.append(f"{where} is resolvable, got {fired}")
        attempt = instructions_to_the_agent(texts[0])
        report.rows["injection"].examples += 1
        report.rows["injection"].add(reason == "injection", attempt is not None)
        if (reason == "injection") != (attempt is not None):
            report.errors.append(f"{where} injection expected {reason == 'injection'}, got {attempt!r}")
    report.rows = dict(sorted(report.rows.items(), key=lambda item: (not item[0].startswith("risk:"), item[0])))
    return report


@click.group()
def main() -> None:
    """Score the screening layer against a labelled file."""


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--config-dir", type=click.Path(file_okay=False), default=None,
              help="Folder holding risks.yaml (default: $HUB_CONFIG_DIR, else ./config).")
@click.option("--errors", is_flag=True, help="List every example scored wrong.")
def risks(path: str, config_dir: str | None, errors: bool) -> None:
    """Precision and recall of config/risks.yaml on PATH."""
    try:
        detector = RiskDetector.from_config(default_config_dir(config_dir))
        examples = read_examples(path)
    except (HubError, ValueError) as error:
        raise click.ClickException(str(error))
    _print(score_risks(detector, examples), f"{path}: trigger", errors)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--errors", is_flag=True, help="List every example scored wrong.")
def injection(path: str, errors: bool) -> None:
    """Precision and recall of the instructions-to-the-agent check on PATH."""
    try:
        examples = read_examples(path)
    except ValueError as error:
        raise click.ClickException(str(error))
    _print(score_injection(examples), f"{path}: row", errors)


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--config-dir", type=click.Path(file_okay=False), default=None,
              help="Folder holding risks.yaml (default: $HUB_CONFIG_DIR, else ./config).")
@click.option("--errors", is_flag=True, help="List every ticket scored wrong.")
def replay(path: str, config_dir: str | None, errors: bool) -> None:
    """Both checks on a replay-corpus file, scored by its labels (reason codes)."""
    try:
        detector = RiskDetector.from_config(default_config_dir(config_dir))
        tickets = read_examples(path, field="body")
    except (HubError, ValueError) as error:
        raise click.ClickException(str(error))
    _print(score_replay(detector, tickets), f"{path}: row", errors)


def _print(report: Report, title: str, errors: bool) -> None:
    click.echo(report.table(title))
    if errors:
        for line in report.errors:
            click.echo(line)
    elif report.errors:
        click.echo(f"\n{len(report.errors)} examples scored wrong (--errors lists them)")


if __name__ == "__main__":
    sys.exit(main())
