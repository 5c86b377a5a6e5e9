"""Smoothing kernels and edge filters against scipy.ndimage and the lecture's definitions."""

import numpy as np
import pytest
import scipy.ndimage as ndimage
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from striate import signal

BOUNDARIES = ["reflect", "constant", "nearest", "mirror", "wrap"]


@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_kernels_sum_to_one_and_have_the_asked_shape(ndim):
    for kernel in (signal.uniform_kernel(4, ndim), signal.gaussian_kernel(5, 1.3, ndim)):
        assert kernel.shape == (kernel.shape[0],) * ndim and kernel.dtype == np.float32
        assert abs(float(kernel.sum()) - 1.0) < 1e-6
        np.testing.assert_allclose(kernel, np.flip(kernel), atol=1e-7)  # symmetric
    assert signal.gaussian_kernel((3, 7), (1.0, 2.0), 2).shape == (3, 7)


def test_gaussian_kernel_is_the_sampled_gaussian():
    k = signal.gaussian_kernel(7, 1.5, dtype="float64")
    offsets = np.arange(7) - 3
    want = np.exp(-offsets**2 / (2 * 1.5**2))
    np.testing.assert_allclose(k, want / want.sum(), rtol=1e-12)
    assert signal.separate(signal.gaussian_kernel(5, 1.0, 3, "float64")) is not None


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(1, 25), min_size=1, max_size=3), st.floats(0.3, 4.0),
       st.sampled_from(BOUNDARIES), st.booleans())
def test_gaussian_smoothing_equals_ndimage(shape, sigma, boundary, single):
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    if single:
        x = x.astype(np.float32)
    got = signal.smooth(x, sigma=sigma, boundary=boundary)
    assert got.dtype == x.dtype and got.shape == x.shape
    want = ndimage.gaussian_filter(x.astype(np.float64), sigma, mode=boundary)
    np.testing.assert_allclose(got, want, atol=1e-5 if single else 1e-12)


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_uniform_smoothing_equals_ndimage(boundary):
    x = np.random.default_rng(0).standard_normal((30, 41))
    np.testing.assert_allclose(signal.smooth(x, "uniform", size=(3, 5), boundary=boundary),
                               ndimage.uniform_filter(x, (3, 5), mode=boundary), atol=1e-12)


def test_smoothing_with_zeros_outside_is_a_correlation():
    x = np.random.default_rng(1).standard_normal((20, 30))
    k = signal.gaussian_kernel(7, 2.0, 2, "float64")
    for mode in ("valid", "same", "full"):
        np.testing.assert_allclose(signal.smooth(x, size=7, sigma=2.0, mode=mode, boundary="constant"),
                                   scipy.signal.correlate(x, k, mode), atol=1e-12)


def test_smoothing_a_colour_image_leaves_the_channels_apart():
    image = np.random.default_rng(2).random((40, 50, 3)).astype(np.float32)
    got = signal.smooth(image, sigma=2.0, channel_axis=-1)
    np.testing.assert_allclose(got, ndimage.gaussian_filter(image, (2.0, 2.0, 0)), atol=1e-5)


def test_smoothing_removes_noise():
    rng = np.random.default_rng(3)
    clean = np.sin(np.linspace(0, 4 * np.pi, 2000))
    noisy = clean + 0.3 * rng.standard_normal(clean.shape)
    for kind, size in (("gaussian", None), ("uniform", 25)):
        kw = {"sigma": 6.0} if kind == "gaussian" else {"size": size}
        error = np.abs(signal.smooth(noisy, kind, **kw) - clean).mean()
        assert error < 0.35 * np.abs(noisy - clean).mean()


def test_sobel_kernels_are_the_lectures():
    w1, w2 = signal.sobel_kernels("int64")
    assert w1.tolist() == [[1, 0, -1], [2, 0, -2], [1, 0, -1]]
    assert w2.tolist() == [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]
    d1, d2 = signal.difference_kernels("int64")
    assert d1.tolist() == [[1, -1]] and d2.tolist() == [[1], [-1]]


@pytest.mark.parametrize("boundary", BOUNDARIES)
def test_sobel_equals_ndimage_up_to_the_lectures_sign(boundary):
    x = np.random.default_rng(4).standard_normal((33, 47))
    g1, g2 = signal.sobel(x, boundary=boundary)
    np.testing.assert_allclose(g1, -ndimage.sobel(x, axis=1, mode=boundary), atol=1e-12)
    np.testing.assert_allclose(g2, -ndimage.sobel(x, axis=0, mode=boundary), atol=1e-12)
    np.testing.assert_allclose(signal.gradient_magnitude(x, boundary=boundary),
                               ndimage.generic_gradient_magnitude(x, ndimage.sobel, mode=boundary), atol=1e-12)


@pytest.mark.parametrize("angle", [0, 30, 45, 90, 135, 200])
def test_edge_filter_is_the_correlation_with_the_oriented_kernel(angle):
    x = np.random.default_rng(5).standard_normal((25, 31))
    kernel = signal.oriented_edge_kernel(angle, "float64")
    for mode in ("valid", "same"):
        np.testing.assert_allclose(signal.edge_filter(x, angle, mode=mode, boundary="constant"),
                                   signal.correlate(x, kernel, mode), atol=1e-12)
    w1, w2 = signal.sobel_kernels("float64")
    np.testing.assert_allclose(signal.oriented_edge_kernel(0, "float64"), w1, atol=1e-15)
    np.testing.assert_allclose(signal.oriented_edge_kernel(90, "float64"), w2, atol=1e-15)


def test_oriented_edges_respond_to_their_own_orientation():
    rows, cols = np.mgrid[0:32, 0:32]
    for angle in (0, 45, 90, 135, 300):
        a = np.radians(angle)
        ramp = -(cols * np.cos(a) + rows * np.sin(a))  # brightness falls along the angle
        responses = {b: signal.edge_filter(ramp, b, mode="valid").mean() for b in range(0, 360, 15)}
        assert max(responses, key=responses.get) == angle
        assert responses[angle] == pytest.approx(8.0)  # 2 samples apart, weights 1 + 2 + 1


def test_difference_kernel_finds_where_a_signal_steps():
    x = np.array([0.0, 0.0, 5.0, 5.0, 5.0, 1.0])
    d1, _ = signal.difference_kernels("float64")
    assert signal.correlate(x[None, :], d1)[0].tolist() == [0.0, -5.0, 0.0, 0.0, 4.0]
