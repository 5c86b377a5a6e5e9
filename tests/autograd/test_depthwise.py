"""The depthwise convolution primitive: NumPy reference (a direct sum over taps), gradcheck, PyTorch."""

import itertools

import numpy as np
import pytest

import striate
from striate._windows import padding_amounts
from striate.autograd.depthwise import DepthwiseConv, depthwise_output_shape

RNG = np.random.default_rng(5)


def reference(x, w, b, strides, padding, dilation):
    """y[n, o, c*M + m] = sum_t xpad[n, o*s + t*d, c] w[t, c, m] (+ b), one output position at a time."""
    rank = w.ndim - 2
    pads = [padding_amounts(n, k, s, d, padding) for n, k, s, d in zip(x.shape[1:-1], w.shape[:rank], strides, dilation)]
    xpad = np.pad(x, [(0, 0)] + pads + [(0, 0)])
    out = depthwise_output_shape(x.shape[1:-1], w.shape[:rank], strides, dilation, padding)
    c, m = w.shape[-2:]
    y = np.zeros((x.shape[0],) + out + (c, m))
    for o in itertools.product(*[range(n) for n in out]):
        for t in itertools.product(*[range(k) for k in w.shape[:rank]]):
            at = tuple(oi * s + ti * d for oi, ti, s, d in zip(o, t, strides, dilation))
            y[(slice(None),) + o] += xpad[(slice(None),) + at][:, :, None] * w[t]
    y = y.reshape(y.shape[:-2] + (c * m,))
    return y if b is None else y + b


CASES = [  # x shape, kernel (*K, C, M), strides, padding, dilation, bias
    ((2, 9, 3), (3, 3, 1), (1,), "valid", (1,), True),
    ((2, 8, 2), (2, 2, 3), (2,), "same", (1,), False),
    ((1, 7, 6, 2), (3, 2, 2, 2), (2, 1), "same", (1, 2), True),
    ((2, 6, 5, 3), (3, 3, 3, 1), (1, 1), "same", (1, 1), False),
    ((1, 5, 6, 4, 2), (2, 3, 2, 2, 1), (1, 2, 1), "valid", (2, 1, 1), True),
]


@pytest.mark.parametrize("x_shape,w_shape,strides,padding,dilation,bias", CASES)
def test_forward_matches_direct_sum_and_gradients_pass_gradcheck(x_shape, w_shape, strides, padding, dilation, bias):
    x, w = RNG.standard_normal(x_shape), RNG.standard_normal(w_shape)
    b = RNG.standard_normal(w_shape[-2] * w_shape[-1]) if bias else None
    y = DepthwiseConv.apply(x, w, b, strides=strides, padding=padding, dilation=dilation)
    np.testing.assert_allclose(y.data, reference(x, w, b, strides, padding, dilation), rtol=1e-12, atol=1e-12)
    args = (x, w) + ((b,) if bias else ())
    assert striate.gradcheck(lambda *t: DepthwiseConv.apply(*t, strides=strides, padding=padding, dilation=dilation),
                             *args)


def test_only_the_requested_gradients_are_computed():
    x = striate.Tensor(RNG.standard_normal((1, 5, 5, 2)))
    w = striate.Tensor(RNG.standard_normal((3, 3, 2, 1)), requires_grad=True)
    DepthwiseConv.apply(x, w, padding="same").sum().backward()
    assert x.grad is None and w.grad.shape == (3, 3, 2, 1)


def test_float32_stays_float32_and_bad_shapes_are_named():
    y = DepthwiseConv.apply(np.ones((1, 4, 4, 2), "float32"), np.ones((2, 2, 2, 1), "float32"))
    assert y.dtype == np.float32 and y.shape == (1, 3, 3, 2)
    with pytest.raises(ValueError, match=r"depthwise conv: input of shape \(1, 4, 4, 3\).*kernel of shape"):
        DepthwiseConv.apply(np.ones((1, 4, 4, 3)), np.ones((2, 2, 2, 1)))
    with pytest.raises(ValueError, match="larger than the padded input"):
        DepthwiseConv.apply(np.ones((1, 2, 2, 1)), np.ones((3, 3, 1, 1)))


def test_against_torch_grouped_conv():
    """PyTorch's conv2d with groups=C is the same operation (channels first, kernel (C*M, 1, kh, kw))."""
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal((2, 9, 8, 3)).astype("float32")
    w = RNG.standard_normal((3, 3, 3, 2)).astype("float32")
    b = RNG.standard_normal(6).astype("float32")
    xt = torch.tensor(np.moveaxis(x, -1, 1).copy(), requires_grad=True)
    wt = torch.tensor(w.reshape(3, 3, 6).transpose(2, 0, 1)[:, None].copy(), requires_grad=True)  # (C*M, 1, kh, kw)
    yt = torch.nn.functional.conv2d(xt, wt, torch.tensor(b), stride=2, dilation=(1, 2), groups=3)
    upstream = RNG.standard_normal(yt.shape).astype("float32")
    yt.backward(torch.tensor(upstream))
    X, W = striate.Tensor(x, requires_grad=True), striate.Tensor(w, requires_grad=True)
    y = DepthwiseConv.apply(X, W, b, strides=(2, 2), padding="valid", dilation=(1, 2))
    y.backward(np.moveaxis(upstream, 1, -1).copy())
    tol = dict(rtol=1e-5, atol=1e-5 * 3 * 3 * 4)  # float32 sums of 9 (forward) to ~30 (weight gradient) terms
    np.testing.assert_allclose(y.data, np.moveaxis(yt.detach().numpy(), 1, -1), **tol)
    np.testing.assert_allclose(X.grad, np.moveaxis(xt.grad.numpy(), 1, -1), **tol)
    np.testing.assert_allclose(W.grad, wt.grad.numpy()[:, 0].transpose(1, 2, 0).reshape(3, 3, 3, 2), **tol)
