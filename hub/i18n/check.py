"""Whether every customer-facing text has a usable translation in every language the agent
answers in (``hub i18n check``, and ``hub flows check`` for the shipped config)."""

from __future__ import annotations

from pathlib import Path

from . import TRANSLATED, TranslationError
from .catalogue import catalogue_path, read_catalogue
from .extract import template, where_used
from .templates import missing


def problems(config_path: Path, languages=TRANSLATED) -> list[str]:
    """One line per problem: ``de: order_status.answer.message: only a fuzzy translation``.
    Empty when every message of every flow, and every engine line and status word, has a
    translation in each of ``languages`` that is not fuzzy, parses, adds no expression and
    keeps every placeholder of its English source."""
    config_path = Path(config_path)
    messages = [m for m in template(config_path) if m.id]
    found = []
    for language in languages:
        path = catalogue_path(config_path / "locale", language)
        if not path.exists():
            found.append(f"{language}: no catalogue ({path}); run `hub i18n extract`, then translate it")
            continue
        try:
            entries = read_catalogue(path)
        except TranslationError as error:
            found.append(f"{language}: {error}")
            continue
        for message in messages:
            where = where_used(message) if message.context is None else f"{message.context} word {message.id!r}"
            entry = entries.get((message.context, message.id))
            if entry is None or not entry.text.strip():
                found.append(f"{language}: {where}: no translation")
            elif entry.fuzzy:
                found.append(f"{language}: {where}: only a fuzzy translation (line {entry.line}); review it, then "
                             "remove the fuzzy flag")
            elif entry.problems:
                found.append(f"{language}: {where}: the translation (line {entry.line}) {entry.problems[0]}")
            else:
                left_out = missing(message.id, entry.text)
                if left_out:
                    found.append(f"{language}: {where}: the translation (line {entry.line}) leaves out "
                                 f"{', '.join(left_out)}")
    return found
