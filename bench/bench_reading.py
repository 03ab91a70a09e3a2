"""Benchmark: reading a ticket — split_requests + subject_of per ticket (and per request).

    .venv/bin/python bench/bench_reading.py [--repeat 5] [--json bench/results/reading.json]

Budget (issue #11): risk detection and request splitting together add at most 5 ms p99 per
ticket. This measures the splitting side and the subject, on every ticket of the reading
evaluation sets (eval/requests/*.jsonl and eval/subject/*.jsonl, four languages), side by side
in one run: split alone, subject alone, and the whole reading (split, then subject_of on each
span), plus the worst case on 20,000-character hostile text. When hub.understanding.risks is
present (another engineer's module) its detector is timed in the same run so the two can be
added up against the budget; otherwise the script says so. No classifier is involved: with
`classify` the splitter's own cost is the same, plus one classifier call per piece.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "reading.json"

from hub.understanding.requests import split_requests  # noqa: E402
from hub.understanding.subject import subject_of  # noqa: E402


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def pick(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": round(ordered[-1] * 1000, 3), "n": len(ordered)}


def timed(fn, items, repeat: int, clock=time.perf_counter) -> list[float]:
    samples = []
    for _ in range(repeat):
        for item in items:
            start = clock()
            fn(item)
            samples.append(clock() - start)
    return samples


def measured(fn, items, repeat: int) -> dict:
    """Wall time, and the thread's own CPU time: on a shared machine the tail of wall time is
    mostly waiting for a CPU, which CPU time leaves out."""
    return {"wall": percentiles(timed(fn, items, repeat)),
            "cpu": percentiles(timed(fn, items, repeat, clock=time.thread_time))}


def read_ticket(row: dict) -> None:
    for span in split_requests(row["text"]):
        subject_of(span.text, row.get("requester_email"), row.get("requester_name"))


def tickets() -> list[dict]:
    rows = []
    for name in ("requests/dev", "requests/heldout", "subject/dev", "subject/heldout"):
        for line in (ROOT / "eval" / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


def agent_reading(repeat: int) -> dict:
    """The agent's whole reading of a ticket (Agent.read: language, split with the classifier's
    help, subject, entities, risks, injection) side by side with classifying it once, on the
    replay corpus's dev tickets — what reading adds to the classifier the hub had before."""
    from hub.runtime import Hub

    agent = Hub.load(ROOT / "config", env={}).agent
    items = [json.loads(line) for line in (ROOT / "eval" / "replay" / "dev.jsonl").read_text().splitlines() if line.strip()]
    tickets = [(item["subject"], item["body"], item["requester"]) for item in items]
    for subject, body, requester in tickets[:10]:  # tables and caches that load on first use
        agent.read(body, requester_email=requester, subject=subject)
    classify = lambda t: agent.classifier.classify(f"{t[0]}\n\n{t[1]}")  # noqa: E731
    read = lambda t: agent.read(t[1], requester_email=t[2], subject=t[0])  # noqa: E731
    results = {"classify once (before)": measured(classify, tickets, repeat),
               "Agent.read (now)": measured(read, tickets, repeat)}
    added = [r - c for r, c in zip(timed(read, tickets, repeat, clock=time.thread_time),
                                   timed(classify, tickets, repeat, clock=time.thread_time))]
    results["added by reading, per ticket (CPU)"] = {"cpu": percentiles([max(0.0, a) for a in added]),
                                                     "wall": percentiles([max(0.0, a) for a in added])}
    return results


def risk_detector():
    try:
        from hub.understanding.risks import RiskDetector
    except ImportError:
        return None
    return RiskDetector.from_config(ROOT / "config" / "risks.yaml")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, default=RESULTS)
    parser.add_argument("--agent", action="store_true", help="also time the agent's whole reading against one "
                                                              "classification (loads the classifier)")
    args = parser.parse_args()

    rows = tickets()
    texts = [r["text"] for r in rows]
    hostile = ["my colleague " * 1600, "and can you " * 1700, ". " * 10_000, "Hi,\n\n" * 4_000,
               "a@" * 10_000, "Frau " * 4_000, "x" * 20_000]
    load_before = os.getloadavg()[0]
    for text in texts[:20]:  # warm the regex caches
        read_ticket({"text": text})
    results = {
        "split_requests": measured(split_requests, texts, args.repeat),
        "subject_of (whole ticket)": measured(lambda t: subject_of(t, "ada@example.com"), texts, args.repeat),
        "reading a ticket (split + subject_of per span)": measured(read_ticket, rows, args.repeat),
        "split_requests, hostile 20k chars": measured(split_requests, hostile, 2),
        "subject_of, hostile 20k chars": measured(lambda t: subject_of(t, "a@b.example"), hostile, 2),
    }
    detector = risk_detector()
    if detector is not None:
        results["risk detection"] = measured(detector.detect, texts, args.repeat)
        results["risk detection + split_requests"] = measured(
            lambda t: (detector.detect(t), split_requests(t)), texts, args.repeat)
    else:
        print("hub.understanding.risks is not in this checkout: risk detection not timed", file=sys.stderr)
    if args.agent:
        results.update(agent_reading(max(1, args.repeat // 2)))
    lengths = sorted(len(t) for t in texts)
    print(f"{len(texts)} tickets (median {lengths[len(lengths) // 2]} chars, max {lengths[-1]}), "
          f"{args.repeat} passes; {os.cpu_count()} CPUs; Python {sys.version.split()[0]}; load {load_before:.1f}")
    print("\n| measure | wall p50 | wall p99 | CPU p50 | CPU p99 | CPU max |\n|---|---|---|---|---|---|")
    for label, value in results.items():
        wall, cpu = value["wall"], value["cpu"]
        print(f"| {label} | {wall['p50_ms']} ms | {wall['p99_ms']} ms | {cpu['p50_ms']} ms | {cpu['p99_ms']} ms "
              f"| {cpu['max_ms']} ms |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "benchmark": "reading",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "tickets": len(texts),
        "repeat": args.repeat,
        "results": results,
    }, indent=1))
    print(f"raw numbers: {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
