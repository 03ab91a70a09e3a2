"""Text folded for matching: the form in which screening phrases are written and compared.

``fold`` makes the many ways of writing a word one string, so that one pattern catches
"Résilier", "resilier", "RÉSILIER", "re\u0301silier", "rés\u200bilier" and "rеsilier" (with a
Cyrillic е). The steps, in order:

1. NFKC: fullwidth letters, mathematical alphanumerics, ligatures and other compatibility
   forms become the letters they stand for ("ｉｇｎｏｒｅ", "𝐢𝐠𝐧𝐨𝐫𝐞" → "ignore").
2. Invisible characters removed: Unicode format characters (category Cf: zero-width space and
   joiners, bidi marks and overrides, soft hyphen, word joiner, BOM), control characters other
   than whitespace, Hangul fillers and variation selectors, which draw nothing. Tag characters
   (U+E0020–U+E007E) are the exception: they spell ASCII invisibly, the "ASCII smuggling" trick,
   so they are read as the ASCII they stand for instead of being dropped.
3. Confusable letters mapped to Latin, from Unicode's confusables data (UTS #39) as shipped by
   the ``confusable-homoglyphs`` package: a letter of another script whose look-alike is a Latin
   letter becomes that letter (Cyrillic а, е, о, р, с, у, х, і; Greek ο, ρ, ν …). Only letters
   are mapped, never digits or symbols, and never ASCII itself ("1" stays "1"); typographic
   apostrophes and dashes become ASCII ones ("I’m" → "I'm").
4. Casefold (``ß`` → ``ss``), then accents stripped (canonical decomposition, combining marks
   dropped: "é" → "e", "ü" → "u").
5. Whitespace of every kind collapsed to single spaces, ends trimmed (line breaks kept on
   request, for patterns anchored at the start of a line).

The result is for matching only and is never shown to anyone: Russian or Greek text comes out
as Latin gibberish, which is harmless because no phrase is written in those scripts.
"""

from __future__ import annotations

import json
import re
import threading
import unicodedata
from importlib import resources

#: Letters that draw nothing (Hangul fillers); not Cf, but used to hide text all the same.
INVISIBLE_LETTERS = "\u115f\u1160\u3164\uffa0"
#: Marks that draw nothing (combining grapheme joiner, variation selectors, Mongolian free
#: variation selectors): dropped even where accents are kept (``clean``).
INVISIBLE_MARKS = [0x034F, *range(0x180B, 0x1810), *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]
#: Typographic apostrophes and dashes, so that "I’m" and "e‑mail" match "i'm" and "e-mail".
PUNCTUATION = {**dict.fromkeys("\u2018\u2019\u201b\u02bc\u02b9\u00b4\u0060\u2032", "'"),
               **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-")}
#: Tag characters spell ASCII invisibly: U+E0020 + n is the ASCII character 0x20 + n.
TAGS = range(0xE0020, 0xE007F)

_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]+")
_BEYOND_BASIC_PLANE = re.compile("[\\U00010000-\\U0010ffff]")

_lock = threading.Lock()
_tables: _Tables | None = None


class _Tables:
    """What folding needs from Unicode, built once per process on first use (~0.1 s).

    Characters of the basic plane are found with regex character classes, which compile to a
    bitmap and skip text many times faster than ``str.translate`` looks characters up. A
    class beyond the basic plane compiles to a list of ranges tried in turn, slower than
    ``str.translate``: those characters go through translation tables instead, and only in
    text that has any character beyond the basic plane.
    """

    def __init__(self) -> None:
        hidden, marks, capitals = [], [], []
        # Planes 0 and 1 and the tag/variation-selector block of plane 14 hold every format
        # character and combining mark (planes 2-3 are ideographs): scanning only these keeps
        # the build cheap.
        for code in (*range(0x20000), *range(0xE0000, 0xE1000)):
            char = chr(code)
            category = unicodedata.category(char)
            if (category == "Cf" and code not in TAGS) or (category == "Cc" and not char.isspace()):
                hidden.append(code)
            elif category in ("Mn", "Me"):
                marks.append(code)
            elif category in ("Lu", "Lt") and code > 0x7F:
                capitals.append(char)
        hidden += [*map(ord, INVISIBLE_LETTERS), *INVISIBLE_MARKS]
        confusables = _latin_confusables()
        # Mapping happens before casefolding, so that a capital maps by its own look (Cyrillic
        # Н is H, not н); a capital with no look-alike of its own takes its small letter's.
        for capital in capitals:
            if capital not in confusables and capital.casefold() in confusables:
                confusables[capital] = confusables[capital.casefold()]
        self.confusables = {ord(source): target for source, target in confusables.items()}

        self.hidden = _basic_plane_class(hidden)
        self.marks = _basic_plane_class(marks)
        self.confusable = _basic_plane_class(self.confusables)
        #: Apostrophes and dashes are common in ordinary text, the letters above are not: they
        #: are replaced one by one, so that "I’m" does not cost a pass over the whole text.
        self.punctuation = re.compile("[" + "".join(PUNCTUATION) + "]")
        tags = {code: chr(code - 0xE0000) for code in TAGS}
        #: Beyond the basic plane: hidden characters dropped, tags read as ASCII ...
        self.astral_visible = {**_beyond_basic_plane(hidden), **tags}
        #: ... and, when folding, confusable letters mapped in the same pass (disjoint sets).
        self.astral_visible_latin = {**self.astral_visible,
                                     **{code: latin for code, latin in self.confusables.items() if code >= 0x10000}}
        self.astral_marks = _beyond_basic_plane(marks)


def _basic_plane_class(codes) -> re.Pattern:
    """A regex matching runs of those of ``codes`` in the basic plane."""
    return re.compile(_char_class(sorted(code for code in codes if code < 0x10000)) + "+")


def _beyond_basic_plane(codes) -> dict[int, None]:
    """A ``str.translate`` table deleting those of ``codes`` beyond the basic plane."""
    return {code: None for code in codes if code >= 0x10000}


def _char_class(codes: list[int]) -> str:
    """A regex character class for sorted code points, written as ranges."""
    ranges, start, previous = [], None, None
    for code in codes:
        if start is None:
            start = previous = code
        elif code == previous + 1:
            previous = code
        else:
            ranges.append((start, previous))
            start = previous = code
    if start is not None:
        ranges.append((start, previous))
    return "[" + "".join(f"\\U{a:08x}" if a == b else f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]"


def _latin_confusables() -> dict[str, str]:
    """Non-ASCII letters whose one confusable prototype (UTS #39) is written in ASCII letters.

    The package's data maps every character that is not itself a prototype to exactly one
    prototype, and a prototype to all its look-alikes; only the first kind is a mapping.
    """
    data = json.loads((resources.files("confusable_homoglyphs") / "confusables.json").read_text("utf-8"))
    table = {}
    for source, entries in data.items():
        if len(source) != 1 or source.isascii() or len(entries) != 1:
            continue
        category = unicodedata.category(source)
        if not category.startswith("L"):
            continue  # digits and symbols keep their meaning: "١" is not "l"
        # The data marks right-to-left look-alikes with LRM characters around them.
        target = entries[0]["c"].strip("\u200e\u200f")
        if not (target.isascii() and target.isalpha()):
            continue
        if target == "l" and category == "Lu":
            # UTS #39 has one prototype, "l", for l, I and 1; a capital look-alike reads as I.
            target = "I"
        table[source] = target
    return table


def as_phrase(pattern: str) -> str:
    """``pattern`` made to match whole words: it may neither start nor end inside a word.

    Lookarounds rather than ``\\b``, so that a pattern may end in punctuation ("new
    instructions:") and still match before a space.
    """
    return rf"(?<!\w)(?:{pattern})(?!\w)"


def tables() -> _Tables:
    global _tables
    if _tables is None:
        with _lock:
            if _tables is None:
                _tables = _Tables()
    return _tables


def as_text(value: object) -> str:
    """Any value as text: bytes decoded leniently, None as empty, anything else ``str()``-ed."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def clean(text: object) -> str:
    """NFKC with invisible characters removed, case and accents kept (steps 1 and 2).

    What base64 and other case-sensitive encodings are looked for in.
    """
    text = as_text(text)
    if text.isascii():
        return _ASCII_CONTROLS.sub("", text)
    unicode = tables()
    text = unicode.hidden.sub("", unicodedata.normalize("NFKC", text))
    return text.translate(unicode.astral_visible) if _BEYOND_BASIC_PLANE.search(text) else text


def fold(text: object, keep_lines: bool = False) -> str:
    """``text`` in the form screening phrases are written in (see the module docstring).

    With ``keep_lines``, line breaks survive step 5 (each line's whitespace collapsed, blank
    lines dropped), for patterns that must stand at the start of a line.
    """
    text = as_text(text)
    if text.isascii():  # most tickets: nothing to normalise but case and spacing
        return _collapse(_ASCII_CONTROLS.sub("", text).lower(), keep_lines)
    unicode = tables()
    text = unicode.hidden.sub("", unicodedata.normalize("NFKC", text))
    astral = _BEYOND_BASIC_PLANE.search(text) is not None
    if astral:
        text = text.translate(unicode.astral_visible_latin)
    if unicode.confusable.search(text):
        text = text.translate(unicode.confusables)
    text = unicode.punctuation.sub(_straight, text)
    text = unicode.marks.sub("", unicodedata.normalize("NFD", text.casefold()))
    if astral:
        text = text.translate(unicode.astral_marks)
    return _collapse(text, keep_lines)


def _straight(found: re.Match) -> str:
    return PUNCTUATION[found.group()]


def _collapse(text: str, keep_lines: bool) -> str:
    if not keep_lines:
        return " ".join(text.split())
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.splitlines())))
