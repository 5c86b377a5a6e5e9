"""``ops.image``: resizing, warping and sampling against NumPy/SciPy facts, with float64 gradient checks."""

import numpy as np
import pytest
from scipy import ndimage

import striate
from striate import ops
from tests.helpers import check_op, random_inputs

IMAGES = random_inputs([(2, 6, 8, 3)], seed=0)[0]


def test_resize_special_cases():
    x = IMAGES
    np.testing.assert_allclose(ops.image.resize(x, (12, 16), interpolation="nearest"),
                               x.repeat(2, axis=1).repeat(2, axis=2))
    halves = x.reshape(2, 3, 2, 4, 2, 3).mean(axis=(2, 4))  # half-pixel bilinear at scale 2 = 2x2 means
    np.testing.assert_allclose(ops.image.resize(x, (3, 4)), halves, rtol=1e-12)
    np.testing.assert_allclose(ops.image.resize(x, (6, 8), interpolation="bicubic"), x, rtol=1e-12)
    assert ops.image.resize(x[0], (5, 5)).shape == (5, 5, 3)
    first = ops.image.resize(np.moveaxis(x, -1, 1), (4, 5), data_format="channels_first")
    np.testing.assert_allclose(np.moveaxis(first, 1, -1), ops.image.resize(x, (4, 5)), rtol=1e-12)


@pytest.mark.parametrize("kwargs", [{}, {"interpolation": "nearest"}, {"interpolation": "bicubic"},
                                    {"antialias": True}, {"crop_to_aspect_ratio": True},
                                    {"pad_to_aspect_ratio": True, "fill_value": 0.5}])
def test_resize_gradients(kwargs):
    assert striate.gradcheck(lambda t: ops.image.resize(t, (4, 3), **kwargs), IMAGES[:1])


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_affine_transform(interpolation, fill_mode):
    identity = np.array([1.0, 0, 0, 0, 1, 0, 0, 0])
    np.testing.assert_allclose(ops.image.affine_transform(IMAGES, identity, interpolation, fill_mode), IMAGES)
    shift = np.array([1.0, 0, -2, 0, 1, 1, 0, 0])  # output (x, y) reads input (x - 2, y + 1)
    out = ops.image.affine_transform(IMAGES, shift, interpolation, fill_mode, fill_value=0.0)
    np.testing.assert_allclose(out[:, :-1, 2:], IMAGES[:, 1:, :-2])
    rotate = np.array([[0.9, -0.3, 1.2, 0.3, 0.9, -0.7, 0, 0], [1.1, 0.2, -0.5, -0.1, 0.8, 0.9, 0, 0]])
    if interpolation == "bilinear":  # no rounding ties: a smooth function of the pixels
        assert striate.gradcheck(lambda t: ops.image.affine_transform(t, rotate, interpolation, fill_mode), IMAGES)


@pytest.mark.parametrize("mode", ["nearest", "wrap", "mirror", "reflect"])
def test_map_coordinates_matches_scipy(mode):
    image = random_inputs([(5, 6)], seed=1)[0]
    coords = np.random.default_rng(2).uniform(-3, 8, (2, 4, 7))
    scipy_mode = {"wrap": "grid-wrap", "reflect": "reflect", "mirror": "mirror", "nearest": "nearest"}[mode]
    check_op(lambda t: ops.image.map_coordinates(t, coords, 1, fill_mode=mode),
             lambda t: ndimage.map_coordinates(t, coords, order=1, mode=scipy_mode), None, inputs=[image])
    inside = np.random.default_rng(3).uniform(0, 4, (2, 10))
    np.testing.assert_allclose(ops.image.map_coordinates(image, inside, 1),
                               ndimage.map_coordinates(image, inside, order=1), rtol=1e-12)


def test_grayscale_padding_cropping_patches():
    rgb = IMAGES
    check_op(ops.image.rgb_to_grayscale, lambda x: (x @ np.array([0.2989, 0.5870, 0.1140]))[..., None], None,
             inputs=[rgb])
    check_op(lambda x: ops.image.pad_images(x, 1, 2, target_height=9, target_width=11),
             lambda x: np.pad(x, ((0, 0), (1, 2), (2, 1), (0, 0))), None, inputs=[rgb])
    check_op(lambda x: ops.image.crop_images(x, 1, 2, bottom_cropping=2, target_width=5),
             lambda x: x[:, 1:4, 2:7], None, inputs=[rgb])
    patches = ops.image.extract_patches(rgb, (2, 3), strides=(2, 1))
    assert patches.shape == (2, 3, 6, 18)
    np.testing.assert_array_equal(patches[1, 2, 4], rgb[1, 4:6, 4:7].reshape(-1))  # (row, column, channel)
    assert striate.gradcheck(lambda x: ops.image.extract_patches(x, 3, strides=2, padding="same",
                                                                 dilation_rate=1), rgb[:1])


def test_filters_and_colour_spaces():
    x = random_inputs([(1, 5, 6, 2)], seed=4)[0]
    g = np.exp(-0.5 * np.arange(-2, 3) ** 2 / 1.5 ** 2)
    kernel = np.outer(g / g.sum(), np.ones(1))[:, 0]
    expected = ndimage.convolve1d(ndimage.convolve1d(x, kernel, axis=1, mode="constant"), kernel, axis=2,
                                  mode="constant")
    check_op(lambda t: ops.image.gaussian_blur(t, (5, 5), (1.5, 1.5)), lambda t: expected, None, inputs=[x])
    sobel = ops.image.sobel_edges(x)
    dy = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])
    for k, kernel in enumerate([dy, dy.T]):  # a correlation over height and width only
        expected = ndimage.correlate(x, kernel[None, :, :, None], mode="constant")
        np.testing.assert_allclose(sobel[..., k], expected, rtol=1e-12, atol=1e-12)
    rgb = random_inputs([(2, 4, 3)], seed=5, low=0.05, high=0.95)[0]
    import colorsys
    expected = np.array([[colorsys.rgb_to_hsv(*pixel) for pixel in row] for row in rgb])
    check_op(ops.image.rgb_to_hsv, lambda t: expected, None, inputs=[rgb])
    check_op(lambda t: ops.image.hsv_to_rgb(ops.image.rgb_to_hsv(t)), lambda t: t, None, inputs=[rgb])
