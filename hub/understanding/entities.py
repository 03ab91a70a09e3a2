"""Entities in ticket text, normalised for the flows, in English, German, French and Spanish.

Pure functions of the text (and of `today` for dates written without a year or relative to
today). `language`, when the caller knows it ("en", "de", "fr", "es"), settles the readings
that depend on it; without it the behaviour is the language-neutral one. Conventions:
- order numbers: the digits alone ("#1001", "order no. 1001", "ORD-1001", "Bestell-Nr. 1001",
  "commande n° 1001", "pedido nº 1001" all give "1001"), which is what connectors look orders up
  by (Shopify's name "#1001" is order_number 1001); only where the text says it is an order's
  number (order_numbers.py); with `expects="order_numbers"` a short reply's bare number is
  read as the answer to "what is your order number?";
- amounts: Decimal and ISO 4217 code; "$" means USD; a lone separator followed by exactly three
  digits groups thousands ("1,234" and "1.234" are 1234), otherwise it is the decimal point —
  unless `language` writes that separator as its decimal mark, then the amount is ambiguous and
  not read (money.py has the rest);
- dates: ISO yyyy-mm-dd; numeric dates with slashes or dots are read day first (03/04/2026 is
  3 April) unless `day_first=False` or only the other reading is valid (04/13/2026); dates
  without a year take the year of `today`; month and weekday names and relative days in four
  languages (dates.py);
- employee ids: "E" and the digits ("emp id 12345" gives "E12345");
- ticket numbers, in the form ServiceNow gives its records: upper-case prefix and seven digits
  ("inc 0010001" gives "INC0010001");
- software and products: canonical names from catalogues (the defaults below, or the caller's).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from . import dates as _dates
from . import money as _money
from .folding import fold
from .money import Money, parse_number  # noqa: F401 -- re-exported: callers import them from here
from .order_numbers import answer_order_numbers
from .order_numbers import order_numbers as _order_numbers

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

_TICKET_PREFIXES = ("SCTASK", "RITM", "INC", "REQ", "CHG", "PRB", "TASK", "KB")

@dataclass(frozen=True)
class Entities:
    order_numbers: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    amounts: tuple[Money, ...] = ()
    dates: tuple[date, ...] = ()
    employee_ids: tuple[str, ...] = ()
    ticket_numbers: tuple[str, ...] = ()
    software: tuple[str, ...] = ()
    products: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "order_numbers": list(self.order_numbers),
            "emails": list(self.emails),
            "amounts": [m.to_dict() for m in self.amounts],
            "dates": [d.isoformat() for d in self.dates],
            "employee_ids": list(self.employee_ids),
            "ticket_numbers": list(self.ticket_numbers),
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

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b")
_EMPLOYEE = re.compile(
    r"\b(?:E(\d{4,7})|(?:emp(?:loyee)?)\.?\s*(?:id|no|nr|number|#)?\.?\s*[:#]?\s*E?(\d{4,7}))\b",
    re.IGNORECASE,
)
_TICKET_NUMBER = re.compile(r"\b(" + "|".join(_TICKET_PREFIXES) + r")[\s\-]?(\d{7})\b", re.IGNORECASE)

def extract(
    text,
    *,
    software: Catalogue | None = None,
    products: Catalogue | None = None,
    day_first: bool = True,
    today: date | None = None,
    language: str | None = None,
    expects: str | None = None,
) -> Entities:
    """All entities found in `text`, each list in order of first appearance without repeats.

    `language` is the text's language when known (module docstring); `expects` names the entity
    a question asked for ("order_numbers"), so that a short reply's bare value answers it.
    """
    text = _as_text(text)
    today = today or date.today()
    folded = fold(text)  # once for the three readers that match words in four languages
    orders = order_numbers(text, folded=folded, answering=expects == "order_numbers")
    return Entities(
        order_numbers=orders,
        emails=_unique(m.group(0).lower().rstrip(".") for m in _EMAIL.finditer(text)),
        amounts=_money.amounts(text, language, folded=folded),
        dates=_dates.dates(text, day_first=day_first, today=today, language=language, folded=folded),
        employee_ids=employee_ids(text),
        ticket_numbers=_unique(m.group(1).upper() + m.group(2) for m in _TICKET_NUMBER.finditer(text)),
        software=(software or DEFAULT_SOFTWARE_CATALOGUE).find(text),
        products=products.find(text) if products else (),
    )


def order_numbers(text, *, folded: str | None = None, answering: bool = False) -> tuple[str, ...]:
    """Order numbers in `text`; `answering`: the text replies to "what is your order number?"."""
    text = _as_text(text)
    # "employee #40213" is an employee, not Shopify order #40213.
    employees = {m.group(1) or m.group(2) for m in _EMPLOYEE.finditer(text)}
    found = answer_order_numbers(text) if answering else _order_numbers(text, folded=folded)
    return tuple(number for number in found if number not in employees)


def employee_ids(text) -> tuple[str, ...]:
    return _unique("E" + (m.group(1) or m.group(2)) for m in _EMPLOYEE.finditer(_as_text(text)))


def amounts(text, language: str | None = None) -> tuple[Money, ...]:
    return _money.amounts(_as_text(text), language)


def dates(text, *, day_first: bool = True, today: date | None = None, language: str | None = None) -> tuple[date, ...]:
    return _dates.dates(_as_text(text), day_first=day_first, today=today, language=language)


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
