"""Benchmark: language detectors on short support texts, to choose one on the numbers.

    python bench/bench_language.py [--python /tmp/langvenv/bin/python]

Each detector runs in its own fresh process (load time and RSS are its own) over
eval/language/dev.jsonl: short tickets in en/de/fr/es, in 20 other languages, and text with no
language at all. Reported: exact accuracy on the four supported languages, the share of other
languages *not* read as a supported one (an Italian ticket must never pass as English), load
time, RSS after load, and latency. `hub` is hub.understanding.language.detect_language (py3langid
restricted to its candidate languages, with the helpdesk prior). lingua and langdetect are not
dependencies of the hub: give --python a throw-away virtualenv that has them
(pip install py3langid lingua-language-detector langdetect numpy); detectors it lacks are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "eval" / "language" / "dev.jsonl"
RESULTS = ROOT / "bench" / "results" / "language.json"
SUPPORTED = {"en", "de", "fr", "es"}
DETECTORS = ["hub", "py3langid-all", "langdetect", "lingua-all", "lingua-all-low-accuracy"]


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def make(name: str):
    """A function text -> language code for the named detector."""
    if name == "hub":
        from hub.understanding.language import detect_language

        return lambda text: detect_language(text).code
    if name == "py3langid-all":
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return lambda text: identifier.classify(text)[0] if text.strip() else "und"
    if name == "langdetect":
        from langdetect import DetectorFactory, detect
        from langdetect.lang_detect_exception import LangDetectException

        DetectorFactory.seed = 0

        def langdetect_code(text):
            try:
                return detect(text).split("-")[0]
            except LangDetectException:
                return "und"

        return langdetect_code
    if name.startswith("lingua"):
        from lingua import LanguageDetectorBuilder

        builder = LanguageDetectorBuilder.from_all_languages()
        if name.endswith("low-accuracy"):
            builder = builder.with_low_accuracy_mode()
        detector = builder.with_preloaded_language_models().build()

        def lingua_code(text):
            found = detector.detect_language_of(text)
            return found.iso_code_639_1.name.lower() if found else "und"

        return lingua_code
    raise ValueError(name)


def measure(name: str) -> dict:
    rows = [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    start = time.perf_counter()
    detect = make(name)
    detect("warm up")
    load_s = time.perf_counter() - start
    rss = rss_mb()
    samples, answers = [], []
    for _ in range(3):
        answers = []
        for row in rows:
            begin = time.perf_counter()
            answers.append(detect(row["text"]))
            samples.append(time.perf_counter() - begin)
    samples.sort()
    supported = [(r, a) for r, a in zip(rows, answers) if r["language"] in SUPPORTED]
    others = [(r, a) for r, a in zip(rows, answers) if r["language"] not in SUPPORTED | {"und"}]
    return {
        "detector": name,
        "supported_exact": round(sum(a == r["language"] for r, a in supported) / len(supported), 3),
        "other_not_read_as_supported": round(sum(a not in SUPPORTED for _, a in others) / len(others), 3),
        "load_s": round(load_s, 3),
        "rss_after_load_mb": round(rss, 1),
        "p50_ms": round(samples[len(samples) // 2] * 1000, 3),
        "p99_ms": round(samples[int(len(samples) * 0.99)] * 1000, 3),
        "misses": [
            [r["text"], r["language"], a]
            for r, a in zip(rows, answers)
            if r["language"] != "und" and a != r["language"] and (r["language"] in SUPPORTED or a in SUPPORTED)
        ],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter with the detectors to compare")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.worker), ensure_ascii=False))
        return
    results = []
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in DETECTORS:
        done = subprocess.run([args.python, __file__, "--worker", name], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            print(f"{name}: skipped ({done.stderr.strip().splitlines()[-1] if done.stderr else 'failed'})", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print("| detector | en/de/fr/es exact | others not read as supported | load | RSS | p50 / p99 |")
    print("|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['detector']} | {r['supported_exact']:.3f} | {r['other_not_read_as_supported']:.3f} | "
            f"{r['load_s']} s | {r['rss_after_load_mb']} MB | {r['p50_ms']} / {r['p99_ms']} ms |"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "language",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "load_average": os.getloadavg()[0],
        "results": results,
    }, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
