"""Benchmark: entity extraction and item reading per ticket, in four languages, and on bad input.

    .venv/bin/python bench/bench_entities.py [--repeat 5] [--baseline-rev 4d63df9] [--json out.json]

Writes the raw numbers to bench/results/entities.json (or --json) and prints a Markdown table.

Tickets: every text of eval/entities/{dev,heldout}.jsonl, eval/understanding/dev/en.jsonl and
eval/replay/dev.jsonl (support messages in English, German, French and Spanish). Bad input: 100 KB of
pasted application logs, 100 KB of emoji, 100 KB of random bytes decoded as UTF-8, and the runs
built to make regular expressions backtrack (20,000 digits, "a@" repeated, "order " repeated …).

Side by side in the same run, measured back to back: `extract()` as it was before the four-language
work (hub/understanding/entities.py at --baseline-rev, loaded from git into a throw-away module:
it used only the standard library) against today's, so the ratio holds when the machine is busy.
Without git or that revision the baseline column is skipped and the script says so.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "entities.json"
BASELINE_REV = "4d63df9"  # the last commit before entities in four languages


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def pick(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {"p50_ms": round(pick(0.50), 3), "p99_ms": round(pick(0.99), 3), "max_ms": round(ordered[-1] * 1000, 3)}


def timed_each(fn, texts, repeat: int) -> dict:
    """Wall-clock and CPU-time percentiles of `fn` over `texts`. On a machine shared with other
    work the wall clock also counts the time spent waiting for a CPU; CPU time is the work itself."""
    wall, cpu = [], []
    for _ in range(repeat):
        for text in texts:
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn(text)
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start)
    return {"wall": percentiles(wall), "cpu": percentiles(cpu)}


def tickets() -> list[str]:
    texts = []
    for path in [ROOT / "eval" / "entities" / "dev.jsonl", ROOT / "eval" / "entities" / "heldout.jsonl",
                 ROOT / "eval" / "understanding" / "dev" / "en.jsonl", ROOT / "eval" / "replay" / "dev.jsonl"]:
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                text = row.get("text") or "\n\n".join(filter(None, [row.get("subject"), row.get("body")]))
                if isinstance(text, str) and text:
                    texts.append(text)
    return texts


def bad_input() -> dict[str, str | bytes]:
    rng = random.Random(12)
    log_lines = []
    while sum(map(len, log_lines)) < 100_000:
        n = len(log_lines)
        log_lines.append(
            f"2026-11-{1 + n % 28:02d}T10:{n % 60:02d}:{(7 * n) % 60:02d}.{n % 1000:03d}Z INFO [worker-{n % 8}] "
            f"order_id={1000 + n} line {n} took {n % 997} ms status=200 amount=EUR {n % 300},{n % 100:02d} "
            f"trace=0x{rng.getrandbits(64):016x} at com.shop.Checkout.process(Checkout.java:{n % 900})"
        )
    return {
        "100 KB pasted log": "\n".join(log_lines)[:100_000],
        "100 KB emoji": "😀🙈💥🧢👟" * 20_000,
        "100 KB random bytes": bytes(rng.getrandbits(8) for _ in range(100_000)),
        "20,000 digits": "1" * 20_000,
        '"a@" × 10,000': "a@" * 10_000,
        '"order " × 4,000': "order " * 4_000,
        '"12/" × 7,000': "12/" * 7_000,
        '"1001, " × 4,000': "1001, " * 4_000,
        '"the blue one, " × 2,000': "the blue one, " * 2_000,
    }


def load_baseline(rev: str):
    try:
        source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:hub/understanding/entities.py"],
                                check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        print(f"baseline skipped: cannot read hub/understanding/entities.py at {rev} ({error})", file=sys.stderr)
        return None
    path = Path(tempfile.mkdtemp()) / "entities_baseline.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("entities_baseline", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline-rev", default=BASELINE_REV)
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()

    from hub.understanding.entities import extract
    from hub.understanding.items import amount_asked, items_asked

    order = json.loads((ROOT / "eval" / "entities" / "orders.json").read_text(encoding="utf-8"))["G"]
    texts = tickets()
    bad = bad_input()
    baseline = load_baseline(args.baseline_rev)
    load_before = os.getloadavg()[0]

    def read_ticket(text):  # what the agent does with a refund or return ticket
        extract(text)
        items_asked(text, order)
        amount_asked(text)

    measures = {"tickets": len(texts), "median_chars": sorted(map(len, texts))[len(texts) // 2]}
    # Warm up (compiled patterns are cached on first use), then measure the sides back to back.
    for fn in (extract, read_ticket, *((baseline.extract,) if baseline else ())):
        fn(texts[0])
    measures["extract_before"] = timed_each(baseline.extract, texts, args.repeat) if baseline else None
    measures["extract"] = timed_each(extract, texts, args.repeat)
    measures["extract_with_language"] = timed_each(lambda t: extract(t, language="de"), texts, args.repeat)
    measures["items_asked"] = timed_each(lambda t: items_asked(t, order), texts, args.repeat)
    measures["amount_asked"] = timed_each(amount_asked, texts, args.repeat)
    measures["read_ticket"] = timed_each(read_ticket, texts, args.repeat)
    measures["bad_input"] = {}
    for name, text in bad.items():
        row = {"extract": timed_each(extract, [text], 5), "read_ticket": timed_each(read_ticket, [text], 5)}
        if baseline:
            row["extract_before"] = timed_each(baseline.extract, [text], 5)
        measures["bad_input"][name] = row
    measures["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    measures["when"] = time.strftime("%Y-%m-%d %H:%M")

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(measures, indent=2) + "\n", encoding="utf-8")
    print(report(measures))


def report(m: dict) -> str:
    def cell(p, clock):
        return f"{p[clock]['p50_ms']:.3f} / {p[clock]['p99_ms']:.3f}" if p else "n/a"

    def ratio(new, old):
        return f"{new['cpu']['p99_ms'] / old['cpu']['p99_ms']:.1f}×" if old and old["cpu"]["p99_ms"] else ""

    rows = [
        f"{m['tickets']} tickets (median {m['median_chars']} characters), load average "
        f"{m['load_average'][0]} before and {m['load_average'][1]} after, {m['when']}",
        "",
        "| per ticket, ms | CPU p50 / p99 | wall p50 / p99 | CPU p99 / before |",
        "|---|---|---|---|",
    ]
    for key, label in [("extract_before", "`extract` before the four languages"), ("extract", "`extract`"),
                       ("extract_with_language", '`extract(language="de")`'), ("items_asked", "`items_asked` (4 lines)"),
                       ("amount_asked", "`amount_asked`"), ("read_ticket", "all three (a refund ticket)")]:
        after = ratio(m[key], m["extract_before"]) if key == "extract" else ""
        rows.append(f"| {label} | {cell(m[key], 'cpu')} | {cell(m[key], 'wall')} | {after} |")
    rows += ["", "| bad input, ms (CPU p50 of 5) | `extract` before | `extract` | all three |", "|---|---|---|---|"]
    for name, row in m["bad_input"].items():
        before = f"{row['extract_before']['cpu']['p50_ms']:.1f}" if "extract_before" in row else "n/a"
        rows.append(f"| {name} | {before} | {row['extract']['cpu']['p50_ms']:.1f} | {row['read_ticket']['cpu']['p50_ms']:.1f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    main()
