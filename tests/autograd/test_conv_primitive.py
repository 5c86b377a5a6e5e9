"""The N-d convolution primitive: naive-loop reference forward, float64 gradcheck, chunking, errors."""

import itertools

import numpy as np
import pytest

import striate
from striate._windows import padding_amounts
from striate.autograd import _workspace
from striate.autograd.conv import Conv

RNG = np.random.default_rng(0)


def naive_conv(x, w, b, strides, pads, dilation):
    """Loop over samples, output positions and kernel taps: an independent reference."""
    rank = w.ndim - 2
    xp = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    out = [(xp.shape[1 + a] - ((w.shape[a] - 1) * dilation[a] + 1)) // strides[a] + 1 for a in range(rank)]
    y = np.zeros((x.shape[0], *out, w.shape[-1]))
    for n in range(x.shape[0]):
        for o in itertools.product(*[range(m) for m in out]):
            acc = np.zeros(w.shape[-1])
            for k in itertools.product(*[range(m) for m in w.shape[:rank]]):
                pos = tuple(o[a] * strides[a] + k[a] * dilation[a] for a in range(rank))
                acc += xp[(n,) + pos] @ w[k]
            y[(n,) + o] = acc + (0 if b is None else b)
    return y


CASES = [  # rank, spatial, kernel, strides, dilation, padding
    (1, (7,), (3,), (1,), (1,), "valid"),
    (1, (8,), (4,), (2,), (1,), "same"),
    (1, (7,), (3,), (1,), (2,), "causal"),
    (1, (9,), (2,), (3,), (1,), "same"),
    (2, (5, 6), (3, 3), (1, 1), (1, 1), "same"),
    (2, (6, 7), (2, 3), (2, 1), (1, 1), "same"),
    (2, (7, 7), (3, 2), (2, 2), (1, 1), "valid"),
    (2, (7, 6), (3, 3), (1, 1), (2, 1), "valid"),
    (2, (5, 5), (1, 1), (1, 1), (1, 1), "valid"),
    (2, (5, 5), (1, 1), (2, 2), (1, 1), "same"),
    (2, (6, 6), (3, 3), (1, 1), (1, 1), ((2, 0), (1, 3))),
    (2, (3, 3), (2, 2), (2, 1), (1, 1), ((4, 1), (0, 4))),
    (3, (4, 5, 4), (2, 3, 2), (1, 2, 1), (1, 1, 1), "same"),
    (3, (5, 4, 4), (3, 2, 2), (2, 1, 1), (1, 1, 2), "valid"),
]


def _pads(spatial, kernel, strides, dilation, padding):
    if padding == "causal":
        return [((k - 1) * d, 0) for k, d in zip(kernel, dilation)]
    if not isinstance(padding, str):
        return list(padding)
    return [padding_amounts(n, k, s, d, padding) for n, k, s, d in zip(spatial, kernel, strides, dilation)]


@pytest.mark.parametrize("rank,spatial,kernel,strides,dilation,padding", CASES)
@pytest.mark.parametrize("c,f", [(3, 2), (5, 4)])  # both im2col layouts, both input-gradient methods
def test_forward_matches_naive_loops_and_gradcheck(rank, spatial, kernel, strides, dilation, padding, c, f):
    x = RNG.standard_normal((2, *spatial, c))
    w = RNG.standard_normal((*kernel, c, f))
    b = RNG.standard_normal(f)

    def fn(x, w, b):
        return Conv.apply(x, w, b, strides=strides, padding=padding, dilation=dilation)

    pads = _pads(spatial, kernel, strides, dilation, padding)
    y = fn(striate.Tensor(x), striate.Tensor(w), striate.Tensor(b))
    np.testing.assert_allclose(y.data, naive_conv(x, w, b, strides, pads, dilation), rtol=1e-10, atol=1e-10)
    assert y.dtype == np.float64
    assert striate.gradcheck(fn, x, w, b)


def test_directional_gradcheck_on_a_larger_convolution():
    x, w, b = RNG.standard_normal((3, 12, 11, 5)), RNG.standard_normal((3, 3, 5, 6)), RNG.standard_normal(6)
    assert striate.gradcheck(lambda x, w, b: Conv.apply(x, w, b, strides=(2, 1), padding="same"), x, w, b,
                             directional=True)


def test_float32_stays_float32_and_skips_unneeded_gradients():
    x = striate.Tensor(RNG.standard_normal((2, 6, 6, 3)).astype("float32"))  # no gradient wanted
    w = striate.Tensor(RNG.standard_normal((3, 3, 3, 4)).astype("float32"), requires_grad=True)
    y = Conv.apply(x, w, None, strides=(1, 1), padding="same", dilation=(1, 1))
    assert y.dtype == np.float32
    fn = y._ctx
    assert fn.needs_grad == (False, True, False)
    dx, dw, db = fn.backward(np.ones(y.shape, dtype="float32"))
    assert dx is None and db is None and dw.dtype == np.float32 and dw.shape == w.shape


def test_many_chunks_give_the_same_result(monkeypatch):
    x, w = RNG.standard_normal((9, 8, 8, 3)), RNG.standard_normal((3, 3, 3, 4))
    dy = RNG.standard_normal((9, 4, 4, 4))

    def run():
        xt, wt = striate.Tensor(x, requires_grad=True), striate.Tensor(w, requires_grad=True)
        y = Conv.apply(xt, wt, None, strides=(2, 2), padding="same")
        y.backward(dy)
        return y.data, xt.grad, wt.grad

    whole = run()
    monkeypatch.setattr(_workspace, "CHUNK_BYTES", 1)  # one sample per chunk
    for a, b in zip(whole, run()):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_reused_buffers_keep_their_padding_per_geometry():
    # Same padded size, different padding: each must see zeros where it pads.
    x = RNG.standard_normal((2, 6, 6, 1))
    w = RNG.standard_normal((3, 3, 1, 1))
    for pads in (((1, 1), (1, 1)), ((2, 0), (0, 2)), ((1, 1), (1, 1))):
        y = Conv.apply(x, w, None, padding=pads)
        np.testing.assert_allclose(y.data, naive_conv(x, w, None, (1, 1), pads, (1, 1)), atol=1e-12)


def test_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"3 channels.*expects 2"):
        Conv.apply(np.ones((1, 5, 5, 3)), np.ones((3, 3, 2, 1)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        Conv.apply(np.ones((1, 2, 5, 1)), np.ones((3, 3, 1, 1)))
    with pytest.raises(ValueError, match="does not match kernel"):
        Conv.apply(np.ones((1, 5, 1)), np.ones((3, 3, 1, 1)))


def test_an_empty_batch_gives_empty_outputs_and_zero_weight_gradients():
    x = striate.Tensor(np.zeros((0, 5, 5, 2), dtype="float32"), requires_grad=True)
    w = striate.Tensor(np.ones((3, 3, 2, 4), dtype="float32"), requires_grad=True)
    y = Conv.apply(x, w, None, padding="same")
    assert y.shape == (0, 5, 5, 4)
    y.sum().backward()
    assert x.grad.shape == x.shape and np.all(w.grad == 0)
