"""Every loss against a NumPy reference formula written here, independently of striate.

Covers from_logits both ways (and through the softmax/sigmoid fast path),
label smoothing, sample weights, every reduction, several shapes and dtypes.
"""

import numpy as np
import pytest

import striate
from striate import functional as F
from striate import losses

EPS = 1e-7
SHAPES = [(6, 4), (5, 1), (3, 2, 5)]
REDUCTIONS = ["sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None]


# ---- references (float64) ---------------------------------------------------
def log_softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def ref_mse(t, p):
    return ((p - t) ** 2).mean(axis=-1)


def ref_mae(t, p):
    return np.abs(p - t).mean(axis=-1)


def ref_huber(t, p, delta=1.0):
    e = np.abs(p - t)
    return np.where(e <= delta, 0.5 * e ** 2, delta * e - 0.5 * delta ** 2).mean(axis=-1)


def ref_log_cosh(t, p):
    return np.log(np.cosh(p - t)).mean(axis=-1)


def ref_bce_probs(z, p, smoothing=0.0):
    z = z * (1 - smoothing) + 0.5 * smoothing
    p = np.clip(p, EPS, 1 - EPS)
    return -(z * np.log(p) + (1 - z) * np.log(1 - p)).mean(axis=-1)


def ref_bce_logits(z, x, smoothing=0.0):
    z = z * (1 - smoothing) + 0.5 * smoothing
    return (np.logaddexp(0.0, x) - x * z).mean(axis=-1)  # softplus(x) - x z


def ref_cce_probs(y, p, smoothing=0.0):
    y = y * (1 - smoothing) + smoothing / y.shape[-1]
    p = np.clip(p / p.sum(axis=-1, keepdims=True), EPS, 1 - EPS)
    return -(y * np.log(p)).sum(axis=-1)


def ref_cce_logits(y, x, smoothing=0.0):
    y = y * (1 - smoothing) + smoothing / y.shape[-1]
    return -(y * log_softmax(x)).sum(axis=-1)


def ref_sparse_logits(labels, x):
    return -np.take_along_axis(log_softmax(x), labels[..., None], axis=-1)[..., 0]


def ref_kld(y, p):
    y, p = np.clip(y, EPS, 1), np.clip(p, EPS, 1)
    return (y * np.log(y / p)).sum(axis=-1)


def ref_hinge(t, p):
    t = 2 * t - 1 if np.isin(t, [0, 1]).all() else t
    return np.maximum(1 - t * p, 0).mean(axis=-1)


def ref_reduce(values, sample_weight, reduction):
    """Keras 3's reduce_weighted_values, written out for per-sample ``values``."""
    w = np.ones_like(values) if sample_weight is None else np.broadcast_to(
        np.reshape(sample_weight, np.shape(sample_weight) + (1,) * (values.ndim - np.ndim(sample_weight))),
        values.shape)
    weighted = values * w
    if reduction in ("none", None):
        return weighted
    if reduction == "sum":
        return weighted.sum()
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return weighted.sum() / w.sum()
    return weighted.sum() / values.size


def one_hot(labels, classes):
    return np.eye(classes)[labels]


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def assert_matches(value, expected, dtype=np.float64, rtol=1e-6):
    assert isinstance(value, striate.Tensor)
    assert value.dtype == dtype
    np.testing.assert_allclose(value.data, expected, rtol=rtol, atol=rtol)


# ---- regression --------------------------------------------------------------
REGRESSION = [
    (losses.MeanSquaredError, losses.mean_squared_error, ref_mse),
    (losses.MeanAbsoluteError, losses.mean_absolute_error, ref_mae),
    (losses.Huber, losses.huber, ref_huber),
    (losses.LogCosh, losses.log_cosh, ref_log_cosh),
]


@pytest.mark.parametrize("cls, fn, ref", REGRESSION)
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(cls, fn, ref, shape, reduction, rng):
    t, p = rng.normal(size=shape), 2 * rng.normal(size=shape)
    sw = rng.random(shape[0])
    assert_matches(cls(reduction=reduction)(t, striate.Tensor(p)), ref_reduce(ref(t, p), None, reduction))
    assert_matches(cls(reduction=reduction)(t, striate.Tensor(p), sample_weight=sw),
                   ref_reduce(ref(t, p), sw, reduction))
    assert_matches(fn(t, striate.Tensor(p)), ref(t, p))


def test_huber_delta(rng):
    t, p = rng.normal(size=(7, 3)), 3 * rng.normal(size=(7, 3))
    assert_matches(losses.Huber(delta=2.5)(t, striate.Tensor(p)), ref_huber(t, p, 2.5).mean())


def test_regression_rank_fixup(rng):
    """(N,) targets fit a (N, 1) output and vice versa, as Keras."""
    t, p = rng.normal(size=5), rng.normal(size=(5, 1))
    assert_matches(losses.mean_squared_error(t, striate.Tensor(p)), ref_mse(t[:, None], p))
    assert_matches(losses.mean_squared_error(t[:, None], striate.Tensor(p[:, 0])), ref_mse(t[:, None], p))


def test_one_dimensional_inputs_give_a_scalar_per_sample_loss(rng):
    """Keras averages the last (only) axis of 1-D inputs: one value for the batch."""
    t, p = rng.normal(size=6), rng.normal(size=6)
    sw = rng.random(6)
    assert losses.mean_squared_error(t, striate.Tensor(p)).shape == ()
    assert_matches(losses.MeanSquaredError()(t, striate.Tensor(p), sample_weight=sw), ref_mse(t, p) * sw.mean())


# ---- binary cross-entropy ------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", None])
def test_binary_crossentropy(shape, smoothing, reduction, rng):
    z = (rng.random(shape) > 0.5).astype(float)
    x = 3 * rng.normal(size=shape)
    p = 1 / (1 + np.exp(-x))
    sw = rng.random(shape[0])
    logits_loss = losses.BinaryCrossentropy(from_logits=True, label_smoothing=smoothing, reduction=reduction)
    probs_loss = losses.BinaryCrossentropy(label_smoothing=smoothing, reduction=reduction)
    assert_matches(logits_loss(z, striate.Tensor(x), sw), ref_reduce(ref_bce_logits(z, x, smoothing), sw, reduction))
    assert_matches(probs_loss(z, striate.Tensor(p), sw), ref_reduce(ref_bce_probs(z, p, smoothing), sw, reduction))
    # A sigmoid output is read through its logits: the from-logits value, unclipped.
    assert_matches(probs_loss(z, F.sigmoid(striate.Tensor(x)), sw),
                   ref_reduce(ref_bce_logits(z, x, smoothing), sw, reduction))


def test_binary_crossentropy_axis(rng):
    z, x = (rng.random((2, 3, 4)) > 0.5).astype(float), rng.normal(size=(2, 3, 4))
    value = losses.binary_crossentropy(z, striate.Tensor(x), from_logits=True, axis=1)
    assert_matches(value, np.moveaxis(np.logaddexp(0, x) - x * z, 1, -1).mean(axis=-1))


def test_binary_crossentropy_labels_of_rank_one(rng):
    z, x = (rng.random(8) > 0.5).astype(float), rng.normal(size=(8, 1))
    assert_matches(losses.binary_crossentropy(z, striate.Tensor(x), from_logits=True),
                   ref_bce_logits(z[:, None], x))


# ---- categorical cross-entropy ---------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 5), (4, 2)])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_categorical_crossentropy(shape, smoothing, reduction, rng):
    y = one_hot(rng.integers(0, shape[-1], shape[:-1]), shape[-1])
    x = 3 * rng.normal(size=shape)
    p = np.exp(log_softmax(x))
    sw = rng.random(shape[0])
    from_logits = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing, reduction=reduction)
    from_probs = losses.CategoricalCrossentropy(label_smoothing=smoothing, reduction=reduction)
    expected = ref_reduce(ref_cce_logits(y, x, smoothing), sw, reduction)
    assert_matches(from_logits(y, striate.Tensor(x), sw), expected)
    assert_matches(from_probs(y, F.softmax(striate.Tensor(x)), sw), expected)
    assert_matches(from_probs(y, striate.Tensor(p * 3.0), sw),  # unnormalised: divided by the sum
                   ref_reduce(ref_cce_probs(y, p * 3.0, smoothing), sw, reduction))


def test_categorical_crossentropy_soft_targets_and_axis(rng):
    y = np.exp(log_softmax(rng.normal(size=(3, 4, 2))))
    x = rng.normal(size=(3, 4, 2))
    value = losses.categorical_crossentropy(y.transpose(0, 2, 1), striate.Tensor(x.transpose(0, 2, 1)),
                                            from_logits=True, axis=1)
    assert_matches(value, ref_cce_logits(y, x))


# ---- sparse categorical cross-entropy ---------------------------------------------
@pytest.mark.parametrize("shape", [(6, 4), (3, 2, 5)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_sparse_categorical_crossentropy(shape, reduction, rng):
    labels = rng.integers(0, shape[-1], shape[:-1])
    x = 3 * rng.normal(size=shape)
    p = np.exp(log_softmax(x))
    sw = rng.random(shape[0])
    expected = ref_reduce(ref_sparse_logits(labels, x), sw, reduction)
    assert_matches(losses.SparseCategoricalCrossentropy(from_logits=True, reduction=reduction)(
        labels, striate.Tensor(x), sw), expected)
    assert_matches(losses.SparseCategoricalCrossentropy(reduction=reduction)(
        labels, F.softmax(striate.Tensor(x)), sw), expected)
    assert_matches(losses.SparseCategoricalCrossentropy(reduction=reduction)(
        labels[..., None].astype(float), striate.Tensor(p), sw), expected)  # (N, ..., 1) float labels


def test_sparse_equals_categorical_on_one_hot(rng):
    labels, x = rng.integers(0, 7, 9), rng.normal(size=(9, 7))
    sparse = losses.sparse_categorical_crossentropy(labels, striate.Tensor(x), from_logits=True)
    dense = losses.categorical_crossentropy(one_hot(labels, 7), striate.Tensor(x), from_logits=True)
    np.testing.assert_allclose(sparse.data, dense.data, rtol=1e-12)


def test_sparse_ignore_class(rng):
    """Ignored labels give 0 and do not count in the 'sum_over_batch_size' divisor (Keras's mask)."""
    labels, x = rng.integers(0, 4, 10), rng.normal(size=(10, 4))
    labels[[1, 4, 5]] = -1
    valid = labels != -1
    per_sample = np.where(valid, ref_sparse_logits(np.where(valid, labels, 0), x), 0.0)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    assert_matches(loss(labels, striate.Tensor(x)), per_sample.sum() / valid.sum())
    sw = rng.random(10)
    assert_matches(loss(labels, striate.Tensor(x), sw), (per_sample * sw).sum() / valid.sum())
    assert_matches(losses.sparse_categorical_crossentropy(labels, striate.Tensor(x), from_logits=True,
                                                          ignore_class=-1), per_sample)
    summed = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1, reduction="sum")
    assert_matches(summed(labels, striate.Tensor(x)), per_sample.sum())


def test_sparse_all_ignored_gives_zero():
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=255)
    assert float(loss(np.array([255, 255]), striate.Tensor(np.ones((2, 3)))).item()) == 0.0


# ---- KL divergence and hinges -------------------------------------------------------
def test_kl_divergence(rng):
    y, p = np.exp(log_softmax(rng.normal(size=(5, 4)))), np.exp(log_softmax(rng.normal(size=(5, 4))))
    y[0, 0] = 0.0  # clipped to eps, as Keras
    sw = rng.random(5)
    assert_matches(losses.KLDivergence()(y, striate.Tensor(p), sw), ref_reduce(ref_kld(y, p), sw, "sum"
                                                                               ) / 5)
    assert_matches(losses.kl_divergence(y, striate.Tensor(p)), ref_kld(y, p))


@pytest.mark.parametrize("labels", ["binary", "signed"])
def test_hinge_losses(labels, rng):
    t = (rng.random((6, 3)) > 0.5).astype(float)
    if labels == "signed":
        t = 2 * t - 1
    p = rng.normal(size=(6, 3))
    assert_matches(losses.hinge(t, striate.Tensor(p)), ref_hinge(t, p))
    assert_matches(losses.squared_hinge(t, striate.Tensor(p)),
                   (np.maximum(1 - (2 * t - 1 if labels == "binary" else t) * p, 0) ** 2).mean(axis=-1))


def test_categorical_hinge(rng):
    y, p = one_hot(rng.integers(0, 4, 6), 4), rng.normal(size=(6, 4))
    expected = np.maximum((p * (1 - y)).max(axis=-1) - (p * y).sum(axis=-1) + 1, 0)
    assert_matches(losses.categorical_hinge(y, striate.Tensor(p)), expected)
    assert_matches(losses.CategoricalHinge()(y, striate.Tensor(p)), expected.mean())


# ---- Keras's documented values --------------------------------------------------------
def test_keras_doc_values_binary_crossentropy():
    y_true, y_pred = np.array([[0, 1], [0, 0]]), np.array([[-18.6, 0.51], [2.94, -12.8]])
    assert losses.BinaryCrossentropy(from_logits=True)(y_true, y_pred).item() == pytest.approx(0.8654, abs=2e-4)
    assert losses.BinaryCrossentropy(from_logits=True)(y_true, y_pred, sample_weight=[0.8, 0.2]).item() == (
        pytest.approx(0.243, abs=1e-3))
    assert losses.BinaryCrossentropy(from_logits=True, reduction="sum")(y_true, y_pred).item() == (
        pytest.approx(1.730, abs=1e-3))
    np.testing.assert_allclose(losses.BinaryCrossentropy(from_logits=True, reduction=None)(y_true, y_pred).data,
                               [0.235, 1.496], atol=1e-3)
    np.testing.assert_allclose(losses.binary_crossentropy([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).data,
                               [0.916, 0.714], atol=1e-3)


@pytest.mark.parametrize("loss_cls, y_true", [
    (losses.CategoricalCrossentropy, np.array([[0, 1, 0], [0, 0, 1]])),
    (losses.SparseCategoricalCrossentropy, np.array([1, 2])),
])
def test_keras_doc_values_categorical(loss_cls, y_true):
    y_pred = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]])
    assert loss_cls()(y_true, y_pred).item() == pytest.approx(1.177, abs=1e-3)
    assert loss_cls()(y_true, y_pred, sample_weight=np.array([0.3, 0.7])).item() == pytest.approx(0.814, abs=1e-3)
    assert loss_cls(reduction="sum")(y_true, y_pred).item() == pytest.approx(2.354, abs=1e-3)
    np.testing.assert_allclose(loss_cls(reduction=None)(y_true, y_pred).data, [0.0513, 2.303], atol=1e-3)


def test_keras_doc_values_regression():
    assert losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).data.mean() == pytest.approx(0.155, abs=1e-3)
    assert losses.log_cosh([[0.0, 1.0], [0.0, 0.0]], [[1.0, 1.0], [0.0, 0.0]]).data.mean() == (
        pytest.approx(0.108, abs=1e-3))


# ---- dtypes ------------------------------------------------------------------------------
ALL_LOSSES = [
    (losses.MeanSquaredError(), "regression"), (losses.MeanAbsoluteError(), "regression"),
    (losses.Huber(), "regression"), (losses.LogCosh(), "regression"), (losses.Hinge(), "binary"),
    (losses.BinaryCrossentropy(), "probs"), (losses.BinaryCrossentropy(from_logits=True), "binary"),
    (losses.CategoricalCrossentropy(), "one_hot"), (losses.CategoricalCrossentropy(from_logits=True), "one_hot"),
    (losses.SparseCategoricalCrossentropy(), "sparse"), (losses.SparseCategoricalCrossentropy(from_logits=True),
                                                         "sparse"),
    (losses.KLDivergence(), "probs"), (losses.CategoricalHinge(), "one_hot"), (losses.SquaredHinge(), "binary"),
]


def _targets(kind, rng, shape=(4, 3)):
    if kind == "sparse":
        return rng.integers(0, shape[-1], shape[0])  # int64 labels
    if kind == "one_hot":
        return one_hot(rng.integers(0, shape[-1], shape[0]), shape[-1])  # float64
    if kind == "regression":
        return rng.normal(size=shape)
    return (rng.random(shape) > 0.5).astype(np.int64)


@pytest.mark.parametrize("loss, kind", ALL_LOSSES, ids=lambda v: getattr(v, "name", v))
def test_float32_stays_float32(loss, kind, rng):
    """float64/int targets and float64 sample weights never promote a float32 graph."""
    logits = striate.Tensor(rng.random((4, 3)).astype(np.float32) * 0.8 + 0.1, requires_grad=True)
    value = loss(_targets(kind, rng), logits, sample_weight=rng.random(4))
    assert value.dtype == np.float32 and value.shape == ()
    value.backward()
    assert logits.grad.dtype == np.float32 and np.isfinite(logits.grad).all()


def test_dtype_argument_casts_predictions(rng):
    p = striate.Tensor(rng.random((3, 2)))
    assert losses.MeanSquaredError(dtype="float32")(np.zeros((3, 2)), p).dtype == np.float32
    assert losses.MeanSquaredError()(np.zeros((3, 2)), [[0.5, 0.5]] * 3).dtype == np.float32  # floatx for lists
