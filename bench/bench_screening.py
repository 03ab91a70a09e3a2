"""Benchmark: the screening layer (fold + risk triggers + the instructions-to-the-agent check).

    .venv/bin/python bench/bench_screening.py [--repeat 3] [--json bench/results/screening.json]

Per ticket of a realistic mix, p50/p99 of each stage and of the whole screen the agent runs on
a ticket or a reply; then the same on 100 KB inputs built to be slow; then the one-off cost of
a process's first screen. Side by side, in the same loop and alternating ticket by ticket, it
times the designs this one replaced, so their ratios hold on a busy machine:

- risk patterns as one alternation per trigger, searched directly (what the prefilter avoids);
- the agent's former injection regex (English only, no folding), for what the wider check costs.

The issue's budget: risk detection and request splitting together add at most 5 ms p99 per
ticket; this measures the risk-detection part (request splitting is benchmarked with it).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.understanding.injection import instructions_to_the_agent  # noqa: E402
from hub.understanding.normalise import as_phrase, fold, tables  # noqa: E402
from hub.understanding.risks import RiskDetector  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "screening.json"

#: The agent's check before this layer (hub/agent/agent.py until this change), for comparison.
FORMER_INJECTION = re.compile(
    r"ignore (all |any |your |the |previous |prior )*(rules|instructions|polic(y|ies)|guidelines)"
    r"|disregard (all |your |the |previous )*(rules|instructions)"
    r"|^\s*(system|assistant)\s*:|you are now (in |an? )?|new instructions\s*:|(admin|developer|god) mode"
    r"|jailbreak|prompt injection",
    re.IGNORECASE | re.MULTILINE,
)


def ticket_mix(seed: int = 11) -> tuple[list[str], dict]:
    """Real-looking tickets: the replay corpus, the intent evaluation, the screening dev sets,
    and one in ten a long pasted thread (several tickets quoted, as email clients do)."""
    texts = []
    for line in (ROOT / "eval" / "replay" / "dev.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            ticket = json.loads(line)
            texts.append(f"{ticket.get('subject', '')}\n\n{ticket.get('body', '')}")
    for name in ("eval/understanding/dev/en.jsonl", "eval/risks/dev.jsonl", "eval/injection/dev.jsonl"):
        texts += [json.loads(line)["text"] for line in (ROOT / name).read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    generator = random.Random(seed)
    threads = []
    for _ in range(len(texts) // 10):
        quoted = generator.sample(texts, generator.randint(5, 15))
        threads.append("\n\n".join(f"On Mon, someone wrote:\n> " + text.replace("\n", "\n> ") for text in quoted))
    texts += threads
    lengths = sorted(map(len, texts))
    return texts, {"tickets": len(texts), "threads": len(threads), "median_chars": lengths[len(lengths) // 2],
                   "p99_chars": lengths[int(0.99 * len(lengths))], "max_chars": lengths[-1]}


def hostile_inputs(detector: RiskDetector, seed: int = 5) -> dict[str, str]:
    """100 KB each, built for the worst case of each stage."""
    generator = random.Random(seed)
    size = 100_000
    risky = " ".join(json.loads(line)["text"] for line in (ROOT / "eval" / "risks" / "dev.jsonl")
                     .read_text(encoding="utf-8").splitlines() if json.loads(line)["triggers"])
    mixed = "".join(generator.choice(["Здравствуйте ", "\u200b", "😀", "e\u0301", "ｉｇｎｏｒｅ ", "ß", "\u202e",
                                      "\U000e0069", "日本語", "Ωμέγα "]) for _ in range(size // 3))
    return {
        "plain English (a pasted log of tickets)": ("Where is my parcel? It was due on Tuesday. " * 3000)[:size],
        "dense risk phrases (every dev positive, repeated)": (risky * (size // len(risky) + 1))[:size],
        "mixed scripts, emoji, zero-width, combining marks": mixed[:size],
        "one base64 blob (random bytes)": base64.b64encode(generator.randbytes(size * 3 // 4)).decode()[:size],
        "base64-looking tokens, many": " ".join(base64.b64encode(generator.randbytes(30)).decode()
                                                for _ in range(size // 41))[:size],
        "random code points, all planes": "".join(chr(generator.randrange(0x110000) & ~0x800 | 0x20)
                                                  for _ in range(size)),
    }


def naive_risks(detector: RiskDetector):
    """The same patterns as one alternation per trigger, searched directly: no prefilter."""
    expressions = {name: re.compile("|".join(as_phrase(p) for listed in trigger.patterns.values() for p in listed))
                   for name, trigger in detector.triggers.items()}

    def detect(text: str) -> list[str]:
        folded = fold(text)
        return [name for name, expression in expressions.items() if expression.search(folded)]

    return detect


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 3)

    return {"p50_ms": pick(0.50), "p99_ms": pick(0.99), "max_ms": round(ordered[-1] * 1000, 3),
            "mean_ms": round(1000 * sum(ordered) / len(ordered), 3)}


def measure_side_by_side(stages: dict, texts: list[str], repeat: int) -> dict:
    """Every stage on every text, alternating stage by stage for each text, ``repeat`` passes.

    Besides the wall-clock percentiles of all samples: ``cpu_p99_ms``, the same on the thread's
    CPU time, and ``p99_fastest_ms``, the p99 over tickets of each ticket's fastest pass. The
    machine is shared by up to eight engineers on two cores; a process that is preempted for a
    scheduler time slice (~4 ms) lands that slice in the wall-clock tail however fast the code
    is, and CPU time is what the code costs.
    """
    samples = {name: [] for name in stages}
    cpu = {name: [] for name in stages}
    fastest = {name: [float("inf")] * len(texts) for name in stages}
    for _ in range(repeat):
        for position, text in enumerate(texts):
            for name, stage in stages.items():
                start, start_cpu = time.perf_counter(), time.thread_time()
                stage(text)
                elapsed, used = time.perf_counter() - start, time.thread_time() - start_cpu
                samples[name].append(elapsed)
                cpu[name].append(used)
                fastest[name][position] = min(fastest[name][position], elapsed)
    return {name: {**percentiles(found), "p99_fastest_ms": percentiles(fastest[name])["p99_ms"],
                   "cpu_p50_ms": percentiles(cpu[name])["p50_ms"], "cpu_p99_ms": percentiles(cpu[name])["p99_ms"]}
            for name, found in samples.items()}


def first_use() -> dict:
    """A fresh process: import, Unicode tables, the confusables data, the risk file, first screen."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "from hub.understanding.risks import RiskDetector\n"
        "from hub.understanding.injection import instructions_to_the_agent\n"
        "t1 = time.perf_counter(); d = RiskDetector.from_config('config'); t2 = time.perf_counter()\n"
        "d.detect('Ich gehe zum Anwalt, résilier'); instructions_to_the_agent('ｉｇｎｏｒｅ'); t3 = time.perf_counter()\n"
        "d.detect('second ticket, é'); t4 = time.perf_counter()\n"
        "print(t1 - t0, t2 - t1, t3 - t2, t4 - t3)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    imports, load, first, second = map(float, out.split())
    return {"import_s": round(imports, 3), "load_risks_yaml_s": round(load, 3),
            "first_screen_s (builds the Unicode tables)": round(first, 3), "second_screen_ms": round(second * 1000, 3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="passes over the ticket mix")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"raw numbers go here (default {RESULTS})")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    detector = RiskDetector.from_config(ROOT / "config")
    tables()
    texts, mix = ticket_mix()
    naive = naive_risks(detector)

    def screen(text: str) -> None:  # what the agent runs on a ticket or a reply
        detector.detect(text)
        instructions_to_the_agent(text)

    stages = {
        "fold": fold,
        "risk triggers (fold + detect)": detector.detect,
        "instructions to the agent": instructions_to_the_agent,
        "whole screen (risks + instructions)": screen,
        "baseline: risk patterns without the prefilter": naive,
        "baseline: the former English-only injection regex": FORMER_INJECTION.search,
    }
    per_ticket = measure_side_by_side(stages, texts, args.repeat)
    hostile = {name: measure_side_by_side({k: stages[k] for k in list(stages)[:4]}, [text], 5)
               for name, text in hostile_inputs(detector).items()}
    started = first_use()

    ratios = {
        "risk detection, no prefilter / prefilter, p50": round(
            per_ticket["baseline: risk patterns without the prefilter"]["p50_ms"]
            / per_ticket["risk triggers (fold + detect)"]["p50_ms"], 1),
        "risk detection, no prefilter / prefilter, p99": round(
            per_ticket["baseline: risk patterns without the prefilter"]["p99_ms"]
            / per_ticket["risk triggers (fold + detect)"]["p99_ms"], 1),
        "injection check, new / former, p50": round(
            per_ticket["instructions to the agent"]["p50_ms"]
            / per_ticket["baseline: the former English-only injection regex"]["p50_ms"], 1),
    }
    print(f"ticket mix: {mix}")
    print("\n| per ticket | p50 | p99 | CPU p50 | CPU p99 | p99, fastest pass | max |")
    print("|---|---|---|---|---|---|---|")
    for name, found in per_ticket.items():
        print(f"| {name} | {found['p50_ms']} ms | {found['p99_ms']} ms | {found['cpu_p50_ms']} ms "
              f"| {found['cpu_p99_ms']} ms | {found['p99_fastest_ms']} ms | {found['max_ms']} ms |")
    print("\n| 100 KB input | fold p50 | risks p50 | instructions p50 | whole screen p50 / max | whole screen CPU p50 |")
    print("|---|---|---|---|---|---|")
    for name, found in hostile.items():
        whole = found["whole screen (risks + instructions)"]
        print(f"| {name} | {found['fold']['p50_ms']} ms | {found['risk triggers (fold + detect)']['p50_ms']} ms "
              f"| {found['instructions to the agent']['p50_ms']} ms | {whole['p50_ms']} / {whole['max_ms']} ms "
              f"| {whole['cpu_p50_ms']} ms |")
    print(f"\nratios (same run): {ratios}\nfirst use in a fresh process: {started}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "benchmark": "screening",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "ticket_mix": mix,
        "repeat": args.repeat,
        "per_ticket": per_ticket,
        "hostile_100kb": hostile,
        "ratios": ratios,
        "first_use": started,
    }, indent=1))


if __name__ == "__main__":
    main()
