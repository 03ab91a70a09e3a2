"""Benchmark: the understanding stack with the multilingual USE encoder vs. today's MiniLM.

    .venv/bin/python bench/bench_classify.py [--torch-python /tmp/refvenv/bin/python] [--json out.json]

Writes the raw numbers to bench/results/classify.json (or --json) and prints a Markdown table;
USE / MiniLM ratios come from this one run, measured back to back.

Each side runs in its own fresh process so load time and resident memory (RSS) are its own. The
classifier is trained once per side beforehand (into a temporary cache), so "load" is what a hub
worker pays at start: importing the stack, reading the cached classifier, the encoder's weights
and the language detector, and classifying a first ticket. Classifying a ticket includes
detecting its language. Texts are the dev tickets of eval/understanding/dev/ in every language
present, so lengths and scripts are those of real support messages. The optional torch side
(sentence-transformers on MiniLM, in a throw-away virtualenv) is skipped without --torch-python.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEV_DIR = ROOT / "eval" / "understanding" / "dev"
RESULTS = ROOT / "bench" / "results" / "classify.json"
SIDES = {"use": "USE v3 (multilingual, default)", "minilm": "MiniLM (English only, before)"}
# Measures both sides take, compared as MiniLM / USE (above 1: USE is cheaper).
COMPARED = {
    "load_s": "stack load",
    "rss_after_load_mb": "RSS after load",
    "peak_rss_mb": "peak RSS",
    ("classify_one", "p50_ms"): "classify one ticket p50",
    ("classify_one", "p99_ms"): "classify one ticket p99",
}


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(samples: list[float]) -> dict:
    ordered = sorted(samples)

    def pick(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "p50_ms": round(pick(0.50), 2),
        "p99_ms": round(pick(0.99), 2),
        "mean_ms": round(1000 * sum(ordered) / len(ordered), 2),
    }


def timed_each(fn, texts, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        for text in texts:
            start = time.perf_counter()
            fn(text)
            samples.append(time.perf_counter() - start)
    return samples


def throughput(fn, texts, repeat: int, batch: int = 32) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for i in range(0, len(texts), batch):
            fn(texts[i : i + batch])
    return round(repeat * len(texts) / (time.perf_counter() - start), 1)


def worker_train(provider: str) -> dict:
    """Fill the cache for `provider` (run before the measuring worker, in its own process)."""
    from hub.understanding.intents import IntentClassifier

    start = time.perf_counter()
    IntentClassifier.from_config(ROOT / "config", {"provider": provider})
    return {"classifier_train_s": round(time.perf_counter() - start, 3)}


def worker_measure(provider: str, texts: list[str], repeat: int) -> dict:
    rss_start = rss_mb()
    start = time.perf_counter()
    from hub.understanding.intents import IntentClassifier

    classifier = IntentClassifier.from_config(ROOT / "config", {"provider": provider})
    classifier.classify("warm up: where is my order?")
    load_s = time.perf_counter() - start
    rss_loaded = rss_mb()

    from hub.understanding.entities import extract
    from hub.understanding.language import detect_language

    return {
        "side": SIDES[provider],
        "provider": provider,
        "load_s": round(load_s, 3),
        "rss_before_mb": round(rss_start, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "embed_one": percentiles(timed_each(classifier.embeddings.embed_query, texts, repeat)),
        "detect_language_one": percentiles(timed_each(detect_language, texts, repeat)),
        "classify_one": percentiles(timed_each(classifier.classify, texts, repeat)),
        "classify_batch_per_s": throughput(classifier.classify_many, texts, repeat),
        "extract_one": percentiles(timed_each(extract, texts, repeat)),
        "classify_100kb_log_ms": percentiles(
            timed_each(classifier.classify, ["2026-12-01 12:00:01 ERROR worker-3 KeyError 'sku'\n" * 2000], 5)
        ),
        "rss_end_mb": round(rss_mb(), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def worker_torch(texts: list[str], repeat: int, model_dir: str) -> dict:
    rss_start = rss_mb()
    start = time.perf_counter()
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_dir, device="cpu")
    model.encode(["warm up"])
    load_s = time.perf_counter() - start
    return {
        "side": f"sentence-transformers + torch {torch.__version__} (MiniLM, embedding only)",
        "load_s": round(load_s, 3),
        "rss_before_mb": round(rss_start, 1),
        "rss_after_load_mb": round(rss_mb(), 1),
        "embed_one": percentiles(timed_each(lambda t: model.encode([t], batch_size=1, show_progress_bar=False), texts, repeat)),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_worker(python: str, args: list[str], cache: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HUB_CACHE_DIR=cache)
    completed = subprocess.run([python, __file__, *args], capture_output=True, text=True, env=env, check=False)
    if completed.returncode != 0:
        raise SystemExit(f"worker {args} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def value(result: dict, key):
    return result.get(key[0], {}).get(key[1]) if isinstance(key, tuple) else result.get(key)


def ratios(use: dict, minilm: dict) -> dict:
    return {label: round(value(minilm, key) / value(use, key), 2) for key, label in COMPARED.items()}


def report(results: list[dict], texts: list[str], languages: list[str]) -> str:
    lengths = sorted(len(t) for t in texts)
    rows = [
        ("stack load (import, cached classifier, weights, detector, first ticket)", "load_s", "s"),
        ("RSS after load", "rss_after_load_mb", "MB"),
        ("peak RSS during the run", "peak_rss_mb", "MB"),
        ("embed one ticket p50", ("embed_one", "p50_ms"), "ms"),
        ("embed one ticket p99", ("embed_one", "p99_ms"), "ms"),
        ("detect language p50 / p99", ("detect_language_one", "p50_ms"), "ms"),
        ("", ("detect_language_one", "p99_ms"), "ms"),
        ("**classify one ticket p50** (with language detection)", ("classify_one", "p50_ms"), "ms"),
        ("**classify one ticket p99**", ("classify_one", "p99_ms"), "ms"),
        ("classify throughput (classify_many, batches of 32)", "classify_batch_per_s", "tickets/s"),
        ("classify a 100 KB pasted log, p99", ("classify_100kb_log_ms", "p99_ms"), "ms"),
        ("classifier training (no cache)", "classifier_train_s", "s"),
        ("entity extraction p99", ("extract_one", "p99_ms"), "ms"),
    ]
    lines = [
        (
            f"{len(texts)} dev tickets ({', '.join(languages)}; median {lengths[len(lengths) // 2]} chars, "
            f"max {lengths[-1]}); {os.cpu_count()} CPUs; Python {sys.version.split()[0]}"
        ),
        "",
        "| measure | " + " | ".join(r["side"] for r in results) + " |",
        "|" + "---|" * (len(results) + 1),
    ]
    for label, key, unit in rows:
        cells = ["n/a" if value(r, key) is None else f"{value(r, key)} {unit}" for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    compared = ratios(results[0], results[1])
    lines += ["", "| ratio, same run | MiniLM / USE |", "|---|---|"]
    lines += [f"| {label} | {ratio}× |" for label, ratio in compared.items()]
    return "\n".join(lines)


def dev_texts() -> tuple[list[str], list[str]]:
    texts, languages = [], []
    for path in sorted(DEV_DIR.glob("??.jsonl")):
        languages.append(path.stem)
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts, languages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", help="python of a throw-away venv with torch + sentence-transformers")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the tickets per measure")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"raw numbers go here (default {RESULTS})")
    parser.add_argument("--worker", choices=["train", "measure", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--provider", choices=list(SIDES), help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    texts, languages = dev_texts()
    if args.worker == "train":
        print(json.dumps(worker_train(args.provider)))
        return
    if args.worker == "measure":
        print(json.dumps(worker_measure(args.provider, texts, args.repeat)))
        return
    if args.worker == "torch":
        print(json.dumps(worker_torch(texts, args.repeat, args.model_dir)))
        return

    load_before = os.getloadavg()[0]  # numbers from a busy machine are not comparable
    results = []
    with tempfile.TemporaryDirectory() as cache:
        for provider in SIDES:
            trained = run_worker(sys.executable, ["--worker", "train", "--provider", provider], cache)
            measured = run_worker(
                sys.executable, ["--worker", "measure", "--provider", provider, "--repeat", str(args.repeat)], cache
            )
            results.append({**measured, **trained})
        if args.torch_python:
            from hub.understanding.embeddings import model_dir

            extra = ["--worker", "torch", "--repeat", str(args.repeat), "--model-dir", str(model_dir())]
            results.append(run_worker(args.torch_python, extra, cache))
        else:
            print("torch side skipped: pass --torch-python to compare with sentence-transformers", file=sys.stderr)
    print(report(results, texts, languages))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "benchmark": "classify",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "tickets": len(texts),
        "languages": languages,
        "repeat": args.repeat,
        "sides": results,
        "ratios": ratios(results[0], results[1]),
    }, indent=1))


if __name__ == "__main__":
    main()
