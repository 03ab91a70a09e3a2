"""What ``ask`` returns, and how a confident retrieval becomes an extractive, cited answer."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk; ``score`` is cosine similarity to the query (1 is identical)."""

    text: str
    title: str
    url: str
    section: str
    score: float
    source: str
    remote_id: str
    language: str = "en"
    article: str = ""  # the id the article's versions in every language share

    @property
    def article_id(self) -> str:
        return self.article or self.remote_id


@dataclass(frozen=True)
class Answer:
    """An extractive answer with its citations, or a refusal (empty ``text``) with a ``reason``.

    ``confidence`` is the calibrated probability that the best chunk answers the question;
    ``chunks`` are the retrieved chunks either way, so an escalation can show what was found.
    """

    text: str
    citations: list[tuple[str, str]] = field(default_factory=list)
    confidence: float = 0.0
    chunks: list[Hit] = field(default_factory=list)
    reason: str = ""

    @property
    def refused(self) -> bool:
        return not self.text


def calibrated(score: float, calibration: dict) -> float:
    """Platt scaling: the best chunk's similarity mapped to P(it answers the question)."""
    z = calibration["slope"] * score + calibration["intercept"]
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


# Another article's chunk joins the answer only when it scores this close to the best one:
# a near tie means the question straddles both articles; anything else is a weaker match.
NEAR_TIE = 0.03


def compose(hits: list[Hit], confident, max_chars: int) -> tuple[str, list[tuple[str, str]]]:
    """Answer text from the best chunk, plus further confident chunks of the same article (or
    a near-tie from another) while they fit in ``max_chars``.

    Every article quoted is cited, and only those — a citation never points at an article the
    text did not come from.
    """
    best = hits[0]
    text = _trim(best.text, max_chars)
    parts, citations, used = [text], [(best.title, best.url)], len(text)
    for hit in hits[1:]:
        same_article = (hit.source, hit.remote_id) == (best.source, best.remote_id)
        if not confident(hit.score) or not (same_article or best.score - hit.score <= NEAR_TIE):
            continue
        if used + len(hit.text) > max_chars:
            break
        parts.append(hit.text)
        used += len(hit.text)
        if (hit.title, hit.url) not in citations:
            citations.append((hit.title, hit.url))
    return "\n\n".join(parts), citations


def _trim(text: str, limit: int) -> str:
    """Cut at the last sentence or line end before ``limit`` so no quote stops mid-word."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    cut = max((m.end() for m in re.finditer(r"[.!?](\s|$)|\n", head)), default=0)
    return (head[:cut] if cut > limit // 3 else head.rsplit(" ", 1)[0]).rstrip() + " …"
