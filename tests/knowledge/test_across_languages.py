"""A question in German, French or Spanish finds the English article that answers it.

The default encoder (multilingual USE) puts the languages in one vector space, so the English
help centre serves all four languages without translated copies.
"""

import pytest

from hub.knowledge import LocalFolderSource

from .conftest import SAMPLE_KB

TRUTH = {a.remote_id: (a.title, a.url) for a in LocalFolderSource(SAMPLE_KB).articles()}


@pytest.mark.parametrize(
    "question, article",
    [
        ("Wie lange dauert der Versand nach Österreich und was kostet der Zoll?", "international-shipping.md"),
        ("Combien de temps faut-il pour que le remboursement arrive sur ma carte bancaire ?", "refund-timelines.md"),
        ("¿Aceptan PayPal o Apple Pay como forma de pago?", "payment-problems.md"),
        ("Je ne reçois plus les codes de mon application d'authentification depuis que j'ai changé de téléphone", "two-factor-authentication.md"),
        ("Ist es möglich, telefonisch zu bestellen oder eine Großbestellung für die Firma aufzugeben?", "how-to-order.md"),
    ],
)
def test_a_question_in_another_language_cites_the_english_article(sample_kb, question, article):
    answer = sample_kb.ask(question)
    assert not answer.refused, answer
    assert answer.citations[0] == TRUTH[article]
