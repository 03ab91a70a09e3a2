"""Benchmark: rendering a customer-facing message in English and through its translation.

    .venv/bin/python bench/bench_i18n.py [--json out.json]

Every shipped message is rendered with the facts of tests/agent/data/message_samples.yaml, in
one process, back to back: the flow template rendered directly (what nodes did before
catalogues), then through ``Catalogues.render`` in English, German, French and Spanish (a
catalogue lookup, Babel's money and date forms). Ratios are to the direct render. Also the time
to load the three catalogues, which every process pays at start and on each edit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "i18n.json"
ROUNDS = 200


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path, default=RESULTS)
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    from hub.agent import expressions
    from hub.i18n.catalogue import Catalogues
    from hub.i18n.extract import template, where_used

    started = time.perf_counter()
    catalogues = Catalogues.load(ROOT / "config" / "locale")
    load_ms = (time.perf_counter() - started) * 1000
    samples = yaml.safe_load((ROOT / "tests" / "agent" / "data" / "message_samples.yaml").read_text())
    cases = []
    for message in template(ROOT / "config"):
        if message.id and message.context is None:
            key = message.id if message.locations[0][0].startswith("hub/") else where_used(message)
            cases += [(message.id, sample["facts"]) for sample in samples[key]]

    def per_render_us(render):
        timings = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            for english, facts in cases:
                render(english, facts)
            timings.append((time.perf_counter() - start) / len(cases) * 1e6)
        return statistics.median(timings)

    results = {"messages": len(cases), "rounds": ROUNDS, "catalogue_load_ms": round(load_ms, 1),
               "render_us": {"direct": round(per_render_us(expressions.render), 1)}}
    for language in ("en", "de", "fr", "es"):
        results["render_us"][language] = round(per_render_us(
            lambda english, facts, language=language: catalogues.render(english, facts, language)), 1)
    results.update(time=time.strftime("%Y-%m-%dT%H:%M:%S"), load_average=[load_before, os.getloadavg()[0]])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    direct = results["render_us"]["direct"]
    print(f"| render one message (median of {ROUNDS} rounds over {len(cases)} messages) | µs | ratio to direct |")
    print("| --- | --- | --- |")
    for name, value in results["render_us"].items():
        print(f"| {name} | {value} | {value / direct:.2f} |")
    print(f"\ncatalogues loaded (de, fr, es) in {results['catalogue_load_ms']} ms; "
          f"load average {results['load_average'][0]:.1f} → {results['load_average'][1]:.1f}")


if __name__ == "__main__":
    main()
