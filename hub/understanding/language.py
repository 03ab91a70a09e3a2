"""Which language a ticket is written in: py3langid, offline, with a helpdesk's prior.

py3langid (a maintained fork of langid.py: a naive Bayes model over byte n-grams, 4.6 MB,
numpy only) was chosen over lingua and langdetect on the measurements in
docs/understanding.md#language: as accurate on short support texts as lingua's full model at a
tenth of its memory and load time, and far more accurate than langdetect.

Two adjustments, both measured on eval/language/dev.jsonl:

- The detector chooses among `CANDIDATES`, the languages a European shop's helpdesk plausibly
  receives, not all 140 it knows: "cancelar por favor" should not be Extremaduran, nor
  "Newsletter abbestellen bitte" West Frisian. A text in a language left out comes out as its
  nearest candidate, which is still not a supported language unless it is one of the four.
- Its posterior assumes every language is equally likely. A helpdesk serving four languages
  receives those far more often, so their probabilities are weighted by `SUPPORTED_PRIOR` and
  renormalised: short, ambiguous texts ("Sigo esperando mi reembolso": pt 0.43 vs es) tip to the
  supported language, while clear Portuguese, Italian or Dutch stays what it is.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass

SUPPORTED = ("en", "de", "fr", "es")
UNDETERMINED = "und"
CANDIDATES = tuple(
    "af ar az be bg bn bs ca cs cy da de el en es et eu fa fi fr ga he hi hr hu hy id is it ja ka "
    "kk ko lt lv mk ms mt nl no pl pt ro ru sk sl sq sr sv sw ta th tl tr uk ur uz vi zh".split()
)
SUPPORTED_PRIOR = 2.0
# The first part of a ticket says what language it is in; a 100 KB paste of logs needs no more.
MAX_CHARS = 2000
# Fewer letters than this (emoji, order numbers, "??") carry no evidence of a language.
MIN_LETTERS = 2
# Addresses, links and numbers are the same in every language and only add noise.
_NOISE = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|[\d#№][\d.,:/#-]*")


@dataclass(frozen=True)
class LanguageGuess:
    code: str  # ISO 639-1, or "und" when the text holds no language to detect
    confidence: float  # the detector's probability for `code` after the prior, 0..1
    supported: bool  # one of SUPPORTED: the hub can read and answer it


_identifier = None
_identifier_lock = threading.Lock()


def _model():
    """py3langid's identifier, restricted to CANDIDATES; loaded once per process."""
    global _identifier
    with _identifier_lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
            identifier.set_languages(list(CANDIDATES))
            _identifier = identifier
        return _identifier


def load() -> None:
    """Load the detector now (at start-up) rather than on the first ticket."""
    _model()


def _as_text(text) -> str:
    if isinstance(text, (bytes, bytearray)):
        return bytes(text).decode("utf-8", errors="replace")
    if text is None:
        return ""
    return text if isinstance(text, str) else str(text)


def detect_language(text) -> LanguageGuess:
    """The language of `text`; "und" with confidence 0 when it has too few letters to tell.

    Never raises: bytes are decoded leniently and anything else is str()-ed.
    """
    sample = _NOISE.sub(" ", _as_text(text)[:MAX_CHARS])
    # Lone surrogates cannot be encoded to the bytes the detector reads.
    sample = sample.encode("utf-8", errors="replace").decode("utf-8")
    letters = sum(1 for ch in sample if unicodedata.category(ch).startswith("L"))
    if letters < MIN_LETTERS:
        return LanguageGuess(UNDETERMINED, 0.0, False)
    ranked = _model().rank(sample)
    weighted = [(code, p * (SUPPORTED_PRIOR if code in SUPPORTED else 1.0)) for code, p in ranked]
    total = sum(p for _, p in weighted)
    code, best = max(weighted, key=lambda pair: pair[1])
    if total <= 0.0:
        return LanguageGuess(UNDETERMINED, 0.0, False)
    return LanguageGuess(code, round(best / total, 4), code in SUPPORTED)
