"""A part of an order asked for with no sum or items to price it, in four languages — and the
words that look like one and are not."""

import pytest

from hub.agent.scope import scope
from hub.understanding.shares import share_asked


@pytest.mark.parametrize("text", [
    "Refund 50% of 1026 please, half the items were wrong",
    "I'd like a partial refund for order 1026.",
    "Please refund half of order 1026.",
    "The price dropped, refund the difference.",
    "Bitte erstatten Sie mir die Hälfte von Bestellung 1026.",
    "Ich möchte eine Teilerstattung für 1026.",
    "Remboursez-moi la moitié de la commande 1026.",
    "Je demande un remboursement partiel.",
    "Quiero la mitad del dinero del pedido 1026.",
    "Solicito un reembolso parcial del pedido 1026.",
    "Devuélvanme el 30 % del pedido 1026.",
])
def test_an_unsized_part_is_found(text):
    assert share_asked(text)


@pytest.mark.parametrize("text", [
    "Refund $29 for the cap on 1026.",
    "Refund the cap, I waited half an hour on the phone for nothing.",
    "I'm 100% sure it was the cap: refund it please.",
    "Please refund order 1026 on behalf of my company.",
    "Bitte erstatten Sie die Mütze aus 1026.",
])
def test_words_that_are_no_share(text):
    assert share_asked(text) is None


ORDER = {"line_items": [{"id": "gid://shopify/LineItem/1", "name": "Trail Cap", "quantity": 2,
                         "unit_price": {"amount": "29.00", "currency": "USD"}},
                        {"id": "gid://shopify/LineItem/2", "name": "Merino Tee", "quantity": 1,
                         "unit_price": {"amount": "57.50", "currency": "USD"}}],
         "total": {"amount": "115.50", "currency": "USD"}, "refundable": {"amount": "115.50", "currency": "USD"}}


def test_a_share_is_never_read_as_the_whole_order():
    asked = scope("Refund 50% of 1026 please", ORDER, "en")
    assert asked["unresolved"] and "50%" in asked["unresolved"][0]  # the flow hands it to a person
    assert scope("Refund order 1026 please", ORDER, "en")["unresolved"] == []
    assert scope("Refund $29 for a cap, that's half of what I paid", ORDER, "en")["unresolved"] == []
