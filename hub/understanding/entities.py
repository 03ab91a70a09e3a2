"""Entities in ticket text, normalised for the flows.

Pure functions of the text (and of `today` for dates written without a year). Conventions:
- order numbers: the digits alone ("#1001", "order no. 1001", "ORD-1001" all give "1001"),
  which is what connectors look orders up by (Shopify's name "#1001" is order_number 1001);
- amounts: Decimal and ISO 4217 code; "$" means USD; a lone separator followed by exactly three
  digits groups thousands ("1,234" and "1.234" are 1234), otherwise it is the decimal point;
- dates: ISO yyyy-mm-dd; numeric dates with slashes or dots are read day first (03/04/2026 is
  3 April) unless `day_first=False` or only the other reading is valid (04/13/2026); dates
  without a year take the year of `today`;
- employee ids: "E" and the digits ("emp id 12345" gives "E12345");
- ServiceNow numbers: upper-case prefix and seven digits ("inc 0010001" gives "INC0010001");
- software and products: canonical names from catalogues (the defaults below, or the caller's).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property

MAX_CHARS = 20_000  # entities sit in the first screens of a ticket; bound the regex work

DEFAULT_SOFTWARE: dict[str, tuple[str, ...]] = {
    "Slack": ("slack",),
    "Zoom": ("zoom",),
    "Figma": ("figma",),
    "Jira": ("jira",),
    "Confluence": ("confluence",),
    "Adobe Acrobat": ("adobe acrobat", "acrobat reader", "acrobat pro", "acrobat"),
    "Adobe Photoshop": ("adobe photoshop", "photoshop"),
    "Visual Studio Code": ("visual studio code", "vs code", "vscode"),
    "Salesforce": ("salesforce",),
    "Tableau": ("tableau",),
    "GitHub": ("github",),
    "Microsoft Office": ("microsoft office", "ms office", "office 365", "microsoft 365", "m365"),
    "Microsoft Teams": ("microsoft teams", "ms teams", "teams"),
    "Microsoft Outlook": ("outlook",),
    "Microsoft Excel": ("excel",),
    "Microsoft Visio": ("visio",),
    "Microsoft Project": ("microsoft project", "ms project"),
    "SharePoint": ("sharepoint",),
}

_CURRENCY_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
_CURRENCY_CODES = [
    "USD",
    "EUR",
    "GBP",
    "JPY",
    "CHF",
    "CAD",
    "AUD",
    "NZD",
    "INR",
    "SEK",
    "NOK",
    "DKK",
    "PLN",
    "CZK",
    "HUF",
    "CNY",
    "HKD",
    "SGD",
    "MXN",
    "BRL",
    "ZAR",
    "TRY",
    "AED",
]
_CURRENCY_WORDS = {
    "dollars": "USD", "dollar": "USD", "bucks": "USD", "euros": "EUR", "euro": "EUR",
    "pounds": "GBP", "pound": "GBP", "quid": "GBP", "rupees": "INR", "yen": "JPY",
}  # fmt: skip
_SERVICENOW_PREFIXES = ("SCTASK", "RITM", "INC", "REQ", "CHG", "PRB", "TASK", "KB")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTHS["sept"] = 9


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def to_dict(self) -> dict:
        return {"amount": str(self.amount), "currency": self.currency}


@dataclass(frozen=True)
class Entities:
    order_numbers: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    amounts: tuple[Money, ...] = ()
    dates: tuple[date, ...] = ()
    employee_ids: tuple[str, ...] = ()
    servicenow_numbers: tuple[str, ...] = ()
    software: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "order_numbers": list(self.order_numbers),
            "emails": list(self.emails),
            "amounts": [m.to_dict() for m in self.amounts],
            "dates": [d.isoformat() for d in self.dates],
            "employee_ids": list(self.employee_ids),
            "servicenow_numbers": list(self.servicenow_numbers),
            "software": list(self.software),
            "products": list(self.products),
        }


@dataclass(frozen=True)
class Catalogue:
    """Canonical names and the ways people write them, matched as whole words, case-insensitively."""

    names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Catalogue:
        return cls({name: (name,) for name in names if isinstance(name, str) and name.strip()})

    def find(self, text: str) -> tuple[str, ...]:
        if self._pattern is None:
            return ()
        return _unique(self._lookup[" ".join(m.group(0).lower().split())] for m in self._pattern.finditer(text))

    @cached_property
    def _lookup(self) -> dict[str, str]:
        return {" ".join(a.lower().split()): name for name, al in self.names.items() for a in (name, *al)}

    @cached_property
    def _pattern(self):
        aliases = {a.lower() for name, al in self.names.items() for a in (name, *al) if a.strip()}
        if not aliases:
            return None
        # Longest first so "Adobe Acrobat" wins over "Acrobat"; flexible spaces between words.
        alternatives = [r"\s+".join(map(re.escape, a.split())) for a in sorted(aliases, key=len, reverse=True)]
        return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


DEFAULT_SOFTWARE_CATALOGUE = Catalogue(DEFAULT_SOFTWARE)

_ORDER = re.compile(
    r"""
    \b(?:order|ord|bestellung|commande|pedido)  # the word, or a prefix such as ORD-1001
    (?:\s*(?:number|num|no|nr|n°|id)\b\.?)?      # order no. / order number
    \s*[:#\-_]?\s*\#?\s*
    (\d{3,12})\b
    |
    (?<![\w&/])\#\s?(\d{3,12})\b                 # Shopify order names: #1001
    """,
    re.IGNORECASE | re.VERBOSE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b")
_EMPLOYEE = re.compile(
    r"\b(?:E(\d{4,7})|(?:emp(?:loyee)?)\.?\s*(?:id|no|nr|number|#)?\.?\s*[:#]?\s*E?(\d{4,7}))\b",
    re.IGNORECASE,
)
_SERVICENOW = re.compile(r"\b(" + "|".join(_SERVICENOW_PREFIXES) + r")[\s\-]?(\d{7})\b", re.IGNORECASE)

_NUMBER = r"\d{1,3}(?:[.,\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?|\d+"
_SYMBOL = r"US\$|\$|€|£|¥|₹"
_CODE = "|".join(_CURRENCY_CODES)
_WORD = "|".join(sorted(_CURRENCY_WORDS, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"""
    (?P<sym1>{_SYMBOL})\s?(?P<n1>{_NUMBER})
    | (?<![\d.,])(?P<n2>{_NUMBER})\s?(?P<sym2>{_SYMBOL})
    | \b(?P<code1>{_CODE})\s?(?P<n3>{_NUMBER})\b
    | (?<![\w.,])(?P<n4>{_NUMBER})\s?(?:(?P<code2>{_CODE})|(?P<word>{_WORD}))\b
    """,
    re.IGNORECASE | re.VERBOSE,
)

_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_DATE = re.compile(
    rf"""
    \b(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})\b
    | \b(?P<a>\d{{1,2}})[/.](?P<b>\d{{1,2}})[/.](?P<y>\d{{4}}|\d{{2}})\b
    | \b(?P<m1>{_MONTH_NAMES})\.?\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>\d{{4}})\b)?
    | \b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH_NAMES})\b\.?(?:,?\s+(?P<y2>\d{{4}})\b)?
    """,
    re.IGNORECASE | re.VERBOSE,
)


def extract(
    text,
    *,
    software: Catalogue | None = None,
    products: Catalogue | None = None,
    day_first: bool = True,
    today: date | None = None,
) -> Entities:
    """All entities found in `text`, each list in order of first appearance without repeats."""
    text = _as_text(text)
    today = today or date.today()
    return Entities(
        order_numbers=order_numbers(text),
        emails=_unique(m.group(0).lower().rstrip(".") for m in _EMAIL.finditer(text)),
        amounts=amounts(text),
        dates=dates(text, day_first=day_first, today=today),
        employee_ids=employee_ids(text),
        servicenow_numbers=_unique(m.group(1).upper() + m.group(2) for m in _SERVICENOW.finditer(text)),
        software=(software or DEFAULT_SOFTWARE_CATALOGUE).find(text),
        products=products.find(text) if products else (),
    )


def order_numbers(text: str) -> tuple[str, ...]:
    text = _as_text(text)
    # "employee #40213" is an employee, not Shopify order #40213.
    taken = [m.span() for m in _EMPLOYEE.finditer(text)]
    return _unique(
        (m.group(1) or m.group(2)).lstrip("0") or "0"
        for m in _ORDER.finditer(text)
        if not any(start < m.end() and m.start() < end for start, end in taken)
    )


def employee_ids(text: str) -> tuple[str, ...]:
    return _unique("E" + (m.group(1) or m.group(2)) for m in _EMPLOYEE.finditer(_as_text(text)))


def amounts(text: str) -> tuple[Money, ...]:
    found = []
    for m in _AMOUNT.finditer(_as_text(text)):
        number = m.group("n1") or m.group("n2") or m.group("n3") or m.group("n4")
        symbol = m.group("sym1") or m.group("sym2")
        if symbol:
            currency = _CURRENCY_SYMBOLS[symbol.upper()]
        elif m.group("word"):
            currency = _CURRENCY_WORDS[m.group("word").lower()]
        else:
            currency = (m.group("code1") or m.group("code2")).upper()
        value = parse_number(number)
        if value is not None:
            found.append(Money(value, currency))
    return _unique(found)


def parse_number(written: str) -> Decimal | None:
    """'1,234.56', '1.234,56', '45,90', '1 234' and '12' as Decimals (see module docstring)."""
    digits = written.replace(" ", "").replace("\u00a0", "")
    separators = [c for c in digits if c in ".,"]
    if separators:
        last = max(digits.rfind("."), digits.rfind(","))
        decimals = digits[last + 1 :]
        if len(set(separators)) == 1 and len(separators) >= 1 and len(decimals) == 3:
            digits = digits.replace(separators[0], "")  # grouping only: 1,234 or 1.234.567
        else:
            digits = re.sub(r"[.,]", "", digits[:last]) + "." + decimals
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def dates(text: str, *, day_first: bool = True, today: date | None = None) -> tuple[date, ...]:
    today = today or date.today()
    found = []
    for m in _DATE.finditer(_as_text(text)):
        if m.group("iy"):
            parts = [(int(m.group("iy")), int(m.group("im")), int(m.group("id")))]
        elif m.group("a"):
            year = int(m.group("y"))
            year += 2000 if year < 100 else 0
            a, b = int(m.group("a")), int(m.group("b"))
            # The preferred reading first; the other only when the preferred one is impossible.
            parts = [(year, b, a), (year, a, b)] if day_first else [(year, a, b), (year, b, a)]
        else:
            month = _MONTHS[(m.group("m1") or m.group("m2")).lower()]
            day = int(m.group("d1") or m.group("d2"))
            year = int(m.group("y1") or m.group("y2") or today.year)
            parts = [(year, month, day)]
        for y, mo, d in parts:
            try:
                found.append(date(y, mo, d))
                break
            except ValueError:
                continue
    return _unique(found)


def _as_text(text) -> str:
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = "" if text is None else str(text)
    return text[:MAX_CHARS]


def _unique(items) -> tuple:
    seen = {}
    for item in items:
        seen.setdefault(item, None)
    return tuple(seen)
