"""``hub i18n extract``: the template and every language's catalogue brought up to date with
the flows, keeping what is translated."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from . import TRANSLATED, TranslationError
from .catalogue import DOMAIN, catalogue_path
from .extract import PROJECT, template

#: Babel guesses these from "{" and "%" in a message; ours are Jinja templates, not Python formats.
_GUESSED_FLAGS = {"python-format", "python-brace-format"}


@dataclass(frozen=True)
class Counts:
    language: str
    translated: int
    fuzzy: int
    untranslated: int
    obsolete: int


def update_catalogues(config_path: Path, languages=None) -> list[Counts]:
    """Write ``locale/messages.pot`` from the flows and engine, then update each language's
    ``messages.po`` from it (Babel's ``Catalog.update``): translations of unchanged messages
    stay, a message whose English changed keeps its old translation marked fuzzy (the old
    English beside it as ``#| msgid``), new messages come in untranslated, and messages no flow
    uses any more are kept at the end as obsolete (``#~``)."""
    config_path = Path(config_path)
    locale_dir = config_path / "locale"
    pot = template(config_path)
    locale_dir.mkdir(parents=True, exist_ok=True)
    _write(locale_dir / f"{DOMAIN}.pot", pot)
    existing = {p.parent.parent.name for p in locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    counts = []
    for language in sorted(set(languages or TRANSLATED) | existing):
        path = catalogue_path(locale_dir, language)
        if path.exists():
            try:
                with open(path, "rb") as file:
                    catalog = read_po(file, locale=language, abort_invalid=True)
            except Exception as error:  # Babel raises several kinds; the file is left untouched
                raise TranslationError(f"{path}: cannot read the catalogue: {error}") from None
        else:
            catalog = Catalog(locale=language, project=PROJECT, fuzzy=False, copyright_holder=PROJECT,
                              header_comment=f"# {Locale.parse(language).english_name} translations of "
                              f"{PROJECT}'s customer-facing messages.\n# Written and reviewed by people; "
                              "see docs/i18n.md.", last_translator=f"{PROJECT} translators",
                              language_team=f"{Locale.parse(language).english_name} <support@example.com>")
        catalog.update(pot, update_header_comment=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        _write(path, catalog)
        current = [m for m in catalog if m.id]
        counts.append(Counts(language, sum(1 for m in current if m.string and not m.fuzzy),
                             sum(1 for m in current if m.fuzzy), sum(1 for m in current if not m.string),
                             len(catalog.obsolete)))
    return counts


def _write(path: Path, catalog: Catalog) -> None:
    for message in [*catalog, *catalog.obsolete.values()]:
        message.flags -= _GUESSED_FLAGS
    # Lines are not wrapped (a template's own lines are kept), and the file is written whole
    # to a temporary file first: an interrupted run never leaves half a catalogue.
    partial = path.with_suffix(path.suffix + ".tmp")
    with open(partial, "wb") as file:
        write_po(file, catalog, width=0, include_previous=True, omit_header=False)
    partial.replace(path)
