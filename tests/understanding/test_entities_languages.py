"""Entities in English, German, French and Spanish: the written forms, the hard negatives, the conventions."""

from datetime import date
from decimal import Decimal

import pytest

from hub.understanding.entities import Money, extract, parse_number

TODAY = date(2026, 11, 26)  # a Thursday


def ents(text, **kwargs):
    return extract(text, today=TODAY, **kwargs)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("#1014", ["1014"]),
        ("order no. 1014", ["1014"]),
        ("order number 1014", ["1014"]),
        ("ord1014", ["1014"]),
        ("ORD-1014", ["1014"]),
        ("my order (1014) is late", ["1014"]),
        ("my order, number 1014", ["1014"]),
        ("orders 1001 and 1026", ["1001", "1026"]),
        ("orders 1001, 1002 & 1003", ["1001", "1002", "1003"]),
        ("my order number is 1019", ["1019"]),
        ("order_id=1014 status=pending", ["1014"]),
        ("Bestellung 1016", ["1016"]),
        ("Bestell-Nr. 1016", ["1016"]),
        ("Bestellnummer: 1016", ["1016"]),
        ("Auftrag 1016", ["1016"]),
        ("Bestellungen 1062 und 1063", ["1062", "1063"]),
        ("meine Bestellung mit der Nummer 1079", ["1079"]),
        ("meine Bestellung vom 3. März (Nr. 1060)", ["1060"]),
        ("commande n° 1041", ["1041"]),
        ("commande numéro 1041", ["1041"]),
        ("n°1041", ["1041"]),
        ("Le numéro de commande est 1066", ["1066"]),
        ("les commandes 1071 et 1074", ["1071", "1074"]),
        ("pedido nº 1041", ["1041"]),
        ("pedido número 1041", ["1041"]),
        ("orden #1041", ["1041"]),
        ("mi pedido 1041", ["1041"]),
        ("El número de pedido es 1081", ["1081"]),
        ("pedidos 1068 y 1070", ["1068", "1070"]),
        # bare, where customers put them
        ("Where's 1014?", ["1014"]),
        ("please cancel 1002, thanks", ["1002"]),
        ("can you refund the bottle on 1037", ["1037"]),
        ("wo ist 1016?", ["1016"]),
        ("Bitte 1041 stornieren.", ["1041"]),
        ("Où a été livrée la 1016 ?", ["1016"]),
        ("Cancelen el 1001 porfa.", ["1001"]),
        ("1012 and 1037\n\nWhat is the status of both?", ["1012", "1037"]),
        ("¿¿Dónde está mi pedido?? 1016.", ["1016"]),
    ],
)
def test_order_numbers_in_every_common_form(text, expected):
    assert list(ents(text).order_numbers) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I bought it in 2025",
        "Ich habe 2025 schon einmal bestellt",
        "it cost 1014 dollars",
        "call 0161 496 0000",
        "Rufen Sie mich an: 030 1234567",
        "12 rue de Rivoli, 75001 Paris",
        "Calle Mayor 10, 28013 Madrid",
        "Hauptstraße 5, 10115 Berlin",
        "I have 2 x 1016 in my basket",
        "delivered on 12/03/2026",
        "Ticket #10452 was closed",
        "Mein Ticket #20931",
        "My case 00001026 is still open",
        "incident INC0010001",
        "Tracking number 1Z999AA10123456784",
        "Die Sendungsnummer ist 00340434161234567890",
        "Line 1014: NullPointerException at Checkout.java",
        "Invoice #2045 has the wrong VAT number",
        "facture n° 7781 incorrecte",
        "Rechnung Nr. 5521 ist falsch",
        "I'd like to order 200 mugs for the team",
        "order 250 units",
        "Ich möchte 300 Stück bestellen",
        "Je voudrais commander 150 pièces",
        "He pedido 200 unidades",
        "ma commande, 256 Go au lieu de 128 Go",
        "send it to my neighbour at number 137",
        "for 2025 I would like a catalogue",
    ],
)
def test_numbers_that_are_not_order_numbers(text):
    assert ents(text).order_numbers == ()


def test_a_later_number_joins_a_list_only_when_it_looks_like_an_order_number():
    assert ents("order 1001 and 250 units of socks").order_numbers == ("1001",)


@pytest.mark.parametrize(
    "reply, expected",
    [
        ("1016", ("1016",)),
        ("it's 1016", ("1016",)),
        ("1016, thanks!", ("1016",)),
        ("Es ist die 1016.", ("1016",)),
        ("c'est la 1041", ("1041",)),
        ("1001 and 1026", ("1001", "1026")),
        ("75001 Paris", ()),
        ("0161 496 0000", ()),
        ("from 2025", ()),
        ("$1016", ()),
        ("the jackets one", ()),
    ],
)
def test_a_bare_number_answers_a_question_for_the_order_number(reply, expected):
    assert ents(reply, expects="order_numbers").order_numbers == expected


def test_a_bare_number_is_no_answer_when_nothing_was_asked():
    assert ents("it's 1016").order_numbers == ()


# -- amounts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, language, amount, currency",
    [
        ("$29", "en", "29", "USD"),
        ("29 USD", "en", "29", "USD"),
        ("US$ 29.99", "en", "29.99", "USD"),
        ("29 dollars", "en", "29", "USD"),
        ("£12.5", "en", "12.5", "GBP"),
        ("EUR 12.50", "en", "12.50", "EUR"),
        ("1,234.56 USD", "en", "1234.56", "USD"),
        ("1.234,56 €", "de", "1234.56", "EUR"),
        ("29,- €", "de", "29", "EUR"),
        ("12 Euro", "de", "12", "EUR"),
        ("CHF 1'234.50", "de", "1234.50", "CHF"),
        ("1.234 €", "de", "1234", "EUR"),
        ("1 234,56 €", "fr", "1234.56", "EUR"),
        ("1\u202f234,56\u00a0€", "fr", "1234.56", "EUR"),
        ("12,50 $", "fr", "12.50", "USD"),
        ("€ 12,50", "fr", "12.50", "EUR"),
        ("12 euros", "fr", "12", "EUR"),
        ("30 balles", "fr", "30", "EUR"),
        ("1.234 €", "fr", "1234", "EUR"),
        ("1.234,56 €", "es", "1234.56", "EUR"),
        ("29 pavos", "es", "29", "EUR"),
        ("45 dólares", "es", "45", "USD"),
        ("12,50 €", "es", "12.50", "EUR"),
    ],
)
def test_amounts_in_each_locales_forms(text, language, amount, currency):
    assert ents(f"x {text} y", language=language).amounts == (Money(Decimal(amount), currency),)


@pytest.mark.parametrize(
    "text, language",
    [
        ("1,234 €", "de"),  # the German decimal comma before three digits: 1.234 or 1234?
        ("1,234 €", "fr"),
        ("1,234 €", "es"),
        ("$1.234", "en"),  # the English decimal point before three digits
        ("29,-", "de"),  # a price with no currency
        ("zwölf Euro", "de"),  # digits only
        ("twelve dollars", "en"),
        ("30 balles de tennis", "fr"),
    ],
)
def test_ambiguous_or_currencyless_amounts_are_not_read(text, language):
    assert ents(text, language=language).amounts == ()


@pytest.mark.parametrize(
    "written, language, value",
    [
        ("1,234", None, "1234"),  # without a language: a lone separator before three digits groups
        ("1.234", None, "1234"),
        ("1,23", None, "1.23"),
        ("1,234", "en", "1234"),
        ("1.234", "en", None),
        ("1,23", "en", "1.23"),
        ("1.234", "de", "1234"),
        ("1,234", "de", None),
        ("1,23", "de", "1.23"),
        ("1.234", "fr", "1234"),
        ("1,234", "fr", None),
        ("1.234", "es", "1234"),
        ("1,234", "es", None),
        ("1.234.567", "de", "1234567"),
        ("1.234,5", "en", "1234.5"),
        ("1 234,56", "fr", "1234.56"),
        ("1'234.50", "de", "1234.50"),
        ("29,-", "de", "29"),
    ],
)
def test_separator_readings_per_language(written, language, value):
    assert parse_number(written, language) == (None if value is None else Decimal(value))


def test_spaces_do_not_group_digits_in_english():
    assert ents("I bought 2 250 € jackets", language="en").amounts == ()
    assert ents("2 250 €", language="fr").amounts == (Money(Decimal("2250"), "EUR"),)


def test_without_a_language_the_old_convention_holds():
    assert ents("1,234 €").amounts == (Money(Decimal("1234"), "EUR"),)


# -- dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("March 3rd", date(2026, 3, 3)),
        ("3. März", date(2026, 3, 3)),
        ("am 3. März 2025", date(2025, 3, 3)),
        ("am 3.3. bestellt", date(2026, 3, 3)),
        ("seit dem 20.11. warte ich", date(2026, 11, 20)),
        ("le 3 mars", date(2026, 3, 3)),
        ("le 1er décembre", date(2026, 12, 1)),
        ("3 de marzo", date(2026, 3, 3)),
        ("el 1º de marzo de 2025", date(2025, 3, 1)),
        ("el 5 de nov.", date(2026, 11, 5)),
        ("Geliefert am 05.11.2026", date(2026, 11, 5)),
        ("yesterday", date(2026, 11, 25)),
        ("gestern", date(2026, 11, 25)),
        ("ayer", date(2026, 11, 25)),
        ("vorgestern", date(2026, 11, 24)),
        ("avant-hier", date(2026, 11, 24)),
        ("anteayer", date(2026, 11, 24)),
        ("the day before yesterday", date(2026, 11, 24)),
        ("3 days ago", date(2026, 11, 23)),
        ("vor einer Woche", date(2026, 11, 19)),
        ("il y a deux jours", date(2026, 11, 24)),
        ("hace 3 días", date(2026, 11, 23)),
        ("I ordered on Monday", date(2026, 11, 23)),
        ("am Montag bestellt", date(2026, 11, 23)),
        ("j'ai commandé lundi", date(2026, 11, 23)),
        ("el lunes", date(2026, 11, 23)),
        ("on Thursday", date(2026, 11, 26)),  # today is a Thursday: the latest Thursday is today
        ("last Thursday", date(2026, 11, 19)),
        ("letzten Freitag", date(2026, 11, 20)),
        ("lundi dernier", date(2026, 11, 23)),
        ("el lunes pasado", date(2026, 11, 23)),
        ("next Tuesday", date(2026, 12, 1)),
        ("nächsten Dienstag", date(2026, 12, 1)),
        ("vendredi prochain", date(2026, 11, 27)),
        ("el próximo lunes", date(2026, 11, 30)),
        ("llega mañana", date(2026, 11, 27)),
    ],
)
def test_dates_in_four_languages(text, expected):
    assert ents(text).dates == (expected,)


@pytest.mark.parametrize(
    "text, language",
    [
        ("Hier ist meine Bestellnummer", "de"),  # "hier" is "here" in German
        ("Ich bin hier", None),
        ("esta mañana llegó roto", "es"),  # morning, not tomorrow
        ("Black Friday deal", "en"),
        ("Mardi gras", "fr"),
        ("in November", "en"),
        ("last week", "en"),
        ("Version 2.3.1", "de"),
        ("3 ago", None),
    ],
)
def test_words_that_are_not_dates(text, language):
    assert ents(text, language=language).dates == ()


def test_french_hier_needs_the_language():
    assert ents("reçu hier", language="fr").dates == (date(2026, 11, 25),)
    assert ents("reçu hier").dates == ()


def test_dates_in_order_of_appearance():
    assert ents("Bestellt am Freitag, geliefert heute").dates == (date(2026, 11, 20), date(2026, 11, 26))


def test_the_existing_fields_keep_their_shape_with_a_language():
    data = ents("Bestellung 1016, 12,50 € am 3. März, a@b.de", language="de").to_dict()
    assert data["order_numbers"] == ["1016"]
    assert data["amounts"] == [{"amount": "12.50", "currency": "EUR"}]
    assert data["dates"] == ["2026-03-03"]
    assert data["emails"] == ["a@b.de"]


def _pasted_log() -> str:
    lines = [f"2026-11-{1 + n % 28:02d}T10:{n % 60:02d}:00Z INFO order_id={1000 + n} line {n} took {n % 997} ms "
             f"amount=EUR {n % 300},{n % 100:02d} at com.shop.Checkout(Checkout.java:{n % 900})" for n in range(1200)]
    return "\n".join(lines)[:100_000]


@pytest.mark.parametrize(
    "text",
    [_pasted_log(), "😀🙈💥" * 34_000, bytes(range(256)) * 400, "\u202f1" * 50_000, "n° " * 30_000, "la 1016 " * 12_000,
     "where is " * 11_000, "1.234,5" * 14_000, "hace " * 20_000],
)
def test_bad_input_never_raises(text):
    for language in (None, "en", "de", "fr", "es"):
        assert isinstance(extract(text, today=TODAY, language=language, expects="order_numbers").to_dict(), dict)


@pytest.mark.parametrize("text, expected", [
    ("Cancel 1001 and 1016 please", ("1001", "1016")),
    ("refund 1026, 1027 and 1028", ("1026", "1027", "1028")),
    ("Bitte 1062 und 1063 stornieren", ("1062", "1063")),
    ("cancel 1001 and 2 caps", ("1001",)),
    ("cancel 1001 and 2025 was a bad year", ("1001",)),
    ("wo ist 1016 und 10 Euro zurück", ("1016",)),
])
def test_a_list_goes_on_from_a_bare_order_number(text, expected):
    assert ents(text).order_numbers == expected


@pytest.mark.parametrize("text, expected", [
    ("pls cancle 1202 ordered the wrong bottle size", ("1202",)),
    ("refnd 1014 pls", ("1014",)),
    ("retrun 1016, too small", ("1016",)),
])
def test_a_bare_order_number_after_a_misspelt_order_verb(text, expected):
    assert ents(text).order_numbers == expected
