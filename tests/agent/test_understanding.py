"""How the agent reads a ticket: the classifier, and the optional language model's second opinion."""

import shutil
from pathlib import Path

import yaml

from hub.runtime import Hub

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
