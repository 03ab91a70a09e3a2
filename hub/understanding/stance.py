"""Whether a request asks for its action *now*, in English, German, French and Spanish.

A classifier reads what a sentence is about; "How do I cancel an order?", "If 1016 hasn't come
by Friday, cancel it" and "Cancel 1001. Actually no, keep it" are all about cancelling, and
none of them asks the agent to cancel anything today. Acting on them is a wrong action, so a
request whose acting intent comes with one of these stances is not carried out
(hub.agent.plan):

- ``question`` — the writer asks *how* or *whether* the action can be done ("how do I reset my
  password", "je voudrais savoir si je peux annuler", "wie kann ich stornieren", "¿cómo puedo
  devolver…?", "what happens if I cancel"). It is answered like any how-to question, from the
  knowledge base. A plain polite request — "Can I cancel order 1001?", "Could you refund it?",
  "Is it possible to get a refund?" — is not a question in this sense: that is how people ask.
- ``conditional`` — the action hangs on something that has not happened yet, by a time to come
  ("if it hasn't arrived by Friday, cancel it", "falls es bis Montag nicht da ist",
  "si no llega antes del viernes"). A condition the agent can check today ("cancel 1001 if it
  hasn't shipped") is no such thing: the flow checks whether it has shipped.
- ``retracted`` — after asking for the action the writer takes it back ("actually no, keep
  it", "never mind", "doch nicht", "laissez tomber", "mejor no, olvídalo") or puts another in
  its place ("refund 1026 — or actually, just send a new cap", "oder lieber", "ou plutôt",
  "o mejor"). Changing one's mind
  *before* asking ("I changed my mind, please cancel 1001") is the reason for the request.

- ``reversed`` — the request asks to *undo* what the intent's flow does: "remove my Slack
  access", "entziehen Sie mir den Zugriff auf Jira", "cancel my return", "undo the cancellation
  of 1031", "restore my deleted account". A classifier reads these as the topic they share with
  the action; carried out, they would grant the access, open the return, cancel again. No flow
  undoes, so a person does.

Each stance is found only where it governs the intent's own verb (hub.understanding.actions),
so "Please cancel 1001. How do I get the refund?" is still a cancellation. Words are matched in
folded form (hub.understanding.normalise.fold). Pure and fast: a few regular expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .actions import ACTION_WORDS, OBJECTS, VERBS
from .normalise import fold

QUESTION, CONDITIONAL, RETRACTED, REVERSED = "question", "conditional", "retracted", "reversed"


@dataclass(frozen=True)
class Stance:
    kind: str  # QUESTION, CONDITIONAL, RETRACTED or REVERSED
    phrase: str  # the words that decided, folded, for the handoff note and the audit


def _either(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"


# -- asking how or whether ------------------------------------------------------------------------

_ASKS_HOW_OR_WHETHER = _either(
    r"how (?:do|can|could|would|should|does|did) (?:i|we|you|one|someone)",
    r"how (?:to|is it possible to)", r"how (?:i|we|one) (?:can|could|should|would|do|go about)",
    r"is there (?:a|any) way (?:to|for me to|i can)",
    r"(?:want|like|wanted|need|needed|'d like) to (?:know|find out|ask) (?:if|whether|how)",
    r"wonder(?:ing|ed)? (?:if|whether|how)", r"what (?:happens|would happen|will happen) (?:if|when)",
    r"what(?: is|'s) the (?:process|procedure|way) (?:for|to)", r"what do (?:i|we) (?:have|need) to do to",
    r"(?:just )?(?:curious|asking) (?:if|whether|how)",
    r"wie (?:kann|konnte|muss|soll|mache|geht) (?:ich|man|wir|das)",
    r"(?:mochte|wollte|wurde|will|moechte)(?: gerne?)? (?:gerne? )?(?:wissen|fragen),? (?:ob|wie)",
    r"was passiert,? wenn", r"gibt es (?:eine|irgendeine) moglichkeit", r"frage mich,? (?:ob|wie)",
    # "comment annuler", "cómo devolver": how, before an infinitive.
    r"comment(?= \w+(?:er|ir|re)\b)", r"como(?= \w+(?:ar|er|ir)\b)",
    r"wie (?:ich|man|wir)(?! (?:schon|bereits|gesagt|sagte|geschrieben|erwahnt))",
    r"comment (?:puis-je|peut-on|je peux|on peut|faire pour|dois-je|faut-il|est-ce qu'on peut)",
    r"(?:voudrais|aimerais|souhaite|souhaiterais|veux|voulais) savoir (?:si|comment)",
    r"que se passe-t-il si", r"qu'est-ce qui se passe si", r"je me demande (?:si|comment)",
    r"(?:est-ce qu')?il (?:y a|existe) (?:un )?moyen de",
    r"como (?:puedo|se puede|hago para|podria|se hace para|debo)",
    r"(?:quisiera|quiero|me gustaria|queria|necesito) saber (?:si|como)", r"que pasa si",
    r"me pregunto (?:si|como)", r"hay (?:alguna )?(?:manera|forma|posibilidad) de",
)

# -- a condition that has not happened yet --------------------------------------------------------

# "If possible, please refund me by Friday" asks for the refund; the words after "if" say so.
_IF = r"\b(?:if|unless|in case|falls|wenn|sofern|si|s'il|en caso de que|a menos que)\b" \
      r"(?!,? (?:possible|at all|you can|you could|moglich|irgendwie|vous pouvez|es posible|se puede|puede|pueden))"
_DAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag" \
       r"|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miercoles|jueves|viernes|sabado|domingo"
_TIME_TO_COME = _either(
    rf"by (?:the )?(?:{_DAY}|tomorrow|tonight|next \w+|end of \w+|the weekend|\d{{1,2}}(?:st|nd|rd|th)?\b)",
    r"tomorrow", r"next (?:week|month|monday|friday)", r"within (?:the next )?\w+ (?:days|weeks|hours)",
    r"(?:until|till) (?:\w+ ){0,2}(?:" + _DAY + r"|tomorrow|next)",
    rf"bis (?:zum |nachsten |kommenden |ende )?(?:{_DAY}|morgen|ende|nachste|\d{{1,2}}\.)", r"(?<!guten )morgen",
    r"nachste woche", r"innerhalb (?:von )?\w+ tag",
    rf"d'ici (?:a |la fin|demain|{_DAY}|\w+ jours)", r"demain", r"la semaine prochaine", rf"avant (?:{_DAY}|demain|la fin)",
    rf"(?:antes del?|para el|hasta el) (?:{_DAY}|fin|\d{{1,2}})", r"manana", r"la (?:proxima|semana que viene) semana",
    r"la semana que viene",
)

# -- taking it back ------------------------------------------------------------------------------

_TAKES_IT_BACK = _either(
    r"actually,? no\b", r"no,? wait", r"wait,? no\b", r"never ?mind", r"forget (?:it|that|about it|what i (?:said|wrote))",
    r"scratch that", r"disregard (?:that|this|my|what i)", r"on second thoughts?", r"keep (?:it|them) after all",
    r"after all,? (?:i'?ll )?keep", r"or (?:actually|rather|better|instead)\b",
    r"oder (?:doch )?(?:lieber|besser|eher)\b", r"ou plutot\b", r"ou (?:bien )?finalement\b", r"o (?:mejor|mas bien)\b",
    r"doch nicht", r"vergessen sie (?:das|es)", r"vergiss (?:das|es)", r"kommando zuruck",
    r"finalement,? non", r"non,? en fait", r"en fait,? non", r"laissez tomber", r"laisse tomber",
    r"oubliez (?:ca|cela|ma demande|tout)", r"tout compte fait", r"reflexion faite",
    r"mejor no\b", r"olvidal[oa]", r"olvidel[oa]", r"olvidenl[oa]", r"olviden (?:eso|lo anterior)", r"pensandolo bien",
)
# Left out on purpose: "I changed my mind", "no need any more", "ya no hace falta", "hat sich
# erledigt" — after a request they are far more often its reason ("Please cancel 1001, I've
# changed my mind") than a retraction.

# -- undoing the action ---------------------------------------------------------------------------

_UNDO = r"(?:undo|undoing|reverse|reversing|reinstate|restore|revert|uncancel|un-cancel|reactivate|reopen|recover|undelete" \
        r"|ruckgangig|zurucknehmen|zuruckgenommen|widerrufen|wiederherstell\w*|reaktivier\w*|retablir|retablissez" \
        r"|reactiv\w*|restaur\w*|deshacer|deshagan|revertir|restablec\w*|recuperar|recuperen)"
_REMOVE = r"(?:remove|revoke|take away|withdraw|deactivate|disable|terminate|suspend|end|cancel|offboard" \
          r"|entfern\w*|entzieh\w*|sperr\w*|deaktivier\w*|kundig\w*|losch\w*" \
          r"|retir\w*|supprim\w*|revoqu\w*|desactiv\w*|resili\w*|quit(?:en|ar|e|a)\b|revoc\w*|elimin\w*|d[aeio]n? de baja)"
_STOP = r"(?:cancel\w*|withdraw\w*|stop|call off|abort|storn\w*|zuruckzieh\w*|abbrech\w*|annul\w*|anul\w*)"
_OWNER = r"(?:(?:my|the|this|that|his|her|our|mein\w*|den|die|das|mon|ma|mes|son|sa|le|la|mi|su|el|l')\s*)?"
_GERMAN_LAST = r"(?:entziehen|entfernen|sperren|deaktivieren|kundigen|loschen|stornieren|zuruckziehen|abbrechen|ruckgangig machen)"
_REVERSALS = {
    "it_software_access": _either(
        _REMOVE + r" " + _OWNER + r"(?:[\w.-]+ ){0,3}(?:access|licen[cs]e|seat|account|zugriff|zugang|lizenz|acces|compte|acceso|licencia|cuenta)",
        r"(?:zugriff|zugang|lizenz)\w* (?:\S+ ){0,4}" + _GERMAN_LAST,
        r"(?:no longer|don'?t|do not) (?:need|use|want) (?:my |the )?(?:[\w.-]+ )?(?:access|licen[cs]e|seat|account)",
    ),
    "return_request": _either(
        _STOP + r" " + _OWNER + r"(?:return|retoure|rucksendung|retour|devolucion)\b",
        r"(?:retoure|rucksendung)\w* (?:\S+ ){0,2}" + _GERMAN_LAST,
    ),
    "cancel_order": _either(
        _UNDO + r" " + _OWNER + r"(?:\w+ ){0,2}(?:cancel\w*|order|bestellung|stornierung|storno|commande|annulation|pedido|cancelacion)",
        # Done, and by mistake: "I cancelled 1031 by mistake" (not "cancel it, ordered by mistake").
        r"(?:cancell?ed|storniert|annulee?|cancele|cancelad[oa]|anule|anulad[oa]) (?:\S+ ){0,3}(?:by mistake|by accident"
        r"|accidentally|versehentlich|aus versehen|par erreur|par accident|por error|sin querer)",
        r"(?:versehentlich|aus versehen|accidentally|por error|sin querer) (?:\S+ ){0,2}(?:storniert|cancell?ed|cancele|anule)",
        r"(?:stornierung|storniert|annulation|cancelacion) (?:\S+ ){0,5}(?:ruckgangig|wiederherstellen|zuruckzunehmen|zurucknehmen)",
    ),
    "account_delete": _either(
        _UNDO + r" " + _OWNER + r"(?:\w+ ){0,2}(?:account|konto|compte|cuenta)",
    ),
}
_REVERSAL_RE = {intent: re.compile(r"\b" + pattern) for intent, pattern in _REVERSALS.items()}

# The question must govern the verb: a few words between them at most ("how do I get my money back").
_QUESTION = {intent: re.compile(r"\b" + _ASKS_HOW_OR_WHETHER + r"\b(?:[\s,']+[\w'-]+){0,5}?[\s,']+(?:"
                                + VERBS[intent] + "|" + OBJECTS[intent] + r")\b")
             for intent in VERBS}
_TIME_TO_COME_RE = re.compile(r"\b" + _TIME_TO_COME + r"\b")
_IF_RE = re.compile(_IF)
_TAKES_IT_BACK_RE = re.compile(r"(?<![\w'])" + _TAKES_IT_BACK)
_SENTENCES = re.compile(r"[^.!?;\n]+")


def stance_of(text: str, intent: str, following: str = "") -> Stance | None:
    """How ``text`` (one request) stands to its acting ``intent``'s action, when not as a plain
    request to carry it out now; None for a plain request and for intents that do not act.

    ``following`` is the ticket's text after this request: a retraction there ("Cancel 1001.
    Also, where is 1014? Actually no, keep 1001.") still takes the request back.
    """
    if intent not in VERBS:
        return None
    folded = fold(text)
    undo = _REVERSAL_RE.get(intent)
    reversal = undo.search(folded) if undo else None
    if reversal:
        return Stance(REVERSED, reversal.group(0))
    asked = _QUESTION[intent].search(folded)
    if asked:
        return Stance(QUESTION, asked.group(0))
    for sentence in _SENTENCES.findall(folded):
        condition, when = _IF_RE.search(sentence), _TIME_TO_COME_RE.search(sentence)
        if condition and when and ACTION_WORDS[intent].search(sentence):
            return Stance(CONDITIONAL, f"{condition.group(0)} … {when.group(0)}")
    verb = ACTION_WORDS[intent].search(folded)
    if verb:
        after = folded[verb.end():] + " " + fold(following)
        taken_back = _TAKES_IT_BACK_RE.search(after)
        if taken_back:
            return Stance(RETRACTED, taken_back.group(0))
    return None
