"""Scores for reading a ticket: whose request it is (`subject_of`) and its requests (`split_requests`).

    python -m hub.understanding.reading_eval [eval/subject/dev.jsonl] [eval/requests/dev.jsonl] [--classifier]

Subject files hold one ticket a line: ``{"text", "language", "requester_email", "kind", "name",
"email", "relation"}`` (and optionally ``"requester_name"``). A ticket counts as right when the
kind is; name, email and relation are scored apart, over the tickets whose gold gives them.
Two error rates matter more than accuracy, and are printed on their own:

- *missed*: someone else's (or an unclear) request read as the requester's — the agent would act
  on the wrong account;
- *false alarm*: the requester's own request read as someone else's or unclear — a needless handoff.

Request files hold ``{"text", "language", "requests": [{"text", "intent"}, ...]}``. The gold texts
are the core words of each request; a ticket is split right when the number of spans equals the
number of requests and the i-th gold text lies inside the i-th span (white space and case
ignored). So context, greetings and signatures may attach anywhere, but a pleasantry reported as
a request, or two requests in one span, is wrong. Over- and under-splitting are counted apart.
Splitting is scored three ways: without `classify` (the conservative default), with an *oracle*
`classify` that answers each piece with the intent of the gold request it belongs to (the merge
logic's upper bound, independent of any classifier's quality), and, with ``--classifier``, with the
shipped `IntentClassifier`.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

from .requests import split_requests
from .subject import OTHER, REQUESTER, UNCLEAR, subject_of

ROOT = Path(__file__).resolve().parents[2]


def read_jsonl(path: str | Path) -> list[dict]:
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: line {number}: not JSON ({error.msg})") from None
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise ValueError(f"{path}: line {number}: expected an object with a 'text' string")
        rows.append(row)
    return rows


def _same_name(found: str | None, gold: str | None) -> bool:
    from .subject import _fold

    return (found is None and gold is None) or (
        found is not None and gold is not None and _fold(" ".join(found.split())) == _fold(" ".join(gold.split())))


def score_subjects(rows: Iterable[dict]) -> dict:
    """Accuracy per kind and per language, missed and false-alarm rates, field accuracy."""
    by = defaultdict(lambda: [0, 0])
    fields = defaultdict(lambda: [0, 0])
    missed = false_alarm = others = own = 0
    wrong = []
    for row in rows:
        got = subject_of(row["text"], row.get("requester_email"), row.get("requester_name"))
        right = got.kind == row["kind"]
        for key in ("all", f"kind:{row['kind']}", f"language:{row['language']}"):
            by[key][0] += right
            by[key][1] += 1
        if row["kind"] == REQUESTER:
            own += 1
            false_alarm += got.kind != REQUESTER
        else:
            others += 1
            missed += got.kind == REQUESTER
        if right and row["kind"] == OTHER:
            for field in ("name", "email", "relation"):
                if row.get(field) is not None:
                    found = getattr(got, field)
                    ok = _same_name(found, row[field]) if field == "name" else found == row[field]
                    fields[field][0] += ok
                    fields[field][1] += 1
        if not right:
            wrong.append({"text": row["text"], "gold": row["kind"], "got": got.kind, "evidence": got.evidence})
    return {
        "accuracy": {key: _rate(*value) | {"n": value[1]} for key, value in sorted(by.items())},
        "missed": _rate(missed, others) | {"n": others},
        "false_alarm": _rate(false_alarm, own) | {"n": own},
        "fields_when_kind_right": {key: _rate(*value) | {"n": value[1]} for key, value in sorted(fields.items())},
        "wrong": wrong,
    }


def oracle_classify(requests: list[dict]) -> Callable[[str], tuple[str, float, bool]]:
    """A classify that knows the answer: a piece holding (or held by) a gold request gets its intent.

    Anything else (context, thanks, a signature) is unsure. It measures the splitter's merging
    logic on its own, as if the classifier were perfect.
    """
    golds = [(" ".join(r["text"].lower().split()), r.get("intent") or "request") for r in requests]

    def classify(piece: str) -> tuple[str, float, bool]:
        squeezed = " ".join(piece.lower().split())
        for gold, intent in golds:
            if gold in squeezed or (len(squeezed) > 8 and squeezed in gold):
                return intent, 1.0, False
        return "out_of_scope", 0.3, True

    return classify


def split_right(spans, requests: list[dict]) -> bool:
    if len(spans) != len(requests):
        return False
    return all(" ".join(r["text"].lower().split()) in " ".join(s.text.lower().split()) for s, r in zip(spans, requests))


def score_requests(rows: Iterable[dict], classify_for: Callable[[dict], Callable | None]) -> dict:
    by = defaultdict(lambda: [0, 0])
    over = under = 0
    wrong = []
    for row in rows:
        spans = split_requests(row["text"], classify=classify_for(row))
        requests = row["requests"]
        right = split_right(spans, requests)
        several = "several" if len(requests) > 1 else "one"
        for key in ("all", f"language:{row['language']}", f"requests:{several}"):
            by[key][0] += right
            by[key][1] += 1
        over += len(spans) > len(requests)
        under += len(spans) < len(requests)
        if not right:
            wrong.append({"text": row["text"], "gold": [r["text"] for r in requests], "got": [s.text for s in spans]})
    total = by["all"][1]
    return {
        "accuracy": {key: _rate(*value) | {"n": value[1]} for key, value in sorted(by.items())},
        "over_split": _rate(over, total),
        "under_split": _rate(under, total),
        "wrong": wrong,
    }


def _rate(hits: int, total: int) -> dict:
    return {"rate": round(hits / total, 3) if total else None, "hits": hits}


def _print_subject(name: str, result: dict) -> None:
    print(f"subject — {name}")
    for key, value in result["accuracy"].items():
        print(f"  {key:<20} {value['rate']:.3f}  ({value['hits']}/{value['n']})")
    print(f"  missed (acts on the requester):   {result['missed']['rate']:.3f}  ({result['missed']['hits']}/{result['missed']['n']})")
    print(f"  false alarm (needless handoff):  {result['false_alarm']['rate']:.3f}  ({result['false_alarm']['hits']}/{result['false_alarm']['n']})")
    for key, value in result["fields_when_kind_right"].items():
        print(f"  {key + ' right':<20} {value['rate']:.3f}  ({value['hits']}/{value['n']})")


def _print_requests(name: str, mode: str, result: dict) -> None:
    print(f"requests — {name} — {mode}")
    for key, value in result["accuracy"].items():
        print(f"  {key:<20} {value['rate']:.3f}  ({value['hits']}/{value['n']})")
    print(f"  over-split {result['over_split']['rate']:.3f}   under-split {result['under_split']['rate']:.3f}")


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    use_classifier = "--classifier" in args
    verbose = "--wrong" in args
    paths = [a for a in args if not a.startswith("--")] or [
        str(ROOT / "eval/subject/dev.jsonl"), str(ROOT / "eval/requests/dev.jsonl")]
    classifier = None
    if use_classifier:
        from .intents import IntentClassifier

        classifier = IntentClassifier.from_config(ROOT / "config")
    for path in paths:
        rows = read_jsonl(path)
        if rows and "kind" in rows[0]:
            result = score_subjects(rows)
            _print_subject(path, result)
        else:
            modes = [("no classify", lambda row: None), ("oracle classify", lambda row: oracle_classify(row["requests"]))]
            if classifier is not None:
                def real(text, _c=classifier):
                    c = _c.classify(text)
                    return c.best_guess or c.intent, c.confidence, c.unsure
                modes.append(("IntentClassifier", lambda row, _r=real: _r))
            for mode, classify_for in modes:
                result = score_requests(rows, classify_for)
                _print_requests(path, mode, result)
                if verbose:
                    for item in result["wrong"]:
                        print("   ✗", json.dumps(item, ensure_ascii=False))
            continue
        if verbose:
            for item in result["wrong"]:
                print("   ✗", json.dumps(item, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
