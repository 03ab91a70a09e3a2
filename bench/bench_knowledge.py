"""Knowledge-base benchmark: ingest rate and retrieval latency at ~10k chunks.

    .venv/bin/python bench/bench_knowledge.py [--chunks 10000] [--queries 300] [--url http://…]

Builds a throw-away store (embedded by default, a Chroma server with --url) from generated help
articles — one section per chunk, so the chunk count is exact — plus the sample articles in kb/,
then asks the questions of eval/knowledge.jsonl over and over. Prints one JSON object and writes
it to bench/results/knowledge.json (or --json).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.knowledge import Article, CallableSource, KnowledgeBase, LocalFolderSource  # noqa: E402
from hub.knowledge.evaluate import read_questions  # noqa: E402
from hub.understanding.embeddings import MiniLMEmbeddings  # noqa: E402

RESULTS = REPO / "bench" / "results" / "knowledge.json"
SECTIONS_PER_ARTICLE = 10
TOPICS = ["returns", "refunds", "shipping", "invoices", "passwords", "VPN access", "warranty", "gift cards",
          "software licences", "laptops", "delivery slots", "store credit", "customs", "newsletters"]
PRODUCTS = ["trail boots", "rain jacket", "espresso machine", "standing desk", "headphones", "tent",
            "office chair", "monitor", "backpack", "blender", "e-bike", "kettle", "drill", "sofa"]
VERBS = ["request", "cancel", "track", "renew", "update", "confirm", "replace", "report", "approve", "schedule"]


def generated_articles(chunks: int, seed: int = 7) -> list[Article]:
    rng = random.Random(seed)
    articles = []
    for number in range(chunks // SECTIONS_PER_ARTICLE):
        topic, product = rng.choice(TOPICS), rng.choice(PRODUCTS)
        sections = []
        for section in range(SECTIONS_PER_ARTICLE):
            sentences = [
                f"To {rng.choice(VERBS)} {topic} for a {rng.choice(PRODUCTS)}, open the "
                f"{rng.choice(['account', 'order', 'portal', 'app'])} page and choose option {rng.randint(1, 99)}."
                for _ in range(rng.randint(3, 5))
            ]
            sections.append(f"## {topic.capitalize()} step {section + 1}\n\n" + " ".join(sentences))
        articles.append(
            Article(
                "bench",
                f"generated-{number}",
                f"{topic.capitalize()} for the {product} ({number})",
                f"https://help.example/generated/{number}",
                "\n\n".join(sections),
            )
        )
    return articles


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--url", help="Chroma server URL instead of an embedded store")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where the numbers go (default {RESULTS})")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]  # numbers from a busy machine are not comparable

    embeddings = MiniLMEmbeddings()
    started = time.perf_counter()
    embeddings.embed_query("warm up: load the model once")
    load_seconds = time.perf_counter() - started

    with tempfile.TemporaryDirectory() as folder:
        knowledge = {"path": folder, "collection": f"bench-{int(time.time())}"}
        if args.url:
            knowledge["url"] = args.url
        kb = KnowledgeBase.open({"knowledge": knowledge}, embeddings=embeddings)
        articles = generated_articles(args.chunks)

        started = time.perf_counter()
        result = kb.sync(CallableSource("bench", lambda: articles), progress=True)
        ingest_seconds = time.perf_counter() - started

        # The common case for a scheduled sync: nothing changed, so nothing is embedded.
        started = time.perf_counter()
        unchanged = kb.sync(CallableSource("bench", lambda: articles), progress=False).unchanged
        resync_seconds = time.perf_counter() - started

        # Embedding alone on a sample, to tell model time from store time.
        sample = [c.embed_text for a in articles[:50] for c in kb.chunker.split(a.title, a.body)]
        started = time.perf_counter()
        embeddings.embed_documents(sample)
        embed_rate = len(sample) / (time.perf_counter() - started)

        kb.sync(LocalFolderSource(REPO / "kb"), progress=False)
        questions = [row["question"] for row in read_questions(REPO / "eval" / "knowledge.jsonl")]
        query_vectors = {}
        search_ms, ask_ms, embed_ms, store_ms = [], [], [], []
        for i in range(args.queries):
            question = questions[i % len(questions)]
            started = time.perf_counter()
            kb.search(question, 5)
            search_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            kb.ask(question)
            ask_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            query_vectors[question] = embeddings.embed_query(question)
            embed_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            kb._collection.query(query_embeddings=[query_vectors[question]], n_results=5)
            store_ms.append((time.perf_counter() - started) * 1000)

        report = {
            "benchmark": "knowledge",
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "cpus": os.cpu_count(),
            "load_average": {"before": load_before, "after": os.getloadavg()[0]},
            "store": "chroma server" if args.url else "embedded chromadb",
            "chunks_in_store": kb.count(),
            "model_load_s": round(load_seconds, 2),
            "ingest": {
                "chunks": result.chunks_written,
                "seconds": round(ingest_seconds, 1),
                "chunks_per_s": round(result.chunks_written / ingest_seconds, 1),
                "embedding_only_chunks_per_s": round(embed_rate, 1),
            },
            "resync_unchanged": {"articles": unchanged, "seconds": round(resync_seconds, 2)},
            "latency_ms": {
                name: {"p50": round(statistics.median(values), 2), "p99": round(percentile(values, 0.99), 2)}
                for name, values in [
                    ("ask", ask_ms),
                    ("search_k5", search_ms),
                    ("query_embedding", embed_ms),
                    ("chroma_query_k5", store_ms),
                ]
            },
            "queries": args.queries,
        }
    print(json.dumps(report, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
