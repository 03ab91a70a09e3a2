"""Amounts of money written in English, German, French and Spanish.

Conventions (tested per language in tests/understanding/test_entities_languages.py):
- an amount needs a currency: a sign ($ € £ ¥ ₹, US$ C$ A$ R$ MX$), an ISO 4217 code (EUR,
  usd, CHF …) or a currency word (dollars, Euro, euros, dólares, pounds, livres, libras,
  Franken, francs, bucks, quid, pavos, balles); "29,-" alone is a price without a currency and
  is not read (in Switzerland it would be francs);
- digits only: "zwölf Euro" and "twelve dollars" are not read — number words in four languages
  are rare in tickets about money and easy to misread;
- "$" means USD in every language (a Mexican "$" means pesos: whoever acts on an amount
  compares its currency with the order's);
- group separators: "," "." apostrophes ("CHF 1'234.50") and, except in English, spaces —
  plain, no-break and narrow no-break ("1 234,56 €"); "29,-" and "29.-" are whole amounts;
- the decimal point is the last "," or "." when another separator or more than three digits
  precede it… unless it is followed by exactly three digits: a lone separator followed by
  exactly three digits groups thousands ("1,234" and "1.234" are 1234) because money is not
  written with three decimals in these currencies;
- with the text's language known, a lone separator that is that language's decimal mark and
  is followed by exactly three digits ("1,234 €" in German, French or Spanish, "$1.234" in
  English) could be either reading, so the amount is not read at all: asking beats refunding
  a thousand times too much or too little. Without a language, the rule above applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from .folding import fold

#: The decimal mark each supported language writes (CLDR: en ".", de/fr/es ",").
DECIMAL_MARK = {"en": ".", "de": ",", "fr": ",", "es": ","}

_SYMBOLS = {
    "us$": "USD", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR",
    "c$": "CAD", "ca$": "CAD", "a$": "AUD", "au$": "AUD", "r$": "BRL", "mx$": "MXN",
}  # fmt: skip
_CODES = (
    "USD", "EUR", "GBP", "JPY", "CHF", "CAD", "AUD", "NZD", "INR", "SEK", "NOK", "DKK", "PLN",
    "CZK", "HUF", "CNY", "HKD", "SGD", "MXN", "BRL", "ZAR", "TRY", "AED",
)  # fmt: skip
_WORDS = {
    "dollars": "USD", "dollar": "USD", "dolares": "USD", "dolar": "USD", "bucks": "USD",
    "euros": "EUR", "euro": "EUR", "pavos": "EUR", "balles": "EUR",
    "pounds": "GBP", "pound": "GBP", "quid": "GBP", "livres sterling": "GBP", "livres": "GBP",
    "libras": "GBP", "franken": "CHF", "francs suisses": "CHF", "francs": "CHF",
    "rupees": "INR", "yen": "JPY",
}  # fmt: skip


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def to_dict(self) -> dict:
        return {"amount": str(self.amount), "currency": self.currency}


@dataclass(frozen=True)
class AmountMatch:
    """An amount found in folded text, with where it stands (for reading what surrounds it)."""

    start: int
    end: int
    money: Money


def amounts(text: str, language: str | None = None, *, folded: str | None = None) -> tuple[Money, ...]:
    """Every amount in `text`, in order of first appearance, without repeats (`folded`: `fold(text)`, if known)."""
    folded = fold(text) if folded is None else folded
    return tuple(dict.fromkeys(match.money for match in find_amounts(folded, language)))


def find_amounts(folded: str, language: str | None = None) -> list[AmountMatch]:
    """The amounts in text already folded by `folding.fold`."""
    found = []
    for m in _amount_pattern(language != "en").finditer(folded):
        number = m.group("n1") or m.group("n2") or m.group("n3") or m.group("n4")
        symbol = m.group("sym1") or m.group("sym2")
        if symbol:
            currency = _SYMBOLS[symbol]
        elif m.group("word"):
            currency = _WORDS[" ".join(m.group("word").split())]
        else:
            currency = (m.group("code1") or m.group("code2")).upper()
        value = parse_number(number, language)
        if value is not None:
            found.append(AmountMatch(m.start(), m.end(), Money(value, currency)))
    return found


def parse_number(written: str, language: str | None = None) -> Decimal | None:
    """'1,234.56', '1.234,56', '45,90', '1 234', "1'234.50", '29,-' and '12' as Decimals.

    None when the text is not a number, or when `language` makes it ambiguous (module docstring).
    """
    digits = re.sub(r"[.,]-+$", "", written.strip())
    digits = re.sub(r"[\s'’\u00a0\u202f\u2009]", "", digits)
    separators = [c for c in digits if c in ".,"]
    if separators:
        last = max(digits.rfind("."), digits.rfind(","))
        decimals = digits[last + 1 :]
        lone = len(separators) == 1
        if len(set(separators)) == 1 and len(decimals) == 3:
            if lone and language in DECIMAL_MARK and separators[0] == DECIMAL_MARK[language]:
                return None  # "1,234 €" from a German writer: 1.234 or 1234? Not ours to guess.
            digits = digits.replace(separators[0], "")  # grouping only: 1,234 or 1.234.567
        else:
            digits = re.sub(r"[.,]", "", digits[:last]) + "." + decimals
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


@lru_cache(maxsize=2)
def _amount_pattern(spaces_group: bool) -> re.Pattern:
    group = r"[.,'’ ]" if spaces_group else r"[.,'’]"
    number = (
        rf"\d{{1,3}}(?:{group}\d{{3}})+(?:[.,]\d{{1,2}})?(?:[.,]-+)?"  # 1.234,56  1 234  1'234.50
        r"|\d+(?:[.,]\d{1,2})?(?:[.,]-+)?"  # 45,90  12.5  29,-
    )
    symbol = "|".join(re.escape(s) for s in sorted(_SYMBOLS, key=len, reverse=True))
    code = "|".join(c.lower() for c in _CODES)
    word = "|".join(w.replace(" ", r"\s+") for w in sorted(_WORDS, key=len, reverse=True))
    return re.compile(
        rf"""
        (?<![\w$])(?P<sym1>{symbol})\ {{0,2}}(?P<n1>{number})
        | (?<![\d.,'’])(?<!\d\ )(?P<n2>{number})\ {{0,2}}(?P<sym2>{symbol})(?![\w$])
        | \b(?P<code1>{code})\ {{0,2}}(?P<n3>{number})(?!\d)
        | (?<![\w.,'’])(?<!\d\ )(?P<n4>{number})\ {{0,2}}(?:(?P<code2>{code})|(?P<word>{word}))\b(?!\s+de\s+(?:golf|tennis|ping))
        """,
        re.VERBOSE,
    )
