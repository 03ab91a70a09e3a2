"""`hub classify`: intents and entities for JSONL tickets, or scores on a labelled set."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click
import yaml

from .entities import extract
from .errors import UnderstandingConfigError
from .evaluation import (
    evaluate,
    evaluate_out_of_domain,
    format_out_of_domain,
    format_report,
    format_reliability,
    format_summary,
)
from .intents import IntentClassifier

BATCH = 64  # tickets embedded per call: large enough for throughput, small enough to stream


@click.command("classify")
@click.argument("file", type=click.File("rb"), required=False)
@click.option(
    "--eval",
    "eval_paths",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Labelled JSONL (text and intent per line), an out-of-domain JSONL (text and language, no "
    "intent), or a folder of them such as eval/understanding/dev; repeatable. One labelled file: "
    "accuracy, macro-F1, coverage, calibration and a confusion table; several: a line per file "
    "(named by its language) and the out-of-domain refusal rates.",
)
@click.option(
    "--map",
    "map_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML or JSON mapping intent names in the --eval file to the taxonomy's names.",
)
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=lambda: os.environ.get("HUB_CONFIG_DIR", "config"),
    show_default="$HUB_CONFIG_DIR or ./config",
    help="Folder holding intents.yaml.",
)
def classify(file, eval_paths, map_file, config_dir):
    """Classify tickets from FILE (JSONL with a `text` field per line; stdin when omitted).

    Writes one JSON line per ticket with intent, confidence, language and entities.
    """
    if eval_paths and file is not None:
        raise click.UsageError("give either FILE to classify or --eval FILE to score, not both")
    try:
        classifier = IntentClassifier.from_config(config_dir)
    except UnderstandingConfigError as exc:
        raise click.ClickException(str(exc)) from None

    if eval_paths:
        score(classifier, eval_files(eval_paths), read_mapping(map_file, classifier.taxonomy.names) if map_file else {})
        return

    rows = read_jsonl(file or sys.stdin.buffer, need_intent=False)
    for start in range(0, len(rows), BATCH):
        batch = rows[start : start + BATCH]
        for (_, row), result in zip(batch, classifier.classify_many([r["text"] for _, r in batch])):
            out = {"id": row["id"]} if "id" in row else {}
            out.update(
                intent=result.intent,
                confidence=result.confidence,
                unsure=result.unsure,
                language=result.language,
                reason=result.reason,
                entities=extract(row["text"]).to_dict(),
            )
            click.echo(json.dumps(out, ensure_ascii=False))


def eval_files(paths: tuple[Path, ...]) -> list[Path]:
    """The JSONL files named, a folder standing for the *.jsonl files in it."""
    files = []
    for path in paths:
        found = sorted(path.glob("*.jsonl")) if path.is_dir() else [path]
        if not found:
            raise click.ClickException(f"{path}: no .jsonl files in this folder")
        files.extend(found)
    return files


def score(classifier: IntentClassifier, files: list[Path], mapping: dict[str, str]) -> None:
    taxonomy = classifier.taxonomy
    labelled, out_of_domain, everything = [], [], ([], [])
    for path in files:
        with path.open("rb") as stream:
            rows = read_jsonl(stream, need_intent=False, where=path.name)
        if rows and all("intent" not in row and "language" in row for _, row in rows):
            out_of_domain.extend(rows)
            continue
        expected = []
        for number, row in rows:
            if not isinstance(row.get("intent"), str):
                raise click.ClickException(f'{path.name}: line {number}: "intent" must be a string in an --eval file')
            label = mapping.get(row["intent"], row["intent"])
            if label not in taxonomy.names:
                raise click.ClickException(
                    f"{path.name}: line {number}: intent {row['intent']!r} is not in the taxonomy; map it with --map"
                )
            expected.append(label)
        results = classify_in_batches(classifier, [row["text"] for _, row in rows])
        labelled.append(evaluate(expected, results, taxonomy, name=path.stem))
        everything[0].extend(expected)
        everything[1].extend(results)
    if len(labelled) == 1 and not out_of_domain:
        click.echo(format_report(labelled[0], taxonomy))
        return
    if len(labelled) > 1:
        labelled.append(evaluate(*everything, taxonomy, name="all"))
    if labelled:
        click.echo(format_summary(labelled, taxonomy))
        for report in labelled:
            click.echo(f"\n{report.name}: " + format_reliability(report))
    if out_of_domain:
        results = classify_in_batches(classifier, [row["text"] for _, row in out_of_domain])
        languages = [str(row.get("language", "-")) for _, row in out_of_domain]
        click.echo(("\n" if labelled else "") + format_out_of_domain(evaluate_out_of_domain(results, languages, taxonomy)))


def classify_in_batches(classifier: IntentClassifier, texts: list[str]):
    results = []
    for start in range(0, len(texts), BATCH):
        results.extend(classifier.classify_many(texts[start : start + BATCH]))
    return results


def read_jsonl(stream, need_intent: bool, where: str = "") -> list[tuple[int, dict]]:
    """(line number, object) for every non-blank line, or an error naming the first bad line."""
    rows = []
    for number, raw in enumerate(stream, start=1):
        # Invalid bytes become U+FFFD: a ticket with a stray byte still gets classified.
        line = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
        if not line.strip():
            continue
        at = f"{where}: line {number}" if where else f"line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"{at}: not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(row, dict):
            raise click.ClickException(f'{at}: expected a JSON object with a "text" field')
        if not isinstance(row.get("text"), str):
            raise click.ClickException(f'{at}: "text" must be a string')
        if need_intent and not isinstance(row.get("intent"), str):
            raise click.ClickException(f'{at}: "intent" must be a string in an --eval file')
        rows.append((number, row))
    return rows


def read_mapping(path: Path, names: list[str]) -> dict[str, str]:
    try:
        mapping = yaml.safe_load(path.read_text(encoding="utf-8"))  # JSON is YAML too
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path}: not valid YAML or JSON ({exc})") from None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise click.ClickException(f"{path}: expected a mapping of their intent names to ours")
    unknown = sorted({v for v in mapping.values() if v not in names})
    if unknown:
        raise click.ClickException(f"{path}: maps to names not in the taxonomy: {', '.join(unknown)}")
    return mapping


if __name__ == "__main__":  # python -m hub.understanding.cli, until the lead attaches it to `hub`
    sys.exit(classify())
