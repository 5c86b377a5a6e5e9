"""Max and average pooling primitives: naive-loop reference, gradcheck, ties, 'same' counts."""

import itertools

import numpy as np
import pytest

import striate
from striate._windows import padding_amounts
from striate.autograd.pooling import AvgPool, MaxPool

RNG = np.random.default_rng(1)


def naive_pool(x, pool, strides, padding, kind):
    """Loop over samples, output positions and channels; 'same' ignores the padding."""
    rank = len(pool)
    pads = [padding_amounts(n, p, s, 1, padding) for n, p, s in zip(x.shape[1:-1], pool, strides)]
    out = [(n + b + a - p) // s + 1 for n, (b, a), p, s in zip(x.shape[1:-1], pads, pool, strides)]
    y = np.zeros((x.shape[0], *out, x.shape[-1]))
    for n in range(x.shape[0]):
        for o in itertools.product(*[range(m) for m in out]):
            window = tuple(slice(max(o[a] * strides[a] - pads[a][0], 0),
                                 min(o[a] * strides[a] - pads[a][0] + pool[a], x.shape[1 + a])) for a in range(rank))
            values = x[(n,) + window].reshape(-1, x.shape[-1])
            y[(n,) + o] = values.max(axis=0) if kind == "max" else values.mean(axis=0)
    return y


CASES = [  # spatial, pool, strides, padding
    ((7,), (2,), (2,), "valid"),
    ((7,), (3,), (2,), "same"),
    ((6, 7), (2, 2), (2, 2), "valid"),
    ((7, 6), (3, 3), (2, 2), "same"),
    ((5, 5), (2, 3), (1, 2), "same"),
    ((6, 6), (3, 3), (3, 3), "same"),
    ((5, 4, 5), (2, 2, 3), (2, 1, 2), "same"),
    ((4, 4, 4), (2, 2, 2), (2, 2, 2), "valid"),
]


@pytest.mark.parametrize("op,kind", [(MaxPool, "max"), (AvgPool, "avg")])
@pytest.mark.parametrize("spatial,pool,strides,padding", CASES)
def test_pooling_matches_naive_loops_and_gradcheck(op, kind, spatial, pool, strides, padding):
    # distinct values: no ties, so max pooling is differentiable everywhere checked
    x = RNG.permutation(np.prod(spatial) * 4).reshape((2, *spatial, 2)) / 7.0

    def fn(x):
        return op.apply(x, pool=pool, strides=strides, padding=padding)

    y = fn(striate.Tensor(x))
    np.testing.assert_allclose(y.data, naive_pool(x, pool, strides, padding, kind), rtol=1e-12, atol=1e-12)
    assert striate.gradcheck(fn, x)


def test_max_pool_gives_a_tied_gradient_to_the_first_maximum_only():
    x = striate.Tensor(np.zeros((1, 2, 2, 1), dtype="float32"), requires_grad=True)
    MaxPool.apply(x, pool=(2, 2)).sum().backward()
    assert x.grad[0, :, :, 0].tolist() == [[1.0, 0.0], [0.0, 0.0]]


def test_average_same_padding_divides_by_real_inputs():
    x = np.ones((1, 3, 3, 1), dtype="float32")
    y = AvgPool.apply(x, pool=(2, 2), strides=(2, 2), padding="same")
    assert y.data[0, :, :, 0].tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert y.dtype == np.float32


def test_float32_gradients_stay_float32():
    x = striate.Tensor(RNG.standard_normal((2, 5, 5, 3)).astype("float32"), requires_grad=True)
    for op in (MaxPool, AvgPool):
        x.grad = None
        op.apply(x, pool=(3, 3), strides=(2, 2), padding="same").sum().backward()
        assert x.grad.dtype == np.float32


def test_pool_larger_than_input_is_a_clear_error():
    with pytest.raises(ValueError, match=r"pool \(3, 3\) is larger than the \(padded\) input \(2, 5\)"):
        MaxPool.apply(np.ones((1, 2, 5, 1)), pool=(3, 3))


@pytest.mark.parametrize("shape", [(3, 4, 6, 2), (2, 5, 7, 3), (1, 2, 2, 1)])
def test_two_by_two_max_pool_routes_ties_like_row_major_first_maximum(shape):
    # Integer values in {0, 1, 2}: most windows hold ties, in every arrangement.
    x = RNG.integers(0, 3, size=shape).astype("float32")
    dy = RNG.standard_normal((shape[0], shape[1] // 2, shape[2] // 2, shape[3])).astype("float32")
    xt = striate.Tensor(x, requires_grad=True)
    MaxPool.apply(xt, pool=(2, 2)).backward(dy)
    expected = np.zeros_like(x)
    for n, i, j, c in itertools.product(*[range(k) for k in dy.shape]):
        window = x[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c].ravel()
        first = int(np.argmax(window))  # NumPy's argmax: the first maximum in row-major order
        expected[n, 2 * i + first // 2, 2 * j + first % 2, c] = dy[n, i, j, c]
    np.testing.assert_array_equal(xt.grad, expected)
