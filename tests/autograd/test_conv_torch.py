"""PyTorch as a second oracle: forward and both gradients of conv and pooling, float32.

Layouts are transposed (PyTorch is channels first, kernel ``(F, C, *k)``) and
'same' padding is applied explicitly as TensorFlow splits it (the odd zero
after), since PyTorch pads symmetrically.
"""

import numpy as np
import pytest

import striate
from striate._windows import padding_amounts
from striate.autograd.conv import Conv
from striate.autograd.pooling import AvgPool, MaxPool

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(2)
SIZES = {1: (11,), 2: (9, 8), 3: (6, 7, 5)}


def to_torch(a):
    return torch.tensor(np.moveaxis(a, -1, 1).copy(), requires_grad=True)  # (N, C, *spatial)


def from_torch(t):
    return np.moveaxis(t.detach().numpy(), 1, -1)


def torch_pads(spatial, kernel, strides, dilation, padding):
    pads = [padding_amounts(n, k, s, d, padding) for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    return [p for pair in reversed(pads) for p in pair]  # F.pad wants the last axis first


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * max(1.0, float(np.abs(b).max())))


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("k,s,d", [(3, 1, 1), (3, 2, 1), (4, 1, 1), (2, 2, 1), (3, 1, 2), (5, 2, 1)])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("c,f", [(2, 3), (5, 4)])  # both im2col layouts (few and many channels)
def test_conv_matches_pytorch(rank, k, s, d, padding, c, f):
    spatial = SIZES[rank]
    x = RNG.standard_normal((2, *spatial, c)).astype("float32")
    w = RNG.standard_normal((k,) * rank + (c, f)).astype("float32")
    b = RNG.standard_normal(f).astype("float32")
    xs, ws, bs = (striate.Tensor(a, requires_grad=True) for a in (x, w, b))
    y = Conv.apply(xs, ws, bs, strides=(s,) * rank, padding=padding, dilation=(d,) * rank)

    xt = to_torch(x)
    wt = torch.tensor(np.moveaxis(np.moveaxis(w, -1, 0), -1, 1).copy(), requires_grad=True)  # (F, C, *k)
    bt = torch.tensor(b, requires_grad=True)
    conv = {1: TF.conv1d, 2: TF.conv2d, 3: TF.conv3d}[rank]
    yt = conv(TF.pad(xt, torch_pads(spatial, (k,) * rank, (s,) * rank, (d,) * rank, padding)), wt, bt,
              stride=s, dilation=d)
    close(y.data, from_torch(yt))

    dy = RNG.standard_normal(y.shape).astype("float32")
    y.backward(dy)
    yt.backward(torch.tensor(np.moveaxis(dy, -1, 1).copy()))
    close(xs.grad, from_torch(xt.grad))
    close(ws.grad, np.moveaxis(np.moveaxis(wt.grad.numpy(), 0, -1), 0, -2))
    close(bs.grad, bt.grad.numpy())
    assert y.dtype == xs.grad.dtype == ws.grad.dtype == np.float32


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("p,s,padding", [(2, 2, "valid"), (2, 2, "same"), (3, 2, "same"), (3, 1, "valid"),
                                         (3, 3, "same"), (2, 1, "same")])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_matches_pytorch(rank, p, s, padding, kind):
    spatial = SIZES[rank]
    x = RNG.standard_normal((2, *spatial, 3)).astype("float32")
    xs = striate.Tensor(x, requires_grad=True)
    y = (MaxPool if kind == "max" else AvgPool).apply(xs, pool=(p,) * rank, strides=(s,) * rank, padding=padding)

    xt = to_torch(x)
    pads = torch_pads(spatial, (p,) * rank, (s,) * rank, (1,) * rank, padding)
    if kind == "max":
        pool = {1: TF.max_pool1d, 2: TF.max_pool2d, 3: TF.max_pool3d}[rank]
        yt = pool(TF.pad(xt, pads, value=-float("inf")), p, s)
    else:  # TensorFlow's 'same': mean over the real inputs = sum over zero-padded / count
        pool = {1: TF.avg_pool1d, 2: TF.avg_pool2d, 3: TF.avg_pool3d}[rank]
        yt = pool(TF.pad(xt, pads), p, s) / pool(TF.pad(torch.ones_like(xt), pads), p, s)
    close(y.data, from_torch(yt))

    dy = RNG.standard_normal(y.shape).astype("float32")
    y.backward(dy)
    yt.backward(torch.tensor(np.moveaxis(dy, -1, 1).copy()))
    close(xs.grad, from_torch(xt.grad))


def test_layers_with_weights_copied_from_pytorch_give_its_outputs():
    """A conv net whose kernels are transposed from PyTorch's computes PyTorch's outputs."""
    from striate import layers as L

    net = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                              torch.nn.Conv2d(8, 4, 5, stride=2, padding=2))
    model = striate.Sequential([L.Input(shape=(16, 16, 3)), L.Conv2D(8, 3, padding="same", activation="relu"),
                                L.MaxPooling2D(), L.Conv2D(4, 5, strides=2, padding="same")])
    weights = []
    for conv in (net[0], net[3]):
        weights += [conv.weight.detach().numpy().transpose(2, 3, 1, 0), conv.bias.detach().numpy()]
    model.set_weights(weights)
    x = RNG.standard_normal((2, 16, 16, 3)).astype("float32")
    # 8x8 input, k=5, s=2: TensorFlow pads (1, 2), PyTorch (2, 2); compare on an explicitly padded net
    h = net[2](net[1](net[0](to_torch(x))))
    expected = from_torch(TF.conv2d(TF.pad(h, (1, 2, 1, 2)), net[3].weight, net[3].bias, stride=2))
    close(model.predict_on_batch(x), expected)


@pytest.mark.parametrize("s", [1, 2])
def test_first_layer_input_gradient_is_skipped(s):
    x = striate.Tensor(RNG.standard_normal((2, 6, 6, 1)).astype("float32"))
    w = striate.Tensor(RNG.standard_normal((3, 3, 1, 2)).astype("float32"), requires_grad=True)
    Conv.apply(x, w, None, strides=(s, s), padding="same").sum().backward()
    assert x.grad is None and w.grad is not None


def test_grouped_conv_layer_matches_pytorch():
    from striate.layers import Conv2D

    layer = Conv2D(6, 3, groups=3, padding="same", bias_initializer="random_normal")
    x = RNG.standard_normal((2, 5, 6, 9)).astype("float32")
    xs = striate.Tensor(x, requires_grad=True)
    y = layer(xs)
    kernel, bias = layer.kernel, layer.bias
    xt = to_torch(x)
    wt = torch.tensor(kernel.numpy().transpose(3, 2, 0, 1).copy(), requires_grad=True)  # (F, C/G, kh, kw)
    yt = TF.conv2d(xt, wt, torch.tensor(bias.numpy()), padding=1, groups=3)
    close(y.data, from_torch(yt))
    dy = RNG.standard_normal(y.shape).astype("float32")
    y.backward(dy)
    yt.backward(torch.tensor(np.moveaxis(dy, -1, 1).copy()))
    close(xs.grad, from_torch(xt.grad))
    close(kernel.grad, wt.grad.numpy().transpose(2, 3, 1, 0))
