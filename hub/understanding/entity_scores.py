"""Precision and recall of entity extraction and item reading on a labelled JSONL set.

Each line of `eval/entities/{dev,heldout}.jsonl` is one case, either
- an entity case: `{"text", "language", "order_numbers": [...], "amounts": [{"amount",
  "currency"}], "dates": ["yyyy-mm-dd"]}` — the complete expected lists (empty lists are hard
  negatives: a number that must not be read), scored as sets per case; or
- an items case: `{"text", "language", "order": "<key of eval/entities/orders.json>", "items":
  {"included": [{"line_item_id", "quantity"}], "excluded": [...], "all_items", "unresolved"},
  "amount_asked": {"amount", "currency"} | null}`.
Dates are read against `TODAY` (a Thursday), the day the sets were written for.

An items case is right when an expected `unresolved` is unresolved (the agent asks: the lines do
not matter), an expected `all_items` is the whole order, and otherwise the included lines and
quantities and the excluded lines are exactly the expected ones. "Over-reach" counts the worst
error: a line or quantity included beyond what was expected, read as resolved.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from .entities import extract
from .items import amount_asked, items_asked

TODAY = date(2026, 11, 26)
TYPES = ("order_numbers", "amounts", "dates")


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    entities: dict[tuple[str, str], Counts] = field(default_factory=lambda: defaultdict(Counts))  # (type, language)
    items: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # language: [right, cases]
    amount_asked: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    over_reach: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def table(self) -> str:
        languages = sorted({lang for _, lang in self.entities} | set(self.items))
        rows = ["| | " + " | ".join(languages) + " | all |", "|---" * (len(languages) + 2) + "|"]
        for kind in TYPES:
            cells = []
            for lang in [*languages, None]:
                counts = self._total(kind, lang)
                cells.append(f"P {counts.precision:.3f} / R {counts.recall:.3f} ({counts.tp + counts.fn})")
            rows.append(f"| {kind} | " + " | ".join(cells) + " |")
        for name, table in (("items", self.items), ("amount_asked", self.amount_asked)):
            cells = [f"{table[lang][0]}/{table[lang][1]}" for lang in languages]
            right, cases = sum(v[0] for v in table.values()), sum(v[1] for v in table.values())
            rows.append(f"| {name} | " + " | ".join(cells) + f" | {right}/{cases} |")
        rows.append(f"| items over-reach | {len(self.over_reach)} | | | | |")
        return "\n".join(rows)

    def _total(self, kind: str, language: str | None) -> Counts:
        total = Counts()
        for (k, lang), counts in self.entities.items():
            if k == kind and language in (None, lang):
                total.tp, total.fp, total.fn = total.tp + counts.tp, total.fp + counts.fp, total.fn + counts.fn
        return total


def score(path: Path, orders_path: Path | None = None) -> Report:
    path = Path(path)
    orders = json.loads(Path(orders_path or path.with_name("orders.json")).read_text(encoding="utf-8"))
    report = Report()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        case = json.loads(line)
        if "order" in case:
            _score_items(case, orders[case["order"]], report, f"{path.name}:{number}")
        else:
            _score_entities(case, report, f"{path.name}:{number}")
    return report


def _score_entities(case: dict, report: Report, where: str) -> None:
    found = extract(case["text"], today=TODAY, language=case["language"]).to_dict()
    for kind in TYPES:
        expected = {_key(kind, v) for v in case[kind]}
        got = {_key(kind, v) for v in found[kind]}
        counts = report.entities[(kind, case["language"])]
        counts.tp += len(expected & got)
        counts.fp += len(got - expected)
        counts.fn += len(expected - got)
        if expected != got:
            report.errors.append(f"{where} {kind}: expected {sorted(map(str, expected))}, got {sorted(map(str, got))}: {case['text']}")


def _score_items(case: dict, line_items: list[dict], report: Report, where: str) -> None:
    language, want = case["language"], case["items"]
    got = items_asked(case["text"], line_items, language=language)
    included = {(i.line_item_id, i.quantity) for i in got.included}
    if want["unresolved"]:
        right = bool(got.unresolved)
    elif want["all_items"]:
        right = got.all_items and not got.unresolved
    else:
        expected = {(i["line_item_id"], i["quantity"]) for i in want["included"]}
        right = not got.unresolved and included == expected and set(got.excluded) == set(want["excluded"])
        full = {(line["id"], line["quantity"]) for line in line_items}
        if not got.unresolved and (included - (expected or full)):
            report.over_reach.append(f"{where}: {case['text']}")
    report.items[language][0] += right
    report.items[language][1] += 1
    if not right:
        report.errors.append(f"{where} items: expected {want}, got {got.to_dict()}: {case['text']}")
    money = amount_asked(case["text"], language=language)
    expected_money = case.get("amount_asked")
    got_key = None if money is None else (money.amount, money.currency)
    want_key = None if expected_money is None else (Decimal(expected_money["amount"]), expected_money["currency"])
    report.amount_asked[language][0] += got_key == want_key
    report.amount_asked[language][1] += 1
    if got_key != want_key:
        report.errors.append(f"{where} amount_asked: expected {want_key}, got {got_key}: {case['text']}")


def _key(kind: str, value):
    if kind == "amounts":
        return (Decimal(value["amount"]), value["currency"])
    return value


if __name__ == "__main__":  # python -m hub.understanding.entity_scores eval/entities/dev.jsonl
    import sys

    for name in sys.argv[1:]:
        result = score(Path(name))
        print(name)
        print(result.table())
        print(*result.errors, sep="\n")
