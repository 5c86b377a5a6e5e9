"""Conv1D/2D/3D: layer contract, Keras shapes, layout, config and names, Sobel, bad input."""

import json

import numpy as np
import pytest

import striate
from striate import signal
from striate.layers import Conv1D, Conv2D, Conv3D, Convolution2D, Input
from tests.helpers import check_layer_contract

RNG = np.random.default_rng(3)


@pytest.mark.parametrize("make,input_shape,output_shape,params", [
    (lambda: Conv1D(4, 3, strides=2, padding="same"), (7, 3), (4, 4), 3 * 3 * 4 + 4),
    (lambda: Conv1D(2, 2, padding="causal", dilation_rate=2, activation="tanh"), (6, 2), (6, 2), 2 * 2 * 2 + 2),
    (lambda: Conv2D(3, (3, 2), activation="relu"), (5, 4, 2), (3, 3, 3), 3 * 2 * 2 * 3 + 3),
    (lambda: Conv2D(2, 4, strides=2, padding="same", use_bias=False), (7, 6, 1), (4, 3, 2), 4 * 4 * 1 * 2),
    (lambda: Conv2D(2, 3, dilation_rate=(2, 1), activation="sigmoid"), (6, 5, 2), (2, 3, 2), 3 * 3 * 2 * 2 + 2),
    (lambda: Conv3D(2, (2, 3, 2), strides=(1, 2, 1), padding="same"), (3, 4, 3, 2), (3, 2, 3, 2), 2 * 3 * 2 * 2 * 2 + 2),
    (lambda: Conv2D(4, 3, groups=2, padding="same"), (4, 4, 6), (4, 4, 4), 3 * 3 * 3 * 4 + 4),
])
def test_conv_layer_contract(make, input_shape, output_shape, params):
    check_layer_contract(make, input_shape, output_shape, params)


@pytest.mark.parametrize("n,k,s,d,padding,expected", [
    (10, 3, 1, 1, "valid", 8), (10, 3, 2, 1, "valid", 4), (10, 4, 3, 1, "valid", 3), (10, 3, 1, 3, "valid", 4),
    (10, 3, 1, 1, "same", 10), (10, 4, 3, 1, "same", 4), (11, 2, 2, 1, "same", 6), (10, 3, 1, 4, "same", 10),
])
def test_output_size_follows_keras_formulas(n, k, s, d, padding, expected):
    layer = Conv1D(1, k, strides=s, dilation_rate=d, padding=padding)
    assert layer.compute_output_shape((None, n, 1)) == (None, expected, 1)
    assert layer(np.ones((1, n, 1), dtype="float32")).shape == (1, expected, 1)
    assert Conv1D(1, k, strides=s, padding=padding).compute_output_shape((None, None, 1)) == (None, None, 1)


def test_kernel_layout_names_and_config_follow_keras():
    layer = Conv2D(8, (3, 5), strides=(1, 2), padding="same", activation="relu")
    layer.build((None, 9, 9, 4))
    assert layer.name == "conv2d" and Conv3D(1, 1).name == "conv3d" and Conv2D(1, 1).name == "conv2d_1"
    assert [w.shape for w in layer.weights] == [(3, 5, 4, 8), (8,)]
    assert [w.path for w in layer.weights] == ["conv2d/kernel", "conv2d/bias"]
    config = layer.get_config()
    assert {"filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "groups", "activation",
            "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer",
            "bias_regularizer"} <= set(config)
    assert config["kernel_size"] == [3, 5] and config["strides"] == [1, 2] and config["data_format"] == "channels_last"
    clone = Conv2D.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    assert Convolution2D is Conv2D


def test_glorot_uniform_kernel_uses_keras_fans():
    layer = Conv2D(64, 3)
    layer.build((None, 32, 32, 32))
    limit = np.sqrt(6.0 / (3 * 3 * 32 + 3 * 3 * 64))
    kernel = layer.kernel.numpy()
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > 0.9 * limit
    assert kernel.dtype == np.float32


def test_forward_equals_direct_sum_over_taps():
    x = RNG.standard_normal((2, 6, 7, 3)).astype("float32")
    layer = Conv2D(4, (2, 3), strides=(2, 1), bias_initializer="random_normal")
    y = layer(x).data
    kernel, bias = layer.get_weights()
    expected = np.zeros_like(y) + bias
    for i in range(2):
        for j in range(3):
            expected += x[:, i:i + 2 * y.shape[1] - 1:2, j:j + y.shape[2]] @ kernel[i, j]
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-5)


def test_sobel_kernels_reproduce_signal_correlate_exactly():
    """The lecture's Sobel pair in a Conv2D gives striate.signal.correlate's 'valid' output, bit for bit."""
    w1, w2 = signal.sobel_kernels("float32")
    image = RNG.integers(0, 256, size=(20, 17)).astype("float32")  # integers: every sum is exact
    layer = Conv2D(2, 3, use_bias=False)
    layer.build((None, 20, 17, 1))
    layer.set_weights([np.stack([w1, w2], axis=-1)[:, :, None, :]])  # (3, 3, 1, 2)
    out = layer(image[None, :, :, None]).data
    np.testing.assert_array_equal(out[0, :, :, 0], signal.correlate(image, w1, mode="valid"))
    np.testing.assert_array_equal(out[0, :, :, 1], signal.correlate(image, w2, mode="valid"))


def test_conv_layers_train_in_a_model_and_round_trip_through_config():
    model = striate.Sequential([Input(shape=(8, 8, 1)), Conv2D(4, 3, padding="same", activation="relu"),
                                striate.layers.MaxPooling2D(), Conv2D(2, 3, strides=2, padding="same"),
                                striate.layers.GlobalAveragePooling2D(), striate.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x, y = RNG.standard_normal((16, 8, 8, 1)).astype("float32"), RNG.integers(0, 3, 16)
    first = model.train_on_batch(x, y)
    for _ in range(20):
        last = model.train_on_batch(x, y)
    assert last < first
    clone = striate.saving.deserialize_layer(json.loads(json.dumps(striate.saving.serialize_layer(model))))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict_on_batch(x), model.predict_on_batch(x), rtol=1e-6)


@pytest.mark.parametrize("make,match", [
    (lambda: Conv2D(0, 3), "filters must be a positive integer"),
    (lambda: Conv2D(-2, 3), "filters must be a positive integer"),
    (lambda: Conv2D(2.5, 3), "filters must be a positive integer"),
    (lambda: Conv2D(2, 0), "kernel_size must be positive"),
    (lambda: Conv2D(2, (3, 3, 3)), "kernel_size must have 2 entries"),
    (lambda: Conv2D(2, 3, strides=0), "strides must be positive"),
    (lambda: Conv2D(2, 3, strides=(1, -1)), "strides must be positive"),
    (lambda: Conv2D(2, 3, dilation_rate=0), "dilation_rate must be positive"),
    (lambda: Conv2D(2, 3, padding="full"), "padding must be one of"),
    (lambda: Conv2D(2, 3, padding="causal"), "padding must be one of"),
    (lambda: Conv2D(2, 3, data_format="channels_first"), "channels_last"),
    (lambda: Conv2D(3, 3, groups=2), "groups must be a positive integer that divides filters=3"),
    (lambda: Conv2D(2, 3, groups=0), "groups must be a positive integer"),
])
def test_bad_arguments_are_clear_errors_naming_the_layer(make, match):
    with pytest.raises(ValueError, match=match) as info:
        make()
    assert "Conv2D 'conv2d" in str(info.value)


def test_bad_inputs_are_clear_errors_naming_the_layer_and_shapes():
    layer = Conv2D(2, 3, name="edges")
    with pytest.raises(ValueError, match=r"Conv2D 'edges'.*rank 4.*got shape \(None, 8, 8\)"):
        layer(np.ones((2, 8, 8), dtype="float32"))
    layer(np.ones((2, 8, 8, 3), dtype="float32"))
    with pytest.raises(ValueError, match=r"'edges'.*axis -1.*value 3.*\(2, 8, 8, 1\)"):
        layer(np.ones((2, 8, 8, 1), dtype="float32"))
    with pytest.raises(ValueError, match=r"Conv2D 'edges'.*kernel_size \(3, 3\).*larger than.*\(2, 8\)"):
        layer(np.ones((2, 2, 8, 3), dtype="float32"))
    with pytest.raises(ValueError, match=r"Conv2D 'big'.*kernel_size \(5, 5\).*\(4, 4\)"):
        Conv2D(1, 5, name="big")(Input(shape=(4, 4, 1)))
    with pytest.raises(ValueError, match=r"dilation \(3, 3\).*spanning \(7, 7\)"):
        Conv2D(1, 3, dilation_rate=3)(np.ones((1, 6, 9, 1), dtype="float32"))
    with pytest.raises(ValueError, match=r"channel axis.*must be known"):
        Conv1D(1, 2)(Input(shape=(5, None)))


def test_a_keras3_conv2d_config_loads():
    keras_config = {
        "name": "conv2d", "trainable": True, "dtype": "float32", "filters": 2, "kernel_size": [3, 3],
        "strides": [1, 1], "padding": "valid", "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
        "activation": "relu", "use_bias": True,
        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
                               "registered_name": None},
        "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                             "registered_name": None},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None,
    }
    layer = Conv2D.from_config(keras_config)
    assert layer(np.ones((1, 5, 5, 4), dtype="float32")).shape == (1, 3, 3, 2)
    constrained = Conv2D(2, 3, kernel_constraint="non_neg")  # constraints are Keras's now
    assert constrained.get_config()["kernel_constraint"]["class_name"] == "NonNeg"


def test_groups_must_divide_the_input_channels():
    with pytest.raises(ValueError, match=r"Conv2D 'g'.*5 channels.*groups=2"):
        Conv2D(4, 3, groups=2, name="g")(np.ones((1, 6, 6, 5), dtype="float32"))
