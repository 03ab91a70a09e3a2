"""Phrase lists as regular expressions that forgive the way people type.

The reading modules (`subject`, `requests`) match words in four languages on the original text,
because their answers are spans and phrases of that text: folding it first (as
`normalise.fold` does for risk matching) would move the offsets. So the tolerance goes into the
pattern instead: an accented letter also matches its bare letter ("équipe" matches "equipe"),
German umlauts and ß also match their spelled-out forms ("für" matches "fuer" and "fur"),
apostrophes match their typographic twins, and a space matches any run of white space.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

_SPELLED = {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}
_APOSTROPHES = "['’`´]"


def _letter(ch: str) -> str:
    lower = ch.lower()
    if lower in _SPELLED:
        bare = unicodedata.normalize("NFD", lower)[0] if lower != "ß" else "s"
        return f"(?:{re.escape(lower)}|{_SPELLED[lower]}|{bare})"
    bare = unicodedata.normalize("NFD", lower)[0]
    if bare != lower and bare.isascii():
        return f"[{lower}{bare}]"
    return re.escape(ch)


def tolerant(phrase: str) -> str:
    """One phrase as a pattern fragment (no word boundaries added)."""
    parts = []
    for ch in phrase:
        if ch == " ":
            parts.append(r"\s+")
        elif ch in "'’":
            parts.append(_APOSTROPHES)
        elif ch == "-":
            parts.append(r"[-\s]?")
        else:
            parts.append(_letter(ch))
    return "".join(parts)


def alternation(phrases: Iterable[str]) -> str:
    """Many phrases as one non-capturing group, longest first so "and also" beats "and"."""
    unique = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(tolerant(p) for p in unique) + ")"


def words(phrases: Iterable[str]) -> str:
    """An alternation that only matches whole words."""
    # An apostrophe before is fine: French elides ("d'ouvrir", "l'équipe").
    return r"(?<!\w)" + alternation(phrases) + r"(?!\w)"


def compile_words(phrases: Iterable[str], flags: int = re.IGNORECASE) -> re.Pattern:
    return re.compile(words(phrases), flags)
