"""PyTorch as a second oracle: values and gradients of the losses (skipped without torch)."""

import numpy as np
import pytest

import striate
from striate import functional as F
from striate import losses

torch = pytest.importorskip("torch")
tF = torch.nn.functional


@pytest.fixture
def rng():
    return np.random.default_rng(99)


def both(loss_fn, torch_fn, x, *targets):
    """Loss value and gradient w.r.t. ``x`` from striate and from torch (float64)."""
    xs = striate.Tensor(x, requires_grad=True)
    ours = loss_fn(xs)
    ours.backward()
    xt = torch.tensor(x, requires_grad=True)
    theirs = torch_fn(xt, *[torch.tensor(t) for t in targets])
    theirs.backward()
    return (ours.item(), xs.grad), (theirs.item(), xt.grad.numpy())


def assert_same(pair, rtol=1e-10):
    (ours, our_grad), (theirs, their_grad) = pair
    assert ours == pytest.approx(theirs, rel=rtol, abs=rtol)
    np.testing.assert_allclose(our_grad, their_grad, rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy(smoothing, rng):
    x, labels = 4 * rng.normal(size=(8, 5)), rng.integers(0, 5, 8)
    sparse = losses.SparseCategoricalCrossentropy(from_logits=True)
    dense = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=smoothing)
    assert_same(both(lambda t: dense(np.eye(5)[labels], t),
                     lambda t, y: tF.cross_entropy(t, y, label_smoothing=smoothing), x, labels))
    if not smoothing:
        assert_same(both(lambda t: sparse(labels, t), tF.cross_entropy, x, labels))
        assert_same(both(lambda t: losses.SparseCategoricalCrossentropy()(labels, F.softmax(t)),
                         tF.cross_entropy, x, labels))


def test_cross_entropy_ignore_index_and_sample_weights(rng):
    x, labels = rng.normal(size=(10, 4)), rng.integers(0, 4, 10)
    labels[[0, 3]] = -1
    loss = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1)
    assert_same(both(lambda t: loss(labels, t), lambda t, y: tF.cross_entropy(t, y, ignore_index=-1), x, labels))
    sw = rng.random(10)
    weighted = losses.SparseCategoricalCrossentropy(from_logits=True)
    clean = np.abs(labels)
    assert_same(both(lambda t: weighted(clean, t, sample_weight=sw),
                     lambda t, y, w: (tF.cross_entropy(t, y, reduction="none") * w).mean(), x, clean, sw))


def test_cross_entropy_sequences(rng):
    x, labels = rng.normal(size=(3, 4, 6)), rng.integers(0, 6, (3, 4))
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)
    assert_same(both(lambda t: loss(labels, t), lambda t, y: tF.cross_entropy(t.permute(0, 2, 1), y), x, labels))


def test_binary_cross_entropy_with_logits(rng):
    x, z = 5 * rng.normal(size=(7, 3)), rng.random((7, 3))
    loss = losses.BinaryCrossentropy(from_logits=True)
    assert_same(both(lambda t: loss(z, t), tF.binary_cross_entropy_with_logits, x, z))
    assert_same(both(lambda t: losses.BinaryCrossentropy()(z, F.sigmoid(t)),
                     tF.binary_cross_entropy_with_logits, x, z))


def test_binary_cross_entropy_probabilities(rng):
    p, z = rng.uniform(0.05, 0.95, (6, 2)), (rng.random((6, 2)) > 0.5).astype(float)
    assert_same(both(lambda t: losses.BinaryCrossentropy()(z, t), tF.binary_cross_entropy, p, z), rtol=1e-6)


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
def test_mse_mae_huber(delta, rng):
    p, t = 2 * rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    assert_same(both(lambda x: losses.MeanSquaredError()(t, x), tF.mse_loss, p, t))
    assert_same(both(lambda x: losses.MeanAbsoluteError()(t, x), tF.l1_loss, p, t))
    assert_same(both(lambda x: losses.Huber(delta=delta)(t, x),
                     lambda x, y: tF.huber_loss(x, y, delta=delta), p, t))


def test_kl_divergence(rng):
    q = torch.softmax(torch.tensor(rng.normal(size=(4, 5))), -1).numpy()
    p = torch.softmax(torch.tensor(rng.normal(size=(4, 5))), -1).numpy()
    assert_same(both(lambda x: losses.KLDivergence()(q, x),
                     lambda x, y: tF.kl_div(torch.log(x), y, reduction="batchmean"), p, q))


def test_hinge(rng):
    p, t = rng.normal(size=(6, 1)), np.where(rng.random((6, 1)) > 0.5, 1.0, -1.0)
    assert_same(both(lambda x: losses.Hinge()(t, x), lambda x, y: torch.clamp(1 - x * y, min=0).mean(), p, t))
