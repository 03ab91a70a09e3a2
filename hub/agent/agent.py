"""What the agent knows before it meets a ticket: flows, policy and how to read text."""

import re
from functools import cached_property

from ..understanding.entities import extract
from .flows import load_flows
from .policy import Policy

#: Text that addresses the agent rather than the support team. The agent never follows ticket
#: text anyway (flows and policy decide); these tickets go to a human, who should see the attempt.
INSTRUCTIONS_TO_THE_AGENT = re.compile(
    r"ignore (all |any |your |the |previous |prior )*(rules|instructions|polic(y|ies)|guidelines)"
    r"|disregard (all |your |the |previous )*(rules|instructions)"
    r"|^\s*(system|assistant)\s*:|you are now (in |an? )?|new instructions\s*:|(admin|developer|god) mode"
    r"|jailbreak|prompt injection",
    re.IGNORECASE | re.MULTILINE,
)

#: Classifiers are costly to build and identical for the same config: one per folder per process.
_classifiers = {}


class Agent:
    def __init__(self, hub):
        self.hub = hub
        self.policy = Policy.load(hub.config_path / "policy.yaml")
        self.flows = load_flows(hub.config_path / "flows", hub.registry)
        self.flow_for_intent = {intent: flow for flow in self.flows.values() for intent in flow.intents}

    @cached_property
    def classifier(self):
        from ..understanding.intents import IntentClassifier

        key = str(self.hub.config_path.resolve())
        if key not in _classifiers:
            _classifiers[key] = IntentClassifier.from_config(self.hub.config_path)
        return _classifiers[key]

    @cached_property
    def assistant(self):
        """The optional language model (settings ``llm``): a second opinion on unsure tickets,
        answering only with an intent of the taxonomy. None when none is configured."""
        from ..understanding.llm import LanguageModelAssistant, load_chat_model
        from ..understanding.taxonomy import load_taxonomy

        model = load_chat_model(self.hub.settings.llm)
        return LanguageModelAssistant(model, load_taxonomy(self.hub.config_path)) if model else None

    @cached_property
    def knowledge(self):
        """The hub's knowledge base (chromadb, synced by ``hub kb sync``)."""
        from ..knowledge.knowledge_base import KnowledgeBase

        return KnowledgeBase.open(self.hub.settings)

    def understand(self, text):
        """``(intent, confidence, unsure, entities, source)`` for a ticket's text."""
        classification = self.classifier.classify(text)
        if classification.unsure and self.assistant is not None:
            classification = self.assistant.second_opinion(text, classification)
        intent = classification.intent if not classification.unsure else classification.best_guess
        # A model's pick stands although the classifier's calibrated score for it is low: that
        # is what the second opinion is for. The flow and policy still decide every action.
        unsure = classification.unsure or (classification.source != "llm"
                                            and classification.confidence < self.policy.threshold_for(intent))
        return intent, float(classification.confidence), unsure, extract(text).to_dict(), classification.source

    @staticmethod
    def addresses_the_agent(text):
        """The first phrase of ``text`` that tries to instruct the agent, or None."""
        found = INSTRUCTIONS_TO_THE_AGENT.search(text or "")
        return found.group(0).strip() if found else None

    def fallback_flow(self):
        """The flow for tickets no other flow takes (talk to a human, unsure intents)."""
        return self.flows.get("handoff")
