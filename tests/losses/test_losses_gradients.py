"""Gradients of every loss: float64 finite differences (striate.gradcheck), through the
softmax/sigmoid fast path too, and exact, finite gradients for saturated float32 outputs."""

import warnings

import numpy as np
import pytest

import striate
from striate import functional as F
from striate import losses


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def one_hot(labels, classes):
    return np.eye(classes)[labels]


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


REDUCTIONS = ["sum_over_batch_size", "sum", "mean_with_sample_weight"]


def _cases(rng):
    """(name, loss, y_true, y_pred) with predictions away from kinks and clip edges."""
    shape = (4, 3)
    regression_t = rng.normal(size=shape)
    regression_p = regression_t + rng.choice([-1, 1], shape) * rng.uniform(0.1, 2.0, shape)
    binary = (rng.random(shape) > 0.5).astype(float)
    probs = rng.uniform(0.1, 0.9, shape)
    labels = rng.integers(0, 3, 4)
    logits = rng.normal(size=shape)
    return [
        ("mse", losses.MeanSquaredError(), regression_t, regression_p),
        ("mae", losses.MeanAbsoluteError(), regression_t, regression_p),
        ("huber", losses.Huber(delta=0.7), regression_t, regression_p),
        ("log_cosh", losses.LogCosh(), regression_t, regression_p),
        ("hinge", losses.Hinge(), binary, logits * 0.3),
        ("squared_hinge", losses.SquaredHinge(), binary, logits),
        ("categorical_hinge", losses.CategoricalHinge(), one_hot(labels, 3), logits),
        ("bce_probs", losses.BinaryCrossentropy(label_smoothing=0.1), binary, probs),
        ("bce_logits", losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1), binary, 3 * logits),
        ("cce_probs", losses.CategoricalCrossentropy(label_smoothing=0.2), one_hot(labels, 3), probs),
        ("cce_logits", losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2), one_hot(labels, 3),
         3 * logits),
        ("sparse_probs", losses.SparseCategoricalCrossentropy(), labels, probs),
        ("sparse_logits", losses.SparseCategoricalCrossentropy(from_logits=True), labels, 3 * logits),
        ("kld", losses.KLDivergence(), softmax(logits), probs),
    ]


@pytest.mark.parametrize("index", range(14))
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradcheck_every_loss(index, reduction, rng):
    name, loss, y_true, y_pred = _cases(rng)[index]
    loss.reduction = reduction
    sample_weight = rng.uniform(0.2, 2.0, 4)
    assert striate.gradcheck(lambda p: loss(y_true, p, sample_weight=sample_weight), y_pred)


@pytest.mark.parametrize("index", range(14))
def test_gradcheck_per_sample(index, rng):
    name, loss, y_true, y_pred = _cases(rng)[index]
    loss.reduction = None
    assert striate.gradcheck(lambda p: loss(y_true, p), y_pred)


@pytest.mark.parametrize("loss", [
    losses.CategoricalCrossentropy(), losses.CategoricalCrossentropy(label_smoothing=0.1),
    losses.SparseCategoricalCrossentropy(), losses.SparseCategoricalCrossentropy(ignore_class=2),
], ids=lambda loss: loss.name + ("_smooth" if getattr(loss, "label_smoothing", 0) else ""))
def test_gradcheck_through_softmax_fast_path(loss, rng):
    labels = rng.integers(0, 4, 5)
    y_true = labels if "sparse" in loss.name else one_hot(labels, 4)
    assert striate.gradcheck(lambda z: loss(y_true, F.softmax(z), sample_weight=np.arange(1.0, 6.0)),
                             3 * rng.normal(size=(5, 4)))


def test_gradcheck_through_sigmoid_fast_path(rng):
    loss = losses.BinaryCrossentropy(label_smoothing=0.05)
    z = (rng.random((6, 2)) > 0.5).astype(float)
    assert striate.gradcheck(lambda x: loss(z, F.sigmoid(x)), 4 * rng.normal(size=(6, 2)))


def test_fast_path_gradient_reaches_the_logits_directly(rng):
    """The loss is computed from the logits: y_pred (the softmax) is not on the gradient path."""
    logits = striate.Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    probabilities = F.softmax(logits).retain_grad()
    labels = np.array([0, 3, 1])
    losses.SparseCategoricalCrossentropy()(labels, probabilities).backward()
    assert probabilities.grad is None
    np.testing.assert_allclose(logits.grad, (softmax(logits.data) - one_hot(labels, 4)) / 3, rtol=1e-12)


# ---- saturation ---------------------------------------------------------------------
def test_saturated_float32_softmax_gives_exact_finite_loss_and_gradient():
    """Softmax of float32 logits +-1000 is exactly 0 and 1; the loss still is exact."""
    logits = striate.Tensor(np.array([[1000.0, -1000.0, 0.0], [0.0, 1000.0, -1000.0]], np.float32),
                            requires_grad=True)
    y_pred = F.softmax(logits)
    assert set(np.unique(y_pred.data)) == {0.0, 1.0}  # saturated
    y_true = np.array([[0, 1, 0], [0, 1, 0]])
    loss = losses.CategoricalCrossentropy()(y_true, y_pred)
    # Sample 0: -log_softmax at class 1 = 1000 - (-1000) = 2000; sample 1: 0.
    assert loss.dtype == np.float32 and loss.item() == pytest.approx(1000.0)
    loss.backward()
    expected = (np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]) - y_true) / 2
    assert np.isfinite(logits.grad).all()
    np.testing.assert_allclose(logits.grad, expected, atol=1e-7)


@pytest.mark.parametrize("value", [1000.0, -1000.0])
def test_saturated_float32_logits_all_cross_entropies(value):
    x = np.full((2, 3), value, np.float32)
    x[:, 0] = -value
    labels = np.array([0, 1])
    cases = [
        (losses.CategoricalCrossentropy(from_logits=True), one_hot(labels, 3), lambda t: t),
        (losses.SparseCategoricalCrossentropy(from_logits=True), labels, lambda t: t),
        (losses.SparseCategoricalCrossentropy(), labels, F.softmax),
        (losses.BinaryCrossentropy(from_logits=True), (x > 0).astype(float), lambda t: t),
        (losses.BinaryCrossentropy(from_logits=True), (x < 0).astype(float), lambda t: t),
        (losses.BinaryCrossentropy(), (x < 0).astype(float), F.sigmoid),
    ]
    for loss, y_true, head in cases:
        logits = striate.Tensor(x, requires_grad=True)
        value_ = loss(y_true, head(logits))
        value_.backward()
        assert np.isfinite(value_.item()) and np.isfinite(logits.grad).all(), loss.name


def test_binary_crossentropy_from_saturated_sigmoid_is_exact():
    logits = striate.Tensor(np.array([[30.0], [-30.0], [0.0]], np.float32), requires_grad=True)
    y_true = np.array([0.0, 1.0, 1.0])
    loss = losses.BinaryCrossentropy(reduction="sum")(y_true, F.sigmoid(logits))
    assert loss.item() == pytest.approx(30 + 30 + np.log(2), rel=1e-6)  # not -log(eps) = 16.1
    loss.backward()
    np.testing.assert_allclose(logits.grad[:, 0], [1.0, -1.0, -0.5], atol=1e-6)  # sigmoid(x) - z, 0.5 - z at 0


def test_plain_saturated_probabilities_are_clipped():
    """Without the activation's logits, exact 0/1 probabilities are clipped to [eps, 1 - eps] as Keras."""
    p = striate.Tensor(np.array([[1.0, 0.0]], np.float32), requires_grad=True)
    loss = losses.CategoricalCrossentropy()(np.array([[0, 1]]), p)
    assert loss.item() == pytest.approx(-np.log(1e-7), rel=1e-3)
    loss.backward()
    assert np.isfinite(p.grad).all()


def test_bce_gradient_at_zero_logit_is_sigmoid_minus_target():
    x = striate.Tensor(np.zeros((2, 1)), requires_grad=True)
    losses.BinaryCrossentropy(from_logits=True, reduction="sum")(np.array([0.0, 1.0]), x).backward()
    np.testing.assert_allclose(x.grad[:, 0], [0.5, -0.5])


def test_log_cosh_and_mae_gradients_at_zero_error():
    p = striate.Tensor(np.zeros((1, 2)), requires_grad=True)
    losses.LogCosh()(np.zeros((1, 2)), p).backward()
    np.testing.assert_array_equal(p.grad, [[0.0, 0.0]])  # tanh(0)


def test_from_logits_true_on_softmax_output_warns_and_uses_it_as_logits(rng):
    x = rng.normal(size=(2, 3))
    y = one_hot(np.array([0, 2]), 3)
    with pytest.warns(UserWarning, match="from_logits=True"):
        value = losses.categorical_crossentropy(y, F.softmax(striate.Tensor(x)), from_logits=True)
    p = softmax(x)
    log_p = p - np.log(np.exp(p).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(value.data, -(y * log_p).sum(axis=-1))


def test_no_runtime_warnings_for_extreme_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for big in (1e30, -1e30, 88.0, -104.0):
            x = striate.Tensor(np.array([[big, 0.0]], np.float32), requires_grad=True)
            losses.BinaryCrossentropy(from_logits=True)(np.array([[1.0, 0.0]]), x).backward()
            losses.LogCosh()(np.zeros((1, 2)), x).item()
