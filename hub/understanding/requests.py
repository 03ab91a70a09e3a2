"""A ticket's separate requests, as spans of its text.

`split_requests(text, classify=None) -> list[RequestSpan]`: the requests in order; a ticket with
one request gives one span. Spans are slices of the original text (``text[span.start:span.end]
== span.text``), so entities, subjects and quotes taken from a span point into the ticket.

How it reads, in English, German, French and Spanish:

1. The text is cut into *units* — paragraphs, lines, list items ("1.", "2)", "-", "•"),
   sentences, and clauses joined by a connective — and each unit's start is marked *strong*
   when the writer says a new request begins: "also", "one more thing", "PS", "by the way",
   "außerdem", "noch etwas", "übrigens", "de plus", "par ailleurs", "autre chose", "aussi",
   "además", "también", "otra cosa", "por cierto", a list item, a sentence opening with "And …".
   Plain sentence, line and paragraph breaks, and "… and can you …" inside a sentence, are *weak*.
2. Greetings, thanks, sign-offs, signatures and "Sent from my iPhone" are dropped.
3. A unit that asks for nothing (no question, no "please", "I'd like", "can you", no problem
   such as "doesn't work", "hasn't arrived", in any of the four languages) is context: it joins
   the request it explains — the next one when it opens a paragraph, else the previous one.
4. **Without `classify`** (the default) the text is split at strong starts only. That is the
   conservative reading: a clause is never cut off from the sentence it belongs to, so "cancel
   order 1001 and refund me", "return the jacket and get my money back" and "where is order 1014
   and when will it arrive" stay one request each, and no half of a request can run as a request
   of its own. Its price is under-splitting two requests written without a connective ("Reset my
   password and unsubscribe me"): the second stays inside the first span.
5. **With `classify`** (text → ``(intent, confidence, unsure)``, e.g. the agent's classifier) weak
   boundaries are candidates too, and neighbours are merged back when they are the same request:
   one of them is unsure, or both have the same intent, or intents that belong to one request
   (a cancellation and its refund, a return and its refund, a damaged item and its replacement,
   where an order is and when it arrives — `BELONG_TOGETHER`), unless the later one names a
   different order, address or application of the same kind ("cancel 1001. Also cancel 1041" is
   two). Across a strong start, only a sure same-or-belonging pair merges. Complaints, feedback and
   out-of-scope pieces behind a weak boundary are context for their neighbour. The classifier
   can therefore only undo splits, never invent them beyond the units above, so a poor
   classifier degrades towards the default rather than into noise.

Entities: a request's entities are those in its span (``extract(span.text)``). A later request
often points back — "it", "that order", "the same one", "sie", "la", "lo" — and then its span has
no order number of its own. The agent should then fall back to the ticket's entities (those of
the whole text), but only when the ticket names exactly one value of that kind; with two order
numbers in the ticket and none in the span, the request's order is unknown and must be asked for,
never guessed.

Pure and fast (regular expressions, no model unless `classify` is given).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .actions import ACTING, asks_for
from .entities import extract
from .spelling import alternation, compile_words, words

MAX_CHARS = 20_000
MAX_UNITS = 60
#: Beyond this many candidate pieces (a pasted log, a long thread) the classifier is not asked
#: about each: the ticket is split where the writer marks a new request, as without `classify`.
#: A list of requests that long is no list a person wrote; it bounds the work per ticket.
MAX_CLASSIFIED = 8

Classify = Callable[[str], tuple[str, float, bool]]

#: Intents that are one request when they sit side by side (the second follows from the first).
BELONG_TOGETHER: tuple[frozenset[str], ...] = (
    frozenset({"cancel_order", "refund_request", "refund_status", "cancellation_fee"}),
    frozenset({"return_request", "refund_request", "refund_status", "damaged_item", "change_order"}),
    frozenset({"damaged_item", "refund_request"}),
    frozenset({"payment_problem", "refund_request", "refund_status"}),
    frozenset({"order_status", "delivery_options"}),
)
#: Pieces that are context for a neighbour rather than requests of their own, behind a weak boundary.
CONTEXT_INTENTS = frozenset({"complaint", "feedback", "out_of_scope"})

STRONG, LIST, PARAGRAPH, TITLE, LINE, SENTENCE, CLAUSE = "strong", "list", "paragraph", "title", "line", "sentence", "clause"
_SPLITS_WITHOUT_CLASSIFY = {STRONG, LIST}


@dataclass(frozen=True)
class RequestSpan:
    text: str
    start: int
    end: int


@dataclass
class _Unit:
    start: int
    end: int
    boundary: str
    connective_only: bool = False
    pleasantry: bool = False
    cue: bool = False


@dataclass
class _Group:
    units: list[_Unit]

    @property
    def boundary(self) -> str:
        return self.units[0].boundary

    @property
    def cue(self) -> bool:
        return any(u.cue for u in self.units)

    def span(self, text: str) -> tuple[int, int]:
        return self.units[0].start, self.units[-1].end


# -- what marks a new request ------------------------------------------------------------------------

_CONNECTIVES = (
    "also", "and also", "additionally", "in addition", "plus", "one more thing", "another thing",
    "another question", "one other thing", "one last thing", "last thing", "last but not least", "secondly",
    "second", "besides", "besides that", "on another note", "on a different note", "on a separate note",
    "separately", "while i'm at it", "while you're at it", "and while you're at it", "ps", "p.s.", "p.s",
    "pps", "btw", "by the way", "oh and", "oh also", "and one more thing", "and another thing", "too",
    "außerdem", "ausserdem", "zusätzlich", "noch etwas", "noch was", "noch eine sache", "noch eine frage",
    "und noch", "und außerdem", "weiterhin", "des weiteren", "desweiteren", "ebenfalls", "nebenbei",
    "übrigens", "zweitens", "und zweitens", "ach ja", "und noch etwas", "sowie", "auch",
    "de plus", "par ailleurs", "aussi", "également", "en outre", "autre chose", "une autre question",
    "autre question", "encore une chose", "et aussi", "deuxièmement", "d'autre part", "au passage",
    "et puis", "enfin", "ah et", "et également", "en plus", "et en plus",
    "además", "también", "otra cosa", "otra pregunta", "por otro lado", "aparte", "y también", "y además",
    "y otra cosa", "segundo", "por cierto", "pd", "p.d.", "de paso", "tmb", "tb", "ah y", "y aparte",
    "y por cierto", "asimismo",
)
_CONNECTIVE_START = re.compile(r"^\W*" + words(_CONNECTIVES) + r"[\s,:;.!—–-]*", re.IGNORECASE)
_CONNECTIVE_ANYWHERE = compile_words((
    "also", "additionally", "too", "as well", "außerdem", "ausserdem", "zusätzlich", "auch noch", "auch",
    "ebenfalls", "aussi", "également", "de plus", "en plus", "además", "también", "tmb", "asimismo",
))
# A sentence that opens with "And …" (und, et, y) starts another request, as far as the text says.
_AND_START = re.compile(r"^\W*(?:and|und|et|y|or|oder|ou|o)\b", re.IGNORECASE)

# "…, and can you …", "… et remboursez-moi": a clause that may be a request of its own.
_REQUEST_STARTER = alternation((
    "can you", "could you", "would you", "will you", "can u", "can i", "could i", "may i", "please", "pls",
    "i'd like", "i would like", "i want", "i need", "is it possible", "do you", "does", "how", "when",
    "where", "what", "why", "which", "cancel", "reset", "unsubscribe", "change", "update", "send", "resend",
    "give", "refund", "delete", "remove", "add", "set up", "tell me", "let me know", "stop", "check",
    "können sie", "könnten sie", "kann ich", "könnt ihr", "kannst du", "habt ihr", "haben sie", "gibt es",
    "bitte", "mich bitte", "mir bitte", "ich möchte", "ich brauche", "ich hätte", "wo", "wann", "wie",
    "warum", "welche", "stornieren", "pouvez-vous", "pourriez-vous", "puis-je", "est-ce que", "où",
    "quand", "comment", "pourquoi", "quel", "quelle", "je voudrais", "j'aimerais", "merci de",
    "désabonnez", "désinscrivez", "remboursez", "annulez", "envoyez", "vous avez", "avez-vous",
    "pueden", "podrían", "podéis", "puedo", "me pueden", "dónde", "cuándo", "cómo", "qué", "cuál",
    "denme", "dadme", "devuélvanme", "cancelen", "quiero", "necesito", "me gustaría", "teneis", "tenéis",
    "tienen", "hacéis", "aceptan",
))
# "…, and my laptop trackpad stopped working": a clause with a thing of its own and a fault is a
# request of its own (an incident beside the software asked for), whatever the first clause asked.
_OWN_THING = alternation(("my", "our", "the", "mein", "meine", "meinem", "unser", "unsere", "der", "die", "das",
                          "mon", "ma", "mes", "notre", "nos", "le", "la", "les", "mi", "mis", "nuestro",
                          "nuestra", "el", "los", "las"))
_FAULT = alternation((
    "stopped working", "doesn't work", "does not work", "isn't working", "is not working", "not working",
    "won't turn on", "won't start", "won't open", "is broken", "broke", "keeps crashing", "crashes",
    "funktioniert nicht", "geht nicht", "ist kaputt", "startet nicht", "stürzt", "ne marche", "ne fonctionne",
    "est cassé", "est cassée", "plante", "no funciona", "dejó de funcionar", "se rompió", "está roto",
    "está rota", "no enciende",
))
_A_FAULT_OF_ITS_OWN = _OWN_THING + r"\s+[^,.;?!]{0,60}?" + _FAULT + r"(?![\w])"
_OWN_FAULT = re.compile(r"(?:(?:and|und|et|y|but|aber|mais|pero)\s+)?" + _A_FAULT_OF_ITS_OWN, re.IGNORECASE)
_CLAUSE_SPLIT = re.compile(
    r"(?:,\s*|\s+)(?=(?:and|und|et|y|but|aber|mais|pero)\s+(?:\w+\s+)?[¿¡]?" + _REQUEST_STARTER + r"(?![\w]))"
    r"|(?:,\s*|\s+)(?=(?:and|und|et|y|but|aber|mais|pero)\s+" + _A_FAULT_OF_ITS_OWN + ")"
    r"|,\s+(?=" + words(("also", "außerdem", "aussi", "además", "también", "tmb", "plus", "de plus")) + r")"
    r"|;\s+",
    re.IGNORECASE,
)

# -- what asks for something -------------------------------------------------------------------------

_CUE = re.compile(
    r"[?¿]|"
    + words((
        "please", "pls", "plz", "can you", "could you", "would you", "can u", "can i", "could i", "may i",
        "is it possible", "how do i", "how can i", "how long", "how much", "how do", "where is", "where's",
        "wheres", "where are", "when will", "when is", "when does", "why", "what is", "what's", "do you",
        "does", "is there", "are there", "i want", "i'd like", "i would like", "i need", "need", "needs",
        "i'm trying", "trying to", "help", "cancel", "reset", "change", "update", "refund", "return",
        "unsubscribe", "remove", "delete", "add", "give", "set up", "send", "resend", "check", "tell me",
        "let me know", "stop sending", "fix", "replace", "replacement", "exchange", "swap", "install",
        "can't", "cant", "cannot", "couldn't", "unable", "doesn't work", "not working", "won't",
        "broken", "damaged", "smashed", "missing", "wrong", "hasn't arrived", "didn't arrive",
        "never arrived", "never came", "still waiting", "haven't received", "not received",
        "charged twice", "double charged", "locked", "forgot", "expired", "crash", "crashes", "crashing",
        "error", "stopped working", "flickers", "keeps", "leaks", "human", "speak to", "talk to",
        "bitte", "können sie", "könnten sie", "kannst du", "könnt ihr", "kann ich", "wo ist", "wo bleibt",
        "wann", "wie", "warum", "gibt es", "ist es möglich", "ich möchte", "möchte", "ich will",
        "ich hätte gern", "hätte gern", "ich würde gern", "würde gern", "ich brauche", "brauche",
        "bräuchte", "ich bitte", "stornieren", "zurücksetzen", "ändern", "abmelden", "löschen",
        "erstatten", "zurückgeben", "zurückschicken", "umtauschen", "schicken", "prüfen", "helfen",
        "kann nicht", "kann mich nicht", "funktioniert nicht", "geht nicht", "nicht angekommen",
        "kaputt", "beschädigt", "zerbrochen", "falsch", "fehlt", "vergessen", "gesperrt", "doppelt",
        "abgebucht", "flackert", "startet nicht", "stürzt", "liefert ihr", "nehmen sie", "habt ihr",
        "haben sie", "verkaufen sie", "kostet", "keine sms mehr", "muss", "geht nicht mehr an",
        "s'il vous plaît", "svp", "stp", "merci de", "pouvez-vous", "pourriez-vous", "vous pouvez",
        "tu peux", "puis-je", "je peux", "est-ce que", "je voudrais", "je veux", "j'aimerais",
        "je souhaite", "j'ai besoin", "besoin", "il me faut", "il me faudrait", "annulez", "annuler",
        "réinitialiser", "réinitialisez", "modifier", "changer", "désinscrire", "désinscrivez",
        "désabonnez", "supprimer", "supprimez", "rembourser", "remboursez", "retourner", "échanger",
        "renvoyer", "vérifier", "aider", "n'arrive pas", "n'arrive plus", "ne fonctionne pas",
        "ne marche pas", "ne marche plus", "pas reçu", "toujours pas", "cassé", "cassée", "abîmé",
        "endommagé", "endommagée", "mauvaise", "manque", "oublié", "bloqué", "bloquée", "deux fois",
        "débité", "ne s'allume", "ne se connecte", "plante", "impossible", "arrêtez", "faut que",
        "por favor", "porfa", "pueden", "podrían", "puede", "podéis", "puedes", "puedo", "dónde",
        "cuándo", "cómo", "por qué", "cuánto", "quiero", "quisiera", "querría", "necesito", "me gustaría",
        "me haría falta", "cancelen", "cancelar", "restablecer", "restablezcan", "cambiar", "cambien",
        "dar de baja", "den de baja", "denme", "dadme", "eliminar", "borren", "reembolsar", "reembolsen",
        "devolver", "devuélvanme", "enviar", "manden", "reenvían", "revisar", "ayudar", "ayudan",
        "no puedo", "no funciona", "no ha llegado", "no me ha llegado", "no llegó", "sigo esperando",
        "roto", "rota", "dañado", "equivocado", "falta", "olvidé", "bloqueado", "bloqueada", "dos veces",
        "cobraron", "no enciende", "no arranca", "no se conectan", "solicito", "tengo que", "tengo q",
        "caducó", "dejen de",
        # An outage or a fault reported without a request word is still something to fix.
        "is down", "still down", "went down", "keeps dropping", "keeps disconnecting", "disconnects",
        "outage", "no internet", "no signal", "freezes", "frozen", "isn't working", "broke",
        "ausgefallen", "fällt aus", "kein internet", "kein wlan", "hängt sich auf", "en panne", "plus de réseau",
        "plus d'internet", "se déconnecte", "caído", "se cae", "no hay internet", "se desconecta", "se congela",
    )),
    re.IGNORECASE,
)

# -- what is only politeness ---------------------------------------------------------------------------

_PLEASANTRY_PHRASES = alternation((
    "hi", "hello", "hey", "hiya", "dear", "dear sir or madam", "dear sir", "dear madam", "dear support",
    "dear team", "to whom it may concern", "good morning", "good afternoon", "good evening", "hi there",
    "hello there", "hi team", "hello team", "hi all", "hello all", "hey there", "greetings",
    "thanks", "thank you", "thank you so much", "thanks so much", "many thanks", "thanks a lot",
    "thanks in advance", "thank you in advance", "thx", "ty", "cheers", "best", "best regards",
    "kind regards", "regards", "warm regards", "best wishes", "all the best", "sincerely",
    "yours sincerely", "yours faithfully", "yours", "have a nice day", "have a good day",
    "have a great day", "appreciate it", "much appreciated", "sent from my iphone",
    "sent from my android", "sent from my phone", "sent from outlook", "get outlook for ios",
    "hallo", "hallo zusammen", "hi zusammen", "guten tag", "guten morgen", "guten abend", "moin",
    "servus", "grüß gott", "liebes team", "sehr geehrte damen und herren", "sehr geehrte damen, sehr geehrte herren",
    "danke", "vielen dank", "danke schön", "dankeschön", "danke im voraus", "vielen dank im voraus",
    "besten dank", "gruß", "grüße", "viele grüße", "liebe grüße", "beste grüße", "freundliche grüße",
    "mit freundlichen grüßen", "mfg", "lg", "vg", "einen schönen tag noch", "schönen tag",
    "von meinem iphone gesendet", "gesendet von meinem iphone", "grüße aus köln",
    "bonjour", "bonsoir", "salut", "coucou", "madame, monsieur", "madame", "monsieur", "chère équipe",
    "merci", "merci beaucoup", "merci d'avance", "merci par avance", "un grand merci", "cordialement",
    "bien cordialement", "bien à vous", "salutations", "sincères salutations", "bonne journée",
    "bonne soirée", "envoyé de mon iphone", "veuillez agréer mes salutations distinguées",
    "veuillez agréer, madame, monsieur, mes salutations distinguées", "je vous remercie", "slt",
    "hola", "buenas", "buenos días", "buenas tardes", "buenas noches", "estimados", "estimados señores",
    "estimado equipo", "gracias", "muchas gracias", "mil gracias", "gracias de antemano",
    "saludos", "un saludo", "atentamente", "cordiales saludos", "que tengan buen día", "buen día",
    "enviado desde mi iphone", "ola",
))
_NAME_WORD = r"[A-ZÀ-ÖØ-Ý][\wà-öø-ÿ'’.-]*"
_PLEASANTRY = re.compile(
    r"^[\W_]*(?:(?:" + _PLEASANTRY_PHRASES + r")(?![\w])[\s,.!:;—–\-]*(?:(?:and|und|et|y|&|,)\s*)?)+"
    r"(?-i:" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,3})?[\W_]*$",
    re.IGNORECASE,
)
# "Thanks for the quick refund!" thanks for something done; it asks for nothing.
_THANKS_FOR = re.compile(
    r"^[\W_]*" + alternation((
        "thanks for", "thank you for", "thanks so much for", "thank you so much for", "many thanks for",
        "danke für", "vielen dank für", "danke schön für", "herzlichen dank für", "merci pour",
        "merci beaucoup pour", "un grand merci pour", "merci de votre", "merci de ta", "gracias por",
        "muchas gracias por", "mil gracias por",
    )) + r"(?!\w)",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^[\W_]*" + alternation((
        "cheers", "best", "best regards", "kind regards", "regards", "warm regards", "best wishes", "sincerely",
        "yours sincerely", "yours faithfully", "thanks", "thank you", "many thanks", "gruß", "grüße",
        "viele grüße", "liebe grüße", "beste grüße", "mit freundlichen grüßen", "freundliche grüße", "mfg",
        "lg", "vg", "danke", "cordialement", "bien cordialement", "bien à vous", "salutations", "merci",
        "veuillez agréer mes salutations distinguées", "saludos", "un saludo", "atentamente", "gracias",
        "cordiales saludos",
    )) + r"(?![\w])",
    re.IGNORECASE,
)
_SIGNATURE_LINE = re.compile(r"^[\W_]*(?:" + _NAME_WORD + r"|[|/&@.,()+\-]|\s)+$")
_TITLE_LINE_MAX_WORDS = 8

# -- cutting the text ------------------------------------------------------------------------------

_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*")
_LIST_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]|[a-h][.)]|[-*•–·▪◦]|\(\d{1,2}\))\s+")
_NUMBERED = re.compile(r"\s*(?:\d{1,2}[.)]|[a-h][.)]|\(\d{1,2}\))\s+")
_ABBREVIATIONS = compile_words((
    "no", "nr", "mr", "mrs", "ms", "dr", "st", "e.g", "i.e", "z.b", "bzw", "ca", "str", "approx", "vs", "inkl",
    "sr", "sra", "srta", "mme", "mlle", "etc", "p.s", "n°", "nº", "tel", "ext", "ref", "p.d",
))
_SENTENCE_END = re.compile(r"[.!?…]+(?=\s)|(?<=[?!])(?=[¿¡A-Za-z])")


def split_requests(text, classify: Classify | None = None) -> list[RequestSpan]:
    """The ticket's separate requests in order, as spans of `text` (see the module docstring)."""
    text = _as_text(text)
    if not text.strip():
        return []
    units = _units(text)
    if len(units) > MAX_UNITS:
        # Beyond a few dozen pieces a ticket is not a list of requests a flow could run; keep the
        # tail as one piece so the work (and the classifier calls) stay bounded.
        tail = _Unit(units[MAX_UNITS - 1].start, units[-1].end, units[MAX_UNITS - 1].boundary)
        units = units[: MAX_UNITS - 1] + [tail]
    _mark(units, text)
    kept = [u for u in units if not u.pleasantry]
    if not kept:  # nothing but thanks or greetings: that is the one "request"
        return [_span(text, units[0].start, units[-1].end)]
    groups = _grouped(kept, _SPLITS_WITHOUT_CLASSIFY if classify is None else None)
    if classify is not None and len(groups) > MAX_CLASSIFIED:
        classify, groups = None, _grouped(kept, _SPLITS_WITHOUT_CLASSIFY)
    if classify is not None:
        groups = _merge_same_requests(groups, text, classify)
    return [_span(text, *g.span(text)) for g in groups]


def asking_part(text) -> str:
    """The sentences and clauses of ``text`` that ask for something, in order, without the
    greetings, the story around them and the sign-off: "Could you refund the $29 for the cap?"
    of a paragraph about the parcel, the warehouse and the tee. A second thing to classify when
    the whole is unsure (hub.agent.reading); "" when nothing in it asks."""
    text = _as_text(text)
    if not text.strip():
        return ""
    units = _units(text)[:MAX_UNITS]
    _mark(units, text)
    return " ".join(text[u.start: u.end] for u in units if u.cue and not u.pleasantry)


def _grouped(kept: list[_Unit], splits) -> list[_Group]:
    groups: list[_Group] = []
    for unit in kept:
        if groups and (unit.connective_only or (splits is not None and unit.boundary not in splits)):
            groups[-1].units.append(unit)
        else:
            groups.append(_Group([unit]))
    return _attach_context(_fold_connective_only(groups))


def _units(text: str) -> list[_Unit]:
    units: list[_Unit] = []
    paragraphs = _pieces(text, 0, len(text), _PARAGRAPH)
    for p_index, (p_start, p_end) in enumerate(paragraphs):
        lines = _pieces(text, p_start, p_end, re.compile(r"\n"))
        for l_index, (l_start, l_end) in enumerate(lines):
            line = text[l_start:l_end]
            listed = _LIST_MARKER.match(line)
            if l_index == 0:
                line_boundary = PARAGRAPH if p_index else "start"
                if listed and p_index:
                    line_boundary = LIST
            else:
                line_boundary = LIST if listed else LINE
            for s_index, (s_start, s_end) in enumerate(_sentences(text, l_start, l_end)):
                sentence_boundary = line_boundary if s_index == 0 else SENTENCE
                for c_index, (c_start, c_end) in enumerate(_clauses(text, s_start, s_end)):
                    units.append(_Unit(c_start, c_end, sentence_boundary if c_index == 0 else CLAUSE))
    return units


def _pieces(text: str, start: int, end: int, separator: re.Pattern) -> list[tuple[int, int]]:
    pieces, cursor = [], start
    for m in separator.finditer(text, start, end):
        pieces.append((cursor, m.start()))
        cursor = m.end()
    pieces.append((cursor, end))
    return [(s, e) for s, e in (_trim(text, s, e) for s, e in pieces) if e > s]


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces, cursor = [], start
    for m in _SENTENCE_END.finditer(text, start, end):
        word = re.search(r"[\w.°º]+$", text[cursor: m.start()] if m.start() > cursor else "")
        if m.group(0).startswith(".") and word and (
            _ABBREVIATIONS.fullmatch(word.group(0).rstrip(".")) or re.fullmatch(r"[A-Z]|\d{1,2}", word.group(0))
        ):
            continue  # "order no. 1001", "J. Alvarez", "am 1. März"
        pieces.append((cursor, m.end()))
        cursor = m.end()
    pieces.append((cursor, end))
    return [(s, e) for s, e in (_trim(text, s, e) for s, e in pieces) if e > s]


def _clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces, cursor = [], start
    for m in _CLAUSE_SPLIT.finditer(text, start, end):
        if m.start() - cursor < 3:
            continue
        pieces.append((cursor, m.start()))
        cursor = m.end()
    pieces.append((cursor, end))
    return [(s, e) for s, e in (_trim(text, s, e) for s, e in pieces) if e > s]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _mark(units: list[_Unit], text: str) -> None:
    """Decide, per unit: politeness, a lone connective, a strong start, asks for something."""
    signed_off = False
    for index, unit in enumerate(units):
        piece = text[unit.start: unit.end]
        body = _LIST_MARKER.sub("", piece, count=1)
        connective = _CONNECTIVE_START.match(body)
        rest = body[connective.end():] if connective else body
        if connective and not re.search(r"\w", rest):
            unit.connective_only = True
        if connective or (unit.boundary in {SENTENCE, CLAUSE, LINE, PARAGRAPH} and _opens_with_also(rest)) or \
                (unit.boundary in {SENTENCE, LINE, PARAGRAPH} and _AND_START.match(body)):
            if unit.boundary != "start":
                unit.boundary = STRONG if unit.boundary != LIST else LIST
        if index and units[index - 1].connective_only and unit.boundary != "start":
            unit.boundary = STRONG
        unit.cue = bool(_CUE.search(rest)) or (unit.boundary == LIST and len(rest.split()) >= 5)
        if _PLEASANTRY.match(piece) or (_THANKS_FOR.match(piece) and "?" not in piece):
            unit.pleasantry = True
        elif signed_off and not connective and (_SIGNATURE_LINE.match(piece) or not unit.cue):
            unit.pleasantry = True  # the name, title and company lines under "Best regards,"
        if _SIGN_OFF.match(piece) and unit.pleasantry:
            signed_off = True
    _mark_title(units, text)
    _mark_numbered_lists(units, text)


def _mark_numbered_lists(units: list[_Unit], text: str) -> None:
    """Items of a numbered or lettered list are the writer's own count of requests: when one of
    them asks for something, its siblings are requests too ("a) Figma access  b) monitor flickers")."""
    numbered = [u for u in units if _NUMBERED.match(text, u.start) and not u.pleasantry]
    if len(numbered) >= 2 and any(u.cue for u in numbered):
        for unit in numbered:
            unit.cue = True


def _opens_with_also(rest: str) -> bool:
    """ "I also need …", "Ich bräuchte auch …", "J'ai aussi besoin …": "also" among the first words."""
    head = " ".join(rest.split()[:5])
    return bool(_CONNECTIVE_ANYWHERE.search(head))


def _mark_title(units: list[_Unit], text: str) -> None:
    """A short first line standing alone ("Question about order 1001", a ticket's subject) is a title."""
    if len(units) < 2:
        return
    first, second = units[0], units[1]
    line = text[first.start: first.end]
    if second.boundary in {PARAGRAPH, LINE} and len(line.split()) <= _TITLE_LINE_MAX_WORDS \
            and not re.search(r"[.!?]\s*$", line) and not first.pleasantry:
        second.boundary = TITLE
        first.cue = False  # its request, if any, is the body's


def _fold_connective_only(groups: list[_Group]) -> list[_Group]:
    folded: list[_Group] = []
    for group in groups:
        if folded and all(u.connective_only for u in folded[-1].units):
            folded[-1].units.extend(group.units)
        else:
            folded.append(group)
    return folded


def _attach_context(groups: list[_Group]) -> list[_Group]:
    """Pieces asking for nothing join a neighbour: forward when they open a paragraph, else back."""
    if not any(g.cue for g in groups):
        return [_Group([u for g in groups for u in g.units])]
    result: list[_Group] = []
    pending: list[_Unit] = []
    for index, group in enumerate(groups):
        if group.cue:
            group.units[0:0] = pending
            pending = []
            result.append(group)
            continue
        forward = not result or (group.boundary in {PARAGRAPH, "start", TITLE, LIST} and index + 1 < len(groups)
                                 and groups[index + 1].cue and groups[index + 1].boundary not in {STRONG})
        if forward:
            pending.extend(group.units)
        else:
            result[-1].units.extend(group.units)
    if pending:
        result[-1].units.extend(pending)
    for group in result:
        group.units.sort(key=lambda u: u.start)
    return result


def _merge_same_requests(groups: list[_Group], text: str, classify: Classify) -> list[_Group]:
    if len(groups) < 2:
        return groups
    readings = [_read(classify, text[slice(*g.span(text))]) for g in groups]
    merged = [groups[0]]
    current = readings[0]
    for group, reading in zip(groups[1:], readings[1:]):
        previous = merged[-1]
        if _same_request(previous, current, group, reading, text):
            # The boundary of the merged group stays that of its first unit.
            previous.units.extend(group.units)
            if current[2] and not reading[2]:
                current = reading
        else:
            merged.append(group)
            current = reading
    return merged


def _same_request(previous: _Group, first: tuple, group: _Group, second: tuple, text: str) -> bool:
    (intent_a, _, unsure_a), (intent_b, _, unsure_b) = first, second
    strong = group.boundary in {STRONG, LIST}
    # Two out-of-scope (or two complaint) readings say nothing about being one request: a
    # classifier that cannot read the language answers out_of_scope for every piece.
    related = (intent_a == intent_b or any(intent_a in s and intent_b in s for s in BELONG_TOGETHER)) \
        and intent_a not in CONTEXT_INTENTS and intent_b not in CONTEXT_INTENTS
    if not unsure_a and not unsure_b and related:
        if group.boundary == CLAUSE and intent_a == intent_b:
            # "Set up our new starter with Slack and Zoom": one request naming two things, as
            # its clause says; the agent takes one value at a time where it must.
            return True
        # "Cancel 1001 and refund me" is one request; "cancel 1001 and refund 1016" two, each
        # on its own order — merged, the refund of 1016 would be dropped or done on 1001.
        return not _different_objects(text[slice(*previous.span(text))], text[slice(*group.span(text))])
    if strong:
        return False
    later = text[slice(*group.span(text))]
    if not unsure_b and _OWN_FAULT.match(later):
        # "Reset my password and my VPN is not working": a thing of its own with a fault, read
        # surely as another request, is one, however short.
        return False
    if intent_b in ACTING and not unsure_b and not asks_for(later, intent_b) and not _names_object(later):
        # "Can I get the invoice for 1014? What did I pay?" — the second sentence reads like a
        # refund to a classifier but asks for none: behind a weak boundary, a piece that names
        # neither the action nor a thing of its own is context, never a request to act on.
        return True
    if len(later.split()) <= 6 and not _names_object(later) and not (intent_b in ACTING and asks_for(later, intent_b)):
        # "Can you send one?", "Could you check?": a short follow-up that names nothing of its
        # own finishes the request before it.
        return True
    if _points_back(later):
        # "Any news on my Figma request? Still can't log in to it." — "it" is the Figma request,
        # not an account to reset: a piece that only points back is part of what it points to.
        return True
    return unsure_a or unsure_b or intent_a in CONTEXT_INTENTS or intent_b in CONTEXT_INTENTS


#: Words by which a piece points back to what the previous one named, in four languages.
_POINTS_BACK = re.compile(
    r"\b(it|that|this|them|those|these|the same|es|das|dies|damit|dafür|dazu|darauf|ça|cela|celle-ci|celui-ci"
    r"|eso|esto|ello)\b"
    # "this morning", "that week": a time, not a thing named before.
    r"(?!\s+(?:morning|afternoon|evening|night|week|weekend|month|year|time|moment)\b)", re.IGNORECASE)


def _points_back(piece: str) -> bool:
    """Whether ``piece`` refers back ("it", "das", "ça", "eso") and names no object of its own."""
    return bool(_POINTS_BACK.search(piece)) and not _names_object(piece)


def _names_object(piece: str) -> bool:
    """Whether ``piece`` names an order, an address or an application of its own."""
    found = extract(piece)
    return bool(found.order_numbers or found.emails or found.software or _BARE_NUMBER.search(piece))


def _different_objects(a: str, b: str) -> bool:
    """The later piece names its own order, address or application, unlike the earlier one's."""
    ea, eb = extract(a), extract(b)
    for kind in ("order_numbers", "emails", "software"):
        va, vb = set(getattr(ea, kind)), set(getattr(eb, kind))
        if va and vb and not vb <= va:
            return True
    # "cancel 1001. Also cancel 1041": bare numbers name orders too, when both sides have one
    na, nb = set(_BARE_NUMBER.findall(a)), set(_BARE_NUMBER.findall(b))
    return bool(na and nb and not nb <= na)


_BARE_NUMBER = re.compile(r"(?<![\w.,$€£])\d{3,12}(?![\w.,]\d)")


def _read(classify: Classify, piece: str) -> tuple[str, float, bool]:
    """The classifier's answer, made safe: anything malformed counts as unsure."""
    try:
        intent, confidence, unsure = classify(piece)
        return str(intent), float(confidence), bool(unsure)
    except Exception:  # a failing classifier must not lose the ticket; the default reading remains
        return "unsure", 0.0, True


def _span(text: str, start: int, end: int) -> RequestSpan:
    start, end = _trim(text, start, end)
    return RequestSpan(text[start:end], start, end)


def _as_text(text) -> str:
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = "" if text is None else str(text)
    return text[:MAX_CHARS]
