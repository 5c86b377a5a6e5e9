"""The shared affine-resampling helper against SciPy's map_coordinates, and its gradients."""

import numpy as np
import pytest

import striate
from striate.layers.preprocessing import _affine
from striate.layers.preprocessing.random_rotation import rotation_transforms
from striate.layers.preprocessing.random_translation import translation_transforms
from striate.layers.preprocessing.random_zoom import zoom_transforms
from striate.tensor import Tensor

ndimage = pytest.importorskip("scipy.ndimage")

# SciPy's names for Keras's fill modes: same boundary rules, sample by sample.
SCIPY_MODE = {"reflect": "reflect", "wrap": "grid-wrap", "nearest": "nearest", "constant": "grid-constant"}
ORDER = {"nearest": 0, "bilinear": 1}


def scipy_affine(x, transform, interpolation, fill_mode, fill_value):
    n, h, w, c = x.shape
    out = np.empty_like(x, dtype=np.float64)
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    for i in range(n):
        a0, a1, a2, b0, b1, b2 = transform[i, :6]
        coords = np.stack([b0 * xx + b1 * yy + b2, a0 * xx + a1 * yy + a2])
        for ch in range(c):
            out[i, :, :, ch] = ndimage.map_coordinates(x[i, :, :, ch].astype(np.float64), coords,
                                                       order=ORDER[interpolation], mode=SCIPY_MODE[fill_mode],
                                                       cval=fill_value)
    return out


def transforms_of(kind, n, h, w, rng):
    if kind == "rotation":
        return rotation_transforms(rng.uniform(-180, 180, n), h, w)
    if kind == "zoom":
        return zoom_transforms(rng.uniform(0.5, 1.6, n), rng.uniform(0.5, 1.6, n), h, w)
    return translation_transforms(rng.uniform(-0.6, 0.6, (n, 2)) * [w, h])


@pytest.mark.parametrize("kind", ["rotation", "zoom", "translation"])
@pytest.mark.parametrize("fill_mode", _affine.FILL_MODES)
def test_bilinear_matches_scipy(kind, fill_mode):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 6, 7, 2))
    t = transforms_of(kind, 3, 6, 7, rng)
    got = _affine.affine_transform(Tensor(x), t, "bilinear", fill_mode, fill_value=0.7).data
    np.testing.assert_allclose(got, scipy_affine(x, t, "bilinear", fill_mode, 0.7), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("fill_mode", _affine.FILL_MODES)
def test_nearest_matches_scipy_away_from_ties(fill_mode):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 8, 1))
    # Shifts by a quarter pixel never land on a tie (where rounding rules differ).
    t = translation_transforms([[1.25, -2.25], [-3.75, 0.25]])
    got = _affine.affine_transform(Tensor(x), t, "nearest", fill_mode, fill_value=-2.0).data
    np.testing.assert_array_equal(got, scipy_affine(x, t, "nearest", fill_mode, -2.0))


def test_separable_and_gather_paths_agree():
    rng = np.random.default_rng(2)
    x = Tensor(rng.standard_normal((2, 5, 6, 3)))
    t = zoom_transforms([0.7, 1.3], [1.2, 0.8], 5, 6)
    for fill_mode in _affine.FILL_MODES:
        separable = _affine.affine_transform(x, t, "bilinear", fill_mode, 0.5).data
        gathered = _affine._gather(x, tuple(t[:, :6].T), "bilinear", fill_mode, 0.5 if fill_mode == "constant" else 0.0)
        np.testing.assert_allclose(separable, gathered.data, rtol=1e-12, atol=1e-12)


def test_integer_shift_is_a_pad_and_crop():
    """A whole-pixel shift equals numpy.pad with the matching mode, cut back to size."""
    x = np.arange(20.0).reshape(1, 4, 5, 1)
    pad_mode = {"reflect": "symmetric", "wrap": "wrap", "nearest": "edge", "constant": "constant"}
    for fill_mode, mode in pad_mode.items():
        got = _affine.affine_transform(Tensor(x), translation_transforms([[2, 1]]), "bilinear", fill_mode).data
        padded = np.pad(x[0, :, :, 0], ((1, 0), (2, 0)), mode=mode)[:4, :5]
        np.testing.assert_array_equal(got[0, :, :, 0], padded)


@pytest.mark.parametrize("kind", ["rotation", "zoom"])
def test_gradients_through_both_paths(kind):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 5, 2))
    t = transforms_of(kind, 2, 4, 5, rng)
    assert striate.gradcheck(lambda v: _affine.affine_transform(v, t, "bilinear", "reflect"), x)
    assert striate.gradcheck(lambda v: _affine.affine_transform(v, t, "bilinear", "constant", 1.5), x)


def test_bad_arguments_name_the_helper():
    x = Tensor(np.zeros((1, 3, 3, 1)))
    with pytest.raises(ValueError, match="fill_mode"):
        _affine.affine_transform(x, np.eye(3).ravel()[:8], fill_mode="mirror")
    with pytest.raises(ValueError, match="interpolation"):
        _affine.affine_transform(x, np.eye(3).ravel()[:8], interpolation="bicubic")
    with pytest.raises(ValueError, match="transform"):
        _affine.affine_transform(x, np.zeros((2, 8)))


@pytest.mark.parametrize("kind", ["rotation", "zoom"])
@pytest.mark.parametrize("fill_mode", _affine.FILL_MODES)
def test_graph_and_no_graph_paths_agree(kind, fill_mode):
    """Without a gradient to carry the helper computes in plain NumPy (einsum, take); the
    values are those of the Tensor-op path, to float32 rounding."""
    rng = np.random.default_rng(4)
    x = rng.uniform(0, 1, (3, 6, 7, 2)).astype(np.float32)
    t = transforms_of(kind, 3, 6, 7, rng)
    plain = _affine.affine_transform(Tensor(x), t, "bilinear", fill_mode, 0.25)
    tracked = _affine.affine_transform(Tensor(x, requires_grad=True), t, "bilinear", fill_mode, 0.25)
    assert not plain.requires_grad and tracked.requires_grad
    np.testing.assert_allclose(plain.data, tracked.data, rtol=0, atol=16 * np.finfo(np.float32).eps)
