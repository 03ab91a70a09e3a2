"""How close a ticket comes to the training examples of each intent.

The softmax regression draws straight boundaries; the nearest example of each intent adds the
local picture ("cancel my magazine subscription" sits right next to a written out-of-domain
negative, whatever side of a boundary it falls). The classifier adds these similarities to its
logits, and its out-of-domain gate compares the nearest example of the chosen intent with the
nearest out-of-domain one (docs/understanding.md#out-of-domain).
"""

from __future__ import annotations

import numpy as np


class Neighbours:
    """Unit-length training vectors grouped by intent, for per-intent nearest-example cosines."""

    def __init__(self, vectors: np.ndarray, labels: np.ndarray, n_classes: int):
        order = np.argsort(labels, kind="stable")
        self.vectors = unit(vectors[order]).astype(np.float32)
        counts = np.bincount(labels, minlength=n_classes)
        if (counts == 0).any():
            raise ValueError("every intent needs at least one example")
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]])

    def nearest(self, queries: np.ndarray) -> np.ndarray:
        """(n, classes): cosine of each query with the closest example of each intent."""
        similarity = unit(queries).astype(np.float32) @ self.vectors.T
        return np.maximum.reduceat(similarity, self.starts, axis=1).astype(np.float64)


def unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
