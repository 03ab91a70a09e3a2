import numpy as np
import pytest

from hub.understanding import softmax
from hub.understanding.neighbours import Neighbours


def test_nearest_example_of_each_intent():
    vectors = np.array([[1.0, 0.0], [0.0, 2.0], [0.6, 0.8], [-1.0, 0.0]])
    labels = np.array([0, 1, 0, 2])  # intent 0 has two examples, out of order on purpose
    nearest = Neighbours(vectors, labels, 3).nearest(np.array([[0.0, 1.0], [3.0, 0.0]]))
    np.testing.assert_allclose(nearest, [[0.8, 1.0, 0.0], [1.0, 0.0, -1.0]], atol=1e-6)


def test_every_intent_needs_an_example():
    with pytest.raises(ValueError, match="every intent needs at least one example"):
        Neighbours(np.eye(2), np.array([0, 0]), 2)


def test_out_of_fold_neighbours_never_see_the_held_out_example():
    # Each example is its own nearest neighbour at cosine 1; out of fold it cannot be.
    rng = np.random.default_rng(3)
    x = rng.normal(size=(50, 8))
    y = np.repeat(np.arange(5), 10)
    plain = softmax.out_of_fold_logits(x, y, 5)
    with_neighbours = softmax.out_of_fold_logits(x, y, 5, neighbour_weight=1.0)
    added = with_neighbours - plain
    assert (added < 1.0 - 1e-9).all()
