"""plot_filters: every kernel layout renders, the colour scale is symmetric, errors are clear."""

import numpy as np
import pytest

import striate
from striate import layers
from striate.viz import plot_filters
from tests.viz.helpers import assert_png


def built(layer, shape):
    layer(np.zeros((1,) + shape, dtype="float32"))
    return layer


def test_conv2d_grey_filters_one_image_each(tmp_path):
    layer = built(layers.Conv2D(12, 3), (8, 8, 1))
    fig = plot_filters(layer, ncols=4)
    assert len(fig.axes) == 12
    kernel = layer.kernel.numpy()
    for i, ax in enumerate(fig.axes):
        image = ax.images[0]
        np.testing.assert_allclose(image.get_array(), kernel[:, :, 0, i], rtol=1e-6)
        low, high = image.get_clim()
        assert low == pytest.approx(-high) and high == pytest.approx(np.abs(kernel[..., i]).max())
    assert_png(fig, tmp_path / "grey.png")


def test_global_scale_shares_one_limit():
    kernel = np.random.default_rng(0).normal(size=(3, 3, 1, 5))
    kernel[..., 2] *= 10
    fig = plot_filters(kernel, scale="global")
    assert {ax.images[0].get_clim() for ax in fig.axes} == {(-np.abs(kernel).max(), np.abs(kernel).max())}


def test_rgb_filters_are_colour_images_with_grey_zero(tmp_path):
    kernel = np.random.default_rng(1).normal(size=(5, 5, 3, 6))
    kernel[..., 0] = 0.0
    fig = plot_filters(kernel)
    assert len(fig.axes) == 6
    first = np.asarray(fig.axes[0].images[0].get_array())
    assert first.shape == (5, 5, 3)
    np.testing.assert_allclose(first, 0.5)  # zero weights are mid-grey, and all-zero filters do not divide by 0
    assert_png(fig, tmp_path / "rgb.png")


def test_many_channels_draw_filter_by_channel(tmp_path):
    kernel = np.random.default_rng(2).normal(size=(3, 3, 10, 20))
    fig = plot_filters(kernel, max_channels=4)
    assert len(fig.axes) == 16 * 4  # default 16 filters in this layout, 4 channels each
    fig = plot_filters(kernel, max_filters=3, max_channels=2, rgb=False)
    assert len(fig.axes) == 6
    assert_png(fig, tmp_path / "channels.png")


def test_three_channels_can_be_drawn_per_channel():
    fig = plot_filters(np.ones((3, 3, 3, 2)), rgb=False)
    assert len(fig.axes) == 6


def test_conv1d_curves_and_channel_images(tmp_path):
    one = built(layers.Conv1D(4, 7), (20, 1))
    fig = plot_filters(one)
    assert len(fig.axes) == 4 and len(fig.axes[0].lines) == 2  # the taps and the zero line
    np.testing.assert_allclose(fig.axes[1].lines[0].get_ydata(), one.kernel.numpy()[:, 0, 1])
    assert_png(fig, tmp_path / "conv1d.png")
    many = built(layers.Conv1D(3, 5), (20, 6))
    fig = plot_filters(many)
    assert fig.axes[0].images[0].get_array().shape == (6, 5)  # channels down, taps across


def test_max_filters_limits_the_grid():
    assert len(plot_filters(np.ones((3, 3, 1, 40)), max_filters=10).axes) == 10


@pytest.mark.parametrize("thing, error, words", [
    (layers.Dense(3), TypeError, "Conv1D or Conv2D"),
    (layers.Conv2D(2, 3), ValueError, "no weights yet"),
    (np.ones((3, 3)), ValueError, "(kh, kw, in, filters)"),
    (np.ones((2, 2, 2, 1, 4)), ValueError, "got shape (2, 2, 2, 1, 4)"),
])
def test_errors_name_the_problem(thing, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        plot_filters(thing)


def test_conv3d_and_bad_options_are_refused():
    with pytest.raises(ValueError, match="Conv3D"):
        plot_filters(built(layers.Conv3D(2, 2), (4, 4, 4, 1)))
    with pytest.raises(ValueError, match="rgb=True"):
        plot_filters(np.ones((3, 3, 2, 4)), rgb=True)
    with pytest.raises(ValueError, match="scale"):
        plot_filters(np.ones((3, 3, 1, 4)), scale="row")


def test_a_trained_model_layer_by_name(tmp_path):
    model = striate.Sequential([striate.Input(shape=(10, 10, 1)), layers.Conv2D(4, 3, name="c")])
    assert_png(plot_filters(model.get_layer("c")), tmp_path / "model.png")
