"""What the agent knows before it meets a ticket: flows, policy and how to read text.

Policy, flows and their translations follow their files while the hub runs: every process looks
at config/policy.yaml, config/flows/*.yaml and config/locale/*/LC_MESSAGES/messages.po at most
once per ``RELOAD_CHECK_SECONDS`` and loads them again when their content changed. Files that no longer validate are not taken up: the
process keeps the last good version, logs why and shows it as ``Agent.reload_error``.
"""

import hashlib
import logging
import threading
import time
from functools import cached_property
from typing import NamedTuple

from ..errors import HubError
from ..i18n.catalogue import Catalogues
from ..understanding.actions import asks_about_a_refund, asks_for, sends_goods_back
from ..understanding.entities import extract
from ..understanding.injection import instructions_to_the_agent
from .flows import flows_by_intent, load_flows
from .plan import make_plan
from .policy import Policy
from .reading import Reader

log = logging.getLogger(__name__)

#: How often (seconds) a process looks for edited policy and flow files. An edit saved from the
#: web app reaches the web process at once (it calls ``refresh``) and every worker within this.
RELOAD_CHECK_SECONDS = 1.0

#: Classifiers are costly to build and identical for the same config: one per folder per process.
_classifiers = {}


class AgentConfig(NamedTuple):
    """One consistent version of the policy, the flows and their translations."""

    policy: Policy
    flows: dict
    #: ``{(intent, audience): flow}``: which flow takes an intent in each world.
    by_intent: dict
    #: The risk triggers of config/risks.yaml (which of them count is the policy's call).
    risks: object
    #: The customer-facing texts in German, French and Spanish (hub.i18n).
    messages: Catalogues
    #: One line per flow left out because a connector it calls is not loaded.
    skipped_flows: tuple = ()


def agent_files(config_path):
    """The files the agent's behaviour comes from: the policy, the risk triggers, every flow and
    its translations."""
    return [config_path / "policy.yaml", config_path / "risks.yaml", *sorted((config_path / "flows").glob("*.yaml")),
            *sorted((config_path / "locale").glob("*/LC_MESSAGES/*.po"))]


def config_fingerprint(config_path):
    """A digest of the agent's files, names and content: it changes with any edit, added or
    removed flow. Content rather than modification times, which can tie for two quick saves."""
    digest = hashlib.sha256()
    for path in agent_files(config_path):
        try:
            content = path.read_bytes()
        except FileNotFoundError:  # no policy.yaml (defaults), or a flow removed meanwhile
            continue
        digest.update(f"{path.relative_to(config_path)}\0{len(content)}\0".encode())
        digest.update(content)
    return digest.hexdigest()


def load_agent_config(config_path, registry):
    policy = Policy.load(config_path / "policy.yaml")
    skipped = []
    flows = load_flows(config_path / "flows", registry, skipped)
    for line in skipped:
        log.warning("%s", line)
    from ..understanding.risks import RiskDetector

    return AgentConfig(policy, flows, flows_by_intent(flows), RiskDetector.from_config(config_path),
                       Catalogues.load(config_path / "locale"), tuple(skipped))


class Agent:
    def __init__(self, hub):
        self.hub = hub
        #: Why the files on disk were not taken up (they did not validate), or None.
        self.reload_error = None
        self._lock = threading.Lock()
        # The fingerprint before loading: an edit landing during the load is seen next time.
        self._fingerprint = config_fingerprint(hub.config_path)
        self._config = load_agent_config(hub.config_path, hub.registry)  # invalid files stop start-up
        self._checked_at = time.monotonic()

    @property
    def policy(self):
        return self._current().policy

    @property
    def flows(self):
        return self._current().flows

    @property
    def by_intent(self):
        return self._current().by_intent

    @property
    def skipped_flows(self):
        """One line per flow file left out: a connector it calls is not loaded."""
        return self._current().skipped_flows

    @property
    def messages(self):
        """The catalogues customer-facing texts are translated from (hub.i18n.catalogue)."""
        return self._current().messages

    @property
    def flow_for_intent(self):
        """``{intent: [flow, ...]}``: every flow that takes the intent, in either world."""
        handled = {}
        for (intent, _), flow in sorted(self.by_intent.items(), key=lambda item: item[0]):
            if flow not in handled.setdefault(intent, []):
                handled[intent].append(flow)
        return handled

    def flow_for(self, intent, audience):
        return self.by_intent.get((intent, audience))

    def _current(self):
        if time.monotonic() - self._checked_at >= RELOAD_CHECK_SECONDS:
            self.refresh()
        return self._config

    def refresh(self):
        """Load policy and flows again if their files changed; True when a new version was taken up.

        A version that does not validate is refused and the last good one kept: a hand edit gone
        wrong must not stop a running hub (a restart would refuse to start, naming the problem).
        """
        with self._lock:
            self._checked_at = time.monotonic()
            fingerprint = config_fingerprint(self.hub.config_path)
            if fingerprint == self._fingerprint:
                return False
            self._fingerprint = fingerprint  # a bad version is reported once, not every check
            try:
                config = load_agent_config(self.hub.config_path, self.hub.registry)
            except HubError as error:
                self.reload_error = str(error)
                log.error("agent: kept the previous policy, flows and translations; the files on disk do not validate: %s", error)
                return False
            self._config, self.reload_error = config, None
            log.info("agent: policy and flows reloaded from %s", self.hub.config_path)
            return True

    @cached_property
    def classifier(self):
        from ..understanding.intents import IntentClassifier

        key = str(self.hub.config_path.resolve())
        if key not in _classifiers:
            _classifiers[key] = IntentClassifier.from_config(self.hub.config_path, self.hub.settings.embeddings)
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
        intent, confidence, unsure, source, _ = self._understood(text)
        return intent, confidence, unsure, extract(text).to_dict(), source

    def _understood(self, text):
        """``(intent, confidence, unsure, source, why unsure)``."""
        classification = self.classifier.classify(text)
        if classification.unsure and self.assistant is not None:
            classification = self.assistant.second_opinion(text, classification)
        intent = classification.intent if not classification.unsure else classification.best_guess
        # A model's pick stands although the classifier's calibrated score for it is low: that
        # is what the second opinion is for. The flow and policy still decide every action.
        below = classification.source != "llm" and classification.confidence < self.policy.threshold_for(intent)
        unsure = classification.unsure or below
        why = getattr(classification, "reason", None) or (
            f"confidence {classification.confidence:.2f} is below the threshold for {intent}" if unsure else None)
        if intent == "refund_request" and sends_goods_back(text):
            # "Send them back for a refund" is a return: its refund follows the goods (the return
            # flow), and a refund now would pay for goods still at the customer's.
            intent = "return_request"
        if not unsure and intent == "refund_status" and asks_for(text, "refund_request") and not asks_about_a_refund(text):
            unsure, why = True, "it asks for a refund, with no word of one awaited: a refund request or a status question"
        return intent, float(classification.confidence), unsure, classification.source, why

    @cached_property
    def reader(self):
        """How the agent reads a ticket before any node runs (hub.agent.reading)."""
        from ..understanding.language import detect_language
        from ..understanding.requests import asking_part, split_requests
        from ..understanding.subject import subject_of

        return Reader(understand=self._understand_piece, language=detect_language, split=split_requests,
                      subject=subject_of, asking=asking_part,
                      risks=lambda text: self._current().risks.detect(text), instruction=self.addresses_the_agent)

    def _understand_piece(self, text):
        return self._understood(text)

    def read(self, text, requester_email=None, subject=""):
        return self.reader.read(text, requester_email=requester_email, subject=subject)

    def plan(self, reading, audience):
        """What the run does with ``reading`` for a ticket from a helpdesk serving ``audience``."""
        config = self._current()
        return make_plan(reading, flows=config.flows, by_intent=config.by_intent, policy=config.policy,
                         audience=audience)

    def screen(self, text):
        """``(code, reason)`` when a customer's reply must go to a person (a risk trigger, an
        attempt to instruct the agent), else None. The same gates as a new ticket's."""
        from .plan import screen_reply

        return screen_reply(self.reader.read_reply(text), self.policy)

    @staticmethod
    def addresses_the_agent(text):
        """The first phrase of ``text`` that tries to instruct the agent (in folded form), or None.

        The agent never follows ticket text anyway (flows and policy decide); these tickets go
        to a human, who should see the attempt. The check is hub.understanding.injection's.
        """
        return instructions_to_the_agent(text)

    def fallback_flow(self):
        """The flow for tickets no other flow takes (talk to a human, unsure intents)."""
        return self.flows.get("handoff")
