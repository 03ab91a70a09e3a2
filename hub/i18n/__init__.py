"""Customers are answered in their own language: English, German, French or Spanish.

Every text a customer reads — the ``question`` of ask nodes, the ``message`` of reply and
resolve nodes, and the engine's own lines (the survey link, the apology for an answer without
what was asked, the note that a colleague takes the rest) — has its English source as the
message id of a gettext catalogue in ``config/locale/<language>/LC_MESSAGES/messages.po``.
Translations are written and reviewed by people; nothing is machine-translated, at run time or
in the build. A message with no usable translation for the customer's language is never sent
in English: the request goes to a person (reason code ``language``).

What operators read (approval summaries, hand-over reasons and suggestions, the hand-over note)
stays English. See docs/i18n.md.
"""

from ..errors import HubError

#: The languages the agent answers in; English is the language the flows are written in.
SOURCE_LANGUAGE = "en"
TRANSLATED = ("de", "fr", "es")
LANGUAGES = (SOURCE_LANGUAGE, *TRANSLATED)
NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish"}
#: What the language detector says when it cannot tell (emoji, digits): answered in English.
UNDETERMINED = "und"


def N_(message: str) -> str:
    """Marks an English message for extraction (gettext_noop): the catalogues translate it."""
    return message


def NP_(context: str, message: str) -> str:
    """Marks an English word with its context ("status") for extraction."""
    return message


def language_of(code: str | None) -> str:
    """The language a run answers in: ``de`` for "de", "DE" or "de-AT"; English when the
    ticket's language is undetermined or unknown to the run (older runs kept none)."""
    if not code:
        return SOURCE_LANGUAGE
    base = str(code).strip().lower().replace("_", "-").split("-")[0]
    return SOURCE_LANGUAGE if base in ("", UNDETERMINED) else base


def name_of(language: str) -> str:
    """The language's English name ("Italian" for "it"), for reasons an operator reads."""
    if language in NAMES:
        return NAMES[language]
    from babel import Locale, UnknownLocaleError

    try:
        return Locale.parse(language).english_name
    except (ValueError, UnknownLocaleError):
        return language


class TranslationError(HubError):
    """A catalogue cannot be used: it does not parse, or a translation adds an expression."""


class NoTranslation(HubError):
    """A customer-facing text has no usable translation in the run's language."""

    def __init__(self, language: str, message: str, why: str = "no translation"):
        self.language, self.message, self.why = language, message, why
        preview = " ".join(message.split())[:70]
        super().__init__(f"{why} in {name_of(language)} ({language}) of the message {preview!r}")
