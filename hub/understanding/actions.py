"""The words that show a request asks for an action, in English, German, French and Spanish.

A classifier reads a sentence's topic; whether the sentence *asks for* a refund or a reset is a
second question, and one the agent must not guess at. Two readers use these words:

- ``asks_for(text, intent)``: the text names its acting intent's action or object ("refund",
  "password", "Bestellung stornieren", "mot de passe"). A sentence that only looks like one
  ("What did I pay?" beside an invoice question, "still can't log in to it" about an app) is
  context for its neighbour, not a request to act on (hub.understanding.requests).
- ``negates_action(text, intent)``: the text speaks against that action ("don't refund",
  "bitte nicht stornieren"): nothing acts on it (hub.agent.plan).
- ``sends_goods_back(text)``: the writer will send the goods back ("send them back for a
  refund", "retourner … et être remboursée", "devolver … y que me devuelvan el dinero"): that
  is a return, whose refund follows the goods, not a refund now (hub.agent.agent).
- ``asks_about_a_refund(text)``: words of waiting or of a refund already under way ("still
  waiting", "where is", "when will", "noch nicht", "toujours pas", "todavía"). A refund_status
  reading needs them when the text asks for a refund ("I'd like a refund for 1014, it is taking
  far too long"): answered as a status question, the request would be closed unanswered.

Words are written in folded form (lower case, no accents; hub.understanding.normalise.fold).
"""

from __future__ import annotations

import re

from .normalise import fold

#: The verbs of each acting intent's action.
VERBS = {
    "refund_request": r"refund\w*|money back|reimburs\w*|erstatt\w*|ruckerstatt\w*|geld zuruck|rembours\w*"
                      r"|reembols\w*|devolu\w+ (del|de mi) dinero",
    "cancel_order": r"cancel\w*|storn\w*|annul\w*",
    "return_request": r"return\w*|send (it|them) back|zuruck(senden|schicken|geben)|retour\w*|renvo\w+|devolv\w*|devuelv\w*",
    "change_order": r"chang\w*|swap\w*|modif\w*|ander\w*|tausch\w*|cambi\w*",
    "change_shipping_address": r"chang\w*|update\w*|ander\w*|modif\w*|cambi\w*",
    "password_reset": r"reset\w*|zurucksetz\w*|reinitialis\w*|restablec\w*|resete\w*",
    "it_software_access": r"access|install\w*|licen[cs]\w*|zugang|zugriff|acces|acceso",
    "account_edit": r"chang\w*|updat\w*|ander\w*|modif\w*|cambi\w*",
    "account_delete": r"delet\w*|close\w*|los?ch\w*|supprim\w*|ferm\w*|borr\w*|elimin\w*|cerr\w*",
    "newsletter": r"unsubscrib\w*|subscrib\w*|abmeld\w*|anmeld\w*|abonn\w*|desabonn\w*|desinscri\w*|suscri\w*|baja",
}

#: What else names the action's object: the request is about *that*, even without the verb.
OBJECTS = {
    "refund_request": r"my money|geld|argent|dinero",
    "cancel_order": r"call off|don'?t ship|do not ship|nicht (versenden|schicken)|ne pas (envoyer|expedier)|no (envien|enviar)",
    "return_request": r"return label|rucksende\w*|rucksendung|etiquette de retour|devolucion",
    "change_order": r"size|colou?r|grosse|farbe|taille|couleur|talla|color|add \w+ to my order",
    "change_shipping_address": r"address|adresse|direccion|deliver (it )?to|ship (it )?to|liefern an|livr\w+ a|envia\w* a",
    "password_reset": r"password|passwort|kennwort|mot de passe|contrasena|clave|locked out|gesperrt|bloque\w*",
    "it_software_access": r"licen[cs]e|seat|account (for|on)|konto (fur|bei)|compte|cuenta",
    "account_edit": r"phone|telefon|telephone|nombre|name|nom|numero",
    "account_delete": r"account|konto|compte|cuenta",
    "newsletter": r"newsletter|marketing|mailing list|werbe\w*|infolettre|boletin",
}

ACTING = frozenset(VERBS)

_VERB_ONLY = {intent: re.compile(r"\b(" + VERBS[intent] + r")\b") for intent in ACTING}

#: Each acting intent's verb or object, as a pattern over folded text (hub.understanding.stance uses them too).
ACTION_WORDS = {intent: re.compile(r"\b(" + VERBS[intent] + "|" + OBJECTS[intent] + r")\b") for intent in ACTING}

#: A negation right before the verb (a few words at most): "don't", "do not want to", "nicht",
#: "ne … pas", "no quiero".
_NEGATION = (r"\b(don'?t|do not|doesn'?t|does not|never|no need to|not|nicht|kein\w*|nie|ne|n'|pas|"
             r"jamais|no|nunca)\b")
_NEGATED = {intent: re.compile(_NEGATION + r"(?:[\s']+\w+){0,3}?[\s']*(?:" + words + r")\b")
            for intent, words in VERBS.items()}


_ABOUT_A_REFUND = re.compile(r"\b(" + "|".join((
    r"wait\w*", r"still", r"yet", r"where", r"when", r"status", r"how long", r"issued|processed|approved|credited",
    r"(was|has|have|did|is|were) (the|my|your|that) refund", r"(received|got|seen|see|showing|shown|arrived|come through)",
    r"promised", r"told", r"said", r"already", r"any news", r"update", r"pending", r"gone through",
    # About a refund already made: "why was I refunded only half?"
    r"why", r"refunded", r"warum", r"erstattet", r"pourquoi", r"por que", r"reembolsad[oa]",
    r"warte\w*", r"immer noch", r"noch (nicht|kein\w*)", r"wo (ist|bleibt)", r"wann", r"schon", r"bearbeit\w*",
    r"erhalten", r"angekommen", r"gutgeschrieben", r"zugesagt", r"versprochen",
    r"attend\w*", r"toujours", r"pas encore", r"ou en est", r"ou est", r"quand", r"deja", r"recu", r"promis", r"statut",
    r"esper\w*", r"sigo", r"todavia", r"aun", r"donde", r"cuando", r"ya", r"recibido", r"prometi\w*", r"estado",
)) + r")\b")


# To send back, not sent back: "I returned them last week" asks for the refund of a return made.
_SENDS_BACK = re.compile(r"\b(" + "|".join((
    r"return(?!ed\b|s\b)(ing)?", r"(send|post|ship|mail|bring) (it|them|\w+|the \w+) back", r"return label",
    r"zuruck(schicken|senden|geben|zusenden)", r"zuruckzu(schicken|senden|geben)", r"retournieren", r"rucksendeschein",
    r"(?<!ai )(?<!avons )(?<!a )(retourner|renvoyer|retourne|renvoie)",
    r"devolver(l[oa]s?)?", r"devuelvo", r"(enviar|mandar)(l[oa]s?)? de vuelta",
)) + r")\b")
_NOT_SENDING_BACK = re.compile(r"\b(no need to|don'?t (want|need) to|without|keep|behalte\w*|garde\w*|quedo)\b")


# "return my money", "das Geld zurückgeben", "devolver el dinero": money going back, not goods.
_MONEY_WORD = r"(money|payment|cash|geld|betrag|argent|dinero|importe|plata)"
_MONEY_AFTER = re.compile(r"\s+((my|the|your|el|mi|su|mon|l'|le|das|mein\w*)\s+)?" + _MONEY_WORD + r"\b")
_MONEY_BEFORE = re.compile(r"\b" + _MONEY_WORD + r"\s+$")


def sends_goods_back(text: str) -> bool:
    """Whether ``text`` says the goods will go back ("send them back for a refund")."""
    folded = fold(text)
    for found in _SENDS_BACK.finditer(folded):
        before = folded[max(0, found.start() - 30): found.start()]
        if _NOT_SENDING_BACK.search(before) or _MONEY_BEFORE.search(before) or _MONEY_AFTER.match(folded, found.end()):
            continue
        return True
    return False


def asks_about_a_refund(text: str) -> bool:
    """Whether ``text`` speaks of a refund under way or awaited, not only of wanting one."""
    return bool(_ABOUT_A_REFUND.search(fold(text)))


def asks_for(text: str, intent: str) -> bool:
    """Whether ``text`` names the action (or its object) of ``intent``; True for intents that
    do not act, whose answers change nothing."""
    pattern = ACTION_WORDS.get(intent)
    return pattern is None or bool(pattern.search(fold(text)))


def actions_named(text: str) -> set[str]:
    """The acting intents whose verb ``text`` uses: "cancel 1001 and refund 1016" names two."""
    folded = fold(text)
    return {intent for intent, pattern in _VERB_ONLY.items() if pattern.search(folded)}


def negates_action(text: str, intent: str) -> bool:
    """Whether ``text`` speaks against the action of its own (acting) ``intent``.

    Only the intent's own verb counts: "I don't want the shoes any more, cancel it" is a plain
    cancellation, "please don't cancel" is not.
    """
    pattern = _NEGATED.get(intent)
    return bool(pattern and pattern.search(fold(text)))
