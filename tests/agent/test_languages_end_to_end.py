"""Tickets in German, French and Spanish through the whole path: Zendesk sandbox → /hooks →
the agent → Shopify and the knowledge base → the reply the customer reads.

Reading the language and the intent of a German ticket is the classifier's work (branch
``classifier``: py3langid and a multilingual encoder). Until it is merged the agent here reads
each ticket as that work will — its language and intent, nothing else — and everything after
the reading is the real thing. Once the real reading gives the same, nothing is changed.
"""

import dataclasses

import pytest
from sqlmodel import select

from hub.models import InboundEvent


@pytest.fixture
def reads_as(world, monkeypatch):
    """``reads_as(language, intent)``: tickets are read as written in ``language`` asking ``intent``."""
    agent = world.hub.agent
    real = agent.read

    def arrange(language, intent):
        def read(text, requester_email=None, subject=""):
            reading = real(text, requester_email=requester_email, subject=subject)
            first = reading.requests[0]
            if (reading.language, first.intent, first.unsure) == (language, intent, False):
                return reading
            request = dataclasses.replace(first, intent=intent, confidence=0.95, unsure=False)
            return dataclasses.replace(reading, language=language, language_supported=True, requests=(request,))

        monkeypatch.setattr(agent, "read", read)

    return arrange


def _process(world, count=1):
    from hub import inbound

    world.wait_for_events(count)
    with world.session() as session:
        events = session.exec(select(InboundEvent.id).order_by(InboundEvent.id)).all()
    for event_id in events[-1:]:
        inbound.handle_event(world.hub, event_id)  # processed in this process
    [run] = world.runs()
    return run


def test_a_german_order_status_ticket_is_answered_in_german(world, reads_as):
    ticket = world["zendesk"].ticket("margaret@example.com", "Wo ist meine Bestellung?",
                                  "Guten Tag, meine Bestellung 1016 ist noch nicht angekommen. Wo ist sie gerade?")
    run = _process(world)
    assert (run.flow, run.state.value, run.facts["language"]) == ("order_status", "resolved", "de"), run.reason
    [reply] = world["zendesk"].replies(ticket["id"])
    assert reply.startswith("Guten Tag Margaret Hamilton,\n\nSo steht es um Ihre Bestellung #1016: versandt.")
    assert "Sendung mit DHL Express: Sendungsnummer JD0146000008045704" in reply
    assert "Wie zufrieden sind Sie mit uns? Bewerten Sie diese Antwort: " + world.url + "/survey/" in reply
    assert not any(english in reply for english in ("Here is where", "tracking number", "How did we do"))
    assert world["zendesk"].state(ticket["id"])["status"] == "solved"


def test_a_spanish_customer_is_asked_for_the_order_number_in_spanish(world, reads_as):
    ticket = world["zendesk"].ticket("margaret@example.com", "¿Dónde está mi pedido?",
                                  "Hola, hice un pedido la semana pasada y todavía no ha llegado.")
    run = _process(world)
    assert run.state.value == "waiting_customer", run.reason
    [question] = world["zendesk"].replies(ticket["id"])
    assert question.startswith("¡Gracias por escribirnos! ¿Podría indicarnos su número de pedido?")


def test_a_french_knowledge_question_gets_the_french_article_or_a_hand_over(world, reads_as):
    world.sync_knowledge()
    answered = world["zendesk"].ticket("ada@example.com", "Retours",
                                    "Bonjour, combien de temps ai-je pour retourner un article ?")
    run = _process(world)
    assert (run.flow, run.state.value) == ("knowledge_answer", "resolved"), run.reason
    [reply] = world["zendesk"].replies(answered["id"])
    assert "retour" in reply.lower()  # the French article's own words, quoted
    assert "Politique de retour : https://help.brightline.example/fr/articles/returns-policy" in reply
    assert "répondez simplement ici et un membre de notre équipe prendra le relais" in reply
    assert "help.brightline.example/articles/" not in reply  # no English article is cited


def test_a_french_question_only_an_english_article_answers_is_handed_over(world, reads_as):
    world.sync_knowledge()
    # Read as a general question (it is a password question, which a customer helpdesk hands
    # over anyway): what is tested is that no English article answers a French customer.
    reads_as("fr", "contact_info")
    ticket = world["zendesk"].ticket("ada@example.com", "Mot de passe",
                                  "J'ai oublié mon mot de passe, comment puis-je le réinitialiser ?")
    run = _process(world)
    assert (run.state.value, run.escalation) == ("escalated", "no_answer"), run.reason
    assert "in fr" in run.reason
    assert world["zendesk"].replies(ticket["id"]) == []  # nothing in English was sent instead


def test_a_message_without_a_translation_hands_the_ticket_over_with_code_language(world, reads_as):
    from babel.messages.pofile import read_po, write_po

    from hub.i18n.catalogue import catalogue_path

    po = catalogue_path(world.config / "locale", "de")  # an operator removes the answer's translation
    with open(po, "rb") as file:
        catalog = read_po(file)
    [answer] = [m for m in catalog if m.auto_comments == ["order_status.answer.message"]]
    answer.string = ""
    with open(po, "wb") as file:
        write_po(file, catalog)
    assert world.hub.agent.refresh()  # a running hub takes the edited catalogue up
    ticket = world["zendesk"].ticket("margaret@example.com", "Bestellung 1016", "Wo ist meine Bestellung 1016?")
    run = _process(world)
    assert (run.state.value, run.escalation) == ("escalated", "language"), run.reason
    assert run.reason.startswith("no translation in German (de) of the message 'Hi {{ requester.name or \"there\" }},")
    assert "(flow order_status, node answer)" in run.reason
    assert world["zendesk"].replies(ticket["id"]) == []  # never the English text instead
    notes = [c["body"] for c in world["zendesk"].state(ticket["id"])["comments"] if not c.get("public")]
    assert notes and "hub i18n check" in notes[-1]
