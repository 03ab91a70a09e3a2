"""Which of an order's lines a request asks about, and the one amount it asks for.

`items_asked(text, line_items, language=None)` reads a request against the order's own line
items (as the Shopify connector's `get_order` returns them) and says which lines, and how many
of each, the customer asks about — so a refund or return never reaches past what was asked:

- "the jackets" → every jacket line in full; "the jacket" → one jacket (a singular noun asks for
  one, a plural for all of them); "2 caps", "one of the two caps", "eine der beiden Mützen",
  "une des deux casquettes", "una de las dos gorras" → that many; "both" needs exactly two;
- "everything except the boots", "I'll keep the bottles", "behalte die Flasche", "je garde
  les chaussettes", "me quedo con las botas", "not the jacket" → excluded; the rest of the
  order is included when nothing else is named ("I'll keep the bottles" on a return);
- "the whole order", "alles", "toute la commande", "el pedido completo", or no item named at
  all → `all_items`;
- an item the order does not have ("the gloves" on an order without gloves), a colour no line
  has ("the blue one"), a count the order cannot give ("three caps" of two), or a line both
  asked for and kept → `unresolved`: the agent asks or hands over rather than guessing.

Product titles are English; customers' words are matched to them through the small lexicon in
`product_words.py` (its limits are written there). Reading what to do with each item is a
left-to-right scan of clauses: an action word (return, zurückschicken, renvoyer, devolver …)
or a keep word (keep, behalten, garder, quedarse con) decides the items named before it in its
clause (German and Spanish often put the verb last) and the items after it; "except/außer/
sauf/menos" excludes what follows; "… are fine / passt / vont bien / están bien" sets items
aside without excluding them. When a text names items but no action at all, they are included
(an answer to "which items?").

`amount_asked(text, language=None)` is the single amount the customer asks to get back
("refund $29", "I only want 29 € back", "die Differenz von 12,50 € zurück"); an amount written
as a price ("I paid 240 €") is not asked for. `read_amount_asked` also says why there is none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .folding import FoldedText
from .money import Money, find_amounts
from .product_words import COLOURS, KINDS, TITLE_NOISE


@dataclass(frozen=True)
class LineAsked:
    line_item_id: str
    quantity: int

    def to_dict(self) -> dict:
        return {"line_item_id": self.line_item_id, "quantity": self.quantity}


@dataclass(frozen=True)
class ItemsAsked:
    included: tuple[LineAsked, ...] = ()
    excluded: tuple[str, ...] = ()
    all_items: bool = False
    unresolved: tuple[str, ...] = ()
    reason: str = ""

    def to_dict(self) -> dict:
        return {
            "included": [line.to_dict() for line in self.included],
            "excluded": list(self.excluded),
            "all_items": self.all_items,
            "unresolved": list(self.unresolved),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class AmountAsked:
    money: Money | None
    reason: str


# -- the order's lines -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    id: str
    quantity: int
    name: str
    kinds: frozenset[str]
    colours: frozenset[str]
    words: frozenset[str]  # the title's own distinctive words: "storm", "merino", "ridge"
    sku: str


def _lines(line_items: Iterable[Mapping]) -> list[_Line]:
    lines = []
    for position, item in enumerate(line_items or ()):
        if not isinstance(item, Mapping) or not item.get("id"):
            raise ValueError(f"line item {position} has no id: {item!r:.80}")
        try:
            quantity = int(item.get("quantity") or 0)
        except (TypeError, ValueError):
            raise ValueError(f"line item {item['id']} has a quantity that is not a number: {item.get('quantity')!r}")
        tokens = _tokens(str(item.get("name") or ""))
        words = [t for t, _, _ in tokens]
        kinds, kind_words = set(), set()
        for kind in KINDS:
            for title in kind.title:
                title_tokens = title.split()
                if _contains(words, title_tokens):
                    kinds.add(kind.name)
                    kind_words.update(title_tokens)
        # "Sleeping Bag" is a sleeping bag, not a bag: a longer title phrase wins.
        if "sleeping bag" in kinds:
            kinds.discard("bag")
        colours = {family for family, names in COLOURS.items() for w in words if w in names}
        colour_words = {w for w in words if w in _COLOUR_WORDS}
        distinct = {w for w in words if len(w) >= 3 and not w.isdigit()} - kind_words - colour_words - TITLE_NOISE
        lines.append(_Line(str(item["id"]), max(quantity, 0), str(item.get("name") or ""), frozenset(kinds),
                           frozenset(colours), frozenset(distinct), _fold_sku(item.get("sku"))))
    return lines


def _contains(words: list[str], phrase: list[str]) -> bool:
    n = len(phrase)
    return any(words[i : i + n] == phrase for i in range(len(words) - n + 1))


def _fold_sku(sku) -> str:
    return " ".join(t for t, _, _ in _tokens(str(sku))) if sku else ""


# -- words -----------------------------------------------------------------------------------------

# French elisions ("l'article", "j'ai") are tokens of their own; hyphens split ("t-shirt", "remboursez-moi").
_TOKEN = re.compile(r"(?:qu|[ldjnmcst])['’](?=[a-z])|[a-z0-9°]+(?:['’][a-z]+)?|[.!?;\n]|,")


def _tokens(text: str) -> list[tuple[str, int, int]]:
    folded = FoldedText.of(text).folded
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(folded)]


def _lexicon() -> dict[tuple[str, ...], tuple[str, str | None]]:
    entries: dict[tuple[str, ...], tuple[str, str | None]] = {}
    for kind in KINDS:
        for number, forms in (("sg", kind.singular), ("pl", kind.plural)):
            for form in forms:
                key = tuple(t for t, _, _ in _tokens(form))
                if not key:
                    continue
                previous = entries.get(key)
                entries[key] = (kind.name, None if previous and previous[1] != number else number)
    return entries


_KIND_WORDS = _lexicon()
_KIND_MAX_TOKENS = max(len(k) for k in _KIND_WORDS)
_COLOUR_WORDS = {w: family for family, names in COLOURS.items() for w in names}

_STRONG_BOUNDARY = {".", "!", "?", ";", "\n"}
_SOFT_BOUNDARY = {",", "and", "und", "et", "y", "e", "but", "aber", "mais", "pero", "sondern", "sino", "or",
                  "oder", "ou", "o", "also", "auch", "aussi", "tambien", "then", "dann", "puis", "luego"}
# "only/nur/seulement/solo the jackets" asks for them as surely as "return".
_INCLUDE_EXACT = {"back", "vuelta", "rendre", "rends", "rendez", "rendu", "rendue", "rendus", "just", "only", "nur",
                  "lediglich", "seulement", "juste", "uniquement", "solo", "solamente", "unicamente"}
_INCLUDE_PREFIX = ("return", "refund", "reimburs", "exchang", "swap", "replac", "cancel", "zuruck", "retour",
                   "erstatt", "ruckerstatt", "umtausch", "tausch", "storn", "gutschr", "rucksend", "renvo",
                   "rembours", "echang", "annul", "restitu", "devolv", "devuelv", "devoluc", "reembols",
                   "regres", "cambi", "anul", "cancl", "cansel", "cancal", "refnd", "refound", "retrun")
# With the typos people make in them ("pls cancle 1202"): a cancellation is of the whole order.
_CANCEL_PREFIX = ("cancel", "storn", "annul", "anul", "cancl", "cansel", "cancal")
# "your returns policy", "a return label": a noun, not a request to return anything.
_NOT_AN_ACTION_AFTER = {"policy", "policies", "label", "labels", "window", "period", "address", "form", "process",
                        "status", "shipping", "fee", "fees"}
_KEEP_EXACT = {"keep", "keeping", "kept", "behielt", "garde", "garder", "gardes", "gardons", "gardez", "garderai",
               "garderais", "gardee", "gardees", "quedo", "quedarme", "quedare", "quedamos", "quedar", "quedaria",
               "quedarnos"}
_KEEP_PREFIX = ("behalt", "conserv")
# "… and still send the jackets", "go ahead with the boots": those stay on the order.
_KEEP_PHRASES = (("still", "send"), ("still", "ship"), ("still", "deliver"), ("go", "ahead", "with"),
                 ("trotzdem", "schicken"), ("trotzdem", "liefern"), ("quand", "meme"), ("igual", "envien"))
_EXCEPT_WORDS = {"except", "excepting", "excluding", "ausser", "ausgenommen", "ohne", "sauf", "excepte", "hormis",
                 "sans", "excepto", "menos", "salvo", "sin"}
_EXCEPT_PHRASES = (("apart", "from"), ("other", "than"), ("bis", "auf"), ("a", "part"), ("aparte", "de"),
                   ("a", "excepcion", "de"), ("a", "l'", "exception"), ("with", "the", "exception"))
_NEUTRAL = {"fine", "ok", "okay", "good", "great", "perfect", "passt", "passen", "gut", "ordnung", "bien", "parfait",
            "parfaite", "parfaits", "parfaites", "nickel", "perfecto", "perfecta", "perfectos", "perfectas", "genial"}
_NEGATION = {"not", "no", "never", "don't", "dont", "doesn't", "won't", "wont", "didn't", "nicht", "kein", "keine",
             "keinen", "pas", "ne", "n'", "jamais", "nunca"}
_DETERMINERS = {"the", "my", "this", "that", "these", "those", "die", "der", "den", "das", "dem", "meine", "mein",
                "meinen", "diese", "diesen", "la", "le", "les", "l'", "ma", "mon", "mes", "cette", "ce", "ces",
                "el", "los", "las", "mi", "mis", "esta", "este", "estas", "estos", "lo"}
_ONE = {"a", "an", "one", "1", "ein", "eine", "einen", "einem", "eins", "un", "une", "uno", "una"}
_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "deux": 2,
            "trois": 3, "quatre": 4, "cinq": 5, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5}
_BOTH = {"both", "beide", "beiden", "ambos", "ambas"}
_ALL_BEFORE_NOUN = {"all", "alle", "allen", "tous", "toutes", "todos", "todas"}
_OF = {"of", "der", "von", "des", "de", "d'"}
_WHOLE_ORDER = (
    ("everything",), ("all", "of", "it"), ("all", "of", "them"), ("whole", "order"), ("entire", "order"),
    ("complete", "order"), ("full", "order"), ("all", "items"), ("all", "the", "items"), ("alles",),
    ("ganze", "bestellung"), ("gesamte", "bestellung"), ("komplette", "bestellung"), ("alle", "artikel"),
    ("tout",), ("toute", "la", "commande"), ("commande", "entiere"), ("commande", "complete"),
    ("tous", "les", "articles"), ("todo",), ("todo", "el", "pedido"), ("pedido", "completo"),
    ("pedido", "entero"), ("todos", "los", "articulos"),
    # The whole of what was paid, said of the refund rather than of the order.
    ("in", "full"), ("full", "refund"), ("den", "vollen", "betrag"), ("in", "voller", "hohe"), ("komplett", "erstatten"),
    ("vollstandig", "erstatten"), ("en", "totalite"), ("integralement",), ("en", "su", "totalidad"), ("por", "completo"),
)
# "remboursement total", "reembolso completo": the word after the action word says the whole.
_WHOLE_AFTER_ACTION = {"total", "totale", "integral", "integrale", "complet", "complete", "completo", "completa",
                       "integro", "integra"}
_REST = (
    ("the", "rest"), ("everything", "else"), ("the", "others"), ("the", "other", "items"), ("den", "rest"),
    ("alles", "andere"), ("die", "anderen"), ("restlichen",), ("le", "reste"), ("tout", "le", "reste"),
    ("les", "autres"), ("el", "resto"), ("todo", "lo", "demas"), ("lo", "demas"), ("los", "demas"),
    ("las", "demas"), ("los", "otros"), ("las", "otras"),
)
# "alles gut", "tout de suite", "todo bien": not the whole order.
_NOT_WHOLE_AFTER = {"gut", "klar", "ok", "okay", "in", "bestens", "de", "a", "le", "bien", "lo", "el", "is", "was",
                    "fine", "good", "arrived", "came", "kam", "est", "esta", "llego"}


def _is_include(token: str) -> bool:
    return token in _INCLUDE_EXACT or token.startswith(_INCLUDE_PREFIX)


def _is_keep(token: str) -> bool:
    return token in _KEEP_EXACT or token.startswith(_KEEP_PREFIX)


# -- reading the text ------------------------------------------------------------------------------


@dataclass
class _Mention:
    start: int  # token index of the first token of the phrase (quantity or determiner included)
    end: int  # token index after the phrase
    kind: str | None = None
    number: str | None = None  # "sg", "pl" or None when the noun does not say
    colour: str | None = None
    words: frozenset[str] = frozenset()
    quantity: int | None = None
    both: bool = False
    all_of_kind: bool = False
    total_said: int | None = None  # "one of the TWO caps"
    whole: str | None = None  # "order" (everything) or "rest"
    # "refund order 1035": the order stands as the action's object, but its wholeness is not said.
    order_named: bool = False
    sku_line: str | None = None
    polarity: str | None = None  # "in", "out", "aside"
    tentative: str | None = None


@dataclass
class _Reading:
    mentions: list[_Mention] = field(default_factory=list)
    saw_action: bool = False
    saw_include: bool = False


def _read(tokens: list[str], lines: list[_Line]) -> _Reading:
    reading = _Reading()
    title_words = {w for line in lines for w in line.words}
    skus = {line.sku: line.id for line in lines if line.sku}
    polarity: str | None = None
    clause_decided = False  # an action word already stood in this clause
    open_mentions: list[_Mention] = []  # named in this clause before any action word
    floating: list[_Mention] = []  # named in earlier clauses of this sentence with no action yet
    # Floating items an action word may take, unless it has an object of its own: in "one of the
    # two caps, I'll keep the tee" the caps are not kept; in "die Jacken, die Flasche behalte ich" both are.
    offered: list[_Mention] = []
    offered_to: str | None = None
    object_seen = False
    negated_at = -10

    def settle_offer():
        nonlocal offered, offered_to
        if offered and not object_seen:
            for m in offered:
                m.polarity = offered_to
        elif offered:
            floating.extend(offered)
        offered, offered_to = [], None

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (token in _STRONG_BOUNDARY or token in _SOFT_BOUNDARY) and not _except_at(tokens, i):
            settle_offer()
            for mention in open_mentions:
                if mention.tentative is not None:
                    mention.polarity = mention.tentative
                else:
                    floating.append(mention)
            open_mentions, clause_decided, negated_at = [], False, -10
            if token in _STRONG_BOUNDARY:
                floating, polarity = [], None
            i += 1
            continue
        if token in _NEGATION or token.endswith("n't"):
            negated_at = i
            i += 1
            continue
        marker = None
        keep_phrase = next((p for p in _KEEP_PHRASES if tuple(tokens[i : i + len(p)]) == p), None)
        if keep_phrase:
            marker = "out"
            i += len(keep_phrase) - 1
        elif _is_keep(token):
            marker = "in" if i - negated_at <= 3 else "out"
        elif (_is_include(token) and not (token in {"back", "zuruck", "vuelta"} and _after_amount(tokens, i))
              and not (i + 1 < len(tokens) and tokens[i + 1] in _NOT_AN_ACTION_AFTER)):
            marker = "out" if i - negated_at <= 3 else "in"
        elif token in _NEUTRAL and i - negated_at > 3 and not _negation_follows(tokens, i):
            marker = "aside"  # "no me quedan bien" and "passen nicht" are no verdict of "fine"
        if marker:
            settle_offer()
            reading.saw_action |= marker != "aside"
            reading.saw_include |= marker == "in"
            if marker != "aside" and _order_as_object(tokens, i, bool(floating or open_mentions)):
                # "cancel 1002", "refund order 1012 in full", "Bestellung 1001 stornieren": the whole order.
                # A cancellation is of the order itself; a refund or return of "order 1035, the zips on
                # both daypacks broke" is of the daypacks, unless the whole is said ("in full").
                reading.mentions.append(_Mention(i, i + 1, whole="order", polarity=marker,
                                                 order_named=not token.startswith(_CANCEL_PREFIX)))
            if marker == "in" and i + 1 < len(tokens) and tokens[i + 1] in _WHOLE_AFTER_ACTION:
                reading.mentions.append(_Mention(i, i + 2, whole="order", polarity=marker))
            for mention in open_mentions:
                mention.polarity = marker
            offered, offered_to, object_seen = floating, marker, False
            floating, open_mentions = [], []
            if marker != "aside":
                polarity = marker
            clause_decided = True
            i += 1
            continue
        except_length = _except_at(tokens, i)
        if except_length:
            # "return all except the caps" sets the caps aside; "keep all except the caps" returns them.
            polarity, clause_decided = ("in" if polarity == "out" else "out"), True
            i += except_length
            continue
        mention = _mention_at(tokens, i, title_words, skus)
        if mention is None:
            i += 1
            continue
        if (mention.start - negated_at == 1 or (mention.start > 0 and tokens[mention.start - 1] in _NEGATION)
                or _negation_closes(tokens, mention.end)):
            mention.polarity = "out"  # "not the jacket", "los guantes no", "die Handschuhe nicht"
        elif clause_decided:
            mention.polarity = polarity
            object_seen = True
        else:
            mention.tentative = polarity
            open_mentions.append(mention)
        reading.mentions.append(mention)
        i = mention.end
    settle_offer()
    for mention in open_mentions:
        mention.polarity = mention.tentative
    for mention in reading.mentions:
        # Named with no action word of its own: the answer to "which items?" when the text has no
        # action at all, the thing given back when the only action is keeping something.
        if mention.polarity is None and (not reading.saw_action or not reading.saw_include):
            mention.polarity = "in"
    return reading


_ORDER_WORDS = {"order", "orders", "bestellung", "bestellungen", "auftrag", "commande", "commandes", "pedido", "pedidos",
                "orden"}
_OBJECT_FILLER = _DETERMINERS | {"for", "of", "von", "fur", "de", "del", "du", "bitte", "please", "whole", "entire",
                                 "complete", "full", "ganze", "komplette", "toute", "entiere", "todo", "completo", "your"}


def _order_as_object(tokens: list[str], i: int, items_before: bool) -> bool:
    """Whether the action word at `i` acts on an order itself: "cancel 1002", "refund my order"."""
    def names_order(token: str) -> bool:
        return token in _ORDER_WORDS or (token.isdigit() and len(token) >= 3)

    j = i + 1
    while j < len(tokens) and tokens[j] in _OBJECT_FILLER and j - i <= 3:
        j += 1
    if j < len(tokens) and names_order(tokens[j]):
        return True
    if items_before:  # "die Flasche aus Bestellung 1002 zurückgeben" is about the bottle
        return False
    j = i - 1
    while j >= 0 and (tokens[j] in _OBJECT_FILLER or (tokens[j].isdigit() and len(tokens[j]) >= 3)) and i - j <= 3:
        if names_order(tokens[j]):
            return True
        j -= 1
    return j >= 0 and tokens[j] in _ORDER_WORDS


def _negation_follows(tokens: list[str], i: int) -> bool:
    return i + 1 < len(tokens) and (tokens[i + 1] in _NEGATION or tokens[i + 1].endswith("n't"))


def _negation_closes(tokens: list[str], end: int) -> bool:
    """A negation standing alone after an item, at the end of its clause: "…, los guantes no"."""
    return (end < len(tokens) and tokens[end] in {"no", "nicht", "pas", "not"}
            and (end + 1 == len(tokens) or tokens[end + 1] in _STRONG_BOUNDARY or tokens[end + 1] in _SOFT_BOUNDARY))


def _after_amount(tokens: list[str], i: int) -> bool:
    # "I want 24 dollars back": the amount comes back, not an item.
    return i >= 1 and (tokens[i - 1].isdigit() or tokens[i - 1] in {"dollars", "euros", "euro", "bucks", "pounds"})


def _except_at(tokens: list[str], i: int) -> int:
    token = tokens[i]
    if token == "but" and i and tokens[i - 1] in {"everything", "all", "anything"}:
        return 1  # "everything but the gloves", "all but one"
    if token in _EXCEPT_WORDS:
        if token == "menos" and i and tokens[i - 1] in {"al", "lo"}:  # "al menos": at least
            return 0
        return 1
    for phrase in _EXCEPT_PHRASES:
        if tuple(tokens[i : i + len(phrase)]) == phrase:
            if phrase == ("a", "part") and i + 2 < len(tokens) and tokens[i + 2] == "of":
                return 0  # "a part of the order"
            return len(phrase)
    return 0


def _mention_at(tokens: list[str], i: int, title_words: set[str], skus: dict[str, str]) -> _Mention | None:
    for phrase in _REST:
        if tuple(tokens[i : i + len(phrase)]) == phrase:
            return _Mention(i, i + len(phrase), whole="rest")
    for phrase in _WHOLE_ORDER:
        n = len(phrase)
        if tuple(tokens[i : i + n]) == phrase:
            following = tokens[i + n] if i + n < len(tokens) else ""
            previous = tokens[i - 1] if i else ""
            if n == 1 and (following in _NOT_WHOLE_AFTER or previous in {"du", "sobre", "pas", "de"}
                           or _kind_at(tokens, i + 1)[0][0] or _kind_at(tokens, i + 2)[0][0]):
                continue
            return _Mention(i, i + n, whole="order")
    for sku, line_id in skus.items():
        sku_tokens = sku.split()
        if tokens[i : i + len(sku_tokens)] == sku_tokens:
            return _Mention(i, i + len(sku_tokens), sku_line=line_id)
    # Modifiers first: "the two red storm jackets", "die rote Mütze", "la casquette verte".
    j = i
    colour, words = None, set()
    while j < len(tokens) and (tokens[j] in _COLOUR_WORDS or tokens[j] in title_words) and j - i < 3:
        if tokens[j] in _COLOUR_WORDS:
            colour = _COLOUR_WORDS[tokens[j]]
        else:
            words.add(tokens[j])
        j += 1
    (kind, number), length = _kind_at(tokens, j)
    if kind is None:
        if j == i:
            return None
        # "the blue one", "die blaue", "la bleue", "the merino": a modifier standing for an item.
        if not (i > 0 and tokens[i - 1] in _DETERMINERS):
            return None
        end = j + 1 if j < len(tokens) and tokens[j] in {"one", "ones"} else j
        mention = _Mention(i - 1, end, colour=colour, words=frozenset(words))
    else:
        end = j + length
        # Colour or title words right after the noun: "la veste rouge", "la chaqueta roja".
        while end < len(tokens) and (tokens[end] in _COLOUR_WORDS or tokens[end] in title_words) and end - j - length < 2:
            if tokens[end] in _COLOUR_WORDS:
                colour = _COLOUR_WORDS[tokens[end]]
            else:
                words.add(tokens[end])
            end += 1
        mention = _Mention(i, end, kind=kind, number=number, colour=colour, words=frozenset(words))
    _read_quantity(tokens, mention)
    return mention


def _kind_at(tokens: list[str], i: int) -> tuple[tuple[str | None, str | None], int]:
    for length in range(min(_KIND_MAX_TOKENS, len(tokens) - i), 0, -1):
        entry = _KIND_WORDS.get(tuple(tokens[i : i + length]))
        if entry:
            return entry, length
    entry = _inflected(tokens[i]) if i < len(tokens) else None
    return (entry, 1) if entry else ((None, None), 0)


# German case endings on a listed word: "außer den Handschuhen" (dative plural), "des Rucksacks",
# "des Zeltes" (genitive). Unread, "alles außer den Handschuhen" would name no item and return
# the whole order. Only stems of five letters or more, so "teen" never reads as "tee".
_CASE_ENDINGS = ("n", "s", "es")


def _inflected(token: str) -> tuple[str, str] | None:
    for ending in _CASE_ENDINGS:
        stem = token[: -len(ending)]
        if token.endswith(ending) and len(stem) >= 5 and (stem,) in _KIND_WORDS:
            return _KIND_WORDS[(stem,)]
    return None


def _read_quantity(tokens: list[str], mention: _Mention) -> None:
    """Numbers before the phrase: "2 caps", "a cap", "both caps", "one of the two caps"."""
    k = mention.start - 1
    while k >= 0 and tokens[k] in _DETERMINERS and mention.start - k <= 2:
        k -= 1
    mention.start = k + 1
    if k < 0:
        return
    word = tokens[k]
    total = _count(word)
    if total is not None or word in _BOTH:
        # "one of the two caps" / "eine der beiden Mützen" / "una de las dos gorras"
        m = k - 1
        if m >= 0 and tokens[m] in _DETERMINERS and tokens[m] not in _OF:
            m -= 1
        if m >= 1 and tokens[m] in _OF and _count(tokens[m - 1]) is not None:
            mention.quantity = _count(tokens[m - 1])
            mention.total_said = 2 if word in _BOTH else total
            mention.start = m - 1
            return
    if word in _OF and k >= 1 and _count(tokens[k - 1]) is not None:  # "one of the caps"
        mention.quantity, mention.start = _count(tokens[k - 1]), k - 1
        return
    if word in _BOTH:
        mention.both, mention.start = True, k
    elif word in _ALL_BEFORE_NOUN:
        mention.all_of_kind, mention.start = True, k
    elif total is not None and not (word in {"deux", "dos"} and k >= 1 and tokens[k - 1] in {"les", "los", "las"}):
        mention.quantity, mention.start = total, k
    elif word in {"deux", "dos"}:
        mention.both, mention.start = True, k - 1


def _count(word: str) -> int | None:
    if word in _ONE:
        return 1
    if word in _NUMBERS:
        return _NUMBERS[word]
    if word.isdigit() and 0 < len(word) <= 2:
        return int(word)
    return None


# -- resolving mentions against the order --------------------------------------------------------


def _resolve(mention: _Mention, lines: list[_Line]) -> tuple[list[tuple[_Line, int]], str | None]:
    """The lines and quantities a mention names, or why it names none."""
    if mention.sku_line:
        candidates = [line for line in lines if line.id == mention.sku_line]
    else:
        candidates = [line for line in lines
                      if (mention.kind is None or mention.kind in line.kinds)
                      and (mention.colour is None or mention.colour in line.colours)
                      and mention.words <= line.words]
    if not candidates:
        if mention.kind and not any(mention.kind in line.kinds for line in lines):
            return [], "the order has no such item"
        return [], "no item on the order matches"
    available = sum(line.quantity for line in candidates)
    if mention.total_said is not None and mention.total_said != available:
        return [], f"says {mention.total_said}, the order has {available}"
    if mention.both:
        if available != 2:
            return [], f"says both, the order has {available}"
        wanted = available
    elif mention.quantity is not None and mention.polarity != "out":
        wanted = mention.quantity
    elif mention.all_of_kind or mention.number == "pl" or mention.polarity == "out":
        wanted = available  # what is kept is kept whole
    elif mention.number == "sg" or (mention.kind is None and not mention.sku_line and len(candidates) == 1):
        wanted = 1
    elif available == 1:
        wanted = 1
    else:
        return [], f"how many? the order has {available}"
    if wanted > available:
        return [], f"asks for {wanted}, the order has {available}"
    if wanted < available and len({(line.name, line.sku) for line in candidates}) > 1:
        return [], "which one? several different items match"
    chosen, left = [], wanted
    for line in candidates:  # the same product on several lines: fill in order
        take = min(line.quantity, left)
        if take:
            chosen.append((line, take))
        left -= take
    return chosen, None


def items_asked(text, line_items: Iterable[Mapping], language: str | None = None) -> ItemsAsked:
    """The lines of an order that `text` asks about (module docstring).

    `language` is accepted for symmetry with `extract`; the lexicon covers all four languages at
    once, so it changes nothing today. Raises ValueError for a line item without an id or with a
    quantity that is not a number.
    """
    lines = _lines(line_items)
    text = _as_text(text)
    folded = FoldedText.of(text)
    token_spans = [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(folded.folded)]
    tokens = [t for t, _, _ in token_spans]
    reading = _read(tokens, lines)

    def quote(mention: _Mention) -> str:
        return folded.quote(token_spans[mention.start][1], token_spans[mention.end - 1][2])

    included: dict[str, int] = {}
    excluded: dict[str, str] = {}  # line id -> the phrase that excluded it
    unresolved: list[str] = []
    whole = rest = keep_rest = order_named = False
    for mention in reading.mentions:
        if mention.polarity not in ("in", "out"):
            continue
        if mention.whole:
            if mention.polarity == "in" and mention.order_named:
                order_named = True
            elif mention.polarity == "in":
                whole |= mention.whole == "order"
                rest |= mention.whole == "rest"
            else:
                keep_rest = True  # "keep the rest", "ich behalte alles bis auf …"
            continue
        chosen, problem = _resolve(mention, lines)
        if problem:
            unresolved.append(f"{quote(mention)} ({problem})")
            continue
        for line, quantity in chosen:
            if mention.polarity == "in":
                included[line.id] = max(included.get(line.id, 0), quantity)
            else:
                excluded.setdefault(line.id, quote(mention))
    if keep_rest:
        for line in lines:
            if line.id not in included:
                excluded.setdefault(line.id, "the rest")
    for line_id in sorted(set(included) & set(excluded), key=list(included).index):
        unresolved.append(f"{excluded[line_id]} (asked for and kept)")
        del included[line_id]
    if unresolved:
        return ItemsAsked(tuple(LineAsked(i, q) for i, q in included.items()), tuple(excluded), False,
                          tuple(unresolved), "some items could not be matched to the order's lines")
    named = [m for m in reading.mentions if m.polarity in ("in", "out")]
    if not named:
        if reading.mentions:  # items named, but only as fine: not asked for, nothing to act on
            aside = tuple(quote(m) for m in reading.mentions)
            return ItemsAsked((), (), False, aside, "items named, but no action asked for them")
        return _everything(lines, {}, "no item named: the whole order")
    # The order named as what to refund, and some of its items named with it: those items.
    whole |= order_named and not included
    if whole or rest or (not included and excluded):
        reason = "everything but what is kept" if excluded else "the whole order"
        return _everything(lines, included, reason, excluded)
    chosen = tuple(LineAsked(line.id, included[line.id]) for line in lines if line.id in included)
    full = all(included.get(line.id) == line.quantity for line in lines) and not excluded
    return ItemsAsked(chosen, tuple(excluded), full, (), "the whole order" if full else "the items named")


def _everything(lines: list[_Line], included: dict[str, int], reason: str,
                excluded: Mapping[str, str] | None = None) -> ItemsAsked:
    excluded = excluded or {}
    chosen = tuple(LineAsked(line.id, included.get(line.id, line.quantity))
                   for line in lines if line.id not in excluded and included.get(line.id, line.quantity) > 0)
    full = not excluded and all(included.get(line.id, line.quantity) == line.quantity for line in lines)
    return ItemsAsked(chosen, tuple(excluded), full, (), reason)


_MAX_CHARS = 4_000  # a request's own text; the items sit in its first lines


def _as_text(text) -> str:
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = "" if text is None else str(text)
    return text[:_MAX_CHARS]


# -- the amount asked for --------------------------------------------------------------------------

_ASKED_BEFORE = re.compile(
    r"^(?:refund|reimburs|credit|back|owe|want|need|difference|partial|zuruck|erstatt|ruckerstatt|gutschr"
    r"|differenz|rembours|rend|recuper|avoir|reembols|devolv|devuelv|devoluc|diferencia"
    r"|abono|recuperar|vuelta)"
)
_ASKED_AFTER = {"back", "zuruck", "erstattet", "zuruckerstattet", "gutgeschrieben", "rembourse", "remboursee",
                "rembourses", "remboursees", "vuelta", "devueltos", "devueltas", "reembolsados", "reembolsadas",
                "refunded", "credited"}
_PRICE_BEFORE = re.compile(
    r"^(?:paid|pay|cost|charg|total|price|priced|was|were|bezahlt|zahlte|gekostet|kostet|kosten|abgebucht"
    r"|belastet|preis|gesamt|summe|paye|payer|coute|coutait|debit|preleve|prix|montant|pague|pagado|pagar|costo"
    r"|cuesta|costaba|cobr|precio|importe)"
)


def read_amount_asked(text, language: str | None = None) -> AmountAsked:
    """The single amount `text` asks for, or None and why (module docstring)."""
    folded = FoldedText.of(_as_text(text)).folded
    found = find_amounts(folded, language)
    if not found:
        return AmountAsked(None, "no amount with a currency in the text")
    asked = []
    for match in found:
        before = [m.group(0) for m in _TOKEN.finditer(folded[max(0, match.start - 80) : match.start])]
        after = [m.group(0) for m in _TOKEN.finditer(folded[match.end : match.end + 40])]
        if _asked(before, after):
            asked.append(match.money)
    distinct = list(dict.fromkeys(asked))
    if not distinct:
        return AmountAsked(None, "amounts are mentioned, but only as prices paid, not as the sum asked for")
    if len(distinct) > 1:
        return AmountAsked(None, "several amounts are asked for: " + ", ".join(f"{m.amount} {m.currency}" for m in distinct))
    return AmountAsked(distinct[0], "the amount asked for")


def amount_asked(text, language: str | None = None) -> Money | None:
    """The single amount `text` asks for; None when there is none or several (`read_amount_asked` says which)."""
    return read_amount_asked(text, language).money


def _asked(before: list[str], after: list[str]) -> bool:
    """Whether the nearest cue around an amount asks for it (refund, back, zurück …) or prices it (paid, cost …)."""
    for distance, token in enumerate(reversed(before)):
        if token in _STRONG_BOUNDARY or distance >= 6:
            break
        if _PRICE_BEFORE.match(token):
            return False
        if _ASKED_BEFORE.match(token):
            return True
    for distance, token in enumerate(after):
        if token in _STRONG_BOUNDARY or token == "," or distance >= 3:
            break
        if token in _ASKED_AFTER:
            return True
    return False
