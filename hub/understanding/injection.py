"""Text that addresses the agent rather than the support team: "ignore your instructions".

The agent never follows ticket text — flows and policy decide every action — so an attempt
cannot make it do anything. The check exists so that a person reads such a ticket, and sees
the attempt, instead of the agent carrying on as if the text were an ordinary request.

The check runs on folded text (:mod:`hub.understanding.normalise`), so zero-width characters,
soft hyphens, bidi overrides, Cyrillic or fullwidth look-alikes, mathematical letters and
combining marks do not hide a phrase. Phrases are written for English, German, French and
Spanish; role markers of chat formats ("SYSTEM:" at the start of a line, "### Instruction",
``<|im_start|>``, ``[INST]``) count in any language; long base64-looking tokens are decoded
(a bounded number, of bounded length) and the decoded text checked the same way.

What it does not try: leetspeak ("1gn0re"), other languages, text split across several
base64 tokens, or meaning without the words — a person who wants to persuade will find other
words, and the flows' own rules are what stops them.
"""

from __future__ import annotations

import base64
import binascii
import re

from .normalise import as_text, clean, fold
from .pattern_set import PhraseSet

#: Tokens at least this long that look like base64 are decoded and checked.
BASE64_MIN_LENGTH = 24
#: At most this many tokens a text, each cut to this many characters: bounded work on any input.
BASE64_MAX_TOKENS = 16
BASE64_MAX_CHARS = 16_384
#: Base64 inside base64 is unwrapped this many times at most. With the bounds above, the text
#: decoded from one ticket is a few hundred kilobytes at worst, whatever its size.
BASE64_MAX_DEPTH = 2

_RULES = (r"(rules|instructions?|polic(y|ies)|guidelines|guidance|directives?|prompts?|system prompt|programming"
          r"|constraints|restrictions|limits|limitations|safeguards|guardrails|training)")

PHRASES = {
    "en": [
        rf"(ignore|disregard|forget|override|bypass|skip|discard|abandon|drop) (all |any |every |each |of |the |your |these "
        rf"|those |previous |prior |earlier |above |preceding |former |original |existing |current |system |initial "
        rf"|old |safety |security )*{_RULES}",
        r"(forget|ignore|disregard) (everything|all|anything) (you were|you'?ve been|you have been|you are|i) "
        r"(told|taught|given|programmed|instructed|said)",
        r"(ignore|disregard|forget) (all |everything |anything )?(of )?(the |what'?s |what is |what i wrote |that )?"
        r"(above|previous|preceding|foregoing|prior)( \w+)?,? (and then|and|then|&|instead)( just| simply| now)? (say|reply|respond"
        r"|answer|write|print|output|return|do|refund|approve|tell|give|issue|send|grant|reset|cancel|confirm|mark|act"
        r"|pretend|follow)",
        r"you are (now|from now on|henceforth) (a|an|the|in) (\w+ ){0,3}(bot|assistant|ai|agent|model|system|admin"
        r"|administrator|developer|mode|manager|supervisor|unrestricted|jailbroken|dan|gpt|llm)",
        r"you are no longer (a|an|the|bound|restricted|limited|required|an ai|a support)",
        r"you are (now )?(in|running in|operating in) (\w+ )?(maintenance|developer|debug|admin|god|test|unrestricted"
        r"|jailbreak|dan|override) mode",
        r"(from now on|starting now|henceforth|as of now|for the rest of this (chat|conversation|ticket)),? (you|u) "
        r"(are|will|must|should|shall|can|may)",
        r"(act|behave|respond|answer|reply) as (if you (were|are) )?(a|an|the|my) (\w+ ){0,2}(admin|administrator"
        r"|developer|manager|supervisor|system|unrestricted|jailbroken|different ai|different assistant)",
        r"pretend (that )?(you are|you'?re|to be) (a|an|the|my) ?(\w+ ){0,2}(manager|admin|administrator|developer"
        r"|supervisor|owner|human agent|different|unrestricted|ai without)",
        r"(new|updated|revised|real|actual|true|secret|hidden|override|system|developer) (instructions?|rules|prompt"
        r"|system prompt|directives?|policy) ?:",
        r"(these are|here are|follow|obey) your (new|real|actual|true|updated|revised) (instructions|rules|orders|task"
        r"|directives)",
        r"your (new|real|actual|true|updated|revised) (instructions|directives|task|orders) (are|is)",
        r"(reveal|show|print|output|repeat|display|leak|dump|tell me|give me) (me )?(your|the) (system prompt|initial "
        r"prompt|hidden (prompt|instructions)|original instructions|instructions verbatim|prompt)",
        r"(developer|god|jailbreak|dan|unrestricted|unfiltered|sudo) mode",
        r"(jailbreak\w*|prompt injection|do anything now|system override|developer override|admin override"
        r"|override (code|protocol|the policy|your (rules|instructions|programming)))",
        r"(the|this) (customer|requester|ticket) (is|has been|was) (already )?(verified|pre-?verified|pre-?approved"
        r"|whitelisted)",
        r"(customer|requester|ticket|user) (is |was |has been )?(already )?(pre-?)?approved for (a |the )?(full |partial )?"
        r"(refund|return|exception|override|credit)",
        r"(skip|bypass) (all |the |any |your )?(verification|identity checks?|checks|approval"
        r"|approvals|policy checks|safety checks|limits)",
    ],
    "de": [
        r"(ignorier\w*|vergiss|vergesst|vergessen sie|missacht\w*|ubergeh\w*|verwirf|verwerfen sie|umgeh\w*"
        r"|hor auf zu befolgen) (\w+ ){0,3}(anweisung\w*|instruktion\w*|regeln|richtlinie\w*|vorgabe\w*|befehle"
        r"|einschrankung\w*|beschrankung\w*|systemprompt|prompt|vorschriften|policy|policies)",
        r"(vergiss|vergesst|vergessen sie|ignorier\w*) alles,? was (dir|ihnen|man dir|man ihnen|du|sie) (\w+ ){0,2}"
        r"(gesagt|beigebracht|aufgetragen|vorgegeben|gelernt)",
        r"neue (anweisung|anweisungen|regeln|instruktionen|vorgaben) ?:",
        r"(deine|ihre) (neuen|eigentlichen|wahren|echten) (anweisungen|regeln|aufgaben|instruktionen)",
        r"du bist (jetzt|nun|ab sofort|ab jetzt|nicht mehr) (ein|eine|der|die|im|in|kein|keine) (\w+ ){0,3}"
        r"(assistent\w*|bot|ki|modell|admin\w*|entwickler\w*|modus|system|manager\w*|vorgesetzte\w*|ohne (einschrankungen"
        r"|regeln|grenzen))",
        r"(tu so|tun sie so|stell dir vor|stellen sie sich vor),? als (ob )?(du|sie) (\w+ ){0,3}(warst|waren|bist|sind)",
        r"(entwicklermodus|gott-?modus|systemprompt|system-prompt)",
        r"(zeig|gib|nenne|verrate)\w* (mir )?(deine|ihre|den) (systemprompt|system-prompt|anweisungen|instruktionen)",
        r"(uberspring|umgeh)\w* (\w+ )?(prufung|verifizierung|freigabe|genehmigung|kontrolle)\w*",
    ],
    "fr": [
        r"(?<!ai )(?<!as )(?<!a )(?<!avez )(?<!avons )(?<!avoir )(ignore|ignores|ignorez|ignorer|oublie|oubliez|oublier"
        r"|neglige|negligez|outrepasse|outrepassez|contourne|contournez|ne tiens (pas|plus) compte des"
        r"|ne tenez (pas|plus) compte des) (toutes |tous |l'ensemble de |l'ensemble des )?(tes |vos |les |ces |des |ses )?"
        r"(\w+ )?(instructions|consignes|regles|directives|politiques|restrictions|limites|contraintes|prompt)",
        r"nouvelles? (instructions?|consignes?|regles|directives) ?:",
        r"(tes|vos) (nouvelles|vraies|veritables) (instructions|consignes|regles)",
        r"(tu es|vous etes) (maintenant|desormais|a present|dorenavant) (un|une|en|le|la|l') ?(\w+ ){0,3}(assistant\w*"
        r"|bot|ia|modele|mode|administrateur|admin|developpeur|manager|responsable|sans (limites|restrictions|regles))",
        r"(tu n'es|vous n'etes) plus (un|une) (assistant|agent|bot|ia)",
        r"(fais|faites) comme si (tu etais|vous etiez)|(fais|faites) semblant d'etre",
        r"mode (developpeur|dieu|sans (restrictions?|limites|filtres?))",
        r"(revele|affiche|montre|donne|repete)(-moi| moi)? (ton|votre|le|tes|vos) (prompt|invite systeme|prompt systeme"
        r"|instructions (initiales|cachees|systeme))",
    ],
    "es": [
        r"(ignora|ignore|ignoren|ignorad|ignorar|olvida|olviden|olvidad|olvidar|omite|omita|omitan|omitir|saltate"
        r"|saltese|pasa por alto|pase por alto|no hagas caso (a|de)) (\w+ ){0,3}(instrucciones|indicaciones|reglas|normas"
        r"|directrices|politicas?|restricciones|limites|prompt|consignas)",
        r"nuevas? (instrucciones|reglas|indicaciones|ordenes|directrices) ?:",
        r"(tus|sus) (nuevas|verdaderas|autenticas) (instrucciones|reglas|ordenes)",
        r"(ahora|a partir de ahora|desde ahora|de ahora en adelante) (eres|seras|actuas como|actua como) (un|una|el|la|mi)"
        r" (\w+ ){0,3}(asistente|bot|ia|modelo|administrador|admin|desarrollador|gerente|supervisor|sin (limites"
        r"|restricciones|reglas))",
        r"ya no eres (un|una) (asistente|agente|bot|ia)",
        r"(finge|finja|haz como si|haga como si|simula|simule) (que )?(eres|fueras|es|fuera|ser)",
        r"modo (desarrollador|dios|sin restricciones|sin limites)",
        r"(revela|muestra|dime|ensename|repite)(me)? (tu|tus|el|las|su|sus) (prompt|instrucciones (del sistema|ocultas"
        r"|iniciales)|prompt del sistema)",
    ],
}

#: Chat-format markers: a line that opens a "system" or "instruction" turn, or a model's control tokens.
ROLE_MARKERS = [
    r"^(system|assistant|developer|operator)( prompt| message| note| override| instructions?)? ?: ?(\S+ ){0,3}"
    r"(you|your|ignore|disregard|forget|override|bypass|skip|approve|refund|grant|reset|reveal|print|output|respond"
    r"|reply|act|pretend|the (user|customer|requester|ticket)|new (rules|instructions|policy)|always|never|must|do not"
    r"|don'?t|from now on|sure|certainly|of course|ok|okay|i have|i'?ve|i will|i'?ll|done|understood|as an ai)\b",
    r"^#{1,6} ?(system|instructions?|new instructions?|system prompt|prompt|developer( mode| message)?|assistant)\b",
    r"<\|(im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id)\|>",
    r"\[/?inst\]|<</?sys>>|</?(system|instructions?|prompt|sys)>|\[(system|instructions?)\]",
    # A note the customer wrote to look like the helpdesk's own ("[Internal note from Tier 2]: ...").
    r"^\[?(internal|staff|admin|supervisor|manager|agent|tier ?\d) (note|message|memo|comment)( from [^\]:\n]{0,60})?\]? ?:",
    r"(^|(?<=[.!?] ))(agent|ai|bot|assistant|system|support bot) ?: ?(\S+ ){0,2}(process|refund|approve|execute|proceed"
    r"|go ahead|do it|cancel|reset|grant)\b",
]

_PHRASES = PhraseSet((language, pattern) for language, patterns in PHRASES.items() for pattern in patterns)
_ROLE_MARKERS = PhraseSet((("role marker", pattern) for pattern in ROLE_MARKERS), re.MULTILINE, whole_words=False)
_BASE64_TOKEN = re.compile(rf"[A-Za-z0-9+/_-]{{{BASE64_MIN_LENGTH},}}={{0,2}}")
#: Decoded bytes count as text when at least this share of characters is printable.
_PRINTABLE_SHARE = 0.9


def instructions_to_the_agent(text: object) -> str | None:
    """The first phrase of ``text`` that tries to instruct the agent (folded), or None.

    Never raises, whatever ``text`` is (bytes, huge, binary): it is called on every ticket.
    """
    return _check(as_text(text), BASE64_MAX_DEPTH)


def _check(text: str, depth: int) -> str | None:
    lines = fold(text, keep_lines=True)
    phrase = _PHRASES.first(lines.replace("\n", " "))
    if phrase is not None:
        return phrase[1].group(0)
    marker = _ROLE_MARKERS.first(lines)
    if marker is not None:
        return marker[1].group(0).strip()
    if depth > 0:
        for decoded in _decoded_tokens(text):
            phrase = _check(decoded, depth - 1)
            if phrase is not None:
                return f"{phrase} (base64)"
    return None


def _decoded_tokens(text: str):
    """The text inside the first base64-looking tokens of ``text``, where it decodes to text."""
    for count, token in enumerate(_BASE64_TOKEN.finditer(clean(text))):
        if count == BASE64_MAX_TOKENS:
            return
        decoded = _decode(token.group(0)[:BASE64_MAX_CHARS])
        if decoded is not None:
            yield decoded


def _decode(token: str) -> str | None:
    token = token.rstrip("=")
    if len(token) % 4 == 1:  # never valid: the last character is cut-off noise
        token = token[:-1]
    padded = token + "=" * (-len(token) % 4)
    alphabet = "-_" if ("-" in token or "_" in token) else "+/"
    try:
        raw = base64.b64decode(padded, altchars=alphabet.encode(), validate=True)
    except (binascii.Error, ValueError):
        return None
    decoded = raw.decode("utf-8", errors="replace")
    printable = sum(char.isprintable() or char in "\n\r\t" for char in decoded)
    return decoded if decoded and printable / len(decoded) >= _PRINTABLE_SHARE else None
