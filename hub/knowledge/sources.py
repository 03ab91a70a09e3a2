"""Where articles come from: the seam between the knowledge base and the systems that hold them.

A source is anything with a ``name`` and an ``articles()`` method yielding ``Article``. Two kinds
live here: a local folder of Markdown/HTML files, and ``CallableSource``, which wraps any function
returning articles — connectors' ``list_articles`` tools plug in through it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol

import yaml
from bs4 import UnicodeDammit

from .articles import Article
from .errors import SourceError
from .text import html_title_and_url

log = logging.getLogger(__name__)

ARTICLE_SUFFIXES = {".md": False, ".markdown": False, ".html": True, ".htm": True}


class Source(Protocol):
    name: str

    def articles(self) -> Iterable[Article]: ...


class LocalFolderSource:
    """Markdown and HTML files under a folder, recursively; the relative path is the remote id.

    Markdown may start with YAML front matter (``title``, ``url``, ``updated``, and for a
    translation ``language`` and ``article``, the English original's file); otherwise the
    first ``#`` heading is the title. HTML takes ``<title>`` (or the first ``<h1>``) and
    ``<link rel="canonical">``. Without a URL an article cites its ``file://`` URI.
    """

    def __init__(self, path: str | Path, name: str | None = None):
        self.path = Path(path)
        self.name = name or f"local:{self.path.resolve().name}"

    def __repr__(self):
        return f"LocalFolderSource({str(self.path)!r}, name={self.name!r})"

    def articles(self) -> Iterator[Article]:
        # A missing folder must not look like an empty one: that would delete every article.
        if not self.path.is_dir():
            raise SourceError(f"knowledge folder {self.path} does not exist or is not a folder")
        for file in sorted(self.path.rglob("*")):
            if file.is_file() and file.suffix.lower() in ARTICLE_SUFFIXES:
                yield self._read(file)

    def _read(self, file: Path) -> Article:
        # UTF-8 first, then the legacy encodings help articles are still saved in; binary
        # files decode to control characters, which sync then rejects by name.
        text = UnicodeDammit(file.read_bytes(), ["utf-8", "windows-1252", "latin-1"]).unicode_markup
        is_html = ARTICLE_SUFFIXES[file.suffix.lower()]
        meta: dict[str, Any] = {}
        if is_html:
            title, url = html_title_and_url(text)
            meta = {"title": title, "url": url}
        else:
            meta, text = _split_front_matter(text, file)
            meta.setdefault("title", _first_heading(text))
        updated = meta.get("updated") or dt.datetime.fromtimestamp(file.stat().st_mtime, dt.timezone.utc)
        return Article(
            source=self.name,
            remote_id=file.relative_to(self.path).as_posix(),
            title=str(meta.get("title") or file.stem.replace("-", " ").replace("_", " ").capitalize()),
            url=str(meta.get("url") or file.resolve().as_uri()),
            body=text,
            updated_at=as_datetime(updated),
            is_html=is_html,
            language=language_code(meta.get("language")),
            article=str(meta.get("article") or ""),
        )


def language_code(value: Any) -> str:
    """``de`` for "de", "de-DE" or "de_AT"; English when a source names no language."""
    code = str(value or "").strip().lower().replace("_", "-").split("-")[0]
    return code or "en"


class CallableSource:
    """Articles from a function — typically a connector's ``list_articles`` tool.

    ``fetch()`` returns ``Article`` objects or mappings with ``remote_id`` (or ``id``), ``title``,
    ``url``, ``body`` (or ``body_html`` / ``body_markdown``) and optionally ``updated_at``,
    ``language`` (or ``locale``, as Zendesk Help Center names it) and ``article``.
    Every article is filed under this source's ``name``, whatever the function said.
    """

    def __init__(self, name: str, fetch: Callable[[], Iterable[Article | Mapping[str, Any]]]):
        if not name or not isinstance(name, str):
            raise ValueError("CallableSource needs a non-empty name")
        self.name = name
        self.fetch = fetch

    def __repr__(self):
        return f"CallableSource({self.name!r})"

    def articles(self) -> Iterator[Article]:
        try:
            items = self.fetch()
        except Exception as error:
            raise SourceError(f"source {self.name!r} failed to list articles: {error}") from error
        for item in items:
            yield self._article(item)

    def _article(self, item: Article | Mapping[str, Any]) -> Article:
        if isinstance(item, Article):
            return dataclasses.replace(item, source=self.name)
        if not isinstance(item, Mapping):
            raise SourceError(f"source {self.name!r} returned {type(item).__name__}, not an article")
        if "body" in item:
            body, is_html = item["body"], None
        elif item.get("body_html") is not None:
            body, is_html = item["body_html"], True
        else:
            body, is_html = item.get("body_markdown"), False
        remote_id = item.get("remote_id", item.get("id"))
        try:
            return Article(
                source=self.name,
                remote_id=str(remote_id) if remote_id is not None else "",
                title=item.get("title") or "",
                url=item.get("url") or "",
                body=body if body is not None else "",
                updated_at=as_datetime(item.get("updated_at")),
                is_html=is_html,
                language=language_code(item.get("language") or item.get("locale")),
                article=str(item.get("article") or ""),
            )
        except (TypeError, ValueError) as error:
            raise SourceError(f"source {self.name!r} returned a malformed article: {error}") from error


def _split_front_matter(text: str, file: Path) -> tuple[dict, str]:
    if not text.startswith("---"):
        return {}, text
    parts = text.split("\n---", 1)
    if len(parts) != 2:
        return {}, text
    try:
        meta = yaml.safe_load(parts[0][3:]) or {}
    except yaml.YAMLError as error:
        log.warning("ignoring unreadable front matter in %s: %s", file, error)
        return {}, text
    if not isinstance(meta, dict):
        log.warning("ignoring front matter in %s: not a mapping", file)
        return {}, text
    return meta, parts[1].split("\n", 1)[1] if "\n" in parts[1] else ""


def _first_heading(markdown: str) -> str | None:
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return None


def as_datetime(value: Any) -> dt.datetime | None:
    """A datetime from what sources give (ISO text, date or datetime); a time without a zone
    is read as UTC, which is how helpdesk APIs (ServiceNow's Table API) serve them."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc)
    if value is None or value == "":
        return None
    if not isinstance(value, dt.datetime):
        try:
            value = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            log.warning("ignoring unreadable updated_at %r", value)
            return None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
