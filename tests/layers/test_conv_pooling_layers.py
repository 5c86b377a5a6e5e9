"""Pooling layers: contract, Keras defaults, shapes, config, aliases, global pooling, bad input."""

import json

import numpy as np
import pytest

from striate import layers as L
from tests.helpers import check_layer_contract

RNG = np.random.default_rng(4)


def _distinct(shape):
    """Distinct values, so max pooling has no ties where gradcheck perturbs."""
    return RNG.permutation(int(np.prod(shape))).reshape(shape).astype("float32") / 10


@pytest.mark.parametrize("make,input_shape,output_shape", [
    (lambda: L.MaxPooling1D(), (7, 2), (3, 2)),
    (lambda: L.MaxPooling2D(3, strides=2, padding="same"), (5, 6, 2), (3, 3, 2)),
    (lambda: L.MaxPooling3D((2, 1, 2)), (4, 3, 4, 1), (2, 3, 2, 1)),
    (lambda: L.AveragePooling1D(3, strides=1, padding="same"), (5, 2), (5, 2)),
    (lambda: L.AveragePooling2D((2, 3), padding="same"), (5, 5, 2), (3, 2, 2)),
    (lambda: L.AveragePooling3D(2), (4, 4, 2, 1), (2, 2, 1, 1)),
    (lambda: L.GlobalMaxPooling1D(), (5, 3), (3,)),
    (lambda: L.GlobalMaxPooling2D(keepdims=True), (4, 3, 2), (1, 1, 2)),
    (lambda: L.GlobalMaxPooling3D(), (2, 3, 2, 2), (2,)),
    (lambda: L.GlobalAveragePooling1D(keepdims=True), (5, 3), (1, 3)),
    (lambda: L.GlobalAveragePooling2D(), (4, 3, 2), (2,)),
    (lambda: L.GlobalAveragePooling3D(), (2, 3, 2, 2), (2,)),
])
def test_pooling_layer_contract(make, input_shape, output_shape):
    # the contract draws normal inputs; max pooling of them has no ties
    check_layer_contract(make, input_shape, output_shape, 0)


def test_keras_defaults_names_config_and_aliases():
    layer = L.MaxPooling2D()
    assert layer.pool_size == (2, 2) and layer.strides == (2, 2) and layer.padding == "valid"
    assert layer.name == "max_pooling2d" and L.AveragePooling1D().name == "average_pooling1d"
    assert L.GlobalAveragePooling2D().name == "global_average_pooling2d"
    config = layer.get_config()
    assert {k: config[k] for k in ("pool_size", "strides", "padding", "data_format")} == {
        "pool_size": [2, 2], "strides": [2, 2], "padding": "valid", "data_format": "channels_last"}
    clone = L.MaxPooling2D.from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config
    assert L.GlobalAveragePooling3D.from_config(L.GlobalAveragePooling3D(keepdims=True).get_config()).keepdims
    assert (L.MaxPool2D, L.AvgPool3D, L.GlobalAvgPool1D, L.GlobalMaxPool2D) == (
        L.MaxPooling2D, L.AveragePooling3D, L.GlobalAveragePooling1D, L.GlobalMaxPooling2D)


@pytest.mark.parametrize("n,p,s,padding,expected", [
    (7, 2, None, "valid", 3), (7, 3, 2, "valid", 3), (7, 2, None, "same", 4), (7, 3, 1, "same", 7), (8, 3, 3, "same", 3),
])
def test_output_size_follows_keras_formulas(n, p, s, padding, expected):
    for cls in (L.MaxPooling1D, L.AveragePooling1D):
        layer = cls(p, strides=s, padding=padding)
        assert layer.compute_output_shape((None, n, 2)) == (None, expected, 2)
        assert layer(np.ones((1, n, 2), dtype="float32")).shape == (1, expected, 2)


def test_pooling_values():
    x = _distinct((2, 6, 6, 3))
    blocks = x.reshape(2, 3, 2, 3, 2, 3)  # (N, OH, 2, OW, 2, C): the 2x2 windows
    np.testing.assert_array_equal(L.MaxPooling2D()(x).data, blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(L.AveragePooling2D()(x).data, blocks.mean(axis=(2, 4)), rtol=1e-6)
    np.testing.assert_array_equal(L.GlobalMaxPooling2D()(x).data, x.max(axis=(1, 2)))
    np.testing.assert_allclose(L.GlobalAveragePooling2D()(x).data, x.mean(axis=(1, 2)), rtol=1e-6)
    # 'same' average pooling divides by the number of real inputs (Keras/TensorFlow)
    ones = np.ones((1, 5, 5, 1), dtype="float32")
    assert np.all(L.AveragePooling2D(3, strides=2, padding="same")(ones).data == 1.0)


@pytest.mark.parametrize("make,match", [
    (lambda: L.MaxPooling2D(0), "pool_size must be positive"),
    (lambda: L.MaxPooling2D(2, strides=-1), "strides must be positive"),
    (lambda: L.AveragePooling1D((2, 2)), "pool_size must have 1 entries"),
    (lambda: L.MaxPooling2D(padding="causal"), "padding must be one of"),
    (lambda: L.AveragePooling3D(data_format="channels_first"), "channels_last"),
    (lambda: L.GlobalMaxPooling2D(data_format="channels_first"), "channels_last"),
])
def test_bad_arguments_are_clear_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_bad_inputs_name_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"'pool'.*expected ndim=4, found ndim=3"):
        L.MaxPooling2D(name="pool")(np.ones((1, 4, 4), dtype="float32"))
    with pytest.raises(ValueError, match=r"MaxPooling2D 'big'.*pool_size \(3, 3\).*\(2, 4\).*\(1, 2, 4, 1\)"):
        L.MaxPooling2D(3, name="big")(np.ones((1, 2, 4, 1), dtype="float32"))
    with pytest.raises(ValueError, match=r"AveragePooling1D 'avg'.*pool_size \(5,\).*\(3,\)"):
        L.AveragePooling1D(5, name="avg")(L.Input(shape=(3, 2)))
    with pytest.raises(ValueError, match=r"'gap'.*expected ndim=4, found ndim=3"):
        L.GlobalAveragePooling2D(name="gap")(np.ones((2, 4, 4), dtype="float32"))
