"""The translations the agent sends: gettext catalogues read from config/locale, checked at load.

``config/locale/<language>/LC_MESSAGES/messages.po`` is read directly with Babel — no compiled
``.mo`` step — because operators edit these files like the rest of config/. A translation is
used only when it is not fuzzy, parses, and adds no expression to its English source
(hub.i18n.templates); a file with a translation that does not parse or adds an expression is
refused whole at load, naming the file, line and message, as a bad flow is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

from babel.messages.pofile import PoFileError, read_po

from ..agent import expressions
from . import SOURCE_LANGUAGE, NoTranslation, TranslationError, language_of
from .formats import Formats
from .templates import problems

DOMAIN = "messages"


@dataclass(frozen=True)
class Entry:
    """One message of a catalogue as the file has it."""

    text: str  # the translation; "" when not translated yet
    fuzzy: bool  # marked for review (the English changed since it was translated)
    line: int
    problems: tuple[str, ...] = ()  # why it cannot be used, when it was meant to be

    @property
    def usable(self) -> bool:
        return bool(self.text.strip()) and not self.fuzzy and not self.problems


def catalogue_path(locale_dir: Path, language: str) -> Path:
    return Path(locale_dir) / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(path: Path) -> dict[tuple[str | None, str], Entry]:
    """``{(context, English): Entry}`` for every current message of one ``.po`` file, each
    translated entry checked against its English source. Raises TranslationError when the file
    itself cannot be read."""
    try:
        with open(path, "rb") as file:
            catalog = read_po(file, abort_invalid=True)
    except (OSError, PoFileError, UnicodeDecodeError, ValueError) as error:
        raise TranslationError(f"{path}: cannot read the catalogue: {error}") from None
    entries = {}
    for message in catalog:
        if not message.id or isinstance(message.id, tuple):  # the header; plural forms are not used
            continue
        text = message.string if isinstance(message.string, str) else ""
        found = tuple(problems(message.id, text)) if text.strip() else ()
        entries[message.context, message.id] = Entry(text, message.fuzzy, message.lineno or 0, found)
    return entries


class Catalogues:
    """Every language's catalogue under one ``config/locale`` folder."""

    def __init__(self, entries: dict[str, dict[tuple[str | None, str], Entry]], files: dict[str, Path]):
        self._entries, self.files = entries, files
        self._formats = {language: Formats(language, partial(self.word, language)) for language in entries}
        self._formats[SOURCE_LANGUAGE] = Formats(SOURCE_LANGUAGE)

    @classmethod
    def load(cls, locale_dir: Path) -> "Catalogues":
        """Read every ``<language>/LC_MESSAGES/messages.po``; the first translation that does
        not parse or adds an expression stops the load (TranslationError). No folder: English only."""
        locale_dir = Path(locale_dir)
        entries, files = {}, {}
        for path in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
            language = path.parent.parent.name
            entries[language], files[language] = read_catalogue(path), path
            for (_, english), entry in entries[language].items():
                if entry.problems and not entry.fuzzy:
                    preview = " ".join(english.split())[:60]
                    raise TranslationError(f"{path}:{entry.line}: the {language} translation of {preview!r} "
                                           f"{entry.problems[0]}")
        return cls(entries, files)

    @property
    def languages(self) -> list[str]:
        return sorted(self._entries)

    def entry(self, language: str, english: str, context: str | None = None) -> Entry | None:
        return self._entries.get(language, {}).get((context, english))

    def translation(self, language: str, english: str, context: str | None = None) -> str | None:
        """The usable translation of ``english``, or None. English is its own translation."""
        if language == SOURCE_LANGUAGE:
            return english
        entry = self.entry(language, english, context)
        return entry.text if entry is not None and entry.usable else None

    def word(self, language: str, context: str, english: str) -> str | None:
        """A translated word (context ``status``): what the ``status`` filter says in ``language``."""
        return self.translation(language, english, context)

    def formats(self, language: str) -> Formats:
        """Money, dates and status words in ``language``."""
        if language not in self._formats:
            self._formats[language] = Formats(language, None)
        return self._formats[language]

    def render(self, template: str, namespace: dict, language: str | None) -> str:
        """``template`` (English source) in ``language``, rendered with ``namespace``.

        Raises NoTranslation when the language has no catalogue, or none usable for it.
        """
        language = language_of(language)
        text = self.translation(language, template)
        if text is None:
            entry = self.entry(language, template)
            why = ("no catalogue" if language not in self._entries else
                   "no translation" if entry is None or not entry.text.strip() else
                   "only a fuzzy translation" if entry.fuzzy else "no usable translation")
            raise NoTranslation(language, template, why)
        return expressions.render(text, namespace, self.formats(language))
