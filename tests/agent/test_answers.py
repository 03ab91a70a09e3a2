"""Reading what customers write when a flow needs a value from them, in four languages."""

import pytest

from hub.agent.answers import answer_entities, newsletter_choice


@pytest.mark.parametrize("text, choice", [
    ("Please unsubscribe me from your newsletter", "unsubscribe"),
    ("sign me up for the newsletter!", "subscribe"),
    ("Bitte melden Sie mich vom Newsletter ab", "unsubscribe"),
    ("Ich möchte keine Werbe-E-Mails mehr", "unsubscribe"),
    ("Ich möchte den Newsletter abonnieren", "subscribe"),
    ("Je veux me désabonner de la newsletter", "unsubscribe"),
    ("Bonjour, je voudrais m'inscrire à votre newsletter", "subscribe"),
    ("Quiero darme de baja del boletín", "unsubscribe"),
    ("Me gustaría suscribirme al boletín", "subscribe"),
    ("subscribe or unsubscribe, whatever", None),  # either: a person decides
    ("what is your newsletter about?", None),
])
def test_a_newsletter_choice_is_read_only_when_it_is_one_of_the_two(text, choice):
    assert newsletter_choice(text) == choice


@pytest.mark.parametrize("text, numbers", [
    ("it's 1016", ["1016"]), ("1016", ["1016"]), ("c'est la 1041", ["1041"]),
    ("the one from last week", []), ("my phone is +44 7700 900123", []), ("I paid 106 EUR", []),
])
def test_a_bare_number_answers_which_order(text, numbers):
    assert answer_entities(text, "order_numbers")["order_numbers"] == numbers
