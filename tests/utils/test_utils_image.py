import numpy as np
import pytest

from striate.utils import resize_images


@pytest.mark.parametrize("interpolation", ["bilinear", "area"])
@pytest.mark.parametrize("size", [(16, 16), (5, 9), (40, 33), (28, 28), (1, 1)])
def test_constant_images_stay_constant(interpolation, size):
    x = np.full((2, 28, 28), 200, np.uint8)
    out = resize_images(x, size, interpolation=interpolation)
    assert out.shape == (2, *size) and out.dtype == np.float32
    np.testing.assert_allclose(out, 200, rtol=1e-6)


@pytest.mark.parametrize("interpolation", ["bilinear", "area"])
def test_same_size_is_the_identity(interpolation):
    x = np.random.default_rng(0).random((3, 7, 5)).astype(np.float32)
    np.testing.assert_allclose(resize_images(x, (7, 5), interpolation=interpolation), x, rtol=1e-6)


def test_area_with_integer_factor_is_mean_pooling():
    x = np.random.default_rng(1).random((2, 8, 12))
    expected = x.reshape(2, 4, 2, 4, 3).mean(axis=(2, 4))  # (N, 4, 4): 2x3 blocks
    np.testing.assert_allclose(resize_images(x, (4, 4), interpolation="area"), expected, rtol=1e-5)


def test_area_preserves_the_mean_for_fractional_factors():
    # every input pixel gives the same total weight, so the image mean is kept (28 -> 16 is 1.75)
    x = np.random.default_rng(2).integers(0, 256, (4, 28, 28)).astype(np.uint8)
    out = resize_images(x, 16, interpolation="area")
    np.testing.assert_allclose(out.mean(axis=(1, 2)), x.mean(axis=(1, 2)), rtol=1e-5)
    assert out.min() >= 0 and out.max() <= 255


def test_bilinear_half_pixel_values_by_hand():
    x = np.array([[[0.0, 10.0]]])  # one 1x2 image
    # output centres at source positions -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1)
    np.testing.assert_allclose(resize_images(x, (1, 4))[0, 0], [0.0, 2.5, 7.5, 10.0])
    # downsizing 4 -> 2 samples at 0.5 and 2.5
    np.testing.assert_allclose(resize_images(np.arange(4.0).reshape(1, 1, 4), (1, 2))[0, 0], [0.5, 2.5])


@pytest.mark.parametrize("interpolation", ["bilinear", "area"])
def test_channels_last_equals_per_channel(interpolation):
    x = np.random.default_rng(3).random((2, 9, 11, 3)).astype(np.float32)
    out = resize_images(x, (4, 6), interpolation=interpolation)
    assert out.shape == (2, 4, 6, 3) and out.flags.c_contiguous
    for c in range(3):
        np.testing.assert_allclose(out[..., c], resize_images(x[..., c], (4, 6), interpolation=interpolation),
                                   rtol=1e-6)


def test_bilinear_matches_pytorch_interpolate():
    torch = pytest.importorskip("torch", reason="PyTorch is only a second, optional oracle")
    x = np.random.default_rng(4).random((3, 28, 28)).astype(np.float32)
    for size in [(16, 16), (7, 19), (50, 41)]:
        expected = torch.nn.functional.interpolate(torch.from_numpy(x)[:, None], size=size, mode="bilinear",
                                                   align_corners=False)[:, 0].numpy()
        np.testing.assert_allclose(resize_images(x, size), expected, atol=1e-5)


@pytest.mark.parametrize("x, size, kwargs, error, match", [
    (np.zeros((28, 28)), 16, {}, ValueError, r"x\[None\]"),
    (np.zeros((1, 2, 3, 4, 5)), 16, {}, ValueError, r"\(N, H, W, C\)"),
    (np.zeros((1, 0, 4)), 2, {}, ValueError, "empty"),
    (np.zeros((1, 4, 4)), 0, {}, ValueError, "positive"),
    (np.zeros((1, 4, 4)), "big", {}, TypeError, "size"),
    (np.zeros((1, 4, 4)), (2, 2, 2), {}, TypeError, "size"),
    (np.zeros((1, 4, 4)), 2, {"interpolation": "cubic"}, ValueError, "interpolation"),
    (np.array([[["a"]]]), 2, {}, TypeError, "numeric"),
])
def test_errors(x, size, kwargs, error, match):
    with pytest.raises(error, match=match):
        resize_images(x, size, **kwargs)
