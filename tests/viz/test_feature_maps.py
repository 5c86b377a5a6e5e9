"""feature_maps: the Keras feature-extractor pattern, checked against the layers computed by hand."""

import numpy as np
import pytest

import striate
from striate import layers
from striate.viz import feature_extractor, feature_maps, plot_feature_maps
from tests.viz.helpers import assert_png


def small_convnet():
    return striate.Sequential([
        striate.Input(shape=(9, 9, 2)),
        layers.Conv2D(3, 3, activation="relu", name="conv"),
        layers.MaxPooling2D(2, name="pool"),
        layers.Flatten(name="flat"),
        layers.Dense(4, activation="softmax", name="out"),
    ])


def correlate_relu(x, kernel, bias):
    """Valid 2-D correlation of (N, H, W, C) with (kh, kw, C, F), plus bias, then ReLU, in NumPy."""
    kh, kw = kernel.shape[:2]
    n, h, w, _ = x.shape
    out = np.zeros((n, h - kh + 1, w - kw + 1, kernel.shape[-1]))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j] = np.tensordot(x[:, i:i + kh, j:j + kw], kernel, axes=3)
    return np.maximum(out + bias, 0)


def test_maps_equal_the_layers_computed_by_hand():
    model = small_convnet()
    x = np.random.default_rng(0).normal(size=(5, 9, 9, 2)).astype("float32")
    kernel, bias = model.get_layer("conv").get_weights()
    conv = correlate_relu(x.astype(np.float64), kernel, bias)
    np.testing.assert_allclose(feature_maps(model, "conv", x), conv, rtol=1e-4, atol=1e-5)
    pooled = conv[:, :6, :6].reshape(5, 3, 2, 3, 2, 3).max(axis=(2, 4))  # 2x2 max pooling, valid: 7x7 -> 3x3
    np.testing.assert_allclose(feature_maps(model, "pool", x), pooled, rtol=1e-4, atol=1e-5)
    dense_k, dense_b = model.get_layer("out").get_weights()
    logits = pooled.reshape(5, -1) @ dense_k + dense_b
    probabilities = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(feature_maps(model, "out", x), probabilities / probabilities.sum(1, keepdims=True),
                               rtol=1e-4, atol=1e-6)


def test_several_layers_one_example_and_shared_weights():
    model = small_convnet()
    x = np.random.default_rng(1).normal(size=(9, 9, 2)).astype("float32")
    conv, flat = feature_maps(model, ["conv", "flat"], x)  # one example: a batch axis is added
    assert conv.shape == (1, 7, 7, 3) and flat.shape == (1, 27)
    extractor = feature_extractor(model, "conv")
    assert isinstance(extractor, striate.Model) and extractor.output.shape == (None, 7, 7, 3)
    kernel, bias = model.get_layer("conv").get_weights()
    model.get_layer("conv").set_weights([kernel, bias + 100.0])  # the extractor shares, not copies, the weights
    np.testing.assert_allclose(extractor.predict(x[None], verbose=0),
                               correlate_relu(x[None].astype(np.float64), kernel, bias + 100.0), rtol=1e-4)


def test_sequential_without_input_after_first_call():
    model = striate.Sequential([layers.Dense(5, activation="relu", name="hidden"), layers.Dense(2)])
    x = np.random.default_rng(2).normal(size=(3, 4)).astype("float32")
    model.predict(x, verbose=0)
    k, b = model.get_layer("hidden").get_weights()
    np.testing.assert_allclose(feature_maps(model, "hidden", x), np.maximum(x @ k + b, 0), rtol=1e-5, atol=1e-6)


def test_errors():
    model = small_convnet()
    with pytest.raises(ValueError, match="no layer named 'nope'"):
        feature_maps(model, "nope", np.zeros((1, 9, 9, 2)))
    with pytest.raises(ValueError, match=r"shape \(None, 9, 9, 2\)"):
        feature_maps(model, "conv", np.zeros((9, 9)))
    with pytest.raises(TypeError, match="striate Model"):
        feature_maps(layers.Dense(2), "x", np.zeros((1, 2)))

    class Subclassed(striate.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(2, name="d")

        def call(self, x):
            return self.dense(x)

    sub = Subclassed()
    sub.predict(np.zeros((1, 3)), verbose=0)
    with pytest.raises(TypeError, match="functional or Sequential"):
        feature_maps(sub, "d", np.zeros((1, 3)))


def test_plots_of_2d_1d_and_dense_outputs(tmp_path):
    model = small_convnet()
    x = np.random.default_rng(3).normal(size=(9, 9, 2)).astype("float32")
    fig = plot_feature_maps(model, "conv", x)
    assert len(fig.axes) == 3 and fig.axes[0].images[0].get_array().shape == (7, 7)
    assert_png(fig, tmp_path / "maps2d.png")
    fig = plot_feature_maps(model, "out", np.stack([x, x]))  # a batch: the first example is drawn
    assert len(fig.axes[0].patches) == 4
    assert_png(fig, tmp_path / "dense.png")
    signal_model = striate.Sequential([striate.Input(shape=(30, 1)), layers.Conv1D(5, 4, name="c1d")])
    fig = plot_feature_maps(signal_model, "c1d", np.zeros((30, 1)))
    assert fig.axes[0].images[0].get_array().shape == (5, 27)  # (channels, positions)
    assert_png(fig, tmp_path / "maps1d.png")


def test_plot_from_arrays_and_its_errors(tmp_path):
    maps = np.random.default_rng(4).random((1, 6, 6, 40))
    fig = plot_feature_maps(maps, max_maps=10, ncols=5)
    assert len(fig.axes) == 10
    assert_png(fig, tmp_path / "arrays.png")
    with pytest.raises(ValueError, match="1-D or 2-D maps"):
        plot_feature_maps(np.zeros((2, 3, 4, 5, 6)))
    with pytest.raises(ValueError, match="give the layer's name and one input"):
        plot_feature_maps(small_convnet(), "conv")
    with pytest.raises(ValueError, match="one layer"):
        plot_feature_maps(small_convnet(), ["conv", "pool"], np.zeros((9, 9, 2)))
