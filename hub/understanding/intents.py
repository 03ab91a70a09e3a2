"""Intent classification with calibrated confidence, in English, German, French and Spanish.

Example utterances from the taxonomy (every language's) are embedded with one cross-lingual
encoder, a softmax regression is trained on them, and its confidence is calibrated by
temperature scaling fitted on cross-validated (held-out) predictions. Below the threshold the
answer is "unsure", which the agent treats as escalate. An intent whose flow acts (refunds,
cancellations, account changes) needs positive evidence: a stricter threshold and a clear margin
over the runner-up, so a request from another business ("cancel my magazine subscription") that
sits between out_of_scope and cancel_order is never acted on. Every Classification carries the
detected language; a ticket confidently in a language the hub does not serve is unsure, with
that as its reason. The trained model is cached on disk, keyed by the examples and the provider.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from . import language, softmax
from .embeddings import load_embeddings
from .language import UNDETERMINED, LanguageGuess, detect_language
from .neighbours import Neighbours
from .taxonomy import OUT_OF_SCOPE, UNSURE, Taxonomy, load_taxonomy

log = logging.getLogger(__name__)

# Bumped whenever training changes, so caches made by older code are not reused.
# Weight of the nearest-example cosines added to the regression's logits: chosen on the dev
# sets (docs/understanding.md), it lifts top-1 accuracy by about three points in each language.
NEIGHBOUR_WEIGHT = 40.0
TRAINING_VERSION = (
    f"softmax-v3-l2={softmax.L2}-steps={softmax.STEPS}-folds={softmax.FOLDS}-neighbours={NEIGHBOUR_WEIGHT}"
)
# Below this the detector is guessing (a two-word ticket, transliterated text): the text is
# classified as it is rather than refused for a language it may not be in.
LANGUAGE_REFUSAL_CONFIDENCE = 0.5
# The first few hundred tokens decide the intent and the model reads at most 256 of them;
# capping here keeps a megabyte-sized ticket from costing more than a normal one.
MAX_INPUT_CHARS = 4000


@dataclass(frozen=True)
class Classification:
    intent: str
    confidence: float
    scores: dict[str, float] = field(default_factory=dict)
    unsure: bool = False
    source: str = "classifier"  # or "llm" when a language model chose the intent (llm.py)
    language: str = UNDETERMINED  # ISO 639-1 code detected in the text, "und" when none
    reason: str | None = None  # why the answer is unsure, for the handoff note; None when answered

    @property
    def best_guess(self) -> str | None:
        """The top-scoring intent even when it fell below the threshold."""
        return max(self.scores, key=self.scores.get) if self.scores else None


def cache_dir() -> Path:
    return Path(os.environ.get("HUB_CACHE_DIR") or Path.cwd() / "var" / "cache")


def provider_fingerprint(embeddings: Embeddings) -> str:
    """What identifies an embedding provider's vectors: its class and plain settings.

    Only a hash of this is stored, so API keys among the settings never reach the disk.
    """
    cls = type(embeddings)
    if hasattr(embeddings, "model_dump"):  # pydantic-based LangChain providers
        settings = embeddings.model_dump()
    else:
        settings = {k: v for k, v in vars(embeddings).items() if k != "batch_size"}
        settings["model_name"] = getattr(embeddings, "model_name", None)
    plain = {k: v for k, v in settings.items() if isinstance(v, (str, int, float, bool, type(None)))}
    return json.dumps([f"{cls.__module__}.{cls.__qualname__}", plain], sort_keys=True, default=str)


def clean_text(text) -> str:
    """Any input as bounded, printable text: bytes decoded leniently, control characters blanked."""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif text is None:
        text = ""
    elif not isinstance(text, str):
        text = str(text)
    text = text[:MAX_INPUT_CHARS]
    # Control characters carry no meaning for intent; NUL and friends only confuse tokenisation.
    return "".join(ch if ch.isprintable() or ch in "\n\t" else " " for ch in text).strip()


class IntentClassifier:
    def __init__(
        self,
        taxonomy: Taxonomy,
        embeddings: Embeddings,
        weights,
        bias,
        temperature: float,
        examples: np.ndarray | None = None,
        example_labels: np.ndarray | None = None,
    ):
        """`examples` (training vectors) and their label indices enable the nearest-example
        term and the out-of-domain gate; without them the regression decides alone."""
        self.taxonomy = taxonomy
        self.embeddings = embeddings
        self.labels = taxonomy.names
        self._weights = np.asarray(weights, dtype=np.float64)
        self._bias = np.asarray(bias, dtype=np.float64)
        self.temperature = float(temperature)
        self._neighbours = None
        if examples is not None and len(examples):
            self._neighbours = Neighbours(np.asarray(examples), np.asarray(example_labels), len(self.labels))

    @classmethod
    def from_config(cls, config_dir: str | Path, embeddings: Embeddings | dict | None = None) -> IntentClassifier:
        """Load the taxonomy from config_dir and train (or reuse the cached) classifier.

        `embeddings` is a LangChain Embeddings or a provider spec for load_embeddings; the
        default is the offline multilingual encoder.
        """
        if not isinstance(embeddings, Embeddings):
            embeddings = load_embeddings(embeddings)
        classifier = cls.train(load_taxonomy(config_dir), embeddings)
        classifier.load()
        return classifier

    def load(self) -> None:
        """Read the encoder's weights and the language detector now, side by side.

        Both spend their time decompressing (zlib and lzma release the GIL), so two threads take
        about as long as the slower one: the first ticket then pays nothing.
        """
        detector = threading.Thread(target=language.load, name="language-detector")
        detector.start()
        loader = getattr(self.embeddings, "load", None)
        if callable(loader):
            loader()
        detector.join()

    @classmethod
    def train(cls, taxonomy: Taxonomy, embeddings: Embeddings, use_cache: bool = True) -> IntentClassifier:
        key = hashlib.sha256(
            "\n".join([TRAINING_VERSION, taxonomy.training_digest(), provider_fingerprint(embeddings)]).encode()
        ).hexdigest()[:24]
        path = cache_dir() / f"intents-{key}.npz"
        if use_cache:
            cached = _read_cache(path, taxonomy.names)
            if cached is not None:
                return cls(taxonomy, embeddings, *cached)

        texts, labels = [], []
        for index, intent in enumerate(taxonomy.intents):
            texts.extend(intent.examples)
            labels.extend([index] * len(intent.examples))
        x = _as_matrix(embeddings.embed_documents(texts))
        y = np.array(labels)
        n_classes = len(taxonomy.intents)
        out_of_fold = softmax.out_of_fold_logits(x, y, n_classes, neighbour_weight=NEIGHBOUR_WEIGHT)
        temperature = softmax.fit_temperature(out_of_fold, y)
        weights, bias = softmax.fit(x, y, n_classes)
        examples = x.astype(np.float32)
        if use_cache:
            _write_cache(path, taxonomy.names, weights, bias, temperature, examples, y)
        return cls(taxonomy, embeddings, weights, bias, temperature, examples, y)

    def probabilities(self, texts: list[str]) -> np.ndarray:
        return self._scores(texts)[0]

    def _scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        """Calibrated probabilities, and the nearest-example cosines per intent (or None)."""
        with one_blas_thread():
            return self._scores_now(texts)

    def _scores_now(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray | None]:
        x = _as_matrix(self.embeddings.embed_documents(texts))
        logits = x @ self._weights + self._bias
        nearest = None
        if self._neighbours is not None:
            nearest = self._neighbours.nearest(x)
            logits = logits + NEIGHBOUR_WEIGHT * nearest
        return softmax.softmax(logits / self.temperature), nearest

    def classify(self, text) -> Classification:
        return self.classify_many([text])[0]

    def classify_many(self, texts) -> list[Classification]:
        cleaned = [clean_text(t) for t in texts]
        languages = [detect_language(t) for t in cleaned]
        # Empty text has no meaning to classify; saying so beats a confident guess from noise.
        present = [i for i, t in enumerate(cleaned) if t]
        results = [
            Classification(intent=UNSURE, confidence=0.0, scores={}, unsure=True, language=UNDETERMINED, reason="empty")
            for _ in cleaned
        ]
        if present:
            probs, nearest = self._scores([cleaned[i] for i in present])
            for n, i in enumerate(present):
                results[i] = self._decide(probs[n], languages[i], None if nearest is None else nearest[n])
        return results

    def _decide(self, row: np.ndarray, language: LanguageGuess, nearest: np.ndarray | None = None) -> Classification:
        best = int(np.argmax(row))
        name, confidence = self.labels[best], float(row[best])
        scores = {label: round(float(p), 6) for label, p in zip(self.labels, row)}
        threshold = self.taxonomy.threshold_for(name)
        margin = self.taxonomy.domain_margin_for(name)
        lead = None
        if nearest is not None and margin is not None and OUT_OF_SCOPE in self.labels:
            # Positive evidence: the ticket resembles an example of its intent more than any
            # written out-of-domain request.
            lead = float(nearest[best] - nearest[self.labels.index(OUT_OF_SCOPE)])
        reason = None
        if not language.supported and language.code != UNDETERMINED and language.confidence >= LANGUAGE_REFUSAL_CONFIDENCE:
            reason = f"language {language.code} not supported"
        elif confidence < threshold:
            reason = f"confidence {confidence:.2f} below the threshold {threshold}"
        elif lead is not None and lead < margin:
            reason = (
                f"as close to out-of-domain requests as to {name} (lead {lead:.2f}, "
                f"needs {margin}): not enough evidence it is a request to us"
            )
        return Classification(
            intent=UNSURE if reason else name,
            confidence=round(confidence, 6),
            scores=scores,
            unsure=reason is not None,
            language=language.code,
            reason=reason,
        )


_blas_limit = None


def one_blas_thread():
    """A context in which numpy's BLAS uses one thread.

    One ticket's matrix products are small; spread over threads on a machine whose cores the other
    workers are using, they wait on each other: measured, p99 of one classification 196 ms with
    OpenBLAS's default threads against 6-9 ms with one (docs/benchmarks.md).
    """
    global _blas_limit
    if _blas_limit is None:
        from threadpoolctl import ThreadpoolController

        _blas_limit = ThreadpoolController()  # finds the BLAS libraries once, not per call
    return _blas_limit.limit(limits=1, user_api="blas")


def _as_matrix(vectors) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float64)
    if matrix.ndim != 2 or not np.isfinite(matrix).all():
        raise ValueError("the embedding provider returned malformed vectors")
    return matrix


def _read_cache(path: Path, labels: list[str]):
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            if list(data["labels"]) != labels:
                return None
            return (
                data["weights"],
                data["bias"],
                float(data["temperature"]),
                data["examples"],
                data["example_labels"],
            )
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable intent model cache %s: %s", path, exc)
        return None


def _write_cache(path: Path, labels, weights, bias, temperature, examples, example_labels) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a worker starting at the same moment never reads half a file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                labels=np.array(labels),
                weights=weights,
                bias=bias,
                temperature=temperature,
                examples=examples,
                example_labels=example_labels,
            )
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not cache the intent model in %s (%s); it will be retrained next start", path.parent, exc)
