"""maximize_activation: gradient ascent on the input raises the target, handles every index form, fails clearly."""

import numpy as np
import pytest

import striate
from striate import layers
from striate.viz import maximize_activation, plot_activation_maximization
from tests.viz.helpers import assert_png


def convnet():
    striate.utils.set_random_seed(3)
    return striate.Sequential([
        striate.Input(shape=(12, 12, 1)),
        layers.Conv2D(4, 3, activation="relu", name="conv"),
        layers.MaxPooling2D(2, name="pool"),
        layers.Flatten(name="flat"),
        layers.Dropout(0.5, name="drop"),
        layers.Dense(3, activation="softmax", name="out"),
    ])


def logits(model, x):
    """The scores before the softmax, by hand from the layers' weights."""
    k, b = model.get_layer("out").get_weights()
    flat = striate.viz.feature_maps(model, "flat", x)
    return flat @ k + b


@pytest.mark.parametrize("layer, index", [("conv", 2), ("conv", (4, 5, 1)), ("out", 1), ("pool", 1), ("flat", 13)])
def test_the_target_activation_rises(layer, index):
    model = convnet()
    x, history = maximize_activation(model, layer, index, steps=60, return_history=True)
    assert x.shape == (12, 12, 1) and history.shape == (61,)
    assert history[-1] > history[0] + 0.1 * abs(history[0]) + 0.05
    # mostly upwards: the last quarter of the climb is higher than the first quarter
    assert history[45:].mean() > history[:15].mean()
    assert 0.0 <= x.min() and x.max() <= 1.0  # clipped to the default value range


def test_classes_climb_the_logit_not_the_probability():
    model = convnet()
    x, history = maximize_activation(model, "out", 2, steps=40, jitter=0, return_history=True)
    np.testing.assert_allclose(history[-1], logits(model, x[None])[0, 2], rtol=1e-4, atol=1e-5)
    assert model.predict(x[None], verbose=0).argmax() == 2
    _, probabilities = maximize_activation(model, "out", 2, steps=5, use_logits=False, return_history=True)
    assert 0.0 <= probabilities.min() and probabilities.max() <= 1.0


def test_a_list_of_indices_is_one_batch_of_independent_climbs():
    model = convnet()
    start = np.random.default_rng(0).random((12, 12, 1))
    kwargs = dict(steps=15, jitter=0, x0=start)  # no jitter: nothing random, so batch and single runs agree
    batch = maximize_activation(model, "conv", [1, 3], **kwargs)
    assert batch.shape == (2, 12, 12, 1)
    np.testing.assert_allclose(batch[1], maximize_activation(model, "conv", 3, **kwargs), rtol=1e-5, atol=1e-6)


def test_regularisers_shape_the_result():
    model = convnet()
    plain = maximize_activation(model, "conv", 1, steps=30, l2=0, blur_every=0, jitter=0, value_range=None)
    blurred = maximize_activation(model, "conv", 1, steps=30, l2=0, blur_every=1, blur_sigma=1.0, jitter=0,
                                  value_range=None)
    roughness = [np.abs(np.diff(a[..., 0], axis=0)).mean() for a in (plain, blurred)]
    assert roughness[1] < roughness[0]
    decayed = maximize_activation(model, "conv", 1, steps=30, l2=0.3, blur_every=0, jitter=0, value_range=None)
    assert np.abs(decayed).mean() < np.abs(plain).mean()


def test_flat_inputs_skip_blur_and_jitter_and_the_model_is_left_clean():
    striate.utils.set_random_seed(0)
    mlp = striate.Sequential([striate.Input(shape=(6,)), layers.Dense(5, activation="tanh", name="h"),
                              layers.Dense(2, activation="softmax", name="o")])
    before = [w.copy() for w in mlp.get_weights()]
    x, history = maximize_activation(mlp, "o", 0, steps=30, value_range=(-1, 1), return_history=True)
    assert x.shape == (6,) and history[-1] > history[0]
    for old, new in zip(before, mlp.get_weights()):
        np.testing.assert_array_equal(old, new)
    assert all(w.grad is None for w in mlp.weights)


@pytest.mark.parametrize("index, words", [(4, "has 4 filters"), ((1, 2), "does not name a unit"),
                                          ((0, 0, 9), "does not name a unit")])
def test_bad_indices(index, words):
    with pytest.raises(ValueError, match=words):
        maximize_activation(convnet(), "conv", index, steps=1)


def test_other_errors():
    model = convnet()
    with pytest.raises(ValueError, match="no layer named 'conv9'"):
        maximize_activation(model, "conv9", 0)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        maximize_activation(model, "conv", 0, steps=0)
    with pytest.raises(ValueError, match="x0 must have shape"):
        maximize_activation(model, "conv", [0, 1], x0=np.zeros((3, 12, 12, 1)))
    with pytest.raises(ValueError, match="does not name a unit of layer 'out'"):
        maximize_activation(model, "out", 3, steps=1)


def test_plots(tmp_path):
    images = np.random.default_rng(0).random((4, 12, 12, 1))
    fig = plot_activation_maximization(images, titles=["a", "b", "c", "d"], ncols=2)
    assert [ax.get_title() for ax in fig.axes] == ["a", "b", "c", "d"]
    assert_png(fig, tmp_path / "grey.png")
    assert_png(plot_activation_maximization(np.random.default_rng(1).random((3, 8, 8, 3))), tmp_path / "rgb.png",
               min_bytes=1000)
    fig = plot_activation_maximization(np.zeros((2, 40, 1)))
    assert len(fig.axes[0].lines) == 1  # 1-D inputs are curves
    fig = plot_activation_maximization(np.zeros((2, 64)), image_shape=(8, 8))
    assert fig.axes[0].images[0].get_array().shape == (8, 8)
    with pytest.raises(ValueError, match="2 images but 1 titles"):
        plot_activation_maximization(np.zeros((2, 8, 8)), titles=["x"])
    with pytest.raises(ValueError, match="cannot draw"):
        plot_activation_maximization(np.zeros((2, 8, 8, 5)))


def test_a_dead_unit_is_reported():
    striate.utils.set_random_seed(0)
    model = striate.Sequential([striate.Input(shape=(6, 6, 1)), layers.Conv2D(1, 3, activation="relu", name="c")])
    kernel, bias = model.get_layer("c").get_weights()
    model.get_layer("c").set_weights([-np.abs(kernel), bias - 1.0])  # negative for every input in [0, 1]
    with pytest.warns(UserWarning, match="zero at every step"):
        maximize_activation(model, "c", 0, steps=3)
