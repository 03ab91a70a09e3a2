"""Knowledge sync from a connected helpdesk: what the vendor path adds to ingest.

    .venv/bin/python bench/bench_knowledge_vendor.py [--articles 500] [--connector zendesk]

Starts the connector's sandbox with hub.testing's harness, connects through OAuth, fills the
sandbox with generated Help Center articles, then times, in one run: the listing alone (one
``list_articles`` call through ``Hub.call``: guard, HTTP pages, audit), the first sync (listing,
split, embed, store), and a re-sync with nothing changed — the scheduled case. Then the stored
rows are written again into two fresh collections, one ``add`` per article and one per group of
articles as sync does, to show what chromadb's per-call cost amounts to. Writes
bench/results/knowledge_vendor.json (or --json).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from hub.knowledge import KnowledgeBase  # noqa: E402
from hub.knowledge.connections import ACTOR, ROLE, ConnectionSource  # noqa: E402
from hub.testing.harness import Harness  # noqa: E402
from hub.tools import CallContext  # noqa: E402
from hub.understanding.embeddings import MiniLMEmbeddings  # noqa: E402

RESULTS = REPO / "bench" / "results" / "knowledge_vendor.json"
TOPICS = ["returns", "refunds", "shipping", "invoices", "passwords", "gift cards", "warranty", "customs"]


def fill_zendesk(sandbox, count: int, seed: int = 11) -> None:
    """``count`` published articles of two to four paragraphs in the sandbox's working data."""
    rng = random.Random(seed)
    with sandbox.lock:
        articles = sandbox.data["articles"]
        template = dict(articles[0])
        articles.clear()
        for number in range(count):
            topic = rng.choice(TOPICS)
            paragraphs = [
                f"<p>To sort out {topic} for order {rng.randint(1000, 9999)}, open your account, choose "
                f"option {rng.randint(1, 40)} and follow step {rng.randint(1, 9)}; it takes "
                f"{rng.randint(1, 14)} working days.</p>"
                for _ in range(rng.randint(2, 4))
            ]
            articles.append(dict(template, id=4420000000 + number, title=f"{topic.capitalize()} guide {number}",
                                 body="".join(paragraphs), updated_at="2026-11-01T09:00:00Z"))


def write_costs(kb) -> dict:
    """Seconds to write the stored chunks again: one ``add`` per article vs. one per group."""
    stored = kb._collection.get(include=["documents", "embeddings", "metadatas"])
    by_article: dict[str, list] = {}
    for row in zip(stored["ids"], stored["documents"], stored["embeddings"], stored["metadatas"]):
        by_article.setdefault(row[3]["key"], []).append(row)
    timings = {}
    for mode, groups in [("per_article", list(by_article.values())),
                         ("grouped_128", _groups([rows for rows in by_article.values()], 128))]:
        collection = kb._client.create_collection(f"bench-writes-{mode.replace('_', '-')}", embedding_function=None,
                                                  configuration={"hnsw": {"space": "cosine"}})
        started = time.perf_counter()
        for group in groups:
            ids, documents, embeddings, metadatas = zip(*group)
            collection.add(ids=list(ids), documents=list(documents), embeddings=list(embeddings),
                           metadatas=list(metadatas))
        timings[f"{mode}_s"] = round(time.perf_counter() - started, 3)
        timings[f"{mode}_calls"] = len(groups)
    timings["per_article_to_grouped"] = round(timings["per_article_s"] / timings["grouped_128_s"], 1)
    return timings


def _groups(articles: list[list], size: int) -> list[list]:
    groups, current = [], []
    for rows in articles:
        current += rows
        if len(current) >= size:
            groups.append(current)
            current = []
    return groups + ([current] if current else [])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=500)
    parser.add_argument("--connector", default="zendesk", choices=["zendesk"],
                        help="only Zendesk's sandbox can be filled with articles today")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"where the numbers go (default {RESULTS})")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    load_before = os.getloadavg()[0]

    embeddings = MiniLMEmbeddings()
    embeddings.embed_query("warm up: load the model once")
    with tempfile.TemporaryDirectory() as folder, Harness(args.connector, folder) as harness:
        connection = harness.connect()
        fill_zendesk(harness.sandbox, args.articles)
        tool = f"{args.connector}.list_articles"
        source = ConnectionSource(harness.hub, connection)

        started = time.perf_counter()
        listed = harness.hub.call(tool, connection, source.arguments(), context=CallContext(actor=ACTOR, role=ROLE))
        listing_s = time.perf_counter() - started

        kb = KnowledgeBase.open({"knowledge": {"path": str(Path(folder) / "chroma")}}, embeddings=embeddings)
        started = time.perf_counter()
        first = kb.sync(source, progress=False)
        first_s = time.perf_counter() - started

        started = time.perf_counter()
        again = kb.sync(source, progress=False)
        again_s = time.perf_counter() - started
        writes = write_costs(kb)

    report = {
        "benchmark": "knowledge_vendor",
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpus": os.cpu_count(),
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "connector": args.connector,
        "articles": args.articles,
        "listing": {"seconds": round(listing_s, 3), "pages": listed.get("pages"),
                    "articles_per_s": round(args.articles / listing_s, 1)},
        "first_sync": {"seconds": round(first_s, 1), "added": first.added, "chunks": first.chunks_written,
                       "chunks_per_s": round(first.chunks_written / first_s, 1),
                       "listing_share": round(listing_s / first_s, 4)},
        "resync_unchanged": {"seconds": round(again_s, 3), "unchanged": again.unchanged},
        "store_writes": writes,
    }
    print(json.dumps(report, indent=2))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
