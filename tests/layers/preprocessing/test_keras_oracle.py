"""The preprocessing layers against Keras 3 (torch backend) as an oracle.

Deterministic layers (Rescaling, Resizing, CenterCrop, Normalization) are compared
on fixed inputs. The random ones are compared with their transformation forced:
striate draws it, and both libraries' ``transform_images`` apply the same draw;
their draws are then compared as distributions (two-sample Kolmogorov-Smirnov
tests and frequencies over many images).
"""

import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
stats = pytest.importorskip("scipy.stats")
if keras.backend.backend() != "torch":
    pytest.skip("these tests compare with Keras's torch backend", allow_module_level=True)

from striate import layers as L  # noqa: E402
from striate.tensor import Tensor  # noqa: E402

EPS32 = float(np.finfo(np.float32).eps)
RNG = np.random.default_rng(0)
X = RNG.uniform(0, 255, (3, 7, 9, 2)).astype("float32")
X_RGB = RNG.uniform(0, 255, (4, 5, 6, 3)).astype("float32")


def tol(x):
    """Both sides compute sample positions in float32, off by ~eps * image size pixels, and a
    pixel step changes a value by up to max|x|; a few products and sums add a few eps more."""
    return 8 * EPS32 * max(x.shape[1:3]) * float(np.abs(x).max())


def keras_out(layer, x, **kwargs):
    return np.asarray(layer(x, **kwargs).detach().cpu())


def keras_apply(layer, x, transformation):
    return np.asarray(layer.transform_images(torch.tensor(x), transformation, training=True).detach().cpu())


def ours_apply(layer, x, transformation):
    return layer.transform_images(Tensor(x), transformation, training=True).data


def as_torch(array):
    return torch.tensor(np.asarray(array, dtype=np.float32))


# ---- deterministic layers on fixed inputs --------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    dict(height=4, width=5), dict(height=10, width=12), dict(height=4, width=5, interpolation="nearest"),
    dict(height=14, width=5, interpolation="nearest"), dict(height=4, width=4, crop_to_aspect_ratio=True),
    dict(height=4, width=4, pad_to_aspect_ratio=True, fill_value=3.0), dict(height=3, width=4, antialias=True),
    dict(height=5, width=3, pad_to_aspect_ratio=True, fill_value=-1.0),
])
def test_resizing(kwargs):
    np.testing.assert_allclose(L.Resizing(**kwargs)(X).data, keras_out(keras.layers.Resizing(**kwargs), X),
                               rtol=0, atol=tol(X))


def test_resizing_channels_first_and_single_image():
    x = np.ascontiguousarray(X.transpose(0, 3, 1, 2))
    ours = L.Resizing(4, 6, data_format="channels_first")(x).data
    np.testing.assert_allclose(ours, keras_out(keras.layers.Resizing(4, 6, data_format="channels_first"), x),
                               rtol=0, atol=tol(X))
    np.testing.assert_allclose(L.Resizing(4, 6)(X[0]).data, keras_out(keras.layers.Resizing(4, 6), X[0]),
                               rtol=0, atol=tol(X))


@pytest.mark.parametrize("size", [(4, 4), (8, 12), (7, 9), (3, 10)])
def test_center_crop(size):
    np.testing.assert_allclose(L.CenterCrop(*size)(X).data, keras_out(keras.layers.CenterCrop(*size), X),
                               rtol=0, atol=tol(X))


def test_rescaling():
    for scale, offset in ((1 / 255, 0.0), (1 / 127.5, -1.0), ([0.5, 2.0], [1.0, -1.0])):
        np.testing.assert_allclose(L.Rescaling(scale, offset)(X).data,
                                   keras_out(keras.layers.Rescaling(scale, offset), X), rtol=4 * EPS32, atol=0)


@pytest.mark.parametrize("axis", [-1, None, (1, 2), (1, 3)])
def test_normalization_adapt_on_arrays_and_batches(axis):
    ours, theirs = L.Normalization(axis=axis), keras.layers.Normalization(axis=axis)
    ours.adapt(X)
    theirs.adapt(X)
    expected = keras_out(theirs, X)
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(ours(X).data, expected, rtol=0, atol=64 * EPS32 * scale)
    batched = L.Normalization(axis=axis)
    batched.adapt([X[:1], X[1:]])  # a list of batches: the pairwise update gives the same statistics
    np.testing.assert_allclose(batched(X).data, expected, rtol=0, atol=64 * EPS32 * scale)


@pytest.mark.parametrize("invert", [False, True])
def test_normalization_fixed_statistics(invert):
    for mean, variance in ((3.0, 4.0), ([1.0, 2.0], [4.0, 9.0])):
        ours = L.Normalization(mean=mean, variance=variance, invert=invert)(X).data
        theirs = keras_out(keras.layers.Normalization(mean=mean, variance=variance, invert=invert), X)
        np.testing.assert_allclose(ours, theirs, rtol=4 * EPS32, atol=4 * EPS32)


# ---- random layers: identity at inference and at factor 0 ------------------------------------------------
RANDOM_LAYERS = [
    ("RandomFlip", dict(mode="horizontal_and_vertical")), ("RandomRotation", dict(factor=0.2)),
    ("RandomTranslation", dict(height_factor=0.2, width_factor=0.3)), ("RandomZoom", dict(height_factor=0.3)),
    ("RandomContrast", dict(factor=0.4)), ("RandomBrightness", dict(factor=0.3)),
    ("RandomGrayscale", dict(factor=0.5)),
]
ZERO_FACTOR = [
    ("RandomRotation", dict(factor=0.0)), ("RandomTranslation", dict(height_factor=0.0, width_factor=0.0)),
    ("RandomZoom", dict(height_factor=0.0)), ("RandomContrast", dict(factor=0.0)),
    ("RandomBrightness", dict(factor=0.0)), ("RandomGrayscale", dict(factor=0.0)),
]


@pytest.mark.parametrize("name, kwargs", RANDOM_LAYERS)
def test_random_layers_are_the_identity_at_inference(name, kwargs):
    ours = getattr(L, name)(seed=1, **kwargs)(X_RGB, training=False).data
    theirs = keras_out(getattr(keras.layers, name)(seed=1, **kwargs), X_RGB, training=False)
    np.testing.assert_array_equal(ours, X_RGB)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name, kwargs", ZERO_FACTOR)
def test_random_layers_at_factor_zero_are_the_identity_in_training(name, kwargs):
    ours = getattr(L, name)(seed=1, **kwargs)(X_RGB, training=True).data
    theirs = keras_out(getattr(keras.layers, name)(seed=1, **kwargs), X_RGB, training=True)
    np.testing.assert_allclose(ours, X_RGB, rtol=0, atol=tol(X_RGB))
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=tol(X_RGB))


# ---- random layers with the transformation forced ------------------------------------------------------
FILLS = [(fill_mode, interpolation) for fill_mode in ("reflect", "wrap", "constant", "nearest")
         for interpolation in ("bilinear", "nearest")]


@pytest.mark.parametrize("fill_mode, interpolation", FILLS)
def test_rotation_zoom_translation_with_forced_transforms(fill_mode, interpolation):
    common = dict(fill_mode=fill_mode, interpolation=interpolation, fill_value=7.0)
    rotation = L.RandomRotation(0.3, seed=2, **common)
    t = rotation.get_random_transformation(X)
    np.testing.assert_allclose(
        ours_apply(rotation, X, t),
        keras_apply(keras.layers.RandomRotation(0.3, **common), X, {"rotation_matrix": as_torch(t["rotation_matrix"])}),
        rtol=0, atol=tol(X))
    zoom = L.RandomZoom(0.4, (-0.3, 0.5), seed=3, **common)
    t = zoom.get_random_transformation(X)
    np.testing.assert_allclose(
        ours_apply(zoom, X, t),
        keras_apply(keras.layers.RandomZoom(0.4, (-0.3, 0.5), **common), X,
                    {"height_zoom": as_torch(t["height_zoom"]), "width_zoom": as_torch(t["width_zoom"])}),
        rtol=0, atol=tol(X))
    translation = L.RandomTranslation(0.4, 0.3, seed=4, **common)
    t = translation.get_random_transformation(X)
    np.testing.assert_allclose(
        ours_apply(translation, X, t),
        keras_apply(keras.layers.RandomTranslation(0.4, 0.3, **common), X,
                    {"translations": as_torch(t["translations"])}),
        rtol=0, atol=tol(X))


@pytest.mark.parametrize("mode", ["horizontal", "vertical", "horizontal_and_vertical"])
def test_flip_with_forced_flips(mode):
    flips = np.array([True, False, True]).reshape(3, 1, 1, 1)
    np.testing.assert_array_equal(ours_apply(L.RandomFlip(mode), X, {"flips": flips}),
                                  keras_apply(keras.layers.RandomFlip(mode), X, {"flips": torch.tensor(flips)}))


def test_contrast_brightness_grayscale_crop_with_forced_draws():
    c = np.array([0.6, 1.0, 1.7]).reshape(3, 1, 1, 1)
    np.testing.assert_allclose(ours_apply(L.RandomContrast(0.7), X, {"contrast_factor": c}),
                               keras_apply(keras.layers.RandomContrast(0.7), X, {"contrast_factor": as_torch(c)}),
                               rtol=0, atol=tol(X))
    d = np.array([-80.0, 0.0, 120.0]).reshape(3, 1, 1, 1)
    np.testing.assert_allclose(ours_apply(L.RandomBrightness(0.5), X, {"rgb_delta": d}),
                               keras_apply(keras.layers.RandomBrightness(0.5), X, {"rgb_delta": as_torch(d)}),
                               rtol=0, atol=tol(X))
    g = np.array([True, False, False, True]).reshape(4, 1, 1, 1)
    np.testing.assert_allclose(ours_apply(L.RandomGrayscale(), X_RGB, g),
                               keras_apply(keras.layers.RandomGrayscale(), X_RGB, torch.tensor(g)),
                               rtol=0, atol=tol(X_RGB))
    for offset in ((0, 0), (2, 3), (3, 4)):
        np.testing.assert_array_equal(ours_apply(L.RandomCrop(4, 5), X, offset),
                                      keras_apply(keras.layers.RandomCrop(4, 5), X, offset))


# ---- the random draws as distributions ----------------------------------------------------------------
MANY = np.zeros((2000, 4, 4, 3), dtype="float32")


def test_flip_frequency_matches_keras():
    ours = L.RandomFlip(seed=5).get_random_transformation(MANY)["flips"].mean()
    theirs = keras.layers.RandomFlip(seed=5).get_random_transformation(MANY)["flips"].float().mean().item()
    # 2,000 fair coins: standard deviation 0.011; five of them either way
    assert abs(ours - 0.5) < 0.056 and abs(theirs - 0.5) < 0.056


def _ks_same(ours, theirs):
    return stats.ks_2samp(np.ravel(ours), np.ravel(theirs)).pvalue > 1e-4


def test_rotation_angles_match_keras_distribution():
    ours = L.RandomRotation((-0.1, 0.3), seed=6).get_random_transformation(MANY)["angle"]
    theirs = keras.layers.RandomRotation((-0.1, 0.3), seed=6).get_random_transformation(MANY)["angle"].numpy()
    assert ours.min() >= -36.0 and ours.max() <= 108.0
    assert _ks_same(ours, theirs)
    assert stats.kstest(ours, stats.uniform(-36.0, 144.0).cdf).pvalue > 1e-4


def test_brightness_zoom_translation_draws_match_keras_distribution():
    ours = L.RandomBrightness(0.2, seed=7).get_random_transformation(MANY)["rgb_delta"]
    theirs = keras.layers.RandomBrightness(0.2, seed=7).get_random_transformation(MANY)["rgb_delta"].numpy()
    assert ours.min() >= -51.0 and ours.max() <= 51.0 and _ks_same(ours, theirs)
    ours = L.RandomZoom((-0.2, 0.4), seed=8).get_random_transformation(MANY)["height_zoom"]
    theirs = keras.layers.RandomZoom((-0.2, 0.4), seed=8).get_random_transformation(MANY)["height_zoom"].numpy()
    assert ours.min() >= 0.8 and ours.max() <= 1.4 and _ks_same(ours, theirs)
    ours = L.RandomTranslation(0.25, 0.5, seed=9).get_random_transformation(MANY)["translations"]
    theirs = keras.layers.RandomTranslation(0.25, 0.5, seed=9).get_random_transformation(MANY)["translations"].numpy()
    assert _ks_same(ours[:, 0], theirs[:, 0]) and _ks_same(ours[:, 1], theirs[:, 1])


def test_contrast_factor_follows_the_documented_range():
    """keras.io: a number f draws from [1 - f, 1 + f]. (Keras 3.15's code draws from [1, 1 + f]
    for a number and from [1 - lower, 1 + upper] for a pair, which is what we compare with.)"""
    ours = L.RandomContrast(0.3, seed=10).get_random_transformation(MANY)["contrast_factor"].ravel()
    assert stats.kstest(ours, stats.uniform(0.7, 0.6).cdf).pvalue > 1e-4
    pair = L.RandomContrast((0.2, 0.5), seed=10).get_random_transformation(MANY)["contrast_factor"]
    theirs = keras.layers.RandomContrast((0.2, 0.5), seed=10).get_random_transformation(MANY)["contrast_factor"]
    assert _ks_same(pair, theirs.numpy())


def test_grayscale_frequency_and_crop_positions():
    ours = L.RandomGrayscale(0.3, seed=11).get_random_transformation(MANY).mean()
    assert abs(ours - 0.3) < 5 * np.sqrt(0.3 * 0.7 / len(MANY))
    layer = L.RandomCrop(4, 5, seed=12)
    offsets = np.array([layer.get_random_transformation(X) for _ in range(1200)])  # 4 x 5 positions
    counts = np.zeros((4, 5))
    np.add.at(counts, (offsets[:, 0], offsets[:, 1]), 1)
    assert stats.chisquare(counts.ravel()).pvalue > 1e-4


CONFIGS = [
    ("Rescaling", dict(scale=0.5, offset=1.0)), ("Resizing", dict(height=3, width=4)),
    ("CenterCrop", dict(height=3, width=4)), ("RandomCrop", dict(height=3, width=4, seed=1)),
    ("Normalization", dict()), ("RandomFlip", dict(seed=1)), ("RandomRotation", dict(factor=0.1, seed=1)),
    ("RandomTranslation", dict(height_factor=0.1, width_factor=0.2, seed=1)),
    ("RandomZoom", dict(height_factor=0.1, seed=1)), ("RandomContrast", dict(factor=(0.1, 0.2), seed=1)),
    ("RandomBrightness", dict(factor=0.1, seed=1)), ("RandomGrayscale", dict(factor=0.3, seed=1)),
]


@pytest.mark.parametrize("name, kwargs", CONFIGS)
def test_config_keys_and_values_match_keras(name, kwargs):
    ours = getattr(L, name)(**kwargs).get_config()
    theirs = getattr(keras.layers, name)(**kwargs).get_config()
    shared = set(theirs) - {"name", "dtype", "trainable"}
    assert shared <= set(ours), shared - set(ours)
    for key in shared:
        a, b = ours[key], theirs[key]
        a = list(a) if isinstance(a, tuple) else a
        b = list(b) if isinstance(b, tuple) else b
        assert a == b or (isinstance(b, float) and a == pytest.approx(b)), (key, a, b)
    # and Keras's config, less its dtype policy, makes our layer
    clone = getattr(L, name).from_config({k: v for k, v in theirs.items() if k != "dtype"})
    assert clone.get_config()["name"] == theirs["name"]
