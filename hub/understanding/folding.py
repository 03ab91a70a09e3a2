"""Text folded for matching entity words in four languages, with a way back to the original.

Entity patterns are written once, in lower-case ASCII ("marz", "numero", "bestellnummer"), and
run over the folded text, so "März", "MÄRZ" and "Marz" all match. Unlike the risk screen's
`normalise.fold`, this folding never touches digits or currency signs (a confusable-letter map
that turned "0" into "o" would destroy order numbers), and it keeps an index into the original
text so a matched phrase can be quoted as the customer wrote it.

Per character: compatibility decomposition (fullwidth "１" → "1", "ᵉʳ" → "er", no-break and
narrow no-break spaces → space), accents dropped ("é" → "e"), lower-cased; the ordinal
indicators º and ª become "°" so "nº" and "n°" read alike; "ß" becomes "ss"; format characters (zero-width
spaces and joiners, Unicode Cf) are dropped.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in "ºª":
        return "°"
    if char in "ßẞ":
        return "ss"
    category = unicodedata.category(char)
    if category == "Cf":
        return ""
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)) or char
    if unicodedata.category(base[0]) == "Zs":
        return " "
    lowered = base.lower()
    return lowered


def fold(text: str) -> str:
    """`text` folded for matching (see the module docstring)."""
    if text.isascii():
        return text.lower()
    # One translation table per text, built from its distinct characters: far cheaper than a
    # call per character on long text, and the same result.
    return text.translate({ord(c): _fold_char(c) for c in set(text) if not c.isascii()}).lower()


@dataclass(frozen=True)
class FoldedText:
    """Folded text and, for each of its characters, the index of the original character it came from."""

    original: str
    folded: str
    origin: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> FoldedText:
        pieces, origin = [], []
        for index, char in enumerate(text):
            folded = char.lower() if char.isascii() else _fold_char(char)
            pieces.append(folded)
            origin.extend([index] * len(folded))
        return cls(text, "".join(pieces), tuple(origin))

    def quote(self, start: int, end: int) -> str:
        """The original text behind folded[start:end]."""
        if start >= end or not self.origin:
            return ""
        return self.original[self.origin[start] : self.origin[end - 1] + 1]
