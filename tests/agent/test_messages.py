"""Every customer-facing message of every shipped flow, and the engine's own lines, rendered in
every language with realistic facts and compared with reviewed text (tests/agent/data/messages/).

A message that changes — an edit, a translation, a YAML block cut short, a date or amount
written another way — changes its golden file, which a person reads before it is committed:
``HUB_UPDATE_GOLDENS=1 pytest tests/agent/test_messages.py`` rewrites them.
"""

import os
from pathlib import Path

import pytest
import yaml

from hub.i18n import LANGUAGES
from hub.i18n.catalogue import Catalogues
from hub.i18n.extract import template, where_used

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"
SAMPLES = yaml.safe_load((DATA / "message_samples.yaml").read_text(encoding="utf-8"))


def _key(message):
    return message.id if message.locations[0][0].startswith("hub/") else where_used(message)


def _messages():
    """The shipped messages in catalogue order (status words are rendered through the flows)."""
    return [m for m in template(REPO / "config") if m.id and m.context is None]


def _rendered(language):
    catalogues = Catalogues.load(REPO / "config" / "locale")
    parts = []
    for message in _messages():
        for sample in SAMPLES[_key(message)]:
            facts = dict(sample["facts"], **sample.get("facts_by_language", {}).get(language, {}))
            text = catalogues.render(message.id, facts, language)
            parts.append(f"=== {_key(message)} — {sample['case']}\n{text}\n")
    return "\n".join(parts)


def test_every_shipped_message_has_a_sample():
    keys = [_key(m) for m in _messages()]
    assert sorted(set(keys) - set(SAMPLES)) == []  # a new message needs facts to be rendered with
    assert sorted(set(SAMPLES) - set(keys)) == []  # a removed one leaves no stale sample


@pytest.mark.parametrize("language", LANGUAGES)
def test_messages_read_as_reviewed(language):
    golden = DATA / "messages" / f"{language}.txt"
    text = _rendered(language)
    if os.environ.get("HUB_UPDATE_GOLDENS"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8")
