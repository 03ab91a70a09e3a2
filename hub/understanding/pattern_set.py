"""Many whole-word regular expressions matched against one text, fast.

Python's ``re`` has no multi-pattern engine: one big alternation is tried branch by branch at
every position of the text, so a few hundred screening patterns cost tens of milliseconds on
a 2,000-character ticket. Most patterns cannot match most tickets, and each says so cheaply:
every match of ``(sue|suing|sued) (you|u)`` contains "sue", "suing" or "sued". Those
*required literals* are read from the parsed pattern once; an Aho–Corasick automaton
(``pyahocorasick``) finds all of them in one pass over the text, and each pattern whose
literals occur is run only around them (``WINDOW`` characters either side). A pattern with no
usable literal (one that starts with ``\\w+``, say) is run on the whole text.
"""

from __future__ import annotations

import re
from typing import Hashable, Iterable, Iterator, NamedTuple

import ahocorasick

from .normalise import as_phrase

try:  # the parser behind re.compile; public as sre_parse until 3.11, which deprecates that name
    from re import _parser as sre_parse
except ImportError:  # pragma: no cover - Python < 3.11
    import sre_parse  # type: ignore[no-redef]

#: A match is looked for this many characters either side of a literal it requires, or less
#: when the pattern cannot match anything that long. A phrase longer than this around its
#: literal (possible only with an unbounded ``\\w*`` or ``+``) would be missed; screening
#: phrases are a few words.
WINDOW = 200
#: Literals shorter than this find nearly every text and are no filter.
MIN_LITERAL = 3
#: A run of alternatives is spelled out up to this many strings ("(sue|sued) (you|u)": 4).
MAX_SPELLED = 64
#: Character classes up to this size are spelled out too ("abogad[oa]").
MAX_CLASS = 4

_C = sre_parse  # opcodes live beside the parser: _C.LITERAL, _C.BRANCH ...
_REPEATS = tuple(getattr(sre_parse, name) for name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT")
                 if hasattr(sre_parse, name))


class _Literals(NamedTuple):
    """What a piece of a pattern says about the text it matches.

    ``exact``: the piece matches exactly one of these strings (None: not a small finite set).
    ``required``: every match contains one of these (None: nothing known).
    """

    exact: frozenset[str] | None
    required: frozenset[str] | None


_NOTHING = _Literals(None, None)


def required_literals(pattern: str) -> frozenset[str] | None:
    """Strings of which every match of ``pattern`` contains at least one, or None if unknown."""
    return _analyse(pattern)[0]


def _analyse(pattern: str) -> tuple[frozenset[str] | None, int]:
    """``pattern``'s required literals, and how far a match can reach (its longest match, at
    most ``WINDOW``), from one parse."""
    try:
        parsed = sre_parse.parse(pattern)
    except re.error:
        return None, WINDOW
    return _sequence(list(parsed)).required, min(WINDOW, parsed.getwidth()[1])


def _usable(strings: frozenset[str] | None) -> bool:
    return bool(strings) and min(map(len, strings)) >= MIN_LITERAL


def _sequence(items: list) -> _Literals:
    """Adjacent exact pieces are spelled out together (``su`` + ``(e|ing)`` is sue, suing); any
    one piece's required set is required of the whole, and the best of them is kept."""
    candidates: list[frozenset[str]] = []
    spelled = frozenset([""])
    whole_exact = True
    for op, av in items:
        piece = _node(op, av)
        if _usable(piece.required):
            candidates.append(piece.required)
        if piece.exact is not None and len(spelled) * len(piece.exact) <= MAX_SPELLED:
            spelled = frozenset(left + right for left in spelled for right in piece.exact)
            continue
        # The run of exactly spelled pieces ends here: what it spelled is required, and the
        # sequence as a whole is no longer one of a few strings.
        whole_exact = False
        if _usable(spelled):
            candidates.append(spelled)
        spelled = piece.exact if piece.exact is not None else frozenset([""])
    if _usable(spelled):
        candidates.append(spelled)
    exact = spelled if whole_exact else None
    # The longest shortest literal filters best; among equals, the smaller set.
    best = max(candidates, key=lambda found: (min(map(len, found)), -len(found)), default=None)
    return _Literals(exact, best)


def _node(op, av) -> _Literals:
    if op is _C.LITERAL:
        return _Literals(frozenset([chr(av)]), None)
    if op is _C.SUBPATTERN:
        return _sequence(list(av[-1]))
    if op is _C.BRANCH:
        alternatives = [_sequence(list(alternative)) for alternative in av[1]]
        exact = None
        if all(found.exact is not None for found in alternatives):
            exact = frozenset().union(*(found.exact for found in alternatives))
            exact = exact if len(exact) <= MAX_SPELLED else None
        required = exact if exact is not None and _usable(exact) else None
        if required is None and all(_usable(found.required or found.exact) for found in alternatives):
            required = frozenset().union(*((found.required or found.exact) for found in alternatives))
        return _Literals(exact, required)
    if op is _C.IN:
        chars = [chr(value) for kind, value in av if kind is _C.LITERAL]
        if len(chars) == len(av) and len(chars) <= MAX_CLASS:
            return _Literals(frozenset(chars), None)
        return _NOTHING
    if op in _REPEATS:
        low, high, item = av
        inner = _sequence(list(item))
        if (low, high) == (0, 1) and inner.exact is not None:
            return _Literals(inner.exact | {""}, None)
        return _Literals(None, inner.required or inner.exact) if low >= 1 else _NOTHING
    if getattr(_C, "ATOMIC_GROUP", None) is op:
        return _sequence(list(av))
    return _NOTHING  # any character, categories, assertions: nothing literal is required


class PhraseSet:
    """Patterns with a label each, matched against folded text as whole words (``as_phrase``),
    or as written when ``whole_words`` is false (markup such as ``<system>`` may touch a word)."""

    def __init__(self, patterns: Iterable[tuple[Hashable, str]], flags: int = 0, whole_words: bool = True) -> None:
        self.labels: list[Hashable] = []
        self.expressions: list[re.Pattern] = []
        self._always: list[int] = []
        self._reach: list[int] = []
        by_literal: dict[str, list[int]] = {}
        for index, (label, pattern) in enumerate(patterns):
            self.labels.append(label)
            self.expressions.append(re.compile(as_phrase(pattern) if whole_words else pattern, flags))
            literals, reach = _analyse(pattern)
            self._reach.append(reach)
            if literals is None:
                self._always.append(index)
            for literal in literals or ():
                by_literal.setdefault(literal, []).append(index)
        self._automaton = ahocorasick.Automaton()
        for literal, indices in by_literal.items():
            self._automaton.add_word(literal, (len(literal), tuple(indices)))
        if by_literal:
            self._automaton.make_automaton()

    def _windows(self, text: str) -> dict[int, list[tuple[int, int]]]:
        """Per pattern whose literals occur, where a match may be: around each occurrence,
        merged where they overlap, so no part of the text is searched twice for one pattern."""
        windows: dict[int, list[tuple[int, int]]] = {index: [(0, len(text))] for index in self._always}
        if not len(self._automaton):
            return windows
        for end, (length, indices) in self._automaton.iter(text):
            for index in indices:
                reach = self._reach[index]
                start, stop = max(0, end + 1 - length - reach), end + 1 + reach
                stop = len(text) if stop >= len(text) else _next_space(text, stop)
                spans = windows.setdefault(index, [])
                if spans and start <= spans[-1][1]:
                    spans[-1] = (spans[-1][0], max(spans[-1][1], stop))
                else:
                    spans.append((start, stop))
        return windows

    def matches(self, text: str) -> Iterator[tuple[Hashable, re.Match]]:
        """``(label, earliest match)`` of every pattern that matches ``text``, in the given order."""
        windows = self._windows(text)
        for index in sorted(windows):
            expression = self.expressions[index]
            for start, stop in windows[index]:
                found = expression.search(text, start, stop)
                if found is not None:
                    yield self.labels[index], found
                    break

    def first(self, text: str) -> tuple[Hashable, re.Match] | None:
        """The match that starts earliest in ``text`` (the first pattern on a tie), or None."""
        best = None
        for label, found in self.matches(text):
            if best is None or found.start() < best[1].start():
                best = (label, found)
        return best


def _next_space(text: str, position: int) -> int:
    """The first space at or after ``position`` (folded text has no other whitespace but line
    breaks), so that a window never ends inside a word and makes a word boundary of its cut."""
    found = [at for at in (text.find(" ", position), text.find("\n", position)) if at != -1]
    return min(found) if found else len(text)
