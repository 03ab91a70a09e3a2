"""Risk triggers: phrases that send a ticket to a person whatever its intent.

A legal threat, a chargeback, an injury, a security incident, a data-protection request, a
death in the family, a customer in a vulnerable situation, the press or a regulator, self-harm:
none of these is the agent's to handle, however confident the classifier is about the intent
next to it. The check is deliberately independent of the classifier — a word list an operator
can read and extend, run on every ticket and every customer reply.

Phrases live in ``config/risks.yaml``: per trigger, per language, a list of regular
expressions written in folded form (see :mod:`hub.understanding.normalise`: lower case, no
accents, ``ß`` as ``ss``, single spaces, straight apostrophes). Each pattern is matched as a
whole word or phrase: a match may neither start nor end inside a word (``as_phrase``). Which
triggers apply is policy (``risk_triggers`` in config/policy.yaml), passed to
:meth:`RiskDetector.detect` as ``enabled``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, NamedTuple

from ..config import load_yaml
from ..errors import ConfigError
from .normalise import as_phrase, fold
from .pattern_set import PhraseSet

#: The triggers config/risks.yaml ships with (an operator's file may add more).
TRIGGERS = ("legal", "chargeback", "safety", "security", "data_protection", "bereavement",
            "vulnerable", "press", "self_harm")
FILE_NAME = "risks.yaml"
#: Of a longer text, this many characters at each end are screened (``_screened_parts``).
SCREENED_CHARS = 10_000

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
#: A capital letter that is not part of an escape such as \S, \W or \B cannot match folded text.
_CAPITAL = re.compile(r"(?<!\\)[A-Z]")


class RiskHit(NamedTuple):
    """One trigger that fired: the phrase (in folded form) that starts earliest in the text among
    the trigger's matches, and the language of the pattern that matched it."""

    trigger: str
    phrase: str
    language: str


class Trigger(NamedTuple):
    name: str
    description: str
    #: Patterns by language, as written in the file.
    patterns: dict[str, tuple[str, ...]]


class RiskDetector:
    def __init__(self, triggers: Iterable[Trigger], source: Path | None = None) -> None:
        self.triggers = {trigger.name: trigger for trigger in triggers}
        self.source = source
        self._phrases = PhraseSet(((trigger.name, language), pattern)
                                  for trigger in self.triggers.values()
                                  for language, patterns in trigger.patterns.items() for pattern in patterns)

    @classmethod
    def from_config(cls, config_path: str | Path) -> RiskDetector:
        """The detector for ``config_path`` — the config folder, or the risks file itself.

        Raises :class:`~hub.errors.ConfigError` naming the file, the trigger and the pattern
        at fault.
        """
        path = Path(config_path)
        if path.suffix not in (".yaml", ".yml"):
            path = path / FILE_NAME
        return cls(parse_triggers(load_yaml(path), path), source=path)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.triggers)

    def check_enabled(self, enabled: Iterable[str] | None) -> tuple[str, ...]:
        """``enabled`` as trigger names (None: all), refusing names the file does not define."""
        if enabled is None:
            return self.names
        enabled = tuple(enabled)
        unknown = [name for name in enabled if name not in self.triggers]
        if unknown:
            raise ValueError(f"unknown risk trigger {unknown[0]!r} (defined: {', '.join(self.names)})")
        return enabled

    def detect(self, text: object, enabled: Iterable[str] | None = None) -> list[RiskHit]:
        """Every enabled trigger that fires on ``text``, in the file's order, one hit each: the
        phrase that starts earliest in the text."""
        return self.detect_folded(fold(text), enabled)

    def detect_folded(self, folded: str, enabled: Iterable[str] | None = None) -> list[RiskHit]:
        """As :meth:`detect`, for a caller that has already passed the text through :func:`fold`."""
        wanted = set(self.check_enabled(enabled))
        if not wanted:
            return []
        earliest: dict[str, tuple[int, str, str]] = {}
        for offset, part in _screened_parts(folded):
            for (trigger, language), found in self._phrases.matches(part):
                start = offset + found.start()
                if trigger in wanted and (trigger not in earliest or start < earliest[trigger][0]):
                    earliest[trigger] = (start, found.group(0), language)
        return [RiskHit(name, earliest[name][1], earliest[name][2]) for name in self.triggers if name in earliest]


def _screened_parts(folded: str) -> list[tuple[int, str]]:
    """The text to screen, with its offset: all of it, or of a very long text (a pasted thread,
    a log) its beginning and its end, where people write what they want. The bound keeps the
    cost of a 100 KB ticket near that of a long one; nobody hides a risk in the middle to be
    sure a person does *not* read it, so unlike the injection check this one may stop early."""
    if len(folded) <= 2 * SCREENED_CHARS:
        return [(0, folded)]
    return [(0, folded[:SCREENED_CHARS]), (len(folded) - SCREENED_CHARS, folded[-SCREENED_CHARS:])]


def parse_triggers(data: object, source: str | Path) -> list[Trigger]:
    """The triggers of a parsed risks file, every pattern checked."""
    if not isinstance(data, dict) or not data:
        raise ConfigError(source, None, "expected a mapping of trigger names to their phrases")
    return [_parse_trigger(name, spec, source) for name, spec in data.items()]


def _parse_trigger(name: object, spec: object, source: str | Path) -> Trigger:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(source, str(name), "a trigger name is lower_snake_case")
    if not isinstance(spec, dict):
        raise ConfigError(source, name, "expected a mapping: description, then a list of patterns per language")
    description = spec.get("description")
    if not isinstance(description, str) or not description.strip():
        raise ConfigError(source, f"{name}.description", "say in words what the trigger catches")
    patterns = {}
    for language, listed in spec.items():
        if language == "description":
            continue
        if not isinstance(language, str) or not _LANGUAGE.match(language):
            raise ConfigError(source, f"{name}.{language}",
                              "expected a language code such as en, de, fr or es (or description)")
        if not isinstance(listed, list) or not listed:
            raise ConfigError(source, f"{name}.{language}", "expected a non-empty list of patterns")
        patterns[language] = tuple(_check_pattern(pattern, f"{name}.{language}[{index}]", source)
                                   for index, pattern in enumerate(listed))
    if not patterns:
        raise ConfigError(source, name, "no patterns: list them under a language code (en: [...])")
    return Trigger(name, description.strip(), patterns)


def _check_pattern(pattern: object, where: str, source: str | Path) -> str:
    if not isinstance(pattern, str) or not pattern.strip():
        raise ConfigError(source, where, f"expected a pattern (text), got {pattern!r}")
    try:
        compiled = re.compile(as_phrase(pattern))
    except re.error as error:
        raise ConfigError(source, where, f"{pattern!r} is not a valid regular expression: {error}")
    if compiled.groupindex:
        raise ConfigError(source, where, f"{pattern!r}: named groups are reserved; use (?:...)")
    if compiled.fullmatch(""):
        raise ConfigError(source, where, f"{pattern!r} matches empty text, so it would fire on every ticket")
    if not pattern.isascii() or _CAPITAL.search(pattern) or pattern != " ".join(pattern.split()):
        raise ConfigError(source, where, f"{pattern!r} is not in folded form (lower case, no accents, "
                                         f"single spaces): write {fold(pattern)!r}")
    return pattern
