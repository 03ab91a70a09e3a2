"""Whose account, order or record a request is about: the requester's, someone else's, or unclear.

`subject_of(text, requester_email, requester_name)` reads one request (call it per
`RequestSpan` from `hub.understanding.requests`, so that "reset my password, and David's too"
split in two gives one answer each) and returns a `Subject`:

- ``"other"`` — the request is for someone named or described: a relation ("my colleague",
  "meine Frau", "ma collègue", "mi hijo"), a name in a target position ("for David", "on behalf
  of Jean Dupuis", "Fred's laptop"), another person's email address, or a third person's account
  ("her account", "sein Passwort", "sa commande"). `name`, `email` and `relation` are filled when
  the text gives them. Relations are one of `RELATIONS`.
- ``"unclear"`` — the text points away from the requester without saying to whom: an address the
  requester calls their own but which is not the one the helpdesk vouches for ("my other email
  is …", "send it to my private address …", "I have two accounts: …"). The hub cannot check that
  such an address belongs to the requester, so nothing may act on it; a person decides. Spanish
  "su cuenta" alone is also unclear: it is "his/her/their" and the formal "your" at once.
- ``"requester"`` — nothing above: the request is about the requester's own account or order.

Mentions are judged by the part they play, not by being there. These are **not** someone else's
request, and must not hand a ticket over:

- a purchase for someone: "I bought a gift for my mother", "das Geschenk für meinen Bruder",
  "j'ai offert une tablette à mon fils" — the order is the buyer's, and so is its return;
- someone who told or asked the requester: "my manager told me to ask for Jira", "mi jefa
  quiere que solicite…", "ma femme me pose la question";
- the requester introducing themselves ("I'm the new starter", "ich bin neu im Team",
  "soy Lucía"), greeting the agent ("Hi Sarah"), or signing ("Best, Ada");
- a group the requester belongs to using something ("our team uses Jira");
- the requester's own name or their vouched-for email address anywhere in the text;
- an order placed by someone else *on the requester's account* ("mein Sohn hat mit meinem Konto
  bestellt": the account is the requester's);
- an address a document should go to ("send the invoice to accounts@…"): the order is still the
  requester's; whether the invoice may go there is the flow's question, not the subject's.

The rules are lexical, in English, German, French and Spanish, and deliberately explainable:
`Subject.evidence` quotes the words that decided, for the handoff note and the audit. Pure and
fast (no model): well under a millisecond per request (bench/bench_reading.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .entities import DEFAULT_SOFTWARE, extract
from .spelling import alternation, compile_words, words

MAX_CHARS = 20_000

REQUESTER, OTHER, UNCLEAR = "requester", "other", "unclear"
_WINDOW = 160  # characters either side of a mention that can decide its role
_MAX_MENTIONS = 24  # per sentence; a request names a handful of people, not hundreds

#: Relation codes and the nouns that name them. Gendered and inflected forms are listed out.
RELATION_NOUNS: dict[str, tuple[str, ...]] = {
    "colleague": (
        "colleague", "colleagues", "coworker", "coworkers", "co-worker", "workmate", "teammate", "team mate",
        "team member", "kollege", "kollegen", "kollegin", "kolleginnen", "collègue", "collègues",
        "compañero", "compañera", "compañeros", "compañeras", "colega", "colegas",
    ),
    "manager": (
        "manager", "line manager", "boss", "supervisor", "team lead", "team leader", "chef", "chefin",
        "vorgesetzter", "vorgesetzte", "vorgesetzten", "teamleiter", "teamleiterin", "responsable",
        "cheffe", "supérieur", "supérieure", "jefe", "jefa", "supervisora", "encargado", "encargada",
    ),
    "report": (
        "direct report", "employee", "mitarbeiter", "mitarbeiterin", "collaborateur", "collaboratrice",
        "employé", "employée", "empleado", "empleada", "subordinado", "subordinada",
    ),
    "new_starter": (
        "new starter", "new hire", "new joiner", "new employee", "new colleague", "new team member", "intern",
        "new guy", "new girl", "new person", "new lad",
        "trainee", "apprentice", "new recruit", "azubi", "auszubildende", "auszubildenden", "auszubildender",
        "praktikant", "praktikantin", "neuzugang", "nouvelle recrue", "nouvel arrivant", "nouvelle arrivante",
        "nouveau venu", "stagiaire", "alternant", "alternante", "apprenti", "apprentie",
        "nueva incorporación", "becario", "becaria", "practicante", "nuevo", "nueva",
    ),
    "team": ("team", "whole team", "entire team", "department", "abteilung", "équipe", "equipo", "departamento"),
    "partner": (
        "wife", "husband", "partner", "boyfriend", "girlfriend", "spouse", "fiancé", "fiancée", "frau", "mann",
        "ehefrau", "ehemann", "partnerin", "lebensgefährte", "lebensgefährtin", "femme", "mari", "conjoint",
        "conjointe", "compagnon", "compagne", "copain", "copine", "époux", "épouse", "partenaire", "esposa",
        "esposo", "marido", "mujer", "pareja", "novio", "novia",
        "mannes", "ehemannes", "partners",  # German genitive: "die Bestellung meines Mannes"
    ),
    "child": (
        "son", "daughter", "kid", "kids", "child", "children", "stepson", "stepdaughter", "sohn", "tochter",
        "kind", "kinder", "fils", "fille", "enfant", "enfants", "hijo", "hija", "hijos", "hijas", "niño", "niña",
        "sohnes", "kindes",
    ),
    "parent": (
        "mother", "father", "mum", "mom", "dad", "mam", "parents", "mutter", "vater", "mama", "papa", "eltern",
        "mère", "père", "maman", "madre", "padre", "mamá", "papá", "padres", "vaters",
    ),
    "relative": (
        "brother", "sister", "grandmother", "grandma", "granny", "nan", "grandfather", "grandpa", "aunt",
        "uncle", "cousin", "nephew", "niece", "grandson", "granddaughter", "mother-in-law", "father-in-law",
        "sister-in-law", "brother-in-law", "bruder", "schwester", "oma", "opa", "großmutter", "großvater",
        "tante", "onkel", "cousine", "neffe", "nichte", "schwiegermutter", "schwiegervater", "enkel", "enkelin",
        "frère", "sœur", "soeur", "grand-mère", "grand-père", "mamie", "papi", "oncle", "neveu", "nièce",
        "belle-mère", "beau-père", "hermano", "hermana", "abuelo", "abuela", "tío", "tía", "primo", "prima",
        "sobrino", "sobrina", "suegro", "suegra", "nieto", "nieta", "cuñado", "cuñada",
    ),
    "friend": (
        "friend", "friends", "flatmate", "roommate", "freund", "freundin", "bekannte", "bekannten", "bekannter",
        "ami", "amie", "amis", "pote", "amigo", "amiga", "amigos", "amigas",
    ),
    "neighbour": ("neighbour", "neighbor", "nachbar", "nachbarin", "nachbarn", "voisin", "voisine", "vecino", "vecina"),
    "client": ("client", "clients", "customer", "kunde", "kunden", "kundin", "cliente", "clienta", "clientes", "clientes"),
}
RELATIONS = tuple(RELATION_NOUNS)

# Words that make a colleague or employee a new one: "neue Kollegin", "nouveau collaborateur".
_NEW = ("new", "neu", "neue", "neuer", "neuen", "neuem", "nouveau", "nouvel", "nouvelle", "nuevo", "nueva")
# Determiners before a relation noun. "the"/"a" only count for nouns that need no possessive to
# point at a person in a ticket ("the new starter", "a friend"), see _NEEDS_POSSESSIVE.
_POSSESSIVES = (
    "my", "our", "mein", "meine", "meinen", "meinem", "meiner", "meines", "unser", "unsere", "unseren",
    "unserem", "unserer", "unseres", "mon", "ma", "mes", "notre", "nos", "mi", "mis", "nuestro", "nuestra",
    "nuestros", "nuestras", "one of my", "one of our", "einer meiner", "einem meiner", "un de mes", "une de mes",
    "uno de mis", "una de mis",
)
_ARTICLES = (
    "the", "a", "an", "this", "der", "die", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer",
    "le", "la", "l'", "les", "un", "une", "ce", "cette", "el", "los", "las", "una", "uno", "del", "al",
    "toute la", "toute l'", "tout le", "todo el", "toda la", "whole", "entire", "ganze", "ganzen",
)
_NEEDS_POSSESSIVE = {"manager", "partner", "child", "parent", "relative", "client", "team", "report"}
_GERMAN_DATIVE_OR_GENITIVE = {"meinem", "meiner", "meines", "unserem", "unserer", "unseres", "einem", "einer", "dem"}

#: Things a request acts on; "X's <thing>" and "<thing> of X" make X the subject.
_OBJECTS = (
    "password", "passwords", "account", "accounts", "login", "log-in", "logon", "access", "order", "orders",
    "subscription", "subscriptions", "email", "e-mail", "mailbox", "inbox", "laptop", "computer", "pc", "phone",
    "profile", "details", "licence", "license", "user", "username", "seat", "refund", "return", "parcel",
    "package", "delivery", "invoice", "vpn", "passwort", "kennwort", "konto", "kundenkonto", "benutzerkonto",
    "zugang", "zugriff", "zugangsdaten", "account", "bestellung", "bestellungen", "abo", "abonnement", "postfach",
    "rechner", "lizenz", "erstattung", "rückerstattung", "paket", "lieferung", "rechnung", "mot de passe",
    "compte", "accès", "identifiant", "identifiants", "session", "commande", "commandes", "abonnement",
    "adresse mail", "adresse e-mail", "boîte mail", "ordinateur", "portable", "licence", "remboursement",
    "colis", "facture", "espace", "contraseña", "cuenta", "acceso", "usuario", "sesión", "pedido", "pedidos",
    "suscripción", "correo", "buzón", "portátil", "ordenador", "licencia", "reembolso", "paquete", "factura",
)
_OBJECT = words(_OBJECTS)
_SOFTWARE = words(a for name, aliases in DEFAULT_SOFTWARE.items() for a in (name, *aliases))

# A mention is the one who needs, cannot, ordered… when one of these follows it in its sentence.
_PREDICATES = (
    "can't", "cant", "cannot", "can not", "couldn't", "could not", "isn't able", "is not able", "is unable",
    "are unable", "is locked", "got locked", "locked out", "forgot", "forgotten", "has lost", "lost", "needs",
    "need", "wants to", "would like", "ordered", "placed", "bought", "made an order", "made a purchase",
    "purchased", "is starting", "starts", "starting", "joins", "is joining", "joined", "has no access",
    "doesn't have", "does not have", "hasn't got", "never got", "never received", "hasn't received",
    "is waiting", "has been waiting", "keeps getting", "is stuck", "get", "gets", "has trouble",
    "is having trouble", "won't", "isn't getting", "requires", "have accounts", "has an account",
    "have an account", "kann nicht", "kann sich nicht", "kann keine", "kommt nicht",
    "kommen nicht", "können nicht", "können", "hat vergessen", "vergessen", "braucht", "brauchen",
    "benötigt", "möchte", "will", "wollte", "hätte gern", "würde gern", "bestellt", "aufgegeben",
    "gekauft", "gemacht", "fängt", "beginnt", "startet", "ist gesperrt", "ausgesperrt", "hat keinen", "wartet",
    "nicht erhalten", "nie angekommen", "nicht angekommen", "kriegt", "bekommt keinen", "n'arrive pas",
    "n'arrive plus", "ne peut pas", "ne peut plus", "ne peuvent", "ne pouvons", "ne pouvez", "a oublié",
    "oublié", "a besoin", "ont besoin", "besoin", "veut", "voudrait", "souhaite", "souhaiterait",
    "a commandé", "a passé", "a passée", "passé commande", "a acheté", "commence", "arrive", "est bloqué", "est bloquée",
    "n'a pas accès", "n'a pas reçu", "attend", "no puede", "no pueden", "no podemos", "olvidó", "necesita",
    "necesitan", "quiere", "querría", "quisiera", "pidió", "hizo un pedido", "hizo el pedido", "compró",
    "empieza", "entra", "está bloqueado", "está bloqueada", "no tiene acceso", "no recibió",
    "no ha recibido", "espera", "lleva",
)
_PREDICATE = re.compile(words(_PREDICATES), re.IGNORECASE)

# "…told me", "…hat mir empfohlen", "…m'a dit", "…me dijo": the mention instructs the requester.
_REPORTING = re.compile(
    r"^\W*(?:(?:has|have|had|hat|haben|a|ont|ha|han|just|already|also|again|schon|auch|déjà|ya)\s+)*"
    + words((
        "told", "asked me", "asks me", "said", "says", "suggested", "recommended", "mentioned", "approved",
        "advised", "keeps asking", "asks", "wants me", "would like me", "thinks", "noticed", "saw", "told me",
        "gesagt", "sagt", "sagte", "meint", "fragt", "empfohlen", "gebeten", "genehmigt", "will, dass",
        "will dass", "möchte, dass", "möchte dass", "mir", "mich", "m'a", "m'", "me", "dit", "demande",
        "pose", "conseillé", "recommandé", "approuvé", "veut que", "dice", "dijo", "pregunta", "recomendó",
        "aprobó", "quiere que", "me pidió",
    )),
    re.IGNORECASE,
)

# Someone buying for someone: the order stays the buyer's.
# Written as stems, not through `phrases`: accent tolerance would make the French participle
# "commandé" match the noun "commande", which is in every ticket about an order.
_PURCHASE = re.compile(
    r"\b(?:bought|buy|buying|purchased?|ordered|got|gift(?:ed|s)?|present|birthday|christmas|"
    r"gekauft|kaufen|bestellt|geschenk\w*|geburtstag\w*|weihnacht\w*|"
    r"achet[ée]\w*|achat|commandé(?:e|s|es)?|cadeau\w*|offert\w*|anniversaire|no[ëe]l|"
    r"compr[ée]\w*|compramos|regal\w*|ped[ií]|cumple\w*|navidad|hice)\b",
    re.IGNORECASE,
)
_ORDER_FOR_BEFORE = re.compile(
    words(("order", "parcel", "package", "gift", "present", "bestellung", "paket", "geschenk", "commande",
           "colis", "cadeau", "pedido", "paquete", "regalo")) + r"\s+(?:for|für|fuer|pour|para)\s*$",
    re.IGNORECASE,
)
_BENEFICIARY_BEFORE = re.compile(r"(?:\b(?:for|für|fuer|fur|pour|para|to)|(?<!\w)(?:à|a|an))\s*$", re.IGNORECASE)

# The mention is whom the request is for.
_TARGET_BEFORE = re.compile(
    r"(?:"
    + alternation((
        "on behalf of", "in the name of", "im namen von", "im namen", "im auftrag von", "im auftrag",
        "au nom de", "au nom d'", "de la part de", "de la part d'", "en nombre de", "de parte de",
        "for", "für", "pour", "para", "escribo por", "llamo por", "pregunto por", "placed by", "made by",
        "ordered by", "bought by", "done by", "hecho por", "passée par", "aufgegeben von",
    ))
    + r")\s*(?:(?:me|mich|moi|mí|mi)\s+(?:and|&|und|et|y)\s+)?(?:(?:the|la|le|el|der|die|den|dem)\s+)?$",
    re.IGNORECASE,
)
_PROVISION = words((
    "give", "grant", "set up", "setup", "add", "create", "unlock", "reset", "remove", "unsubscribe",
    "enable", "activate", "send", "onboard", "help", "delete", "cancel", "block", "disable",
    "install", "provide", "issue", "invite", "geben", "gib", "freischalten", "einrichten",
    "zurücksetzen", "schicken", "senden", "sperren", "entsperren", "abmelden", "anlegen", "bestellen",
    "installieren", "löschen", "donner", "donnez", "ouvrir", "activer", "créer", "envoyer", "envoyez",
    "réinitialiser", "débloquer", "bloquer", "désinscrire", "installer", "supprimer", "dar",
    "activar", "crear", "enviar", "manden", "mandar", "restablecer", "desbloquear", "bloquear", "configurar",
    "instalar", "eliminar", "borrar", "actívenle", "actívenlo", "denle", "den acceso", "dar acceso",
    # Imperatives of the four languages' account and order actions, so that "melden Sie meinen
    # Mann ab", "désabonnez mon mari", "den de baja a mi marido" are requests for them.
    "melden", "stornieren", "storniere", "storniert", "setzen", "désabonnez", "désabonner", "désinscrivez",
    "abonnez", "inscrivez", "réinitialisez", "supprimez", "annulez", "bloquez", "débloquez", "remboursez",
    "den de baja", "dar de baja", "dé de baja", "dad de baja", "suscriban", "borren", "eliminen", "cancelen",
    "anulen", "restablezcan", "bloqueen", "desbloqueen", "reembolsen",
))
_PROVISION_RE = re.compile(_PROVISION, re.IGNORECASE)
# Between the verb and the person: "please", a formal "you" ("melden Sie", "désabonnez-vous"
# is not it), or Spanish's personal "a" ("den de baja a mi marido").
_VERB_THEN_MENTION = re.compile(
    _PROVISION + r"\s+(?:(?:please|pls|bitte|svp|porfa|sie|ihr|usted|ustedes|a|al)\s+){0,2}$", re.IGNORECASE)
_TO_AFTER_VERB = re.compile(r"(?:\b(?:to|an)|(?<!\w)(?:à|a|al))\s*$", re.IGNORECASE)
# "el pedido lo hizo mi marido", "que hizo mi hija": the mention placed the order.
_AGENT_BEFORE = compile_words(("hizo", "pidió", "compró", "lo hizo", "que hizo", "a passé", "a commandé"))
_AGENT_BEFORE_RE = re.compile(_AGENT_BEFORE.pattern + r"\s*$", re.IGNORECASE)
# Right after the mention: what they are given ("give Fred access", "meiner Bekannten ein neues Passwort").
_RECIPIENT_AFTER = re.compile(
    r"^\s*(?:(?:a|an|the|ein|eine|einen|un|une|una|el|la|le)\s+)?(?:(?:new|neues|neuen|nouveau|nouvel|nuevo|nueva|reset)\s+)?"
    r"(?:" + _OBJECT + "|" + _SOFTWARE + r"|link|reset link|lien|enlace)",
    re.IGNORECASE,
)
_POSSESSIVE_AFTER = re.compile(r"^(?:['’]s|s['’]|['’])\s+(?:own\s+)?(?:\w+\s+){0,2}?" + _OBJECT, re.IGNORECASE)
_POSSESSOR_BEFORE = re.compile(
    _OBJECT + r"\s*(?:#?\s?\d+\s*)?(?:"
    r"(?:of|von|vom|de|del|des|du|di)\s+(?:(?:the|la|le|el|der|dem)\s+)?|d['’]|"
    r"(?:des|der)\s+"  # German genitive article before a noun: "das Konto des Kollegen"
    r")$",
    re.IGNORECASE,
)
_PLACE_OF_BEFORE = re.compile(
    r"(?:" + words(("address", "house", "home", "place", "adresse", "haus", "wohnung", "maison", "casa",
                    "dirección", "domicilio", "birthday", "geburtstag", "anniversaire", "cumpleaños", "cumple"))
    + r"\s*(?:of|von|de|del|des|du|d['’])?\s*(?:(?:the|la|le|el)\s+)?|\b(?:chez|bei)\s+)$",
    re.IGNORECASE,
)
_GERMAN_GENITIVE_AFTER_OBJECT = re.compile(_OBJECT + r"\s*(?:#?\s?\d+\s*)?$", re.IGNORECASE)
_SELF_BEFORE = re.compile(r"(?:\bi['’]?m|\bi am|\bim|\bich bin|\bje suis|\bsoy|\bas (?:a|an|the))\s*$", re.IGNORECASE)
# "…with my account", "mit meinem Konto", "sur mon compte", "con mi cuenta": the account is the requester's.
_OWN_ACCOUNT = re.compile(
    r"\b(?:on|with|from|using|through|via|mit|über|von|auf|sur|avec|depuis|con|desde|en)\s+"
    r"(?:my|mein|meinem|meinen|mon|ma|mi)\s+" + alternation(("account", "konto", "kundenkonto", "compte", "cuenta")),
    re.IGNORECASE,
)

# Third persons' things: "her account", "sein Passwort", "sa commande".
# "her order", "his own account", "her recent order": an adjective or two may come between.
_ORDER_ADJECTIVES = r"(?:(?:recent|last|latest|new|old|current|first|second|online|whole|big|little|other)\s+){0,2}"
_THIRD_PERSON_THINGS = re.compile(r"\b(?:her|his|their|son|sa|ses|leur|leurs)\s+(?:own\s+)?" + _ORDER_ADJECTIVES + _OBJECT,
                                  re.IGNORECASE)
_GERMAN_THIRD_PERSON_THINGS = re.compile(
    r"\b(?:[Ss]ein|[Ss]eine|[Ss]einen|[Ss]einem|[Ss]einer|ihr|ihre|ihren|ihrem|ihrer)\s+"
    r"(?:(?:eigenes|eigene|eigenen)\s+)?" + _OBJECT.replace("(?:", "(?i:", 1)
)
_SPANISH_SU_THINGS = re.compile(r"\b(?:su|sus)\s+(?:propia\s+|propio\s+)?" + _OBJECT, re.IGNORECASE)
_THIRD_PERSON_LOCKED_OUT = re.compile(
    r"\b(?:she|he|she's|he's|er|elle)\s+(?:\w+\s+){0,2}?"
    + alternation((
        "can't log in", "can't login", "cannot log in", "can't sign in", "can't get in", "can't get into",
        "can't access", "is locked out", "locked out", "forgot her password", "forgot his password",
        "kann sich nicht anmelden", "kann sich nicht einloggen", "kommt nicht in", "kommt nicht mehr in",
        "n'arrive plus à se connecter", "n'arrive pas à se connecter", "ne peut plus se connecter",
    )),
    re.IGNORECASE,
)
# "he needs Jira", "she wants access", "er braucht Slack", "il a besoin de Zoom", "ella necesita
# acceso": someone else is the one who needs it.
_THIRD_PERSON_NEEDS = re.compile(
    r"\b(?:he|she|they|er|elle|il|él|ella)\s+(?:\w+\s+){0,1}?"
    + alternation(("needs", "need", "wants", "would like", "requires", "needs access", "braucht", "benötigt",
                   "möchte", "a besoin", "ont besoin", "voudrait", "necesita", "necesitan", "quiere")) + r"\b",
    re.IGNORECASE,
)
# "reset beth's password", "tom's laptop": a possessive name in lower case too, as people type.
_NAME_POSSESSIVE = re.compile(
    r"\b(?!(?:it|one|today|tomorrow|yesterday|everyone|someone|somebody|nobody|today|that|what|who|there|here|let)['’]s)"
    r"([a-z][a-z-]{1,20})['’]s\s+(?:new\s+|own\s+)?"
    + alternation(("password", "account", "login", "log-in", "access", "laptop", "email", "e-mail", "mailbox",
                   "subscription", "newsletter", "phone", "profile", "licence", "license", "seat")) + r"\b",
    re.IGNORECASE,
)
_FOR_THEM = re.compile(
    r"\b(?:for|für|pour|para)\s+(?:him|them|ihn|lui|eux|elle|él|ella|her(?=\s*(?:[.,;:!?]|$|please|too|as well|also|by)))",
    re.IGNORECASE,
)

# An address the requester calls their own but the helpdesk does not vouch for.
_MAIL_NOUN = alternation((
    "email address", "e-mail address", "email", "e-mail", "mail", "address", "account", "mail address",
    "e-mail-adresse", "mailadresse", "adresse", "konto", "adresse mail", "adresse e-mail", "courriel",
    "compte", "correo", "dirección", "cuenta", "mail", "login",
))
_OWN_OTHER_ADDRESS = re.compile(
    r"(?:"
    r"\b(?:my|mine|mein|meine|meiner|meinem|meinen|mon|ma|mes|mi|mis)\s+(?:\w+\s+){0,2}?" + _MAIL_NOUN
    + r"|" + words(("other", "another", "second", "different", "alternate", "alternative", "old", "previous",
                    "new", "personal", "private", "work", "zweite", "andere", "anderen", "alte", "private",
                    "autre", "ancienne", "ancien", "perso", "personnelle", "otro", "otra", "segundo",
                    "antiguo", "personal", "viejo", "vieja"))
    + r"\s+" + _MAIL_NOUN
    + r"|" + words(("under my", "maiden name", "old name", "unter meinem", "sous mon", "a mi nombre", "two accounts", "zwei konten", "deux comptes", "dos cuentas", "registered with",
                    "signed up with", "reach me at", "contact me at", "me at", "this one instead",
                    "mine is", "change it to", "update it to", "move it to", "switch it to"))
    + r")",
    re.IGNORECASE,
)
_CHANGE_MY_ACCOUNT_TO = re.compile(
    r"\b(?:my|mein|meine|meinem|meines|mon|ma|mi)\s+(?:\w+\s+){0,3}?" + _MAIL_NOUN + r"\b.*\b(?:to|auf|in|par|pour|a)\s*:?\s*$",
    re.IGNORECASE,
)
_SENDER_BEFORE = re.compile(
    r"(?:\b(?:from|von|desde|sent by|by)|"
    + alternation(("email from", "mail from", "message from", "e-mail von", "mail von", "mail de", "courriel de",
                   "message de", "correo de", "un correo de", "un mail de"))
    + r")\s*:?\s*$",
    re.IGNORECASE,
)
_DOCUMENT_TO = re.compile(
    words(("invoice", "receipt", "confirmation", "copy", "rechnung", "quittung", "beleg", "facture", "reçu",
           "copie", "factura", "recibo", "copia"))
    + r".{0,60}\b(?:to|an|à|a)\b[^.!?\n@]{0,40}$",
    re.IGNORECASE | re.DOTALL,
)
_ROLE_MAILBOX = re.compile(r"^(?:no-?reply|do-?not-?reply|donotreply|noreply|support|help|service|info|orders?|billing|shop)@", re.IGNORECASE)

# Names: capitalised words, after an optional title; titles are dropped from the reported name.
_TITLE = r"(?:Mr|Mrs|Ms|Miss|Dr|Herr|Herrn|Frau|M|Mme|Mlle|Monsieur|Madame|Sr|Sra|Srta|señor|señora|señorita|don|doña|Señor|Señora)\.?\s+"
_NAME_WORD = r"(?!(?:Herr|Herrn|Frau|Mr|Mrs|Ms|Mme|Monsieur|Madame)\b)[A-ZÀ-ÖØ-Ý][a-zà-öø-ÿ]+(?:['’][A-ZÀ-ÖØ-Ý][a-zà-öø-ÿ]+)?(?:-[A-ZÀ-ÖØ-Ý]?[a-zà-öø-ÿ]+)?"
_NAME = rf"(?:{_TITLE})?{_NAME_WORD}(?:\s+(?:(?:de|del|van|von|da|di)\s+)?{_NAME_WORD}){{0,2}}"
_NAME_RE = re.compile(_NAME)
_NAME_CS = "(?-i:" + _NAME + ")"  # names stay capitalised inside case-blind patterns
_TITLED_NAME = re.compile(rf"{_TITLE}{_NAME_WORD}(?:\s+{_NAME_WORD})?")
_TITLE_RE = re.compile(rf"^{_TITLE}")
_ARTICLE_BEFORE = re.compile(
    r"\b(?:the|a|an|der|die|das|den|dem|des|ein|eine|einen|einem|le|la|les|l['’]|un|une|el|los|las|una|unos)\s*$",
    re.IGNORECASE,
)
_LOWER_NAME = re.compile(r"^[a-zà-öø-ÿ]{3,15}\b")

# Capitalised words that are not people, checked case-insensitively.
_NOT_NAMES = {
    w.lower() for w in (
        "I", "I'm", "Hi", "Hello", "Hey", "Dear", "Please", "Pls", "Thanks", "Thank", "Cheers", "Best", "Regards",
        "Kind", "Also", "And", "But", "So", "The", "A", "An", "My", "Our", "This", "That", "It", "Is", "Can",
        "Could", "Would", "Will", "Yes", "No", "Ok", "Okay", "Sorry", "Urgent", "Asap", "Re", "Fwd", "Subject",
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
        "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
        "Christmas", "Easter", "Marketing", "Sales", "Finance", "Accounting", "Legal", "HR", "IT", "Support",
        "Engineering", "Design", "Operations", "Ops", "Admin", "Team", "Office", "Windows", "Mac", "Apple",
        "Google", "Microsoft", "Adobe", "Chrome", "Gmail", "Paris", "London", "Berlin", "Madrid", "Order",
        "Account", "Password", "Access", "Name", "Email", "Mail", "Start", "Starting", "Hallo", "Liebe",
        "Lieber", "Bitte", "Danke", "Gruß", "Grüße", "Viele", "Mit", "Der", "Die", "Das", "Ein", "Eine",
        "Mein", "Meine", "Unser", "Unsere", "Ich", "Wir", "Sie", "Er", "Es", "Montag", "Dienstag", "Mittwoch",
        "Donnerstag", "Freitag", "Samstag", "Sonntag", "Urlaub", "Zugang", "Konto", "Bestellung", "Passwort",
        "Laptop", "Lizenz", "Buchhaltung", "Bonjour", "Salut", "Merci", "Cordialement", "Madame", "Monsieur",
        "Le", "La", "Les", "Un", "Une", "Mon", "Ma", "Notre", "Je", "Nous", "Il", "Elle", "Lundi", "Mardi",
        "Mercredi", "Jeudi", "Vendredi", "Samedi", "Dimanche", "Hola", "Buenas", "Gracias", "Saludos",
        "Atentamente", "Estimados", "El", "Los", "Las", "Mi", "Nuestro", "Nuestra", "Yo", "Lunes", "Martes",
        "Miércoles", "Jueves", "Viernes", "Sábado", "Domingo", "Está", "Es", "Para", "Por", "Pedido",
        "Cuenta", "Acceso", "Necesita", "Needs", "Need", "Pro", "Premium", "Plus", "ID", "VPN", "PC",
        "Bei", "Für", "Pour", "Hier", "Soy", "Leider", "Auch", "Aussi", "También", "Además", "Außerdem",
        "Where", "Where's", "What", "What's", "It's", "That's", "Here", "Here's", "There", "There's", "Who",
        "Who's", "How", "How's", "Let's", "Let", "He", "She", "He's", "She's", "They", "We", "You", "Everyone",
        "Someone", "Nobody", "Why", "When", "Which", "Do", "Does", "Did", "Has", "Have", "Had", "Was", "Are",
        "Just", "Still", "Now", "Today", "Tomorrow", "Yesterday", "Jetzt", "Heute", "Morgen", "Gestern",
        "Your", "Ihre", "Ihr", "Ihrer", "Ihren", "Votre", "Vos", "Su", "Sus", "Hilfe", "Frage", "Problem", "Rechnung", "Paket", "Lieferung", "Adresse", "Kundennummer", "Nummer",
    )
} | {alias.lower() for name, aliases in DEFAULT_SOFTWARE.items() for alias in (name, *aliases)} | {
    part.lower() for name in DEFAULT_SOFTWARE for part in name.split()
}
# Lower-case words that can follow a relation noun without being a name ("my colleague needs…").
_NOT_LOWER_NAMES = {
    "and", "or", "but", "who", "which", "that", "is", "has", "had", "was", "can", "cant", "can't", "cannot",
    "needs", "need", "wants", "would", "will", "from", "in", "at", "on", "of", "for", "to", "with", "the",
    "a", "an", "also", "just", "still", "keeps", "got", "gets", "does", "did", "doesn't", "didn't", "isn't",
    "forgot", "lost", "ordered", "bought", "placed", "made", "told", "said", "says", "asked", "starts",
    "starting", "joins", "joined", "here", "there", "too", "please", "pls", "since", "because", "as",
    "und", "oder", "der", "die", "das", "ist", "hat", "kann", "braucht", "möchte", "will", "aus", "bei",
    "mit", "von", "im", "in", "auf", "für", "et", "ou", "qui", "est", "a", "peut", "veut", "de", "du",
    "des", "la", "le", "en", "y", "o", "que", "es", "ha", "no", "puede", "quiere", "necesita", "del",
    "con", "me", "mir", "m", "both", "beide", "tous", "todos", "own", "new", "neue", "nouveau", "nuevo",
    "nueva", "nouvelle", "starter", "hire", "member", "lead", "leader", "report", "service", "account",
    "number", "id", "portal", "care", "support", "reset", "party", "desk", "ist", "sind", "war",
}
_SELF_INTRO = re.compile(
    r"\b(?:this is|it['’]?s|i['’]?m|i am|my name is|name['’]s|hier ist|ich bin|ich heiße|mein name ist|"
    r"c['’]est|je suis|je m['’]appelle|moi c['’]est|soy|me llamo|mi nombre es)\s+(" + _NAME + ")",
)
_GREETING_NAME = re.compile(
    r"^\s*(?:hi|hello|hey|dear|hallo|liebe|lieber|guten tag|bonjour|salut|hola|buenas|buenos días|estimad[oa])\s+"
    r"(" + _NAME_CS + r")\s*[,!:]",
    re.IGNORECASE,
)
_NAME_IS = re.compile(
    r"\b(?:name is|named|called|heißt|namens|name:|s['’]appelle|se llama|nombre:)\s+(" + _NAME_CS + ")",
    re.IGNORECASE,
)

_SENTENCE_END = re.compile(r"(?<!\b[A-Z])(?<!\bMr)(?<!\bMrs)(?<!\bDr)(?<!\bSr)(?<!\bSra)(?<!\bMme)[.!?;]+(?=\s|$)|\n+")


@dataclass(frozen=True)
class Subject:
    kind: str  # "requester", "other" or "unclear"
    name: str | None = None
    email: str | None = None
    relation: str | None = None  # one of RELATIONS
    evidence: str | None = None  # the words that decided, quoted from the text

    def to_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "email": self.email, "relation": self.relation,
                "evidence": self.evidence}


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    relation: str | None
    name: str | None
    determiner: str


@dataclass
class _Finding:
    kind: str
    evidence: str
    name: str | None = None
    email: str | None = None
    relation: str | None = None


def subject_of(text, requester_email: str | None = None, requester_name: str | None = None) -> Subject:
    """Whose account, order or record this request is about (see the module docstring)."""
    text = _as_text(text)
    if not text.strip():
        return Subject(REQUESTER)
    selves = _self_names(text, requester_email, requester_name)
    findings: list[_Finding] = []
    for start, end in _sentences(text):
        findings.extend(_read_sentence(text, start, end, selves, requester_email))
    findings.extend(_read_emails(text, requester_email))
    others = [f for f in findings if f.kind == OTHER]
    if others:
        first = others[0]
        return Subject(
            OTHER,
            name=next((f.name for f in others if f.name), None) or _named(text, selves),
            email=next((f.email for f in others if f.email), None),
            relation=next((f.relation for f in others if f.relation), None),
            evidence=first.evidence,
        )
    unclear = [f for f in findings if f.kind == UNCLEAR]
    if unclear:
        return Subject(UNCLEAR, email=next((f.email for f in unclear if f.email), None), evidence=unclear[0].evidence)
    return Subject(REQUESTER)


# -- people described by their relation, and people named -----------------------------------------

def _relation_pattern() -> re.Pattern:
    nouns = {noun: code for code, forms in RELATION_NOUNS.items() for noun in forms}
    determiners = alternation(_POSSESSIVES + _ARTICLES)
    return re.compile(
        r"(?<![\w'’])(?P<det>" + determiners + r")(?:(?<=['’])\s*|\s+)"
        r"(?:(?P<adj>" + alternation(_NEW) + r"|[^\W\d_]{3,15})\s+)?"
        r"(?P<noun>" + alternation(nouns) + r"|[^\W\d_]{0,12}team)"
        r"(?:\s+(?P<adj2>" + alternation(("nuevo", "nueva", "nouveau", "nouvelle")) + r"))?"
        r"(?![\w])",
        re.IGNORECASE,
    ), nouns


_RELATION, _NOUN_CODES = _relation_pattern()
_NEW_FOLDED = frozenset(" ".join(w.casefold().split()) for w in _NEW)
_POSSESSIVES_FOLDED = frozenset(" ".join(w.casefold().split()) for w in _POSSESSIVES)
_BARE_RELATION = re.compile(
    r"(?:^|(?<=[\n:;,.!?]))\s*(?P<noun>" + alternation(("kollege", "kollegin", "colleague", "collègue", "compañero",
                                                        "compañera", "neuer kollege", "neue kollegin",
                                                        "neuer mitarbeiter", "neue mitarbeiterin",
                                                        "nouveau collaborateur", "nouvelle collaboratrice",
                                                        "nouveau collègue", "nuevo empleado", "nueva empleada",
                                                        "new starter", "new hire", "new joiner"))
    + r")(?![\w])",
    re.IGNORECASE,
)
_TOLERANT_NOUNS: list[tuple[re.Pattern, str]] = []


@lru_cache(maxsize=4096)
def _code_for(noun: str) -> str | None:
    folded = " ".join(noun.lower().split())
    if folded in _NOUN_CODES:
        return _NOUN_CODES[folded]
    if not _TOLERANT_NOUNS:
        _TOLERANT_NOUNS.extend((re.compile(words([n]), re.IGNORECASE), c) for n, c in _NOUN_CODES.items())
    for pattern, code in _TOLERANT_NOUNS:
        if pattern.fullmatch(noun):
            return code
    if folded.endswith("team"):
        return "team"
    return None


def _mentions(sentence: str) -> list[_Mention]:
    found = []
    for m in _RELATION.finditer(sentence):
        noun, det, adj = m.group("noun"), m.group("det").lower(), (m.group("adj") or "").lower()
        code = _code_for(noun)
        if code is None:
            continue
        is_new = _fold(adj) in _NEW_FOLDED or bool(m.group("adj2"))
        if adj and _fold(noun) in {"nuevo", "nueva"} and _code_for(adj) in {"colleague", "report"}:
            code, is_new = "new_starter", True  # "una compañera nueva": the adjective follows
        if adj and not is_new and _code_for(adj) is None and adj in _NOT_LOWER_NAMES:
            continue
        possessive = _fold(det) in _POSSESSIVES_FOLDED or bool(
            re.match(r"\s+of\s+(?:mine|ours)\b", sentence[m.end():], re.IGNORECASE))
        if code in {"colleague", "report"} and is_new:
            code = "new_starter"
        if code == "new_starter" and _fold(noun) in {"nuevo", "nueva"} and not possessive and det not in {"el", "la"}:
            continue
        if code in _NEEDS_POSSESSIVE and not possessive and not (code == "team" and _fold(det) in {
                "whole", "entire", "ganze", "ganzen", "dem", "toute la", "toute l'", "todo el", "toda la", "the"}):
            continue
        if code == "partner" and _fold(noun) in {"frau", "mann", "mujer", "femme"} and not possessive:
            continue
        if code == "client" and re.match(r"\s+(?:account|number|service|id|portal|care|support|area)\b",
                                         sentence[m.end():], re.IGNORECASE):
            continue
        if code == "report" and _fold(noun) == "employee" and not possessive:
            continue
        name, end = _name_after(sentence, m.end()) if code != "team" else (None, m.end())
        found.append(_Mention(m.start(), end, code, name, det))
    for m in _BARE_RELATION.finditer(sentence):
        if any(x.start <= m.start("noun") < x.end for x in found):
            continue
        code = _code_for(m.group("noun")) or ("new_starter" if _fold(m.group("noun")).split()[0] in _NEW_FOLDED else None)
        if code is None:
            code = "new_starter"
        name, end = _name_after(sentence, m.end())
        if code == "colleague" and not name:
            continue
        found.append(_Mention(m.start("noun"), end, code, name, ""))
    return sorted(found, key=lambda x: x.start)


def _name_after(sentence: str, pos: int) -> tuple[str | None, int]:
    """An apposition: "my colleague David", "my father, Robert Hale", "meinen Kollegen Herrn Maier"."""
    rest = sentence[pos:]
    m = re.match(r"(\s*,?\s*)(" + _NAME + ")", rest)
    if m and _is_name(m.group(2)):
        return _clean_name(m.group(2)), pos + m.end()
    m = re.match(r"\s+([a-zà-öø-ÿ]{3,15})(?![\w'’-])", rest)
    if m and not re.search(r"[A-ZÀ-ÖØ-Ý]", sentence[1:]) and m.group(1) not in _NOT_LOWER_NAMES and _PREDICATE.fullmatch(m.group(1)) is None \
            and _code_for(m.group(1)) is None and not re.fullmatch(_OBJECT, m.group(1), re.IGNORECASE):
        return m.group(1), pos + m.end()
    return None, pos


def _is_name(candidate: str) -> bool:
    words_ = _TITLE_RE.sub("", candidate).split()
    return bool(words_) and all(w.lower().strip("'’") not in _NOT_NAMES for w in words_[:1]) and \
        words_[0].lower() not in _NOT_NAMES


def _clean_name(candidate: str) -> str:
    name = _TITLE_RE.sub("", candidate).strip()
    kept = []
    for word in name.split():
        if word.lower() in _NOT_NAMES:
            break
        kept.append(word)
    return " ".join(kept) or name


_TOKEN = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*(?:['’][A-ZÀ-ÖØ-Ý][^\W\d_]*)?\.?")
_PARTICLES = {"de", "del", "van", "von", "da", "di", "la"}
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "herr", "herrn", "frau", "m", "mme", "mlle", "monsieur", "madame",
           "sr", "sra", "srta", "señor", "señora", "señorita", "don", "doña"}


def _name_mentions(sentence: str, taken: list[_Mention]) -> list[_Mention]:
    """Capitalised names outside relation mentions: runs of up to three capitalised words that are
    not common words (German capitalises every noun, so "Zugang" or "Bestellung" end a run),
    after an optional title. Whether a name matters is decided by its role, later."""
    found: list[_Mention] = []
    run: list[re.Match] = []
    title: re.Match | None = None

    def close():
        nonlocal run, title
        while run and run[-1].group(0).lower() in _PARTICLES:
            run.pop()
        if run:
            start = title.start() if title else run[0].start()
            words_ = [t.group(0).rstrip(".") for t in run]
            if not any(x.start <= start < x.end for x in taken) and (
                    title or not _ARTICLE_BEFORE.search(sentence[:start])):
                found.append(_Mention(start, run[-1].end(), None, " ".join(words_), "title" if title else ""))
        run, title = [], None

    previous_end = 0
    for token in _TOKEN.finditer(sentence):
        word = token.group(0)
        bare = word.rstrip(".")
        gap = sentence[previous_end: token.start()]
        previous_end = token.end()
        if run and (gap.strip() or len(run) >= 3):
            close()
        if bare.lower() in _TITLES and bare[:1].isupper() or bare.lower() in {"señor", "señora", "señorita"}:
            close()
            title = token
            continue
        if bare[:1].isupper() and bare.lower().strip("'’") not in _NOT_NAMES and len(bare) > 1:
            run.append(token)
        elif run and bare.lower() in _PARTICLES:
            run.append(token)
        else:
            close()
            title = None
    close()
    return found


# -- reading one sentence ------------------------------------------------------------------------------

def _read_sentence(text: str, start: int, end: int, selves: set[str], requester_email) -> list[_Finding]:
    sentence = text[start:end]
    findings = []
    mentions = _mentions(sentence)
    manager_of = _requester_manages(sentence)
    if manager_of:
        findings.append(manager_of)
    for mention in (mentions + _name_mentions(sentence, mentions))[:_MAX_MENTIONS]:
        if mention.relation is None and _is_self(mention.name, selves):
            continue
        role = _role(sentence, mention)
        if role == OTHER:
            name = mention.name
            if name is None and mention.relation not in {None, "team"}:
                tail = re.search(r"[,:]\s*(" + _NAME + r")\s*[.!?]?\s*$", sentence[mention.end:])
                if tail and _is_name(tail.group(1)) and not _is_self(tail.group(1), selves):
                    name = _clean_name(tail.group(1))
            findings.append(_Finding(OTHER, _quote(sentence), name=name, relation=mention.relation))
    possessive = _NAME_POSSESSIVE.search(sentence)
    before = sentence[:possessive.start()].split()[-1:] if possessive else []
    if (possessive and not _is_self(possessive.group(1), selves)
            and not any(word.lower() in _POSSESSIVES or word.lower() in _ARTICLES for word in before)):
        findings.append(_Finding(OTHER, _quote(sentence, possessive), name=possessive.group(1).capitalize()))
    third = (_THIRD_PERSON_THINGS.search(sentence) or _GERMAN_THIRD_PERSON_THINGS.search(sentence)
             or _THIRD_PERSON_LOCKED_OUT.search(sentence) or _FOR_THEM.search(sentence)
             or _THIRD_PERSON_NEEDS.search(sentence))
    if third and not _PURCHASE.search(sentence):
        findings.append(_Finding(OTHER, _quote(sentence, third)))
    elif _SPANISH_SU_THINGS.search(sentence) and not _OWN_ACCOUNT.search(sentence):
        findings.append(_Finding(UNCLEAR, _quote(sentence, _SPANISH_SU_THINGS.search(sentence))))
    return findings


def _role(sentence: str, mention: _Mention) -> str | None:
    """OTHER when the mention is whom the request is for; None when it plays another part."""
    # The words that decide a role sit next to the mention; a bounded window keeps a hostile
    # 20,000-character "sentence" of mentions linear instead of quadratic.
    left, right = sentence[max(0, mention.start - _WINDOW): mention.start], sentence[mention.end: mention.end + _WINDOW]
    named_only = mention.relation is None
    if _SELF_BEFORE.search(left):
        return None
    dative = mention.determiner.lower() in _GERMAN_DATIVE_OR_GENITIVE
    clause_after = re.split(r"[,;:]\s", right, maxsplit=1)[0]
    bought = _PURCHASE.search(left) or (_PURCHASE.search(clause_after) and (
        dative or re.search(r"\b(?:für|fuer|fur)\s*$", left, re.IGNORECASE)))
    if _ORDER_FOR_BEFORE.search(left):
        return None  # "the order for my mum", "das Paket für meinen Bruder": bought for them
    if bought and (_BENEFICIARY_BEFORE.search(left) or (dative and not _POSSESSOR_BEFORE.search(left))):
        return None
    if re.match(r"^['’]s\s+\w", right) and not _POSSESSIVE_AFTER.match(right):
        return None  # "my sister's address", "my mum's birthday": a place or a date, not an account
    if _PLACE_OF_BEFORE.search(left):
        return None  # "a casa de mi hermana", "chez ma sœur", "die Adresse meiner Schwester"
    if _REPORTING.match(right):
        return None
    if _POSSESSOR_BEFORE.search(left) or _POSSESSIVE_AFTER.match(right):
        return OTHER
    if dative and _GERMAN_GENITIVE_AFTER_OBJECT.search(left):
        return OTHER
    if _TARGET_BEFORE.search(left) or _VERB_THEN_MENTION.search(left) or _AGENT_BEFORE_RE.search(left):
        return OTHER
    if _TO_AFTER_VERB.search(left) and _PROVISION_RE.search(left):
        return OTHER
    if _RECIPIENT_AFTER.match(right) and (not named_only or (left.strip() and _PROVISION_RE.search(sentence))):
        return OTHER
    if named_only:
        # A bare name is somebody's subject only right before the verb: "Kevin needs…", "Frau
        # Schneider aus der Buchhaltung kann sich nicht…" (a title lets a short phrase intervene).
        if not _starts_clause(left):
            return None
        reach = 5 if mention.determiner == "title" else 1
        head = " ".join(re.split(r"[,;:]\s", right, maxsplit=1)[0].split()[:reach + 2])
        m = _PREDICATE.search(head)
        if m and len(head[: m.start()].split()) <= reach and not _OWN_ACCOUNT.search(sentence):
            return OTHER
        return None
    head = re.split(r"[,;:]\s", right, maxsplit=1)[0]
    if _predicate_soon(head) and not _OWN_ACCOUNT.search(sentence):
        return OTHER
    if mention.relation in {"new_starter", "report"}:
        return OTHER
    return None


def _predicate_soon(right: str) -> bool:
    window = " ".join(right.split()[:8])
    m = _PREDICATE.search(window)
    return bool(m)


def _starts_clause(left: str) -> bool:
    return not left.strip() or bool(re.search(r"(?:[,:;(]|\b(?:and|und|et|y|but|aber|mais|pero))\s*$", left, re.IGNORECASE))


_MANAGES = re.compile(
    r"(?:\bi['’]?m|\bi am|\bich bin|\bje suis|\bsoy)\s+(?:(?:the|a|der|die|le|la|el|his|her|their|sein|seine|ihr|ihre|son|sa|su)\s+)?"
    r"(?:(?P<before>" + _NAME_CS + r")['’]?s?\s+)?"
    r"(?:line\s+|direct\s+)?"
    + alternation(("manager", "boss", "supervisor", "team lead", "vorgesetzter", "vorgesetzte", "chef", "chefin",
                   "teamleiter", "teamleiterin", "responsable", "cheffe", "jefe", "jefa", "supervisora"))
    + r"(?:\s+(?:of|for|von|de|du|del|d['’])\s*(?P<after>" + _NAME_CS + r"))?",
    re.IGNORECASE,
)


def _requester_manages(sentence: str) -> _Finding | None:
    m = _MANAGES.search(sentence)
    if not m:
        return None
    name = m.group("after") or m.group("before")
    if name:
        name = _clean_name(name)
        if name.endswith("s") and m.group("before") and not m.group("after"):
            name = name[:-1]  # German genitive: "Abel Tuters Vorgesetzte"
    elif not re.search(r"\b(?:his|her|their|sein|seine|ihr|ihre|son|sa|su)\b", m.group(0), re.IGNORECASE):
        return None
    return _Finding(OTHER, _quote(sentence, m), name=name, relation="report")


# -- email addresses -----------------------------------------------------------------------------------

def _read_emails(text: str, requester_email: str | None) -> list[_Finding]:
    findings = []
    own = (requester_email or "").strip().lower()
    lowered = text.lower()
    for email in extract(text).emails:
        if email == own or _ROLE_MAILBOX.match(email):
            continue
        at = lowered.find(email)
        paragraph_start = max(lowered.rfind("\n\n", 0, at), 0)
        before = text[max(paragraph_start, at - 160): at]
        near = text[max(paragraph_start, at - 40): at]
        if _SENDER_BEFORE.search(near):
            continue
        if _DOCUMENT_TO.search(before[-90:]) and not _OWN_OTHER_ADDRESS.search(before[-60:]):
            continue
        after = text[at + len(email): at + len(email) + 60]
        if _OWN_OTHER_ADDRESS.search(before) or _CHANGE_MY_ACCOUNT_TO.search(before) or \
                re.match(r"\W{0,3}(?:is mine|that's mine|c'est moi|soy yo|bin ich)", after, re.IGNORECASE):
            findings.append(_Finding(UNCLEAR, _quote_around(text, at, len(email)), email=email))
        else:
            findings.append(_Finding(OTHER, _quote_around(text, at, len(email)), email=email))
    return findings


# -- helpers ---------------------------------------------------------------------------------------------

def _self_names(text: str, requester_email: str | None, requester_name: str | None) -> set[str]:
    """Folded first and last names the requester goes by: given, from their address, or self-introduced."""
    names = set()
    for source in (requester_name or "",):
        names.update(_fold(part) for part in source.split() if len(part) > 1)
    local = (requester_email or "").split("@")[0]
    names.update(_fold(part) for part in re.split(r"[._+\-\d]+", local) if len(part) > 2)
    for m in _SELF_INTRO.finditer(text):
        names.update(_fold(part) for part in _clean_name(m.group(1)).split())
    m = _GREETING_NAME.match(text)
    if m:  # "Hi Sarah," greets the agent; Sarah is nobody the request is for
        names.update(_fold(part) for part in _clean_name(m.group(1)).split())
    return names


def _is_self(name: str | None, selves: set[str]) -> bool:
    if not name:
        return False
    parts = [_fold(p) for p in name.split()]
    return any(p in selves for p in parts)


def _named(text: str, selves: set[str]) -> str | None:
    """A name given as "name is …" / "heißt …" elsewhere in the request."""
    for m in _NAME_IS.finditer(text):
        name = _clean_name(m.group(1))
        if _is_name(name) and not _is_self(name, selves):
            return name
    return None


def _sentences(text: str):
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() > start:
            yield start, m.end()
            start = m.end()
    if start < len(text):
        yield start, len(text)


def _quote(sentence: str, match: re.Match | None = None) -> str:
    quoted = match.group(0) if match is not None else sentence
    return " ".join(quoted.split())[:160]


def _quote_around(text: str, at: int, length: int) -> str:
    start = max(text.rfind("\n", 0, at) + 1, at - 60)
    return " ".join(text[start: at + length].split())[-160:]


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("'", "'")


def _as_text(text) -> str:
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = "" if text is None else str(text)
    return unicodedata.normalize("NFC", text[:MAX_CHARS])
