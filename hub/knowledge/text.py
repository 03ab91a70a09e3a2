"""Turning an article body into the chunks we embed: HTML to Markdown, then header-aware splits."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bs4 import BeautifulSoup
from langchain_text_splitters import MarkdownHeaderTextSplitter, RecursiveCharacterTextSplitter
from markdownify import MarkdownConverter

HEADERS = [("#", "h1"), ("##", "h2"), ("###", "h3")]
# Tags whose text is never part of what a reader sees.
INVISIBLE_TAGS = ["script", "style", "noscript", "template", "head", "svg", "iframe", "object"]
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")


@dataclass(frozen=True)
class ChunkText:
    """``text`` is what we show and store; ``embed_text`` adds the title and section for context."""

    text: str
    section: str
    embed_text: str


def html_title_and_url(html: str) -> tuple[str | None, str | None]:
    soup = BeautifulSoup(html, "html.parser")
    title = soup.title.get_text(" ", strip=True) if soup.title else None
    if not title and soup.h1:
        title = soup.h1.get_text(" ", strip=True)
    canonical = soup.find("link", rel="canonical")
    return title or None, (canonical.get("href") if canonical else None) or None


def html_to_markdown(html: str) -> str:
    """Readable Markdown: headings kept for splitting, links and images reduced to their text."""
    soup = BeautifulSoup(html, "html.parser")
    for tag in soup.find_all(INVISIBLE_TAGS):
        tag.decompose()
    converter = MarkdownConverter(heading_style="ATX", strip=["a", "img"], bullets="-")
    return re.sub(r"\n{3,}", "\n\n", converter.convert_soup(soup)).strip()


def looks_binary(text: str) -> bool:
    """True for bytes that decoded to noise: NULs, or many control/replacement characters."""
    sample = text[:20_000]
    if "\x00" in sample:
        return True
    return bool(sample) and len(CONTROL_CHARS.findall(sample)) > 0.02 * len(sample)


class Chunker:
    """Splits Markdown by its headings, then by size, keeping each chunk's heading path."""

    def __init__(self, chunk_size: int, chunk_overlap: int):
        self.settings = {"chunk_size": chunk_size, "chunk_overlap": chunk_overlap}
        self._by_header = MarkdownHeaderTextSplitter(HEADERS, strip_headers=True)
        self._by_size = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=chunk_overlap)

    def split(self, title: str, markdown: str) -> list[ChunkText]:
        chunks = []
        for section in self._by_header.split_text(markdown):
            path = [section.metadata[name] for _, name in HEADERS if name in section.metadata]
            # The page title usually repeats as the first heading; saying it twice adds nothing.
            if path and path[0].strip().lower() == title.strip().lower():
                path = path[1:]
            heading = " > ".join(path)
            for piece in self._by_size.split_text(section.page_content):
                # The header splitter joins lines with Markdown hard breaks; plain newlines read better.
                piece = piece.replace("  \n", "\n").strip()
                if piece:
                    context = f"{title}\n{heading}\n" if heading else f"{title}\n"
                    chunks.append(ChunkText(piece, heading, context + piece))
        return chunks
