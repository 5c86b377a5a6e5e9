"""Accuracy metrics: Keras's documented values, NumPy references, ties, and errors."""

import numpy as np
import pytest

from striate import metrics


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def run(metric, *batches):
    for batch in batches:
        metric.update_state(*batch[:2], sample_weight=batch[2] if len(batch) > 2 else None)
    return metric.result()


@pytest.mark.parametrize("metric, y_true, y_pred, weights, plain, weighted", [
    (metrics.Accuracy, [[1], [2], [3], [4]], [[0], [2], [3], [4]], [1, 1, 0, 0], 0.75, 0.5),
    (metrics.BinaryAccuracy, [[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], [1, 0, 0, 1], 0.75, 0.5),
    (metrics.CategoricalAccuracy, [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3],
     0.5, 0.3),
    (metrics.SparseCategoricalAccuracy, [[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], [0.7, 0.3], 0.5, 0.3),
    (lambda: metrics.TopKCategoricalAccuracy(k=1), [[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
     [0.7, 0.3], 0.5, 0.3),
    (lambda: metrics.SparseTopKCategoricalAccuracy(k=1), [2, 1], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]], [0.7, 0.3],
     0.5, 0.3),
])
def test_keras_doc_values(metric, y_true, y_pred, weights, plain, weighted):
    m = metric()
    assert run(m, (y_true, y_pred)) == pytest.approx(plain)
    m.reset_state()
    assert run(m, (y_true, y_pred, weights)) == pytest.approx(weighted)


def test_categorical_and_sparse_accuracy_match_references(rng):
    scores = rng.random((3, 20, 6))
    labels = rng.integers(0, 6, (3, 20))
    weights = rng.random((3, 20))
    sparse, dense = metrics.SparseCategoricalAccuracy(), metrics.CategoricalAccuracy()
    for s, y, w in zip(scores, labels, weights):
        sparse.update_state(y, s, sample_weight=w)
        dense.update_state(np.eye(6)[y], s, sample_weight=w)
    hits = (scores.argmax(axis=-1) == labels)
    expected = (hits * weights).sum() / weights.sum()
    assert sparse.result() == pytest.approx(expected) and dense.result() == pytest.approx(expected)


def test_binary_accuracy_threshold_and_multi_output(rng):
    y_true = (rng.random((8, 3)) > 0.5).astype(int)
    y_pred = rng.random((8, 3))
    expected = ((y_pred > 0.7) == y_true).mean(axis=-1)
    np.testing.assert_allclose(metrics.binary_accuracy(y_true, y_pred, threshold=0.7), expected)
    m = metrics.BinaryAccuracy(threshold=0.7)
    assert run(m, (y_true, y_pred)) == pytest.approx(expected.mean())
    with pytest.raises(ValueError, match="threshold"):
        metrics.BinaryAccuracy(threshold=1.0)


def test_binary_accuracy_labels_of_rank_one():
    assert run(metrics.BinaryAccuracy(), ([1, 0, 1], [[0.9], [0.2], [0.4]])) == pytest.approx(2 / 3)


def test_top_k_against_sorting_reference(rng):
    scores = rng.random((50, 10))
    labels = rng.integers(0, 10, 50)
    for k in (1, 3, 5):
        top = np.argsort(-scores, axis=-1)[:, :k]
        expected = (top == labels[:, None]).any(axis=-1).astype(float)
        np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy(labels, scores, k=k), expected)
        np.testing.assert_array_equal(metrics.top_k_categorical_accuracy(np.eye(10)[labels], scores, k=k), expected)


def test_top_k_ties_at_the_boundary_count_as_in():
    """As TensorFlow's in_top_k: equal scores straddling the k-th place are all in the top k."""
    scores = np.array([[0.5, 0.5, 0.5, 0.1]])
    assert metrics.sparse_top_k_categorical_accuracy([2], scores, k=1)[0] == 1.0
    assert metrics.sparse_top_k_categorical_accuracy([3], scores, k=3)[0] == 0.0


def test_sequence_accuracy_per_time_step(rng):
    scores, labels = rng.random((2, 5, 4)), rng.integers(0, 4, (2, 5))
    values = metrics.sparse_categorical_accuracy(labels, scores)
    assert values.shape == (2, 5)
    m = metrics.SparseCategoricalAccuracy()
    assert run(m, (labels, scores)) == pytest.approx((scores.argmax(-1) == labels).mean())


def test_accuracy_shape_errors():
    with pytest.raises(ValueError, match=r"categorical_accuracy.*\(2, 3\).*\(2, 4\)"):
        metrics.categorical_accuracy(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"sparse_categorical_accuracy: integer labels of shape \(2,\)"):
        metrics.SparseCategoricalAccuracy().update_state(np.zeros(3), np.zeros((2, 4)))
    with pytest.raises(ValueError, match="binary_accuracy"):
        metrics.BinaryAccuracy().update_state(np.zeros((2, 3)), np.zeros((2, 2)))
