"""items_asked and amount_asked: which lines of an order a request asks about, and the sum it asks for."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from hub.understanding.items import ItemsAsked, LineAsked, amount_asked, items_asked, read_amount_asked
from hub.understanding.money import Money

ORDERS = json.loads((Path(__file__).resolve().parents[2] / "eval" / "entities" / "orders.json").read_text())
L = "gid://shopify/LineItem/"


def ask(order, text, **kwargs) -> ItemsAsked:
    return items_asked(text, ORDERS[order], **kwargs)


def lines(result: ItemsAsked) -> dict:
    return {line.line_item_id.removeprefix(L): line.quantity for line in result.included}


def excluded(result: ItemsAsked) -> set:
    return {line_id.removeprefix(L) for line_id in result.excluded}


@pytest.mark.parametrize(
    "order, text, included, kept",
    [
        ("A", "return the jackets, I'll keep the bottles", {"101": 2}, {"102"}),
        ("A", "Ich schicke die Jacken zurück, die Flasche behalte ich.", {"101": 2}, {"102"}),
        ("A", "Je renvoie les vestes, je garde la bouteille", {"101": 2}, {"102"}),
        ("A", "Devuelvo las chaquetas, me quedo con la botella", {"101": 2}, {"102"}),
        ("B", "everything except the boots", {"202": 2}, {"201"}),
        ("B", "Alles zurück außer den Stiefeln", {"202": 2}, {"201"}),
        ("G", "Je retourne tout sauf les chaussettes", {"701": 1, "703": 2, "704": 2}, {"702"}),
        ("B", "Devuelvo todo menos las botas", {"202": 2}, {"201"}),
        # keeping something, nothing else named: the rest of the order
        ("A", "I'll keep the bottles", {"101": 2}, {"102"}),
        ("A", "behalte die Flasche", {"101": 2}, {"102"}),
        ("D", "je garde les chaussettes", {"402": 2}, {"401"}),
        ("B", "me quedo con las botas", {"202": 2}, {"201"}),
        # negations before and after the item
        ("A", "I don't want to return the bottle, just the jackets", {"101": 2}, {"102"}),
        ("A", "Die Flasche möchte ich nicht zurückschicken, nur die Jacken", {"101": 2}, {"102"}),
        ("F", "return all the jackets but not the bottle", {"601": 2, "603": 1}, {"602"}),
        ("G", "devuelvo las botas y los calcetines, los guantes no", {"701": 1, "702": 1}, {"704"}),
        ("C", "Ich behalte alles bis auf die Mützen", {"301": 2}, {"302"}),
        ("D", "cancel the gloves, keep the rest", {"402": 2}, {"401"}),
        # "fine" sets an item aside without keeping it
        ("E", "The daypacks are fine, I want to return the hoodie", {"501": 1}, set()),
    ],
)
def test_included_and_kept(order, text, included, kept):
    result = ask(order, text)
    assert (lines(result), excluded(result), result.unresolved) == (included, kept, ())


@pytest.mark.parametrize(
    "order, text, included",
    [
        ("C", "one of the two caps is torn", {"301": 1}),
        ("C", "Ich möchte eine der beiden Mützen zurückgeben", {"301": 1}),
        ("C", "Je voudrais retourner une des deux casquettes", {"301": 1}),
        ("C", "Quiero devolver una de las dos gorras", {"301": 1}),
        ("C", "les deux casquettes sont abîmées, remboursez-les", {"301": 2}),
        ("E", "beide Rucksäcke zurück bitte", {"502": 2}),
        ("F", "return 2 jackets please", {"601": 2}),  # the same product on two lines: filled in order
        ("C", "Refund $29 for the cap", {"301": 1}),  # singular: one
        ("A", "die Jacke", {"101": 1}),
        ("A", "la veste", {"101": 1}),
        ("A", "la chaqueta", {"101": 1}),
        ("A", "the jackets", {"101": 2}),  # plural: all of them
        ("B", "las botas", {"201": 1}),
        ("D", "les chaussettes", {"401": 1}),
        ("C", "Mütze", {"301": 1}),
        ("G", "casquette", {"703": 1}),
        ("C", "gorra", {"301": 1}),
        ("B", "I want to return the navy tees", {"202": 2}),
        ("C", "Je voudrais échanger le t-shirt noir", {"302": 1}),
        ("E", "le sweat gris est trop grand, je le renvoie", {"501": 1}),
        ("F", "I want to return the Storm Jacket", {"601": 1}),
        ("A", "please return NW-BTL-1L", {"102": 1}),
    ],
)
def test_quantities(order, text, included):
    result = ask(order, text)
    assert (lines(result), result.unresolved) == (included, ())


@pytest.mark.parametrize(
    "order, text",
    [
        ("A", "the whole order"),
        ("A", "I'd like to return the whole order"),
        ("E", "Bitte die ganze Bestellung erstatten"),
        ("D", "Remboursez toute la commande s'il vous plaît"),
        ("A", "Quiero devolver el pedido completo"),
        ("A", "please cancel 1002, I don't need the jackets anymore"),
        ("A", "Refund order 1012 in full please, the jackets are poor quality."),
        ("D", "please refund the gloves and the socks"),  # every line, in full
        ("A", "where is my refund?"),  # nothing item-like
        ("A", ""),
    ],
)
def test_the_whole_order(order, text):
    result = ask(order, text)
    assert result.all_items and not result.unresolved and not result.excluded
    assert lines(result) == {line["id"].removeprefix(L): line["quantity"] for line in ORDERS[order]}


@pytest.mark.parametrize(
    "order, text, why",
    [
        ("A", "I want to return the gloves", "no such item"),
        ("A", "Kann ich den Rucksack umtauschen?", "no such item"),
        ("B", "Je voudrais rendre le pantalon", "no such item"),
        ("C", "Quiero devolver los guantes", "no such item"),
        ("C", "Can I return the blue one?", "no item on the order matches"),
        ("C", "Die rote Mütze möchte ich zurückgeben", "no item on the order matches"),
        ("C", "je veux rendre la bleue", "no item on the order matches"),
        ("C", "quiero devolver la gorra roja", "no item on the order matches"),
        ("F", "please refund both jackets", "says both, the order has 3"),
        ("C", "return three caps", "asks for 3, the order has 2"),
        ("C", "one of the three caps", "says 3, the order has 2"),
        ("A", "return the jackets but keep the jackets", "asked for and kept"),
    ],
)
def test_what_cannot_be_matched_is_unresolved(order, text, why):
    result = ask(order, text)
    assert not result.all_items
    assert result.unresolved and why in " ".join(result.unresolved)


def test_unresolved_quotes_the_customer_s_words():
    assert ask("C", "Die rote Mütze möchte ich zurückgeben").unresolved == ("Die rote Mütze (no item on the order matches)",)


def test_items_named_with_no_action_are_not_acted_on():
    result = ask("E", "The daypacks are fine.")
    assert not result.included and not result.all_items and result.unresolved


def test_to_dict_is_json_ready():
    data = ask("C", "one of the two caps, I'll keep the tee").to_dict()
    assert data == {
        "included": [{"line_item_id": L + "301", "quantity": 1}],
        "excluded": [L + "302"],
        "all_items": False,
        "unresolved": [],
        "reason": "the items named",
    }
    assert LineAsked(L + "301", 1).to_dict() == data["included"][0]


@pytest.mark.parametrize(
    "line_items, message",
    [
        ([{"name": "Steel Bottle 1L", "quantity": 1}], "line item 0 has no id"),
        (["Steel Bottle 1L"], "line item 0 has no id"),
        ([{"id": "x", "name": "Cap", "quantity": "two"}], "quantity that is not a number"),
    ],
)
def test_bad_line_items_are_a_clear_error(line_items, message):
    with pytest.raises(ValueError, match=message):
        items_asked("the cap", line_items)


def test_bytes_are_decoded():
    assert lines(items_asked(b"\xff return the bottle", ORDERS["A"])) == {"102": 1}
    assert amount_asked(b"refund \xff$29") == Money(Decimal("29"), "USD")


def test_no_lines_and_odd_names_never_crash():
    assert items_asked("return the jacket", []).unresolved
    odd = [{"id": "1", "name": None, "quantity": 1}, {"id": "2", "name": "🧢🧢", "quantity": 0, "sku": None}]
    assert isinstance(items_asked("the cap", odd), ItemsAsked)


@pytest.mark.parametrize(
    "text",
    [None, 42, b"\xff\xfe the cap", "\x00" * 1000, "💥" * 50_000, "return the jackets " * 5_000, "the blue " * 20_000,
     "one of the " * 20_000, "not " * 50_000, "1," * 50_000],
)
def test_hostile_text_is_handled(text):
    assert isinstance(items_asked(text, ORDERS["G"]), ItemsAsked)
    assert amount_asked(text) is None or isinstance(amount_asked(text), Money)


# -- amount_asked ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, language, amount, currency",
    [
        ("refund $29", "en", "29", "USD"),
        ("Refund $29 for the cap", "en", "29", "USD"),
        ("I only want 29 € back", "en", "29", "EUR"),
        ("refund the difference of 12,50 €", "en", "12.50", "EUR"),
        ("I paid $240 for the jacket, refund $29 please", "en", "29", "USD"),
        ("Bitte erstatten Sie mir 29 € für die Mütze", "de", "29", "EUR"),
        ("Ich hätte gern die Differenz von 12,50 € zurück", "de", "12.50", "EUR"),
        ("Remboursez-moi 24 € pour les chaussettes", "fr", "24", "EUR"),
        ("Je veux récupérer mes 29 €", "fr", "29", "EUR"),
        ("Quiero que me devuelvan 12,50 €", "es", "12.50", "EUR"),
        ("reembolso de 29 € por la gorra", "es", "29", "EUR"),
    ],
)
def test_the_amount_asked_for(text, language, amount, currency):
    assert amount_asked(text, language=language) == Money(Decimal(amount), currency)


@pytest.mark.parametrize(
    "text, why",
    [
        ("please refund me", "no amount"),
        ("I paid $240 for the jacket", "only as prices"),
        ("Der Betrag von 49,90 EUR wurde doppelt belastet", "only as prices"),
        ("J'ai payé 240 € et 32 €, remboursez-moi", "only as prices"),
        ("refund $29 or $30", "several amounts"),
        ("Please refund me the 80 difference", "no amount"),  # a number with no currency
    ],
)
def test_no_single_amount_asked_says_why(text, why):
    result = read_amount_asked(text)
    assert result.money is None and why in result.reason


@pytest.mark.parametrize(
    "order, text, included",
    [
        ("A", "Refund order 1012 please, the jackets are poor quality.", {"101": 2}),
        ("A", "I want a refund for my order, the bottle leaks", {"102": 1}),
        ("B", "Bitte Bestellung 1001 erstatten, die Stiefel sind kaputt", {"201": 1}),
        ("B", "Remboursez la commande 1001, les bottes sont abîmées", {"201": 1}),
        ("B", "quiero un reembolso del pedido 1001, las botas llegaron rotas", {"201": 1}),
    ],
)
def test_an_order_named_with_some_of_its_items_is_those_items(order, text, included):
    """"Refund order X, the jackets are poor" names the order as the thing to refund and the
    jackets as what is wrong: the jackets are refunded, not the bottle nobody complained of."""
    result = ask(order, text)
    assert (lines(result), result.all_items, result.unresolved) == (included, False, ())


@pytest.mark.parametrize(
    "order, text",
    [
        ("A", "Refund order 1012 in full please, the jackets are poor quality."),
        ("B", "refund my order 1001 the boots broke, full refund please"),
        ("B", "Bitte Bestellung 1001 komplett erstatten, die Stiefel sind kaputt"),
        ("B", "Remboursez la commande 1001 en totalité, les bottes sont abîmées"),
        ("B", "quiero el reembolso total del pedido 1001, las botas llegaron rotas"),
        ("A", "please cancel 1002, I don't need the jackets anymore"),  # a cancellation is of the order
    ],
)
def test_the_whole_said_of_the_refund_is_the_whole_order(order, text):
    assert ask(order, text).all_items


@pytest.mark.parametrize("text, language", [
    ("Return everything but the gloves please", "en"),
    ("Ich möchte alles außer den Handschuhen zurückschicken.", "de"),
    ("Bitte alles bis auf die Handschuhe erstatten.", "de"),
    ("Je renvoie tout sauf les gants.", "fr"),
    ("Quiero devolver todo menos los guantes.", "es"),
])
def test_everything_but_an_item_leaves_that_item_out_in_four_languages(text, language):
    """Read as no item named, these would refund or return the whole order, gloves included."""
    result = ask("G", text, language=language)
    assert excluded(result) == {"704"} and "704" not in lines(result) and not result.all_items


def test_a_german_case_ending_still_names_the_item_and_a_short_word_never_does():
    assert lines(ask("G", "Bitte die Handschuhen erstatten.", language="de")) == {"704": 2}
    assert lines(ask("C", "Mein Teen hat die Mütze kaputt gemacht, bitte erstatten.", language="de")) == {"301": 1}


def test_a_misspelt_cancellation_is_still_of_the_whole_order():
    # "ordered the wrong bottle size" is why, not what: the order goes, not a bottle.
    result = ask("A", "pls cancle 1001 ordered the wrong bottle size. thx", language="en")
    assert result.all_items and not result.unresolved
