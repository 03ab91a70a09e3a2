from pathlib import Path

import pytest

from hub.understanding.intents import IntentClassifier
from hub.understanding.universal import UniversalSentenceEncoder

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Each test gets an empty model cache, so none depends on another's leftovers."""
    monkeypatch.setenv("HUB_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="session")
def config_dir():
    return ROOT / "config"


@pytest.fixture(scope="session")
def eval_file():
    return ROOT / "eval" / "understanding" / "dev" / "en.jsonl"


@pytest.fixture(scope="session")
def shared_cache_dir(tmp_path_factory):
    """Holds the shipped taxonomy's trained model for tests that only read it."""
    return tmp_path_factory.mktemp("shared-cache")


@pytest.fixture(scope="session")
def default_classifier(config_dir, shared_cache_dir):
    """The shipped taxonomy and encoder, trained once per session (tens of seconds)."""
    mp = pytest.MonkeyPatch()
    mp.setenv("HUB_CACHE_DIR", str(shared_cache_dir))
    try:
        return IntentClassifier.from_config(config_dir, UniversalSentenceEncoder())
    finally:
        mp.undo()
