import shutil
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from hub.knowledge import KnowledgeBase, LocalFolderSource
from hub.understanding.universal import UniversalSentenceEncoder

REPO = Path(__file__).resolve().parents[2]
SAMPLE_KB = REPO / "kb"
EVAL_FILE = REPO / "eval" / "knowledge.jsonl"


class RememberingEncoder(Embeddings):
    """The real offline default encoder, multilingual USE (the default calibration under test was
    fitted for it), with each text embedded once per test session: many tests sync the same
    sample articles."""

    def __init__(self):
        self.model = UniversalSentenceEncoder()
        self.seen: dict[str, list[float]] = {}

    def embed_documents(self, texts):
        missing = list(dict.fromkeys(t for t in texts if t not in self.seen))
        if missing:
            self.seen.update(zip(missing, self.model.embed_documents(missing)))
        return [self.seen[t] for t in texts]

    def embed_query(self, text):
        return self.embed_documents([text])[0]


@pytest.fixture(scope="session")
def embeddings():
    return RememberingEncoder()


@pytest.fixture
def open_kb(tmp_path, embeddings):
    """Open a knowledge base in a fresh embedded store; extra ``knowledge`` settings as kwargs."""

    def opener(**knowledge):
        knowledge.setdefault("path", str(tmp_path / "chroma"))
        return KnowledgeBase.open({"knowledge": knowledge}, embeddings=embeddings)

    return opener


@pytest.fixture
def kb_folder(tmp_path):
    """A private, editable copy of the sample help articles."""
    folder = tmp_path / "articles"
    shutil.copytree(SAMPLE_KB, folder)
    return folder


@pytest.fixture(scope="module")
def sample_kb(tmp_path_factory, embeddings):
    """The sample articles synced once per module, for read-only tests."""
    path = tmp_path_factory.mktemp("sample") / "chroma"
    kb = KnowledgeBase.open({"knowledge": {"path": str(path)}}, embeddings=embeddings)
    kb.sync(LocalFolderSource(SAMPLE_KB, name="sample"), progress=False)
    return kb
