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
    assert hub.agent.flow_for_intent[intent].name == "order_status"  # the flow still decides what happens


def test_a_model_answer_outside_the_taxonomy_is_ignored(tmp_path):
    hub = hub_with(tmp_path, {"provider": "langchain", "class": "scripted_llm:ScriptedIntentModel",
                              "kwargs": {"intent": "refund_everything_now"}})
    intent, confidence, unsure, entities, source = hub.agent.understand(VAGUE)
    assert unsure and source == "classifier"
