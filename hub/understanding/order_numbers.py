"""Order numbers as customers write them in English, German, French and Spanish.

An order number is the digits alone ("#1001", "order no. 1001", "ORD-1001", "Bestell-Nr. 1001",
"commande n° 1001", "pedido nº 1001" all give "1001"), which is what connectors look orders up
by; 3 to 12 digits, leading zeros dropped. A wrong order number looks up someone else's order,
so a number is read only where the text says it is an order's:

- after an order word: order(s), ord (ORD-1001, ord1001), Bestellung(en), Bestellnummer,
  Bestell-Nr., Auftrag, Auftragsnummer, commande(s), pedido(s), orden, optionally followed by a
  number word (no., nr, number, Nummer, numéro, número, n°, nº, id, ref) and "is"/"ist"/"est"/
  "es"/":" — "my order, number 1014" and "Bestellung mit der Nummer 1016" too (up to three words
  between, none of them naming another kind of number: tracking, phone, customer, invoice …);
- after a number word that names the order: "numéro de commande 1041", "número de pedido 1041",
  "Nummer der Bestellung 1016";
- a bare "Nr. 1060", "no. 1060", "number 1060" when an order word stands earlier in the
  sentence ("meine Bestellung vom 3. März (Nr. 1060)") with no other kind of number between;
- "#1001" and a bare "n° 1041", unless a word just before says whose number it is (ticket,
  case, Fall, caso, dossier, invoice, Rechnung, facture, factura, employee, room, parcel,
  tracking, phone …);
- lists after any of these: "orders 1001 and 1026", "#1101, #1102 & #1103", "Bestellungen
  1062 und 1063", "commandes 1071 et 1074", "pedidos 1068 y 1070" — a later number only when
  it has about as many digits as the first (order numbers are sequential; "order 1001 and 250
  units" is not two orders); so too after a bare order number ("cancel 1001 and 1016").
- bare, 4 to 10 digits, where customers put an order number without saying so: after a verb or
  noun that asks about an order ("where is 1014", "cancel 1002", "status 1016", "parcel 1016",
  "wo ist", "où est", "annulez", "dónde está"), after a preposition ("the bottle on 1037",
  "refund for 1014", "für", "pour", "para") or an article ("la 1024", "el 1002", "die 1002"),
  before an order verb ("bitte 1041 stornieren"), alone between the sentences of a ticket that
  speaks of an order ("¿¿Dónde está mi pedido?? 1016."), or as the whole first line (the subject:
  "1014", "1012 and 1037"). After a preposition or article, 1950–2049 is a year.
A number followed by a currency, a unit ("250 units", "300 Stück", "150 pièces", "200
unidades", "256 GB"), a decimal part or a date separator is never an order number, nor one group
of a phone number, nor a postcode before its town, nor "to order 200 mugs". ServiceNow and
Salesforce case numbers and tracking numbers carry no order word and are too long to be bare.

`answer_order_numbers(text)` reads a short reply to "what is your order number?": there a bare
number ("it's 1016", "1016", "c'est la 1041") is the answer, unless it is a year, a price, a
date, a postcode before a town ("75001 Paris"), part of a phone number or a ticket's number.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .folding import fold

_KEYWORD = (
    r"bestellnummern|bestellnummer|bestell-?nr|bestell-?nummer|bestellungen|bestellung"
    r"|auftragsnummer|auftrags-?nr|auftrage|auftrag"
    r"|orders|order|ord|commandes|commande|pedidos|pedido|ordenes|orden|ordine|ordini|encomenda"
)
_VERB_CUE = (
    r"where'?s|wheres|where\s+is|where|status\s+of|status\s+for|status|update\s+on|cancel\w*|refund\w*|return\w*"
    # The typos people make in them: "pls cancle 1202", "refnd 1014", "retrun 1016".
    r"|cancl\w*|cansel\w*|cancal\w*|canel\w*|refnd\w*|refound\w*|refun\w*|retrun\w*|retun\w*|storiner\w*|stonier\w*"
    r"|track\w*|wo\s+ist|wo\s+bleibt|wo\s+wurde|stornier\w*|storno|erstatt\w*|ou\s+est|ou\s+en\s+est|annul\w*"
    r"|rembours\w*|donde\s+esta|reembols\w*|devolv\w*|devuelv\w*|anul\w*"
)
_NUMBER_WORD = r"(?:number|nummer|numero|num|nr|no|n\.?°|id|ref|reference|referencia)\.?(?![a-z])"
_COPULA = r"(?:(?:is|ist|lautet|lauten|est|es|sont|son|was|war|are|sind):?\s*)?"
_NUMBER = r"(?<![\d,$€£])(?<!\d\.)\d{3,12}(?!\d)"
_SEPARATOR = r"\s*(?:,|&|/|\+|and|und|et|y|e|or|oder|ou|o|sowie|plus)\s*(?:\#\s?|n°\s?|no\.?\s?|nr\.?\s?)?"
_LIST = rf"\(?\s*\#?\s*(?P<list>{_NUMBER}(?:{_SEPARATOR}{_NUMBER})*)"
# Words that say a number belongs to something else: a ticket, a case, a parcel, a phone …
_OTHER_NUMBER = (
    r"tickets?|case|cases|fall|falle|caso|casos|incident|incidents|incidencia|request|req|invoices?"
    r"|rechnung|rechnungs|rechnungsnummer|facture|factures|factura|facturas|employee|emp|mitarbeiter"
    r"|issue|bug|pr|room|zimmer|chambre|habitacion|apt|apartment|appartement|dossier"
    r"|expediente|client|customer|kunde|kunden|kundennummer|cliente|tracking|suivi|seguimiento"
    r"|sendung|sendungsnummer|colis|paket|parcel|package|paquete|article|artikel|articulo|item|sku"
    r"|model|modele|modelo|serie|serial|lot|tel|telephone|phone|telefon|telefono|fax|rue|calle"
    r"|street|strasse|siret|tva|vat|iban|contract|vertrag|contrat|contrato|account|konto|compte|cuenta"
    r"|reclamation|reclamacion|retoure|return|rma|gutschein|voucher|coupon|bon|cupon|code"
    r"|call|ring|mobile|handy|anrufen|appeler|portable|llamar|movil|whatsapp|postcode|zip|plz|cp"
)
_NOT_AFTER = re.compile(
    r"""\s*(?:
        [.,]\d | [/\-]\d | : \d                              # 1001.50, 12/03, 10:30
        | [€$£¥₹] | (?:eur|usd|gbp|chf|euros?|dollars?|dolares|pounds?|pavos|bucks)\b
        | x\b | (?:gb|go|mb|mo|tb|kb|ghz|mhz|mah|inch|inches|zoll|pulgadas|pouces|watt|volt|hz|px|dpi|units?|pieces?|pcs|pc|stuck|stk|pieces|unites|unidades|uds|items?|artikel|articles?
                   |articulos|paires?|pairs?|paar|pares|kg|g|ml|cl|l|cm|mm|km|%)\b
        | (?:st|nd|rd|th)\b
        | (?:people|persons?|personen|personnes|personas|times|fois|veces|mal|reviews|points|punkte|miles
           |meilen|km|words|pages|seiten|calories|followers|members|users|employees|mitarbeiter|employes
           |empleados|stores|shops|customers|kunden|clients|clientes|orders|bestellungen|commandes|pedidos)\b
    )""",
    re.VERBOSE,
)


@lru_cache(maxsize=1)
def _pattern() -> re.Pattern:
    gap_word = rf"(?!(?:{_OTHER_NUMBER})\b)[a-z'’]{{1,12}}"
    return re.compile(
        rf"""
        (?:
          \b(?:{_KEYWORD})(?![a-z])[\s:=\#\-_.,]*(?:{_NUMBER_WORD}[\s:=\#.]*)?{_COPULA}
        | \b(?:{_KEYWORD})(?![a-z])(?:[\s,]+{gap_word}){{1,3}}[\s,]+{_NUMBER_WORD}[\s:\#.]*{_COPULA}
        | \b{_NUMBER_WORD}\s*(?:de|of|der|del|d'|d’)\s*(?:(?:the|la|ma|mi|su|meiner|ihrer|votre|vuestro)\s+)?
            (?:{_KEYWORD})(?![a-z])[\s:\#.]*{_COPULA}
        | (?P<bare>(?<![\w&/\#])\#\s?|(?<![\w])n\.?°\s?)
        | (?P<later>\b(?:nr|no|number|nummer|numero|num)\.?(?![a-z])[\s:\#]*)
        )
        {_LIST}
        """,
        re.VERBOSE,
    )


# An order word earlier in the sentence, and no word naming another kind of number after it.
_ORDER_EARLIER = re.compile(rf"\b(?:{_KEYWORD}|{_VERB_CUE})(?![a-z])(?:(?!\b(?:{_OTHER_NUMBER})\b).)*$", re.DOTALL)
_VERB_BEFORE = re.compile(r"\b(?:to|will|i'll|we'll|can|could|would|please|want|wanna|i|we|you|they|let's|lets)\s+$")
_FUNCTION_WORDS = (
    "and|or|but|before|after|please|pls|plz|asap|is|was|has|hasn't|had|to|for|from|yet|already|still|because"
    "|which|that|it|i|i'm|i've|we|you|they|thanks|thank|the|a|on|in|at|with|without|again|too|also|now|today"
)
_NOUN_AFTER = re.compile(rf"\s+(?!(?:{_FUNCTION_WORDS})\b)[a-z]")
_OTHER_BEFORE = re.compile(rf"\b(?:{_OTHER_NUMBER})\b(?:\s+(?:[a-z]+))?\s*[:.]?\s*$")


# Words customers put right before a bare order number: "where is 1014?", "cancel 1002",
# "the bottle on 1037", "refund for 1014", "wo ist 1016", "où est 1041", "dónde está 1041".
_FILLER = r"(?:(?:the|my|also|too|please|just|only|die|der|das|meine|mein|meiner|bitte|auch|nur|ma|mon|la|le|aussi|svp|mi|el|tambien|solo)\s+){0,2}"
_CUE = re.compile(
    rf"""\b(?:
        (?P<verb>{_VERB_CUE})
      | (?P<preposition>about|regarding|re:?|for|on|from|zu|von|fur|bei|aus|pour|sur|para|sobre|when|has|did)
      | (?P<noun>parcel|package|shipment|delivery|paket|lieferung|colis|livraison|paquete|envio)
      | (?P<article>die|la|el|del|de\s+la)
    )\s+{_FILLER}$""",
    re.VERBOSE,
)
# … or right after it: "bitte 1041 stornieren", "el 1002 quiero anularlo", "wo wurde 1016 zugestellt".
_CUE_AFTER = re.compile(
    r"\s+(?:[a-z]+\s+)?(?:stornier\w*|storno|zuruck\w*|erstatt\w*|zugestellt|geliefert|versandt|verschickt"
    r"|angekommen|annul\w*|rembours\w*|livree?s?|anul\w*|cancel\w*|reembols\w*|devolv\w*|entregad\w*|llego"
    r"|shipped|arrived|delivered|arrives)\b"
)
# … or standing alone between sentences of a ticket that speaks of an order: "Où est ma commande ?? 1016."
_LONE = re.compile(r"(?:^|[.!?]\s*|\n)\s*\#?\s?(\d{4,10})\s*(?:[.!?]|$)", re.MULTILINE)
_BARE_NUMBER = re.compile(r"(?<![\w.,/#$€£¥+\-])\d{4,10}(?![\w/\-]|[.,]\d)")
_NUMBER_LINE = re.compile(
    r"\A\s*(?:\#\s?)?(?P<list>\d{4,10}(?:\s*(?:,|&|and|und|et|y)\s*(?:\#\s?)?\d{4,10})*)\s*[?!.]*\s*(?:\n|\Z)"
)
_SPEAKS_OF_ORDERS = re.compile(rf"\b(?:{_KEYWORD}|{_VERB_CUE})(?![a-z])")


def order_numbers(text: str, *, folded: str | None = None) -> tuple[str, ...]:
    """The order numbers in `text` (module docstring), in order of appearance, without repeats.

    `folded` is `fold(text)` when the caller has it already.
    """
    folded = fold(text) if folded is None else folded
    return tuple(dict.fromkeys(number for _, number in find_order_numbers(folded, text)))


def find_order_numbers(folded: str, original: str | None = None) -> list[tuple[int, str]]:
    """(position, digits) of each order number in text already folded by `folding.fold`.

    `original` (the text before folding) lets a postcode be told by the capital of its town.
    """
    found = _written_with_order_words(folded) + _bare(folded, original or folded)
    return sorted(set(found))


def _bare(folded: str, original: str) -> list[tuple[int, str]]:
    """Bare numbers where a customer puts an order number: by a cue word, alone, or as the subject line."""
    found = []
    line = _NUMBER_LINE.match(folded)
    if line:  # the ticket's subject is just "1014" or "1012 and 1037"
        found += [(line.start("list") + n.start(), n.group(0).lstrip("0") or "0")
                  for n in re.finditer(r"\d+", line.group("list"))]
    lone = {m.start(1) for m in _LONE.finditer(folded)} if _SPEAKS_OF_ORDERS.search(folded) else set()
    for m in _BARE_NUMBER.finditer(folded):
        if _NOT_AFTER.match(folded, m.end()) or _phone_group(folded, m.start(), m.end()):
            continue
        cue = _CUE.search(folded, max(0, m.start() - 40), m.start())
        strong = cue is not None and (cue.group("verb") or cue.group("noun"))
        if not (cue or _CUE_AFTER.match(folded, m.end()) or m.start() in lone):
            continue
        digits = m.group(0)
        if not strong and len(digits) == 4 and 1950 <= int(digits) <= 2049:
            continue  # "from 2019", "en el 2025", "for 2025": a year
        # Folding changes the length of a few characters only (ß → ss, zero-width dropped), so the
        # number sits near the same place in the original, where the case of the next word shows.
        slack = abs(len(original) - len(folded)) + 2
        if _is_postcode(original[max(0, m.start() - slack) : m.end() + slack + 40], digits):
            continue
        found.append((m.start(), digits.lstrip("0") or "0"))
        found += _listed_after(folded, m.end(), len(digits)) + _listed_before(folded, m.start(), len(digits))
    return found


# "cancel 1001 and 1016", "wo sind 1062, 1063 und 1064": a list goes on from a bare order number.
_LIST_TAIL = re.compile(r"\s*(?:,|&|/|\+|and|und|et|y|or|oder|ou|o)\s*(?:\#\s?)?(\d{4,10})(?![\w/\-]|[.,]\d)")


# … or ends in one: "bitte 1062 und 1063 stornieren".
_LIST_HEAD = re.compile(r"(?<![\w.,/#$€£¥+\-])(\d{4,10})\s*(?:,|&|/|\+|and|und|et|y|or|oder|ou|o)\s*(?:\#\s?)?$")


def _listed_before(folded: str, start: int, digits: int) -> list[tuple[int, str]]:
    """Numbers listed right before a bare order number, with about as many digits as it has."""
    listed = []
    while (m := _LIST_HEAD.search(folded, max(0, start - 30), start)) and abs(len(m.group(1)) - digits) <= 1 \
            and not (len(m.group(1)) == 4 and 1950 <= int(m.group(1)) <= 2049):
        listed.append((m.start(1), m.group(1).lstrip("0") or "0"))
        start = m.start(1)
    return listed


def _listed_after(folded: str, end: int, digits: int) -> list[tuple[int, str]]:
    """Numbers listed right after a bare order number, with about as many digits as it has."""
    listed = []
    while (m := _LIST_TAIL.match(folded, end)) and abs(len(m.group(1)) - digits) <= 1 \
            and not _NOT_AFTER.match(folded, m.end()) and not (len(m.group(1)) == 4 and 1950 <= int(m.group(1)) <= 2049):
        listed.append((m.start(1), m.group(1).lstrip("0") or "0"))
        end = m.end()
    return listed


def _phone_group(folded: str, start: int, end: int) -> bool:
    """One group of a phone number or of some other spaced-out code: 0161 496 0000."""
    return bool(re.match(r"[ \-.]\d", folded[end : end + 2]) or re.search(r"\d[ \-.]$", folded[max(0, start - 2) : start]))


def _written_with_order_words(folded: str) -> list[tuple[int, str]]:
    found = []
    for m in _pattern().finditer(folded):
        if m.group("bare") is not None and _OTHER_BEFORE.search(folded[max(0, m.start() - 40) : m.start()]):
            continue  # "ticket #10452", "facture n° 7781"
        if m.group("later") is not None and not _ORDER_EARLIER.search(folded[max(0, m.start() - 80) : m.start()]):
            continue  # a bare "Nr. 1060" counts only in "meine Bestellung vom 3. März (Nr. 1060)"
        if (_VERB_BEFORE.search(folded, max(0, m.start() - 12), m.start())
                and re.fullmatch(r"order\s+", folded[m.start() : m.start("list")])
                and _NOUN_AFTER.match(folded, m.end("list"))):
            continue  # "I'd like to order 200 mugs": the verb and a quantity, not "add it to order 1001"
        first_length = None
        for number in re.finditer(r"\d+", m.group("list")):
            start = m.start("list") + number.start()
            end = m.start("list") + number.end()
            if _NOT_AFTER.match(folded, end) or _phone_group(folded, start, end):
                break
            digits = number.group(0)
            if first_length is None:
                first_length = len(digits)
            elif abs(len(digits) - first_length) > 1:
                break
            found.append((start, digits.lstrip("0") or "0"))
    return found


_BARE = re.compile(r"(?<![\w.,/#$€£¥+\-])\d{3,12}(?![\w/\-]|[.,]\d)")
_AFTER_PREPOSITION = re.compile(r"\b(?:in|from|since|im|seit|von|vom|en|depuis|desde|del|year|jahr|annee|ano)\s*$")
_ANSWER_MAX_CHARS = 160


def answer_order_numbers(text: str) -> tuple[str, ...]:
    """Order numbers in a short reply to "what is your order number?" (module docstring)."""
    written = order_numbers(text)  # folded once more: a reply is a line or two
    if written or len(text.strip()) > _ANSWER_MAX_CHARS:
        return written
    folded = fold(text)
    candidates = []
    for m in _BARE.finditer(folded):
        before, after = folded[max(0, m.start() - 40) : m.start()], folded[m.end() :]
        if _NOT_AFTER.match(after) or _OTHER_BEFORE.search(before) or _AFTER_PREPOSITION.search(before):
            continue
        if re.match(r"[\s\-.]?\d", after) or re.search(r"\d[\s\-.]?$", before):
            continue  # one group of a phone number: 0161 496 0000
        if _is_postcode(text, m.group(0)):
            continue  # 75001 Paris, 8001 Zürich
        candidates.append(m.group(0))
    if not candidates or max(map(len, candidates)) - min(map(len, candidates)) > 1:
        return ()
    return tuple(dict.fromkeys(c.lstrip("0") or "0" for c in candidates))


# Capitalised words that start a sentence rather than name a town after a postcode.
_NOT_A_TOWN = {"please", "thanks", "thank", "thx", "cheers", "danke", "bitte", "merci", "gracias", "it", "and",
               "is", "was", "has", "the", "ist", "und", "est", "et", "es", "y", "por", "s'il"}


def _is_postcode(text: str, digits: str) -> bool:
    """Whether `digits` stands before a town's name, as postcodes do: "75001 Paris", "8001 Zürich"."""
    for m in re.finditer(rf"(?<!\d){digits}[ \u00a0]+([A-ZÀ-Ý][a-zà-ÿ'’\-]+)", text):
        if m.group(1).lower() not in _NOT_A_TOWN:
            return True
    return False
