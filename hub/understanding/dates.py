"""Dates written in English, German, French and Spanish, as `datetime.date`.

Conventions:
- numeric dates with slashes or dots are read day first (03/04/2026 is 3 April) unless
  `day_first=False` or only the other reading is valid (04/13/2026); "am 3.4." (German, no
  year) only after a preposition or article (am, vom, seit, bis, ab, zum, den, dem), so version numbers and
  prices are not read as dates;
- day and month names: "March 3rd", "3rd of March 2025", "3. März", "le 1er mars", "3 de marzo
  de 2026", with abbreviations ("Sept.", "Okt", "févr.", "dic."); without a year, the year of
  `today`;
- relative days against `today` (pass the ticket's own date when it is not today):
  today/heute/aujourd'hui/hoy, yesterday/gestern/ayer (French "hier" only when the language is
  known to be French: in German "hier" means "here"), the day before yesterday/vorgestern/
  avant-hier/anteayer, tomorrow/übermorgen/demain/après-demain/pasado mañana ("mañana" only
  where it cannot be "morning"; German "morgen" is not read, for the same reason),
  "3 days ago"/"vor 3 Tagen"/"il y a 3 jours"/"hace 3 días" (digits or the words one to ten,
  days or weeks);
- weekdays: a bare or "on" weekday ("I ordered on Monday", "am Montag", "lundi", "el lunes")
  is the latest such day up to today — tickets tell what already happened; "last Monday"
  (letzten, dernier, pasado) is 1–7 days back; "next Monday" (nächsten, kommenden, prochain,
  próximo, que viene) is 1–7 days ahead; "Black Friday" and "Cyber Monday" are not dates.
Vague spans ("last week", "in November") give no date: a date is one day or nothing.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

from .folding import fold

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan januar janner jaenner janvier janv enero ene",
        "february feb februar feber fevrier fevr fev febrero",
        "march mar marz maerz mrz mars marzo",
        "april apr avril avr abril abr",
        "may mai mayo",
        "june jun juni juin junio",
        "july jul juli juillet juil julio",
        "august aug aout agosto ago",
        "september sept sep septembre septiembre setiembre",
        "october oct oktober okt octobre octubre",
        "november nov noviembre novembre",
        "december dec dezember dez decembre diciembre dic",
    ],
    start=1,
):
    MONTHS.update(dict.fromkeys(_names.split(), _number))

WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "monday montag lundi lunes",
        "tuesday dienstag mardi martes",
        "wednesday mittwoch mercredi miercoles",
        "thursday donnerstag jeudi jueves",
        "friday freitag vendredi viernes",
        "saturday samstag sonnabend samedi sabado",
        "sunday sonntag dimanche domingo",
    ]
):
    WEEKDAYS.update(dict.fromkeys(_names.split(), _number))

_RELATIVE_DAYS = {
    "today": 0, "heute": 0, "aujourd'hui": 0, "aujourd’hui": 0, "aujourdhui": 0, "hoy": 0,
    "yesterday": -1, "gestern": -1, "ayer": -1,
    "the day before yesterday": -2, "vorgestern": -2, "avant-hier": -2, "avant hier": -2,
    "anteayer": -2, "antier": -2, "antes de ayer": -2, "antes de ayer": -2,
    "tomorrow": 1, "demain": 1, "the day after tomorrow": 2, "ubermorgen": 2,
    "apres-demain": 2, "apres demain": 2, "pasado manana": 2,
}  # fmt: skip
_SMALL_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10,
    "einem": 1, "einer": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "sechs": 6, "sieben": 7,
    "acht": 8, "neun": 9, "zehn": 10,
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7, "huit": 8,
    "neuf": 9, "dix": 10,
    "una": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10,
}  # fmt: skip
_UNIT_DAYS = {
    "day": 1, "days": 1, "tag": 1, "tagen": 1, "jour": 1, "jours": 1, "dia": 1, "dias": 1,
    "week": 7, "weeks": 7, "woche": 7, "wochen": 7, "semaine": 7, "semaines": 7, "semana": 7, "semanas": 7,
}  # fmt: skip
_PAST = r"last|past|letzten|letzter|letztes|vergangenen|vergangener|dernier|derniere|pasado|pasada"
_NEXT = r"next|coming|nachsten|nachster|kommenden|kommender|prochain|prochaine|proximo|proxima"


def _alternation(words) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1)
def _patterns() -> re.Pattern:
    month = _alternation(MONTHS)
    weekday = _alternation(WEEKDAYS)
    number = r"\d{1,2}|" + _alternation(_SMALL_NUMBERS)
    unit = _alternation(_UNIT_DAYS)
    relative = _alternation(_RELATIVE_DAYS)
    day = r"(?:[12]\d|3[01]|0?[1-9])"
    ordinal = r"(?:st|nd|rd|th|er|re|e|°|\.)?"
    year = r"(?:[,.]?\s*(?:de\s+|del\s+)?(?P<{}>(?:19|20)\d\d)\b)?"
    return re.compile(
        rf"""
        \b(?P<iy>\d{{4}})-(?P<im>\d{{1,2}})-(?P<id>\d{{1,2}})\b
        | (?<![\d.,/])(?P<a>\d{{1,2}})[/.](?P<b>\d{{1,2}})[/.](?P<y>\d{{4}}|\d{{2}})(?![\d.,/]\d)
        | \b(?:am|vom|seit|bis|ab|zum|den|dem)\s+(?P<ga>\d{{1,2}})\.(?P<gb>\d{{1,2}})\.(?!\d)
        | \b(?P<m1>{month})\.?\s+(?P<d1>{day})(?:st|nd|rd|th)?\b(?![.,]\d|:){year.format("y1")}
        | (?<![\d.,])(?P<d2>{day}){ordinal}\s*(?:of\s+|de\s+)?(?P<m2>{month})\b\.?{year.format("y2")}
        | \b(?P<rel>{relative})\b
        | (?P<manana>(?<![\w])manana)\b
        | (?P<hier>(?<![\w-])hier)\b(?!-)
        | \b(?:(?P<ago_n>{number})\s+(?P<ago_u>{unit})\s+ago
              | vor\s+(?P<vor_n>{number})\s+(?P<vor_u>{unit})
              | il\s+y\s+a\s+(?P<ilya_n>{number})\s+(?P<ilya_u>{unit})
              | hace\s+(?P<hace_n>{number})\s+(?P<hace_u>{unit}))\b
        | \b(?:(?P<past1>{_PAST})\s+|(?P<next1>{_NEXT})\s+)?(?P<wd>{weekday})\b
          (?:\s+(?:(?P<past2>{_PAST})|(?P<next2>{_NEXT}|que\s+viene)))?
        """,
        re.VERBOSE,
    )


# Words before "mañana" that make it "morning" ("esta mañana", "por la mañana").
_MORNING = re.compile(r"(?:\b(?:la|esta|por|de|cada|una|toda|manana|en)\s+)$")
_NOT_A_DAY = re.compile(r"(?:black|cyber|mardi|viernes|vendredi|karfreitag)\s*$")
_NOT_A_DAY_AFTER = re.compile(r"^\s*(?:gras|santo|saint|negro|noir)\b")


def dates(text: str, *, day_first: bool = True, today: date | None = None, language: str | None = None,
          folded: str | None = None) -> tuple[date, ...]:
    """Every date in `text` (module docstring), in order of first appearance, without repeats.

    `folded` is `fold(text)` when the caller has it already.
    """
    today = today or date.today()
    folded = fold(text) if folded is None else folded
    found = []
    for m in _patterns().finditer(folded):
        value = _read(m, folded, today, day_first, language)
        if value is not None:
            found.append(value)
    return tuple(dict.fromkeys(found))


def _read(m: re.Match, folded: str, today: date, day_first: bool, language: str | None) -> date | None:
    g = m.groupdict()
    if g["iy"]:
        return _valid(int(g["iy"]), int(g["im"]), int(g["id"]))
    if g["a"]:
        year = int(g["y"]) + (2000 if len(g["y"]) == 2 else 0)
        a, b = int(g["a"]), int(g["b"])
        # The preferred reading first; the other only when the preferred one is impossible.
        first, second = ((b, a), (a, b)) if day_first else ((a, b), (b, a))
        return _valid(year, *first) or _valid(year, *second)
    if g["ga"]:
        return _valid(today.year, int(g["gb"]), int(g["ga"]))
    if g["m1"] or g["m2"]:
        month = MONTHS[g["m1"] or g["m2"]]
        day = int(g["d1"] or g["d2"])
        if g["m2"] == "ago" and " de " not in m.group(0):
            return None  # "3 ago" is not Spanish August; "3 de ago." is
        return _valid(int(g["y1"] or g["y2"] or today.year), month, day)
    if g["rel"]:
        return today + timedelta(days=_RELATIVE_DAYS[" ".join(g["rel"].split())])
    if g["manana"]:
        return None if _MORNING.search(folded[max(0, m.start() - 12) : m.start()]) else today + timedelta(days=1)
    if g["hier"]:
        return today - timedelta(days=1) if language == "fr" else None
    for key in ("ago", "vor", "ilya", "hace"):
        if g[f"{key}_n"]:
            count = g[f"{key}_n"]
            count = int(count) if count.isdigit() else _SMALL_NUMBERS[count]
            return today - timedelta(days=count * _UNIT_DAYS[g[f"{key}_u"]])
    if g["wd"]:
        if _NOT_A_DAY.search(folded[max(0, m.start() - 10) : m.start()]) or _NOT_A_DAY_AFTER.match(folded[m.end() :]):
            return None
        weekday = WEEKDAYS[g["wd"]]
        if g["next1"] or g["next2"]:
            return today + timedelta(days=(weekday - today.weekday() - 1) % 7 + 1)
        back = (today.weekday() - weekday) % 7
        if g["past1"] or g["past2"]:
            back = back or 7
        return today - timedelta(days=back)
    return None


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
