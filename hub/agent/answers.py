"""Reading what customers write when a flow needs a value from them: labelled lines
("City: Oxford") and plain choices ("please unsubscribe me").

Nothing here guesses. A free-text address or a sentence that could mean either choice gives
None, and the flow asks again or hands the ticket to a person.
"""

import re

# A label is letters of any script and spaces ("Code postal", "Straße"), then a colon.
_LABELLED_LINE = re.compile(r"^[ \t]*([^\W\d_](?:[^\W\d_]| )*?)[ \t]*:[ \t]*(\S.*?)[ \t]*$", re.MULTILINE)

#: Labels a customer is asked to answer with, and the address field each fills: the English
#: ones and those of the German, French and Spanish questions (config/locale).
_ADDRESS_LABELS = {
    "street": "address1", "address": "address1", "address line 1": "address1",
    "address line 2": "address2", "apartment": "address2", "flat": "address2", "suite": "address2",
    "city": "city", "town": "city",
    "postcode": "zip", "post code": "zip", "postal code": "zip", "zip": "zip", "zip code": "zip",
    "state": "province_code", "province": "province_code", "county": "province_code",
    "country": "country_code",
    # German
    "straße": "address1", "strasse": "address1", "adresse": "address1", "adresszusatz": "address2",
    "ort": "city", "stadt": "city", "plz": "zip", "postleitzahl": "zip", "bundesland": "province_code",
    "land": "country_code",
    # French
    "rue": "address1", "appartement": "address2", "ville": "city", "code postal": "zip",
    "région": "province_code", "pays": "country_code",
    # Spanish
    "calle": "address1", "dirección": "address1", "piso": "address2", "ciudad": "city", "localidad": "city",
    "código postal": "zip", "provincia": "province_code", "país": "country_code",
}

#: Labels for the account details the agent may change (never the email: that is who they are).
_PROFILE_LABELS = {
    "first name": "first_name", "given name": "first_name", "forename": "first_name",
    "last name": "last_name", "surname": "last_name", "family name": "last_name",
    "phone": "phone", "phone number": "phone", "mobile": "phone", "telephone": "phone",
    # German
    "vorname": "first_name", "nachname": "last_name", "familienname": "last_name",
    "telefon": "phone", "telefonnummer": "phone", "handy": "phone", "mobil": "phone",
    # French
    "prénom": "first_name", "nom": "last_name", "nom de famille": "last_name",
    "téléphone": "phone", "portable": "phone",
    # Spanish ("Nombre" / "Apellidos", as Spanish forms ask)
    "nombre": "first_name", "apellido": "last_name", "apellidos": "last_name",
    "teléfono": "phone", "móvil": "phone",
}
_PHONE = re.compile(r"\+?[0-9 ().-]{7,25}")

#: Leaving or joining the newsletter, in English, German, French and Spanish (matched on the
#: folded text: lower case, no accents).
_UNSUBSCRIBE = re.compile(
    r"\b(unsubscribe|opt[ -]?out|stop (sending|emailing)|no (more|longer) (want|emails?|newsletters?)"
    r"|take me off|remove me from"
    r"|abmelden|abbestellen|austragen|keine (werbe-?)?(e-?mails|newsletter) mehr"
    r"|(melden|bestellen|tragen) (sie |du |ihr )?mich (\w+ ){0,4}(ab|aus)"
    r"|desabonner|desinscrire|desinscription|ne (plus|veux plus) recevoir|retirez-moi"
    r"|darme de baja|darse de baja|de baja|cancelar (la )?suscripcion|no (quiero )?recibir mas|desuscribir\w*)\b")
_SUBSCRIBE = re.compile(
    r"\b(subscribe|sign me up|sign up for|opt[ -]?in|add me to"
    r"|anmelden|abonnieren|eintragen|m'inscrire|inscrivez-moi|m'abonner|abonnez-moi|recevoir (votre|la) newsletter"
    r"|suscribirme|suscribir(me)?|apuntarme|darme de alta|recibir (su|el|vuestro) boletin)\b")


def _labelled(text, labels):
    """The first value given for each field ``labels`` knows, from "Label: value" lines."""
    found = {}
    for label, value in _LABELLED_LINE.findall(str(text or "")):
        field = labels.get(" ".join(label.lower().split()))
        if field and field not in found:
            found[field] = value[:255]
    return found


def labelled_address(text):
    """A new address from "Street: … / City: … / Postcode: … / Country: GB" lines, or None when
    a required part is missing."""
    found = _labelled(text, _ADDRESS_LABELS)
    country = found.get("country_code", "").upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        return None
    found["country_code"] = country
    if not all(found.get(field) for field in ("address1", "city", "zip")):
        return None
    return found


def labelled_profile(text):
    """New account details from "First name: … / Last name: … / Phone: …" lines, or None when
    there are none or a phone number is not one."""
    found = _labelled(text, _PROFILE_LABELS)
    if "phone" in found and not _PHONE.fullmatch(found["phone"]):
        return None
    return found or None


def newsletter_choice(text):
    """"unsubscribe" or "subscribe" when the text asks for exactly one of them, else None."""
    from ..understanding.normalise import fold

    text = fold(str(text or ""))
    leave, join = bool(_UNSUBSCRIBE.search(text)), bool(_SUBSCRIBE.search(text))
    if leave == join:
        return None
    return "unsubscribe" if leave else "subscribe"



def answer_entities(text, expects=None, language=None):
    """The entities in a customer's answer, read in the light of the question: asked "which
    order?", a bare "1016" (or "it's 1016", "c'est la 1041") is the order number."""
    from ..understanding.entities import extract

    return extract(text, expects=expects, language=language).to_dict()
