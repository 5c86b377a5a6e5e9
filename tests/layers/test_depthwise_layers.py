"""DepthwiseConv1D/2D and SeparableConv1D/2D: layer contract, shapes, names, Keras 3 as an oracle."""

import numpy as np
import pytest

import striate
from striate.layers import DepthwiseConv1D, DepthwiseConv2D, Input, SeparableConv1D, SeparableConv2D
from tests.helpers import check_layer_contract
from tests.keras_oracle import float32_tolerance, keras_layer_output

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("make,input_shape,output_shape,params", [
    (lambda: DepthwiseConv1D(3), (7, 2), (5, 2), 3 * 2 + 2),
    (lambda: DepthwiseConv1D(2, strides=2, padding="same", depth_multiplier=3, use_bias=False), (7, 2), (4, 6), 2 * 2 * 3),
    (lambda: DepthwiseConv2D(3, padding="same", activation="relu"), (5, 4, 3), (5, 4, 3), 9 * 3 + 3),
    (lambda: DepthwiseConv2D((2, 3), strides=(2, 1), dilation_rate=(1, 2), depth_multiplier=2), (6, 7, 2), (3, 3, 4),
     2 * 3 * 2 * 2 + 4),
    (lambda: SeparableConv1D(4, 3, padding="same"), (6, 3), (6, 4), 3 * 3 + 3 * 4 + 4),
    (lambda: SeparableConv2D(3, 2, strides=2, depth_multiplier=2, activation="tanh"), (5, 5, 2), (2, 2, 3),
     2 * 2 * 2 * 2 + 4 * 3 + 3),
])
def test_layer_contract(make, input_shape, output_shape, params):
    check_layer_contract(make, input_shape, output_shape, params)


def test_names_weights_and_config_follow_keras():
    layer = SeparableConv2D(8, 3, depth_multiplier=2)
    layer.build((None, 9, 9, 4))
    assert layer.name == "separable_conv2d" and DepthwiseConv2D(3).name == "depthwise_conv2d"
    assert [(w.path, w.shape) for w in layer.weights] == [
        ("separable_conv2d/depthwise_kernel", (3, 3, 4, 2)), ("separable_conv2d/pointwise_kernel", (1, 1, 8, 8)),
        ("separable_conv2d/bias", (8,))]
    depthwise = DepthwiseConv2D(3, depth_multiplier=2, name="dw")
    depthwise.build((None, 5, 5, 3))
    assert [w.path for w in depthwise.weights] == ["dw/kernel", "dw/bias"]
    config = depthwise.get_config()
    assert config["depth_multiplier"] == 2 and config["kernel_size"] == [3, 3] and config["padding"] == "valid"
    assert DepthwiseConv2D.from_config(config).get_config() == config


def test_output_channel_order_is_channel_times_multiplier_plus_m():
    layer = DepthwiseConv2D(1, depth_multiplier=2, use_bias=False)
    layer.build((None, 1, 1, 2))
    layer.set_weights([np.array([1, 2, 3, 4], "float32").reshape(1, 1, 2, 2)])
    assert layer(np.ones((1, 1, 1, 2), "float32")).data.ravel().tolist() == [1.0, 2.0, 3.0, 4.0]


KERAS_CASES = [
    ("DepthwiseConv2D", dict(kernel_size=3, strides=2, padding="same", depth_multiplier=2), (2, 9, 8, 3)),
    ("DepthwiseConv2D", dict(kernel_size=(3, 2), dilation_rate=2, activation="relu"), (2, 9, 8, 3)),
    ("DepthwiseConv1D", dict(kernel_size=4, padding="same", depth_multiplier=3), (2, 11, 2)),
    ("SeparableConv2D", dict(filters=5, kernel_size=3, padding="same", depth_multiplier=2), (2, 7, 6, 3)),
    ("SeparableConv1D", dict(filters=4, kernel_size=3, strides=2), (2, 9, 3)),
]


@pytest.mark.parametrize("class_name,kwargs,shape", KERAS_CASES)
def test_same_outputs_as_keras_on_the_same_weights(class_name, kwargs, shape):
    layer = getattr(striate.layers, class_name)(**kwargs, bias_initializer="random_normal")
    x = RNG.standard_normal(shape).astype("float32")
    ours = layer(x).data
    expected = keras_layer_output(class_name, kwargs, layer.get_weights(), x)
    np.testing.assert_allclose(ours, expected, **float32_tolerance(terms=9 * 6))


@pytest.mark.parametrize("make", [
    lambda: DepthwiseConv2D(3, depthwise_constraint="non_neg", bias_constraint="non_neg", use_bias=True),
    lambda: SeparableConv2D(2, 3, depthwise_constraint="non_neg", pointwise_constraint="non_neg",
                            bias_constraint="non_neg"),
    lambda: striate.layers.PReLU(alpha_initializer="ones", alpha_constraint="non_neg"),
])
def test_weight_constraints_hold_after_training_and_round_trip(make):
    layer = make()
    model = striate.Sequential([Input(shape=(6, 6, 2)), layer, striate.layers.Flatten(), striate.layers.Dense(1)])
    model.compile(optimizer=striate.optimizers.SGD(1.0), loss="mse")
    x = RNG.standard_normal((8, 6, 6, 2)).astype("float32")
    model.fit(x, -10 * np.abs(RNG.standard_normal((8, 1))), epochs=3, verbose=0)  # pushes weights negative
    assert all((w >= 0).all() for w in layer.get_weights())
    again = type(layer).from_config(layer.get_config())
    assert {k: v for k, v in again.get_config().items() if "constraint" in k} == \
        {k: v for k, v in layer.get_config().items() if "constraint" in k}


def test_bad_arguments_and_inputs_name_the_layer():
    with pytest.raises(ValueError, match="'dw': depth_multiplier must be a positive integer"):
        DepthwiseConv2D(3, depth_multiplier=0, name="dw")
    with pytest.raises(ValueError, match="constraint"):
        DepthwiseConv2D(3, depthwise_constraint="no_such_constraint")
    with pytest.raises(ValueError, match=r"DepthwiseConv2D 'dw2'.*larger than the input"):
        DepthwiseConv2D(5, name="dw2")(np.ones((1, 3, 3, 1), "float32"))
    with pytest.raises(ValueError, match=r"'sep'.*rank 4"):
        SeparableConv2D(2, 3, name="sep")(Input(shape=(5, 5)))
    with pytest.raises(ValueError, match="padding must be one of"):
        DepthwiseConv1D(3, padding="causal")
