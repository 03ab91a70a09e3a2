"""A part of an order asked for without saying which part: "refund 50 %", "half", "the difference".

"Refund $29 for the cap" names a sum, "refund the cap" an item; "refund 50 % of 1026", "I'd
like a partial refund", "die Hälfte zurück", "la moitié", "la diferencia" name neither. Read
as nothing named, such a request would refund the whole order — more than was asked. So
``share_asked`` finds these words, in English, German, French and Spanish, and the refund and
return flows hand the ticket to a person to settle the amount (hub.agent.scope marks it
unresolved) rather than guess one.

Matched in folded form (hub.understanding.normalise.fold); pure and fast.
"""

from __future__ import annotations

import re

from .normalise import fold

_SHARES = re.compile(r"(?<![\w.,])(?:" + "|".join((
    # "100 %" is the whole order, and "I'm 100% sure" no share at all.
    r"(?!100\b)\d{1,3}(?:[.,]\d+)? ?(?:%|percent|per cent|prozent|pour ?cent|por ?ciento)",
    r"half (?:of )?(?:the|my|it|that|what|its|back|a refund|refund|price|amount|order|money|cost)",
    r"(?:refund|back|return) half|a third|a quarter|two thirds|partial(?:ly)? refund\w*|a partial",
    r"part of (?:the|my) (?:money|payment|order|price|amount)|some (?:of (?:the|my) )?money back",
    r"(?:the|a) (?:price )?difference|compensation",
    r"(?:die )?halfte|halb(?:en|e|er)? (?:preis|betrag|summe)|ein (?:drittel|viertel)",
    r"teil(?:weise|erstattung\w*|betrag)|(?:die|den) (?:preis)?differenz|einen teil|entschadigung",
    r"(?:la )?moitie|un (?:tiers|quart)|(?:remboursement|rembourser) partiel\w*|partiellement|une partie",
    r"la difference|un geste commercial|dedommagement",
    r"(?:la )?mitad|un (?:tercio|cuarto)|(?:reembolso|devolucion) parcial|parcialmente|una parte",
    r"la diferencia|una compensacion",
)) + r")(?!\w)")


def share_asked(text: str) -> str | None:
    """The words asking for an unsized part of an order ("50 %", "half", "die Hälfte"), or None."""
    found = _SHARES.search(fold(text))
    return found.group(0) if found else None
