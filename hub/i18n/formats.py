"""Money, dates and vendor status words as a customer of each language writes them (Babel/CLDR).

English follows British usage, as the shop does ("US$48.00", "3 May 2024"); German, French and
Spanish their countries' ("48,00 $", "64,00 €", "3. Mai 2024", "3 mai 2024", "3 de mayo de 2024").
The symbol comes from the currency code, so a euro amount never reads as dollars.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Callable

from babel.dates import format_date
from babel.numbers import UnknownCurrencyError, format_currency, format_decimal

from . import SOURCE_LANGUAGE, NoTranslation

#: The Babel locale each language's numbers and dates are written in.
LOCALES = {"en": "en_GB", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}


@dataclass(frozen=True)
class Formats:
    """The template filters that depend on the reader's language.

    ``words(context, english)`` is the catalogue's translation of a word ("unfulfilled" with
    context "status"), or None when it has none: then a vendor status cannot be said in this
    language and rendering raises NoTranslation rather than slipping English into the reply.
    """

    language: str = SOURCE_LANGUAGE
    words: Callable[[str, str], str | None] | None = None

    @property
    def locale(self) -> str:
        return LOCALES.get(self.language, LOCALES[SOURCE_LANGUAGE])

    def money(self, value, currency: str | None = None) -> str:
        """``{"amount": "12.5", "currency": "EUR"}`` or a number (with ``currency``) → "€12.50"
        in English, "12,50 €" in German; without a currency just the number, two decimals."""
        if isinstance(value, dict):
            value, currency = value.get("amount"), currency or value.get("currency")
        try:
            amount = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return str(value)
        if not amount.is_finite():
            return str(value)
        if currency:
            try:
                return format_currency(amount, str(currency).upper(), locale=self.locale)
            except UnknownCurrencyError:
                return f"{format_decimal(amount, format='#,##0.00', locale=self.locale)} {currency}"
        return format_decimal(amount, format="#,##0.00", locale=self.locale)

    def date(self, value) -> str:
        """An ISO-8601 date or timestamp (or a date) as a long date: "3 May 2024", "3. Mai 2024".
        The day is the one written in the timestamp: vendors give local delivery days."""
        day = _as_date(value)
        return format_date(day, "long", locale=self.locale) if day else str(value or "")

    def status(self, value) -> str:
        """A vendor's status code ("PARTIALLY_FULFILLED") as words: "partially fulfilled" in
        English, the catalogue's words (context ``status``) in other languages."""
        if value in (None, ""):
            return ""
        english = str(value).replace("_", " ").strip().lower()
        if self.language == SOURCE_LANGUAGE:
            return english
        said = self.words("status", english) if self.words else None
        if not said:
            raise NoTranslation(self.language, english, why="no translation of the status word")
        return said


def _as_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value or "").strip()
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None
