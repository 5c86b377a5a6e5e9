"""The Noise primitive (dropout and Gaussian noise drawn inside the op), Sum's BLAS path over
middle axes, and batch norm's in-place moving averages."""

import numpy as np
import pytest

import striate
from striate.autograd import BatchNorm, Noise, Sum
from tests.helpers import check_op


def _fixed(kind, **kwargs):
    # a fresh generator per call: the same draw every time, as finite differences need
    return lambda t: Noise.apply(t, kind=kind, rng=np.random.default_rng(5), **kwargs)


@pytest.mark.parametrize("kind,kwargs", [("dropout", {"rate": 0.4}), ("dropout", {"rate": 0.5, "noise_shape": (3, 1)}),
                                         ("gaussian", {"stddev": 0.7}), ("gaussian_dropout", {"stddev": 0.5})])
def test_noise_matches_its_composition_and_gradchecks(kind, kwargs):
    x = np.random.default_rng(0).uniform(-1, 1, (3, 4))
    rng = np.random.default_rng(5)
    shape = kwargs.get("noise_shape", x.shape)
    if kind == "dropout":
        expected = x * ((rng.random(shape, dtype=np.float32) >= kwargs["rate"]) / (1 - kwargs["rate"]))
    elif kind == "gaussian":
        expected = x + (rng.standard_normal(shape, dtype=np.float32) * kwargs["stddev"]).astype(np.float64)
    else:
        expected = x * (rng.standard_normal(shape, dtype=np.float32) * kwargs["stddev"] + 1.0).astype(np.float64)
    check_op(_fixed(kind, **kwargs), lambda a: expected, [x.shape], inputs=[x])


def test_noise_draws_from_the_global_generator_at_each_call():
    x = striate.Tensor(np.ones((2, 50), "float32"))
    striate.random.set_random_seed(3)
    a = Noise.apply(x, kind="dropout", rate=0.5).data
    b = Noise.apply(x, kind="dropout", rate=0.5).data
    striate.random.set_random_seed(3)  # a new generator object: looked up again, not kept
    np.testing.assert_array_equal(Noise.apply(x, kind="dropout", rate=0.5).data, a)
    assert not np.array_equal(a, b)
    with pytest.raises(ValueError, match="kind must be one of"):
        Noise.apply(x, kind="salt")


@pytest.mark.parametrize("shape,axis,keepdims", [((2, 3, 4, 5), (1, 2), False), ((2, 3, 4, 5), (1, 2), True),
                                                 ((2, 6, 3), 1, False), ((2, 3, 4, 5), (2,), True),
                                                 ((2, 3, 4), (0, 1), False), ((2, 3, 4), None, False)])
def test_sum_over_middle_axes(shape, axis, keepdims):
    check_op(lambda t: Sum.apply(t, axis=axis, keepdims=keepdims),
             lambda a: a.sum(axis=axis, keepdims=keepdims), [shape])


def test_batch_norm_updates_moving_statistics_in_place():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 4, 3)).astype("float32")
    mean, var = np.full(3, 0.5, "float32"), np.full(3, 2.0, "float32")
    mean0, var0 = mean.copy(), var.copy()
    BatchNorm.apply(striate.Tensor(x), None, None, mean, var, axis=-1, epsilon=1e-3, momentum=0.9)
    batch_mean, batch_var = x.reshape(-1, 3).mean(0), x.reshape(-1, 3).var(0)
    np.testing.assert_allclose(mean, mean0 * 0.9 + batch_mean * 0.1, rtol=1e-5)
    np.testing.assert_allclose(var, var0 * 0.9 + batch_var * 0.1, rtol=1e-5)


@pytest.mark.parametrize("shape,axis", [((8, 5, 3), -1), ((6, 4, 4, 3), 1)])
def test_batch_norm_with_fused_relu_matches_the_composition_and_gradchecks(shape, axis):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape)
    c = shape[axis]
    gamma, beta = rng.uniform(0.5, 1.5, c), rng.uniform(-0.5, 0.5, c)
    params = [striate.Tensor(gamma, requires_grad=True), striate.Tensor(beta, requires_grad=True)]

    def fused(t):
        return BatchNorm.apply(t, *params, axis=axis, epsilon=1e-3, relu=True)

    def composed(t):
        return striate.functional.relu(BatchNorm.apply(t, *params, axis=axis, epsilon=1e-3))

    for fn in (fused, composed):
        for p in params:
            p.grad = None
    xt = [striate.Tensor(x, requires_grad=True) for _ in range(2)]
    seed = rng.standard_normal(shape)
    outs = [fn(t) for fn, t in zip((fused, composed), xt)]
    np.testing.assert_allclose(outs[0].data, outs[1].data, rtol=1e-12, atol=1e-12)
    grads = []
    for out, t in zip(outs, xt):
        for p in params:
            p.grad = None
        out.backward(seed)
        grads.append([t.grad] + [p.grad for p in params])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-10)
    assert striate.gradcheck(fused, x, params=params)
