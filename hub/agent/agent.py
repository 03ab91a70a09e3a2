"""What the agent knows before it meets a ticket: flows, policy and how to read text."""

from functools import cached_property

from ..understanding.entities import extract
from .flows import load_flows
from .policy import Policy

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

    def understand(self, text):
        """``(intent, confidence, unsure, entities)`` for a ticket's text."""
        classification = self.classifier.classify(text)
        intent = classification.intent if not classification.unsure else classification.best_guess
        unsure = classification.unsure or classification.confidence < self.policy.threshold_for(intent)
        return intent, float(classification.confidence), unsure, extract(text).to_dict()

    def fallback_flow(self):
        """The flow for tickets no other flow takes (talk to a human, unsure intents)."""
        return self.flows.get("handoff")
