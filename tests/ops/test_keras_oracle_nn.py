"""Keras 3 as the oracle of ``ops.nn``: activations, convolutions (all paddings, strides, dilations,
ranks and layouts), pooling, one-hot codes, cross-entropies, normalisation and attention."""

import numpy as np
import pytest

from striate import ops
from tests.ops.keras_oracle import assert_close, dtype_name, load_keras, to_numpy

keras = load_keras()
# Keras on torch converts through a NumPy-2 deprecated path; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
RNG = np.random.default_rng(1)


def rand(*shape, low=-1.0, high=1.0):
    return RNG.uniform(low, high, shape).astype("float32")


def compare(name, *args, **kwargs):
    ours = getattr(ops.nn, name)(*args, **kwargs)
    theirs = getattr(keras.ops.nn, name)(*args, **kwargs)
    if not isinstance(ours, (tuple, list)):
        ours, theirs = (ours,), (theirs,)
    for a, b in zip(ours, theirs):
        expected = to_numpy(keras, b)
        assert a.shape == expected.shape, f"{name}: shape {a.shape} vs Keras {expected.shape}"
        assert a.dtype.name == dtype_name(keras, b), f"{name}: dtype {a.dtype} vs Keras"
        assert_close(a, expected)


ACTIVATIONS = ["relu", "relu6", "sigmoid", "sparse_sigmoid", "softplus", "softsign", "soft_shrink", "sparse_plus",
               "silu", "swish", "squareplus", "log_sigmoid", "leaky_relu", "hard_sigmoid", "hard_silu", "hard_swish",
               "elu", "selu", "gelu", "celu", "glu", "tanh_shrink", "hard_tanh", "hard_shrink", "softmax",
               "log_softmax"]
# sparsemax is checked against a NumPy reference in test_nn_ops.py only: Keras 3.15's torch backend
# returns all-zero rows for some inputs (rows that must sum to 1).


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activations(name):
    if not hasattr(keras.ops.nn, name):
        pytest.skip(f"keras.ops.nn has no {name}")
    compare(name, rand(3, 4, 6, low=-4, high=4))


def test_activation_arguments():
    x = rand(3, 6, low=-4, high=4)
    compare("gelu", x, approximate=False)
    compare("leaky_relu", x, negative_slope=0.05)
    compare("elu", x, alpha=0.5)
    compare("celu", x, alpha=2.0)
    compare("glu", x, axis=0 if x.shape[0] % 2 == 0 else -1)
    compare("threshold", x, 0.3, -1.0)
    compare("softmax", x, axis=0)
    compare("log_softmax", x, axis=0)
    compare("soft_shrink", x, threshold=1.0)
    compare("squareplus", x, b=2)


CONVS = [  # (input shape, kernel shape, kwargs)
    ((2, 9, 3), (3, 3, 4), {}), ((2, 9, 3), (3, 3, 4), {"strides": 2, "padding": "same"}),
    ((2, 9, 3), (3, 3, 4), {"dilation_rate": 2, "padding": "same"}),
    ((2, 7, 8, 3), (3, 2, 3, 5), {}), ((2, 7, 8, 3), (3, 3, 3, 5), {"strides": (2, 3), "padding": "same"}),
    ((2, 7, 8, 3), (3, 3, 3, 4), {"dilation_rate": (2, 1)}), ((1, 5, 6, 4, 2), (2, 3, 2, 2, 3), {"padding": "same"}),
    ((2, 7, 8, 4), (3, 3, 2, 6), {}),  # two groups
]


@pytest.mark.parametrize("x_shape, w_shape, kwargs", CONVS)
def test_conv(x_shape, w_shape, kwargs):
    x, w = rand(*x_shape), rand(*w_shape)
    compare("conv", x, w, **kwargs)
    first = np.moveaxis(x, -1, 1)
    compare("conv", first, w, data_format="channels_first", **kwargs)


DEPTHWISE = [((2, 9, 3), (3, 3, 2), {}), ((2, 7, 8, 3), (3, 3, 3, 2), {"strides": 2, "padding": "same"}),
             ((2, 7, 8, 3), (2, 3, 3, 1), {"dilation_rate": 2}), ((1, 5, 6, 4, 2), (2, 2, 2, 2, 3), {})]


@pytest.mark.parametrize("x_shape, w_shape, kwargs", DEPTHWISE)
def test_depthwise_and_separable_conv(x_shape, w_shape, kwargs):
    x, w = rand(*x_shape), rand(*w_shape)
    compare("depthwise_conv", x, w, **kwargs)
    pointwise = rand(*((1,) * (len(x_shape) - 2) + (w_shape[-2] * w_shape[-1], 4)))
    compare("separable_conv", x, w, pointwise, **kwargs)
    compare("depthwise_conv", np.moveaxis(x, -1, 1), w, data_format="channels_first", **kwargs)


TRANSPOSED = [((2, 5, 3), (3, 4, 3), {}), ((2, 5, 3), (3, 4, 3), {"strides": 2}),
              ((2, 5, 3), (4, 4, 3), {"strides": 3, "padding": "same"}),
              ((2, 4, 5, 3), (3, 3, 2, 3), {"strides": 2, "padding": "same"}),
              ((2, 4, 5, 3), (3, 3, 2, 3), {"strides": 2, "output_padding": 1}),
              ((2, 4, 5, 3), (3, 2, 2, 3), {"strides": (2, 1), "padding": "same", "output_padding": (1, 0)}),
              ((2, 4, 5, 3), (3, 3, 2, 3), {"dilation_rate": 2}), ((1, 3, 4, 3, 2), (2, 2, 2, 3, 2), {"strides": 2})]


@pytest.mark.parametrize("x_shape, w_shape, kwargs", TRANSPOSED)
def test_conv_transpose(x_shape, w_shape, kwargs):
    compare("conv_transpose", rand(*x_shape), rand(*w_shape), **kwargs)


@pytest.mark.parametrize("name", ["max_pool", "average_pool"])
@pytest.mark.parametrize("x_shape, kwargs", [((2, 9, 3), {"pool_size": 2}),
                                             ((2, 9, 3), {"pool_size": 3, "strides": 2, "padding": "same"}),
                                             ((2, 7, 8, 3), {"pool_size": (2, 3)}),
                                             ((2, 7, 8, 3), {"pool_size": 3, "strides": 1, "padding": "same"}),
                                             ((1, 5, 6, 4, 2), {"pool_size": 2, "padding": "same"})])
def test_pooling(name, x_shape, kwargs):
    x = rand(*x_shape)
    compare(name, x, **kwargs)
    compare(name, np.moveaxis(x, -1, 1), data_format="channels_first", **kwargs)


@pytest.mark.parametrize("name", ["adaptive_max_pool", "adaptive_average_pool"])
def test_adaptive_pooling(name):
    if not hasattr(keras.ops.nn, name):
        pytest.skip(f"keras.ops.nn has no {name}")
    compare(name, rand(2, 7, 9, 3), output_size=(3, 4))
    compare(name, rand(2, 10, 3), output_size=4)


def test_one_hot_multi_hot_and_crossentropies():
    labels = np.array([[0, 2, 1], [3, 3, -1]])
    compare("one_hot", labels, 4)
    compare("one_hot", labels, 4, axis=0)
    compare("one_hot", labels, 5, dtype="int32")
    compare("multi_hot", np.array([[0, 2, 2], [1, 3, 3]]), 4)
    logits = rand(4, 5, low=-3, high=3)
    probs = np.asarray(keras.ops.convert_to_numpy(keras.ops.softmax(logits)))
    target = np.eye(5, dtype="float32")[[0, 4, 2, 2]]
    for from_logits, out in [(True, logits), (False, probs)]:
        compare("categorical_crossentropy", target, out, from_logits=from_logits)
        compare("sparse_categorical_crossentropy", np.array([0, 4, 2, 2]), out, from_logits=from_logits)
        compare("categorical_crossentropy", target.T, out.T, from_logits=from_logits, axis=0)
    t = RNG.integers(0, 2, (3, 4)).astype("float32")
    compare("binary_crossentropy", t, rand(3, 4, low=-3, high=3), from_logits=True)
    compare("binary_crossentropy", t, rand(3, 4, low=0.01, high=0.99))


def test_normalisation_attention_and_pixels():
    x = rand(3, 4, 5)
    compare("moments", x, axes=[0, 2])
    compare("moments", x, axes=[1], keepdims=True)
    mean, var, offset, scale = rand(5), rand(5, low=0.5, high=1.5), rand(5), rand(5)
    compare("batch_normalization", x, mean, var, axis=-1, offset=offset, scale=scale)
    compare("batch_normalization", x, rand(4), rand(4, low=0.5), axis=1, epsilon=1e-5)
    compare("normalize", x)
    compare("normalize", x, axis=1, order=1)
    for name in ["rms_normalization", "layer_normalization"]:
        if hasattr(keras.ops.nn, name):
            compare(name, x, rand(5), axis=-1, epsilon=1e-5)
    compare("psnr", rand(2, 4, 4, 1, low=0, high=1), rand(2, 4, 4, 1, low=0, high=1), 1.0)
    q, k, v = rand(2, 3, 4, 8), rand(2, 5, 2, 8), rand(2, 5, 2, 8)
    compare("dot_product_attention", q, k, v)
    compare("dot_product_attention", q, k, v, is_causal=True)
    compare("dot_product_attention", q, k, v, mask=np.tri(3, 5, dtype=bool), scale=0.3)
    compare("dot_product_attention", q, k, v, bias=rand(1, 4, 3, 5))
    compare("depth_to_space", rand(2, 3, 4, 8), 2)
    compare("space_to_depth", rand(2, 4, 6, 3), 2)
