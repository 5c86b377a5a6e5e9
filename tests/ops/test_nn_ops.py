"""``ops.nn``: activations, losses and normalisation against NumPy formulas, convolutions against
direct loops, and a float64 gradient check of each (directional for the larger convolutions)."""

import numpy as np
import pytest
from scipy import special

import striate
from striate import ops
from tests.helpers import check_op, random_inputs


def _sigmoid(x):
    return special.expit(x)


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ACTIVATIONS = [
    ("relu", lambda x: np.maximum(x, 0)), ("relu6", lambda x: np.clip(x, 0, 6)), ("sigmoid", _sigmoid),
    ("sparse_sigmoid", lambda x: np.clip((x + 1) / 2, 0, 1)), ("softplus", lambda x: np.logaddexp(0, x)),
    ("softsign", lambda x: x / (1 + np.abs(x))),
    ("soft_shrink", lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    ("hard_shrink", lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    ("sparse_plus", lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4))),
    ("silu", lambda x: x * _sigmoid(x)), ("swish", lambda x: x * _sigmoid(x)),
    ("squareplus", lambda x: (x + np.sqrt(x * x + 4)) / 2), ("log_sigmoid", lambda x: -np.logaddexp(0, -x)),
    ("leaky_relu", lambda x: np.where(x > 0, x, 0.2 * x)), ("hard_sigmoid", lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    ("hard_silu", lambda x: x * np.clip(x / 6 + 0.5, 0, 1)), ("elu", lambda x: np.where(x > 0, x, np.expm1(x))),
    ("selu", lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x))),
    ("gelu", lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))),
    ("celu", lambda x: np.maximum(x, 0) + np.minimum(0, np.expm1(x))),
    ("tanh_shrink", lambda x: x - np.tanh(x)), ("hard_tanh", lambda x: np.clip(x, -1, 1)),
    ("softmax", _softmax), ("log_softmax", lambda x: np.log(_softmax(x))),
]


@pytest.mark.parametrize("name, reference", ACTIVATIONS, ids=[a[0] for a in ACTIVATIONS])
def test_activations(name, reference):
    check_op(getattr(ops, name), reference, [(3, 5)], low=-3, high=3)
    assert getattr(ops.nn, name) is getattr(ops, name)


def test_activation_arguments():
    check_op(lambda x: ops.gelu(x, approximate=False), lambda x: x * special.ndtr(x), [(3, 4)], low=-3, high=3)
    check_op(lambda x: ops.leaky_relu(x, 0.3), lambda x: np.where(x > 0, x, 0.3 * x), [(4,)])
    check_op(lambda x: ops.elu(x, 2.0), lambda x: np.where(x > 0, x, 2 * np.expm1(x)), [(4,)])
    check_op(lambda x: ops.celu(x, 0.5), lambda x: np.maximum(x, 0) + np.minimum(0, 0.5 * np.expm1(x / 0.5)), [(5,)])
    check_op(lambda x: ops.threshold(x, 0.1, -2.0), lambda x: np.where(x > 0.1, x, -2.0), [(5,)])
    check_op(lambda x: ops.glu(x, axis=0), lambda x: x[:2] * _sigmoid(x[2:]), [(4, 3)])
    check_op(lambda x: ops.softmax(x, axis=(0, 2)), lambda x: _softmax(x.reshape(2, 3, 4).transpose(1, 0, 2)
             .reshape(3, 8), -1).reshape(3, 2, 4).transpose(1, 0, 2), [(2, 3, 4)])
    check_op(lambda x: ops.log_softmax(x, axis=0), lambda x: np.log(_softmax(x, 0)), [(3, 4)])


def _sparsemax(z):
    out = np.empty_like(z)
    for i, row in enumerate(z):
        s = np.sort(row)[::-1]
        k = np.arange(1, len(s) + 1)
        support = 1 + k * s > np.cumsum(s)
        kz = k[support][-1]
        tau = (np.cumsum(s)[kz - 1] - 1) / kz
        out[i] = np.maximum(row - tau, 0)
    return out


def test_sparsemax_is_the_simplex_projection():
    check_op(ops.sparsemax, _sparsemax, [(4, 6)], low=-2, high=2)
    assert np.allclose(ops.sparsemax(random_inputs([(3, 5)])[0]).sum(axis=-1), 1.0)


def _conv_reference(x, w, stride, dilation, pads):
    """A direct 2-D correlation loop: y[n, i, j, f] = sum x[n, i s + a d, j s + b d, c] w[a, b, c, f]."""
    x = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    kh, kw, _, f = w.shape
    oh = (x.shape[1] - (kh - 1) * dilation - 1) // stride + 1
    ow = (x.shape[2] - (kw - 1) * dilation - 1) // stride + 1
    y = np.zeros((x.shape[0], oh, ow, f))
    for a in range(kh):
        for b in range(kw):
            patch = x[:, a * dilation:a * dilation + (oh - 1) * stride + 1:stride,
                      b * dilation:b * dilation + (ow - 1) * stride + 1:stride, :]
            y += patch @ w[a, b]
    return y


@pytest.mark.parametrize("stride, dilation, padding, pads", [(1, 1, "valid", ((0, 0), (0, 0))),
                                                              (2, 1, "same", ((1, 1), (1, 1))),
                                                              (1, 2, "same", ((2, 2), (2, 2)))])
def test_conv_matches_a_direct_loop_and_passes_gradcheck(stride, dilation, padding, pads):
    check_op(lambda x, w: ops.conv(x, w, strides=stride, padding=padding, dilation_rate=dilation),
             lambda x, w: _conv_reference(x, w, stride, dilation, pads), [(2, 5, 5, 3), (3, 3, 3, 2)])


def test_grouped_conv_is_one_conv_per_group():
    x, w = random_inputs([(1, 5, 5, 4), (3, 3, 2, 6)])
    groups = [_conv_reference(x[..., 2 * g:2 * g + 2], w[..., 3 * g:3 * g + 3], 1, 1, ((0, 0), (0, 0)))
              for g in range(2)]
    check_op(ops.conv, lambda x, w: np.concatenate(groups, -1), None, inputs=[x, w])


def _depthwise_reference(x, w, stride, pads):
    c, m = w.shape[-2:]
    y = [_conv_reference(x[..., i:i + 1], w[:, :, i:i + 1, :], stride, 1, pads) for i in range(c)]
    return np.stack(y, axis=-2).reshape(y[0].shape[:-1] + (c * m,))  # channel c * m + j


@pytest.mark.parametrize("stride, padding, pads", [(1, "valid", ((0, 0), (0, 0))), (2, "same", ((1, 1), (1, 1)))])
def test_depthwise_and_separable_conv(stride, padding, pads):
    check_op(lambda x, w: ops.depthwise_conv(x, w, strides=stride, padding=padding),
             lambda x, w: _depthwise_reference(x, w, stride, pads), [(2, 5, 5, 3), (3, 3, 3, 2)])
    check_op(lambda x, w, p: ops.separable_conv(x, w, p, strides=stride, padding=padding),
             lambda x, w, p: _depthwise_reference(x, w, stride, pads) @ p[0, 0],
             [(1, 5, 5, 2), (3, 3, 2, 2), (1, 1, 4, 3)])


def test_conv_transpose_is_the_adjoint_of_conv():
    """<conv(x, w), y> = <x, conv_transpose(y, w)> for 'valid' with the default output size."""
    rng = np.random.default_rng(2)
    for stride, size in [(1, 6), (2, 7), (3, 8)]:
        x, w = rng.standard_normal((2, size, size, 3)), rng.standard_normal((3, 3, 3, 4))
        y = ops.conv(x, w, strides=stride)
        z = rng.standard_normal(y.shape)
        back = ops.conv_transpose(z, w, strides=stride, output_padding=(size - 3) % stride)
        assert back.shape == x.shape
        np.testing.assert_allclose((y * z).sum(), (x * back).sum(), rtol=1e-10)
    assert striate.gradcheck(lambda a, k: ops.conv_transpose(a, k, strides=2, padding="same"),
                             rng.standard_normal((1, 3, 3, 2)), rng.standard_normal((3, 3, 4, 2)))


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_pooling_and_channels_first(rank):
    x = random_inputs([(2,) + (4,) * rank + (3,)])[0]
    windows = x.reshape((2,) + (2, 2) * rank + (3,)) if rank == 1 else None
    out = ops.max_pool(x, 2)
    assert out.shape == (2,) + (2,) * rank + (3,)
    if rank == 1:
        np.testing.assert_allclose(out, windows.max(axis=2))
        np.testing.assert_allclose(ops.average_pool(x, 2), windows.mean(axis=2))
    first = np.moveaxis(x, -1, 1)
    np.testing.assert_allclose(ops.max_pool(first, 2, data_format="channels_first"), np.moveaxis(out, -1, 1))
    assert striate.gradcheck(lambda t: ops.average_pool(t, 2, strides=1, padding="same"), x)
    assert striate.gradcheck(lambda t: ops.max_pool(t, 3, strides=1, padding="same"), x)


def test_adaptive_pools_use_pytorch_bins():
    x = random_inputs([(2, 5, 7, 3)])[0]
    rows, cols = [(0, 2), (1, 4), (3, 5)], [(0, 4), (3, 7)]
    expected_max = np.stack([np.stack([x[:, a:b, c:d].max(axis=(1, 2)) for c, d in cols], 1) for a, b in rows], 1)
    expected_mean = np.stack([np.stack([x[:, a:b, c:d].mean(axis=(1, 2)) for c, d in cols], 1) for a, b in rows], 1)
    check_op(lambda t: ops.adaptive_max_pool(t, (3, 2)), lambda t: expected_max, None, inputs=[x])
    check_op(lambda t: ops.adaptive_average_pool(t, (3, 2)), lambda t: expected_mean, None, inputs=[x])


def test_one_hot_and_multi_hot():
    labels = np.array([[0, 2], [3, -1]])
    hot = ops.one_hot(labels, 4)
    np.testing.assert_array_equal(hot, np.eye(4)[labels] * (labels >= 0)[..., None])
    assert hot.dtype == np.float32 and ops.one_hot(labels, 4, axis=0).shape == (4, 2, 2)
    np.testing.assert_array_equal(ops.multi_hot(np.array([[0, 2, 2], [1, 1, 3]]), 4), [[1, 0, 1, 0], [0, 1, 0, 1]])
    np.testing.assert_array_equal(ops.multi_hot(np.array([1, 3]), num_classes=5), [0, 1, 0, 1, 0])


def test_crossentropies_match_their_formulas():
    eps = 1e-7
    probs = _softmax(random_inputs([(4, 3)], seed=1)[0] * 2)
    target = np.eye(3)[[0, 2, 1, 1]]
    check_op(lambda t, o: ops.categorical_crossentropy(t, o), lambda t, o: -(t * np.log(
        np.clip(o / o.sum(-1, keepdims=True), eps, 1 - eps))).sum(-1), None, inputs=[target, probs])
    check_op(lambda t, o: ops.categorical_crossentropy(t, o, from_logits=True),
             lambda t, o: -(t * np.log(_softmax(o))).sum(-1), [(4, 3), (4, 3)])
    labels = np.array([0, 2, 1, 1])
    check_op(lambda o: ops.sparse_categorical_crossentropy(labels, o, from_logits=True),
             lambda o: -np.log(_softmax(o))[np.arange(4), labels], [(4, 3)])
    check_op(lambda o: ops.sparse_categorical_crossentropy(labels[:, None], o),
             lambda o: -np.log(np.clip(o / o.sum(-1, keepdims=True), eps, 1 - eps))[np.arange(4), labels],
             None, inputs=[probs])
    check_op(lambda o: ops.sparse_categorical_crossentropy(labels[:3], o, axis=0, from_logits=True),
             lambda o: -np.log(_softmax(o, 0))[labels[:3], np.arange(3)], [(3, 3)])
    t, o = random_inputs([(3, 4), (3, 4)], low=0.05, high=0.95)
    check_op(ops.binary_crossentropy, lambda t, o: -(t * np.log(o) + (1 - t) * np.log(1 - o)), None, inputs=[t, o])
    check_op(lambda t, o: ops.binary_crossentropy(t, o, from_logits=True),
             lambda t, o: -(t * np.log(_sigmoid(o)) + (1 - t) * np.log(1 - _sigmoid(o))), None, inputs=[t, o * 4 - 2])


def test_normalisation_ops():
    x = random_inputs([(3, 4, 5)])[0]
    check_op(lambda t: ops.moments(t, axes=[0, 2])[1], lambda t: t.var(axis=(0, 2)), None, inputs=[x])
    check_op(lambda t: ops.moments(t, axes=[1], keepdims=True)[0], lambda t: t.mean(1, keepdims=True), None, inputs=[x])
    mean, var, beta, gamma = random_inputs([(5,), (5,), (5,), (5,)], low=0.5, high=1.5)
    check_op(lambda t, m, v, b, g: ops.batch_normalization(t, m, v, axis=-1, offset=b, scale=g),
             lambda t, m, v, b, g: (t - m) / np.sqrt(v + 1e-3) * g + b, None, inputs=[x, mean, var, beta, gamma])
    check_op(ops.normalize, lambda t: t / np.linalg.norm(t, axis=-1, keepdims=True), None, inputs=[x])
    check_op(lambda t: ops.normalize(t, axis=1, order=1), lambda t: t / np.abs(t).sum(1, keepdims=True), None,
             inputs=[x])
    check_op(lambda t: ops.rms_normalization(t, axis=-1, epsilon=1e-6),
             lambda t: t / np.sqrt((t * t).mean(-1, keepdims=True) + 1e-6), None, inputs=[x])
    check_op(lambda t, g, b: ops.layer_normalization(t, g, b, epsilon=1e-5),
             lambda t, g, b: (t - t.mean(-1, keepdims=True)) / np.sqrt(t.var(-1, keepdims=True) + 1e-5) * g + b,
             None, inputs=[x, gamma, beta])
    assert np.isfinite(ops.normalize(np.zeros((2, 3)))).all()
    a, b = random_inputs([(4, 4), (4, 4)], low=0, high=1)
    np.testing.assert_allclose(ops.psnr(a, b, 1.0), 10 * np.log10(1 / ((a - b) ** 2).mean()), rtol=1e-12)


def _attention_reference(q, k, v, causal):
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    if causal:
        logits = np.where(np.tri(logits.shape[2], logits.shape[3], dtype=bool), logits, -1e30)
    return np.einsum("bnts,bsnh->btnh", _softmax(logits), v)


@pytest.mark.parametrize("causal", [False, True])
def test_dot_product_attention(causal):
    check_op(lambda q, k, v: ops.dot_product_attention(q, k, v, is_causal=causal),
             lambda q, k, v: _attention_reference(q, k, v, causal), [(2, 3, 2, 4), (2, 3, 2, 4), (2, 3, 2, 4)])
    q, k, v = random_inputs([(1, 3, 4, 2), (1, 5, 2, 2), (1, 5, 2, 2)])
    grouped = ops.dot_product_attention(q, k, v)
    np.testing.assert_allclose(grouped, _attention_reference(q, np.repeat(k, 2, 2), np.repeat(v, 2, 2), False))
    mask = np.tri(3, 5, dtype=bool)
    np.testing.assert_allclose(ops.dot_product_attention(q, k, v, mask=mask)[:, 0],
                               _attention_reference(q[:, :1], np.repeat(k, 2, 2)[:, :1], np.repeat(v, 2, 2)[:, :1],
                                                    False)[:, 0])


def test_depth_to_space_and_back():
    x = random_inputs([(2, 3, 4, 8)])[0]
    check_op(lambda t: ops.space_to_depth(ops.depth_to_space(t, 2), 2), lambda t: t, None, inputs=[x])
    y = ops.depth_to_space(x, 2)
    assert y.shape == (2, 6, 8, 2)
    np.testing.assert_array_equal(y[0, 1, 0], x[0, 0, 0, 4:6])  # block row 1, column 0
    first = ops.depth_to_space(np.moveaxis(x, -1, 1), 2, data_format="channels_first")
    np.testing.assert_array_equal(np.moveaxis(first, 1, -1), y)
