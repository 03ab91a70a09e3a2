"""The unit every source yields: one help article, whatever system it came from."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Article:
    """One help article as a source lists it.

    ``source`` names the source that owns it (a re-sync of that source deletes what it no longer
    lists); ``remote_id`` is the article's id in that source; ``body`` is Markdown or HTML —
    ``is_html`` is guessed from the body when left as ``None``.

    ``language`` is the language the article is written in (an article whose source names none
    is taken as English); ``article`` the id its versions in other languages share (the English
    original's remote id; empty means this article's own ``remote_id``), so a German and an
    English version are one answer in two languages.
    """

    source: str
    remote_id: str
    title: str
    url: str
    body: str
    updated_at: dt.datetime | None = None
    is_html: bool | None = None
    language: str = "en"
    article: str = ""

    def __post_init__(self):
        for field in ("source", "remote_id", "title", "url", "body", "language", "article"):
            value = getattr(self, field)
            if not isinstance(value, str):
                raise TypeError(
                    f"Article.{field} must be str, got {type(value).__name__} "
                    f"(source={self.source!r}, remote_id={self.remote_id!r})"
                )
        if not self.source.strip() or not self.remote_id.strip():
            raise ValueError("Article.source and Article.remote_id must not be empty")

    @property
    def key(self) -> str:
        """Identity across syncs: the same article from the same source keeps the same key."""
        return f"{self.source}\x1f{self.remote_id}"

    @property
    def article_id(self) -> str:
        """The id this article shares with its versions in other languages."""
        return self.article or self.remote_id

    @property
    def looks_like_html(self) -> bool:
        if self.is_html is not None:
            return self.is_html
        head = self.body.lstrip()[:500].lower()
        return head.startswith(("<!doctype html", "<html", "<body", "<article", "<div", "<h1", "<p"))

    def content_hash(self, chunking: dict) -> str:
        """Changes whenever what we store for this article would change.

        The chunking settings are part of it so that changing chunk size re-embeds on next sync.
        """
        payload = json.dumps(
            [self.title, self.url, self.body, self.looks_like_html, chunking, self.language, self.article_id],
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()
