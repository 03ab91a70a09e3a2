"""Benchmark: intent classification and embeddings, numpy MiniLM vs. sentence-transformers + torch.

    .venv/bin/python bench/bench_classify.py [--torch-python /tmp/refvenv/bin/python] [--json out.json]

Writes the raw numbers to bench/results/classify.json (or --json) and prints a Markdown table;
with both sides, torch/numpy ratios come from this one run, measured back to back.

Each side runs in its own fresh process so load time and resident memory (RSS) are its own.
The torch side needs a throw-away virtualenv with torch==2.13.0 (CPU) and sentence-transformers;
it is skipped, and says so, when --torch-python is not given. Texts are the tickets of
eval/intents.jsonl, so lengths are those of real support messages.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVAL_FILE = ROOT / "eval" / "intents.jsonl"
RESULTS = ROOT / "bench" / "results" / "classify.json"
# Measures both sides take, compared as torch / numpy (above 1: numpy is cheaper).
COMPARED = {
    "load_s": "model load",
    "rss_after_load_mb": "RSS after load",
    "peak_rss_mb": "peak RSS",
    ("embed_one", "p50_ms"): "embed one ticket p50",
    ("embed_one", "p99_ms"): "embed one ticket p99",
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


def throughput(fn, texts, repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        fn(texts)
    return round(repeat * len(texts) / (time.perf_counter() - start), 1)


def worker_numpy(texts: list[str], repeat: int) -> dict:
    import tempfile

    rss_start = rss_mb()
    start = time.perf_counter()
    from hub.understanding.embeddings import MiniLMEmbeddings

    embeddings = MiniLMEmbeddings()
    embeddings.embed_query("warm up")  # weights load lazily on first use
    load_s = time.perf_counter() - start
    rss_loaded = rss_mb()

    from hub.understanding.entities import extract
    from hub.understanding.intents import IntentClassifier

    with tempfile.TemporaryDirectory() as cache:
        os.environ["HUB_CACHE_DIR"] = cache
        start = time.perf_counter()
        IntentClassifier.from_config(ROOT / "config", embeddings)
        train_s = time.perf_counter() - start
        start = time.perf_counter()
        classifier = IntentClassifier.from_config(ROOT / "config", embeddings)
        cached_s = time.perf_counter() - start

    embed_each = timed_each(embeddings.embed_query, texts, repeat)
    classify_each = timed_each(classifier.classify, texts, repeat)
    extract_each = timed_each(extract, texts, repeat)
    hostile = ["1" * 20_000, "a@" * 10_000, "order " * 4_000, "$" * 20_000, "12/" * 7_000]
    extract_hostile = timed_each(extract, hostile, 3)
    return {
        "side": "numpy (hub.understanding)",
        "load_s": round(load_s, 3),
        "rss_before_mb": round(rss_start, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "classifier_train_s": round(train_s, 3),
        "classifier_cached_start_s": round(cached_s, 3),
        "embed_one": percentiles(embed_each),
        "classify_one": percentiles(classify_each),
        "classify_batch_per_s": throughput(classifier.classify_many, texts, repeat),
        "embed_batch_per_s": throughput(embeddings.embed_array, texts, repeat),
        "extract_one": percentiles(extract_each),
        "extract_hostile_20k_chars": percentiles(extract_hostile),
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
    rss_loaded = rss_mb()

    def one(text):
        return model.encode([text], batch_size=1, show_progress_bar=False)

    def batch(items):
        return model.encode(items, batch_size=32, show_progress_bar=False)

    return {
        "side": f"sentence-transformers + torch {torch.__version__}",
        "load_s": round(load_s, 3),
        "rss_before_mb": round(rss_start, 1),
        "rss_after_load_mb": round(rss_loaded, 1),
        "embed_one": percentiles(timed_each(one, texts, repeat)),
        "embed_batch_per_s": throughput(batch, texts, repeat),
        "rss_end_mb": round(rss_mb(), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "torch_threads": torch.get_num_threads(),
    }


def run_worker(python: str, side: str, repeat: int, extra: list[str]) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    completed = subprocess.run(
        [python, __file__, "--worker", side, "--repeat", str(repeat), *extra],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"{side} worker failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def value(result: dict, key):
    return result.get(key[0], {}).get(key[1]) if isinstance(key, tuple) else result.get(key)


def ratios(results: list[dict]) -> dict:
    """torch / numpy for every measure both sides took; batch throughput as numpy / torch."""
    if len(results) < 2:
        return {}
    numpy_side, torch_side = results
    found = {label: round(value(torch_side, key) / value(numpy_side, key), 2) for key, label in COMPARED.items()}
    found["embed throughput, batches of 32 (numpy / torch)"] = round(
        numpy_side["embed_batch_per_s"] / torch_side["embed_batch_per_s"], 2
    )
    return found


def report(results: list[dict], texts: list[str]) -> str:
    lengths = sorted(len(t) for t in texts)
    rows = [
        ("model load (import + weights + first call)", "load_s", "s"),
        ("RSS after load", "rss_after_load_mb", "MB"),
        ("peak RSS during the run", "peak_rss_mb", "MB"),
        ("embed one ticket p50", ("embed_one", "p50_ms"), "ms"),
        ("embed one ticket p99", ("embed_one", "p99_ms"), "ms"),
        ("embed throughput, batches of 32", "embed_batch_per_s", "tickets/s"),
        ("classify one ticket p50", ("classify_one", "p50_ms"), "ms"),
        ("classify one ticket p99", ("classify_one", "p99_ms"), "ms"),
        ("classify throughput (classify_many)", "classify_batch_per_s", "tickets/s"),
        ("classifier start, training (no cache)", "classifier_train_s", "s"),
        ("classifier start, from cache", "classifier_cached_start_s", "s"),
        ("entity extraction p50", ("extract_one", "p50_ms"), "ms"),
        ("entity extraction p99", ("extract_one", "p99_ms"), "ms"),
        ("entity extraction, 20k-char hostile text p99", ("extract_hostile_20k_chars", "p99_ms"), "ms"),
    ]
    header = "| measure | " + " | ".join(r["side"] for r in results) + " |"
    lines = [
        (
            f"{len(texts)} tickets from eval/intents.jsonl (median {lengths[len(lengths) // 2]} chars, "
            f"max {lengths[-1]}); {os.cpu_count()} CPUs; Python {sys.version.split()[0]}"
        ),
        "",
        header,
        "|" + "---|" * (len(results) + 1),
    ]
    for label, key, unit in rows:
        cells = []
        for r in results:
            found = value(r, key)
            cells.append("n/a" if found is None else f"{found} {unit}")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    compared = ratios(results)
    if compared:
        lines += ["", "| ratio, same run | torch / numpy |", "|---|---|"]
        lines += [f"| {label} | {ratio}× |" for label, ratio in compared.items()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", help="python of a throw-away venv with torch + sentence-transformers")
    parser.add_argument("--repeat", type=int, default=2, help="passes over the tickets per measure")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"raw numbers go here (default {RESULTS})")
    parser.add_argument("--worker", choices=["numpy", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--model-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    texts = [json.loads(line)["text"] for line in EVAL_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.worker == "numpy":
        print(json.dumps(worker_numpy(texts, args.repeat)))
        return
    if args.worker == "torch":
        print(json.dumps(worker_torch(texts, args.repeat, args.model_dir)))
        return

    load_before = os.getloadavg()[0]  # numbers from a busy machine are not comparable
    results = [run_worker(sys.executable, "numpy", args.repeat, [])]
    if args.torch_python:
        from hub.understanding.embeddings import model_dir

        results.append(run_worker(args.torch_python, "torch", args.repeat, ["--model-dir", str(model_dir())]))
    else:
        print("torch side skipped: pass --torch-python to compare with sentence-transformers", file=sys.stderr)
    print(report(results, texts))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({
        "benchmark": "classify",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "tickets": len(texts),
        "repeat": args.repeat,
        "sides": results,
        "ratios": ratios(results),
    }, indent=1))
    print(f"raw numbers: {args.json}", file=sys.stderr)


if __name__ == "__main__":
    main()
