"""Multinomial logistic regression and temperature scaling in numpy.

A few hundred 384-float examples and two dozen classes are a small convex problem; numpy solves
it in a fraction of a second, which keeps scikit-learn and scipy (~100 MB installed, ~1 s import)
out of every worker for one estimator. The model is three arrays, cached as .npz (no pickle).
"""

from __future__ import annotations

import numpy as np

L2 = 3e-5  # picked on cross-validation and the dev sets with the USE encoder (docs/understanding.md)
STEPS = 300
LEARNING_RATE = 0.5
FOLDS = 5


def log_softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(logits: np.ndarray) -> np.ndarray:
    return np.exp(log_softmax(logits))


def fit(x: np.ndarray, y: np.ndarray, n_classes: int, l2: float = L2, steps: int = STEPS):
    """Weights (d, k) and bias (k,) minimising mean cross-entropy + l2 * |W|^2.

    Full-batch Adam from zeros: deterministic, and the loss is convex so the start does not matter.
    """
    x = x.astype(np.float64)
    n, d = x.shape
    targets = np.eye(n_classes)[y]
    params = [np.zeros((d, n_classes)), np.zeros(n_classes)]
    first = [np.zeros_like(p) for p in params]
    second = [np.zeros_like(p) for p in params]
    for step in range(1, steps + 1):
        error = (softmax(x @ params[0] + params[1]) - targets) / n
        grads = [x.T @ error + 2 * l2 * params[0], error.sum(axis=0)]
        for p, g, m, v in zip(params, grads, first, second):
            m *= 0.9
            m += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= LEARNING_RATE * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return params[0], params[1]


def stratified_folds(y: np.ndarray, folds: int = FOLDS, seed: int = 0) -> np.ndarray:
    """Fold number per example, each class spread evenly across folds."""
    rng = np.random.default_rng(seed)
    assignment = np.zeros(len(y), dtype=int)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        rng.shuffle(members)
        assignment[members] = np.arange(len(members)) % folds
    return assignment


def out_of_fold_logits(
    x: np.ndarray, y: np.ndarray, n_classes: int, folds: int = FOLDS, neighbour_weight: float = 0.0
) -> np.ndarray:
    """Logits for every example from a model that never saw it.

    With `neighbour_weight`, each example's cosine to the nearest example of every intent in
    the other folds is added, as the classifier does at run time.
    """
    from .neighbours import Neighbours

    assignment = stratified_folds(y, folds)
    logits = np.zeros((len(y), n_classes))
    for fold in range(folds):
        held_out = assignment == fold
        w, b = fit(x[~held_out], y[~held_out], n_classes)
        logits[held_out] = x[held_out] @ w + b
        if neighbour_weight:
            neighbours = Neighbours(x[~held_out], y[~held_out], n_classes)
            logits[held_out] += neighbour_weight * neighbours.nearest(x[held_out])
    return logits


def fit_temperature(logits: np.ndarray, y: np.ndarray) -> float:
    """Temperature T minimising the log-loss of softmax(logits / T) on held-out logits.

    A one-parameter fit cannot change which intent wins, only how sure it claims to be, so it
    cannot overfit a few hundred examples the way isotonic regression could.
    """

    def nll(temperature):
        return -log_softmax(logits / temperature)[np.arange(len(y)), y].mean()

    grid = np.exp(np.linspace(np.log(0.02), np.log(50.0), 121))
    best = grid[int(np.argmin([nll(t) for t in grid]))]
    # Refine between the grid neighbours by golden-section search (nll is unimodal in log T).
    low, high = np.log(best) - 0.07, np.log(best) + 0.07
    ratio = (np.sqrt(5) - 1) / 2
    for _ in range(40):
        a, b = high - ratio * (high - low), low + ratio * (high - low)
        if nll(np.exp(a)) < nll(np.exp(b)):
            high = b
        else:
            low = a
    return float(np.exp((low + high) / 2))
