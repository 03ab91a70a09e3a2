"""The knowledge base: sync articles from sources into chromadb, search them, answer from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping

from langchain_core.embeddings import Embeddings
from tqdm import tqdm

from hub.understanding.embeddings import load_embeddings

from .answer import Answer, Hit, calibrated, compose
from .articles import Article
from .errors import KnowledgeError, SourceError
from .settings import KnowledgeSettings, as_mapping
from .store import open_client, open_collection
from .text import Chunker, html_to_markdown, looks_binary

# Chunks embedded per model call during sync.
EMBEDDING_BATCH = 128


@dataclass
class SyncResult:
    """Counts of articles per outcome; ``skipped`` lists (remote_id, reason) for articles not stored."""

    source: str
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    chunks_written: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


class KnowledgeBase:
    """Help articles in a chromadb collection, embedded with the hub's LangChain embeddings.

    Open with ``KnowledgeBase.open(settings)``; ``settings["knowledge"]`` is described in
    docs/knowledge.md and ``settings["embeddings"]`` chooses the embedding provider.
    """

    def __init__(self, settings: KnowledgeSettings, embeddings: Embeddings):
        self.settings = settings
        self.embeddings = embeddings
        self.chunker = Chunker(settings.chunk_size, settings.chunk_overlap)
        self._client = open_client(settings)
        self._collection = open_collection(self._client, settings, embeddings)

    @classmethod
    def open(cls, settings: Mapping[str, Any] | None = None, embeddings: Embeddings | None = None):
        """Open (creating if needed) the store the settings name, with their embeddings by default.

        ``settings`` is the hub's settings (a dict, or the ``hub.config.Settings`` model).
        """
        settings = as_mapping(settings)
        knowledge = KnowledgeSettings.from_settings(settings)
        if embeddings is None:
            embeddings = load_embeddings(settings.get("embeddings"))
        return cls(knowledge, embeddings)

    def reset(self) -> None:
        """Drop every stored chunk, e.g. after switching embedding model."""
        self._client.delete_collection(self.settings.collection)
        self._collection = open_collection(self._client, self.settings, self.embeddings)

    def count(self) -> int:
        """Number of stored chunks."""
        return self._collection.count()

    # -- sync ---------------------------------------------------------------------------------

    def sync(self, source, progress: bool | None = None) -> SyncResult:
        """Bring the store in line with what ``source`` lists now.

        New articles are added, changed ones (by content hash) re-embedded, and articles the
        source no longer lists lose their chunks. The listing is read in full first, so a source
        that fails part-way changes nothing. ``progress=None`` shows a bar only on a terminal.
        """
        try:
            listed = list(source.articles())
        except KnowledgeError:
            raise
        except Exception as error:
            raise SourceError(f"source {source.name!r} failed to list articles: {error}") from error
        result = SyncResult(source.name)
        stored = self._stored_articles(source.name)
        seen: set[str] = set()
        to_write: list[tuple[Article, list, str, bool]] = []
        for article in listed:
            if article.source != source.name:
                result.skipped.append((article.remote_id, f"filed under another source ({article.source!r})"))
                continue
            if article.key in seen:
                result.skipped.append((article.remote_id, "listed twice; kept the first"))
                continue
            seen.add(article.key)
            markdown, problem = self._readable(article)
            if problem:
                result.skipped.append((article.remote_id, problem))
                seen.discard(article.key)  # so a stored older version is removed below
                continue
            digest = article.content_hash(self.chunker.settings)
            if stored.get(article.key) == digest:
                result.unchanged += 1
                continue
            chunks = self.chunker.split(article.title, markdown)
            if not chunks:
                result.skipped.append((article.remote_id, "no text after conversion"))
                seen.discard(article.key)
                continue
            to_write.append((article, chunks, digest, article.key in stored))

        for key in stored.keys() - seen:
            self._collection.delete(where={"key": key})
            result.deleted += 1
        with tqdm(
            total=len(to_write), desc=f"kb sync {source.name}", unit="article", disable=_progress_disabled(progress)
        ) as bar:
            for group in _embedding_batches(to_write):
                # One embedding call for several small articles: the model is much faster on
                # a full batch than on many batches of a few chunks.
                texts = [chunk.embed_text for _, chunks, _, _ in group for chunk in chunks]
                vectors = iter(self.embeddings.embed_documents(texts))
                rows = []
                for article, chunks, digest, existed in group:
                    if existed:
                        self._collection.delete(where={"key": article.key})
                    rows += self._rows(article, chunks, [next(vectors) for _ in chunks], digest)
                # One write for the group: chromadb pays a fixed cost per call, which per article
                # was most of the time a help center of short articles took to ingest.
                self._add(rows)
                for article, chunks, digest, existed in group:
                    result.chunks_written += len(chunks)
                    if existed:
                        result.updated += 1
                    else:
                        result.added += 1
                    bar.update()
        return result

    def _readable(self, article: Article) -> tuple[str, str | None]:
        """The article as Markdown, or the reason it cannot be stored."""
        if not article.title.strip() or not article.url.strip():
            return "", "no title or URL to cite it by"
        if len(article.body) > self.settings.max_article_chars:
            return "", f"body longer than knowledge.max_article_chars ({self.settings.max_article_chars})"
        if looks_binary(article.body):
            return "", "body is binary, not text"
        markdown = html_to_markdown(article.body) if article.looks_like_html else article.body
        if not markdown.strip():
            return "", "body is empty"
        return markdown, None

    def _stored_articles(self, source: str) -> dict[str, str | None]:
        """key -> content hash for every article of ``source`` that has chunks.

        The hash lives on chunk 0, which is written last, so an article whose write was cut short
        maps to ``None`` and is rewritten on the next sync.
        """
        found = self._collection.get(where={"source": source}, include=["metadatas"])
        articles: dict[str, str | None] = {}
        for meta in found["metadatas"]:
            articles.setdefault(meta["key"], None)
            if meta["chunk_index"] == 0:
                articles[meta["key"]] = meta["content_hash"]
        return articles

    def _rows(self, article: Article, chunks, vectors, digest: str) -> list[tuple]:
        """(id, text, vector, metadata) per chunk, chunk 0 last: it carries the hash that marks
        the article complete, so whatever cuts a write short leaves the article to be redone."""
        prefix = hashlib.sha1(article.key.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        base = {
            "source": article.source,
            "remote_id": article.remote_id,
            "key": article.key,
            "title": article.title,
            "url": article.url,
            "updated_at": article.updated_at.isoformat() if article.updated_at else "",
            "language": article.language,
            "article": article.article_id,
        }
        rows = [
            (f"{prefix}-{i}", chunk.text, vector, {**base, "section": chunk.section, "chunk_index": i})
            for i, (chunk, vector) in enumerate(zip(chunks, vectors))
        ]
        rows[0][3]["content_hash"] = digest
        return rows[1:] + rows[:1]

    def _add(self, rows: list[tuple]) -> None:
        # Written in order, so an article's chunk 0 never lands before the rest of its chunks.
        batch = self._client.get_max_batch_size()
        for start in range(0, len(rows), batch):
            ids, documents, embeddings, metadatas = zip(*rows[start : start + batch])
            self._collection.add(
                ids=list(ids), documents=list(documents), embeddings=list(embeddings), metadatas=list(metadatas)
            )

    # -- retrieval ----------------------------------------------------------------------------

    def search(self, query: str, k: int | None = None, language: str | None = None) -> list[Hit]:
        """The ``k`` chunks most similar to ``query``, best first (fewer if the store is small);
        with ``language``, only chunks of articles written in it."""
        k = self.settings.top_k if k is None else k
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        text = _question_text(query)[: self.settings.max_question_chars]
        if not text.strip() or looks_binary(text):
            return []
        total = self._collection.count()
        if total == 0:
            return []
        found = self._collection.query(
            query_embeddings=[self.embeddings.embed_query(text)],
            n_results=min(k, total),
            where={"language": language} if language else None,
            include=["documents", "metadatas", "distances"],
        )
        return [
            Hit(
                text=document,
                title=meta["title"],
                url=meta["url"],
                section=meta.get("section", ""),
                score=1.0 - distance,
                source=meta["source"],
                remote_id=meta["remote_id"],
                language=meta.get("language", "en"),
                article=meta.get("article", ""),
            )
            for document, meta, distance in zip(
                found["documents"][0], found["metadatas"][0], found["distances"][0]
            )
        ]

    def ask(self, question: str, language: str | None = None) -> Answer:
        """An extractive answer citing its articles, or a refusal when retrieval is not confident.

        A refused answer has empty ``text`` and says why in ``reason``; the agent then asks the
        customer or escalates. With ``language`` the answer quotes and cites only articles
        written in it: a French customer gets the French articles or a refusal, never English
        quotes.
        """
        text = _question_text(question)
        if not text.strip():
            return Answer("", reason="empty question")
        if looks_binary(text[: self.settings.max_question_chars]):
            return Answer("", reason="question is not text")
        hits = self.search(text, language=language)
        if not hits:
            return Answer("", reason=f"no articles in {language}" if language and self.count() else
                          "the knowledge base is empty")
        calibration = self.settings.calibration_for(language)
        if calibration is None:
            return Answer("", chunks=hits, reason=f"no calibration for questions in {language} "
                          "(knowledge.calibrations): retrieval in it cannot be trusted yet")
        confidence = calibrated(hits[0].score, calibration)
        if confidence < self.settings.threshold:
            return Answer("", confidence=confidence, chunks=hits, reason="no article is relevant enough"
                          + (f" in {language}" if language else ""))

        def confident(score: float) -> bool:
            return calibrated(score, calibration) >= self.settings.threshold

        answer, citations = compose(hits, confident, self.settings.max_answer_chars)
        return Answer(answer, citations, confidence, hits)


def _embedding_batches(to_write: list, size: int = EMBEDDING_BATCH):
    """Consecutive groups of articles holding at least ``size`` chunks (the last may hold fewer)."""
    group, chunks = [], 0
    for item in to_write:
        group.append(item)
        chunks += len(item[1])
        if chunks >= size:
            yield group
            group, chunks = [], 0
    if group:
        yield group


def _question_text(question) -> str:
    if isinstance(question, (bytes, bytearray)):
        return bytes(question).decode("utf-8", errors="replace")
    if not isinstance(question, str):
        raise TypeError(f"question must be str, got {type(question).__name__}")
    return question


def _progress_disabled(progress: bool | None) -> bool | None:
    # tqdm reads disable=None as "only on a terminal".
    return None if progress is None else not progress
