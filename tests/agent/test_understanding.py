"""How the agent reads a ticket: the classifier, and the optional language model's second opinion."""

import shutil
from pathlib import Path

import pytest
import yaml

from hub.runtime import Hub
from hub.understanding.actions import asks_about_a_refund

REPO = Path(__file__).resolve().parents[2]
VAGUE = "I was charged and the parcel never came and I want to close my account"


def hub_with(tmp_path, llm=None):
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    settings = yaml.safe_load((config / "settings.yaml").read_text())
    settings.update(data_dir=str(tmp_path / "var"), llm=llm)
    (config / "settings.yaml").write_text(yaml.safe_dump(settings))
    return Hub.load(config, env={})


def test_without_a_model_a_vague_ticket_is_unsure(tmp_path):
    intent, confidence, unsure, entities, source = hub_with(tmp_path).agent.understand(VAGUE)
    assert unsure and source == "classifier"


def test_a_configured_model_gives_a_second_opinion_within_the_taxonomy(tmp_path):
    hub = hub_with(tmp_path, {"provider": "langchain", "class": "scripted_llm:ScriptedIntentModel",
                              "kwargs": {"intent": "order_status"}})
    intent, confidence, unsure, entities, source = hub.agent.understand(VAGUE)
    assert (intent, unsure, source) == ("order_status", False, "llm")
    assert hub.agent.flow_for(intent, "customers").name == "order_status"  # the flow still decides what happens


def test_a_model_answer_outside_the_taxonomy_is_ignored(tmp_path):
    hub = hub_with(tmp_path, {"provider": "langchain", "class": "scripted_llm:ScriptedIntentModel",
                              "kwargs": {"intent": "refund_everything_now"}})
    intent, confidence, unsure, entities, source = hub.agent.understand(VAGUE)
    assert unsure and source == "classifier"


FACTS = {"kb": {"text": "Refunds reach your card in 5-10 days.",
                "citations": [{"title": "Returns and refunds", "url": "https://help.example/360001"}]}, "_asks": 0}


def test_without_a_model_the_template_text_goes_out(tmp_path):
    from hub.agent.nodes import drafted

    assert drafted(hub_with(tmp_path), FACTS, "template text") == "template text"


def test_a_configured_model_words_the_reply_from_the_articles(tmp_path):
    from hub.agent.nodes import drafted

    hub = hub_with(tmp_path, {"provider": "langchain", "class": "scripted_llm:ScriptedDraftModel",
                              "kwargs": {"body": "Refunds take 5-10 days (see Returns and refunds).", "cites": ["1"]}})
    assert drafted(hub, FACTS, "template text") == "Refunds take 5-10 days (see Returns and refunds)."


def test_a_draft_citing_an_article_it_was_not_given_is_not_sent(tmp_path):
    from hub.agent.nodes import drafted

    hub = hub_with(tmp_path, {"provider": "langchain", "class": "scripted_llm:ScriptedDraftModel",
                              "kwargs": {"body": "Made up.", "cites": ["999"]}})
    assert drafted(hub, FACTS, "template text") == "template text"



def test_a_refund_asked_for_is_not_answered_as_a_status_question(tmp_path):
    """The classifier reads "Can you just refund it now?" as refund_status; answered "no refund
    yet" the request would be closed unanswered, so with no word of a refund awaited it is unsure."""
    intent, _, unsure, _, why = hub_with(tmp_path).agent._understood("Can you just refund it now?")
    assert (intent, unsure) == ("refund_status", True) and "asks for a refund" in why


@pytest.mark.parametrize("text, awaited", [
    ("I'm waiting for a refund of $299", True),
    ("Has my refund for 1031 been issued?", True),
    ("Why was I refunded only half of order 1031?", True),
    ("Ich warte noch auf meine Erstattung", True),
    ("Toujours pas reçu mon remboursement", True),
    ("¿Dónde está mi reembolso?", True),
    ("I'd like a refund for 1014, it is taking far too long.", False),
    ("Can you just refund it now?", False),
    ("Bitte erstatten Sie mir die Jacke.", False),
])
def test_words_of_a_refund_awaited_in_four_languages(text, awaited):
    assert asks_about_a_refund(text) is awaited
