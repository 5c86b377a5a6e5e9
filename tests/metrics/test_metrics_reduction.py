"""Mean, Sum, MeanMetricWrapper and the regression metrics: Keras's documented values,
running weighted means over several batches, and reset."""

import numpy as np
import pytest

import striate
from striate import metrics


@pytest.fixture
def rng():
    return np.random.default_rng(3)


def test_keras_doc_values_mean_and_sum():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result() == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert m.result() == 2.0
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7])
    assert s.result() == 16.0
    s.reset_state()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert s.result() == 4.0


def test_running_weighted_mean_over_batches(rng):
    m = metrics.Mean()
    total = count = 0.0
    for size in (5, 3, 8):
        values, weights = rng.normal(size=size), rng.random(size)
        m.update_state(values, sample_weight=weights)
        total, count = total + (values * weights).sum(), count + weights.sum()
        assert m.result() == pytest.approx(total / count, rel=1e-12)
    m.reset_state()
    assert m.result() == 0.0 and m.variables[0] == 0 and m.variables[1] == 0


def test_mean_of_multi_axis_values_counts_samples(rng):
    """Values (N, K) are averaged per sample first; count grows by N (or by sum of weights)."""
    values, weights = rng.normal(size=(4, 3)), rng.random(4)
    m = metrics.Mean()
    m.update_state(values)
    assert float(m.count) == 4 and m.result() == pytest.approx(values.mean())
    m.reset_state()
    m.update_state(values, sample_weight=weights)
    assert m.result() == pytest.approx((values.mean(axis=1) * weights).sum() / weights.sum())
    m.reset_state()
    m.update_state(values, sample_weight=np.ones((4, 3)) * weights[:, None])  # per-value weights
    assert m.result() == pytest.approx((values.mean(axis=1) * weights).sum() / weights.sum())


def test_mean_scalar_value_with_batch_size_weight():
    """How the training loop tracks the loss: one float per batch, weighted by the batch size."""
    m = metrics.Mean(name="loss")
    m.update_state(2.0, sample_weight=32)
    m.update_state(np.float32(1.0), sample_weight=16)
    assert m.result() == pytest.approx((64 + 16) / 48)


def test_mean_accepts_tensors():
    m = metrics.Mean()
    m.update_state(striate.Tensor([1.0, 2.0]), sample_weight=striate.Tensor([1.0, 3.0]))
    assert m.result() == pytest.approx(7 / 4)


def test_mean_bad_sample_weight():
    with pytest.raises(ValueError, match="sample_weight"):
        metrics.Mean().update_state([1.0, 2.0, 3.0], sample_weight=[1.0, 2.0])


def test_calling_a_metric_updates_and_returns_result():
    m = metrics.Mean()
    assert m([1.0, 3.0]) == 2.0
    assert m([5.0]) == 3.0


def test_mean_metric_wrapper_with_kwargs_and_name(rng):
    def within(y_true, y_pred, tolerance):
        return (np.abs(y_true - y_pred) <= tolerance).mean(axis=-1)

    m = metrics.MeanMetricWrapper(within, tolerance=0.5)
    assert m.name == "within"
    m.update_state(np.array([[0.0], [1.0]]), np.array([[0.2], [2.0]]))
    assert m.result() == 0.5
    assert m.get_config()["tolerance"] == 0.5


@pytest.mark.parametrize("cls, fn, ref", [
    (metrics.MeanAbsoluteError, metrics.mean_absolute_error, lambda t, p: np.abs(t - p).mean(axis=-1)),
    (metrics.MeanSquaredError, metrics.mean_squared_error, lambda t, p: ((t - p) ** 2).mean(axis=-1)),
])
def test_regression_metrics_over_batches(cls, fn, ref, rng):
    m = cls()
    seen = []
    for _ in range(3):
        t, p, w = rng.normal(size=(5, 2)), rng.normal(size=(5, 2)), rng.random(5)
        m.update_state(t, p, sample_weight=w)
        seen.append((ref(t, p), w))
        np.testing.assert_allclose(fn(t, p), ref(t, p))
    values = np.concatenate([v for v, _ in seen])
    weights = np.concatenate([w for _, w in seen])
    assert m.result() == pytest.approx((values * weights).sum() / weights.sum(), rel=1e-12)


def test_keras_doc_values_regression():
    y_true, y_pred = [[0, 1], [0, 0]], [[1, 1], [0, 0]]
    m = metrics.MeanAbsoluteError()
    m.update_state(y_true, y_pred)
    assert m.result() == 0.25
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=[1, 0])
    assert m.result() == 0.5
    m = metrics.MeanSquaredError()
    m.update_state(y_true, y_pred)
    assert m.result() == 0.25
    m = metrics.RootMeanSquaredError()
    m.update_state(y_true, y_pred)
    assert m.result() == 0.5
    m.reset_state()
    m.update_state(y_true, y_pred, sample_weight=[1, 0])
    assert m.result() == pytest.approx(0.70710677)


def test_regression_metric_shape_errors():
    with pytest.raises(ValueError, match=r"mean_squared_error.*\(3, 2\).*\(3, 4\)"):
        metrics.MeanSquaredError().update_state(np.zeros((3, 2)), np.zeros((3, 4)))


def test_rank_fixup_for_single_output(rng):
    t, p = rng.normal(size=6), rng.normal(size=(6, 1))
    np.testing.assert_allclose(metrics.mean_absolute_error(t, p), np.abs(t - p[:, 0]))


def test_wrapper_sample_weight_error_names_the_metric():
    with pytest.raises(ValueError, match=r"mean_absolute_error: sample_weight of shape \(3,\)"):
        metrics.MeanAbsoluteError().update_state(np.zeros((2, 2)), np.zeros((2, 2)), sample_weight=np.ones(3))
